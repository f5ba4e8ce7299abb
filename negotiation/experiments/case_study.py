"""Experiment ``case_study``: any case solved by every concept it offers, with sets, scores and sensitivity.

Generic: the case comes from the configuration (``[experiment] case``).

* Central calibration: each concept's utilities, representative contract and optimal set, each
  term marked pinned or not (:func:`negotiation.kit.predict.predict`).
* Predictive distribution: ``draws`` draws of the calibration, each parameter uniform on its range;
  per concept and term the share of draws in which the term is pinned and the quantiles (continuous)
  or option shares (discrete) of the representative.
* COMPARISON (the only step that reads the actual outcome): per concept, the skill of each term it
  pins at central values, ``1 - S / S_random`` against the uniformly random contract of the space
  (:func:`negotiation.kit.score.skill`), and their mean; the same mean against the random contract of
  the widened space (every choice bound moved out, :func:`negotiation.kit.space.widened`), so that no
  chosen bound decides a verdict; and a Monte Carlo interval of the mean (resampling the calibration
  draws, so it measures the spread the input ranges give, not out-of-sample error). Informed
  baselines scored the same way: each party's stated position before the cut-off (``case.positions()``)
  and their midpoint (continuous terms averaged, discrete terms an equal mixture of the positions'
  options).
* One-at-a-time sensitivity: each parameter with a range at its low and high end, the others
  central, and the first concept's continuous terms.
* Well-posedness (rule 4): the largest change of any pinned term when every choice bound is widened
  and when every input moves by 1e-10 (relative); a concept whose prediction moves is flagged.
* Revealed preference (:mod:`negotiation.kit.revealed`): the share of draws at which each party's
  own stated position is worth at least its disagreement payoff, the share at which all are
  (admissible), and each concept's median continuous terms over the admissible draws.
* Specification curve (:mod:`negotiation.kit.specifications`): every combination of the
  calibration's declared modelling choices (switches), each concept's representative at central
  values under each.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

import negotiation as ng
from negotiation.kit.calibration import replace_values
from negotiation.kit.case import Case
from negotiation.kit.predict import predict, predict_all, problem
from negotiation.kit.revealed import admissible, own_position_gains
from negotiation.kit.score import skill
from negotiation.kit.specifications import label, specification_calibration, specifications
from negotiation.kit.space import CaseSpace, same_option, widened
from negotiation.pipeline import Experiment, FigureSpec, Param, Results, Table
from negotiation.pipeline.latex import camel_case, escape
from negotiation.plots import CONCEPTS as CONCEPT_STYLES
from negotiation.plots import new_figure, style_of

#: Resamples of the Monte Carlo interval, and its level.
RESAMPLES = 200
LEVEL = 0.90
QUANTILES = (0.05, 0.5, 0.95)
FRONTIER_POINTS = 120

SCHEMA = {
    "draws": Param(int, "draws of the calibration ranges (the predictive distribution)", default=200, low=2),
}


def _label(name: str) -> str:
    """A concept's label (Nash, Kalai-Smorodinsky, ...), or the name with spaces."""
    return CONCEPT_STYLES[name].label if name in CONCEPT_STYLES else name.replace("_", " ")


def _text(value: Any) -> str:
    return ("yes" if value else "no") if isinstance(value, bool) else str(value)


def _set_text(space: CaseSpace, term: str, value: Any) -> str:
    return f"[{value[0]:.4g}, {value[1]:.4g}]" if term in space.continuous else ", ".join(map(_text, value))


#: Relative change of a pinned term (in units of its box, or any change of a discrete option) above
#: which a prediction counts as decided by a chosen bound or as flipping under a tiny input change.
WELL_POSED_TOL = 1e-6
PERTURBATION = 1e-10


def _change(space: CaseSpace, terms: Sequence[str], a: Mapping[str, Any], b: Mapping[str, Any]) -> float:
    """Largest change of ``terms`` between contracts ``a`` and ``b`` (box units; 1 for a changed option)."""
    out = 0.0
    for t in terms:
        if t in space.continuous:
            spec = space.continuous[t]
            out = max(out, abs(float(a[t]) - float(b[t])) / (spec.high - spec.low))
        elif not same_option(a[t], b[t]):
            out = 1.0
    return out


def _well_posed(case: Case, central: Mapping[str, Any], space: CaseSpace) -> list[tuple]:
    """Rule 4 of the guide, per concept: no pinned term moves when every choice bound is widened, nor
    when every input moves by a relative ``PERTURBATION`` (alternating signs)."""
    calibration = case.calibration()
    base = calibration.central()
    nudged = replace_values(base, **{n: float(getattr(base, n)) * (1 + PERTURBATION * (-1) ** i)
                                     for i, n in enumerate(calibration.names)})
    rows = []
    wide_all, nudged_all = predict_all(case, space=widened(space)), predict_all(case, nudged)
    for concept, pr in central.items():
        terms = [t for t in space.terms if pr.pinned[t]]
        wide = _change(space, terms, pr.contract, wide_all[concept].contract)
        tiny = _change(space, terms, pr.contract, nudged_all[concept].contract)
        rows.append((_label(concept), wide, tiny, "yes" if max(wide, tiny) <= WELL_POSED_TOL else "no"))
    return rows


