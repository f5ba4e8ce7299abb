"""Experiment kind ``alternating_offers``: Rubinstein bargaining with the case's discount rate.

Per-round discount factors ``delta_i = exp(-r Delta)`` (:func:`.solve.discount_factors`, one rate
per party, the same rate that values the flows), the
status quo as the impasse payoff d and the outside options of :func:`.threats.outside_options`
as constraints (Shaked-Sutton), solved in closed form by :func:`negotiation.batch.rubinstein_batch`
on the case's contract problems (``predict_batch("rubinstein")`` for Microsoft proposing first).
Reported: the SPE agreement and contract at the central calibration and its 90% interval over
calibration draws; its distance to the asymmetric Nash solution with the BRW weight
``r_O / (r_M + r_O)`` (here 1/2) as the offer interval ``Delta`` shrinks (Binmore, Rubinstein &
Wolinsky 1986); the effect of the end-2025 SoftBank deadline; and who proposes first.

Deadline. The deadline enters the model once, in the disagreement point: if OpenAI has not
converted by 31 Dec 2025 the financing conditional on it falls away (``softbank_at_risk`` and the
2024 round's ``clawback_2024_round``, at ``financing_friction`` per dollar in
:func:`.payoffs.conversion_loss`). The no-deadline counterfactual sets both to zero; the high case
takes SoftBank's money at its high end. Rates do not change.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from negotiation.batch import BatchSolution, rubinstein_batch
from negotiation.cases.microsoft_openai.batch import (discount_factors_batch, family, outside_options_batch,
                                                      predict_batch, threat_matrices)
from negotiation.cases.microsoft_openai.parameters import CALIBRATION_FILE, Parameters, calibration
from negotiation.cases.microsoft_openai.space import CONTRACT_SPACE_FILE
from negotiation.cases.microsoft_openai.solve import discount_factors, microsoft_weight
from negotiation.cases.microsoft_openai.experiments._dynamics import (band, contract_of, representatives, draw_frontier, frontier_points,
                                               label_axes, mark, money, prediction_contract, replicate,
                                               settlement_utilities)
from negotiation.pipeline import Experiment, FigureSpec, Param, Progress, Results, SavedResults, Table
from negotiation.plots import OKABE_ITO, journal_style, new_figure, style_of

SCHEMA = {
    "interval_points": Param(int, "offer intervals on the convergence grid", default=25, low=2, high=200),
    "interval_min": Param(float, "shortest offer interval of the grid (years)", default=1e-4, low=1e-8, high=1.0),
    "interval_max": Param(float, "longest offer interval of the grid (years)", default=1.0, low=1e-6, high=10.0),
    "draws": Param(int, "calibration draws for the 90% interval of the SPE", default=64, low=2, high=2000),
    "frontier_points": Param(int, "points tracing the Pareto frontier in the figure", default=120, low=10, high=1000),
}

PROPOSERS = {"microsoft": 0, "openai": 1}
PROPOSER_LABELS = {"microsoft": "Microsoft proposes first", "openai": "OpenAI proposes first"}
PROPOSER_COLOURS = {"microsoft": style_of("rubinstein").color, "openai": OKABE_ITO["reddish_purple"]}
#: Financing conditional on the end-2025 deadline ($B): none (counterfactual), central, SoftBank's high end.
DEADLINE_LABELS = {"no_deadline": "no deadline (no financing at risk)", "central": "central calibration",
                   "high": "SoftBank's money at risk at its high end"}
#: An outside option binds when the responder's SPE utility is within this of it ($B, relative).
BINDING_TOL = 1e-6
#: Margin ($B) below the lowest plotted point from which the figure's frontier is traced.
FRONTIER_MARGIN = 10.0


def spe(p: Parameters, proposer: int) -> tuple[BatchSolution, np.ndarray]:
    """The SPE of every draw with the case's discount factors and outside options; and the options (N, 2)."""
    options = outside_options_batch(*threat_matrices(p))
    return rubinstein_batch(family(p), discount_factors_batch(p), proposer, options), options


def outcome(p: Parameters, solution: BatchSolution, options: np.ndarray, i: int) -> dict[str, Any]:
    """Draw ``i``: utilities, representative contract, outside options and whether each binds."""
    u = solution.utilities[i]
    slack = u - options[i]
    return {"utilities": u.tolist(), "contract": contract_of(p, solution, i), "outside_options": options[i].tolist(),
            "option_binds": (np.abs(slack) <= BINDING_TOL * (1.0 + np.abs(u))).tolist()}


