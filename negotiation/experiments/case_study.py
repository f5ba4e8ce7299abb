"""Experiment ``case_study``: any case solved by every concept it offers, with sets, scores and sensitivity.

Generic: the case comes from the configuration (``[experiment] case``). At the central
calibration, each concept's utilities, representative contract and optimal set, with each term
marked pinned or not (:func:`negotiation.kit.predict.predict`). Over ``draws`` uniform draws of
the calibration ranges, each concept's pinned terms as a predictive distribution, scored against
the actual outcome as skill over the uniformly random contract (:func:`negotiation.kit.score.skill`),
with a bootstrap interval over the draws; a term the theory leaves free at central values is not
scored. One-at-a-time sensitivity: each parameter at its low and high end, the Nash prediction of
every continuous term. The prediction reads only inputs dated before the case's cut-off (the run
refuses a later one); the actual outcome is read by the scoring step alone.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

import negotiation as ng
from negotiation.kit.calibration import replace_values
from negotiation.kit.case import Case
from negotiation.kit.predict import predict, predict_all, problem
from negotiation.kit.score import skill
from negotiation.pipeline import Experiment, FigureSpec, Param, Results, Table
from negotiation.pipeline.latex import escape
from negotiation.plots import new_figure, style_of

#: Bootstrap resamples of the score's interval, and its level.
BOOTSTRAP = 200
LEVEL = 0.90
FRONTIER_POINTS = 120

SCHEMA = {
    "draws": Param(int, "Monte Carlo draws of the calibration ranges (the predictive distribution)", default=200, low=2),
}


def _cell(value: Any) -> Any:
    return float(value) if isinstance(value, (float, np.floating)) else str(value)


def _set_text(value: Any, continuous: bool) -> str:
    return f"[{value[0]:.4g}, {value[1]:.4g}]" if continuous else " / ".join(map(str, value))


def _draw(p: Any, i: int) -> Any:
    names = tuple(p.__dataclass_fields__) if hasattr(p, "__dataclass_fields__") else tuple(p)
    return replace_values(p, **{n: float(np.asarray(getattr(p, n))[i]) for n in names})


def _scores(case: Case, pinned: Mapping[str, list[str]], samples: Mapping[str, dict[str, list]],
            rng: np.random.Generator) -> tuple[list[tuple], dict[str, str]]:
    """Skill of each concept's pinned terms against the actual outcome (comparison), with a bootstrap interval."""
    actual = case.actual_outcome()["terms"]
    space, rows, macros = case.space(), [], {}
    for concept, terms in pinned.items():
        if not terms:
            rows.append((concept, "", 0, None, None, None))
            continue
        values = {t: np.asarray(samples[concept][t], dtype=object) for t in terms}
        n = len(next(iter(values.values())))
        total = skill(space, values, actual)["total"]
        boot = [skill(space, {t: v[idx] for t, v in values.items()}, actual)["total"]
                for idx in (rng.integers(n, size=n) for _ in range(BOOTSTRAP))]
        lo, hi = np.quantile(boot, [(1 - LEVEL) / 2, (1 + LEVEL) / 2])
        rows.append((concept, ", ".join(terms), len(terms), total, float(lo), float(hi)))
        macros[f"{concept.title().replace('_', '')}Skill"] = f"{total:.2f}"
    return rows, macros


