"""Monte Carlo over the calibration ranges: the case's model for :func:`negotiation.sweep.sweep`.

``evaluate`` solves a chunk of parameter draws with the closed-form batch path and returns
flat arrays: for every concept each continuous term, each discrete term as the index of its
value in ``DISCRETE_OPTIONS`` (-1 where there is no agreement), both utilities, and the optimal
set (:mod:`.contract_set`): ``<term>.set_lo`` / ``<term>.set_hi`` for a continuous term and
``<term>.set_mask`` for a discrete one (bit ``i`` set when option ``i`` is in the set). A draw is
flagged infeasible (``negotiation.sweep.INFEASIBLE``) when any requested concept finds no
agreement for it; its values are kept (NaN) and the sweep reports it. Each concept's own flag is
``<concept>.infeasible``, so that :func:`negotiation.sweep.split` can take one concept's sweep
out of a sweep of several.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from negotiation.cases.microsoft_openai.batch import predict_all_batch
from negotiation.cases.microsoft_openai.parameters import Parameters
from negotiation.cases.microsoft_openai.payoffs import DISCRETE_OPTIONS, Y_TERMS
from negotiation.cases.microsoft_openai.solve import CONCEPTS
from negotiation.sweep import INFEASIBLE

CONTINUOUS_TERMS = ("equity", *Y_TERMS)


def check_concepts(concepts: Sequence[str]) -> tuple[str, ...]:
    """The requested concepts, validated against ``CONCEPTS``."""
    unknown = [c for c in concepts if c not in CONCEPTS]
    if unknown or not concepts:
        raise ValueError(f"concepts must be a non-empty subset of {', '.join(CONCEPTS)}; got {', '.join(concepts) or 'none'}")
    return tuple(concepts)


def evaluate(parameters: Parameters, concepts: Sequence[str] = CONCEPTS) -> dict[str, np.ndarray]:
    """Predicted terms and utilities of every concept for a chunk of draws (arrays of shape (N,))."""
    predictions = predict_all_batch(parameters, check_concepts(concepts))
    outputs: dict[str, np.ndarray] = {}
    infeasible = None
    for concept, prediction in predictions.items():
        for term in CONTINUOUS_TERMS:
            outputs[f"{concept}.{term}"] = np.asarray(prediction.contract[term], dtype=float)
        for term, values in DISCRETE_OPTIONS.items():
            chosen = prediction.contract[term]
            outputs[f"{concept}.{term}"] = np.array([values.index(v) if v is not None else -1 for v in chosen], dtype=float)
        for term in CONTINUOUS_TERMS:
            outputs[f"{concept}.{term}.set_lo"], outputs[f"{concept}.{term}.set_hi"] = prediction.sets.ranges[term].T
        for term, values in DISCRETE_OPTIONS.items():
            bits = 2.0 ** np.arange(len(values))
            outputs[f"{concept}.{term}.set_mask"] = prediction.sets.options[term] @ bits
        outputs[f"{concept}.u_M"], outputs[f"{concept}.u_O"] = prediction.utilities.T
        outputs[f"{concept}.{INFEASIBLE}"] = prediction.infeasible
        infeasible = prediction.infeasible if infeasible is None else infeasible | prediction.infeasible
    outputs[INFEASIBLE] = infeasible
    return outputs