def convergence(central: Parameters, intervals: np.ndarray, target: np.ndarray) -> dict[str, Any]:
    """SPE utilities on the ``Delta`` grid for each proposer and their distance to ``target`` ($B)."""
    grid = replicate(central, len(intervals), offer_interval=intervals)
    out: dict[str, Any] = {"intervals": intervals.tolist()}
    for name, proposer in PROPOSERS.items():
        u = spe(grid, proposer)[0].utilities
        out[name] = {"utilities": u.tolist(), "distance": np.linalg.norm(u - target, axis=1).tolist()}
    return out


def deadline_cases(central: Parameters) -> dict[str, Any]:
    """SPE (Microsoft first) and asymmetric Nash without the deadline, at central, and with SoftBank's money high."""
    high = calibration().specs["softbank_at_risk"].high
    money_at_risk = {"no_deadline": (0.0, 0.0), "central": (float(central.softbank_at_risk), float(central.clawback_2024_round)),
                     "high": (high, float(central.clawback_2024_round))}
    softbank, clawback = (np.array(v) for v in zip(*money_at_risk.values()))
    grid = replicate(central, len(money_at_risk), softbank_at_risk=softbank, clawback_2024_round=clawback)
    solution, options = spe(grid, PROPOSERS["microsoft"])
    nash = predict_batch("asymmetric_nash", grid)
    return {name: {**outcome(grid, solution, options, i), "financing_at_risk": float(softbank[i] + clawback[i]),
                   "alpha": float(nash.details["alpha"][i]), "asymmetric_nash": nash.utilities[i].tolist()}
            for i, name in enumerate(money_at_risk)}


def interval_over_draws(sample: Parameters) -> dict[str, Any]:
    """90% intervals of the SPE (Microsoft first) and of the first-mover advantage over calibration draws."""
    first, _ = spe(sample, PROPOSERS["microsoft"])
    second, _ = spe(sample, PROPOSERS["openai"])
    advantage = first.utilities[:, 0] - second.utilities[:, 0]
    chosen = representatives(sample, first)
    return {"utilities": {"microsoft": band(first.utilities[:, 0]), "openai": band(first.utilities[:, 1])},
            "equity": band(chosen["equity"]), "revenue_share": band(chosen["revenue_share"]),
            "first_mover_advantage_microsoft": band(advantage),
            "no_agreement_draws": int(np.count_nonzero(np.isnan(first.utilities[:, 0])))}


def run(parameters: Mapping[str, Any], rng: np.random.Generator, progress: Progress) -> Results:
    """SPE at the calibration, convergence to BRW as Delta -> 0, the deadline and the proposer."""
    if not parameters["interval_min"] < parameters["interval_max"]:
        raise ValueError("interval_min must be below interval_max")
    cal = calibration()
    central = cal.central()
    spec = cal.specs["offer_interval"]
    steps = 5
    asym = predict_batch("asymmetric_nash", central)
    target = asym.utilities[0]
    proposers = {}
    for name, proposer in PROPOSERS.items():
        one = replicate(central, 1)
        solution, options = spe(one, proposer)
        proposers[name] = outcome(one, solution, options, 0)
    progress.update("steps", 1, steps)
    intervals = np.geomspace(parameters["interval_min"], parameters["interval_max"], parameters["interval_points"])
    path = convergence(central, intervals, target)
    progress.update("steps", 2, steps)
    calibrated_range = replicate(central, 2, offer_interval=[spec.low, spec.high])
    over_interval = {name: spe(calibrated_range, proposer)[0].utilities.tolist() for name, proposer in PROPOSERS.items()}
    progress.update("steps", 3, steps)
    deadline = deadline_cases(central)
    progress.update("steps", 4, steps)
    interval = interval_over_draws(cal.sample(rng, parameters["draws"]))
    progress.update("steps", 5, steps)
    status_quo = asym.disagreement[0]
    plotted = np.array([status_quo, target, *(o["utilities"] for o in proposers.values()),
                        *(d["utilities"] for d in deadline.values())])
    values = {
        "alpha": float(microsoft_weight(central)),
        "discount_factors": list(discount_factors(central)),
        "offer_interval": {"low": spec.low, "central": spec.central, "high": spec.high},
        "discount_rate": float(central.discount_rate),
        "asymmetric_nash": {"utilities": target.tolist(), "contract": prediction_contract(asym.contract, 0)},
        "status_quo": status_quo.tolist(),
        "spe": proposers,
        "spe_over_offer_interval": over_interval,
        "spe_interval_over_draws": interval,
        "convergence": path,
        "deadline": deadline,
        "draws": parameters["draws"],
        "frontier": frontier_points(central, plotted.min(axis=0) - FRONTIER_MARGIN,
                                    parameters["frontier_points"]).tolist(),
        "comparison_settlement_utilities": settlement_utilities(central),
    }
    return Results(values=values, tables=tables(values), macros=macros(values))


