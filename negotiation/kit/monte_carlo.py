"""Monte Carlo over a case's calibration ranges: the model :func:`negotiation.sweep.sweep` evaluates.

:func:`evaluate` solves a chunk of parameter draws one at a time with :func:`negotiation.kit.predict.predict`
(a case may supply a faster ``Case.evaluate``, e.g. a closed form) and returns flat arrays, one row per
draw: for every concept each continuous term of the representative, each discrete term as the index of
its option (-1 where there is no agreement), both utilities (``<concept>.u1``, ``<concept>.u2``), and
the optimal set: ``<term>.set_lo`` / ``<term>.set_hi`` for a continuous term, ``<term>.set_mask`` for
a discrete one (bit ``i`` set when option ``i`` is in the set). A draw where a concept finds no
agreement (no contract gains for both) is flagged ``negotiation.sweep.INFEASIBLE``, kept (NaN) and
reported by the sweep, never dropped.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from negotiation.kit.case import Case
from negotiation.errors import NoGainError
from negotiation.kit.predict import predict_all
from negotiation.kit.space import option_index
from negotiation.sweep import INFEASIBLE

__all__ = ["check_concepts", "evaluate", "model", "option_codes"]


def check_concepts(case: Case, concepts: Sequence[str] | None) -> tuple[str, ...]:
    """The requested concepts (all the case offers if None), validated."""
    concepts = case.concepts if concepts is None else tuple(concepts)
    unknown = [c for c in concepts if c not in case.concepts]
    if unknown or not concepts:
        raise ValueError(f"concepts must be a non-empty subset of {', '.join(case.concepts)}; "
                         f"got {', '.join(concepts) or 'none'}")
    return concepts


def option_codes(case: Case) -> dict[str, tuple[Any, ...]]:
    """Each discrete term's options: code ``i`` of a sweep's output stands for option ``i``."""
    return {term: t.options for term, t in case.space().discrete.items()}


def evaluate(case: Case, parameters: Any, concepts: Sequence[str] | None = None) -> dict[str, np.ndarray]:
    """Predicted terms, utilities and optimal sets of every concept for a chunk of draws (arrays of shape (N,))."""
    concepts = check_concepts(case, concepts)
    if case.evaluate is not None:
        return case.evaluate(parameters, concepts)
    space, calibration = case.space(), case.calibration()
    first = calibration.names[0]
    n = int(np.asarray(parameters[first] if isinstance(parameters, dict) else getattr(parameters, first)).size)
    out: dict[str, np.ndarray] = {}

    def put(key: str, i: int, value: float) -> None:
        out.setdefault(key, np.full(n, np.nan))[i] = value

    infeasible = np.zeros(n, dtype=bool)
    for concept in concepts:
        out[f"{concept}.{INFEASIBLE}"] = np.zeros(n, dtype=bool)
    for i in range(n):
        try:  # the concepts share one problem at the draw
            predictions = predict_all(case, calibration.draw(parameters, i), concepts=concepts)
        except NoGainError:  # no contract gains for both players at this draw: every concept is infeasible
            for concept in concepts:
                out[f"{concept}.{INFEASIBLE}"][i] = True
            infeasible[i] = True
            continue
        for concept, prediction in predictions.items():
            for term in space.continuous:
                put(f"{concept}.{term}", i, prediction.contract[term])
                put(f"{concept}.{term}.set_lo", i, prediction.optimal_set[term][0])
                put(f"{concept}.{term}.set_hi", i, prediction.optimal_set[term][1])
            for term, spec in space.discrete.items():
                put(f"{concept}.{term}", i, option_index(prediction.contract[term], spec.options))
                put(f"{concept}.{term}.set_mask", i, sum(2.0 ** option_index(v, spec.options) for v in prediction.optimal_set[term]))
            put(f"{concept}.u1", i, prediction.utilities[0])
            put(f"{concept}.u2", i, prediction.utilities[1])
    for concept in concepts:  # a concept infeasible at every draw still has its columns
        for term in space.terms:
            out.setdefault(f"{concept}.{term}", np.full(n, np.nan))
    out[INFEASIBLE] = infeasible
    return out


def model(case: Case, concepts: Sequence[str] | None = None) -> Callable[[Any], dict[str, np.ndarray]]:
    """``evaluate`` with the case and concepts fixed: the picklable model of :func:`negotiation.sweep.sweep`."""
    return functools.partial(evaluate, case, concepts=check_concepts(case, concepts))
