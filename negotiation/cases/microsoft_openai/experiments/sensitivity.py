"""Experiment kind ``sensitivity``: every prediction as a distribution over the calibration ranges.

Three parts, all on the closed-form batch path (:func:`.batch.predict_all_batch`):

1. Monte Carlo (:func:`negotiation.sweep.sweep`): ``calibration().sample`` draws (each parameter
   uniform on ``[low, high]``) through every concept. For each concept and term: mean, median,
   5th/95th percentiles (continuous terms), the frequency of each value (discrete terms), and the
   infeasible draws (counted, never dropped: every summary says ``n_feasible`` of ``n``, with
   the parameter values of the first few). The slow concepts (``slow_concepts``) use the first
   ``slow_draws`` of the same seeded draws. Concepts with the same number of draws are solved
   together, one sweep whose chunks build the model once (:func:`monte_carlo`).
2. One-at-a-time tornado (:func:`negotiation.sensitivity.tornado`): each varied parameter at
   ``low`` then ``high``, the others central.
3. Global Sobol indices (:func:`negotiation.sensitivity.sobol_convergence`), first and total
   order with bootstrap intervals, of the continuous terms of ``sobol_concepts`` with respect
   to every varied parameter, at ``sobol_base * 2^k`` for ``k = 0..sobol_doublings``. The
   Sobol' designs are nested, so the model is memoised and the whole convergence study costs
   the evaluations of the largest design only.

COMPARISON (labelled ``comparison`` in results, tables and macros): the share of draws whose
prediction matches the settlement, term by term (continuous: within ``match_tolerance`` of the
term's contract range; discrete: equal). The settlement is read only by
:func:`settlement_comparison`; it never enters a prediction.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from functools import partial, wraps
from typing import Any

import matplotlib
import numpy as np

from negotiation.cases.microsoft_openai import CONCEPTS, calibration
from negotiation.cases.microsoft_openai.batch import as_draws, predict_all_batch
from negotiation.cases.microsoft_openai.compare import CONTINUOUS_RANGES, SET_TOL, SETTLEMENT_FILE, settlement
from negotiation.cases.microsoft_openai.parameters import CALIBRATION_FILE, PARAMETER_NAMES, Calibration, Parameters
from negotiation.cases.microsoft_openai.space import CONTRACT_SPACE_FILE
from negotiation.cases.microsoft_openai.monte_carlo import evaluate
from negotiation.cases.microsoft_openai.payoffs import DISCRETE_OPTIONS
from negotiation.pipeline import Experiment, FigureSpec, Param, Progress, Results, SavedResults, Table
from negotiation.pipeline.latex import camel_case, escape
from negotiation.plots import new_figure, style_of
from negotiation.plots.style import RC_PARAMS
from negotiation.sensitivity import Range, SobolIndices, Tornado, ranges_from, sobol_convergence, tornado
from negotiation.sweep import SweepResult, split, sweep

CONTINUOUS_TERMS = tuple(CONTINUOUS_RANGES)
QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)
"""Quantiles kept per continuous term (5-95 % whiskers and the box of the distribution figure)."""
SWEEP_CHUNK = 128
"""Draws per sweep chunk (does not change the results; sets the progress granularity)."""
MODEL_CHUNK = 256
"""Design points solved per call of the Sobol / tornado model (progress granularity)."""
LISTED_PARAMETERS = 3
"""Parameters named per listed infeasible draw: those farthest from central (share of range)."""
TORNADO_TERMS = ("equity", "revenue_share")
TORNADO_MIN_EXTENT = 0.01
"""Smallest half-width of a tornado panel's axis (share), so an all-zero panel is not a blow-up of noise."""
SOBOL_AXIS_MAX = 1.1
"""Right end of the Sobol axes: indices lie in [0, 1]; a longer interval is cut (and said so in the caption)."""
COMPARISON_LABEL = "COMPARISON with the settlement of 2025-10-28 (not an input to any prediction)"
UNITS = {"equity": "share", "revenue_share": "share", "azure_commitment": "$B"}
TITLES = {"equity": "equity", "revenue_share": "revenue share", "azure_commitment": "Azure commitment"}
SYMBOLS = {"equity": "equity $e$", "revenue_share": "revenue share $s$", "azure_commitment": "Azure commitment ($B)"}
FAST_CONCEPTS = ("nash", "asymmetric_nash", "kalai_smorodinsky", "egalitarian", "utilitarian")

SCHEMA = {
    "concepts": Param(list, "concepts solved in the Monte Carlo", item=str, default=list(CONCEPTS), choices=CONCEPTS),
    "draws": Param(int, "Monte Carlo draws per concept", default=1024, low=2, high=100_000),
    "slow_concepts": Param(list, "concepts that use slow_draws (slow batch path)", item=str,
                           default=["rubinstein", "variable_threat"], choices=CONCEPTS),
    "slow_draws": Param(int, "Monte Carlo draws of the slow concepts (the first of the same draws)",
                        default=256, low=2, high=100_000),
    "match_tolerance": Param(float, "COMPARISON: a continuous term matches within this share of its range",
                             default=0.05, low=0.0, high=1.0),
    "listed_infeasible": Param(int, "infeasible draws listed per concept", default=5, low=0),
    "sobol_concepts": Param(list, "concepts of the Sobol and tornado analysis", item=str,
                            default=["nash", "asymmetric_nash"], choices=FAST_CONCEPTS),
    "sobol_base": Param(int, "smallest Sobol base sample size (a power of two)", default=32, low=2),
    "sobol_doublings": Param(int, "doublings of the Sobol base sample size", default=2, low=0, high=8),
    "bootstrap_resamples": Param(int, "bootstrap resamples of the Sobol intervals", default=999, low=9),
    "confidence_level": Param(float, "level of the Sobol bootstrap intervals", default=0.95, low=0.5, high=0.999),
    "top_parameters": Param(int, "parameters shown in tables and figures (all are in results.json)",
                            default=12, low=1),
}


