"""Revealed preference: each party's own stated position was worth at least its disagreement payoff to it.

A party that puts a contract on the table before the cut-off reveals that it prefers that contract
to no agreement: ``u_i(own position of i; p) >= d_i(p)``. These are inequality restrictions on the
calibration: a draw ``p`` that violates one contradicts a stated fact about the negotiation, so the
*admissible* draws are those that satisfy every party's restrictions. What the positions say about
the other side is not used (a position need not be acceptable to the other side), nor whether
either position was accepted. Reads the positions (``Case.positions``, facts before the cut-off),
never the actual outcome, so it may restrict a prediction.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from negotiation.kit.case import Case

__all__ = ["admissible", "own_position_gains"]


def own_position_gains(case: Case, draws: Any, n: int) -> dict[str, np.ndarray]:
    """Per position, its party's gain ``u_i(position) - d_i`` at each of the ``n`` draws."""
    points = [case.calibration().draw(draws, i) for i in range(n)]
    out = {}
    for name, position in case.positions().items():
        i = case.players.index(position["party"])
        out[name] = np.array([float(case.utilities(dict(position["terms"]), p)[i]) - float(case.disagreement(p)[i])
                              for p in points])
    return out


def admissible(gains: dict[str, np.ndarray], n: int) -> np.ndarray:
    """The draws at which every position is worth at least its party's disagreement payoff."""
    keep = np.ones(n, dtype=bool)
    for gain in gains.values():
        keep &= gain >= 0.0
    return keep
