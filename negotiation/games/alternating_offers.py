"""Alternating offers over a general utility set: Rubinstein's SPE on a Pareto frontier.

``rubinstein`` (in ``rubinstein.py``) splits a unit surplus. Here the players bargain over a
feasible set S with Pareto frontier u2 = phi(u1) and impasse payoffs d (what each gets per
period while talks go on: in the case, the status-quo contract that runs on). Player i
discounts a round by delta_i. A responder j accepts an offer giving it at least
max(w_j, d_j + delta_j (z_j - d_j)), where z_j is what j gets from its own proposal next round
and w_j its outside option, a constraint that binds only when it beats that continuation
(Shaked & Sutton 1984; Muthoo 1999, ch. 5; Binmore, Rubinstein & Wolinsky 1986, §4).

The stationary SPE is a pair of frontier points: x (player 1 proposes) and y (player 2
proposes) with

    y_1 = max(w_1, d_1 + delta_1 (x_1 - d_1)),   y_2 = phi(y_1),
    x_2 = max(w_2, d_2 + delta_2 (y_2 - d_2)),   x_2 = phi(x_1).

The residual h(x_1) = phi(x_1) - max(w_2, d_2 + delta_2 (phi(y_1(x_1)) - d_2)) is
non-increasing on [d_1, a_1] for concave phi (phi'(x_1) <= delta_1 delta_2 phi'(y_1) as
y_1 <= x_1), so one bracketed root gives the equilibrium. With delta_i = exp(-r_i Delta) and
Delta -> 0 both points converge to the asymmetric Nash solution with weight r_2/(r_1 + r_2)
for player 1 (BRW 1986): the two proposals have equal weighted Nash products.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
from scipy.optimize import brentq

from negotiation.errors import finite_pair
from negotiation.frontier import ideal_point
from negotiation.problem import BargainingProblem
from negotiation.solutions._contracts import maximise_each
from negotiation.solutions._envelope import maximise_on_envelope, ray_bound, ray_score
from negotiation.solutions.nash import nash_solution, supporting_slope, supporting_weight
from negotiation.solutions.result import Solution

ROOT_XTOL = 1e-13
"""Absolute tolerance of the root in x_1, relative to the utility scale of the problem."""
SPE_TOL = 1e-10
"""Contract problems: the pair is converged when the Newton correction is below this (relative)."""
SPE_RESIDUAL = 1e-8
"""Contract problems: a correction that no longer halves is the noise of the Nash solutions the
pair is made of (their accuracy); the pair is then accepted if both stationarity equations hold
to this (relative to the utility scale)."""
SPE_NOISE = 1e-7
"""Contract problems: outside options are checked to this tolerance (relative)."""
SPE_EXACT = 1e-12
"""Contract problems: a final correction below this (relative) leaves the last iterate, an exact
frontier point with its contract, as the agreement; a larger one is evaluated on the frontier."""
SPE_STEPS = 8
"""Contract problems: Newton steps along the frontier's tangents before the bracketed root is used."""
TANGENT_NEWTON_STEPS = 6
"""Newton steps on the scalar stationarity equation of the quadratic frontier models."""
ALPHA_MIN = 1e-9
"""Contract problems: the Nash weights of the Newton iterates stay in [ALPHA_MIN, 1 - ALPHA_MIN]."""


def frontier_value(problem: BargainingProblem, u1: float) -> tuple[float, dict | None]:
    """phi(u1) = max {x2 : x in S, x1 >= u1, x2 >= d2}, and the contract attaining it.

    For frontier and point problems phi is the problem's frontier (contract None); for contract
    problems it is one constrained maximisation over the discrete combinations that the cached
    frontier envelope cannot rule out: phi(u1) - d2 is the ray from (u1, d2) along (0, 1).

    References
    ----------
    Osborne & Rubinstein (1990) Bargaining and Markets, ch. 2 (the Pareto frontier of S).

    Examples
    --------
    >>> import negotiation as ng
    >>> p = ng.BargainingProblem.from_frontier(lambda u: 1 - u**2, domain=(0, 1), disagreement=(0, 0))
    >>> frontier_value(p, 0.5)
    (0.75, None)
    """
    if problem.frontier is not None:
        return float(problem.frontier(u1)), None
    d = problem.disagreement
    corner, up = np.array([u1, d[1]]), np.array([0.0, 1.0])
    ray = ray_bound(corner, up)
    best = maximise_on_envelope(problem.space, corner, lambda u: u[:, 1:2], lambda lines: d[1] + ray(lines),
                                lambda u: d[1] + ray_score(corner, up)(u), key=("frontier_value", corner.tobytes()))
    return float(best.value), best.contract


