"""Exact quadrature over the AGI date: states, their probability weights, expectations (theory.md §8).

The AGI date ``tau`` is exponential with hazard ``lambda`` under a party's own belief, so

    E[f(tau)] = int_0^inf lambda e^(-lambda tau) f(tau) d tau.

A payoff over states ``f(tau)`` kinks at contract dates (a sunset ``T``, a change of growth), so the
integral is split there: Gauss-Legendre on each finite piece ``[0, T1], [T1, T2], ...`` and
Gauss-Laguerre in ``lambda (tau - T_last)`` on the tail ``[T_last, inf)``. Between kinks the payoffs
of the model are smooth (polynomials times exponentials), where Gauss rules converge geometrically;
no sampling noise enters a payoff. The nodes and weights are returned so that a payoff over states
is evaluated once per node and reused by every expectation and certainty equivalent.

Accuracy. On the tail the rule integrates ``e^(-x) g(x)`` with ``x = lambda (tau - T_last)``; it is
exact for ``g`` a polynomial of degree ``< 2n`` and converges fast while ``g`` varies on the scale of
``1/lambda``. A discounted flow paid until ``tau`` with no sunset varies there at the rate
``r / lambda``: with ``n = DEFAULT_NODES`` plain Laguerre errs by about 1e-13 at ``r / lambda = 5``
but 3e-8 at ``r / lambda = 10``. Give ``tail_rate = rho`` (the rate at which ``f`` settles on the
tail, e.g. ``r - g``) and the tail is split once more at ``T_last + TAIL_SPAN / (lambda + rho)``:
Gauss-Legendre up to there, Laguerre beyond, where ``e^(-rho tau)`` has decayed; the error is then
at rounding level for any ``r / lambda`` (checked up to 100 in the tests).

References
----------
theory.md §6 and §8; Davis & Rabinowitz (1984) Methods of Numerical Integration, 2nd ed., ch. 2-3
(Gauss-Legendre and Gauss-Laguerre rules); Golub & Welsch (1969) Math. Comp. 23:221-230.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import lru_cache
from typing import NamedTuple

import numpy as np
from numpy.typing import ArrayLike

from negotiation.valuation import annuity

DEFAULT_NODES = 48
"""Nodes per piece (each finite piece between kinks, and the tail)."""
TAIL_SPAN = 30.0
"""With ``tail_rate``, the tail's extra kink sits at ``TAIL_SPAN / (lambda + rho)`` past the last date,
where ``e^(-(lambda + rho) t)`` has fallen to ``e^-30``."""
MAX_NODES = 200
"""Largest rule offered; numpy's Gauss-Laguerre weights underflow to zero beyond about this."""


class StateNodes(NamedTuple):
    """AGI dates ``tau`` (shape ``(*draws, m)``) and their probability weights (same shape, sum 1)."""

    tau: np.ndarray
    weights: np.ndarray


@lru_cache(maxsize=32)
def _legendre(n: int) -> tuple[np.ndarray, np.ndarray]:
    x, w = np.polynomial.legendre.leggauss(n)
    x.setflags(write=False)
    w.setflags(write=False)
    return x, w


@lru_cache(maxsize=32)
def _laguerre(n: int) -> tuple[np.ndarray, np.ndarray]:
    x, w = np.polynomial.laguerre.laggauss(n)
    x.setflags(write=False)
    w.setflags(write=False)
    return x, w


def _check_nodes(nodes: int) -> int:
    if isinstance(nodes, bool) or not isinstance(nodes, (int, np.integer)) or not 1 <= nodes <= MAX_NODES:
        raise ValueError(f"nodes must be an integer in [1, {MAX_NODES}], got {nodes!r}")
    return int(nodes)


def _check_hazard(hazard: ArrayLike) -> np.ndarray:
    try:
        lam = np.asarray(hazard, dtype=float)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"hazard must be numeric, in (0, inf), got {hazard!r}") from exc
    if not np.all(np.isfinite(lam) & (lam > 0)):
        raise ValueError(f"hazard must be in (0, inf) (per year) for every draw, got {hazard!r}")
    return lam


def _check_kinks(kinks: Sequence[ArrayLike]) -> list[np.ndarray]:
    if isinstance(kinks, (str, bytes)) or not isinstance(kinks, Sequence):
        raise ValueError(f"kinks must be a sequence of dates T1 <= T2 <= ... (years), got {kinks!r}")
    try:
        dates = [np.asarray(k, dtype=float) for k in kinks]
    except (TypeError, ValueError) as exc:
        raise ValueError(f"kinks must be numeric dates in [0, inf), got {kinks!r}") from exc
    previous: np.ndarray | float = 0.0
    for i, date in enumerate(dates):
        if not np.all(np.isfinite(date)):
            raise ValueError(f"kinks[{i}] must be finite, in [0, inf) (years), got {kinks[i]!r}")
        if np.any(date < previous):
            raise ValueError(f"kinks must satisfy 0 <= T1 <= T2 <= ...; kinks[{i}] = {kinks[i]!r} is below the date before it")
        previous = date
    return dates


