"""Bargaining power implied by an observed agreement (theory.md §5).

The weight alpha of player 1 for which the asymmetric Nash solution (Nash 1950; Kalai 1977b)
is the observed agreement u*. On a smooth frontier u2 = phi(u1) the first-order condition gives

    alpha_hat = (u1* - d1) |phi'(u1*)| / ((u2* - d2) + (u1* - d1) |phi'(u1*)|),

and with transferable utility alpha_hat = (u1* - d1) / (sigma - d1 - d2). At a kink every alpha
between the values for the left and right slopes rationalises u*. alpha_hat falls with d1 and
rises with d2, so over a box of disagreement points the identified set is
[alpha_hat(d1_hi, d2_lo), alpha_hat(d1_lo, d2_hi)] (cf. Crawford & Yurukoglu 2012; Grennan 2013).
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import brentq

from negotiation.errors import finite_pair
from negotiation.frontier import frontier_slope, frontier_slopes, radial_projection
from negotiation.problem import BargainingProblem
from negotiation.solutions.nash import nash_solution, supporting_slope, supporting_weight
from negotiation.solutions.result import Interval

ON_FRONTIER_TOL = 1e-7
"""|t - 1| allowed for the radial projection t of the agreement (it must be on the frontier)."""
KINK_TOL = 1e-6
"""Left and right slopes of the frontier closer than this (relative) are one slope, not a kink."""
ALPHA_MIN = 1e-9
"""Contract problems: alpha is searched in [ALPHA_MIN, 1 - ALPHA_MIN]."""
ALPHA_XTOL = 1e-9
"""Contract problems: brentq tolerance on alpha. A Nash solve places its point only to the
flatness of the Nash product (about 1e-8 relative in utilities), so near alpha = 0 or 1, where
u1 barely moves with alpha, N_alpha(S, d)_1 is not monotone below steps of about 1e-6 in alpha
(seen on the Microsoft-OpenAI case); a finer tolerance bisects that noise, one Nash solve a step."""
FOC_STEPS = 3
"""Contract problems: first-order-condition steps that place the bracket of the root."""
BRACKET_HALF_WIDTH = 1e-4
"""Contract problems: least half-width of the bracket around the first-order estimate."""
BRACKET_GROWTH = 16.0
"""Contract problems: factor by which the bracket widens until it holds the root."""


def implied_bargaining_power(
    problem: BargainingProblem,
    agreement: tuple[float, float],
    disagreement_box: tuple[tuple[float, float], tuple[float, float]] | None = None,
) -> float | Interval:
    """Weight alpha of player 1 for which the asymmetric Nash solution is ``agreement``.

    Parameters
    ----------
    problem : BargainingProblem
        Any kind; its disagreement point is used unless ``disagreement_box`` is given.
    agreement : pair of float
        Observed utilities u*, on the Pareto frontier and with u* >> d.
    disagreement_box : ((d1_lo, d1_hi), (d2_lo, d2_hi)), optional
        Uncertain disagreement point; then the identified set is returned.

    Returns
    -------
    float or Interval
        alpha_hat (the midpoint of the rationalising interval at a kink of the frontier), or the
        identified set over the box.

    Raises
    ------
    ValueError
        If ``agreement`` is not >> d, or is not on the frontier (the message gives the radial
        projection factor t: t > 1 means inside; project with ``radial_projection``); if
        ``disagreement_box`` is malformed or a corner is not a valid disagreement point.

    References
    ----------
    Crawford & Yurukoglu (2012) AER 102:643-685; Grennan (2013) AER 103:145-177; theory.md, section 5.

    Examples
    --------
    >>> import negotiation as ng
    >>> p = ng.BargainingProblem.from_frontier(lambda u: 1 - u**2, domain=(0, 1), disagreement=(0, 0))
    >>> round(implied_bargaining_power(p, agreement=(2 ** -0.5, 0.5)), 12)  # the weight 2/3
    0.666666666667
    """
    u = finite_pair("agreement", agreement)
    if disagreement_box is None:
        return float(np.mean(_alpha_range(problem, u)))
    try:
        (d1_lo, d1_hi), (d2_lo, d2_hi) = disagreement_box
    except (TypeError, ValueError) as exc:
        raise ValueError(f"disagreement_box must be ((d1_lo, d1_hi), (d2_lo, d2_hi)), got {disagreement_box!r}") from exc
    d1_lo, d1_hi = _ordered("disagreement_box[0]", (d1_lo, d1_hi))
    d2_lo, d2_hi = _ordered("disagreement_box[1]", (d2_lo, d2_hi))
    lo = _alpha_range(problem.with_disagreement((d1_hi, d2_lo)), u)[0]
    hi = _alpha_range(problem.with_disagreement((d1_lo, d2_hi)), u)[1]
    return Interval(lo, hi)


def _ordered(name: str, pair: tuple[float, float]) -> tuple[float, float]:
    lo, hi = finite_pair(name, pair)
    if lo > hi:
        raise ValueError(f"{name} must satisfy lo <= hi, got ({lo!r}, {hi!r})")
    return float(lo), float(hi)


def _alpha_range(problem: BargainingProblem, u: np.ndarray) -> tuple[float, float]:
    """[alpha_lo, alpha_hi] of weights whose Nash solution is ``u`` (a point unless at a kink)."""
    d = problem.disagreement
    gains = u - d
    if np.any(gains <= 0):
        raise ValueError(f"agreement={_show(u)} must give both players a gain over disagreement={_show(d)}")
    _, t = radial_projection(problem, u)
    if abs(t - 1.0) > ON_FRONTIER_TOL:
        where = "inside" if t > 1 else "outside"
        raise ValueError(
            f"agreement={_show(u)} is not on the Pareto frontier: it is {where} S, the ray from d through it "
            f"reaches the frontier at t={t!r} (|t - 1| = {abs(t - 1):.3g}, gains {_show(gains * (t - 1))} away); "
            f"allowed |t - 1| <= {ON_FRONTIER_TOL}; project it with radial_projection"
        )
    if problem.frontier is not None:
        left, right = frontier_slopes(problem.frontier, float(u[0]))
        if np.isfinite(right) and abs(left - right) <= KINK_TOL * (1.0 + abs(left)):
            left = right = frontier_slope(problem.frontier, float(u[0]))
        return supporting_weight(gains, left), supporting_weight(gains, right)
    alpha = _alpha_by_root(problem, u)
    return alpha, alpha


def _show(x: np.ndarray) -> tuple[float, ...]:
    return tuple(float(v) for v in x)


def _alpha_by_root(problem: BargainingProblem, u: np.ndarray) -> float:
    """Contract problems: the root of e(alpha) = N_alpha(S, d)_1 - u1*, non-decreasing in alpha.

    The root is bracketed around a first-order estimate. At a Nash solution x = N_a the frontier's
    slope is phi'(x1) = -a g2(x) / ((1 - a) g1(x)) (:func:`.nash.supporting_slope`), and the
    weight whose first-order condition holds at u* with that slope (:func:`.nash.supporting_weight`)
    is the next estimate: a fixed point at the root, exact as x -> u* on a smooth frontier.
    After ``FOC_STEPS`` estimates from a = 1/2, the bracket around the last one is widened by
    ``BRACKET_GROWTH`` until e changes sign across it (or reaches [ALPHA_MIN, 1 - ALPHA_MIN], whose
    ends are returned when e does not change sign on it), and brentq finds the root in it to
    ``ALPHA_XTOL``. The estimate only saves Nash solves (about a dozen instead of forty): the
    answer is brentq's root on a bracket that holds it, and at a kink the widening finds it too.
    """
    d = problem.disagreement
    gains = u - d
    lo, hi = ALPHA_MIN, 1.0 - ALPHA_MIN
    solved: dict[float, np.ndarray] = {}

    def excess(alpha: float) -> float:
        if alpha not in solved:
            solved[alpha] = nash_solution(problem, (alpha, 1.0 - alpha)).utilities
        return float(solved[alpha][0] - u[0])

    alpha, move = 0.5, 0.5
    for _ in range(FOC_STEPS):
        excess(alpha)
        estimate = supporting_weight(gains, supporting_slope(solved[alpha], d, alpha))
        if not np.isfinite(estimate):
            break
        estimate = float(np.clip(estimate, lo, hi))
        alpha, move = estimate, abs(estimate - alpha)
    bracket = []
    for side, end in ((-1.0, lo), (1.0, hi)):  # below the estimate e must be <= 0, above it >= 0
        width = max(2.0 * move, BRACKET_HALF_WIDTH)
        x = float(np.clip(alpha + side * width, lo, hi))
        while side * excess(x) < 0 and x != end:
            width *= BRACKET_GROWTH
            x = float(np.clip(alpha + side * width, lo, hi))
        if x == end and side * excess(end) <= 0:
            return end
        bracket.append(x)
    return float(brentq(excess, *bracket, xtol=ALPHA_XTOL))
