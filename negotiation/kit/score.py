"""Proper scores of a predictive distribution against an actual outcome, as skill over a random contract.

Comparison code: it takes the actual outcome as an argument and never feeds a prediction. Rules
(Gneiting & Raftery 2007, "Strictly proper scoring rules, prediction, and estimation", JASA
102:359-378): a continuous term and a discrete term whose options are all contract years (an
ordinal term) by the continuous ranked probability score (:func:`crps`), so a year is scored by
its distance; any other discrete term by the multi-category Brier score (:func:`brier`) over its
options. Skill is ``1 - S / S_random`` against the uniformly random contract of the space
(:func:`skill`): 1 perfect, 0 as good as random, negative worse. Only terms the theory pins may be
scored (:attr:`negotiation.kit.predict.Prediction.pinned`); a term left free is not a prediction.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from negotiation.kit.space import CaseSpace, is_year

__all__ = ["brier", "crps", "crps_uniform", "log_score", "option_probabilities", "ordinal", "skill", "term_score"]


def _finite_array(samples: Sequence[float] | np.ndarray, name: str) -> np.ndarray:
    x = np.asarray(samples, dtype=float).ravel()
    if x.size == 0:
        raise ValueError(f"{name}: at least one sample is needed, got none")
    if not np.all(np.isfinite(x)):
        raise ValueError(f"{name}: samples must be finite numbers")
    return x


def crps(samples: Sequence[float] | np.ndarray, actual: float, weights: Sequence[float] | np.ndarray | None = None) -> float:
    """CRPS of the empirical distribution of ``samples`` at the outcome ``actual`` (lower is better).

    ``CRPS(F, y) = E|X - y| - 0.5 E|X - X'|`` with X, X' independent draws from F (Gneiting &
    Raftery 2007, eq. 21), exact for the empirical distribution of the n samples (Hersbach
    2000, Weather and Forecasting 15:559-570). With the sorted samples x_(1) <= ... <= x_(n),
    weights w_(i) (default 1/n) and cumulative weights C_i, ``E|X - X'| = 2 sum_i w_i x_i (C_(i-1) + C_i - 1)``
    (for equal weights ``(2 / n^2) sum_i (2i - n - 1) x_(i)``), so the cost is O(n log n).
    One sample gives ``|x - y|``.

    Raises
    ------
    ValueError
        If there are no samples, a sample or ``actual`` is not finite, or the weights are not a
        non-negative vector of the samples' length summing to 1.
    """
    x = _finite_array(samples, "crps samples")
    w = np.full(x.size, 1.0 / x.size) if weights is None else _checked_probabilities(weights)
    if w.size != x.size:
        raise ValueError(f"crps weights must match the samples, got {w.size} weights for {x.size} samples")
    y = float(actual)
    if not np.isfinite(y):
        raise ValueError(f"crps actual must be a finite number, got {actual!r}")
    order = np.argsort(x, kind="stable")
    x, w = x[order], w[order]
    upto = np.cumsum(w)
    spread = 2.0 * float(np.dot(w * x, upto - w + upto - 1.0))
    return float(np.dot(w, np.abs(x - y)) - 0.5 * spread)


def crps_uniform(low: float, high: float, actual: float) -> float:
    """Closed-form CRPS of the uniform distribution on ``[low, high]`` at ``actual``.

    For y in [a, b]: ``((y - a)^2 + (b - y)^2) / (2 (b - a)) - (b - a) / 6``; outside, the distance
    to the interval is added: ``CRPS = |y - clip(y)| + CRPS(clip(y))`` (Gneiting & Raftery 2007,
    eq. 21 with E|X - X'| = (b - a) / 3).
    """
    if not high > low:
        raise ValueError(f"crps_uniform needs low < high, got low {low}, high {high}")
    y = min(max(float(actual), low), high)
    width = high - low
    return abs(float(actual) - y) + ((y - low) ** 2 + (high - y) ** 2) / (2 * width) - width / 6


def option_probabilities(samples: Sequence[Any], options: Sequence[Any],
                         weights: Sequence[float] | np.ndarray | None = None) -> np.ndarray:
    """The predictive probability of each option: the (weighted) share of draws equal to it.

    Raises
    ------
    ValueError
        If a draw takes a value outside ``options`` (the error names it and the options).
    """
    values = list(np.asarray(samples, dtype=object).ravel())
    if not values:
        raise ValueError("option_probabilities: at least one sample is needed, got none")
    index = [_index(v, options) for v in values]
    w = np.full(len(values), 1.0 / len(values)) if weights is None else _checked_probabilities(weights)
    return np.bincount(index, weights=w, minlength=len(options))


def _index(value: Any, options: Sequence[Any]) -> int:
    value = value.item() if isinstance(value, np.generic) else value
    for i, o in enumerate(options):
        if value == o and isinstance(value, bool) == isinstance(o, bool):
            return i
    raise ValueError(f"value {value!r} is not one of the options {list(options)}")


def _checked_probabilities(probabilities: Sequence[float] | np.ndarray) -> np.ndarray:
    p = np.asarray(probabilities, dtype=float).ravel()
    if p.size == 0 or np.any(p < 0) or not np.isclose(p.sum(), 1.0, atol=1e-9):
        raise ValueError(f"probabilities must be non-negative and sum to 1, got {p.tolist()}")
    return p


def brier(probabilities: Sequence[float] | np.ndarray, actual_option: int) -> float:
    """Multi-category Brier score ``sum_k (p_k - 1[k = actual])^2`` in [0, 2] (lower is better).

    Strictly proper (Brier 1950; Gneiting & Raftery 2007, eq. 7 up to sign). ``actual_option``
    is the index of the observed option.

    Raises
    ------
    ValueError
        If the probabilities are not a distribution or the index is out of range.
    """
    p = _checked_probabilities(probabilities)
    if not 0 <= actual_option < p.size:
        raise ValueError(f"actual_option must be an index in [0, {p.size - 1}], got {actual_option}")
    outcome = np.zeros_like(p)
    outcome[actual_option] = 1.0
    return float(np.sum((p - outcome) ** 2))


def log_score(probabilities: Sequence[float] | np.ndarray, actual_option: int) -> float:
    """Logarithmic score ``-log p_actual`` (lower is better; ``inf`` if the outcome had probability 0).

    Strictly proper and local (Good 1952; Gneiting & Raftery 2007, Section 3.3). Not used in
    :func:`skill`, because a degenerate prediction that misses scores ``inf``; reported beside it.
    """
    p = _checked_probabilities(probabilities)
    if not 0 <= actual_option < p.size:
        raise ValueError(f"actual_option must be an index in [0, {p.size - 1}], got {actual_option}")
    return float(-np.log(p[actual_option])) if p[actual_option] > 0 else float("inf")


def ordinal(space: CaseSpace, term: str) -> bool:
    """True for a term scored by distance: continuous, or discrete with every option a contract year."""
    return term in space.continuous or all(is_year(v) for v in space.discrete[term].options)


def term_score(space: CaseSpace, term: str, samples: Sequence[Any] | np.ndarray, actual: Any,
               weights: Sequence[float] | np.ndarray | None = None) -> float:
    """The proper score of one term (lower is better): CRPS if :func:`ordinal`, Brier over the options otherwise."""
    if ordinal(space, term):
        return crps(np.asarray(samples, dtype=float).ravel(), float(actual), weights)
    options = space.discrete[term].options
    return brier(option_probabilities(samples, options, weights), _index(actual, options))


def random_score(space: CaseSpace, term: str, actual: Any) -> float:
    """The score of the uniformly random contract on ``term`` (exact): uniform on a continuous term's
    box, uniform over a discrete term's options."""
    if term in space.continuous:
        t = space.continuous[term]
        return crps_uniform(t.low, t.high, float(actual))
    options = space.discrete[term].options
    if ordinal(space, term):
        return crps(np.asarray(options, dtype=float), float(actual))
    return brier(np.full(len(options), 1.0 / len(options)), _index(actual, options))


def skill(space: CaseSpace, samples: Mapping[str, Sequence[Any]], actual: Mapping[str, Any],
          weights: Mapping[str, Sequence[float]] | None = None) -> dict[str, float]:
    """Skill ``1 - S / S_random`` of a predictive distribution per term, and their mean (``"total"``).

    Parameters
    ----------
    space : CaseSpace
        The contract space of the random reference.
    samples : Mapping
        ``samples[term]``: predicted values (one per draw; a point prediction is one value), for
        the terms to score (the pinned ones).
    actual : Mapping
        The actual outcome's terms.
    weights : Mapping or None
        ``weights[term]``: the probability of each sample (equal by default).

    Raises
    ------
    ValueError
        If no term is given, or a term is missing from ``actual``.

    Examples
    --------
    >>> from negotiation.kit.space import parse_space
    >>> space = parse_space({"continuous": {"x": {"low": 0.0, "high": 1.0, "low_basis": "natural",
    ...                                           "high_basis": "natural", "why": "a share"}}})
    >>> round(skill(space, {"x": [0.5]}, {"x": 0.5})["x"], 6)  # a perfect point prediction
    1.0
    """
    if not samples:
        raise ValueError("samples: no term to score (every term unpinned?)")
    missing = [t for t in samples if t not in actual]
    if missing:
        raise ValueError(f"actual lacks term {missing[0]!r}")
    out = {t: 1.0 - term_score(space, t, samples[t], actual[t], None if weights is None else weights[t])
              / random_score(space, t, actual[t]) for t in samples}
    return {"total": float(np.mean(list(out.values()))), **out}