def tables(values: Mapping[str, Any]) -> dict[str, Table]:
    """Agreements (SPE by proposer, deadline cases, asymmetric Nash) and the convergence path."""
    rows = [("Asymmetric Nash (BRW weight)", values["alpha"], *values["asymmetric_nash"]["utilities"],
             values["asymmetric_nash"]["contract"]["equity"], values["asymmetric_nash"]["contract"]["revenue_share"],
             str(values["asymmetric_nash"]["contract"]["revenue_share_until"]),
             str(values["asymmetric_nash"]["contract"]["api_exclusivity"]))]
    cases = [(f"SPE, {PROPOSER_LABELS[k]}", values["alpha"], values["spe"][k]) for k in PROPOSERS]
    cases += [(f"SPE, {DEADLINE_LABELS[k]}", values["deadline"][k]["alpha"], values["deadline"][k])
              for k in ("no_deadline", "high")]
    for label, alpha, o in cases:
        c = o["contract"]
        rows.append((label, alpha, *o["utilities"], c["equity"], c["revenue_share"], str(c["revenue_share_until"]),
                     str(c["api_exclusivity"])))
    agreements = Table(
        columns=("case", "alpha", "u_M", "u_O", "equity", "revenue_share", "revenue_share_until", "api_exclusivity"),
        rows=tuple(rows),
        headers=("Case", "BRW $\\alpha$", "$u_M$", "$u_O$", "Equity", "Rev.\\ share", "Share until", "API excl."),
        formats=("s", ".3f", ".1f", ".1f", ".2f", ".3f", "s", "s"),
    )
    path = values["convergence"]
    convergence_rows = tuple((delta, path["microsoft"]["distance"][i], path["openai"]["distance"][i])
                             for i, delta in enumerate(path["intervals"]))
    distance = Table(
        columns=("offer_interval", "distance_microsoft_first", "distance_openai_first"),
        rows=convergence_rows,
        headers=("$\\Delta$ (yr)", "Distance, $M$ first (\\$B)", "Distance, $O$ first (\\$B)"),
        formats=(".2e", ".3e", ".3e"),
    )
    return {"agreements": agreements, "convergence": distance}


def macros(values: Mapping[str, Any]) -> dict[str, str]:
    """SPE, BRW weight, deadline and proposer effects, convergence at the shortest interval."""
    spe_m, spe_o = values["spe"]["microsoft"]["utilities"], values["spe"]["openai"]["utilities"]
    deadline = values["deadline"]
    interval = values["spe_interval_over_draws"]
    out = {
        "Alpha": f"{values['alpha']:.2f}",
        "DiscountMicrosoft": f"{values['discount_factors'][0]:.4f}",
        "DiscountOpenAI": f"{values['discount_factors'][1]:.4f}",
        "SpeMicrosoft": money(spe_m[0]), "SpeOpenAI": money(spe_m[1]),
        "SpeMicrosoftLow": money(interval["utilities"]["microsoft"]["low"]),
        "SpeMicrosoftHigh": money(interval["utilities"]["microsoft"]["high"]),
        "SpeOpenAILow": money(interval["utilities"]["openai"]["low"]),
        "SpeOpenAIHigh": money(interval["utilities"]["openai"]["high"]),
        "SpeEquity": f"{100 * values['spe']['microsoft']['contract']['equity']:.0f}",
        "SpeRevenueShare": f"{100 * values['spe']['microsoft']['contract']['revenue_share']:.1f}",
        "AsymmetricNashMicrosoft": money(values["asymmetric_nash"]["utilities"][0]),
        "AsymmetricNashOpenAI": money(values["asymmetric_nash"]["utilities"][1]),
        "FirstMoverAdvantage": money(spe_m[0] - spe_o[0]),
        "FirstMoverAdvantageLow": money(interval["first_mover_advantage_microsoft"]["low"]),
        "FirstMoverAdvantageHigh": money(interval["first_mover_advantage_microsoft"]["high"]),
        "DeadlineFinancing": money(deadline["central"]["financing_at_risk"]),
        "DiscountRate": f"{100 * values['discount_rate']:.0f}",
        "DeadlineGainMicrosoft": money(deadline["central"]["utilities"][0] - deadline["no_deadline"]["utilities"][0]),
        "DeadlineLossOpenAI": money(deadline["no_deadline"]["utilities"][1] - deadline["central"]["utilities"][1]),
        "ShortestInterval": f"{values['convergence']['intervals'][0]:.0e}",
        "DistanceAtShortest": f"{values['convergence']['microsoft']['distance'][0]:.2g}",
        "DistanceAtCentral": f"{np.linalg.norm(np.subtract(spe_m, values['asymmetric_nash']['utilities'])):.2f}",
        "Draws": str(values["draws"]),
    }
    return out


