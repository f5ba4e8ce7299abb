"""Experiment ``baseline``: every solution concept on the calibrated case, against the settlement.

Predictions use the calibration only (central values, and a seeded sample of the calibration
ranges for intervals), solved by the closed-form batch path. The COMPARISON with the
settlement of 28 Oct 2025 (term-by-term score of ``compare.score_contract``, the naive
baselines of ``compare.baselines``, the settlement's position of ``compare.settlement_position``)
is done afterwards, by the case's comparison code; nothing compared feeds a prediction.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from negotiation.cases.microsoft_openai import CONCEPTS, calibration, compare
from negotiation.cases.microsoft_openai.batch import family
from negotiation.cases.microsoft_openai.compare import CONTINUOUS_RANGES, TERMS
from negotiation.cases.microsoft_openai.contract_set import draw_set
from negotiation.cases.microsoft_openai.parameters import CALIBRATION_FILE
from negotiation.cases.microsoft_openai.space import CONTRACT_SPACE_FILE
from negotiation.cases.microsoft_openai.payoffs import DISCRETE_OPTIONS, contract_utilities
from negotiation.cases.microsoft_openai.space import case_space
from negotiation.experiments._case_views import (add_legend, central_and_sample, concept_sizes, contract_marker, draw_frontier, frontier_points, latex_label, marker_kwargs, pareto_order,
                                                 plain_contract, rows, solve_concepts, window_around)
from negotiation.pipeline import Experiment, FigureSpec, Param, Progress, Results, SavedResults, Table
from negotiation.plots import new_figure

BASELINES = ("status_quo", "positions_midpoint")
PERCENTILES = (5.0, 50.0, 95.0)
INTERVAL_TERMS = ("equity", "revenue_share", "azure_commitment")

SCHEMA = {
    "draws": Param(int, "calibration draws (uniform on each range) for the prediction intervals", default=400, low=10,
                   high=20_000),
    "grid": Param(int, "points per axis of the (equity, revenue share) grid of the contract-curve figure", default=61,
                  low=11, high=201),
}


# ----------------------------------------------------------------------------- run
def run(parameters: Mapping[str, Any], rng: np.random.Generator, progress: Progress) -> Results:
    """Predictions at central calibration and over the ranges; then the comparison with the settlement."""
    p = calibration().central()
    fam = family(p)
    d = fam.disagreement[0]
    solved = solve_concepts(central_and_sample(rng, parameters["draws"]), progress=progress)
    central = {c: rows(solved[c], slice(0, 1)) for c in CONCEPTS}
    sample = {c: rows(solved[c], slice(1, None)) for c in CONCEPTS}
    predicted = {c: plain_contract(central[c].contract, 0) for c in CONCEPTS}
    optimal = {c: draw_set(central[c].sets, case_space(), 0) for c in CONCEPTS}
    utilities = {c: central[c].utilities[0] for c in CONCEPTS}
    progress.message("comparison with the settlement (compare.settlement_position, engine)")
    actual = compare.settlement()
    baselines = dict(compare.baselines())
    scored = {name: compare.score_contract(name, c, actual, optimal.get(name)) for name, c in {**predicted, **baselines}.items()}
    position = compare.settlement_position(p)
    values = {
        "disagreement": d,
        "settlement_comparison": _settlement_record(position, actual),
        "predictions": {c: _prediction_record(predicted[c], utilities[c], scored[c], scored, optimal[c]) for c in CONCEPTS},
        "baselines": {b: {"contract": dict(baselines[b]), "utilities": _utilities(p, baselines[b]),
                          "score": scored[b].score} for b in BASELINES},
        "beats": {b: [c for c in CONCEPTS if scored[c].score < scored[b].score] for b in BASELINES},
        "intervals": {c: _interval_record(sample[c], actual, scored) for c in CONCEPTS},
        "frontier": frontier_points(fam),
        "contract_curve": _contract_curve(p, predicted["nash"], actual, parameters["grid"]),
        "draws": parameters["draws"],
    }
    return Results(values=values, tables=_tables(values, actual), macros=_macros(values))


def _utilities(p: Any, contract: Mapping[str, Any]) -> list[float]:
    return [float(u) for u in contract_utilities(p, contract)]


def _prediction_record(contract: dict, u: np.ndarray, score: compare.ContractScore, scored: Mapping,
                       optimal_set: Mapping[str, Any]) -> dict[str, Any]:
    """A concept's central prediction (representative and optimal set) and its COMPARISON with the settlement."""
    return {
        "contract": contract,
        "optimal_set": {t: list(v) for t, v in optimal_set.items()},
        "utilities": u,
        "score": score.score,
        "terms": {t.term: {"predicted": t.predicted, "actual": t.actual, "error": t.error, "match": t.match,
                           "consistent": t.consistent} for t in score.terms},
        "beats": {b: bool(score.score < scored[b].score) for b in BASELINES},
    }


