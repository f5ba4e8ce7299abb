"""The contract behind each point of a contract problem's Pareto frontier.

:func:`negotiation.frontier.pareto_frontier` gives utilities only. For a point ``p`` of it,
the ray from the disagreement point ``d`` through ``p`` leaves S_d at ``p`` (the frontier is the
boundary of S_d as seen from ``d``), so :func:`negotiation.frontier.ray_maximisation` along
``p - d`` returns a contract whose utilities are ``p`` (at least ``p``, at a corner of S).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from negotiation.frontier import pareto_frontier, ray_maximisation
from negotiation.problem import BargainingProblem


@dataclass(frozen=True, eq=False)
class ContractFrontier:
    """Points of the Pareto frontier with a contract reaching each.

    Attributes
    ----------
    points : np.ndarray
        Shape (n, 2): ``pareto_frontier(problem, n)``.
    contracts : tuple of dict
        ``contracts[i]`` gives at least ``points[i]`` to both players.
    utilities : np.ndarray
        Shape (n, 2): u(contracts[i]).
    """

    points: np.ndarray
    contracts: tuple[dict[str, Any], ...]
    utilities: np.ndarray


def pareto_frontier_contracts(problem: BargainingProblem, n: int = 200) -> ContractFrontier:
    """The ``n`` points of ``pareto_frontier(problem, n)`` and, for each, a contract reaching it.

    Each contract is found by ``ray_maximisation`` from d towards its frontier point, so it gives
    ``u(x) >= d + t* (p - d)`` with ``t* = max {t : d + t (p - d) in S}``.

    Raises
    ------
    ValueError
        If ``problem`` is not a contract problem (``from_contracts``) or ``n < 2``.

    References
    ----------
    Pareto frontier of a contract problem: Myerson (1991), ch. 8; theory.md, section 1.

    Examples
    --------
    >>> import negotiation as ng
    >>> space = {"wage": ng.Continuous(0, 1), "bonus": ng.Discrete((False, True))}
    >>> firm = lambda c: 1 - c["wage"] - 0.1 * c["bonus"]
    >>> worker = lambda c: c["wage"] + 0.2 * c["bonus"]
    >>> deal = ng.BargainingProblem.from_contracts(space, (firm, worker), disagreement=(0, 0))
    >>> f = pareto_frontier_contracts(deal, 3)
    >>> f.points.round(9).tolist()
    [[0.0, 1.1], [0.55, 0.55], [1.0, 0.0]]
    >>> [c["bonus"] for c in f.contracts]  # the bonus adds 0.1 to the pie, except at the firm's best
    [True, True, False]
    """
    if problem.space is None:
        raise ValueError(f"problem must be a contract problem (BargainingProblem.from_contracts), got kind={problem.kind!r}")
    points = pareto_frontier(problem, n)
    found = [ray_maximisation(problem, np.maximum(p - problem.disagreement, 0.0)) for p in points]
    return ContractFrontier(points, tuple(r.contract for r in found), np.array([r.utilities for r in found]))