def nodes_and_weights(
    hazard: ArrayLike,
    kinks: Sequence[ArrayLike] = (),
    nodes: int = DEFAULT_NODES,
    tail_rate: ArrayLike | None = None,
) -> StateNodes:
    """AGI dates and probability weights of the Gauss rule for ``tau ~ Exponential(hazard)``.

    With edges ``0 = T0 <= T1 <= ... <= Tk`` (the kinks) and the Gauss-Legendre rule ``(x_j, W_j)``
    on ``[-1, 1]``, each finite piece ``[a, b]`` contributes

        tau_j = a + (b - a)(x_j + 1)/2,    w_j = (b - a)/2 W_j lambda e^(-lambda tau_j),

    and with the Gauss-Laguerre rule ``(y_j, V_j)`` the tail ``[Tk, inf)`` contributes

        tau_j = Tk + y_j / lambda,         w_j = V_j e^(-lambda Tk),

    so that ``sum_j w_j f(tau_j) ~= E[f(tau)]`` and ``sum_j w_j = 1`` (to rounding). Without kinks the
    whole line is the tail.

    Parameters
    ----------
    hazard : array_like
        ``lambda > 0`` per year; an array holds one belief per draw.
    kinks : sequence of array_like
        Contract dates ``T1 <= T2 <= ...`` in years (finite, >= 0) where a payoff over states kinks;
        each broadcasts with ``hazard`` (a per-draw date is allowed).
    nodes : int
        Nodes per piece, in ``[1, MAX_NODES]``; the rule has ``nodes * (len(kinks) + 1)`` nodes
        (one piece more with ``tail_rate``).
    tail_rate : array_like, optional
        ``rho >= 0`` per year, the rate at which the payoff settles after the last kink (a discount
        rate net of growth). If given, the tail is split at ``T_last + TAIL_SPAN / (lambda + rho)``.

    Returns
    -------
    StateNodes
        ``tau`` and ``weights``, each of shape ``(*broadcast(hazard, *kinks).shape, m)``.

    Raises
    ------
    ValueError
        If ``hazard`` is not in (0, inf), the kinks are not finite and non-decreasing from 0,
        ``nodes`` is not an integer in [1, MAX_NODES], or ``tail_rate`` is not in [0, inf).

    References
    ----------
    theory.md §8 ("Quadrature, not sampling"); Davis & Rabinowitz (1984), ch. 2-3.

    Examples
    --------
    >>> tau, w = nodes_and_weights(0.1, kinks=(7.0,), nodes=16)
    >>> tau.shape, round(float(w.sum()), 14)
    ((32,), 1.0)
    >>> bool(abs(w[:16].sum() - (1 - np.exp(-0.7))) < 1e-15)  # P(tau <= 7)
    True
    >>> nodes_and_weights([0.05, 0.1, 0.2], kinks=(7.0,)).tau.shape  # one rule per draw
    (3, 96)
    """
    n = _check_nodes(nodes)
    lam = _check_hazard(hazard)
    dates = _check_kinks(kinks)
    if tail_rate is not None:
        rho = np.asarray(tail_rate, dtype=float)
        if not np.all(np.isfinite(rho) & (rho >= 0)):
            raise ValueError(f"tail_rate must be in [0, inf) (per year), got {tail_rate!r}")
        dates.append((dates[-1] if dates else 0.0) + TAIL_SPAN / (lam + rho))
    shape = np.broadcast_shapes(lam.shape, *(d.shape for d in dates))
    lam_ = np.broadcast_to(lam, shape)[..., None]
    edges = [np.zeros(shape), *(np.broadcast_to(d, shape) for d in dates)]
    taus, weights = [], []
    x, big_w = _legendre(n)
    for a, b in zip(edges[:-1], edges[1:]):
        half = ((b - a) / 2.0)[..., None]
        tau = a[..., None] + half * (x + 1.0)
        taus.append(tau)
        weights.append(half * big_w * lam_ * np.exp(-lam_ * tau))
    y, v = _laguerre(n)
    last = edges[-1][..., None]
    taus.append(last + y / lam_)
    weights.append(v * np.exp(-lam_ * last) * np.ones_like(y))
    return StateNodes(np.concatenate(taus, axis=-1), np.concatenate(weights, axis=-1))