def rubinstein_solution(
    problem: BargainingProblem,
    discount_factors: tuple[float, float],
    proposer: int = 0,
    outside_options: Sequence[float | None] | None = None,
) -> Solution:
    """Subgame-perfect agreement of alternating offers over the problem's utility set.

    Parameters
    ----------
    problem : BargainingProblem
        The feasible set S; its disagreement point is the impasse payoff d earned while talks go on.
    discount_factors : (float, float)
        delta_i in (0, 1): each player's discount factor per round.
    proposer : {0, 1}
        Who makes the first offer; the agreement is that player's proposal.
    outside_options : (float or None, float or None), optional
        w_i, utility of opting out when responding; None for no option. A constraint, never d.

    Returns
    -------
    Solution
        concept ``"rubinstein"``, ``weights`` the discount factors, the agreed utilities and,
        for contract problems, the contract.

    Raises
    ------
    ValueError
        If a discount factor is outside (0, 1), ``proposer`` is not 0 or 1, or the outside
        options leave no agreement that gives both players at least their option.

    References
    ----------
    Rubinstein (1982); Binmore, Rubinstein & Wolinsky (1986); Muthoo (1999), chs. 3-5.

    Examples
    --------
    >>> import negotiation as ng
    >>> pie = ng.BargainingProblem.from_points([(1, 0), (0, 1)], disagreement=(0, 0))
    >>> rubinstein_solution(pie, (0.9, 0.8)).utilities.round(12).tolist()  # (5/7, 2/7)
    [0.714285714286, 0.285714285714]
    >>> space = {"wage": ng.Continuous(0, 1), "bonus": ng.Discrete((False, True))}
    >>> firm = lambda c: 1 - c["wage"] - 0.1 * c["bonus"]
    >>> worker = lambda c: c["wage"] + 0.2 * c["bonus"]
    >>> deal = ng.BargainingProblem.from_contracts(space, (firm, worker), disagreement=(0, 0))
    >>> s = rubinstein_solution(deal, (0.9, 0.8))
    >>> s.utilities.round(9).tolist(), s.contract["bonus"]  # the pie is 1.1: (5/7, 2/7) of it
    ([0.785714286, 0.314285714], True)
    """
    delta = finite_pair("discount_factors", discount_factors)
    if np.any(delta <= 0) or np.any(delta >= 1):
        raise ValueError(f"discount_factors must lie in (0, 1), got {tuple(map(float, delta))}")
    if proposer not in (0, 1):
        raise ValueError(f"proposer must be 0 or 1, got {proposer!r}")
    d = problem.disagreement
    w = _outside_options(outside_options)
    if np.any(np.isfinite(w)):
        _check_options(problem, w)
    responder_1, residual = _stationarity(problem, delta, w)
    pair = _spe_by_tangents(problem, delta, w) if problem.space is not None else None
    if pair is not None:
        x1, iterations, proposals = pair
        method = ("alternating offers: Newton on the stationary SPE pair along the frontier's tangents, "
                  "each point an asymmetric Nash solution; the agreement is the frontier at the corrected x_1")
    else:
        ideal = ideal_point(problem)
        lo, hi = max(d[0], w[0]), float(ideal[0])
        scale = 1.0 + float(np.max(np.abs(ideal - d)))
        at_hi, at_lo = residual(hi), None
        if at_hi < 0:
            at_lo = residual(lo)
        if at_hi >= 0 or at_lo <= 0:
            x1, iterations = (hi if at_hi >= 0 else lo), 0
        else:
            x1, info = brentq(residual, lo, hi, xtol=ROOT_XTOL * scale, full_output=True)
            iterations = int(info.iterations)
        method = "alternating offers: brentq on the stationary SPE pair along the frontier"
    agreement_1 = x1 if proposer == 0 else responder_1(x1)
    iterate = None if pair is None else proposals[proposer]
    if iterate is not None and abs(iterate.utilities[0] - agreement_1) <= SPE_EXACT * (1.0 + np.max(np.abs(iterate.utilities))):
        utilities, contract = iterate.utilities, iterate.contract
    else:
        agreement_2, contract = (frontier_value(problem, agreement_1) if iterate is None
                                 else _frontier_near(problem, agreement_1, iterate))
        utilities = np.array([agreement_1, agreement_2])
    return Solution(
        utilities=utilities,
        concept="rubinstein",
        weights=(float(delta[0]), float(delta[1])),
        method=method,
        status="converged",
        iterations=iterations,
        contract=contract,
    )


