"""Experiment kind ``agi_beliefs``: what a belief gap about AGI would do (a labelled counterfactual).

The model values every AGI-contingent flow under one common prior, ``agi_hazard``
(:mod:`negotiation.cases.microsoft_openai.payoffs`); under it "until AGI" is worth to Microsoft
exactly what it costs OpenAI, and the revenue share's sunset is a transfer. This experiment asks
what would change if OpenAI believed AGI nearer than Microsoft: for a grid of gaps
``lambda_O - lambda_M`` (``lambda_M = agi_hazard``, ``lambda_O = agi_hazard + gap``) the case's
own valuation (:func:`.payoffs.term_pv`) gives, per percentage point of revenue share, Microsoft's
value and OpenAI's cost of "revenue share until AGI" over "until 2030" (the status-quo sunset),
and the joint gain the switch creates. Under the board trigger both parties add the hold-up
hazard; under the panel trigger neither does. Bands: 90% over calibration draws of every other
input. With a gap > 0 and risk-neutral parties the gain is linear in the rate, so such a bet has
no interior optimum: the contract problem is not solved under a gap (theory.md §6).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from negotiation.cases.microsoft_openai.parameters import CALIBRATION_FILE, Parameters, calibration
from negotiation.cases.microsoft_openai.space import CONTRACT_SPACE_FILE
from negotiation.cases.microsoft_openai.payoffs import DISCRETE_OPTIONS, term_pv
from negotiation.cases.microsoft_openai.experiments._dynamics import band, replicate
from negotiation.pipeline import Experiment, FigureSpec, Param, Progress, Results, SavedResults, Table
from negotiation.plots import OKABE_ITO, journal_style, new_figure

SCHEMA = {
    "gap_points": Param(int, "belief gaps on the value grid", default=61, low=3, high=1000),
    "draws": Param(int, "calibration draws for the 90% bands", default=2000, low=2, high=100_000),
    "max_gap": Param(float, "largest belief gap lambda_O - lambda_M of the grid (1/yr)", default=0.25, low=0.01,
                     high=1.0),
}

TRIGGERS = ("panel", "board")
#: The sunset the "until AGI" term is compared with: the case's only dated revenue-share sunset.
SUNSET = next(v for v in DISCRETE_OPTIONS["revenue_share_until"] if v != "agi")
#: Revenue share is quoted per percentage point.
POINT = 0.01
PARTY_COLOURS = {"microsoft": OKABE_ITO["blue"], "openai": OKABE_ITO["vermillion"], "joint": OKABE_ITO["black"]}
PARTY_LABELS = {"microsoft": "Microsoft's value", "openai": "OpenAI's cost", "joint": "Joint gain"}
TRIGGER_LINES = {"panel": "-", "board": "--"}


def agi_premium(p: Parameters, trigger: str, gap: np.ndarray | float = 0.0) -> dict[str, np.ndarray]:
    """Per point of revenue share: Microsoft's value and OpenAI's cost of "until AGI" over "until 2030".

    ``value_M = PV(agi) - PV(2030)`` at hazard ``agi_hazard`` (+ hold-up hazard under the board),
    ``cost_O`` the same at ``agi_hazard + gap``; the joint gain is ``value_M - cost_O`` ($B per point).
    """
    lam_m = np.asarray(p.agi_hazard, dtype=float)
    lam_o = lam_m + gap
    value = POINT * (term_pv(p, 1.0, "agi", lam_m, trigger) - term_pv(p, 1.0, SUNSET, lam_m, trigger))
    cost = POINT * (term_pv(p, 1.0, "agi", lam_o, trigger) - term_pv(p, 1.0, SUNSET, lam_o, trigger))
    return {"microsoft": value, "openai": cost, "joint": value - cost}


def value_curves(central: Parameters, sample: Parameters, gaps: np.ndarray, progress: Progress) -> dict[str, Any]:
    """Central curves and 90% bands of the premia over the gap grid, per trigger."""
    grid = replicate(central, len(gaps))
    curves: dict[str, Any] = {}
    for t_index, trigger in enumerate(TRIGGERS):
        line = {party: values.tolist() for party, values in agi_premium(grid, trigger, gaps).items()}
        bands = {party: {"low": [], "high": []} for party in line}
        for g_index, gap in enumerate(gaps):
            for party, values in agi_premium(sample, trigger, gap).items():
                b = band(values)
                bands[party]["low"].append(b["low"])
                bands[party]["high"].append(b["high"])
            progress.update("belief gaps", t_index * len(gaps) + g_index + 1, len(TRIGGERS) * len(gaps))
        curves[trigger] = {"central": line, "band": bands}
    return curves


def run(parameters: Mapping[str, Any], rng: np.random.Generator, progress: Progress) -> Results:
    """Premia of "until AGI" over the belief-gap grid, board vs panel (a counterfactual)."""
    cal = calibration()
    central = cal.central()
    gaps = np.linspace(0.0, parameters["max_gap"], parameters["gap_points"])
    sample = cal.sample(rng, parameters["draws"])
    curves = value_curves(central, sample, gaps, progress)
    reference = reference_premia(central, {"Common prior (the model)": 0.0,
                                           "Half the largest gap": parameters["max_gap"] / 2,
                                           "Largest gap": parameters["max_gap"]})
    values = {
        "gaps": gaps.tolist(),
        "max_gap": parameters["max_gap"],
        "agi_hazard": cal.specs["agi_hazard"].central,
        "curves": curves,
        "reference": reference,
        "draws": parameters["draws"],
        "unit": "$B per percentage point of revenue share",
        "sunset": SUNSET,
    }
    return Results(values=values, tables=tables(values), macros=macros(values))


def reference_premia(central: Parameters, gaps: Mapping[str, float]) -> list[dict[str, Any]]:
    """Premia at the central calibration for the named gaps."""
    rows = []
    for label, gap in gaps.items():
        p = replicate(central, 1)
        rows.append({"label": label, "gap": gap, **{trigger: {party: float(x[0]) for party, x in
                                                              agi_premium(p, trigger, gap).items()} for trigger in TRIGGERS}})
    return rows


def tables(values: Mapping[str, Any]) -> dict[str, Table]:
    """Premia at the reference gaps."""
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
    return {"premia": premia}


def macros(values: Mapping[str, Any]) -> dict[str, str]:
    """Premia at the largest gap (panel and board), the largest gap, the draws."""
    out = {"Draws": str(values["draws"]), "GapMax": f"{values['max_gap']:.2f}"}
    names = {"microsoft": "ValueMicrosoft", "openai": "CostOpenAI", "joint": "JointGain"}
    largest = values["reference"][-1]
    for trigger in TRIGGERS:
        for party, name in names.items():
            out[f"{name}{trigger.capitalize()}"] = f"{largest[trigger][party]:.2f}"
    return out


def values_figure(saved: SavedResults):
    """Belief gap vs Microsoft's value, OpenAI's cost and the joint gain of "until AGI", board vs panel."""
    v = saved.values
    gaps = np.array(v["gaps"])
    with journal_style():
        fig, ax = new_figure("single", aspect=0.8)
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
    description="Counterfactual: what a belief gap about AGI would make of 'until AGI' terms; board vs panel trigger.",
    schema=SCHEMA,
    run=run,
    figures=(FigureSpec(
        "values", values_figure,
        "Value to Microsoft and cost to OpenAI of extending one percentage point of revenue share from 2030 "
        "to AGI, and the joint gain, against the belief gap $\\lambda_O-\\lambda_M$ (\\$B of present value). "
        "Solid: panel-verified AGI trigger; dashed: board trigger (both sides price the hold-up hazard). Band: "
        "90\\% of the joint gain (panel) over calibration draws of the other inputs. Gap 0 is the model's common "
        "prior; every other gap is a counterfactual."),),
    data_files=(CALIBRATION_FILE, CONTRACT_SPACE_FILE),
)
