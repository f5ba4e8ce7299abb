"""Geometry of the feasible set: ray maximisation, radial projection, ideal point, Pareto frontier.

``ray_maximisation`` is the one primitive behind Kalai–Smorodinsky (ray to the ideal point),
egalitarian (ray along (1, 1)), ``radial_projection`` and ``ideal_point`` (rays along the axes).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.optimize import brentq

from negotiation.errors import finite_pair
from negotiation.problem import BargainingProblem, Frontier
from negotiation.solutions._envelope import maximise_on_envelope, ray_bound, ray_score

ROOT_XTOL = 1e-15
"""Absolute tolerance of brentq, relative to the problem scale."""
ROOT_RTOL = 4 * np.finfo(float).eps
"""Relative tolerance of brentq (scipy's minimum)."""
SLOPE_STEP = 1e-5
"""Step of second-order (one-sided or clipped central) differences, relative to the domain width."""
CENTRAL_STEP = 2e-4
"""Step of the fourth-order central difference, relative to the domain width."""
END_TOL = 1e-12
"""A point within this (relative) of an end of the domain is at that end."""


@dataclass(frozen=True)
class RayMaximum:
    """Result of ``ray_maximisation``: the step t*, the point reached and how.

    ``utilities`` is d + t* r for frontier and point problems; for contract problems it is
    u(x*) of the maximising contract ``contract`` (u(x*) >= d + t* r, equal unless a corner).
    """

    t: float
    utilities: np.ndarray
    contract: dict[str, Any] | None
    method: str
    status: str
    iterations: int


def ray_maximisation(problem: BargainingProblem, direction: np.ndarray) -> RayMaximum:
    """Largest t >= 0 with d + t r in S, for a direction r: the primitive of KS and egalitarian.

    Frontier and point problems: r may be any nonzero direction with a finite maximum; t* is the
    upper root of the slack phi(max(d1 + t r1, lo)) - (d2 + t r2), concave in t, by brentq,
    capped by d1 + t r1 <= hi. Contract problems: r >= 0, r != 0, and
    t* = max over contracts of min_{i: r_i > 0} (u_i - d_i) / r_i subject to u >= d, solved on
    the discrete combinations that the cached frontier envelope cannot rule out
    (``solutions._envelope``).

    Raises
    ------
    ValueError
        If ``direction`` is not finite, has no positive component (the ray never leaves S), or
        has a negative component on a contract problem.

    References
    ----------
    Kalai & Smorodinsky (1975); Kalai (1977); Brent (1973) Algorithms for Minimization without
    Derivatives (brentq).

    Examples
    --------
    >>> import negotiation as ng
    >>> p = ng.BargainingProblem.from_points([(1, 0), (0, 1)], disagreement=(0, 0))
    >>> round(ray_maximisation(p, np.array([1.0, 1.0])).t, 12)  # (t, t) on u1 + u2 = 1
    0.5
    """
    r = finite_pair("direction", direction)
    d = problem.disagreement
    if np.all(r <= 0):
        raise ValueError(f"direction={tuple(map(float, r))} must have a positive component (else the ray never leaves S)")
    if problem.space is not None:
        if np.any(r < 0):
            raise ValueError(f"direction={tuple(map(float, r))} must be >= 0 componentwise on a contract problem")
        positive = r > 0
        best = maximise_on_envelope(problem.space, d, lambda u: (u - d)[:, positive] / r[positive],
                                    ray_bound(d, r), ray_score(d, r), key=("ray", d.tobytes(), r.tobytes()))
        return RayMaximum(best.value, best.utilities, best.contract,
                          "contracts: grid + SLSQP per discrete combination not pruned by the frontier envelope",
                          best.status, best.iterations)
    fr = problem.frontier
    assert fr is not None

    def slack(t: float) -> float:
        return fr(d[0] + t * r[0]) - (d[1] + t * r[1])

    # Caps: x1 <= hi, and x2 <= max phi = phi(lo) (or phi(d1) when x1 does not fall).
    ceiling = fr(d[0]) if r[0] >= 0 else fr(fr.lo)
    caps = [(fr.hi - d[0]) / r[0]] if r[0] > 0 else []
    caps += [(ceiling - d[1]) / r[1]] if r[1] > 0 else []
    upper = max(min(caps), 0.0)
    if slack(upper) >= 0 or slack(0.0) < 0:
        t, method, iterations = (upper if slack(upper) >= 0 else 0.0), "frontier: ray capped by the domain", 0
    else:
        t, info = brentq(slack, 0.0, upper, xtol=ROOT_XTOL * (1.0 + upper), rtol=ROOT_RTOL, full_output=True)
        method, iterations = "frontier: brentq on the slack along the ray", int(info.iterations)
    return RayMaximum(float(t), d + t * r, None, method, "converged", iterations)


def ray_maximum(problem: BargainingProblem, direction: np.ndarray) -> float:
    """t* of ``ray_maximisation``: the largest t >= 0 with d + t r in S,

        t* = max { t >= 0 : d + t r in S }.

    References
    ----------
    Kalai & Smorodinsky (1975) (the ray construction); theory.md, section 5.

    Examples
    --------
    >>> import negotiation as ng
    >>> p = ng.BargainingProblem.from_points([(1, 0), (0, 1)], disagreement=(0, 0))
    >>> round(ray_maximum(p, np.array([1.0, 3.0])), 12)  # t + 3t = 1
    0.25
    """
    return ray_maximisation(problem, direction).t


def radial_projection(problem: BargainingProblem, point: tuple[float, float]) -> tuple[np.ndarray, float]:
    """Project ``point`` radially from d onto the boundary of S.

    Returns ``(d + t (point - d), t)`` with t the ``ray_maximum`` along ``point - d``; t > 1 means
    ``point`` is strictly inside S, t = 1 that it is on the frontier, t < 1 that it is outside.

    Raises
    ------
    ValueError
        If ``point`` is not a finite pair, equals d, or lies in a direction with no boundary.

    References
    ----------
    Kalai & Smorodinsky (1975) (the same ray construction); theory.md, section 5.

    Examples
    --------
    >>> import negotiation as ng
    >>> p = ng.BargainingProblem.from_points([(1, 0), (0, 1)], disagreement=(0, 0))
    >>> point, t = radial_projection(p, (0.25, 0.25))
    >>> point.round(12).tolist(), round(t, 12)  # inside S: t = 2
    ([0.5, 0.5], 2.0)
    """
    x = finite_pair("point", point)
    r = x - problem.disagreement
    if not np.any(r):
        raise ValueError(f"point={tuple(map(float, x))} must differ from the disagreement point")
    t = ray_maximum(problem, r)
    return problem.disagreement + t * r, t


def ideal_point(problem: BargainingProblem) -> np.ndarray:
    """a(S, d) = (max x1, max x2) over S_d = {x in S : x >= d} (Kalai & Smorodinsky 1975).

    References
    ----------
    Kalai & Smorodinsky (1975) Econometrica 43:513-518.

    Examples
    --------
    >>> import negotiation as ng
    >>> p = ng.BargainingProblem.from_points([(1, 0), (0, 1)], disagreement=(0.2, 0.1))
    >>> ideal_point(p).round(12).tolist()  # (1 - d2, 1 - d1)
    [0.9, 0.8]
    """
    d = problem.disagreement
    return d + np.array([ray_maximum(problem, np.array([1.0, 0.0])), ray_maximum(problem, np.array([0.0, 1.0]))])


def pareto_frontier(problem: BargainingProblem, n: int = 200) -> np.ndarray:
    """``n`` points of the individually rational Pareto frontier {x in S_d : x Pareto optimal}.

    Sorted by u1 increasing, from (d1 or lo, a2) to (a1, d2 or phi(hi)). Frontier and point
    problems: u1 evenly spaced, u2 = phi(u1). Contract problems: rays from d at evenly spaced
    angles in [0, pi/2] (the boundary of S_d; for a non-convex utility image this is its
    star-shaped hull as seen from d).

    Raises
    ------
    ValueError
        If ``n < 2``.

    References
    ----------
    Osborne & Rubinstein (1990) Bargaining and Markets, ch. 2; Miettinen (1999) Nonlinear
    Multiobjective Optimization (the frontier of a contract space by rays from d).

    Examples
    --------
    >>> import negotiation as ng
    >>> p = ng.BargainingProblem.from_frontier(lambda u: 1 - u**2, domain=(0, 1), disagreement=(0, 0))
    >>> pareto_frontier(p, n=3).round(12).tolist()
    [[0.0, 1.0], [0.5, 0.75], [1.0, 0.0]]
    """
    if n < 2:
        raise ValueError(f"n must be an integer >= 2, got {n!r}")
    if problem.frontier is not None:
        lo, hi = rational_interval(problem)
        u1 = np.linspace(lo, hi, n)
        return np.column_stack([u1, problem.frontier.phi(u1)])
    angles = np.linspace(0.0, np.pi / 2, n)
    directions = np.column_stack([np.cos(angles[::-1]), np.sin(angles[::-1])])
    directions[np.abs(directions) < 1e-15] = 0.0
    points = np.array([problem.disagreement + ray_maximum(problem, r) * r for r in directions])
    return points[np.argsort(points[:, 0], kind="stable")]


def rational_interval(problem: BargainingProblem) -> tuple[float, float]:
    """The u1-range ``[max(d1, lo), a1]`` of the Pareto frontier within S_d (1-D problems)."""
    fr = problem.frontier
    assert fr is not None
    d = problem.disagreement
    return max(float(d[0]), fr.lo), float(d[0] + ray_maximum(problem, np.array([1.0, 0.0])))


def frontier_slopes(fr: Frontier, u1: float) -> tuple[float, float]:
    """Left and right derivatives of the boundary of S at ``(u1, phi(u1))``.

    At the left end of the domain the left slope is 0 (free disposal extends S flat), at the
    right end the right slope is -inf (S stops at u1 = hi). Inside: exact from the vertices
    for point problems; second-order one-sided differences of step ``SLOPE_STEP * (hi - lo)``
    for a callable (the other side's difference where the domain is too short).
    """
    tol = END_TOL * (1.0 + abs(fr.hi) + abs(fr.lo))
    if fr.vertices is not None:
        left, right = _polygon_slopes(fr.vertices, u1)
    else:
        h = SLOPE_STEP * (fr.hi - fr.lo)
        right = (-3 * fr(u1) + 4 * fr(u1 + h) - fr(u1 + 2 * h)) / (2 * h) if u1 + 2 * h <= fr.hi else None
        left = (3 * fr(u1) - 4 * fr(u1 - h) + fr(u1 - 2 * h)) / (2 * h) if u1 - 2 * h >= fr.lo else None
        left, right = (right if left is None else left), (left if right is None else right)
    return (0.0 if u1 <= fr.lo + tol else left), (-np.inf if u1 >= fr.hi - tol else right)


def frontier_slope(fr: Frontier, u1: float) -> float:
    """phi'(u1): fourth-order central difference (step ``CENTRAL_STEP * (hi - lo)``) inside the
    domain, second-order central (clipped) near its ends; exact for point problems."""
    if fr.vertices is not None:
        return float(np.mean(_polygon_slopes(fr.vertices, u1)))
    h = CENTRAL_STEP * (fr.hi - fr.lo)
    if fr.lo <= u1 - 2 * h and u1 + 2 * h <= fr.hi:
        return (fr(u1 - 2 * h) - 8 * fr(u1 - h) + 8 * fr(u1 + h) - fr(u1 + 2 * h)) / (12 * h)
    h = SLOPE_STEP * (fr.hi - fr.lo)
    a, b = max(u1 - h, fr.lo), min(u1 + h, fr.hi)
    return (fr(b) - fr(a)) / (b - a)


def _polygon_slopes(vertices: np.ndarray, u1: float) -> tuple[float, float]:
    slopes = np.diff(vertices[:, 1]) / np.diff(vertices[:, 0])
    if slopes.size == 0:
        return 0.0, 0.0
    xs = vertices[:, 0]
    tol = 1e-12 * (1.0 + abs(u1))
    left_edge = int(np.clip(np.searchsorted(xs, u1 - tol) - 1, 0, slopes.size - 1))
    right_edge = int(np.clip(np.searchsorted(xs, u1 + tol, side="right") - 1, 0, slopes.size - 1))
    return float(slopes[left_edge]), float(slopes[right_edge])