# ----------------------------------------------------------------------------- small helpers
def output_name(concept: str, term: str) -> str:
    """Key of one model output: ``<concept>.<term>``."""
    return f"{concept}.{term}"


def value_label(value: Any) -> str:
    """A discrete term's value as a JSON key / axis label (``2030``, ``agi``, ``True``)."""
    return str(value)


def finite_or_none(value: float) -> float | None:
    """``value`` as float, ``None`` when it is NaN or infinite (results must be finite)."""
    return float(value) if np.isfinite(value) else None


def varied_ranges(cal: Calibration) -> dict[str, Range]:
    """The calibrated parameters with ``low < high`` and their ranges."""
    return {k: r for k, r in ranges_from(cal.specs).items() if r.high > r.low}


def parameters_at(x: Mapping[str, np.ndarray], cal: Calibration) -> Parameters:
    """A batch of parameter sets: the values in ``x``, every other parameter at its central value."""
    central = cal.central()
    n = len(next(iter(x.values())))
    return as_draws(Parameters(**{k: np.asarray(x[k], float) if k in x else np.full(n, getattr(central, k))
                                  for k in PARAMETER_NAMES}))


# ----------------------------------------------------------------------------- Monte Carlo
def monte_carlo(concepts: Sequence[str], n_draws: int, seed: int, progress: Progress) -> dict[str, SweepResult]:
    """The seeded sweep of each concept over the same ``calibration().sample`` draws.

    The concepts are solved together on each chunk (:func:`.monte_carlo.evaluate`), so the model
    of a chunk (coefficients, status quo, threat games) is built once for all of them, and each
    concept's sweep is taken out by :func:`negotiation.sweep.split`: the same outputs as a sweep of
    that concept alone (continuous terms, discrete terms as value indices, -1 if infeasible,
    utilities, its own infeasible draws).
    """
    report = partial(progress.update, f"monte carlo ({n_draws} draws): {', '.join(concepts)}")
    result = sweep(partial(evaluate, concepts=tuple(concepts)), calibration(), n_draws, seed, SWEEP_CHUNK, progress=report)
    return {concept: split(result, concept) for concept in concepts}


def continuous_summary(values: np.ndarray, feasible: np.ndarray) -> dict[str, float | None]:
    """Mean, standard deviation and ``QUANTILES`` of one term over the feasible draws."""
    kept = values[feasible]
    if kept.size == 0:
        return {"mean": None, "std": None, **{f"q{round(100 * q)}": None for q in QUANTILES}}
    stats = {"mean": float(kept.mean()), "std": float(kept.std(ddof=1)) if kept.size > 1 else 0.0}
    stats.update({f"q{round(100 * q)}": float(v) for q, v in zip(QUANTILES, np.quantile(kept, QUANTILES))})
    return stats


def discrete_frequencies(codes: np.ndarray, feasible: np.ndarray, values: Sequence[Any]) -> list[dict[str, Any]]:
    """Share of the feasible draws predicting each value, in the case's order of values."""
    kept = codes[feasible]
    total = max(kept.size, 1)
    return [{"value": value_label(v), "share": float(np.count_nonzero(kept == i)) / total} for i, v in enumerate(values)]


def infeasible_examples(result: SweepResult, ranges: Mapping[str, Range], limit: int) -> list[dict[str, Any]]:
    """The first ``limit`` infeasible draws: index, every varied parameter, and the few farthest
    from central (as a share of their range) in a short text."""
    examples = []
    for row, draw in enumerate(result.infeasible_draws[:limit]):
        values = {k: float(result.infeasible_parameters[k][row]) for k in ranges}
        distance = {k: abs(v - ranges[k].central) / (ranges[k].high - ranges[k].low) for k, v in values.items()}
        farthest = sorted(distance, key=lambda k: -distance[k])[:LISTED_PARAMETERS]
        text = ", ".join(f"{k}={values[k]:.3g}" for k in farthest)
        examples.append({"draw": int(draw), "parameters": values, "farthest_from_central": text})
    return examples


def distribution(result: SweepResult, ranges: Mapping[str, Range], limit: int) -> dict[str, Any]:
    """Everything saved about one concept's Monte Carlo (no settlement in here)."""
    feasible = result.feasible
    return {
        "n": result.n_draws,
        "n_feasible": result.n_feasible,
        "n_infeasible": result.n_infeasible,
        "continuous": {t: continuous_summary(result.outputs[t], feasible) for t in CONTINUOUS_TERMS},
        "utilities": {u: continuous_summary(result.outputs[u], feasible) for u in ("u_M", "u_O")},
        "discrete": {t: discrete_frequencies(result.outputs[t], feasible, v) for t, v in DISCRETE_OPTIONS.items()},
        "infeasible_examples": infeasible_examples(result, ranges, limit),
    }


