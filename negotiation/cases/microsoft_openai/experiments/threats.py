"""Experiment kind ``threats``: Nash's (1953) variable-threat game of the 2025 talks.

The case's 3x4 threat matrices (:func:`negotiation.cases.microsoft_openai.batch.threat_matrices`,
the batch form of :func:`.threats.threat_game`), the optimal mixed threats, the threat point
and the NTU variable-threat agreement on the case's contract problem
(:func:`negotiation.batch.variable_threat_batch`, the closed-form twin of
``ng.variable_threat_solution(A, B, transferable=False, feasible=problem)``), at the central
calibration and over a seeded sample of the calibration ranges. Counterfactuals drop one of
OpenAI's threats (a column): the antitrust complaint, or the multi-cloud move of workloads.
The settlement appears in the figure as a COMPARISON only.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from negotiation.batch import ThreatBatch, variable_threat_batch
from negotiation.cases.microsoft_openai.batch import as_draws, family, threat_matrices
from negotiation.cases.microsoft_openai.parameters import CALIBRATION_FILE, Parameters, calibration
from negotiation.cases.microsoft_openai.space import CONTRACT_SPACE_FILE
from negotiation.cases.microsoft_openai.payoffs import DISCRETE_OPTIONS, Y_TERMS
from negotiation.cases.microsoft_openai.threats import MICROSOFT_ACTIONS, OPENAI_ACTIONS
from negotiation.cases.microsoft_openai.experiments._dynamics import (band, contract_of, draw_frontier, frontier_points,
                                               label_axes, mark, money, settlement_utilities)
from negotiation.pipeline import Experiment, FigureSpec, Param, Progress, Results, SavedResults, Table
from negotiation.plots import journal_style, new_figure, style_of

SCHEMA = {
    "draws": Param(int, "calibration draws (uniform on the ranges) for the 90% intervals", default=128, low=2,
                   high=2000),
    "frontier_points": Param(int, "points tracing the Pareto frontier in the figure", default=120, low=10, high=1000),
}

#: Scenario -> OpenAI action removed from the game (None: the case's game).
SCENARIOS: Mapping[str, str | None] = {
    "baseline": None,
    "no_antitrust": "antitrust_complaint",
    "no_multicloud": "move_workloads",
}
SCENARIO_LABELS = {
    "baseline": "Baseline",
    "no_antitrust": "Without antitrust threat",
    "no_multicloud": "Without multi-cloud option",
}
SCENARIO_MACROS = {"baseline": "Baseline", "no_antitrust": "NoAntitrust", "no_multicloud": "NoMulticloud"}
SCENARIO_LINES = {"baseline": "-", "no_antitrust": "--", "no_multicloud": ":"}
ACTION_LABELS = {
    "withhold_consent": "Withhold consent",
    "litigate": "Litigate",
    "shift_in_house": "Shift in-house",
    "comply": "Comply",
    "antitrust_complaint": "Antitrust complaint",
    "declare_agi_early": "Declare AGI early",
    "move_workloads": "Move workloads",
}
ACTION_CODES = {"withhold_consent": "W", "litigate": "L", "shift_in_house": "S", "comply": "c",
                "antitrust_complaint": "a", "declare_agi_early": "g", "move_workloads": "m"}
#: Probabilities below this are left out of a mixed threat's description.
SUPPORT_TOL = 1e-6
#: Margin ($B) below the lowest payoff pair from which the figure's frontier is traced.
FRONTIER_MARGIN = 10.0


def openai_columns(dropped: str | None) -> list[int]:
    """Indices of the OpenAI actions kept when ``dropped`` is removed."""
    return [j for j, action in enumerate(OPENAI_ACTIONS) if action != dropped]


def solve_scenario(p: Parameters, A: np.ndarray, B: np.ndarray, dropped: str | None) -> ThreatBatch:
    """NTU variable threats on the case's contract problems with one OpenAI action removed."""
    keep = openai_columns(dropped)
    return variable_threat_batch(family(p), A[:, :, keep], B[:, :, keep])


def describe(probabilities: np.ndarray, actions: tuple[str, ...]) -> str:
    """A mixed threat in words: the action if pure, else ``"0.62 Litigate + 0.38 Shift in-house"``."""
    support = [(float(q), a) for q, a in zip(probabilities, actions) if q > SUPPORT_TOL]
    if len(support) == 1:
        return ACTION_LABELS[support[0][1]]
    return " + ".join(f"{q:.2f} {ACTION_LABELS[a]}" for q, a in support)