def _stationarity(problem: BargainingProblem, delta: np.ndarray, w: np.ndarray
                  ) -> tuple[Callable[[float], float], Callable[[float], float]]:
    """The responder's acceptance level y_1(x_1) = max(w_1, d_1 + delta_1 (x_1 - d_1)) and the
    residual h(x_1) = phi(x_1) - max(w_2, d_2 + delta_2 (phi(y_1(x_1)) - d_2)), phi by :func:`frontier_value`."""
    d = problem.disagreement

    def responder_1(x1: float) -> float:
        return max(w[0], d[0] + delta[0] * (x1 - d[0]))

    def residual(x1: float) -> float:
        y2 = frontier_value(problem, responder_1(x1))[0]
        return frontier_value(problem, x1)[0] - max(w[1], d[1] + delta[1] * (y2 - d[1]))

    return responder_1, residual


def _frontier_near(problem: BargainingProblem, u1: float, iterate: Solution) -> tuple[float, dict | None]:
    """phi(u1) on the discrete combination of a nearby frontier point ``iterate``, from its terms.

    The tangent pair converged, so the frontier is smooth between the iterate and u1 (a correction
    of the order of a Nash solve's misplacement) and no other combination takes over there: one
    local solve from the iterate's contract, not the branch and bound of :func:`frontier_value`
    over every combination, which it falls back to if that solve does not converge.
    """
    space = problem.space
    combo = tuple(iterate.contract[name] for name in space.discrete_names)
    start = np.array([iterate.contract[name] for name in space.continuous_names], dtype=float)
    corner = np.array([u1, problem.disagreement[1]])
    best = maximise_each(space, corner, lambda u: u[:, 1:2], starts={combo: start})[combo]
    if best.status != "converged":
        return frontier_value(problem, u1)
    return float(best.value), best.contract


def _check_options(problem: BargainingProblem, w: np.ndarray) -> None:
    """Raise unless some agreement gives both players at least their outside option."""
    d = problem.disagreement
    ideal = ideal_point(problem)
    if w[0] > ideal[0] or w[1] > ideal[1] or frontier_value(problem, max(w[0], d[0]))[0] < w[1]:
        raise ValueError(
            f"outside_options={tuple(map(float, w))} leave no agreement worth at least both options "
            f"(ideal point {tuple(map(float, ideal))})")