def _distribution_rows(space: CaseSpace, concept: str, values: Mapping[str, list], pinned: Mapping[str, list]) -> list[tuple]:
    rows = []
    for term in space.terms:
        share = float(np.mean(pinned[term]))
        if term in space.continuous:
            q = np.quantile(np.asarray(values[term], dtype=float), QUANTILES)
            rows.append((_label(concept), term, share, *map(float, q), ""))
        else:
            counts = {o: sum(1 for v in values[term] if same_option(v, o)) for o in space.discrete[term].options}
            mix = ", ".join(f"{_text(o)} {c / len(values[term]):.0%}" for o, c in counts.items() if c)
            rows.append((_label(concept), term, share, None, None, None, mix))
    return rows


def _skills(space: CaseSpace, samples: Mapping[str, Sequence], actual: Mapping[str, Any],
            weights: Mapping[str, Sequence] | None = None) -> tuple[dict[str, float], float]:
    """Per-term skill and total on ``space``, and the total against the widened space's random contract."""
    return skill(space, samples, actual, weights), skill(widened(space), samples, actual, weights)["total"]


def _baselines(positions: Mapping[str, Mapping[str, Any]], space: CaseSpace
               ) -> dict[str, tuple[dict[str, list], dict[str, list] | None]]:
    """Each stated position as a point prediction, and their midpoint, as weighted samples per term."""
    out: dict[str, tuple[dict[str, list], dict[str, list] | None]] = {
        f"{pos['party']} position": ({t: [v] for t, v in pos["terms"].items()}, None) for pos in positions.values()}
    if len(positions) >= 2:
        terms = [pos["terms"] for pos in positions.values()]
        samples = {t: ([float(np.mean([float(x[t]) for x in terms]))] if t in space.continuous else [x[t] for x in terms])
                   for t in space.terms}
        weights = {t: [1.0] if t in space.continuous else [1.0 / len(terms)] * len(terms) for t in space.terms}
        out["Midpoint of positions"] = (samples, weights)
    return out


def _score_rows(case: Case, space: CaseSpace, pinned: Mapping[str, list[str]], samples: Mapping[str, dict[str, list]],
                rng: np.random.Generator) -> tuple[list[tuple], dict[str, str]]:
    """COMPARISON: skill of every concept's pinned terms and of the informed baselines against the outcome."""
    actual = case.actual_outcome()["terms"]
    rows, macros = [], {}
    for concept, terms in pinned.items():
        if not terms:
            rows.append((_label(concept), "concept", *([None] * len(space.terms)), None, None, None, None))
            continue
        values = {t: np.asarray(samples[concept][t], dtype=object) for t in terms}
        per_term, total_widened = _skills(space, values, actual)
        n = len(values[terms[0]])
        resampled = [skill(space, {t: v[idx] for t, v in values.items()}, actual)["total"]
                     for idx in (rng.integers(n, size=n) for _ in range(RESAMPLES))]
        lo, hi = np.quantile(resampled, [(1 - LEVEL) / 2, (1 + LEVEL) / 2])
        rows.append((_label(concept), "concept", *(per_term.get(t) for t in space.terms), per_term["total"],
                     float(lo), float(hi), total_widened))
        macros.update(_skill_macros(concept, per_term, total_widened))
        macros[f"{camel_case(concept)}SkillLow"], macros[f"{camel_case(concept)}SkillHigh"] = f"{lo:.2f}", f"{hi:.2f}"
    for name, (values, weights) in _baselines(case.positions(), space).items():
        per_term, total_widened = _skills(space, values, actual, weights)
        rows.append((_label(name), "baseline", *(per_term[t] for t in space.terms), per_term["total"], None, None,
                     total_widened))
        macros.update(_skill_macros(name, per_term, total_widened))
    scored = [row for row in rows if row[-4] is not None]
    best = max(scored, key=lambda row: row[-4]) if scored else None
    macros["BestPredictor"] = escape(best[0]) if best else "none"
    macros["BestKind"] = "stated position" if best and best[1] == "baseline" else "solution concept"
    return rows, macros


