"""The Kalai–Smorodinsky solution (Kalai & Smorodinsky 1975)."""

from __future__ import annotations

from negotiation.frontier import ideal_point
from negotiation.problem import BargainingProblem
from negotiation.solutions._ray import ray_solution
from negotiation.solutions.result import Solution


def kalai_smorodinsky_solution(problem: BargainingProblem) -> Solution:
    """Maximal point of S on the segment from d to the ideal point a(S, d).

        KS(S, d) = d + t* (a - d),  t* = max{t : d + t (a - d) in S},
        a_i = max{x_i : x in S, x >= d}.

    On contract problems a is computed over the whole space (every discrete combination) and
    the solution is the contract maximising min_i (u_i - d_i) / (a_i - d_i).

    References
    ----------
    Kalai & Smorodinsky (1975) Econometrica 43:513-518.

    Examples
    --------
    >>> import negotiation as ng
    >>> p = ng.BargainingProblem.from_frontier(lambda u: 1 - u**2, domain=(0, 1), disagreement=(0, 0))
    >>> kalai_smorodinsky_solution(p).utilities.round(12).tolist()  # a = (1, 1): x = 1 - x^2
    [0.61803398875, 0.61803398875]
    """
    return ray_solution(problem, ideal_point(problem) - problem.disagreement, "kalai_smorodinsky")
