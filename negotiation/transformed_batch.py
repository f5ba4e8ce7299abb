"""Batch bargaining solutions when each player's utility is a concave transform of a share-affine payoff.

The money payoffs x = (x1, x2) of a :class:`negotiation.batch.ShareAffineFamily` are affine on
each candidate segment, x(t) = x_a + t (x_b - x_a), t in [0, 1] (:func:`negotiation.batch.candidates`).
Here each player values money through an increasing concave transform phi (the same for both,
e.g. CARA, :class:`CARA`): the utility is U_i = phi(x_i), and the disagreement point, threat
payoffs and outside options are transformed the same way. phi is strictly increasing, so a
contract is Pareto efficient in U exactly when it is in money, and the candidate segments and
their pruning (a money dominance is a U dominance) serve unchanged; only where a concept lands
on them moves. Every solver returns money utilities (phi^{-1} of the U solution), so contract
sets computed on money utilities apply unchanged.

Per segment, with D = phi(d) and money thresholds delta = phi^{-1}(D):

- Nash: N(t) = sum_i w_i log(phi(x_i(t)) - D_i) is concave in t (log of a positive concave
  function of an affine map), so its maximum on {x(t) > delta} is the root of the decreasing
  N'(t) = sum_i w_i s_i phi'(x_i) / (phi(x_i) - D_i), or an end.
- Utilitarian: W(t) = sum_i w_i phi(x_i(t)) is concave; W* = max over segments, then (the
  engine's tie-break) the symmetric Nash solution on the band {W >= W* - TIE_TOL (1 + |W*|)}, an
  interval of t on each segment whose ends are roots of the monotone W - floor.
- Ray (Kalai–Smorodinsky, egalitarian, ideal point): max_t min_i (phi(x_i(t)) - D_i) / r_i; each
  scaled gain is monotone in t, so the maximum is at an end of the feasible interval or at the
  crossing of the two scaled gains (a root of their monotone difference). KS takes
  r = phi(a) - D with a the money ideal point (phi is monotone, so phi(a) is the U ideal).
- Alternating offers and variable threats: the algorithms of :func:`negotiation.batch.rubinstein_batch`
  and :func:`negotiation.batch.variable_threat_batch` with the U frontier value
  g(v1) = phi(F(phi^{-1}(v1))), F(x1) = max {x2 : x1' >= x1, x2 >= d2} the money frontier, and
  with the transformed threat game phi(A), phi(B).

Each one-dimensional root is found by Newton's method safeguarded by bisection
(:func:`decreasing_root`), vectorised over (draws, segments), to XTOL in t; the best segment of
a draw is its first maximiser, as in :mod:`negotiation.batch`. Tolerances of the feasibility
tests and tie bands are those of :mod:`negotiation.batch` and of the engine.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from negotiation.batch import _log_gain_maximum as _linear_log_gain_maximum
from negotiation.batch import (GAIN_TOL, BatchSolution, Candidates, ShareAffineFamily, ThreatBatch, _compact,
                               _feasible_interval, _fields, _frontier_value, _mask, _select, _slope_bracket,
                               bracketed_root, candidates, frontier_function, ideal_point_batch, stationary_agreement,
                               zero_sum_batch)
from negotiation.games.threats import MAX_ITER, SLOPE_TOL
from negotiation.solutions.utilitarian import TIE_BREAK_WEIGHTS, TIE_TOL

XTOL = 1e-14
"""A root in t (segments are parametrised on [0, 1]) is accepted when Newton's step or the bracket is below this."""
ROOT_ITER = 200
"""Most Newton/bisection iterations per root (bisection alone needs ~47 to reach XTOL)."""

Evaluator = Callable[[np.ndarray, np.ndarray], np.ndarray]
"""``f(t, index)``: a function of the segments ``index`` (flat indices into the (N, L) slots) at their t."""