def convergence_figure(saved: SavedResults):
    """Distance of the SPE to the asymmetric Nash point against the offer interval, log-log."""
    v = saved.values
    path = v["convergence"]
    with journal_style():
        fig, ax = new_figure("single", aspect=0.75)
        ax.axvspan(v["offer_interval"]["low"], v["offer_interval"]["high"], color="0.93", zorder=0,
                   label="Calibrated offer interval")
        ax.axvline(v["offer_interval"]["central"], color="0.6", linewidth=0.6, linestyle="-.", label="Central")
        marker = style_of("rubinstein").marker
        for name in PROPOSERS:
            first = name == "microsoft"
            ax.plot(path["intervals"], path[name]["distance"], color=PROPOSER_COLOURS[name], marker=marker,
                    markersize=4.5 if first else 3, markerfacecolor=PROPOSER_COLOURS[name] if first else "white",
                    linestyle="-" if first else "--", linewidth=1.6 if first else 0.9,
                    label=PROPOSER_LABELS[name], zorder=3 if first else 4)
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel(r"Offer interval $\Delta$ (years)")
        ax.set_ylabel("|SPE $-$ asymmetric Nash| (\\$B)")
        ax.legend(loc="upper left", fontsize=6)
    return fig


def agreements_figure(saved: SavedResults):
    """The SPE (each proposer; with and without the deadline), asymmetric Nash, d, outside options, frontier."""
    v = saved.values
    with journal_style():
        fig, ax = new_figure("single", aspect=0.85)
        inset = ax.inset_axes([0.32, 0.05, 0.36, 0.32])
        for axes in (ax, inset):
            main = axes is ax
            draw_frontier(axes, v["frontier"])
            if main:
                w = v["spe"]["microsoft"]["outside_options"]
                ax.axvline(w[0], color="0.5", linewidth=0.6, linestyle=":", label="Outside options $w_M$, $w_O$")
                ax.axhline(w[1], color="0.5", linewidth=0.6, linestyle=":")
                mark(ax, "status_quo", v["status_quo"], label="Status quo $d$ (impasse)")
                mark(ax, "settlement", v["comparison_settlement_utilities"], label="Settlement (actual, comparison)",
                     markersize=9)
            mark(axes, "asymmetric_nash", v["asymmetric_nash"]["utilities"], label="Asymmetric Nash (BRW weight)",
                 markersize=8)
            for name in PROPOSERS:
                mark(axes, "rubinstein", v["spe"][name]["utilities"], label=f"SPE, {PROPOSER_LABELS[name]}",
                     markerfacecolor=PROPOSER_COLOURS[name] if name == "microsoft" else "white")
            mark(axes, "rubinstein", v["deadline"]["no_deadline"]["utilities"], label="SPE, no deadline",
                 markerfacecolor="0.8")
        centre = np.array(v["asymmetric_nash"]["utilities"])
        spread = 2.0 * np.max(np.abs(np.array([v["spe"][n]["utilities"] for n in PROPOSERS]) - centre)) + 0.2
        inset.set_xlim(centre[0] - spread, centre[0] + spread)
        inset.set_ylim(centre[1] - spread, centre[1] + spread)
        inset.tick_params(labelsize=5)
        for side in ("top", "right"):
            inset.spines[side].set_visible(True)
        ax.indicate_inset_zoom(inset, edgecolor="0.4")
        label_axes(ax)
        fig.legend(loc="outside lower center", ncols=2, fontsize=6)
    return fig


EXPERIMENT = Experiment(
    kind="alternating_offers",
    description="Rubinstein SPE with one discount rate per party and the outside options: convergence to BRW, the "
                "end-2025 deadline, proposer choice.",
    schema=SCHEMA,
    run=run,
    figures=(
        FigureSpec("convergence", convergence_figure,
                   "Distance (\\$B, Euclidean in utilities) between the alternating-offers SPE and the asymmetric "
                   "Nash solution with the BRW weight $r_O/(r_M+r_O) = 1/2$ (one rate per party), as the offer interval $\\Delta$ shrinks, "
                   "for each first proposer; central calibration. Shaded: the calibrated range of $\\Delta$."),
        FigureSpec("agreements", agreements_figure,
                   "Alternating-offers agreements at the central calibration on the Pareto frontier: SPE with "
                   "each first proposer, SPE without the end-2025 deadline (no financing "
                   "conditional on the conversion), the asymmetric Nash limit, the disagreement point (no-deal equilibrium) and the outside "
                   "options; the settlement is shown for comparison only. Utilities in \\$B."),
    ),
    data_files=(CALIBRATION_FILE, CONTRACT_SPACE_FILE),
)
