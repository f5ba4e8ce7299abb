"""The egalitarian solution (Kalai 1977)."""

from __future__ import annotations

import numpy as np

from negotiation.problem import BargainingProblem
from negotiation.solutions._ray import ray_solution
from negotiation.solutions.result import Solution

EQUAL_GAINS = np.array([1.0, 1.0])


def egalitarian_solution(problem: BargainingProblem) -> Solution:
    """Maximal point of S with equal gains: E(S, d) = d + t* (1, 1), t* = max{t : d + t (1, 1) in S}.

    Weakly Pareto optimal only (on a flat stretch of the frontier a point with equal gains can
    be weakly dominated). On contract problems: the contract maximising min_i (u_i - d_i).

    References
    ----------
    Kalai (1977) Econometrica 45:1623-1630.

    Examples
    --------
    >>> import negotiation as ng
    >>> p = ng.BargainingProblem.from_points([(1, 0), (0, 1)], disagreement=(0.2, 0.1))
    >>> egalitarian_solution(p).utilities.round(12).tolist()  # d + t (1, 1) with t = 0.35
    [0.55, 0.45]
    """
    return ray_solution(problem, EQUAL_GAINS, "egalitarian")