@dataclass(frozen=True)
class CARA:
    """Constant absolute risk aversion: phi(x) = (1 - exp(-rho x)) / rho (the identity at rho = 0).

    Any object with these five methods can stand for the transform (increasing, concave, C^2).

    Attributes
    ----------
    risk_aversion : float
        rho >= 0, per unit of money.
    """

    risk_aversion: float

    def __post_init__(self) -> None:
        if not (np.isfinite(self.risk_aversion) and self.risk_aversion >= 0):
            raise ValueError(f"risk_aversion must be finite and >= 0, got {self.risk_aversion!r}")

    def phi(self, x: np.ndarray) -> np.ndarray:
        """U = -expm1(-rho x) / rho (-inf where exp(-rho x) overflows: the limit, as x -> -inf)."""
        rho = self.risk_aversion
        if rho == 0:
            return np.asarray(x, dtype=float)
        with np.errstate(over="ignore"):
            return -np.expm1(-rho * np.asarray(x, dtype=float)) / rho

    def inverse(self, v: np.ndarray) -> np.ndarray:
        """x = -log1p(-rho v) / rho (+inf at v = 1/rho, NaN above: utilities there are unattainable)."""
        rho = self.risk_aversion
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.asarray(v, dtype=float) if rho == 0 else -np.log1p(-rho * np.asarray(v, dtype=float)) / rho

    def derivative(self, x: np.ndarray) -> np.ndarray:
        """phi'(x) = exp(-rho x)."""
        return np.exp(-self.risk_aversion * np.asarray(x, dtype=float))

    def second_derivative(self, x: np.ndarray) -> np.ndarray:
        """phi''(x) = -rho exp(-rho x)."""
        return -self.risk_aversion * self.derivative(x)

    def difference(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """phi(x) - phi(y) = exp(-rho y) phi(x - y), without cancellation for x near y."""
        return self.derivative(y) * self.phi(np.asarray(x, dtype=float) - y)


def decreasing_root(f: Evaluator, fprime: Evaluator, lo: np.ndarray, hi: np.ndarray, start: np.ndarray,
                    xtol: float = XTOL, max_iter: int = ROOT_ITER) -> np.ndarray:
    """Roots of non-increasing functions on [lo, hi], many at once: Newton safeguarded by bisection.

    Returns, per slot, lo where f(lo) <= 0, hi where f(hi) >= 0 (else), the root otherwise, and
    NaN where lo > hi. The iterate starts at ``start`` clipped to [lo, hi]; the bracket [a, b]
    (f(a) > 0 > f(b)) shrinks to every iterate; a Newton step t - f/f' leaving it is replaced by
    the midpoint. A slot stops at f = 0 or when the step or bracket is below ``xtol``. NaN values
    of f at an end (an infinite slope of both signs) count as +inf at lo and -inf at hi.
    ``f(t, index)`` and ``fprime`` take flat indices into the slots (only slots still searching
    are evaluated).
    """
    shape = np.shape(lo)
    lo, hi = np.ravel(lo).astype(float), np.ravel(hi).astype(float)
    t = np.full(lo.shape, np.nan)
    index = np.flatnonzero(lo <= hi)
    a, b = lo[index], hi[index]
    f_lo, f_hi = np.nan_to_num(f(a, index), nan=np.inf), np.nan_to_num(f(b, index), nan=-np.inf)
    t[index] = np.where(f_lo <= 0, a, b)
    search = (f_lo > 0) & (f_hi < 0)
    index, a, b = index[search], a[search], b[search]
    x = np.clip(np.ravel(start)[index], a, b)
    for _ in range(max_iter):
        if index.size == 0:
            break
        fx, slope = f(x, index), fprime(x, index)
        a, b = np.where(fx > 0, x, a), np.where(fx < 0, x, b)
        with np.errstate(divide="ignore", invalid="ignore"):
            newton = x - fx / slope
        new = np.where(np.isfinite(newton) & (newton > a) & (newton < b), newton, 0.5 * (a + b))
        done = (fx == 0) | (np.abs(new - x) <= xtol) | (b - a <= xtol)
        new = np.where(fx == 0, x, new)
        t[index] = new
        index, a, b, x = index[~done], a[~done], b[~done], new[~done]
    return t.reshape(shape)


def fewer_candidates(among: Candidates) -> Candidates:
    """The candidates without exact repeats.

    The solvers here evaluate transcendental criteria on every slot, so a block's candidates are
    thinned once before them: a slot whose two ends equal (bit for bit) those of an earlier slot
    of its draw is dropped (the first maximiser is never a later copy, and copies from other
    discrete combinations are common). The candidates come already pruned by the exact dominance
    test of :func:`negotiation.batch.kept`, which holds for any increasing utility transform, so
    no further pruning is needed. Each draw keeps at least its first slot. Utilities, contracts
    and the tie-break are unchanged.
    """
    ends = np.concatenate([among.start, among.end], axis=-1)  # (N, L, 4)
    order = np.lexsort(tuple(ends[..., k] for k in range(3, -1, -1)), axis=-1)  # stable: first copy first
    ranked = np.take_along_axis(ends, order[..., None], 1)
    repeat = np.zeros(order.shape, dtype=bool)
    repeat[:, 1:] = np.all(ranked[:, 1:] == ranked[:, :-1], axis=-1)
    unique = np.ones(order.shape, dtype=bool)
    np.put_along_axis(unique, order, ~repeat, 1)
    return among.take(_compact(unique))


@dataclass(frozen=True)
class _Slots:
    """The candidate segments of every draw, flattened to M = N L slots: money ends and thresholds."""

    start: np.ndarray  # (M, 2)
    step: np.ndarray   # (M, 2)
    base: np.ndarray   # (M, 2) money threshold delta = phi^{-1}(D) of the slot's draw
    shape: tuple[int, int]

    @classmethod
    def of(cls, among: Candidates, base: np.ndarray) -> _Slots:
        n, l = among.start.shape[:2]
        return cls(among.start.reshape(-1, 2), (among.end - among.start).reshape(-1, 2),
                   np.broadcast_to(np.asarray(base, dtype=float)[:, None, :], (n, l, 2)).reshape(-1, 2), (n, l))

    def x(self, t: np.ndarray, index: np.ndarray) -> np.ndarray:
        """(len(index), 2) money utilities of the slots ``index`` at t."""
        return self.start[index] + t[:, None] * self.step[index]


def _log_gain_maximum(slots: _Slots, transform, w: np.ndarray, t_lo: np.ndarray | None = None,
                      t_hi: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Per slot: argmax and max over t of N(t) = sum_i w_i log(phi(x_i(t)) - phi(delta_i)) (-inf where no gain is positive).

    The interval is {x(t) >= delta} within [0, 1] (and [t_lo, t_hi] if given); N is concave, its
    derivative N'(t) = sum_i w_i s_i phi'(x_i) / G_i decreasing (G the U gain).

    Only slots that can win are solved exactly. At y = x(t0), t0 the risk-neutral maximiser (the
    closed form of :func:`negotiation.batch._log_gain_maximum` on the money gains), concavity of phi
    gives G_i(t) <= G_i(y) + phi'(y_i) (x_i(t) - y_i), affine in t: the closed form on these
    bounds is an upper bound of the slot's maximum, and N(t0) a lower bound. The slot of best
    lower bound of each draw is solved first; slots whose upper bound is below its maximum (less
    a margin of 1e-9 (1 + |max|)) cannot hold a maximiser and get -inf; on the others (it among
    them) N' = 0 is solved from t0 (:func:`decreasing_root`) in the
    form h = N' G1 G2 = 0 (the same sign inside the interval, no poles, and affine in t when phi is:
    Newton then lands in one step).
    ``w``: (2,) or (N, 2).
    """
    n, l = slots.shape
    ww = np.broadcast_to(np.asarray(w, dtype=float).reshape(-1, 1, 2), (n, l, 2)).reshape(-1, 2)
    gain0 = slots.start - slots.base
    lo, hi = _feasible_interval(gain0, slots.step, np.zeros_like(gain0))
    t_lo = np.zeros(lo.shape) if t_lo is None else np.ravel(t_lo)
    t_hi = np.ones(lo.shape) if t_hi is None else np.ravel(t_hi)
    lo, hi = np.maximum(lo, t_lo), np.minimum(hi, t_hi)
    t0, _ = _linear_log_gain_maximum(gain0, slots.step, ww, t_lo, t_hi)
    everyone = np.arange(lo.size)
    y = slots.x(t0, everyone)
    gain_y, slope_y = transform.difference(y, slots.base), transform.derivative(y)
    lower = _weighted_log(gain_y, ww)
    _, upper = _linear_log_gain_maximum(gain_y + slope_y * (slots.start - y), slope_y * slots.step, ww, t_lo, t_hi)
    live = np.zeros(0, dtype=int)  # the slots being solved (terms() indexes into them)

    def terms(t: np.ndarray, index: np.ndarray) -> tuple[np.ndarray, ...]:
        slot = live[index]
        x = slots.x(t, slot)
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            return x, transform.difference(x, slots.base[slot]), slots.step[slot], ww[slot]

    def cleared(t: np.ndarray, index: np.ndarray) -> np.ndarray:
        """h = N' G1 G2 = w1 s1 phi'(x1) G2 + w2 s2 phi'(x2) G1: the sign of N', without its poles where a gain is 0."""
        x, gain, s, wi = terms(t, index)
        return np.sum(wi * s * transform.derivative(x) * gain[:, ::-1], axis=1)

    def cleared_slope(t: np.ndarray, index: np.ndarray) -> np.ndarray:
        """h' = sum_i w_i s_i (phi''(x_i) s_i G_j + phi'(x_i) phi'(x_j) s_j), j the other player."""
        x, gain, s, wi = terms(t, index)
        slope = transform.derivative(x)
        return np.sum(wi * s * (transform.second_derivative(x) * s * gain[:, ::-1] + slope * (slope * s)[:, ::-1]),
                      axis=1)

    def solve() -> tuple[np.ndarray, np.ndarray]:
        t = np.nan_to_num(decreasing_root(cleared, cleared_slope, lo[live], hi[live], t0[live]))
        return t, _weighted_log(terms(t, np.arange(live.size))[1], ww[live])

    # the slot of best lower bound of each draw, solved exactly, sets the bar for the others
    live = np.arange(n) * l + np.argmax(lower.reshape(n, l), axis=1)
    best = np.repeat(solve()[1], l)
    live = np.flatnonzero((upper >= best - 1e-9 * (1.0 + np.abs(best))) & (lo <= hi))
    t, value = np.zeros(lo.size), np.full(lo.size, -np.inf)
    t[live], value[live] = solve()
    return t.reshape(n, l), value.reshape(n, l)


def _weighted_log(gain: np.ndarray, w: np.ndarray) -> np.ndarray:
    """sum_i w_i log gain_i over the last axis, -inf unless every gain is positive."""
    with np.errstate(divide="ignore", invalid="ignore"):
        value = np.sum(w * np.log(np.where(gain > 0, gain, 1.0)), axis=-1)
    return np.where(np.all(gain > 0, axis=-1), value, -np.inf)


def _nash(among: Candidates, transform, disagreement_u: np.ndarray, w: np.ndarray) -> BatchSolution:
    """Nash on given candidates with per-draw U disagreement points (N, 2); money utilities."""
    t, value = _log_gain_maximum(_Slots.of(among, transform.inverse(disagreement_u)), transform, w)
    return _select(among, t, value)


def nash_batch(family: ShareAffineFamily, transform, weights: tuple[float, float] | np.ndarray = (0.5, 0.5), *,
               among: Candidates | None = None) -> BatchSolution:
    """Asymmetric Nash in utility: argmax w1 log(phi(x1) - phi(d1)) + w2 log(phi(x2) - phi(d2)).

    Parameters
    ----------
    family : ShareAffineFamily
        Money payoffs; ``disagreement`` is the money d.
    transform : CARA
        phi, shared by both players.
    weights : array_like, shape (2,) or (N, 2)
    among : Candidates, optional
        Precomputed ``candidates(family)``.

    Returns
    -------
    BatchSolution
        Money utilities x (U = phi(x)) and the contract.
    """
    return _nash(among or candidates(family), transform, transform.phi(family.disagreement),
                 np.asarray(weights, dtype=float))


def ray_batch(family: ShareAffineFamily, transform, direction: np.ndarray, *,
              among: Candidates | None = None) -> BatchSolution:
    """Largest t with phi(x) >= phi(d) + t r over each draw's contracts (r >= 0 in utility, (2,) or (N, 2)).

    Per segment, q_i(t) = (phi(x_i(t)) - phi(d_i)) / r_i (+inf where r_i = 0) is monotone; the
    maximum of min(q1, q2) over the feasible interval {x(t) >= d - GAIN_TOL (1 + |d|)} is at one
    of its ends or where q1 = q2 (a root of the monotone q1 - q2 when s1 s2 < 0), the first of the
    three in case of ties, as in :func:`negotiation.batch.ray_batch`. Money utilities.
    """
    among = among or candidates(family)
    d = family.disagreement
    slots = _Slots.of(among, d)
    n, l = slots.shape
    r = np.broadcast_to(np.broadcast_to(np.asarray(direction, dtype=float), d.shape)[:, None, :], (n, l, 2)).reshape(-1, 2)
    positive = r > 0
    tol = np.broadcast_to((GAIN_TOL * (1.0 + np.abs(d)))[:, None, :], (n, l, 2)).reshape(-1, 2)
    lo, hi = _feasible_interval(slots.start - slots.base, slots.step, tol)
    orientation = np.where(slots.step[:, 0] < 0, 1.0, -1.0)  # q1 - q2 times this is non-increasing

    def scaled(t: np.ndarray, index: np.ndarray) -> np.ndarray:
        gain = transform.difference(slots.x(t, index), slots.base[index])
        return np.where(positive[index], gain / np.where(positive[index], r[index], 1.0), np.inf)

    def gap(t: np.ndarray, index: np.ndarray) -> np.ndarray:
        q = scaled(t, index)
        return orientation[index] * (q[:, 0] - q[:, 1])

    def gap_slope(t: np.ndarray, index: np.ndarray) -> np.ndarray:
        dq = slots.step[index] * transform.derivative(slots.x(t, index)) / np.where(positive[index], r[index], 1.0)
        return orientation[index] * (dq[:, 0] - dq[:, 1])

    crossing = np.flatnonzero(np.all(positive, axis=1) & (slots.step[:, 0] * slots.step[:, 1] < 0))
    cross = lo.copy()
    cross[crossing] = decreasing_root(lambda t, i: gap(t, crossing[i]), lambda t, i: gap_slope(t, crossing[i]),
                                      lo[crossing], hi[crossing], 0.5 * (lo + hi)[crossing])
    cross = np.where(np.isnan(cross), lo, cross)
    everyone = np.arange(lo.size)
    ts = np.clip(np.stack([lo, hi, cross], axis=-1), 0.0, 1.0)
    values = np.stack([scaled(ts[:, j], everyone).min(axis=1) for j in range(3)], axis=-1)
    values = np.where((lo <= hi)[:, None], values, -np.inf)
    best = np.argmax(values, axis=-1)[:, None]
    t, value = np.take_along_axis(ts, best, -1)[:, 0], np.take_along_axis(values, best, -1)[:, 0]
    return _select(among, t.reshape(n, l), value.reshape(n, l))


def kalai_smorodinsky_batch(family: ShareAffineFamily, transform, *, among: Candidates | None = None,
                            ideal: np.ndarray | None = None) -> BatchSolution:
    """Kalai–Smorodinsky in utility: the ray from phi(d) to phi(a), a the money ideal point (``ideal``, computed if None)."""
    among = among or candidates(family)
    ideal = ideal_point_batch(family, among=among) if ideal is None else ideal
    return ray_batch(family, transform, transform.difference(ideal, family.disagreement), among=among)


def egalitarian_batch(family: ShareAffineFamily, transform, *, among: Candidates | None = None) -> BatchSolution:
    """Egalitarian in utility: equal U gains, phi(x) - phi(d) along (1, 1)."""
    return ray_batch(family, transform, np.array([1.0, 1.0]), among=among)


def utilitarian_batch(family: ShareAffineFamily, transform, weights: tuple[float, float] = (1.0, 1.0), *,
                      among: Candidates | None = None) -> BatchSolution:
    """argmax w . phi(x) over x >= d; among maximisers within TIE_TOL, the symmetric Nash solution in utility.

    First pass: on each segment's feasible interval W(t) = sum_i w_i phi(x_i(t)) is concave, so
    its maximiser is the root of W'(t) = sum_i w_i s_i phi'(x_i) (decreasing), or an end; W* is
    the best over the draw's segments. Second pass (the engine's two passes): on each segment
    the band {W(t) >= W* - TIE_TOL (1 + |W*|)} is an interval around the segment's maximiser
    (ends: roots of W - floor on either side), and the symmetric U-Nash criterion is maximised
    on it; where no band point gives both a positive gain, the first pass's point is kept.
    """
    among = among or candidates(family)
    w = np.asarray(weights, dtype=float)
    d = family.disagreement
    slots = _Slots.of(among, d)
    n, l = slots.shape
    tol = np.broadcast_to((GAIN_TOL * (1.0 + np.abs(d)))[:, None, :], (n, l, 2)).reshape(-1, 2)
    lo, hi = _feasible_interval(slots.start - slots.base, slots.step, tol)

    def welfare(t: np.ndarray, index: np.ndarray) -> np.ndarray:
        return transform.phi(slots.x(t, index)) @ w

    def slope(t: np.ndarray, index: np.ndarray) -> np.ndarray:
        return (slots.step[index] * transform.derivative(slots.x(t, index))) @ w

    def curvature(t: np.ndarray, index: np.ndarray) -> np.ndarray:
        return (slots.step[index] ** 2 * transform.second_derivative(slots.x(t, index))) @ w

    peak = decreasing_root(slope, curvature, lo, hi, 0.5 * (lo + hi))
    everyone = np.arange(lo.size)
    top = np.where(lo <= hi, welfare(np.nan_to_num(peak), everyone), -np.inf)
    first = _select(among, np.nan_to_num(peak).reshape(n, l), top.reshape(n, l))
    best = transform.phi(first.utilities) @ w
    floor = np.repeat(best - TIE_TOL * (1.0 + np.abs(best)), l)
    inside = np.flatnonzero(top >= floor)

    def excess(t: np.ndarray, index: np.ndarray) -> np.ndarray:
        return welfare(t, inside[index]) - floor[inside[index]]

    def excess_slope(t: np.ndarray, index: np.ndarray) -> np.ndarray:
        return slope(t, inside[index])

    band_lo, band_hi = np.full(lo.size, np.inf), np.full(lo.size, -np.inf)
    centre = peak[inside]
    band_lo[inside] = decreasing_root(lambda t, i: -excess(t, i), lambda t, i: -excess_slope(t, i),
                                      lo[inside], centre, centre)
    band_hi[inside] = decreasing_root(excess, excess_slope, centre, hi[inside], centre)
    t, value = _log_gain_maximum(slots, transform, TIE_BREAK_WEIGHTS, band_lo, band_hi)
    second = _select(among, t, value)
    keep = np.isfinite(np.max(value, axis=1))
    return BatchSolution(*(np.where(keep.reshape((-1,) + (1,) * (np.ndim(a) - 1)), a, b)
                           for a, b in zip(_fields(second), _fields(first))))


def rubinstein_batch(family: ShareAffineFamily, transform, discount_factors: np.ndarray, proposer: int = 0,
                     outside_options: np.ndarray | None = None, *, among: Candidates | None = None,
                     ideal: np.ndarray | None = None) -> BatchSolution:
    """Stationary SPE of alternating offers in utility, :func:`negotiation.batch.rubinstein_batch` on phi(S).

    With the U frontier value g(v1) = phi(F(phi^{-1}(v1))), F(x1) = max {x2 : x1' >= x1, x2 >= d2}
    over the money candidate segments, D = phi(d), W = phi(w) and A = phi(a) (a the money ideal
    point), player 1's proposal v1 solves

        h(v1) = g(v1) - max(W2, D2 + delta2 (g(y1(v1)) - D2)) = 0,   y1(v1) = max(W1, D1 + delta1 (v1 - D1)),

    on [max(D1, W1), A1]: v1 = A1 if h(A1) >= 0, max(D1, W1) if h there is <= 0, else the root
    (``bracketed_root`` to ROOT_XTOL (1 + max|A - D|)). The agreement is (v1, g(v1)) when player 1
    proposes, (y1, g(y1)) otherwise, returned in money. Draws whose options leave no agreement
    worth both (where the engine raises) get NaN.

    Parameters
    ----------
    family : ShareAffineFamily
        Money payoffs; ``disagreement`` the money impasse payoffs d.
    transform : CARA
    discount_factors : array_like, shape (2,) or (N, 2)
        delta_i in (0, 1) per round.
    proposer : {0, 1}
    outside_options : array_like, shape (2,) or (N, 2), optional
        Money options w_i (-inf or NaN for none).
    among, ideal : optional
        Precomputed candidates and money ideal point.

    Returns
    -------
    BatchSolution
    """
    n, d = family.value.shape[0], family.disagreement
    delta = np.broadcast_to(np.asarray(discount_factors, dtype=float), (n, 2))
    if not (np.all(delta > 0) and np.all(delta < 1) and proposer in (0, 1)):
        raise ValueError(f"discount_factors must lie in (0, 1) and proposer be 0 or 1, got {discount_factors!r}, "
                         f"{proposer!r}")
    options = np.full(2, -np.inf) if outside_options is None else np.asarray(outside_options, dtype=float)
    among = among or candidates(family)
    ideal = ideal_point_batch(family, among=among) if ideal is None else ideal
    D, A = transform.phi(d), transform.phi(ideal)
    W = transform.phi(np.broadcast_to(np.nan_to_num(options, nan=-np.inf), (n, 2)))

    money_frontier = frontier_function(among, d[:, 1])

    def frontier(v1: np.ndarray, rows: np.ndarray) -> np.ndarray:
        return transform.phi(money_frontier(transform.inverse(v1), rows))

    v1, valid = stationary_agreement(frontier, D, W, delta, A, proposer)
    agreement_1 = transform.inverse(v1)
    found = _select(among, *_frontier_value(among.start, among.end, d[:, 1], agreement_1))
    utilities = np.column_stack([agreement_1, found.utilities[:, 1]])
    return _mask(BatchSolution(utilities, found.combination, found.share, found.side_terms), valid)


def variable_threat_batch(family: ShareAffineFamily, transform, A: np.ndarray, B: np.ndarray, *,
                          tol: float = SLOPE_TOL, max_iter: int = MAX_ITER,
                          among: Candidates | None = None) -> ThreatBatch:
    """Nash (1953) NTU variable threats in utility, :func:`negotiation.batch.variable_threat_batch` on phi(S).

    The threat game has payoffs phi(A), phi(B) (money matrices A, B transformed cell by cell).
    For a slope m the threats solve the zero-sum game m phi(A) - phi(B) (``zero_sum_batch``),
    the threat point is D(m) = (x' phi(A) y, x' phi(B) y) in utility, and P(m) is the U-Nash
    solution of (phi(S), D(m)); the fixed point g(m) = (P2 - D2) / (P1 - D1) = m is bracketed
    and located in log m exactly as the risk-neutral batch does.

    Returns
    -------
    ThreatBatch
        ``solution`` in money utilities; ``disagreement`` the threat points in utility units.
    """
    A, B = np.asarray(A, dtype=float), np.asarray(B, dtype=float)
    n = family.value.shape[0]
    if A.ndim != 3 or A.shape != B.shape or A.shape[0] != n:
        raise ValueError(f"A and B must have the same shape (N={n}, p, q), got {A.shape} and {B.shape}")
    among = among or candidates(family)
    A_u, B_u = transform.phi(A), transform.phi(B)
    half = np.array([0.5, 0.5])

    def threat_outcome(log_m: np.ndarray, rows: np.ndarray) -> tuple[np.ndarray, ...]:
        """Threats x, y, value, U threat point and U-Nash solution at the slopes exp(log_m) of ``rows``."""
        a, b = A_u[rows], B_u[rows]
        x, y, value = zero_sum_batch(np.exp(log_m)[:, None, None] * a - b)
        point = np.stack([np.einsum("np,npq,nq->n", x, g, y) for g in (a, b)], axis=1)
        return x, y, value, point, _nash(among.rows(rows), transform, point, half)

    def residual(log_m: np.ndarray, rows: np.ndarray) -> np.ndarray:
        point, solution = threat_outcome(log_m, rows)[3:]
        gain_1, gain_2 = (transform.phi(solution.utilities) - point).T
        weighted = np.exp(log_m) * gain_1
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(weighted + gain_2 > 0, (weighted - gain_2) / (weighted + gain_2), 0.0)

    bracket = _slope_bracket(residual, n)
    ok = (bracket[2] <= 0) & (bracket[3] >= 0)
    log_m = bracketed_root(residual, *bracket[:2], *(np.where(ok, v, 1.0) for v in bracket[2:]), tol, max_iter)[0]
    converged = ok & np.isfinite(log_m)
    x, y, value, point, solution = threat_outcome(np.where(converged, log_m, 0.0), np.arange(n))
    keep = np.where(converged, 1.0, np.nan)
    return ThreatBatch(_mask(solution, converged), (x * keep[:, None], y * keep[:, None]), point * keep[:, None],
                       np.exp(log_m) * keep, value * keep, converged)
