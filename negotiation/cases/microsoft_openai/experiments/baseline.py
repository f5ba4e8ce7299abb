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

from negotiation.cases.microsoft_openai import CONCEPTS, calibration, compare, score
from negotiation.cases.microsoft_openai.batch import family, predict_all_batch
from negotiation.cases.microsoft_openai.compare import CONTINUOUS_RANGES, TERMS
from negotiation.cases.microsoft_openai.contract_set import draw_set, take
from negotiation.cases.microsoft_openai.parameters import CALIBRATION_FILE, PARAMETER_NAMES, VALUATION_YEAR, Parameters
from negotiation.cases.microsoft_openai.positions import POSITIONS_FILE
from negotiation.cases.microsoft_openai.payoffs import (DISCRETE_OPTIONS, contract_utilities, conversion_loss,
                                                        ip_decay_microsoft, profit_participation_pv)
from negotiation.cases.microsoft_openai.space import CONTRACT_SPACE_FILE, case_space, widened
from negotiation.cases.microsoft_openai.experiments._case_views import (add_legend, central_and_sample, concept_sizes, contract_marker, draw_frontier, frontier_points, marker_kwargs,
                                                 plain_contract, rows, solve_concepts, window_around)
from negotiation.pipeline import Experiment, FigureSpec, Param, Progress, Results, SavedResults, Table
from negotiation.pipeline.latex import camel_case, escape
from negotiation.plots import latex_label, new_figure

BASELINES = ("status_quo", "positions_midpoint")
PERCENTILES = (5.0, 50.0, 95.0)
INTERVAL_TERMS = ("equity", "revenue_share", "azure_commitment")