def central_outcome(central: Parameters, solution: ThreatBatch, dropped: str | None) -> dict[str, Any]:
    """The central draw's threats, threat point, agreement and representative contract."""
    openai = tuple(a for a in OPENAI_ACTIONS if a != dropped)
    x, y = solution.threats[0][0], solution.threats[1][0]
    return {
        "threats": {"microsoft": dict(zip(MICROSOFT_ACTIONS, x.tolist())), "openai": dict(zip(openai, y.tolist()))},
        "threat_description": {"microsoft": describe(x, MICROSOFT_ACTIONS), "openai": describe(y, openai)},
        "threat_point": solution.disagreement[0].tolist(),
        "utilities": solution.solution.utilities[0].tolist(),
        "slope": float(solution.slope[0]),
        "contract": contract_of(central, solution.solution, 0),
        "dropped_action": dropped,
    }


def sample_outcome(solution: ThreatBatch, baseline: ThreatBatch, dropped: str | None) -> dict[str, Any]:
    """90% intervals over the calibration draws: utilities, threat point, change vs the baseline."""
    openai = tuple(a for a in OPENAI_ACTIONS if a != dropped)
    u, d = solution.solution.utilities, solution.disagreement
    change = u - baseline.solution.utilities
    return {
        "utilities": {"microsoft": band(u[:, 0]), "openai": band(u[:, 1])},
        "threat_point": {"microsoft": band(d[:, 0]), "openai": band(d[:, 1])},
        "change": {"microsoft": band(change[:, 0]), "openai": band(change[:, 1])},
        "mean_threats": {"microsoft": dict(zip(MICROSOFT_ACTIONS, np.nanmean(solution.threats[0], axis=0).tolist())),
                         "openai": dict(zip(openai, np.nanmean(solution.threats[1], axis=0).tolist()))},
        "converged_draws": int(np.count_nonzero(solution.converged)),
    }


def run(parameters: Mapping[str, Any], rng: np.random.Generator, progress: Progress) -> Results:
    """Threat matrices, optimal threats and agreements: central, intervals, counterfactuals."""
    cal = calibration()
    central = as_draws(cal.central())
    sample = as_draws(cal.sample(rng, parameters["draws"]))
    A, B = threat_matrices(central)
    A_s, B_s = threat_matrices(sample)
    outcomes: dict[str, dict[str, Any]] = {}
    solved: dict[str, ThreatBatch] = {}
    for index, (name, dropped) in enumerate(SCENARIOS.items(), start=1):
        outcomes[name] = central_outcome(central, solve_scenario(central, A, B, dropped), dropped)
        solved[name] = solve_scenario(sample, A_s, B_s, dropped)
        progress.update("scenarios", index, len(SCENARIOS))
    base = np.array(outcomes["baseline"]["utilities"])
    for name, dropped in SCENARIOS.items():
        outcomes[name]["change"] = (np.array(outcomes[name]["utilities"]) - base).tolist()
        outcomes[name]["interval"] = sample_outcome(solved[name], solved["baseline"], dropped)
    points = np.concatenate([A.reshape(-1, 1), B.reshape(-1, 1)], axis=1)
    threat_points = np.array([o["threat_point"] for o in outcomes.values()])
    floor = np.minimum(points.min(axis=0), threat_points.min(axis=0)) - FRONTIER_MARGIN
    values = {
        "matrices": {"A": A[0].tolist(), "B": B[0].tolist(), "microsoft_actions": list(MICROSOFT_ACTIONS),
                     "openai_actions": list(OPENAI_ACTIONS),
                     "A_band": _cell_bands(A_s), "B_band": _cell_bands(B_s)},
        "status_quo": [float(A[0, 0, 0]), float(B[0, 0, 0])],
        "scenarios": outcomes,
        "frontier": frontier_points(cal.central(), floor, parameters["frontier_points"]).tolist(),
        "draws": parameters["draws"],
        "comparison_settlement_utilities": settlement_utilities(cal.central()),
    }
    return Results(values=values, tables=tables(values, A_s, B_s), macros=macros(outcomes, parameters["draws"]))


def _cell_bands(M: np.ndarray) -> list[list[dict[str, float]]]:
    """The 90% interval of every cell of a batch of matrices (N, p, q)."""
    return [[band(M[:, i, j]) for j in range(M.shape[2])] for i in range(M.shape[1])]