def settlement_comparison(result: SweepResult, tolerance: float) -> dict[str, Any]:
    """COMPARISON: per term, the settlement's value and the share of all ``n`` draws matching it
    (continuous: within ``tolerance`` times the term's range; discrete: equal; infeasible draws
    never match), the share whose optimal set contains it (``share_consistent``), plus for
    continuous terms the share of feasible draws predicting less."""
    actual = settlement()
    feasible, n = result.feasible, result.n_draws
    terms: dict[str, Any] = {}
    for term, (lo, hi) in CONTINUOUS_RANGES.items():
        values = result.outputs[term]
        close = feasible & (np.abs(np.where(feasible, values, np.inf) - actual[term]) <= tolerance * (hi - lo))
        below = np.count_nonzero(values[feasible] < actual[term]) / max(result.n_feasible, 1)
        lo_set, hi_set = result.outputs[f"{term}.set_lo"], result.outputs[f"{term}.set_hi"]
        slack = SET_TOL * (1.0 + abs(float(actual[term])))
        inside = feasible & (np.where(feasible, lo_set, np.inf) - slack <= actual[term]) & (
            actual[term] <= np.where(feasible, hi_set, -np.inf) + slack)
        terms[term] = {"actual": float(actual[term]), "share_matching": np.count_nonzero(close) / n,
                       "share_consistent": np.count_nonzero(inside) / n, "share_below_actual": float(below)}
    for term, values in DISCRETE_OPTIONS.items():
        match = feasible & (result.outputs[term] == values.index(actual[term]))
        bit = 2 ** values.index(actual[term])
        inside = feasible & ((np.nan_to_num(result.outputs[f"{term}.set_mask"]).astype(np.int64) & bit) > 0)
        terms[term] = {"actual": value_label(actual[term]), "share_matching": np.count_nonzero(match) / n,
                       "share_consistent": np.count_nonzero(inside) / n}
    return terms