SCHEMA = {
    "draws": Param(int, "calibration draws (uniform on each range) for the prediction intervals", default=400, low=10,
                   high=20_000),
    "grid": Param(int, "revenue-share points of each concept's transfer curve", default=61, low=11, high=201),
    "random_draws": Param(int, "uniformly random contracts scored as the random baseline (Monte Carlo)", default=20_000,
                          low=100, high=1_000_000),
    "perturbation_patterns": Param(int, "sign patterns of the 1e-10 perturbation of every input (well-posedness)",
                                   default=3, low=1, high=100),
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
    progress.message("well-posedness: widened choice bounds and 1e-10 perturbations (batch path)")
    values = {
        "well_posed": _well_posed(p, central, parameters["perturbation_patterns"], rng),
        "disagreement": d,
        "profit_participation_share": float(profit_participation_pv(p) / p.valuation_post_money),
        # the contract year at whose end Microsoft's decaying IP value meets OpenAI's cost (t = year + 1 - 2025.5)
        "ip_crossing_year": float(VALUATION_YEAR - 1.0 + np.log(p.ip_value_microsoft / p.ip_cost_openai)
                                  / ip_decay_microsoft(p)),
        "settlement_comparison": _settlement_record(position, actual),
        "settlement_accounting": _settlement_accounting(p, actual, d, utilities["utilitarian"]),
        "predictions": {c: _prediction_record(predicted[c], utilities[c], scored[c], scored, optimal[c],
                                              compare.mechanism_outcomes(p, utilities[c], optimal[c], actual))
                        for c in CONCEPTS},
        "baselines": {b: {"contract": dict(baselines[b]), "utilities": _utilities(p, baselines[b]),
                          "score": scored[b].score} for b in BASELINES},
        "beats": {b: [c for c in CONCEPTS if scored[c].score < scored[b].score] for b in BASELINES},
        "intervals": {c: _interval_record(sample[c], actual, scored) for c in CONCEPTS},
        "frontier": frontier_points(fam),
        "transfer_curves": _transfer_curves(p, predicted, utilities, actual, parameters["grid"]),
        "draws": parameters["draws"],
    }
    progress.message("proper scores of the predictive distributions over the draws (score.skill)")
    values["proper_scores"] = _proper_scores({c: sample[c].contract for c in CONCEPTS}, actual,
                                             parameters["random_draws"], rng,
                                             {c: score.set_samples(take(sample[c].sets, ~sample[c].infeasible))
                                              for c in CONCEPTS})
    return Results(values=values, tables=_tables(values, actual), macros=_macros(values))


INFORMED = ("openai", "microsoft", "positions_midpoint")
"""The informed baselines of :func:`.score.informed_baselines`: each side's position and their midpoint."""


def _proper_scores(samples: Mapping[str, Mapping[str, np.ndarray]], actual: Mapping[str, Any], random_draws: int,
                   rng: np.random.Generator, sets: Mapping[str, tuple[dict, dict]]) -> dict[str, Any]:
    """Skill (``score.skill``) of every concept's predictive distribution, the random contract and the
    informed baselines (points); whether each concept beats the random contract (skill > 0) and
    every informed baseline (skill above the best of them). Each concept twice: its optimal sets
    (``sets``: :func:`.score.set_samples`, the prediction the theory makes) under ``set_skills``, and
    its representatives under ``skills``. The random reference is the same for every row
    (``score.skill``'s default seed); ``rng`` draws the random row's contracts. COMPARISON with the settlement."""
    space = case_space()
    skills = {c: score.skill(samples[c], actual, space) for c in CONCEPTS}
    skills["random"] = score.skill(score.random_contracts(random_draws, rng, space), actual, space)
    skills |= {b: score.skill({t: [v] for t, v in c.items()}, actual, space)
               for b, c in score.informed_baselines().items()}
    set_skills = {**skills, **{c: score.skill(sets[c][0], actual, space, weights=sets[c][1]) for c in CONCEPTS}}
    best_informed = max(skills[b]["total"] for b in INFORMED)
    return {"skills": skills, "set_skills": set_skills, "terms": list(score.TERMS), "best_informed": best_informed,
            "beats_random": [c for c in CONCEPTS if skills[c]["total"] > 0.0],
            "beats_informed": [c for c in CONCEPTS if skills[c]["total"] > best_informed],
            "set_beats_random": [c for c in CONCEPTS if set_skills[c]["total"] > 0.0],
            "set_beats_informed": [c for c in CONCEPTS if set_skills[c]["total"] > best_informed],
            "random_draws": random_draws}


PERTURBATION = 1e-10
"""Relative change of every calibration input in the well-posedness check (issue 9)."""
SAME_REL = 1e-6
"""Continuous terms of two representatives agree within this relative tolerance (the reproduce check's rtol)."""


def _differences(a: Any, b: Any) -> tuple[list[str], float]:
    """Terms on which two one-draw batch predictions' representatives differ; largest relative continuous change."""
    differ = [t for t in TERMS if t not in CONTINUOUS_RANGES and a.contract[t][0] != b.contract[t][0]]
    change = 0.0
    for t in CONTINUOUS_RANGES:
        x, y = float(a.contract[t][0]), float(b.contract[t][0])
        change = max(change, abs(x - y) / max(abs(x), 1e-12))
        if abs(x - y) > SAME_REL * abs(x) + 1e-9:
            differ.append(t)
    return differ, change


def _well_posed(p: Any, central: Mapping[str, Any], patterns: int, rng: np.random.Generator) -> dict[str, Any]:
    """Each concept's central representative on the widened space and under 1e-10 changes of every input."""
    wide = predict_all_batch(p, space=widened(case_space()))
    moved = []
    for _ in range(patterns):
        signs = rng.choice([-1.0, 1.0], len(PARAMETER_NAMES))
        q = Parameters(**{n: float(getattr(p, n)) * (1.0 + PERTURBATION * sign) for n, sign in zip(PARAMETER_NAMES, signs)})
        moved.append(predict_all_batch(q))
    out = {}
    for c in CONCEPTS:
        wide_terms, wide_change = _differences(central[c], wide[c])
        perturbed = [_differences(central[c], m[c]) for m in moved]
        out[c] = {"widened_differs": wide_terms, "widened_change": wide_change,
                  "perturbed_differs": sorted({t for terms, _ in perturbed for t in terms}),
                  "perturbed_change": max(change for _, change in perturbed)}
    return {"patterns": patterns, "perturbation": PERTURBATION, "concepts": out}


def _utilities(p: Any, contract: Mapping[str, Any]) -> list[float]:
    return [float(u) for u in contract_utilities(p, contract)]


def _prediction_record(contract: dict, u: np.ndarray, score: compare.ContractScore, scored: Mapping,
                       optimal_set: Mapping[str, Any], mechanisms: Mapping[str, str]) -> dict[str, Any]:
    """A concept's central prediction (representative and optimal set) and its COMPARISON with the
    settlement, term by term and by mechanism (:func:`.compare.mechanism_outcomes`)."""
    return {
        "mechanisms": dict(mechanisms),
        "contract": contract,
        "optimal_set": {t: list(v) for t, v in optimal_set.items()},
        "utilities": u,
        "score": score.score,
        "terms": {t.term: {"predicted": t.predicted, "actual": t.actual, "error": t.error, "match": t.match,
                           "consistent": t.consistent} for t in score.terms},
        "beats": {b: bool(score.score < scored[b].score) for b in BASELINES},
    }


def _settlement_accounting(p: Any, actual: Mapping[str, Any], d: np.ndarray, efficient: np.ndarray) -> dict[str, Any]:
    """COMPARISON: where the settlement's shortfall comes from under the model.

    ``J* = u_M + u_O`` of an efficient contract (the utilitarian solution; under transferable utility
    every efficient contract has it). The settlement's joint shortfall ``J* - (u_M + u_O)``; the same
    with its commitment cut to the calibrated need (every other term kept), which isolates the cost
    the model charges for committed dollars beyond expected use; and the conversion loss at which
    some efficient contract that gives Microsoft the settlement's ``u_M`` (and so Pareto-dominates
    the settlement) becomes individually rational for OpenAI: ``L + d_O - (J* - u_M)``.
    """
    joint = float(np.sum(efficient))
    u = np.array([float(x) for x in contract_utilities(p, actual)])
    capped = {**actual, "azure_commitment": min(float(actual["azure_commitment"]), float(p.azure_need))}
    u_capped = np.array([float(x) for x in contract_utilities(p, capped)])
    return {
        "joint_efficient": joint,
        "joint_shortfall": joint - float(u.sum()),
        "at_need_utilities": u_capped,
        "at_need_gains": u_capped - d,
        "at_need_joint_shortfall": joint - float(u_capped.sum()),
        "unused_commitment_cost_openai": float(u_capped[1] - u[1]),
        "conversion_loss_for_a_dominating_contract": float(conversion_loss(p) + d[1] - (joint - u[0])),
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
    years = DISCRETE_OPTIONS["ip_rights_until"]
    ip = batch.contract["ip_rights_until"][ok]
    record["ip_at_grid_end_share"] = {"first": float(np.mean(ip == min(years))) if ok.any() else None,
                                      "last": float(np.mean(ip == max(years))) if ok.any() else None}
    e_lo = case_space().bounds("equity")[0]
    record["equity_at_lower_bound_share"] = float(np.mean(batch.contract["equity"][ok] <= e_lo + 1e-12)) if ok.any() else None
    return record


def _mode(values: np.ndarray) -> dict[str, Any]:
    """The most frequent value of a discrete term over the draws, and its frequency."""
    keys = [repr(v) for v in values]
    uniques, counts = np.unique(keys, return_counts=True)
    best = int(np.argmax(counts))
    return {"value": values[keys.index(uniques[best])], "share": float(counts[best] / len(keys))}


def _transfer_curves(p: Any, predicted: Mapping[str, Mapping[str, Any]], utilities: Mapping[str, np.ndarray],
                     actual: Mapping[str, Any], n: int) -> dict[str, Any]:
    """Each concept's transfer curve: the (equity, revenue share) pairs that give it its utilities.

    Equity and the revenue share are transfers, so with the representative's other terms fixed
    every point of ``e(s) = (u*_M - u_M(0, s)) / (u_M(1, s) - u_M(0, s))`` (``u_M`` is affine in
    ``e``) gives the concept's ``u*``; None where ``e(s)`` leaves the equity bounds. The settlement's
    (e, s) is recorded for COMPARISON only (its other terms differ).
    """
    e_lo, e_hi = case_space().bounds("equity")
    s_grid = np.linspace(*case_space().bounds("revenue_share"), n)
    curves = {}
    for c in CONCEPTS:
        u0 = contract_utilities(p, {**predicted[c], "equity": 0.0, "revenue_share": s_grid})[0]
        u1 = contract_utilities(p, {**predicted[c], "equity": 1.0, "revenue_share": s_grid})[0]
        e = (utilities[c][0] - u0) / (u1 - u0)
        curves[c] = [float(x) if e_lo - 1e-12 <= x <= e_hi + 1e-12 else None for x in e]
    return {"revenue_share": s_grid, "equity": curves,
            "representatives": {c: [predicted[c]["equity"], predicted[c]["revenue_share"]] for c in CONCEPTS},
            "settlement": [actual["equity"], actual["revenue_share"]]}


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
    wp = values["well_posed"]["concepts"]
    well_posed = Table(
        columns=("concept", "widened_same", "widened_change", "perturbed_same", "perturbed_change"),
        rows=tuple((latex_label(c), "yes" if not wp[c]["widened_differs"] else ", ".join(wp[c]["widened_differs"]),
                    wp[c]["widened_change"], "yes" if not wp[c]["perturbed_differs"] else ", ".join(wp[c]["perturbed_differs"]),
                    wp[c]["perturbed_change"]) for c in CONCEPTS),
        headers=("Concept", "Same on widened space", "Largest rel.\\ change", "Same under $1\\pm10^{-10}$",
                 "Largest rel.\\ change"),
        formats=("s", "s", ".1e", "s", ".1e"),
    )
    return {"terms": terms, "scores": scores, "proper_scores": _proper_table(values["proper_scores"]),
            "proper_scores_sets": _proper_table(values["proper_scores"], "set_"), "intervals": intervals, "sets": sets, "well_posed": well_posed}


PROPER_LABELS = {"random": "Random contract", "openai": "OpenAI position", "microsoft": "Microsoft position",
                 "positions_midpoint": "Midpoint, AGI terms as asked"}
"""Row labels of the baselines in the ``proper_scores`` table."""


def _proper_table(proper: Mapping[str, Any], prefix: str = "") -> Table:
    """``proper_scores`` (``prefix = ""``, representatives) or ``proper_scores_sets`` (``"set_"``, optimal
    sets): total and per-term skill over the random contract (CRPS / Brier, :mod:`.score`), and whether a
    concept beats the random contract and every informed baseline (COMPARISON)."""
    terms, skills = proper["terms"], proper[f"{prefix}skills"]
    flags = {c: ("yes" if c in proper[f"{prefix}beats_random"] else "no",
                 "yes" if c in proper[f"{prefix}beats_informed"] else "no") for c in CONCEPTS}
    rows_ = tuple((latex_label(n) if n in CONCEPTS else PROPER_LABELS[n], skills[n]["total"],
                   *(skills[n][t] for t in terms), *flags.get(n, ("--", "--")))
                  for n in (*CONCEPTS, "random", *INFORMED))
    return Table(
        columns=("prediction", "total_skill", *(f"skill_{t}" for t in terms), "beats_random", "beats_informed"),
        rows=rows_,
        headers=("Prediction", "Total skill", *(escape(TERM_LABELS[t]) for t in terms), "Beats random", "Beats informed"),
        formats=("s", "+.2f", *("+.2f" for _ in terms), "s", "s"),
    )


def _set_cell(term: str, members: list) -> str:
    """A term's optimal set: a range ``lo-hi`` (one value if it is a point) or the options, ``/``-separated."""
    if term in CONTINUOUS_RANGES:
        lo, hi = (_cell(term, x) for x in members)
        return lo if lo == hi else f"{lo}-{hi}"
    return "/".join(_cell(term, x) for x in members)


def _list_text(concepts: list[str]) -> str:
    return ", ".join(latex_label(c) for c in concepts) if concepts else "none"


def _macros(values: Mapping[str, Any]) -> dict[str, str]:
    """Every number the paper quotes; COMPARISON results are named as such (Score, Beats, Settlement)."""
    macros: dict[str, str] = {}
    space = case_space()
    for c in CONCEPTS:
        r, i = values["predictions"][c], values["intervals"][c]
        name = camel_case(c)
        macros[f"{name}Equity"] = f"{r['contract']['equity']:.2f}"
        macros[f"{name}RevenueShare"] = f"{r['contract']['revenue_share']:.3f}"
        macros[f"{name}UM"] = f"{r['utilities'][0]:.1f}"
        macros[f"{name}UO"] = f"{r['utilities'][1]:.1f}"
        macros[f"{name}Score"] = f"{r['score']:.3f}"
        consistent = [t for t, row in r["terms"].items() if row["consistent"]]
        macros[f"{name}Consistent"] = str(len(consistent))
        ties = [t for t, options in r["optimal_set"].items()
                if t in space.discrete and len(options) == len(space.discrete[t].options)]
        macros[f"{name}TieTerms"] = ", ".join(TERM_NAMES[t] for t in ties) or "none"
        macros[f"{name}TieCount"] = str(len(ties))
        for kind, plural in (("hit", "Hits"), ("miss", "Misses"), ("tie", "Ties")):
            named = [m.replace("_", " ") for m, o in r["mechanisms"].items() if o == kind]
            macros[f"{name}Mechanism{kind.capitalize()}Count"] = str(len(named))
            macros[f"{name}Mechanism{plural}"] = ", ".join(named) or "none"
        macros[f"{name}IpRightsUntil"] = str(r["contract"]["ip_rights_until"])
        macros[f"{name}AzureCommitment"] = f"{r['contract']['azure_commitment']:.0f}"
        macros[f"{name}IpAtFirstYear"] = f"{i['ip_at_grid_end_share']['first']:.2f}"
        macros[f"{name}IpAtLastYear"] = f"{i['ip_at_grid_end_share']['last']:.2f}"
        macros[f"{name}EquityAtZero"] = f"{i['equity_at_lower_bound_share']:.2f}"
        macros[f"{name}Inconsistent"] = ", ".join(TERM_NAMES[t] for t in TERMS if t not in consistent) or "none"
        macros[f"{name}EquitySetLow"], macros[f"{name}EquitySetHigh"] = (f"{x:.2f}" for x in r["optimal_set"]["equity"])
        macros[f"{name}ShareSetLow"], macros[f"{name}ShareSetHigh"] = (f"{x:.2f}" for x in r["optimal_set"]["revenue_share"])
        macros[f"{name}EquityLow"], macros[f"{name}EquityHigh"] = (f"{x:.2f}" for x in i["equity"][::2])
        macros[f"{name}RevenueShareLow"], macros[f"{name}RevenueShareHigh"] = (f"{x:.3f}" for x in i["revenue_share"][::2])
    for b in BASELINES:
        macros[f"{camel_case(b)}Score"] = f"{values['baselines'][b]['score']:.3f}"
        macros[f"Beats{camel_case(b)}"] = _list_text(values["beats"][b])
        macros[f"BeatsCount{camel_case(b)}"] = str(len(values["beats"][b]))
    s = values["settlement_comparison"]
    macros["SettlementUM"], macros["SettlementUO"] = (f"{x:.1f}" for x in s["utilities"])
    macros["SettlementGainM"], macros["SettlementGainO"] = (f"{x:.1f}" for x in s["gains"])
    macros["SettlementJointGain"] = f"{sum(s['gains']):.1f}"
    macros["SettlementFrontierDistance"] = f"{s['distance']:.1f}"
    macros["SettlementOnFrontier"] = "yes" if s["on_frontier"] else "no"
    macros["SettlementRationalM"] = "yes" if s["individually_rational"]["microsoft"] else "no"
    macros["SettlementRationalO"] = "yes" if s["individually_rational"]["openai"] else "no"
    macros["DisagreementUM"], macros["DisagreementUO"] = (f"{x:.1f}" for x in values["disagreement"])
    a = values["settlement_accounting"]
    macros["SettlementJointShortfall"] = f"{a['joint_shortfall']:.1f}"
    macros["SettlementAtNeedUM"], macros["SettlementAtNeedUO"] = (f"{x:.1f}" for x in a["at_need_utilities"])
    macros["SettlementAtNeedGainM"], macros["SettlementAtNeedGainO"] = (f"{x:.1f}" for x in a["at_need_gains"])
    macros["SettlementAtNeedJointShortfall"] = f"{a['at_need_joint_shortfall']:.2f}"
    macros["SettlementUnusedCommitmentCostO"] = f"{a['unused_commitment_cost_openai']:.1f}"
    macros["ConversionLossForDominatingContract"] = f"{a['conversion_loss_for_a_dominating_contract']:.1f}"
    macros["ProfitParticipationShare"] = f"{100 * values['profit_participation_share']:.1f}"
    macros["IpCrossingYear"] = f"{values['ip_crossing_year']:.1f}"
    macros["Draws"] = str(values["draws"])
    wp = values["well_posed"]["concepts"]
    macros["WellPosedWidenedSame"] = str(sum(not wp[c]["widened_differs"] for c in CONCEPTS))
    macros["WellPosedPerturbedSame"] = str(sum(not wp[c]["perturbed_differs"] for c in CONCEPTS))
    macros["WellPosedPatterns"] = str(values["well_posed"]["patterns"])
    macros["Concepts"] = str(len(CONCEPTS))
    macros |= _proper_macros(values["proper_scores"])
    macros["Mechanisms"] = str(len(values["predictions"][CONCEPTS[0]]["mechanisms"]))
    return macros


def _proper_macros(proper: Mapping[str, Any]) -> dict[str, str]:
    """The proper-score sentences' numbers (COMPARISON): skills, who beats the random contract and the
    informed baselines, the best concept."""
    skills = proper["skills"]
    best = max(CONCEPTS, key=lambda c: skills[c]["total"])
    macros = {f"{camel_case(n)}Skill": f"{skills[n]['total']:+.2f}" for n in (*CONCEPTS, "random", *INFORMED)}
    macros |= {
        "ProperBeatsRandomCount": str(len(proper["beats_random"])),
        "ProperBeatsRandom": _list_text(proper["beats_random"]),
        "ProperNotBeatsRandom": _list_text([c for c in CONCEPTS if c not in proper["beats_random"]]),
        "ProperBeatsInformedCount": str(len(proper["beats_informed"])),
        "ProperBeatsInformed": _list_text(proper["beats_informed"]),
        "ProperNotBeatsInformed": _list_text([c for c in CONCEPTS if c not in proper["beats_informed"]]),
        "ProperBestInformedSkill": f"{proper['best_informed']:+.2f}",
        "ProperBest": latex_label(best),
        "ProperBestSkill": f"{skills[best]['total']:+.2f}",
        "ProperSkillSpread": f"{np.ptp([skills[c]['total'] for c in CONCEPTS]):.3f}",
        "ProperRandomDraws": str(proper["random_draws"]),
    }
    set_best = max(CONCEPTS, key=lambda c: proper["set_skills"][c]["total"])
    macros |= {f"{camel_case(c)}SetSkill": f"{proper['set_skills'][c]['total']:+.2f}" for c in CONCEPTS}
    macros |= {
        "ProperSetBeatsRandomCount": str(len(proper["set_beats_random"])),
        "ProperSetNotBeatsRandom": _list_text([c for c in CONCEPTS if c not in proper["set_beats_random"]]),
        "ProperSetBeatsInformedCount": str(len(proper["set_beats_informed"])),
        "ProperSetBest": latex_label(set_best),
        "ProperSetBestSkill": f"{proper['set_skills'][set_best]['total']:+.2f}",
        "ProperSetSkillSpread": f"{np.ptp([proper['set_skills'][c]['total'] for c in CONCEPTS]):.3f}",
    }
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


def transfer_curves_figure(saved: SavedResults) -> Any:
    """(b) Each concept's transfer curve in (equity, revenue share) space, its representative, the settlement."""
    tc = saved.values["transfer_curves"]
    s_grid = np.array(tc["revenue_share"])
    fig, ax = new_figure("single", aspect=0.85)
    sizes = concept_sizes(CONCEPTS)
    for c in CONCEPTS:
        style = marker_kwargs(c, sizes[c])
        ax.plot(np.array([np.nan if x is None else x for x in tc["equity"][c]]), s_grid, color=style.get("color", "black"), linewidth=0.8,
                zorder=2)
        ax.plot(*tc["representatives"][c], **style, zorder=3)
    ax.plot(*tc["settlement"], **marker_kwargs("settlement", 9.0), zorder=4)
    ax.set_xlabel("Microsoft's equity share $e$")
    ax.set_ylabel("Revenue share $s$")
    e_lo, e_hi = case_space().bounds("equity")
    ax.set_xlim(e_lo - 0.005, e_hi + 0.005)
    ax.set_ylim(s_grid[0] - 0.01, s_grid[-1] + 0.01)
    add_legend(fig, ax, ncol=2)
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
            "transfer-curves", transfer_curves_figure,
            "Transfer curves at central values: for each solution concept, the (equity, revenue share) pairs that "
            "give it its utilities, the representative's other terms held fixed (equity and the revenue share are "
            "transfers, so the whole curve is in the concept's optimal set). Markers: the representative (revenue "
            "share at its status-quo rate). The settlement's (equity, revenue share) is marked for comparison only; "
            "its other terms differ.",
        ),
    ),
    data_files=(CALIBRATION_FILE, CONTRACT_SPACE_FILE, compare.SETTLEMENT_FILE, POSITIONS_FILE),
)