def tables(values: Mapping[str, Any], A_s: np.ndarray, B_s: np.ndarray) -> dict[str, Table]:
    """The threat matrices, the outcomes of each scenario, their intervals and contracts."""
    A, B = np.array(values["matrices"]["A"]), np.array(values["matrices"]["B"])
    matrix_rows = []
    for i, m in enumerate(MICROSOFT_ACTIONS):
        for j, o in enumerate(OPENAI_ACTIONS):
            a, b = band(A_s[:, i, j]), band(B_s[:, i, j])
            matrix_rows.append((ACTION_LABELS[m], ACTION_LABELS[o], A[i, j], B[i, j], a["low"], a["high"],
                                b["low"], b["high"]))
    matrix = Table(
        columns=("microsoft_action", "openai_action", "u_M", "u_O", "u_M_low", "u_M_high", "u_O_low", "u_O_high"),
        rows=tuple(matrix_rows),
        headers=("Microsoft", "OpenAI", "$A_{ij}$", "$B_{ij}$", "$A$ 5\\%", "$A$ 95\\%", "$B$ 5\\%", "$B$ 95\\%"),
        formats=("s", "s", ".1f", ".1f", ".1f", ".1f", ".1f", ".1f"),
    )
    scenarios = values["scenarios"]
    outcome_rows, interval_rows, contract_rows = [], [], []
    for name, o in scenarios.items():
        label = SCENARIO_LABELS[name]
        outcome_rows.append((label, o["threat_description"]["microsoft"], o["threat_description"]["openai"],
                             *o["threat_point"], *o["utilities"], *o["change"]))
        i = o["interval"]
        interval_rows.append((label, i["utilities"]["microsoft"]["low"], i["utilities"]["microsoft"]["high"],
                              i["utilities"]["openai"]["low"], i["utilities"]["openai"]["high"],
                              i["change"]["microsoft"]["low"], i["change"]["microsoft"]["high"],
                              i["change"]["openai"]["low"], i["change"]["openai"]["high"]))
        c = o["contract"]
        contract_rows.append((label, c["equity"], *(c[t] for t in Y_TERMS), *(str(c[t]) for t in DISCRETE_OPTIONS)))
    outcomes = Table(
        columns=("scenario", "threat_microsoft", "threat_openai", "threat_point_M", "threat_point_O", "u_M", "u_O",
                 "change_M", "change_O"),
        rows=tuple(outcome_rows),
        headers=("Scenario", "Microsoft threat", "OpenAI threat", "$d_M$", "$d_O$", "$u_M$", "$u_O$",
                 "$\\Delta u_M$", "$\\Delta u_O$"),
        formats=("s", "s", "s", ".1f", ".1f", ".1f", ".1f", ".1f", ".1f"),
    )
    intervals = Table(
        columns=("scenario", "u_M_low", "u_M_high", "u_O_low", "u_O_high", "change_M_low", "change_M_high",
                 "change_O_low", "change_O_high"),
        rows=tuple(interval_rows),
        headers=("Scenario", "$u_M$ 5\\%", "$u_M$ 95\\%", "$u_O$ 5\\%", "$u_O$ 95\\%", "$\\Delta u_M$ 5\\%",
                 "$\\Delta u_M$ 95\\%", "$\\Delta u_O$ 5\\%", "$\\Delta u_O$ 95\\%"),
        formats=("s",) + (".1f",) * 8,
    )
    contracts = Table(
        columns=("scenario", "equity", *Y_TERMS, *DISCRETE_OPTIONS),
        rows=tuple(contract_rows),
        headers=("Scenario", "Equity", "Rev.\\ share", "Azure (\\$B)", "Share until", "API excl.", "IP until",
                 "Post-AGI IP", "ROFR", "AGI trigger"),
        formats=("s", ".2f", ".3f", ".0f", "s", "s", "s", "s", "s", "s"),
    )
    return {"matrix": matrix, "outcomes": outcomes, "intervals": intervals, "contracts": contracts}