def _settlement_record(position: compare.SettlementPosition, actual: Mapping[str, Any]) -> dict[str, Any]:
    """COMPARISON: the settlement's utilities under the model and its distance to the frontier."""
    u, d = position.utilities, position.disagreement
    return {
        "contract": dict(actual),
        "utilities": u,
        "on_frontier": position.on_frontier,
        "radial_factor": None if np.isnan(position.radial_factor) else position.radial_factor,
        "projection": position.projection,
        "distance": position.distance,
        "projection_method": position.projection_method,
        "individually_rational": {"microsoft": bool(u[0] > d[0]), "openai": bool(u[1] > d[1])},
        "gains": u - d,
    }


def _interval_record(batch: Any, actual: Mapping[str, Any], scored: Mapping) -> dict[str, Any]:
    """Percentiles of a concept's prediction over the calibration draws, and its score there."""
    ok = ~batch.infeasible
    record: dict[str, Any] = {"percentiles": list(PERCENTILES), "infeasible_share": float(np.mean(batch.infeasible))}
    for term in INTERVAL_TERMS:
        record[term] = np.percentile(batch.contract[term][ok], PERCENTILES) if ok.any() else None
    record["utilities"] = np.percentile(batch.utilities[ok], PERCENTILES, axis=0).T if ok.any() else None
    rows = np.flatnonzero(ok)
    scores = np.array([compare.score_contract("draw", plain_contract(batch.contract, i), actual).score for i in rows])
    record["score"] = np.percentile(scores, PERCENTILES) if ok.any() else None
    record["beats_share"] = {b: float(np.mean(scores < scored[b].score)) if ok.any() else None for b in BASELINES}
    record["discrete_modes"] = {t: _mode(batch.contract[t][ok]) for t in DISCRETE_OPTIONS}
    return record


def _mode(values: np.ndarray) -> dict[str, Any]:
    """The most frequent value of a discrete term over the draws, and its frequency."""
    keys = [repr(v) for v in values]
    uniques, counts = np.unique(keys, return_counts=True)
    best = int(np.argmax(counts))
    return {"value": values[keys.index(uniques[best])], "share": float(counts[best] / len(keys))}


def _contract_curve(p: Any, nash: Mapping[str, Any], actual: Mapping[str, Any], n: int) -> dict[str, Any]:
    """u_M, u_O on an (equity, revenue share) grid with the Nash prediction's other terms fixed,
    the efficient (e, s) pairs (the contract curve), and where the Nash prediction and the
    settlement sit in that plane (the settlement's own discrete terms differ: COMPARISON)."""
    e = np.linspace(*case_space().bounds("equity"), n)
    s = np.linspace(*case_space().bounds("revenue_share"), n)
    fine_e, fine_s = (np.linspace(*b, 8 * n) for b in (case_space().bounds("equity"), case_space().bounds("revenue_share")))

    def grid_utilities(ee: np.ndarray, ss: np.ndarray) -> np.ndarray:
        E, S = np.meshgrid(ee, ss, indexing="xy")
        u_m, u_o = contract_utilities(p, {**nash, "equity": E, "revenue_share": S})
        return np.stack([u_m, u_o], axis=-1), E, S

    grid, _, _ = grid_utilities(e, s)
    fine, E, S = grid_utilities(fine_e, fine_s)
    efficient = pareto_order(fine.reshape(-1, 2))
    return {
        "equity": e, "revenue_share": s, "u_M": grid[..., 0], "u_O": grid[..., 1],
        "curve": np.column_stack([E.ravel()[efficient], S.ravel()[efficient]]),
        "fixed_terms": {t: nash[t] for t in TERMS if t not in ("equity", "revenue_share")},
        "nash": [nash["equity"], nash["revenue_share"]],
        "settlement": [actual["equity"], actual["revenue_share"]],
    }


