"""Experiment kind ``agi_beliefs``: different beliefs about AGI make "until AGI" terms a trade (theory.md §6).

For a grid of belief gaps ``lambda_O - lambda_M`` (``lambda_M`` at its calibrated value,
``lambda_O = lambda_M + gap``), the case's own valuation (:func:`.payoffs.term_pv`, i.e.
:func:`negotiation.valuation.pv_piecewise_flow` on OpenAI's revenue path) gives, per percentage
point of revenue share, Microsoft's value and OpenAI's cost of "revenue share until AGI" over
"until 2030" (the status-quo sunset), and the joint surplus the switch creates. Under the board
trigger both parties add the hold-up hazard to the AGI hazard; under the panel trigger neither
does. Bands: 90% over calibration draws of every other input. The grid runs from a common belief
(gap 0, a labelled counterfactual outside the calibrated range) to the largest calibrated gap.
The predicted contracts' AGI terms along the grid come from the batch path (``predict_batch``).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

import numpy as np

from negotiation.cases.microsoft_openai.batch import predict_batch
from negotiation.cases.microsoft_openai.parameters import CALIBRATION_FILE, Parameters, calibration
from negotiation.cases.microsoft_openai.payoffs import DISCRETE_TERMS, term_pv
from negotiation.cases.microsoft_openai.solve import CONCEPTS
from negotiation.experiments._dynamics import band, replicate
from negotiation.pipeline import Experiment, FigureSpec, Param, Progress, Results, SavedResults, Table
from negotiation.plots import OKABE_ITO, journal_style, new_figure, style_of

SCHEMA = {
    "gap_points": Param(int, "belief gaps on the value grid", default=61, low=3, high=1000),
    "draws": Param(int, "calibration draws for the 90% bands", default=2000, low=2, high=100_000),
    "contract_points": Param(int, "belief gaps at which the contract is predicted", default=23, low=2, high=200),
    "concepts": Param(list, "concepts whose predicted AGI terms are tracked", item=str,
                      default=["nash", "asymmetric_nash", "rubinstein", "variable_threat"], choices=CONCEPTS),
}

TRIGGERS = ("panel", "board")
#: The sunset the "until AGI" term is compared with: the case's only dated revenue-share sunset.
SUNSET = next(v for v in DISCRETE_TERMS["revenue_share_until"] if v != "agi")
#: Revenue share is quoted per percentage point.
POINT = 0.01
AGI_TERMS = ("revenue_share_until", "api_exclusivity", "agi_trigger")
PARTY_COLOURS = {"microsoft": OKABE_ITO["blue"], "openai": OKABE_ITO["vermillion"], "joint": OKABE_ITO["black"]}
PARTY_LABELS = {"microsoft": "Microsoft's value", "openai": "OpenAI's cost", "joint": "Joint gain"}
TRIGGER_LINES = {"panel": "-", "board": "--"}


def agi_premium(p: Parameters, trigger: str) -> dict[str, np.ndarray]:
    """Per point of revenue share: Microsoft's value and OpenAI's cost of "until AGI" over "until 2030".

    ``value_M = PV_M(agi) - PV_M(2030)`` under ``lambda_M`` (+ hold-up hazard under the board),
    ``cost_O`` the same under ``lambda_O``; the joint gain is ``value_M - cost_O`` ($B per point).
    """
    value = POINT * (term_pv(p, 1.0, "agi", p.lambda_microsoft, trigger) - term_pv(p, 1.0, SUNSET, p.lambda_microsoft, trigger))
    cost = POINT * (term_pv(p, 1.0, "agi", p.lambda_openai, trigger) - term_pv(p, 1.0, SUNSET, p.lambda_openai, trigger))
    return {"microsoft": value, "openai": cost, "joint": value - cost}


def with_gap(p: Parameters, gap: np.ndarray | float) -> Parameters:
    """The draws of ``p`` with OpenAI's hazard set to ``lambda_M + gap``."""
    return dataclasses.replace(p, lambda_openai=np.asarray(p.lambda_microsoft) + gap)


