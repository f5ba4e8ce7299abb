"""Strategic bargaining games: alternating offers (Rubinstein) and variable threats (Nash 1953)."""

from negotiation.games.rubinstein import RubinsteinResult, brw_discount_factors, brw_weight, rubinstein
from negotiation.games.threats import ThreatSolution, variable_threat_solution

__all__ = [
    "RubinsteinResult",
    "ThreatSolution",
    "brw_discount_factors",
    "brw_weight",
    "rubinstein",
    "variable_threat_solution",
]