# ----------------------------------------------------------------------------- tables and macros
TERM_LABELS = {
    "equity": "Equity stake", "revenue_share": "Revenue share", "azure_commitment": "Azure commitment ($B)",
    "revenue_share_until": "Revenue share until", "api_exclusivity": "API exclusivity until",
    "ip_rights_until": "IP rights until", "ip_post_agi": "IP incl. post-AGI models", "compute_rofr": "Compute ROFR",
    "agi_trigger": "AGI trigger",
}
"""Row labels of the ``terms`` table (plain text: the table escapes it)."""
TERM_NAMES = {
    "equity": "equity", "revenue_share": "revenue share", "azure_commitment": "Azure commitment",
    "revenue_share_until": "revenue-share sunset", "api_exclusivity": "API exclusivity", "ip_rights_until": "IP horizon",
    "ip_post_agi": "post-AGI IP", "compute_rofr": "compute ROFR", "agi_trigger": "AGI trigger",
}
"""Terms as the paper's running text names them (LaTeX-safe)."""


def _cell(term: str, value: Any) -> str:
    if term in CONTINUOUS_RANGES:
        return f"{float(value):.0f}" if term == "azure_commitment" else f"{float(value):.3f}"
    if isinstance(value, bool):
        return "yes" if value else "no"
    return {"agi": "AGI", "none": "none"}.get(value, str(value)) if isinstance(value, str) else str(value)


def _tables(values: Mapping[str, Any], actual: Mapping[str, Any]) -> dict[str, Table]:
    """``terms``: every term, predicted by each concept and baseline vs actual;
    ``scores``: errors, matches, score and utilities (COMPARISON with the settlement);
    ``intervals``: 5th-95th percentiles over the calibration draws; ``sets``: each concept's optimal
    set per term, "(x)" where it excludes the actual value (COMPARISON)."""
    names = (*CONCEPTS, *BASELINES)
    contracts = {c: values["predictions"][c]["contract"] for c in CONCEPTS} | {b: values["baselines"][b]["contract"] for b in BASELINES}
    terms = Table(
        columns=("term", "actual", *names),
        rows=tuple((TERM_LABELS[t], _cell(t, actual[t]), *(_cell(t, contracts[n][t]) for n in names)) for t in TERMS),
        headers=("Term", "Actual", *(latex_label(n) for n in names)),
        formats=("s",) * (len(names) + 2),
    )
    score_rows = []
    for n in names:
        record = values["predictions"].get(n) or values["baselines"][n]
        errors = [float(contracts[n][t]) - float(actual[t]) for t in CONTINUOUS_RANGES]
        matches = sum(contracts[n][t] == actual[t] for t in DISCRETE_OPTIONS)
        beats = record.get("beats", {})
        score_rows.append((latex_label(n), *errors, matches, record["score"], *record["utilities"],
                           *("yes" if beats.get(b) else ("no" if beats else "--") for b in BASELINES)))
    scores = Table(
        columns=("contract", "equity_error", "revenue_share_error", "azure_error", "discrete_matches", "score",
                 "u_M", "u_O", "beats_status_quo", "beats_midpoint"),
        rows=tuple(score_rows),
        headers=("Prediction", "Equity err.", "Rev.\\ share err.", "Azure err.\\ (\\$B)",
                 f"Discrete matches (of {len(DISCRETE_OPTIONS)})", "Score (vs actual)", "$u_M$ (\\$B)", "$u_O$ (\\$B)",
                 "Beats status quo", "Beats midpoint"),
        formats=("s", "+.3f", "+.3f", "+.0f", "d", ".3f", ".1f", ".1f", "s", "s"),
    )
    interval_rows = []
    for c in CONCEPTS:
        r = values["intervals"][c]
        interval_rows.append((latex_label(c), *r["equity"][::2], *r["revenue_share"][::2], *r["score"][::2],
                              r["beats_share"]["status_quo"], r["beats_share"]["positions_midpoint"]))
    intervals = Table(
        columns=("concept", "equity_p5", "equity_p95", "revenue_share_p5", "revenue_share_p95", "score_p5", "score_p95",
                 "share_beats_status_quo", "share_beats_midpoint"),
        rows=tuple(interval_rows),
        headers=("Concept", "Equity P5", "Equity P95", "Rev.\\ share P5", "Rev.\\ share P95", "Score P5", "Score P95",
                 "Share beating status quo", "Share beating midpoint"),
        formats=("s", ".3f", ".3f", ".3f", ".3f", ".3f", ".3f", ".2f", ".2f"),
    )
    set_rows = []
    for t in TERMS:
        cells = []
        for c in CONCEPTS:
            record = values["predictions"][c]
            mark = "" if record["terms"][t]["consistent"] else " (x)"
            cells.append(_set_cell(t, record["optimal_set"][t]) + mark)
        set_rows.append((TERM_LABELS[t], _cell(t, actual[t]), *cells))
    sets = Table(
        columns=("term", "actual", *CONCEPTS),
        rows=tuple(set_rows),
        headers=("Term", "Actual", *(latex_label(c) for c in CONCEPTS)),
        formats=("s",) * (len(CONCEPTS) + 2),
    )
    return {"terms": terms, "scores": scores, "intervals": intervals, "sets": sets}


