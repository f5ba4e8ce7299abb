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

from collections.abc import Sequence

import numpy as np
from scipy.optimize import brentq

from negotiation.errors import finite_pair
from negotiation.frontier import ideal_point
from negotiation.problem import BargainingProblem
from negotiation.solutions._envelope import maximise_on_envelope, ray_bound, ray_score
from negotiation.solutions.result import Solution

ROOT_XTOL = 1e-13
"""Absolute tolerance of the root in x_1, relative to the utility scale of the problem."""


def frontier_value(problem: BargainingProblem, u1: float) -> tuple[float, dict | None]:
    """phi(u1) = max {x2 : x in S, x1 >= u1, x2 >= d2}, and the contract attaining it.

    For frontier and point problems phi is the problem's frontier (contract None); for contract
    problems it is one constrained maximisation over the discrete combinations that the cached
    frontier envelope cannot rule out: phi(u1) - d2 is the ray from (u1, d2) along (0, 1).
    """
    if problem.frontier is not None:
        return float(problem.frontier(u1)), None
    d = problem.disagreement
    corner, up = np.array([u1, d[1]]), np.array([0.0, 1.0])
    ray = ray_bound(corner, up)
    best = maximise_on_envelope(problem.space, corner, lambda u: u[:, 1:2], lambda lines: d[1] + ray(lines),
                                lambda u: d[1] + ray_score(corner, up)(u))
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
    """
    delta = finite_pair("discount_factors", discount_factors)
    if np.any(delta <= 0) or np.any(delta >= 1):
        raise ValueError(f"discount_factors must lie in (0, 1), got {tuple(map(float, delta))}")
    if proposer not in (0, 1):
        raise ValueError(f"proposer must be 0 or 1, got {proposer!r}")
    d = problem.disagreement
    w = _outside_options(outside_options)
    ideal = ideal_point(problem)
    if w[0] > ideal[0] or w[1] > ideal[1] or frontier_value(problem, max(w[0], d[0]))[0] < w[1]:
        raise ValueError(
            f"outside_options={tuple(map(float, w))} leave no agreement worth at least both options "
            f"(ideal point {tuple(map(float, ideal))})")

    def responder_1(x1: float) -> float:
        return max(w[0], d[0] + delta[0] * (x1 - d[0]))

    def residual(x1: float) -> float:
        y2 = frontier_value(problem, responder_1(x1))[0]
        return frontier_value(problem, x1)[0] - max(w[1], d[1] + delta[1] * (y2 - d[1]))

    lo, hi = max(d[0], w[0]), float(ideal[0])
    scale = 1.0 + float(np.max(np.abs(ideal - d)))
    if residual(hi) >= 0 or residual(lo) <= 0:
        x1, iterations = (hi if residual(hi) >= 0 else lo), 0
    else:
        x1, info = brentq(residual, lo, hi, xtol=ROOT_XTOL * scale, full_output=True)
        iterations = int(info.iterations)
    agreement_1 = x1 if proposer == 0 else responder_1(x1)
    agreement_2, contract = frontier_value(problem, agreement_1)
    return Solution(
        utilities=np.array([agreement_1, agreement_2]),
        concept="rubinstein",
        weights=(float(delta[0]), float(delta[1])),
        method="alternating offers: brentq on the stationary SPE pair along the frontier",
        status="converged",
        iterations=iterations,
        contract=contract,
    )


def _outside_options(outside_options: Sequence[float | None] | None) -> np.ndarray:
    if outside_options is None:
        return np.array([-np.inf, -np.inf])
    if len(outside_options) != 2:
        raise ValueError(f"outside_options must be a pair (w1, w2) with None for no option, got {outside_options!r}")
    w = np.array([-np.inf if v is None else float(v) for v in outside_options])
    if np.any(np.isnan(w)) or np.any(np.isposinf(w)):
        raise ValueError(f"outside_options must be finite numbers or None, got {outside_options!r}")
    return w
