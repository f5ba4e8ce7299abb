"""The (asymmetric) Nash bargaining solution (Nash 1950; Kalai 1977b; Roth 1979).

    N_w(S, d) = argmax_{x in S, x >= d} w1 log(x1 - d1) + w2 log(x2 - d2),   w1 + w2 = 1,

with the objective -inf where a gain is <= 0 (never the product of two negative gains).
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import brentq

from negotiation.errors import positive_weights
from negotiation.frontier import ROOT_RTOL, ROOT_XTOL, frontier_slope, rational_interval
from negotiation.problem import BargainingProblem, Frontier
from negotiation.solutions._envelope import maximise_on_envelope, nash_bound
from negotiation.solutions.result import Solution

LOG_FLOOR = 1e-12
"""Gains below this (relative to the utility scale) enter the log linearly, so SLSQP sees a finite,
smooth objective; the constraint gain >= 0 keeps the solution where the log is exact."""


def nash_solution(problem: BargainingProblem, weights: tuple[float, float] = (0.5, 0.5)) -> Solution:
    """Asymmetric Nash solution with bargaining powers ``weights`` = (alpha, 1 - alpha).

    Frontier problems: x1 solves the first-order condition
    w1 / (x1 - d1) + w2 phi'(x1) / (phi(x1) - d2) = 0 (brentq; the left side is decreasing
    because phi is concave), clipped to the individually rational interval. Point problems:
    exact, the best of the hull vertices and the stationary point of each edge. Contract
    problems: enumerate discrete terms, SLSQP on the continuous ones (``_contracts``).
    Linear frontier x1 + x2 = sigma: x1 = d1 + w1 (sigma - d1 - d2).

    Raises
    ------
    ValueError
        If ``weights`` are not positive or do not sum to one.

    References
    ----------
    Nash (1950) Econometrica 18:155-162; Kalai (1977b); Roth (1979) Axiomatic Models of Bargaining.

    Examples
    --------
    >>> import negotiation as ng
    >>> p = ng.BargainingProblem.from_frontier(lambda u: 1 - u**2, domain=(0, 1), disagreement=(0, 0))
    >>> nash_solution(p).utilities.round(12).tolist()  # (1/sqrt(3), 2/3)
    [0.57735026919, 0.666666666667]
    >>> nash_solution(p, weights=(2/3, 1/3)).utilities.round(12).tolist()  # (1/sqrt(2), 1/2)
    [0.707106781187, 0.5]
    """
    w = positive_weights("weights", weights, sum_to_one=True)
    d = problem.disagreement
    if problem.space is not None:
        best = maximise_on_envelope(problem.space, d, lambda u: weighted_log_gains(u, d, w)[:, None],
                                    nash_bound(d, w), lambda u: _log_gains_or_minus_inf(u, d, w), barrier=True,
                                    key=("nash", d.tobytes(), w.tobytes()))
        return Solution(best.utilities, "nash", tuple(map(float, w)),
                        "contracts: grid + projected Newton per discrete combination not pruned by the frontier envelope",
                        best.status, best.iterations, best.contract)
    lo, hi = rational_interval(problem)
    u1, method, iterations = nash_on_interval(problem, w, lo, hi)
    assert problem.frontier is not None
    return Solution(np.array([u1, problem.frontier(u1)]), "nash", tuple(map(float, w)), method, "converged", iterations)


def supporting_slope(utilities: np.ndarray, disagreement: np.ndarray, alpha: float) -> float:
    """The frontier's slope at an asymmetric Nash solution with weight alpha (its first-order condition),

        phi'(u1) = -alpha g2 / ((1 - alpha) g1),   g = u - d,

    -inf where g1 <= 0. Exact wherever the frontier is smooth at the solution (Kalai 1977b).
    """
    g = np.asarray(utilities, dtype=float) - disagreement
    return float(-alpha * g[1] / ((1.0 - alpha) * g[0])) if g[0] > 0 else -np.inf


def supporting_weight(gains: np.ndarray, slope: float) -> float:
    """The weight whose first-order condition holds at gains g with frontier slope phi' (the inverse
    of :func:`supporting_slope`),

        alpha = g1 |phi'| / (g2 + g1 |phi'|),

    with phi' clipped to <= 0; 1 for a vertical frontier, NaN if a gain is not positive.
    """
    if not (np.asarray(gains) > 0).all():
        return float("nan")
    s = max(-slope, 0.0)
    return 1.0 if np.isinf(s) else float(gains[0] * s / (gains[1] + gains[0] * s))


def weighted_log_gains(u: np.ndarray, d: np.ndarray, w: np.ndarray) -> np.ndarray:
    """sum_i w_i log(u_i - d_i) per row of ``u`` (shape (k, 2)), linear below ``LOG_FLOOR``."""
    floor = LOG_FLOOR * (1.0 + np.abs(d).max())
    gains = u - d
    safe = np.where(gains >= floor, np.log(np.maximum(gains, floor)), np.log(floor) + (gains - floor) / floor)
    return safe @ w


def _log_gains_or_minus_inf(u: np.ndarray, d: np.ndarray, w: np.ndarray) -> np.ndarray:
    """sum_i w_i log(u_i - d_i), -inf where a gain is not positive (a lower bound's score)."""
    gains = u - d
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(np.all(gains > 0, axis=1), np.log(np.where(gains > 0, gains, 1.0)) @ w, -np.inf)


def nash_on_interval(problem: BargainingProblem, w: np.ndarray, lo: float, hi: float) -> tuple[float, str, int]:
    """argmax of w1 log(x1 - d1) + w2 log(phi(x1) - d2) over x1 in [lo, hi] within the rational interval.

    The objective is concave in x1, so the constrained maximiser is the unconstrained one
    clipped to ``[lo, hi]``. Returns ``(x1, method, iterations)``.
    """
    fr = problem.frontier
    assert fr is not None
    if hi <= lo:
        return lo, "degenerate frontier (a single point)", 0
    if fr.vertices is not None:
        return _nash_on_polygon(fr, problem.disagreement, w, lo, hi), "points: closed form per hull edge", 0
    return _nash_on_curve(fr, problem.disagreement, w, lo, hi)


def _nash_on_polygon(fr: Frontier, d: np.ndarray, w: np.ndarray, lo: float, hi: float) -> float:
    """Best of: interval ends, vertices inside, and each edge's stationary point.

    On the edge P + s (Q - P), with A = P - d and D = Q - P, the stationary point is
    s = -(w1 D1 A2 + w2 D2 A1) / (D1 D2 (w1 + w2)).
    """
    assert fr.vertices is not None
    v = fr.vertices
    candidates = [lo, hi, *v[(v[:, 0] > lo) & (v[:, 0] < hi), 0]]
    for p, q in zip(v[:-1], v[1:]):
        a, step = p - d, q - p
        if step[0] * step[1] != 0:
            s = -(w[0] * step[0] * a[1] + w[1] * step[1] * a[0]) / (step[0] * step[1] * w.sum())
            if 0 < s < 1:
                candidates.append(float(np.clip(p[0] + s * step[0], lo, hi)))
    x1 = np.array(candidates)
    values = weighted_log_gains(np.column_stack([x1, fr.phi(x1)]), d, w)
    gains_ok = (x1 > d[0]) & (fr.phi(x1) > d[1])
    return float(x1[np.argmax(np.where(gains_ok, values, -np.inf))])


def _nash_on_curve(fr: Frontier, d: np.ndarray, w: np.ndarray, lo: float, hi: float) -> tuple[float, str, int]:
    """Root of the first-order condition by brentq, or an end of ``[lo, hi]`` if it has one sign.

    The condition is multiplied by the gains (positive inside S_d) so it stays finite at the ends:
    w1 (phi(x1) - d2) + w2 phi'(x1) (x1 - d1) = 0. It changes sign once, from + to -.
    """

    def foc(x1: float) -> float:
        return w[0] * (fr(x1) - d[1]) + w[1] * frontier_slope(fr, x1) * (x1 - d[0])

    if foc(lo) <= 0:
        return lo, "frontier: corner at the left end (first-order condition <= 0)", 0
    if foc(hi) >= 0 and fr(hi) > d[1]:
        return hi, "frontier: corner at the right end (first-order condition >= 0)", 0
    x1, info = brentq(foc, lo, hi, xtol=ROOT_XTOL * (1.0 + abs(hi)), rtol=ROOT_RTOL, full_output=True)
    return float(x1), "frontier: brentq on the first-order condition", int(info.iterations)