def run(parameters: Mapping[str, Any], rng: np.random.Generator, progress: Any, case: Case) -> Results:
    """Pure: the case at central values and over ``draws`` draws of its calibration."""
    calibration, space = case.calibration(), case.space()
    central = predict_all(case)
    concepts = tuple(central)
    prob = problem(case)
    frontier = ng.pareto_frontier(prob, FRONTIER_POINTS)
    prediction_rows, set_rows = [], []
    for concept, pr in central.items():
        prediction_rows.append((concept, float(pr.utilities[0]), float(pr.utilities[1]),
                                *(_cell(pr.contract[t]) for t in space.terms)))
        for term in space.terms:
            set_rows.append((concept, term, _set_text(pr.optimal_set[term], term in space.continuous),
                             "yes" if pr.pinned[term] else "no"))
    pinned = {c: [t for t in space.terms if central[c].pinned[t]] for c in concepts}
    n = parameters["draws"]
    draws = calibration.sample(rng, n)
    samples: dict[str, dict[str, list]] = {c: {t: [] for t in pinned[c]} for c in concepts}
    for i in range(n):
        p = _draw(draws, i)
        for concept in concepts:
            pr = predict(case, concept, p)
            for term in pinned[concept]:
                samples[concept][term].append(pr.contract[term])
        progress.update("draws", i + 1, n)
    score_rows, macros = _scores(case, pinned, samples, np.random.default_rng(rng.integers(2**63)))
    sensitivity_rows = []
    nash_terms = [t for t in space.continuous if central["nash"].pinned[t]]
    for name, spec in calibration.specs.items():
        ends = [predict(case, "nash", calibration.with_values(**{name: value})).contract for value in (spec.low, spec.high)]
        for term in nash_terms:
            sensitivity_rows.append((name, term, float(ends[0][term]), float(central["nash"].contract[term]), float(ends[1][term])))
    actual = case.actual_outcome()["terms"]
    u_actual = case.utilities(dict(actual), calibration.central())
    values = {
        "players": list(case.players),
        "disagreement": prob.disagreement.tolist(),
        "frontier": frontier.tolist(),
        "concepts": {c: central[c].utilities.tolist() for c in concepts},
        "actual_utilities": [float(u_actual[0]), float(u_actual[1])],
        "pinned": pinned,
    }
    macros.update({"Concepts": str(len(concepts)), "Draws": str(n), "Terms": str(len(space.terms))})
    return Results(
        values=values,
        tables={
            "predictions": Table(columns=("concept", "u1", "u2", *space.terms), rows=tuple(prediction_rows),
                                 headers=("Concept", f"$u$ {case.players[0]}", f"$u$ {case.players[1]}",
                                          *map(escape, space.terms)),
                                 formats=("s", ".4g", ".4g", *(".4g" if t in space.continuous else "s" for t in space.terms))),
            "optimal_sets": Table(columns=("concept", "term", "set", "pinned"), rows=tuple(set_rows),
                                  headers=("Concept", "Term", "Optimal set", "Pinned"), formats=("s", "s", "s", "s")),
            "scores": Table(columns=("concept", "scored_terms", "n_terms", "skill", "skill_lo", "skill_hi"),
                            rows=tuple(score_rows),
                            headers=("Concept", "Scored (pinned) terms", "$n$", "Skill", escape(f"{LEVEL:.0%} lo"),
                                     escape(f"{LEVEL:.0%} hi")),
                            formats=("s", "s", "d", ".3f", ".3f", ".3f")),
            "sensitivity": Table(columns=("parameter", "term", "at_low", "central", "at_high"), rows=tuple(sensitivity_rows),
                                 headers=("Parameter", "Term", "At low", "Central", "At high"),
                                 formats=("s", "s", ".4g", ".4g", ".4g")),
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
    for concept, u in v["concepts"].items():
        s = style_of(concept)
        ax.plot(*u, marker=s.marker, color=s.color, ls="none", label=s.label)
    s = style_of("settlement")
    ax.plot(*v["actual_utilities"], marker=s.marker, color=s.color, ls="none", label="Actual outcome")
    ax.set_xlabel(f"Utility of {v['players'][0]}")
    ax.set_ylabel(f"Utility of {v['players'][1]}")
    ax.legend(fontsize="x-small", frameon=False)
    return fig


EXPERIMENT = Experiment(
    kind="case_study",
    description="Any case: every concept at central values (optimal sets, pinned terms), scored against the actual "
                "outcome over calibration draws, with one-at-a-time sensitivity.",
    schema=SCHEMA,
    run=run,
    figures=(FigureSpec("utility-space", utility_space,
                        "Utility space at central calibration: the Pareto frontier, the disagreement point, each "
                        "concept's utilities and the actual outcome's (evaluated in the model)."),),
    uses_case=True,
)