def value_curves(central: Parameters, sample: Parameters, gaps: np.ndarray, progress: Progress) -> dict[str, Any]:
    """Central curves and 90% bands of the premia over the gap grid, per trigger."""
    grid = with_gap(replicate(central, len(gaps)), gaps)
    curves: dict[str, Any] = {}
    for t_index, trigger in enumerate(TRIGGERS):
        line = {party: values.tolist() for party, values in agi_premium(grid, trigger).items()}
        bands = {party: {"low": [], "high": []} for party in line}
        for g_index, gap in enumerate(gaps):
            for party, values in agi_premium(with_gap(sample, gap), trigger).items():
                b = band(values)
                bands[party]["low"].append(b["low"])
                bands[party]["high"].append(b["high"])
            progress.update("belief gaps", t_index * len(gaps) + g_index + 1, len(TRIGGERS) * len(gaps))
        curves[trigger] = {"central": line, "band": bands}
    return curves


def contract_path(central: Parameters, gaps: np.ndarray, concepts: list[str], progress: Progress) -> dict[str, Any]:
    """Each concept's predicted contract (batch path) at every gap of ``gaps``."""
    grid = with_gap(replicate(central, len(gaps)), gaps)
    path: dict[str, Any] = {}
    for index, concept in enumerate(concepts, start=1):
        prediction = predict_batch(concept, grid)
        path[concept] = {
            "terms": {t: [None if x is None else str(x) for x in prediction.contract[t]] for t in AGI_TERMS},
            "revenue_share": np.nan_to_num(prediction.contract["revenue_share"], nan=-1.0).tolist(),
            "equity": np.nan_to_num(prediction.contract["equity"], nan=-1.0).tolist(),
            "infeasible": prediction.infeasible.tolist(),
        }
        progress.update("concepts", index, len(concepts))
    return path


def term_changes(gaps: np.ndarray, path: Mapping[str, Any]) -> list[tuple[Any, ...]]:
    """Rows (concept, first gap, AGI terms, revenue share, equity) where a concept's AGI terms change."""
    rows = []
    for concept, record in path.items():
        previous = None
        for i, gap in enumerate(gaps):
            terms = tuple(record["terms"][t][i] or "none (no deal)" for t in AGI_TERMS)
            if terms != previous:
                rows.append((style_of(concept).label, float(gap), *terms, record["revenue_share"][i],
                             record["equity"][i]))
                previous = terms
    return rows


def run(parameters: Mapping[str, Any], rng: np.random.Generator, progress: Progress) -> Results:
    """Premia of "until AGI" over the belief grid, board vs panel, and the predicted AGI terms."""
    cal = calibration()
    central = cal.central()
    spec_m, spec_o = cal.specs["lambda_microsoft"], cal.specs["lambda_openai"]
    calibrated = {"low": spec_o.low - spec_m.high, "central": spec_o.central - spec_m.central,
                  "high": spec_o.high - spec_m.low}
    gaps = np.linspace(0.0, calibrated["high"], parameters["gap_points"])
    sample = cal.sample(rng, parameters["draws"])
    curves = value_curves(central, sample, gaps, progress)
    reference = reference_premia(central, calibrated)
    contract_gaps = np.linspace(0.0, calibrated["high"], parameters["contract_points"])
    path = contract_path(central, contract_gaps, parameters["concepts"], progress)
    values = {
        "gaps": gaps.tolist(),
        "calibrated_gap": calibrated,
        "lambda_microsoft": spec_m.central,
        "curves": curves,
        "reference": reference,
        "contract_gaps": contract_gaps.tolist(),
        "contracts": path,
        "draws": parameters["draws"],
        "unit": "$B per percentage point of revenue share",
        "sunset": SUNSET,
    }
    return Results(values=values, tables=tables(values, contract_gaps), macros=macros(values))


def reference_premia(central: Parameters, calibrated: Mapping[str, float]) -> list[dict[str, Any]]:
    """Premia at the central calibration for a common belief (gap 0) and the calibrated low / central / high gaps."""
    reference = {"Common belief (counterfactual)": 0.0, **{f"Calibrated {k}": v for k, v in calibrated.items()}}
    rows = []
    for label, gap in reference.items():
        p = with_gap(replicate(central, 1), gap)
        rows.append({"label": label, "gap": gap, **{trigger: {party: float(x[0]) for party, x in
                                                              agi_premium(p, trigger).items()} for trigger in TRIGGERS}})
    return rows