def _set_cell(term: str, members: list) -> str:
    """A term's optimal set: a range ``lo-hi`` (one value if it is a point) or the options, ``/``-separated."""
    if term in CONTINUOUS_RANGES:
        lo, hi = (_cell(term, x) for x in members)
        return lo if lo == hi else f"{lo}-{hi}"
    return "/".join(_cell(term, x) for x in members)


def _camel(name: str) -> str:
    return "".join(part.capitalize() for part in name.split("_"))


def _list_text(concepts: list[str]) -> str:
    return ", ".join(latex_label(c) for c in concepts) if concepts else "none"


def _macros(values: Mapping[str, Any]) -> dict[str, str]:
    """Every number the paper quotes; COMPARISON results are named as such (Score, Beats, Settlement)."""
    macros: dict[str, str] = {}
    for c in CONCEPTS:
        r, i = values["predictions"][c], values["intervals"][c]
        name = _camel(c)
        macros[f"{name}Equity"] = f"{r['contract']['equity']:.2f}"
        macros[f"{name}RevenueShare"] = f"{r['contract']['revenue_share']:.3f}"
        macros[f"{name}UM"] = f"{r['utilities'][0]:.1f}"
        macros[f"{name}UO"] = f"{r['utilities'][1]:.1f}"
        macros[f"{name}Score"] = f"{r['score']:.3f}"
        consistent = [t for t, row in r["terms"].items() if row["consistent"]]
        macros[f"{name}Consistent"] = str(len(consistent))
        macros[f"{name}Inconsistent"] = ", ".join(TERM_NAMES[t] for t in TERMS if t not in consistent) or "none"
        macros[f"{name}EquitySetLow"], macros[f"{name}EquitySetHigh"] = (f"{x:.2f}" for x in r["optimal_set"]["equity"])
        macros[f"{name}ShareSetLow"], macros[f"{name}ShareSetHigh"] = (f"{x:.2f}" for x in r["optimal_set"]["revenue_share"])
        macros[f"{name}EquityLow"], macros[f"{name}EquityHigh"] = (f"{x:.2f}" for x in i["equity"][::2])
        macros[f"{name}RevenueShareLow"], macros[f"{name}RevenueShareHigh"] = (f"{x:.3f}" for x in i["revenue_share"][::2])
    for b in BASELINES:
        macros[f"{_camel(b)}Score"] = f"{values['baselines'][b]['score']:.3f}"
        macros[f"Beats{_camel(b)}"] = _list_text(values["beats"][b])
        macros[f"BeatsCount{_camel(b)}"] = str(len(values["beats"][b]))
    s = values["settlement_comparison"]
    macros["SettlementUM"], macros["SettlementUO"] = (f"{x:.1f}" for x in s["utilities"])
    macros["SettlementGainM"], macros["SettlementGainO"] = (f"{x:.1f}" for x in s["gains"])
    macros["SettlementFrontierDistance"] = f"{s['distance']:.1f}"
    macros["SettlementOnFrontier"] = "yes" if s["on_frontier"] else "no"
    macros["SettlementRationalM"] = "yes" if s["individually_rational"]["microsoft"] else "no"
    macros["SettlementRationalO"] = "yes" if s["individually_rational"]["openai"] else "no"
    macros["DisagreementUM"], macros["DisagreementUO"] = (f"{x:.1f}" for x in values["disagreement"])
    macros["Draws"] = str(values["draws"])
    return macros


# ----------------------------------------------------------------------------- figures
def _points(saved: SavedResults) -> dict[str, np.ndarray]:
    v = saved.values
    points = {c: np.array(v["predictions"][c]["utilities"]) for c in CONCEPTS}
    points |= {b: np.array(v["baselines"][b]["utilities"]) for b in BASELINES}
    points["settlement"] = np.array(v["settlement_comparison"]["utilities"])
    return points