# ----------------------------------------------------------------------------- Sobol and tornado
def sobol_outputs(concepts: Sequence[str], cal: Calibration, x: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
    """The continuous terms of each concept at the design points ``x`` (a :mod:`negotiation.sensitivity` model).

    Raises
    ------
    ValueError
        If a concept has no agreement at some point (Sobol indices need every output), naming
        the count and the first such point.
    """
    out = {}
    for concept, prediction in predict_all_batch(parameters_at(x, cal), concepts).items():
        bad = np.flatnonzero(prediction.infeasible)
        if bad.size:
            first = {k: float(np.asarray(x[k])[bad[0]]) for k in x}
            raise ValueError(f"{concept}: infeasible at {bad.size} of {len(prediction.infeasible)} design points, "
                             f"e.g. {first}")
        out.update({output_name(concept, t): prediction.contract[t].astype(float) for t in CONTINUOUS_TERMS})
    return out


class MemoModel:
    """A model evaluated once per distinct design point, in chunks, reporting progress.

    The Sobol' designs of :func:`negotiation.sensitivity.sobol_convergence` are nested, so the
    convergence study solves only the points of its largest design.
    """

    def __init__(self, model: Callable[[Mapping[str, np.ndarray]], Mapping[str, np.ndarray]],
                 progress: Progress, label: str) -> None:
        self.model, self.progress, self.label = model, progress, label
        self.cache: dict[bytes, dict[str, float]] = {}

    def __call__(self, x: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
        """The model at every column of ``x``, solving only points not seen before."""
        names = sorted(x)
        points = np.column_stack([np.asarray(x[k], float) for k in names])
        keys = [row.tobytes() for row in points]
        first: dict[bytes, int] = {}
        for i, key in enumerate(keys):
            if key not in self.cache:
                first.setdefault(key, i)
        todo = list(first.values())
        for start in range(0, len(todo), MODEL_CHUNK):
            batch = todo[start:start + MODEL_CHUNK]
            result = self.model({k: points[batch, j] for j, k in enumerate(names)})
            for i, index in enumerate(batch):
                self.cache[keys[index]] = {name: float(values[i]) for name, values in result.items()}
            self.progress.update(self.label, start + len(batch), len(todo))
        outputs = tuple(self.cache[keys[0]])
        return {name: np.array([self.cache[key][name] for key in keys]) for name in outputs}


def indices_record(res: SobolIndices) -> dict[str, Any]:
    """One Sobol study as JSON: per output, per parameter, first/total order with intervals."""
    record: dict[str, Any] = {"n": res.n, "evaluations": res.n * (len(res.parameters) + 2), "outputs": {},
                              "output_order": list(res.outputs)}
    for i, output in enumerate(res.outputs):
        per_parameter = {}
        for j, parameter in enumerate(res.parameters):
            entry = {"first_order": float(res.first_order[i, j]), "total_order": float(res.total_order[i, j])}
            if res.first_order_ci is not None and res.total_order_ci is not None:
                entry["first_order_ci"] = [finite_or_none(v) for v in res.first_order_ci[i, j]]
                entry["total_order_ci"] = [finite_or_none(v) for v in res.total_order_ci[i, j]]
            per_parameter[parameter] = entry
        record["outputs"][output] = {"constant": bool(res.constant[i]), "variance": float(res.variance[i]),
                                     "sum_first_order": float(res.first_order[i].sum()), "parameters": per_parameter}
    return record


def tornado_record(result: Tornado, ranges: Mapping[str, Range]) -> dict[str, Any]:
    """The tornado as JSON: per output the base value and, per parameter, the outputs at low/high."""
    outputs = {}
    for i, output in enumerate(result.outputs):
        outputs[output] = {
            "base": float(result.base[i]),
            "parameters": {p: {"low": float(result.low[i, j]), "high": float(result.high[i, j]),
                               "swing": float(result.swing[i, j])} for j, p in enumerate(result.parameters)},
            "ranking": list(result.ranking(output)),
        }
    return {"ranges": {p: {"low": r.low, "central": r.central, "high": r.high} for p, r in ranges.items()},
            "outputs": outputs, "output_order": list(result.outputs)}


def top_by(scores: Mapping[str, Mapping[str, float]], k: int) -> list[str]:
    """The ``k`` parameters with the largest score over any output (ties: name order)."""
    best: dict[str, float] = {}
    for per_parameter in scores.values():
        for parameter, score in per_parameter.items():
            best[parameter] = max(best.get(parameter, 0.0), abs(score))
    return sorted(best, key=lambda p: (-best[p], p))[:k]


def total_order_scores(record: Mapping[str, Any]) -> dict[str, dict[str, float]]:
    """``{output: {parameter: total-order index}}`` of one saved Sobol study."""
    return {o: {p: e["total_order"] for p, e in v["parameters"].items()} for o, v in record["outputs"].items()}


def swing_scores(record: Mapping[str, Any]) -> dict[str, dict[str, float]]:
    """``{output: {parameter: |swing| / range of the term}}`` of the saved tornado."""
    scores = {}
    for output, entry in record["outputs"].items():
        lo, hi = CONTINUOUS_RANGES[output.split(".")[1]]
        scores[output] = {p: abs(e["swing"]) / (hi - lo) for p, e in entry["parameters"].items()}
    return scores


# ----------------------------------------------------------------------------- tables and macros
def distributions_table(mc: Mapping[str, Any], comparison: Mapping[str, Any]) -> Table:
    """Continuous terms: n_feasible of n, mean, median, 5/95 %, and (COMPARISON) the settlement."""
    rows = []
    for concept, dist in mc.items():
        for term in CONTINUOUS_TERMS:
            s, c = dist["continuous"][term], comparison[concept][term]
            rows.append((style_of(concept).label, term.replace("_", " "), f"{dist['n_feasible']}/{dist['n']}",
                         s["mean"], s["q50"], s["q5"], s["q95"], c["actual"], c["share_matching"]))
    return Table(
        columns=("concept", "term", "feasible", "mean", "median", "q5", "q95", "comparison_actual",
                 "comparison_share_matching"),
        rows=tuple(rows),
        headers=("Concept", "Term", "Feasible", "Mean", "Median", "5\\,\\%", "95\\,\\%",
                 "Actual (comparison)", "Share matching (comparison)"),
        formats=("s", "s", "s", ".3g", ".3g", ".3g", ".3g", ".3g", ".2f"),
    )


def consistent_table(comparison: Mapping[str, Any]) -> Table:
    """COMPARISON: per term, the settlement's value and each concept's share of draws whose optimal set contains it."""
    concepts = tuple(comparison)
    first = next(iter(comparison.values()))
    def shown(value: Any) -> str:
        text = {"agi": "AGI", "True": "yes", "False": "no"}.get(str(value), str(value))
        return f"{value:g}" if isinstance(value, float) else text

    rows = tuple((term.replace("_", " "), shown(first[term]["actual"]),
                  *(comparison[c][term]["share_consistent"] for c in concepts)) for term in (*CONTINUOUS_TERMS, *DISCRETE_OPTIONS))
    return Table(
        columns=("term", "comparison_actual", *(f"comparison_{c}" for c in concepts)),
        rows=rows,
        headers=("Term", "Actual (comparison)", *(escape(style_of(c).label) for c in concepts)),
        formats=("s", "s", *(".2f",) * len(concepts)),
    )


def discrete_match_table(comparison: Mapping[str, Any]) -> Table:
    """COMPARISON: per discrete term, the settlement's value and each concept's share of draws matching it."""
    concepts = tuple(comparison)
    rows = tuple((term.replace("_", " "), next(iter(comparison.values()))[term]["actual"],
                  *(comparison[c][term]["share_matching"] for c in concepts)) for term in DISCRETE_OPTIONS)
    return Table(
        columns=("term", "comparison_actual", *(f"comparison_{c}" for c in concepts)),
        rows=rows,
        headers=("Term", "Actual (comparison)", *(escape(style_of(c).label) for c in concepts)),
        formats=("s", "s", *(".2f",) * len(concepts)),
    )


def discrete_frequency_table(mc: Mapping[str, Any]) -> Table:
    """Share of feasible draws predicting each value of each discrete term, per concept."""
    concepts = tuple(mc)
    rows = []
    for term, values in DISCRETE_OPTIONS.items():
        for i, value in enumerate(values):
            rows.append((term.replace("_", " "), value_label(value),
                         *(mc[c]["discrete"][term][i]["share"] for c in concepts)))
    return Table(
        columns=("term", "value", *concepts),
        rows=tuple(rows),
        headers=("Term", "Value", *(escape(style_of(c).label) for c in concepts)),
        formats=("s", "s", *(".2f",) * len(concepts)),
    )


def feasibility_table(mc: Mapping[str, Any]) -> Table:
    """Per concept: n, n_feasible, n_infeasible and the first infeasible draws (farthest parameters)."""
    rows = []
    for concept, dist in mc.items():
        examples = "; ".join(f"draw {e['draw']}: {e['farthest_from_central']}" for e in dist["infeasible_examples"][:2])
        rows.append((style_of(concept).label, dist["n"], dist["n_feasible"], dist["n_infeasible"], examples or "none"))
    return Table(columns=("concept", "n", "n_feasible", "n_infeasible", "examples"), rows=tuple(rows),
                 headers=("Concept", "$n$", "Feasible", "Infeasible", "First infeasible draws"),
                 formats=("s", "d", "d", "d", "s"))


def tornado_table(record: Mapping[str, Any], k: int) -> Table:
    """The ``k`` parameters with the largest swing (share of the term's range) and each output's swing."""
    outputs = [o for o in record["output_order"] if o.split(".")[1] in TORNADO_TERMS]
    top = top_by({o: swing_scores(record)[o] for o in outputs}, k)
    rows = tuple((p.replace("_", " "), record["ranges"][p]["low"], record["ranges"][p]["high"],
                  *(record["outputs"][o]["parameters"][p]["swing"] for o in outputs)) for p in top)
    return Table(columns=("parameter", "low", "high", *(f"swing_{o}" for o in outputs)), rows=rows,
                 headers=("Parameter", "Low", "High", *(output_header(o, "$\\Delta$") for o in outputs)),
                 formats=("s", ".3g", ".3g", *("+.3f",) * len(outputs)))


def output_header(output: str, prefix: str) -> str:
    """LaTeX column header of one output, e.g. ``$S_T$ Nash $e$``."""
    concept, term = output.split(".")
    symbol = {"equity": "$e$", "revenue_share": "$s$", "azure_commitment": "$A$"}[term]
    return f"{prefix} {escape(style_of(concept).label)} {symbol}"


def sobol_table(record: Mapping[str, Any], k: int) -> Table:
    """Total-order indices of the ``k`` parameters with the largest total index over the outputs."""
    outputs = tuple(record["output_order"])
    top = top_by(total_order_scores(record), k)
    rows = tuple((p.replace("_", " "), *(record["outputs"][o]["parameters"][p]["total_order"] for o in outputs))
                 for p in top)
    return Table(columns=("parameter", *(f"total_{o}" for o in outputs)), rows=rows,
                 headers=("Parameter", *(output_header(o, "$S_T$") for o in outputs)),
                 formats=("s", *(".2f",) * len(outputs)))


def convergence_rows(studies: Sequence[Mapping[str, Any]]) -> list[tuple[Any, ...]]:
    """Per output and sample size: top parameter, its S_T and interval, sum of S_1, the largest
    change of any S_T since the previous size, and the mean width of the S_T intervals."""
    rows = []
    for output in studies[0]["output_order"]:
        previous = None
        for study in studies:
            entry = study["outputs"][output]
            totals = {p: e["total_order"] for p, e in entry["parameters"].items()}
            widths = [e["total_order_ci"][1] - e["total_order_ci"][0] for e in entry["parameters"].values()
                      if None not in e.get("total_order_ci", [None])]
            change = None if previous is None else max(abs(totals[p] - previous[p]) for p in totals)
            if entry["constant"]:
                rows.append((output, study["n"], study["evaluations"], "constant", 0.0, 0.0, 0.0, 0.0, change, 0.0))
            else:
                top = max(totals, key=lambda p: (totals[p], p))
                lo, hi = entry["parameters"][top].get("total_order_ci", [None, None])
                rows.append((output, study["n"], study["evaluations"], top.replace("_", " "), totals[top], lo, hi,
                             entry["sum_first_order"], change, float(np.mean(widths)) if widths else None))
            previous = totals
    return rows


def convergence_table(studies: Sequence[Mapping[str, Any]]) -> Table:
    """The Sobol convergence table (:func:`convergence_rows`)."""
    return Table(
        columns=("output", "n", "evaluations", "top_parameter", "top_total", "top_total_low", "top_total_high",
                 "sum_first", "max_change_total", "mean_ci_width_total"),
        rows=tuple(convergence_rows(studies)),
        headers=("Output", "$n$", "Runs", "Top parameter", "$S_T$", "low", "high", "$\\sum S_1$",
                 "max $|\\Delta S_T|$", "mean CI width"),
        formats=("s", "d", "d", "s", ".2f", ".2f", ".2f", ".2f", ".3f", ".3f"),
    )


def term_format(term: str) -> str:
    """Format spec of a term's values in macros."""
    return ".0f" if UNITS[term] == "$B" else ".3f"


def macros(mc: Mapping[str, Any], comparison: Mapping[str, Any], sobol_record: Mapping[str, Any],
           tornado_rec: Mapping[str, Any], parameters: Mapping[str, Any]) -> dict[str, str]:
    """The numbers the paper may quote (comparison macros contain ``Settlement``)."""
    out = {"Draws": str(parameters["draws"]), "SlowDraws": str(parameters["slow_draws"]),
           "MatchTolerancePercent": f"{100 * parameters['match_tolerance']:g}",
           "SobolN": str(sobol_record["n"]), "SobolEvaluations": str(sobol_record["evaluations"]),
           "SobolParameters": str(len(next(iter(sobol_record["outputs"].values()))["parameters"])),
           "ConfidencePercent": f"{100 * parameters['confidence_level']:g}"}
    for concept, dist in mc.items():
        c = camel_case(concept)
        out[f"{c}Feasible"], out[f"{c}Draws"] = str(dist["n_feasible"]), str(dist["n"])
        for term in CONTINUOUS_TERMS:
            t, s, fmt = camel_case(term), dist["continuous"][term], term_format(term)
            for key, name in (("q50", "Median"), ("q5", "Low"), ("q95", "High"), ("mean", "Mean")):
                out[f"{c}{t}{name}"] = "--" if s[key] is None else format(s[key], fmt)
        for term in (*CONTINUOUS_TERMS, *DISCRETE_OPTIONS):
            out[f"{c}{camel_case(term)}SettlementMatch"] = f"{comparison[concept][term]['share_matching']:.2f}"
            out[f"{c}{camel_case(term)}SettlementConsistent"] = f"{comparison[concept][term]['share_consistent']:.2f}"
    for output, entry in sobol_record["outputs"].items():
        name = "".join(camel_case(part) for part in output.split("."))
        totals = {p: e["total_order"] for p, e in entry["parameters"].items()}
        top = max(totals, key=lambda p: (totals[p], p))
        lo, hi = entry["parameters"][top].get("total_order_ci", [None, None])
        out[f"{name}SobolTop"] = "none (constant)" if entry["constant"] else escape(top.replace("_", " "))
        out[f"{name}SobolTopTotal"] = f"{totals[top]:.2f}"
        out[f"{name}SobolTopTotalLow"] = "--" if lo is None else f"{lo:.2f}"
        out[f"{name}SobolTopTotalHigh"] = "--" if hi is None else f"{hi:.2f}"
    for output, entry in tornado_rec["outputs"].items():
        name = "".join(camel_case(part) for part in output.split("."))
        top = entry["ranking"][0]
        if entry["parameters"][top]["swing"] == 0:
            top_text = "none (no change)"
        else:
            top_text = escape(top.replace("_", " "))
        out[f"{name}TornadoTop"] = top_text
        out[f"{name}TornadoTopSwing"] = format(entry["parameters"][top]["swing"], "+" + term_format(output.split(".")[1]))
    return out


# ----------------------------------------------------------------------------- run
def check_parameters(parameters: Mapping[str, Any]) -> None:
    """Checks the schema cannot express (before any work)."""
    base = parameters["sobol_base"]
    if base & (base - 1):
        raise ValueError(f"sobol_base must be a power of two, got {base}")
    if not parameters["concepts"]:
        raise ValueError("concepts must not be empty")


def run(parameters: Mapping[str, Any], rng: np.random.Generator, progress: Progress) -> Results:
    """Monte Carlo of every concept, tornado and Sobol indices of ``sobol_concepts`` (module docstring)."""
    check_parameters(parameters)
    cal = calibration()
    ranges = varied_ranges(cal)
    sweep_seed, sobol_seed = (int(s) for s in rng.integers(0, 2**62, size=2))
    draws_of = {c: parameters["slow_draws"] if c in parameters["slow_concepts"] else parameters["draws"]
                for c in parameters["concepts"]}
    results: dict[str, SweepResult] = {}
    for n in sorted(set(draws_of.values())):  # concepts with the same number of draws share one sweep
        results.update(monte_carlo([c for c in parameters["concepts"] if draws_of[c] == n], n, sweep_seed, progress))
    mc = {c: distribution(results[c], ranges, parameters["listed_infeasible"]) for c in parameters["concepts"]}
    comparison = {c: settlement_comparison(results[c], parameters["match_tolerance"]) for c in parameters["concepts"]}
    model = MemoModel(partial(sobol_outputs, tuple(parameters["sobol_concepts"]), cal), progress, "sobol")
    tornado_rec = tornado_record(tornado(partial(sobol_outputs, tuple(parameters["sobol_concepts"]), cal), ranges),
                                 ranges)
    studies = sobol_convergence(model, ranges_from(cal.specs), parameters["sobol_base"], parameters["sobol_doublings"],
                                sobol_seed, confidence_level=parameters["confidence_level"],
                                n_resamples=parameters["bootstrap_resamples"])
    records = [indices_record(s) for s in studies]
    values = {
        "monte_carlo": {"seed": sweep_seed, "distributions": mc, "draws_per_concept": {c: d["n"] for c, d in mc.items()}},
        "comparison": {"label": COMPARISON_LABEL, "match_tolerance": parameters["match_tolerance"], "terms": comparison},
        "tornado": tornado_rec,
        "sobol": {"seed": sobol_seed, "fixed_parameters": list(studies[-1].fixed),
                  "confidence_level": parameters["confidence_level"], "largest": records[-1], "convergence": records},
        "concepts": list(mc),
        "top_parameters": parameters["top_parameters"],
        "contract_ranges": {t: list(r) for t, r in CONTINUOUS_RANGES.items()},
    }
    k = parameters["top_parameters"]
    tables = {
        "distributions": distributions_table(mc, comparison),
        "discrete_match": discrete_match_table(comparison),
        "consistent": consistent_table(comparison),
        "discrete_frequencies": discrete_frequency_table(mc),
        "feasibility": feasibility_table(mc),
        "tornado": tornado_table(tornado_rec, k),
        "sobol": sobol_table(records[-1], k),
        "sobol_convergence": convergence_table(records),
    }
    return Results(values=values, tables=tables, macros=macros(mc, comparison, records[-1], tornado_rec, parameters))


# ----------------------------------------------------------------------------- figures
def styled(draw: Callable[[SavedResults], Any]) -> Callable[[SavedResults], Any]:
    """Run a figure function under the journal style (legends and texts are styled when created)."""
    @wraps(draw)
    def inner(saved: SavedResults) -> Any:
        with matplotlib.rc_context(dict(RC_PARAMS)):
            return draw(saved)
    return inner


def settlement_line(ax: Any, value: float, horizontal: bool = True) -> None:
    """The settlement's value as a line in the settlement style (COMPARISON)."""
    s = style_of("settlement")
    line = ax.axhline if horizontal else ax.axvline
    line(value, color=s.color, linestyle="--", linewidth=0.9, label=s.label, zorder=0)


@styled
def continuous_figure(saved: SavedResults) -> Any:
    """Per continuous term, a box per concept (box 25-75 %, whiskers 5-95 %, median line, mean
    marker) over the Monte Carlo draws, with the settlement's value as a dashed line."""
    mc = saved.values["monte_carlo"]["distributions"]
    terms = saved.values["comparison"]["terms"]
    concepts = saved.values["concepts"]
    fig, axes = new_figure("double", aspect=0.36, ncols=len(CONTINUOUS_TERMS))
    for ax, term in zip(axes, CONTINUOUS_TERMS):
        stats, positions = [], []
        for i, concept in enumerate(concepts):
            s = mc[concept]["continuous"][term]
            if s["q50"] is None:
                continue
            stats.append({"med": s["q50"], "q1": s["q25"], "q3": s["q75"], "whislo": s["q5"], "whishi": s["q95"],
                          "mean": s["mean"], "label": ""})
            positions.append(i)
        boxes = ax.bxp(stats, positions=positions, showmeans=True, showfliers=False, patch_artist=True, widths=0.6,
                       medianprops={"color": "black", "linewidth": 1.0},
                       meanprops={"marker": "o", "markerfacecolor": "white", "markeredgecolor": "black",
                                  "markersize": 3})
        for patch, i in zip(boxes["boxes"], positions):
            patch.set_facecolor(style_of(concepts[i]).color)
            patch.set_edgecolor("black")
            patch.set_linewidth(0.6)
        settlement_line(ax, terms[concepts[0]][term]["actual"])
        lo, hi = saved.values["contract_ranges"][term]
        pad = 0.03 * (hi - lo)
        ax.set_ylim(lo - pad, hi + pad)
        ax.set_xticks(range(len(concepts)))
        ax.set_xticklabels([style_of(c).label for c in concepts], rotation=40, ha="right")
        ax.set_ylabel(SYMBOLS[term][0].upper() + SYMBOLS[term][1:])
        ax.grid(axis="y")
    axes[0].legend(loc="upper left", handlelength=1.8)
    return fig


@styled
def discrete_figure(saved: SavedResults) -> Any:
    """Per discrete term, the share of feasible draws predicting each value, one bar per concept;
    the settlement's value is marked (COMPARISON)."""
    mc = saved.values["monte_carlo"]["distributions"]
    terms = saved.values["comparison"]["terms"]
    concepts = saved.values["concepts"]
    fig, axes = new_figure("double", aspect=0.5, nrows=2, ncols=3)
    width = 0.8 / len(concepts)
    for ax, term in zip(axes.flat, DISCRETE_OPTIONS):
        labels = [entry["value"] for entry in mc[concepts[0]]["discrete"][term]]
        for j, concept in enumerate(concepts):
            s = style_of(concept)
            shares = [entry["share"] for entry in mc[concept]["discrete"][term]]
            x = np.arange(len(labels)) - 0.4 + (j + 0.5) * width
            ax.bar(x, shares, width=width, color=s.color, edgecolor="black", linewidth=0.3, label=s.label)
        actual = labels.index(terms[concepts[0]][term]["actual"])
        ax.axvspan(actual - 0.45, actual + 0.45, color=style_of("settlement").color, alpha=0.08, zorder=0,
                   label="Settlement value (actual)")
        ax.set_xticks(range(len(labels)))
        ax.set_xticklabels(labels)
        ax.set_ylim(0, 1.05)
        ax.set_title(term.replace("_", " "), fontsize=8)
        ax.grid(axis="y")
    for ax in axes[:, 0]:
        ax.set_ylabel("Share of draws")
    handles, names = axes.flat[0].get_legend_handles_labels()
    fig.legend(handles, names, loc="outside lower center", ncols=4)
    return fig


@styled
def tornado_figure(saved: SavedResults) -> Any:
    """Change of the predicted equity and revenue share when one parameter moves to its low
    (hatched) or high (solid) end, the others central; the top parameters by swing."""
    record = saved.values["tornado"]
    outputs = [o for o in record["output_order"] if o.split(".")[1] in TORNADO_TERMS]
    top = top_by({o: swing_scores(record)[o] for o in outputs}, saved.values["top_parameters"])[::-1]
    fig, axes = new_figure("double", aspect=0.42, ncols=len(outputs))
    axes = np.atleast_1d(axes)
    for ax, output in zip(axes, outputs):
        concept, term = output.split(".")
        s = style_of(concept)
        entry = record["outputs"][output]
        y = np.arange(len(top))
        low = [entry["parameters"][p]["low"] - entry["base"] for p in top]
        high = [entry["parameters"][p]["high"] - entry["base"] for p in top]
        ax.barh(y + 0.2, low, height=0.4, color="white", edgecolor=s.color, hatch="/////", linewidth=0.6,
                label="parameter at low end")
        ax.barh(y - 0.2, high, height=0.4, color=s.color, edgecolor="black", linewidth=0.4,
                label="parameter at high end")
        ax.axvline(0, color="black", linewidth=0.6)
        ax.set_yticks(y)
        ax.set_yticklabels([p.replace("_", " ") for p in top] if ax is axes[0] else [])
        ax.set_title(f"{s.label}\n{TITLES[term]}", fontsize=8)
        ax.set_xlabel(f"change from {entry['base']:.3f}\n(share)")
        ax.grid(axis="x")
        extent = max(map(abs, low + high))
        if extent == 0:
            ax.text(0.5, 0.5, "no change at\nany range end", transform=ax.transAxes, ha="center", va="center",
                    fontsize=7, bbox={"facecolor": "white", "edgecolor": "none"})
        ax.set_xlim(-1.15 * max(extent, TORNADO_MIN_EXTENT), 1.15 * max(extent, TORNADO_MIN_EXTENT))
    axes[0].legend(loc="lower left", fontsize=6)
    return fig


@styled
def sobol_figure(saved: SavedResults) -> Any:
    """First- (hatched) and total-order (solid) Sobol indices with bootstrap intervals of the
    predicted continuous terms, for the top parameters by total index."""
    record = saved.values["sobol"]["largest"]
    outputs = record["output_order"]
    top = top_by(total_order_scores(record), saved.values["top_parameters"])[::-1]
    ncols = len(CONTINUOUS_TERMS)
    nrows = -(-len(outputs) // ncols)
    fig, axes = new_figure("double", aspect=0.3 * nrows + 0.12, nrows=nrows, ncols=ncols)
    axes = np.atleast_2d(axes)
    y = np.arange(len(top))
    for ax, output in zip(axes.flat, outputs):
        concept, term = output.split(".")
        s, entry = style_of(concept), record["outputs"][output]
        for order, offset, kwargs in (("first_order", 0.2, {"color": "white", "edgecolor": s.color, "hatch": "/////"}),
                                      ("total_order", -0.2, {"color": s.color, "edgecolor": "black"})):
            values = np.array([entry["parameters"][p][order] for p in top])
            cis = [entry["parameters"][p].get(f"{order}_ci") or [v, v] for p, v in zip(top, values)]
            low = np.array([v - (c[0] if c[0] is not None else v) for v, c in zip(values, cis)])
            high = np.array([(c[1] if c[1] is not None else v) - v for v, c in zip(values, cis)])
            ax.barh(y + offset, values, height=0.38, linewidth=0.4, **kwargs,
                    xerr=np.clip([low, high], 0, None), error_kw={"elinewidth": 0.6, "capsize": 1.2},
                    label="first order $S_1$" if order == "first_order" else "total order $S_T$")
        if entry["constant"]:
            ax.text(0.5, 0.5, "constant over the ranges:\nall indices 0", transform=ax.transAxes, ha="center",
                    va="center", fontsize=7)
        ax.axvline(0, color="black", linewidth=0.6)
        ax.set_xlim(-0.05, SOBOL_AXIS_MAX)
        ax.set_yticks(y)
        ax.set_yticklabels([p.replace("_", " ") for p in top] if ax in axes[:, 0] else [])
        ax.set_title(f"{s.label}\n{TITLES[term]}", fontsize=8)
        ax.grid(axis="x")
    for ax in axes[-1]:
        ax.set_xlabel("Sobol index")
    for ax in list(axes.flat)[len(outputs):]:
        ax.set_visible(False)
    axes.flat[0].legend(loc="lower right", fontsize=6)
    return fig


EXPERIMENT = Experiment(
    kind="sensitivity",
    description="Predictions as distributions over the calibration ranges; tornado and Sobol indices.",
    schema=SCHEMA,
    run=run,
    figures=(
        FigureSpec("continuous-terms", continuous_figure,
                   "Predicted equity, revenue share and Azure commitment over \\SensitivityDraws{} uniform draws of "
                   "the calibration ranges (\\SensitivitySlowDraws{} for Rubinstein and variable threat): boxes "
                   "25--75\\,\\%, whiskers 5--95\\,\\%, line the median, circle the mean; y-axes span the contract "
                   "space. Dashed: the settlement (comparison only, not an input).", "double"),
        FigureSpec("discrete-terms", discrete_figure,
                   "Share of the Monte Carlo draws in which each concept predicts each value of the discrete terms; "
                   "the shaded value is the settlement's (comparison only, not an input).", "double"),
        FigureSpec("tornado", tornado_figure,
                   "One-at-a-time sensitivity: change of the Nash and asymmetric Nash equity and revenue share when "
                   "one parameter moves to the low (hatched) or high (solid) end of its range, the others central.",
                   "double"),
        FigureSpec("sobol", sobol_figure,
                   "Sobol indices of the predicted continuous terms over the calibration ranges "
                   "(\\SensitivitySobolParameters{} varied parameters, base sample \\SensitivitySobolN{}, "
                   "\\SensitivitySobolEvaluations{} solutions per concept): first order (hatched) and total order "
                   "(solid) with bootstrap \\SensitivityConfidencePercent\\,\\% intervals (cut at 1.1); the parameters with the "
                   "largest total index.",
                   "double"),
    ),
    data_files=(CALIBRATION_FILE, CONTRACT_SPACE_FILE, SETTLEMENT_FILE),
)