def tables(values: Mapping[str, Any], contract_gaps: np.ndarray) -> dict[str, Table]:
    """Premia at the reference gaps, and where each concept's predicted AGI terms switch."""
    parties = ("microsoft", "openai", "joint")
    rows = [(r["label"], r["gap"], *(r["panel"][k] for k in parties), *(r["board"][k] for k in parties))
            for r in values["reference"]]
    premia = Table(
        columns=("belief", "gap", "value_M_panel", "cost_O_panel", "joint_panel", "value_M_board", "cost_O_board",
                 "joint_board"),
        rows=tuple(rows),
        headers=("Beliefs", "$\\lambda_O-\\lambda_M$", "$M$ value (panel)", "$O$ cost (panel)", "Joint (panel)",
                 "$M$ value (board)", "$O$ cost (board)", "Joint (board)"),
        formats=("s", ".3f", ".2f", ".2f", ".2f", ".2f", ".2f", ".2f"),
    )
    switches = Table(
        columns=("concept", "from_gap", *AGI_TERMS, "revenue_share", "equity"),
        rows=tuple(term_changes(contract_gaps, values["contracts"])),
        headers=("Concept", "From gap", "Share until", "API exclusivity", "AGI trigger", "Rev.\\ share", "Equity"),
        formats=("s", ".3f", "s", "s", "s", ".3f", ".2f"),
    )
    return {"premia": premia, "contract_terms": switches}


def macros(values: Mapping[str, Any]) -> dict[str, str]:
    """Premia at the central calibration (panel and board), the hold-up loss, the calibrated gaps."""
    out = {"Draws": str(values["draws"])}
    for key, gap in values["calibrated_gap"].items():
        out[f"Gap{key.capitalize()}"] = f"{gap:.3f}"
    names = {"microsoft": "ValueMicrosoft", "openai": "CostOpenAI", "joint": "JointGain"}
    at_central = next(r for r in values["reference"] if r["label"] == "Calibrated central")
    for trigger in TRIGGERS:
        for party, name in names.items():
            out[f"{name}{trigger.capitalize()}"] = f"{at_central[trigger][party]:.2f}"
    holdup = at_central["panel"]["joint"] - at_central["board"]["joint"]
    out["HoldupLoss"] = f"{holdup:.2f}"
    return out


def values_figure(saved: SavedResults):
    """Belief gap vs Microsoft's value, OpenAI's cost and the joint gain of "until AGI", board vs panel."""
    v = saved.values
    gaps = np.array(v["gaps"])
    with journal_style():
        fig, ax = new_figure("single", aspect=0.8)
        ax.axvspan(v["calibrated_gap"]["low"], v["calibrated_gap"]["high"], color="0.95", zorder=0,
                   label="Calibrated gap range")
        ax.axvline(v["calibrated_gap"]["central"], color="0.6", linewidth=0.6, linestyle="-.", zorder=1,
                   label="Central calibration")
        for trigger in TRIGGERS:
            curve = v["curves"][trigger]
            for party, colour in PARTY_COLOURS.items():
                if trigger == "panel" and party == "joint":
                    ax.fill_between(gaps, curve["band"][party]["low"], curve["band"][party]["high"], color=colour,
                                    alpha=0.15, linewidth=0, zorder=1,
                                    label="Joint gain (panel), 90% band")
                ax.plot(gaps, curve["central"][party], color=colour, linestyle=TRIGGER_LINES[trigger],
                        label=f"{PARTY_LABELS[party]} ({trigger})", zorder=3)
        ax.axhline(0.0, color="black", linewidth=0.4)
        ax.set_xlabel(r"Belief gap $\lambda_O-\lambda_M$ (1/yr)")
        ax.set_ylabel("\\$B per point of revenue share")
        ax.set_xlim(gaps[0], gaps[-1])
        fig.legend(loc="outside lower center", ncols=2, fontsize=6)
    return fig


EXPERIMENT = Experiment(
    kind="agi_beliefs",
    description="Belief gaps about AGI make 'until AGI' terms a trade both sides like; board vs panel trigger.",
    schema=SCHEMA,
    run=run,
    figures=(FigureSpec(
        "values", values_figure,
        "Value to Microsoft and cost to OpenAI of extending one percentage point of revenue share from 2030 "
        "to AGI, and the joint gain, against the belief gap $\\lambda_O-\\lambda_M$ (\\$B of present value). "
        "Solid: panel-verified AGI trigger; dashed: board trigger (both sides price the hold-up hazard). Band: "
        "90\\% of the joint gain (panel) over calibration draws of the other inputs. Shaded: the calibrated gap range; gap 0 "
        "(common belief) is a counterfactual."),),
    data_files=(CALIBRATION_FILE,),
)
