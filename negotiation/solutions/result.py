"""Result types shared by the solution concepts: ``Solution`` and ``Interval``."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from negotiation.errors import finite_pair


@dataclass(frozen=True)
class Solution:
    """A solution of a bargaining problem and how it was computed.

    Attributes
    ----------
    utilities : np.ndarray
        Shape (2,), the solution point in utility space (read-only).
    concept : str
        ``"nash"``, ``"kalai_smorodinsky"``, ``"egalitarian"`` or ``"utilitarian"``.
    weights : tuple of float or None
        The weights of the concept (Nash exponents, utilitarian weights), None if it has none.
    method : str
        The algorithm, e.g. ``"frontier: brentq on first-order condition"``.
    status : str
        ``"converged"``, or a description of what stopped the solver.
    iterations : int
        Solver iterations (function-evaluation rounds) spent.
    contract : dict or None
        For contract problems the agreed value of each term, else None.
    """

    utilities: np.ndarray
    concept: str
    weights: tuple[float, float] | None
    method: str
    status: str = "converged"
    iterations: int = 0
    contract: dict[str, Any] | None = field(default=None)

    def __post_init__(self) -> None:
        object.__setattr__(self, "utilities", finite_pair("utilities", self.utilities))


@dataclass(frozen=True)
class Interval:
    """A closed interval ``[lo, hi]`` of the real line, e.g. an identified set."""

    lo: float
    hi: float

    def __post_init__(self) -> None:
        lo, hi = finite_pair("Interval(lo, hi)", (self.lo, self.hi))
        if lo > hi:
            raise ValueError(f"Interval(lo, hi) needs lo <= hi, got ({lo!r}, {hi!r})")
        object.__setattr__(self, "lo", float(lo))
        object.__setattr__(self, "hi", float(hi))

    @property
    def width(self) -> float:
        """``hi - lo``."""
        return self.hi - self.lo

    def contains(self, x: float, tol: float = 0.0) -> bool:
        """True if ``lo - tol <= x <= hi + tol``."""
        return self.lo - tol <= x <= self.hi + tol
