"""Two-party bargaining: problems, solution concepts, strategic games, and case studies.

The public names are re-exported here; each lives in a module with one job.
"""

from negotiation.games import (
    RubinsteinResult,
    ThreatSolution,
    brw_discount_factors,
    brw_weight,
    rubinstein,
    variable_threat_solution,
)

# Engine core: problems, geometry, axiomatic solutions, implied bargaining power (issue #2).
from negotiation.frontier import ideal_point, pareto_frontier, radial_projection, ray_maximisation, ray_maximum
from negotiation.frontier_contracts import ContractFrontier, pareto_frontier_contracts
from negotiation.errors import NoGainError, PayoffError
from negotiation.problem import BargainingProblem, Continuous, Discrete, payoff_pair
from negotiation.solutions.egalitarian import egalitarian_solution
from negotiation.solutions.inverse import implied_bargaining_power
from negotiation.solutions.kalai_smorodinsky import kalai_smorodinsky_solution
from negotiation.solutions.nash import nash_solution
from negotiation.solutions.result import Interval, Solution
from negotiation.solutions.utilitarian import utilitarian_solution

# Alternating offers over a general utility set (the case's Rubinstein prediction).
from negotiation.games.alternating_offers import frontier_value, rubinstein_solution

# Payoffs over states: quadrature over the AGI date and CARA certainty equivalents (issue 26).
from negotiation.risk import certainty_equivalent
from negotiation.states import StateNodes, expect, nodes_and_weights, pv_after, pv_until