def macros(outcomes: Mapping[str, Mapping[str, Any]], draws: int) -> dict[str, str]:
    """The numbers the paper quotes: threats, threat points, agreements, changes and intervals."""
    out = {"Draws": str(draws)}
    for name, o in outcomes.items():
        key = SCENARIO_MACROS[name]
        interval = o["interval"]
        for side, party in (("Microsoft", "microsoft"), ("OpenAI", "openai")):
            index = 0 if party == "microsoft" else 1
            out[f"{key}Threat{side}"] = o["threat_description"][party]
            out[f"{key}ThreatPoint{side}"] = money(o["threat_point"][index])
            out[f"{key}Agreement{side}"] = money(o["utilities"][index])
            out[f"{key}Agreement{side}Low"] = money(interval["utilities"][party]["low"])
            out[f"{key}Agreement{side}High"] = money(interval["utilities"][party]["high"])
            if name != "baseline":
                out[f"{key}Change{side}"] = money(o["change"][index])
                out[f"{key}Change{side}Low"] = money(interval["change"][party]["low"])
                out[f"{key}Change{side}High"] = money(interval["change"][party]["high"])
        out[f"{key}Equity"] = f"{100 * o['contract']['equity']:.0f}"
        out[f"{key}RevenueShare"] = f"{100 * o['contract']['revenue_share']:.1f}"
    return out


def game_figure(saved: SavedResults):
    """(a) Payoff pairs, threat points, frontier and agreements; (b) the threat cells enlarged."""
    v = saved.values
    A, B = np.array(v["matrices"]["A"]), np.array(v["matrices"]["B"])
    with journal_style():
        fig, (full, zoom) = new_figure("double", aspect=0.5, ncols=2)
        for ax in (full, zoom):
            legend = ax is full
            ax.plot(A.ravel(), B.ravel(), linestyle="none", marker=".", color="0.45", markersize=4,
                    markeredgecolor="0.45", label="Threat-game cells" if legend else None, zorder=3)
            mark(ax, "status_quo", v["status_quo"], label="Status quo $d$ (W, c)" if legend else "_", zorder=5)
            for name, o in v["scenarios"].items():
                ax.plot(*o["threat_point"], marker="o", markerfacecolor="white", markeredgecolor="black",
                        linestyle="none", markersize=5, zorder=6,
                        label="Threat points" if legend and name == "baseline" else None)
                ax.plot(*np.array([o["threat_point"], o["utilities"]]).T, color="black",
                        linestyle=SCENARIO_LINES[name], linewidth=0.8,
                        label=f"{SCENARIO_LABELS[name]}: threat point $\\to$ agreement" if legend else None, zorder=3)
        draw_frontier(full, v["frontier"])
        for name, o in v["scenarios"].items():
            face = style_of("variable_threat").color if name == "baseline" else "white"
            mark(full, "variable_threat", o["utilities"], label=f"Variable threat ({SCENARIO_LABELS[name].lower()})", markerfacecolor=face, markersize=7 if name == "baseline" else 5)
        mark(full, "settlement", v["comparison_settlement_utilities"], label="Settlement (actual, comparison)",
             markersize=9)
        for i, m in enumerate(v["matrices"]["microsoft_actions"]):
            for j, o in enumerate(v["matrices"]["openai_actions"]):
                zoom.annotate(f"{ACTION_CODES[m]},{ACTION_CODES[o]}", (A[i, j], B[i, j]), textcoords="offset points",
                              xytext=(3, 2), fontsize=6, color="0.3")
        pad = 0.08 * (A.max() - A.min())
        zoom.set_xlim(A.min() - pad, A.max() + pad)
        zoom.set_ylim(B.min() - 0.15 * (B.max() - B.min()), B.max() + 0.15 * (B.max() - B.min()))
        zoom.set_title("(b) Threat-game cells and threat points", loc="left")
        full.set_title("(a) Threats, frontier and agreements", loc="left")
        for ax in (full, zoom):
            label_axes(ax)
        fig.legend(loc="outside lower center", ncols=3, fontsize=6)
        zoom.text(0.02, 0.02, "Microsoft: W withhold, L litigate, S shift in-house\n"
                  "OpenAI: c comply, a antitrust, g declare AGI, m move workloads",
                  transform=zoom.transAxes, fontsize=6, va="bottom")
    return fig


EXPERIMENT = Experiment(
    kind="threats",
    description="Nash (1953) variable threats of the case, with counterfactuals without OpenAI's antitrust "
                "and multi-cloud threats.",
    schema=SCHEMA,
    run=run,
    figures=(FigureSpec(
        "game", game_figure,
        "The variable-threat game at the central calibration. (a) Payoff pairs of the twelve action cells (grey), "
        "the status quo, the threat points (open circles) joined to the NTU variable-threat agreements on the "
        "Pareto frontier for the baseline game and without each of OpenAI's threats; the settlement (star) is "
        "shown for comparison only. (b) The cells enlarged. All utilities in \\$B of present value.",
        width="double"),),
    data_files=(CALIBRATION_FILE, CONTRACT_SPACE_FILE),
)
