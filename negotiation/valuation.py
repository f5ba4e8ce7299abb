"""Present values of cash flows under discounting and an AGI hazard (theory.md §6).

A flow ``c(t)`` is paid from ``t = 0`` until ``min(tau, T)``, where the AGI date ``tau`` is
exponential with hazard ``lambda`` and ``T`` is a contractual sunset (``inf`` for none). With
discount rate ``r`` its expected present value is

    PV = E int_0^min(tau,T) c(t) e^(-r t) dt = int_0^T c(t) e^(-(r + lambda) t) dt,

so a hazard acts as an extra discount rate. For ``c(t) = c0 e^(g t)`` this is
``c0 (1 - e^(-(r+lambda-g) T)) / (r + lambda - g)``. All functions broadcast over numpy arrays
(parameter draws) and are case-free.

References
----------
theory.md §6; Grace et al. (2024) arXiv 2401.02843 for survey-based hazards.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
from numpy.typing import ArrayLike

#: Below this |rate * horizon| the annuity uses its series expansion (avoids 0/0).
SMALL_RATE_HORIZON = 1e-8


def annuity(rate: ArrayLike, horizon: ArrayLike) -> np.ndarray:
    """Value of a unit flow discounted at ``rate`` over ``[0, horizon]``.

    ``A(a, T) = int_0^T e^(-a t) dt = (1 - e^(-a T)) / a`` (``T`` if ``a = 0``). ``a`` may be
    negative (a flow growing faster than the discount rate) when ``T`` is finite.

    Parameters
    ----------
    rate : array_like
        Effective rate ``a`` (per year).
    horizon : array_like
        ``T >= 0`` in years; ``numpy.inf`` for a perpetuity, which needs ``a > 0``.

    Returns
    -------
    numpy.ndarray
        ``A(a, T)``, broadcast over the inputs.
    """
    a, t = np.broadcast_arrays(np.asarray(rate, dtype=float), np.asarray(horizon, dtype=float))
    if np.any(t < 0) or np.any(np.isnan(t)):
        raise ValueError("horizon must be >= 0")
    if np.any(np.isinf(t) & (a <= 0)):
        raise ValueError("rate must be > 0 for an infinite horizon (growth below discount + hazard)")
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        at = a * t
        small = np.abs(at) < SMALL_RATE_HORIZON
        regular = -np.expm1(-at) / a
        regular = np.where(np.isinf(t), 1.0 / a, regular)
        series = t * (1.0 - at / 2.0)
    return np.where(small & np.isfinite(t), series, regular)


def pv_flow(
    c0: ArrayLike,
    rate: ArrayLike,
    hazard: ArrayLike = 0.0,
    growth: ArrayLike = 0.0,
    horizon: ArrayLike = np.inf,
) -> np.ndarray:
    """PV of ``c0 e^(g t)`` paid until ``min(tau, T)``, ``tau ~ Exp(hazard)``.

    ``PV = c0 (1 - e^(-(r+lambda-g) T)) / (r + lambda - g)`` (theory.md §6).
    Example: ``r = lambda = 0.1, c0 = 1``: 5 to infinity, 3.7670151803 to ``T = 7``.
    """
    r, lam, g = (np.asarray(x, dtype=float) for x in (rate, hazard, growth))
    return np.asarray(c0, dtype=float) * annuity(r + lam - g, horizon)


def pv_piecewise_flow(
    c0: ArrayLike,
    growth_rates: Sequence[ArrayLike],
    durations: Sequence[ArrayLike],
    rate: ArrayLike,
    hazard: ArrayLike = 0.0,
    horizon: ArrayLike = np.inf,
) -> np.ndarray:
    """PV of a flow with piecewise-constant growth, paid until ``min(tau, T)``.

    Segment ``i`` starts at ``t_i = sum_{j<i} d_j`` with level ``c_i = c_{i-1} e^(g_{i-1} d_{i-1})``
    and grows at ``g_i``; the last segment lasts forever. With ``a_i = r + lambda - g_i``,

        PV = sum_i c_i e^(-(r+lambda) t_i) A(a_i, clip(T - t_i, 0, d_i)).

    Parameters
    ----------
    c0 : array_like
        Flow level at ``t = 0`` (per year).
    growth_rates : sequence of array_like
        ``g_0, ..., g_{n-1}`` (continuously compounded, per year).
    durations : sequence of array_like
        ``d_0, ..., d_{n-2}`` (years, >= 0): one fewer than ``growth_rates``.
    rate, hazard : array_like
        Discount rate ``r`` and AGI hazard ``lambda`` (per year).
    horizon : array_like
        Contractual sunset ``T`` (years); ``inf`` for none.
    """
    if len(durations) != len(growth_rates) - 1:
        raise ValueError("durations must have one element fewer than growth_rates")
    r_eff = np.asarray(rate, dtype=float) + np.asarray(hazard, dtype=float)
    t_end = np.asarray(horizon, dtype=float)
    level = np.asarray(c0, dtype=float)
    start = np.zeros(())
    total = np.zeros(())
    for i, g in enumerate(growth_rates):
        g = np.asarray(g, dtype=float)
        length = np.asarray(durations[i], dtype=float) if i < len(durations) else np.inf
        if np.any(np.asarray(length) < 0):
            raise ValueError("durations must be >= 0")
        covered = np.clip(t_end - start, 0.0, length)
        total = total + level * np.exp(-r_eff * start) * annuity(r_eff - g, covered)
        if i < len(durations):
            level = level * np.exp(g * length)
            start = start + length
    return total


def pv_post_agi_flow(
    c0: ArrayLike,
    growth_rates: Sequence[ArrayLike],
    durations: Sequence[ArrayLike],
    rate: ArrayLike,
    hazard: ArrayLike,
    horizon: ArrayLike = np.inf,
) -> np.ndarray:
    """PV of a flow paid only after AGI arrives, from ``tau`` until ``T``.

    ``E int_tau^T c(t) e^(-r t) dt = PV(c; r, 0, T) - PV(c; r, lambda, T)``; for a constant flow
    ``k`` this is ``k [(1 - e^(-r T))/r - (1 - e^(-(r+lambda) T))/(r+lambda)]`` (theory.md §6).
    Arguments as in :func:`pv_piecewise_flow`.
    """
    always = pv_piecewise_flow(c0, growth_rates, durations, rate, 0.0, horizon)
    before = pv_piecewise_flow(c0, growth_rates, durations, rate, hazard, horizon)
    return always - before


def pv_flow_between(
    c0: ArrayLike,
    growth_rates: Sequence[ArrayLike],
    durations: Sequence[ArrayLike],
    rate: ArrayLike,
    start: ArrayLike,
    end: ArrayLike,
) -> np.ndarray:
    """PV at ``t = 0`` of a piecewise-growing flow paid over ``[start, end]`` (no hazard).

    ``PV = PV(c; r, 0, end) - PV(c; r, 0, start)`` with ``0 <= start <= end``.
    """
    s, e = np.asarray(start, dtype=float), np.asarray(end, dtype=float)
    if np.any(s > e):
        raise ValueError("start must be <= end")
    return pv_piecewise_flow(c0, growth_rates, durations, rate, 0.0, e) - pv_piecewise_flow(
        c0, growth_rates, durations, rate, 0.0, s
    )
