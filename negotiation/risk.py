"""Risk aversion over states: the CARA certainty equivalent under a party's own belief (theory.md §8).

A party with constant absolute risk aversion ``a`` (utility ``-exp(-a w)``) and belief weights
``p_k`` over states with wealth ``v_k`` ranks contracts by its certainty equivalent

    CE_a(v; p) = -(1/a) log sum_k p_k exp(-a v_k),        CE_0(v; p) = sum_k p_k v_k,

the sure wealth it values as much as the gamble. It is in money, so under CARA a sure transfer
``t`` moves it one for one, ``CE(v + t) = CE(v) + t``: certainty equivalents are transferable
utility, and what risk pins is the sharing of the risky part (Wilson 1968).

References
----------
Pratt (1964) Econometrica 32:122-136 (risk aversion, the certainty equivalent); Gollier (2001) The
Economics of Risk and Time, ch. 2; Wilson (1968) Econometrica 36:119-132; theory.md §8.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

WEIGHT_SUM_TOL = 1e-9
"""Belief weights over states must sum to one within this (they are then renormalised exactly)."""
SERIES_SPREAD = 1.0
"""Where ``a (max v - min v)`` is at most this, the log-sum is taken as log1p of a sum of expm1 terms,
which keeps full precision as ``a -> 0``; above it the shifted log-sum-exp is already exact."""


def certainty_equivalent(values: ArrayLike, weights: ArrayLike, risk_aversion: ArrayLike) -> np.ndarray:
    """CARA certainty equivalent of wealth ``values`` over states with belief ``weights``.

    ``CE = -(1/a) log sum_k w_k exp(-a v_k)``, computed with the shift ``m = min_k v_k``:

        CE = m - (1/a) log sum_k w_k exp(-a (v_k - m))      (m over the states of positive weight),

    and for ``a (max v - m) <= SERIES_SPREAD`` as ``m - log1p(sum_k w_k expm1(-a (v_k - m))) / a``,
    which tends to the mean ``sum_k w_k v_k`` as ``a -> 0`` without cancellation; ``a = 0`` gives
    the mean exactly (risk neutrality).

    Parameters
    ----------
    values : array_like
        Wealth in each state, shape ``(..., K)`` (states on the last axis).
    weights : array_like
        The party's own probabilities of the states, broadcasting with ``values``; each row >= 0
        summing to one within ``WEIGHT_SUM_TOL`` (e.g. the weights of
        :func:`negotiation.states.nodes_and_weights`).
    risk_aversion : array_like
        ``a >= 0`` (absolute risk aversion, per unit of wealth), broadcasting with
        ``values.shape[:-1]`` (one per draw).

    Returns
    -------
    numpy.ndarray
        The certainty equivalent, shape ``broadcast(values.shape[:-1], weights.shape[:-1], a.shape)``.

    Raises
    ------
    ValueError
        If ``values`` or ``weights`` are not finite, a weight is negative, weights do not sum to one,
        or ``risk_aversion`` is not in [0, inf).

    References
    ----------
    Pratt (1964) Econometrica 32:122-136; Gollier (2001) The Economics of Risk and Time, ch. 2.

    Examples
    --------
    >>> v, p = [0.0, 2.0], [0.5, 0.5]
    >>> float(certainty_equivalent(v, p, 0.0))  # risk neutral: the mean
    1.0
    >>> round(float(certainty_equivalent(v, p, 1.0)), 12)  # -log((1 + e^-2)/2)
    0.566219169517
    >>> certainty_equivalent(v, p, [0.0, 1.0, 10.0]).round(6).tolist()  # one per draw
    [1.0, 0.566219, 0.069315]
    """
    v = _finite("values", values)
    if v.ndim == 0:
        raise ValueError("values must have the states on a last axis, shape (..., K) with K >= 1, got a scalar")
    w = _finite("weights", weights)
    if w.ndim == 0:
        raise ValueError("weights must have the states on a last axis, shape (..., K) with K >= 1, got a scalar")
    if np.any(w < 0):
        raise ValueError(f"weights must be probabilities, each in [0, 1], got a minimum of {float(w.min())!r}")
    total = w.sum(axis=-1, keepdims=True)
    if np.any(np.abs(total - 1.0) > WEIGHT_SUM_TOL):
        worst = float(total.flat[np.argmax(np.abs(total - 1.0))])
        raise ValueError(f"weights must sum to 1 over the states (within {WEIGHT_SUM_TOL}), got a sum of {worst!r}")
    a = _finite("risk_aversion", risk_aversion)
    if np.any(a < 0):
        raise ValueError(f"risk_aversion must be in [0, inf), got a minimum of {float(a.min())!r}")
    v, w = np.broadcast_arrays(v, w / total)
    a = a[..., None]
    held = w > 0  # states of zero weight do not enter, even through the shift
    low = np.where(held, v, np.inf).min(axis=-1, keepdims=True)
    spread = np.where(held, v, -np.inf).max(axis=-1, keepdims=True) - low
    excess = np.where(held, v - low, 0.0)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore", under="ignore"):
        series = np.log1p(np.sum(w * np.expm1(-a * excess), axis=-1, keepdims=True)) / a
        direct = np.log(np.sum(w * np.exp(-a * excess), axis=-1, keepdims=True)) / a
    mean = np.sum(w * v, axis=-1, keepdims=True)
    ce = np.where(a == 0, mean, low - np.where(a * spread <= SERIES_SPREAD, series, direct))
    return ce[..., 0]


def _finite(name: str, value: ArrayLike) -> np.ndarray:
    try:
        array = np.asarray(value, dtype=float)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must be numeric, got {value!r}") from exc
    if not np.all(np.isfinite(array)):
        raise ValueError(f"{name} must be finite (no NaN or inf), got {value!r}")
    return array
