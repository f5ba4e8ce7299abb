"""The (weighted) utilitarian solution: argmax w1 x1 + w2 x2 over S_d = {x in S : x >= d}.

Set-valued when a stretch of the frontier has slope -w1/w2 (e.g. transferable utility with
w1 = w2). Tie-break, documented and used for every problem kind: among the maximisers of the
weighted sum (within ``TIE_TOL``) take the symmetric Nash solution (maximise
log(x1 - d1) + log(x2 - d2)). This selection is unique, Pareto optimal and symmetric.
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import brentq

from negotiation.errors import positive_weights
from negotiation.frontier import ROOT_RTOL, ROOT_XTOL, frontier_slope, rational_interval
from negotiation.problem import BargainingProblem
from negotiation.solutions._contracts import maximise
from negotiation.solutions._envelope import solve_on_envelope, weighted_sum_bound, weighted_sum_score
from negotiation.solutions.nash import nash_on_interval, weighted_log_gains
from negotiation.solutions.result import Solution

TIE_TOL = 1e-10
"""Maximisers of the weighted sum are those within TIE_TOL * (1 + |W*|) of the maximum W*; on a
frontier callable, those where the slope w1 + w2 phi' is within TIE_TOL * (w1 + w2) of zero."""
UNIQUE_WIDTH = 1e-6
"""On a frontier callable, a band of maximisers narrower than this (relative to the domain) is
numerical noise around a unique maximiser, which is then located by brentq on w1 + w2 phi' = 0."""
TIE_BREAK_WEIGHTS = np.array([0.5, 0.5])


def utilitarian_solution(problem: BargainingProblem, weights: tuple[float, float] = (1.0, 1.0)) -> Solution:
    """argmax_{x in S_d} w1 x1 + w2 x2, ties broken by the symmetric Nash solution.

    Frontier problems: the maximisers are where w1 + w2 phi'(x1) changes sign (brentq, with
    a tolerance band for flat stretches). Point problems: exact, from the hull vertices.
    Contract problems: maximise the weighted sum, then the Nash product subject to
    w.u >= W* - tol (two passes of the grid + SLSQP kernel).

    Raises
    ------
    ValueError
        If ``weights`` are not strictly positive.

    References
    ----------
    Harsanyi (1955) J. Political Economy 63:309-321; Thomson (1994), Handbook of Game Theory II, ch. 35.

    Examples
    --------
    >>> import negotiation as ng
    >>> p = ng.BargainingProblem.from_frontier(lambda u: 1 - u**2, domain=(0, 1), disagreement=(0, 0))
    >>> utilitarian_solution(p).utilities.round(12).tolist()  # max u1 + 1 - u1^2 at u1 = 1/2
    [0.5, 0.75]
    """
    w = positive_weights("weights", weights, sum_to_one=False)
    d = problem.disagreement
    if problem.space is not None:
        return _on_contracts(problem, w)
    lo, hi = _maximisers(problem, w)
    assert problem.frontier is not None
    if lo == hi:  # a unique maximiser (a curved frontier, or one vertex): no tie to break
        return Solution(np.array([lo, problem.frontier(lo)]), "utilitarian", tuple(map(float, w)),
                        f"unique maximiser of the weighted sum at u1 = {lo!r}", "converged", 0)
    u1, method, iterations = nash_on_interval(problem, TIE_BREAK_WEIGHTS, lo, hi)
    return Solution(np.array([u1, problem.frontier(u1)]), "utilitarian", tuple(map(float, w)),
                    f"{method}; maximisers of the weighted sum in [{lo!r}, {hi!r}]", "converged", iterations)


def _maximisers(problem: BargainingProblem, w: np.ndarray) -> tuple[float, float]:
    """The u1-interval of maximisers of w1 x1 + w2 phi(x1) within the rational interval."""
    fr = problem.frontier
    assert fr is not None
    lo, hi = rational_interval(problem)
    if hi <= lo:
        return lo, hi
    if fr.vertices is not None:
        x1 = np.array([lo, hi, *fr.vertices[(fr.vertices[:, 0] > lo) & (fr.vertices[:, 0] < hi), 0]])
        values = w[0] * x1 + w[1] * fr.phi(x1)
        ties = x1[values >= values.max() - TIE_TOL * (1.0 + abs(values.max()))]
        return float(ties.min()), float(ties.max())
    band = TIE_TOL * w.sum()

    def excess(x1: float, shift: float) -> float:
        return w[0] + w[1] * frontier_slope(fr, x1) - shift

    def crossing(shift: float) -> float:
        if excess(lo, shift) <= 0:
            return lo
        if excess(hi, shift) >= 0:
            return hi
        return float(brentq(excess, lo, hi, args=(shift,), xtol=ROOT_XTOL * (1.0 + abs(hi)), rtol=ROOT_RTOL))

    first, last = crossing(band), crossing(-band)
    if last - first > UNIQUE_WIDTH * (hi - lo):
        return first, last
    root = crossing(0.0)
    return root, root


def _on_contracts(problem: BargainingProblem, w: np.ndarray) -> Solution:
    """Maximise w.u per discrete combination; among the combinations within ``TIE_TOL`` of the
    best, maximise the Nash product subject to w.u >= W* - tol, started at each one's optimum.

    The first pass solves only the combinations whose weighted sum can reach the best: each is
    bounded by the frontier envelope's supporting lines (``weighted_sum_bound``) and the kernel
    solves them by branch and bound (``solve_on_envelope``), which solves every combination within
    ``PRUNE_TOL`` > ``TIE_TOL`` of the best, so the tied set and the answer are the unpruned ones.
    No lines are added for it: a line costs one weighted-sum solve of a combination, the very
    solve it would save; the lines other concepts left on the space (Nash, KS, egalitarian,
    Rubinstein share them) prune for free."""
    space, d = problem.space, problem.disagreement
    assert space is not None
    first = solve_on_envelope(space, d, lambda u: (u @ w)[:, None], weighted_sum_bound(d, w), weighted_sum_score(d, w),
                              refine=False)
    best = max(first.values(), key=lambda optimum: optimum.value)
    floor = best.value - TIE_TOL * (1.0 + abs(best.value))
    tied = {combo: np.array([o.contract[name] for name in space.continuous_names])
            for combo, o in first.items() if o.value >= floor}
    second = maximise(space, d, lambda u: weighted_log_gains(u, d, TIE_BREAK_WEIGHTS)[:, None],
                      lambda u: (u @ w - floor)[:, None], starts=tied)
    chosen = second if np.isfinite(second.value) else best
    iterations = sum(o.iterations for o in first.values()) + second.iterations
    return Solution(chosen.utilities, "utilitarian", tuple(map(float, w)),
                    "contracts: grid + SLSQP, weighted sum (combinations not pruned by the frontier envelope) then Nash tie-break", chosen.status, iterations, chosen.contract)