def frontier_figure(saved: SavedResults) -> Any:
    """(a) Utility-possibility frontier with d, every concept, the baselines and the settlement."""
    v = saved.values
    frontier, d = np.array(v["frontier"]), np.array(v["disagreement"])
    points = _points(saved)
    window = window_around(np.vstack([*points.values(), d]))
    shown = frontier[(frontier[:, 0] >= window[0][0]) & (frontier[:, 1] >= window[0][1])]
    fig, ax = new_figure("single", aspect=1.2)
    draw_frontier(ax, shown, d, window)
    sizes = concept_sizes(CONCEPTS)
    for z, c in enumerate(CONCEPTS):
        ax.plot(*points[c], **marker_kwargs(c, sizes[c]), zorder=3 + z / 10)
    for b in BASELINES:
        ax.plot(*points[b], **contract_marker(b), zorder=3)
    projection = np.array(v["settlement_comparison"]["projection"])
    ax.plot(*np.column_stack([points["settlement"], projection]), color="black", linewidth=0.6, linestyle=":",
            label="Settlement to frontier")
    ax.plot(*points["settlement"], **marker_kwargs("settlement", 9.0), zorder=4)
    add_legend(fig, ax, ncol=2)
    return fig


def contract_curve_figure(saved: SavedResults) -> Any:
    """(b) Iso-payoff contours of u_M and u_O in (equity, revenue share) space, Nash's other terms fixed."""
    cc = saved.values["contract_curve"]
    d = np.array(saved.values["disagreement"])
    e, s = np.array(cc["equity"]), np.array(cc["revenue_share"])
    u_m, u_o = np.array(cc["u_M"]), np.array(cc["u_O"])
    fig, ax = new_figure("single", aspect=0.85)
    cm = ax.contour(e, s, u_m, levels=6, colors="#0072B2", linewidths=0.6)
    co = ax.contour(e, s, u_o, levels=6, colors="#D55E00", linewidths=0.6, linestyles="dashed")
    ax.clabel(cm, fontsize=5, fmt="%.0f")
    ax.clabel(co, fontsize=5, fmt="%.0f")
    for u, level, color, style, who in ((u_m, d[0], "#0072B2", "solid", "M"), (u_o, d[1], "#D55E00", "dashed", "O")):
        if u.min() < level < u.max():
            ax.contour(e, s, u, levels=[level], colors=color, linewidths=1.6, linestyles=style)
            ax.plot([], [], color=color, linewidth=1.6, linestyle=style, label=f"$u_{who} = d_{who}$")
    curve = np.array(cc["curve"])
    ax.plot(curve[:, 0], curve[:, 1], color="black", linewidth=2.4, solid_capstyle="butt", label="Contract curve", zorder=2)
    ax.plot(*cc["nash"], **marker_kwargs("nash", 7.0), zorder=4)
    ax.plot(*cc["settlement"], **marker_kwargs("settlement", 9.0), zorder=4)
    ax.plot([], [], color="#0072B2", linewidth=0.6, label=r"$u_M$ (\$B)")
    ax.plot([], [], color="#D55E00", linewidth=0.6, linestyle="dashed", label=r"$u_O$ (\$B)")
    ax.set_xlabel("Microsoft's equity share $e$")
    ax.set_ylabel("Revenue share $s$")
    ax.set_ylim(s[0] - 0.004, s[-1] + 0.004)
    ax.set_xlim(e[0] - 0.005, e[-1] + 0.005)
    add_legend(fig, ax)
    return fig


EXPERIMENT = Experiment(
    kind="baseline",
    description="Every solution concept on the calibrated case, compared with the settlement and the naive baselines.",
    schema=SCHEMA,
    run=run,
    figures=(
        FigureSpec(
            "frontier", frontier_figure,
            "Utility-possibility frontier of the calibrated case at central values (\\$B; from the closed-form "
            "candidate segments), with the status quo $d$ (no deal; shaded: individually rational region), the "
            "prediction of every solution concept, the naive baselines (status-quo contract, midpoint of the "
            "reported positions) and, for comparison only, the actual settlement and its projection onto the "
            "frontier (dotted; \\BaselineSettlementFrontierDistance\\,\\$B away).",
        ),
        FigureSpec(
            "contract-curve", contract_curve_figure,
            "Iso-payoff contours of Microsoft ($u_M$, solid) and OpenAI ($u_O$, dashed) in (equity, revenue share) "
            "space, the Nash prediction's other terms held fixed; thick contours: $u_i = d_i$; thick black: the "
            "contract curve. The settlement's (equity, revenue share) is marked for comparison only; its discrete "
            "terms differ from the Nash prediction's.",
        ),
    ),
    data_files=(CALIBRATION_FILE, CONTRACT_SPACE_FILE, compare.SETTLEMENT_FILE, compare.POSITIONS_FILE),
)