def expect(
    f: Callable[[np.ndarray], ArrayLike],
    hazard: ArrayLike,
    kinks: Sequence[ArrayLike] = (),
    nodes: int = DEFAULT_NODES,
    tail_rate: ArrayLike | None = None,
) -> np.ndarray:
    """``E[f(tau)] = int_0^inf lambda e^(-lambda tau) f(tau) d tau`` by the rule of :func:`nodes_and_weights`.

    Parameters
    ----------
    f : callable
        ``f(tau)`` on an array of AGI dates of shape ``(*draws, m)``, returning an array that
        broadcasts with it (the payoff in each state); it must be finite at every node.
    hazard, kinks, nodes, tail_rate
        As in :func:`nodes_and_weights`; put every date where ``f`` kinks among the kinks.

    Returns
    -------
    numpy.ndarray
        ``sum_j w_j f(tau_j)``, shape ``broadcast(hazard, *kinks).shape`` (or as ``f`` broadcasts).

    Raises
    ------
    ValueError
        As :func:`nodes_and_weights`, or if ``f`` returns NaN or inf at a node.

    References
    ----------
    theory.md §6 and §8.

    Examples
    --------
    The §6 example: a unit flow discounted at r = 0.1, paid until min(tau, 7), lambda = 0.1.

    >>> r = 0.1
    >>> pv = lambda tau: (1 - np.exp(-r * np.minimum(tau, 7.0))) / r   # PV in the state tau
    >>> round(float(expect(pv, 0.1, kinks=(7.0,))), 10)
    3.7670151803
    >>> expect(lambda tau: (1 - np.exp(-r * tau)) / r, [0.1, 0.2]).round(10).tolist()  # to infinity
    [5.0, 3.3333333333]
    >>> bool(abs(expect(lambda tau: (1 - np.exp(-r * tau)) / r, 0.001, tail_rate=r) - 1 / 0.101) < 1e-12)
    True
    """
    tau, w = nodes_and_weights(hazard, kinks, nodes, tail_rate)
    values = np.asarray(f(tau), dtype=float)
    if not np.all(np.isfinite(values)):
        raise ValueError("f must return finite values at every AGI date tau (got NaN or inf at a node)")
    return np.sum(values * w, axis=-1)


def pv_until(tau: ArrayLike, c0: ArrayLike, rate: ArrayLike, growth: ArrayLike = 0.0,
             horizon: ArrayLike = np.inf) -> np.ndarray:
    """PV in the state ``tau`` of ``c0 e^(g t)`` paid from 0 until ``min(tau, T)``, discounted at ``r``.

    ``c0 A(r - g, min(tau, T))`` with ``A(a, h) = (1 - e^(-a h)) / a`` (:func:`valuation.annuity`).
    Its expectation over ``tau ~ Exp(lambda)`` is :func:`valuation.pv_flow` (theory.md §6).

    References
    ----------
    theory.md §6.

    Examples
    --------
    >>> round(float(expect(lambda t: pv_until(t, 1.0, 0.1, horizon=7.0), 0.1, kinks=(7.0,))), 10)
    3.7670151803
    """
    h = np.minimum(np.asarray(tau, dtype=float), np.asarray(horizon, dtype=float))
    return np.asarray(c0, dtype=float) * annuity(np.asarray(rate, dtype=float) - np.asarray(growth, dtype=float), h)


def pv_after(tau: ArrayLike, c0: ArrayLike, rate: ArrayLike, growth: ArrayLike = 0.0,
             horizon: ArrayLike = np.inf) -> np.ndarray:
    """PV in the state ``tau`` of ``c0 e^(g t)`` paid from ``tau`` until ``T`` (zero if ``tau >= T``).

    ``c0 [A(r - g, T) - A(r - g, min(tau, T))]``; its expectation is
    :func:`valuation.pv_post_agi_flow` (theory.md §6).

    References
    ----------
    theory.md §6.

    Examples
    --------
    >>> r, lam, T = 0.1, 0.2, 7.0
    >>> closed = (1 - np.exp(-r * T)) / r - (1 - np.exp(-(r + lam) * T)) / (r + lam)
    >>> bool(abs(expect(lambda t: pv_after(t, 1.0, r, horizon=T), lam, kinks=(T,)) - closed) < 1e-12)
    True
    """
    total = pv_until(np.inf, c0, rate, growth, horizon)
    return total - pv_until(tau, c0, rate, growth, horizon)