def _skill_macros(name: str, per_term: Mapping[str, float], widened_total: float) -> dict[str, str]:
    """``<Name>Skill``, ``<Name>Skill<Term>`` per scored term, ``<Name>SkillWidened`` (two decimals)."""
    key = camel_case(name.replace(" ", "_"))
    out = {f"{key}Skill": f"{per_term['total']:.2f}", f"{key}SkillWidened": f"{widened_total:.2f}"}
    out.update({f"{key}Skill{camel_case(t)}": f"{v:.2f}" for t, v in per_term.items() if t != "total"})
    return out


def run(parameters: Mapping[str, Any], rng: np.random.Generator, progress: Any, case: Case) -> Results:
    """Pure: the case at central values and over ``draws`` draws of its calibration."""
    calibration, space = case.calibration(), case.space()
    central = predict_all(case)
    concepts = tuple(central)
    prob = problem(case)
    prediction_rows, set_rows = [], []
    for concept, pr in central.items():
        prediction_rows.append((_label(concept), float(pr.utilities[0]), float(pr.utilities[1]),
                                *(float(pr.contract[t]) if t in space.continuous else _text(pr.contract[t]) for t in space.terms)))
        set_rows += [(_label(concept), term, _set_text(space, term, pr.optimal_set[term]), _text(pr.pinned[term]))
                     for term in space.terms]
    pinned = {c: [t for t in space.terms if central[c].pinned[t]] for c in concepts}
    well_posed_rows = _well_posed(case, central, space)
    n = parameters["draws"]
    draws = calibration.sample(rng, n)
    values = {c: {t: [] for t in space.terms} for c in concepts}
    pinned_draws = {c: {t: [] for t in space.terms} for c in concepts}
    for i in range(n):
        for concept, pr in predict_all(case, calibration.draw(draws, i)).items():
            for term in space.terms:
                values[concept][term].append(pr.contract[term])
                pinned_draws[concept][term].append(bool(pr.pinned[term]))
        progress.update("draws", i + 1, n)
    gains = own_position_gains(case, draws, n)
    keep = admissible(gains, n)
    distribution_rows = [row for c in concepts for row in _distribution_rows(space, c, values[c], pinned_draws[c])]
    positions = case.positions()
    revealed_rows = [(name, positions[name]["party"], float(np.mean(g >= 0.0))) for name, g in gains.items()]
    if gains:
        revealed_rows.append(("all positions (admissible draws)", "", float(keep.mean())))
        for concept in concepts:
            for term in space.continuous:
                kept = np.asarray(values[concept][term], dtype=float)[keep]
                if kept.size:
                    revealed_rows.append((f"{_label(concept)}: median {term}, admissible draws", "", float(np.median(kept))))
    specification_rows = []
    for spec in specifications(calibration):
        variant = specification_calibration(calibration, spec)
        for concept, pr in predict_all(case, variant.central()).items():
            specification_rows.append((label(spec), _label(concept),
                                       *(float(pr.contract[t]) if t in space.continuous else _text(pr.contract[t])
                                         for t in space.terms)))
    score_rows, macros = _score_rows(case, space, pinned, values, np.random.default_rng(rng.integers(2**63)))
    first = concepts[0]
    sensitivity_rows = []
    for name, spec in calibration.specs.items():
        if spec.low == spec.high:
            continue
        ends = [predict(case, first, calibration.with_values(**{name: v})).contract for v in (spec.low, spec.high)]
        for term in space.continuous:
            sensitivity_rows.append((_label(first), name, spec.unit, spec.low, spec.high, term, float(ends[0][term]),
                                     float(central[first].contract[term]), float(ends[1][term])))
    actual = case.actual_outcome()["terms"]
    u_actual = case.utilities(dict(actual), calibration.central())
    unit = f" ({escape(case.utility_unit)})" if case.utility_unit else ""
    term_heads = tuple(map(escape, space.terms))
    values_json = {
        "players": list(case.players), "unit": case.utility_unit, "disagreement": prob.disagreement.tolist(),
        "frontier": ng.pareto_frontier(prob, FRONTIER_POINTS).tolist(),
        "concepts": {c: central[c].utilities.tolist() for c in concepts},
        "actual_utilities": [float(u_actual[0]), float(u_actual[1])], "pinned": pinned,
    }
    for concept, pr in central.items():
        macros.update({f"{camel_case(concept)}{camel_case(t)}": f"{float(pr.contract[t]):.3f}" for t in space.continuous})
    if sensitivity_rows:
        swing = max(sensitivity_rows, key=lambda row: abs(row[-1] - row[-3]))
        macros["MostSensitive"] = escape(swing[1].replace("_", " "))
    if gains:
        macros["AdmissibleShare"] = escape(f"{keep.mean():.0%}")
    macros["WellPosed"] = "yes" if all(row[-1] == "yes" for row in well_posed_rows) else "no"
    macros.update({"Concepts": str(len(concepts)), "Draws": str(n), "Terms": str(len(space.terms)),
                   "FirstConcept": _label(first)})
    return Results(
        values=values_json,
        tables={
            "predictions": Table(columns=("concept", "u1", "u2", *space.terms), rows=tuple(prediction_rows),
                                 headers=("Concept", f"$u$ {escape(case.players[0])}{unit}",
                                          f"$u$ {escape(case.players[1])}{unit}", *term_heads),
                                 formats=("s", ".3f", ".3f", *(".4f" if t in space.continuous else "s" for t in space.terms))),
            "optimal_sets": Table(columns=("concept", "term", "set", "pinned"), rows=tuple(set_rows),
                                  headers=("Concept", "Term", "Optimal set", "Pinned"), formats=("s", "s", "s", "s")),
            "distribution": Table(columns=("concept", "term", "pinned_share", "q05", "median", "q95", "options"),
                                  rows=tuple(distribution_rows),
                                  headers=("Concept", "Term", "Pinned in", "5\\%", "Median", "95\\%", "Option shares"),
                                  formats=("s", "s", ".0%", ".4f", ".4f", ".4f", "s")),
            "scores": Table(columns=("predictor", "kind", *(f"skill_{t}" for t in space.terms), "skill", "interval_lo",
                                     "interval_hi", "skill_widened"),
                            rows=tuple(score_rows),
                            headers=("Predictor", "Kind", *term_heads, "Mean", escape(f"{LEVEL:.0%} MC lo"),
                                     escape(f"{LEVEL:.0%} MC hi"), "Mean, widened"),
                            formats=("s", "s", *(".2f" for _ in space.terms), ".2f", ".2f", ".2f", ".2f")),
            "sensitivity": Table(columns=("concept", "parameter", "unit", "low", "high", "term", "at_low", "central",
                                          "at_high"),
                                 rows=tuple(sensitivity_rows),
                                 headers=("Concept", "Parameter", "Unit", "Low", "High", "Term", "At low", "Central",
                                          "At high"),
                                 formats=("s", "s", "s", ".6g", ".6g", "s", ".4f", ".4f", ".4f")),
            "revealed": Table(columns=("restriction", "party", "value"),
                              rows=tuple(revealed_rows) or (("no positions declared", "", None),),
                              headers=("Restriction or statistic", "Party", "Share of draws or value"),
                              formats=("s", "s", ".4g")),
            "specifications": Table(columns=("specification", "concept", *space.terms), rows=tuple(specification_rows),
                                    headers=("Specification", "Concept", *term_heads),
                                    formats=("s", "s", *(".4f" if t in space.continuous else "s" for t in space.terms))),
            "well_posed": Table(columns=("concept", "widened_max_change", "perturbed_max_change", "well_posed"),
                                rows=tuple(well_posed_rows),
                                headers=("Concept", "Max change, bounds widened", "Max change, inputs $\\pm 10^{-10}$",
                                         "Well posed"),
                                formats=("s", ".1e", ".1e", "s")),
        },
        macros=macros,
    )