def _spe_by_tangents(
    problem: BargainingProblem, delta: np.ndarray, w: np.ndarray
) -> tuple[float, int, tuple[Solution, Solution]] | None:
    """Player 1's proposal x_1 of the stationary SPE pair (x, y), by Newton along the frontier.

    Every point of the frontier where it is smooth and supported is an asymmetric Nash solution
    N_alpha(S, d), and its slope there is exact from the first-order condition:
    phi' = -alpha g2 / ((1 - alpha) g1), g = u - d. Start at x = y = N_omega with
    omega_1 = log delta_2 / (log delta_1 + log delta_2) (where both proposals converge, BRW 1986).
    Each step replaces phi by its tangents at x and y, solves the two stationarity equations

        y1 - d1 = delta_1 (x1 - d1),   x2 - d2 = delta_2 (y2 - d2)

    for the tangent points x + xi (1, phi'(x1)), y + eta (1, phi'(y1)) (one 2x2 linear system,
    exact on a linear frontier), and moves x and y to the Nash solutions whose weight
    alpha = -phi' g1 / (-phi' g1 + g2) supports those targets. Stops when the correction is below
    ``SPE_TOL`` or no longer halving (the accuracy of the Nash solves), with both equations
    holding to ``SPE_RESIDUAL``. From the second step the tangents become
    quadratic models whose curvature is the secant of the slopes of successive iterates, so the
    steps converge superlinearly on a curved frontier.

    Returns x_1 + xi, the last pair moved by its final correction, the number of Nash solves and
    the last iterates (x, y), which the caller reports as they are when xi is below ``SPE_EXACT``.
    The iterates are exact frontier points, but a Nash solve places its point only to the
    flatness of the Nash product at its maximum (about 1e-8 relative), and the stationarity
    equations amplify a misplacement by 1 / (1 - delta_1 delta_2): the last iterate alone can
    miss the equilibrium by ~1e-6 relative, by an amount that depends on the machine's rounding.
    The correction xi solves the equations on the tangent models at the exact iterates, so its
    error is second order in the misplacement. Returns None, and the
    caller falls back to the bracketed root, if the
    iteration does not converge in ``SPE_STEPS`` steps (a kink or non-convex part of the frontier
    near the pair), a weight leaves (0, 1), or an outside option binds.

    On a convex S the stationary pair is unique and both paths find it. On a non-convex S (a union
    of combinations' sets) several pairs can exist; this path returns the one reached from the
    BRW point N_omega, i.e. the pair that tends to the asymmetric Nash solution as delta -> 1.
    """
    d = problem.disagreement
    logs = np.log(delta)
    omega = logs[::-1] / logs.sum()
    x = y = nash_solution(problem, (float(omega[0]), float(omega[1])))
    slopes = np.full(2, supporting_slope(x.utilities, d, omega[0]))
    curvatures = np.zeros(2)
    scale = 1.0 + float(np.max(np.abs(d))) + float(np.max(np.abs(x.utilities - d)))
    previous = np.inf
    for solves in range(1, SPE_STEPS + 1):
        r1 = (y.utilities[0] - d[0]) - delta[0] * (x.utilities[0] - d[0])
        r2 = (x.utilities[1] - d[1]) - delta[1] * (y.utilities[1] - d[1])
        moves = _tangent_step(r1, r2, delta, slopes, curvatures)
        if moves is None:
            return None
        step = float(np.max(np.abs(moves))) / scale
        if max(abs(r1), abs(r2)) <= SPE_RESIDUAL * scale and (step <= SPE_TOL or step > previous / 2):
            if y.utilities[0] < w[0] - SPE_NOISE * scale or x.utilities[1] < w[1] - SPE_NOISE * scale:
                return None
            return float(x.utilities[0] + moves[0]), 2 * solves - 1, (x, y)
        previous = step
        targets = slopes + curvatures * moves
        weights = [supporting_weight(point.utilities + np.array([move, slope * move + curvature * move**2 / 2]) - d, target)
                   for point, move, slope, curvature, target in zip((x, y), moves, slopes, curvatures, targets)]
        if not all(ALPHA_MIN < a < 1.0 - ALPHA_MIN for a in weights):
            return None
        new = [nash_solution(problem, (a, 1.0 - a)) for a in weights]
        new_slopes = np.array([supporting_slope(n.utilities, d, a) for n, a in zip(new, weights)])
        run = np.array([n.utilities[0] - o.utilities[0] for n, o in zip(new, (x, y))])
        moved = np.abs(run) > SPE_TOL * scale
        curvatures = np.where(moved, np.minimum(0.0, (new_slopes - slopes) / np.where(moved, run, 1.0)), curvatures)
        (x, y), slopes = new, new_slopes
    return None


def _tangent_step(r1: float, r2: float, delta: np.ndarray, slopes: np.ndarray, curvatures: np.ndarray) -> np.ndarray | None:
    """Moves (xi, eta) along the quadratic models phi(u1 + m) = u2 + s m + k m^2 / 2 of the frontier
    at x and y that solve both stationarity equations (Newton on the scalar equation in xi, with
    eta = delta_1 xi - r1 from the first, linear, equation); None if it is singular."""
    xi = 0.0
    for _ in range(TANGENT_NEWTON_STEPS):
        eta = delta[0] * xi - r1
        value = r2 + slopes[0] * xi + curvatures[0] * xi**2 / 2 - delta[1] * (slopes[1] * eta + curvatures[1] * eta**2 / 2)
        slope = slopes[0] + curvatures[0] * xi - delta[1] * delta[0] * (slopes[1] + curvatures[1] * eta)
        if not np.isfinite(slope) or abs(slope) < np.finfo(float).eps:
            return None
        xi -= value / slope
    return np.array([xi, delta[0] * xi - r1])


def _outside_options(outside_options: Sequence[float | None] | None) -> np.ndarray:
    if outside_options is None:
        return np.array([-np.inf, -np.inf])
    if len(outside_options) != 2:
        raise ValueError(f"outside_options must be a pair (w1, w2) with None for no option, got {outside_options!r}")
    w = np.array([-np.inf if v is None else float(v) for v in outside_options])
    if np.any(np.isnan(w)) or np.any(np.isposinf(w)):
        raise ValueError(f"outside_options must be finite numbers or None, got {outside_options!r}")
    return w