def utility_space(saved: Any) -> Any:
    """The Pareto frontier at central values, the disagreement point, every concept and the actual outcome."""
    v = saved.values
    fig, ax = new_figure("single")
    frontier = np.asarray(v["frontier"])
    ax.plot(frontier[:, 0], frontier[:, 1], color="0.3", lw=1.0, label="Pareto frontier")
    ax.plot(*v["disagreement"], marker="s", color="0.5", ls="none", label="Disagreement")
    for index, (concept, u) in enumerate(v["concepts"].items()):
        s = style_of(concept)
        ax.plot(*u, marker=s.marker, color=s.color, ls="none", label=s.label, markersize=7 - 0.8 * index, alpha=0.9)
    s = style_of("settlement")
    ax.plot(*v["actual_utilities"], marker=s.marker, color=s.color, ls="none", label="Actual outcome (in the model)")
    unit = f" ({v['unit']})" if v["unit"] else ""
    ax.set_xlabel(f"Utility of {v['players'][0]}{unit}")
    ax.set_ylabel(f"Utility of {v['players'][1]}{unit}")
    ax.legend(fontsize="x-small", frameon=False, loc="upper right")
    return fig


EXPERIMENT = Experiment(
    kind="case_study",
    description="Any case: every concept at central values (optimal sets, pinned terms), its predictive distribution "
                "over calibration draws scored against the actual outcome beside informed baselines, and one-at-a-time "
                "sensitivity.",
    schema=SCHEMA,
    run=run,
    figures=(FigureSpec("utility-space", utility_space,
                        "Utility space at central calibration: the Pareto frontier, the disagreement point, each "
                        "concept's utilities (markers shrink in the order listed, so coincident ones stay visible) "
                        "and the actual outcome evaluated in the model."),),
    uses_case=True,
)
