"""Known answers of theory.md §8 for payoffs over states, solved through the engine.

Each party's utility is the CARA certainty equivalent (negotiation.risk) of its own wealth in each
state under its own belief; the contract problem goes to ``BargainingProblem.from_contracts`` and
the engine's ``nash_solution`` / ``utilitarian_solution``, unchanged.

Tolerances. The known answers fix a *term* (a share, a bet size) by Pareto efficiency. Along the
frontier the joint certainty equivalent is flat at the efficient term, so a term off by ``delta``
costs only ``O(delta^2)`` in utilities: the engine, which converges in utilities (about 1e-13 of the
scale), locates the term to roughly the square root of that. So each answer is checked twice:

- in utilities, to first order: the joint certainty equivalent at the engine's contract equals the
  closed-form maximum to ``SURPLUS_TOL`` (1e-12, relative) for Nash, ``UTILITARIAN_SURPLUS_TOL``
  (1e-9; measured worst 2e-10) for the utilitarian solution;
- in the term, to the accuracy the engine's kernels reach: ``NASH_TERM_TOL`` (1e-7; measured worst
  2.2e-9 on the Wilson share, 2.2e-8 on the bet) for the projected-Newton Nash kernel,
  ``UTILITARIAN_TERM_TOL`` (1e-5; measured worst 7.0e-6 on the Wilson share, 6.0e-8 on the bet) for
  SLSQP on the weighted sum, whose objective is flat in the term. In utilities the Nash solutions
  reach the closed-form joint CE to 1e-15.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import negotiation as ng
from negotiation.risk import certainty_equivalent
from negotiation.solutions.utilitarian import TIE_TOL
from negotiation.states import expect, nodes_and_weights, pv_until
from negotiation.valuation import pv_flow, pv_piecewise_flow

SURPLUS_TOL = 1e-12
UTILITARIAN_SURPLUS_TOL = 1e-9
NASH_TERM_TOL = 1e-7
UTILITARIAN_TERM_TOL = 1e-5
NESTING_TOL = 1e-9

CONCEPTS = [
    (ng.nash_solution, NASH_TERM_TOL, SURPLUS_TOL),
    (ng.utilitarian_solution, UTILITARIAN_TERM_TOL, UTILITARIAN_SURPLUS_TOL),
]
DISAGREEMENTS = [(0.0, 0.0), (0.2, -0.1)]


def _terms(contract, *names):
    """The continuous terms of a contract as float arrays (the engine may pass arrays of contracts)."""
    return tuple(np.asarray(contract[n], dtype=float) for n in names)


# --- Wilson (1968): syndicates ------------------------------------------------------------------

DISTRIBUTIONS = {
    "four states": (np.array([-1.0, 0.5, 2.0, 4.0]), np.array([0.2, 0.3, 0.3, 0.2])),
    "skewed": (np.array([-3.0, 0.0, 1.0, 1.5, 8.0]), np.array([0.05, 0.15, 0.4, 0.3, 0.1])),
    "three states": (np.array([0.5, 1.0, 3.0]), np.array([0.5, 0.3, 0.2])),
}
RISK_AVERSIONS = [(1.0, 2.0), (0.5, 0.5), (3.0, 0.2)]


def _syndicate(x, p, a1, a2, disagreement):
    """Party 1 gets s X + t, party 2 gets (1 - s) X - t; utilities are CEs under the common belief p."""

    def u1(c):
        s, t = _terms(c, "s", "t")
        return certainty_equivalent(s[..., None] * x, p, a1) + t

    def u2(c):
        s, t = _terms(c, "s", "t")
        return certainty_equivalent((1.0 - s[..., None]) * x, p, a2) - t

    space = {"s": ng.Continuous(0.0, 1.0), "t": ng.Continuous(-3.0, 3.0)}
    return ng.BargainingProblem.from_contracts(space, (u1, u2), disagreement=disagreement)


@pytest.mark.parametrize("concept, term_tol, surplus_tol", CONCEPTS, ids=["nash", "utilitarian"])
@pytest.mark.parametrize("disagreement", DISAGREEMENTS)
@pytest.mark.parametrize("a1, a2", RISK_AVERSIONS)
@pytest.mark.parametrize("distribution", DISTRIBUTIONS, ids=list(DISTRIBUTIONS))
def test_wilson_share_is_relative_risk_tolerance(concept, term_tol, surplus_tol, disagreement, a1, a2, distribution):
    """s = (1/a1) / (1/a1 + 1/a2), whatever X's distribution and whatever the side payment t."""
    x, p = DISTRIBUTIONS[distribution]
    solution = concept(_syndicate(x, p, a1, a2, disagreement))
    share = (1 / a1) / (1 / a1 + 1 / a2)
    assert solution.contract["s"] == pytest.approx(share, abs=term_tol)
    # First order: the joint CE is the CE of X at the syndicate's risk aversion 1 / (1/a1 + 1/a2).
    joint = float(certainty_equivalent(x, p, 1 / (1 / a1 + 1 / a2)))
    assert solution.utilities.sum() == pytest.approx(joint, rel=surplus_tol, abs=surplus_tol)


def test_wilson_side_payment_carries_the_split():
    """Moving d moves t (the split), not s: the share is pinned by risk tolerance alone."""
    x, p = DISTRIBUTIONS["four states"]
    solutions = [ng.nash_solution(_syndicate(x, p, 1.0, 2.0, d)) for d in [(0.0, 0.0), (0.3, -0.2), (-0.2, 0.3)]]
    shares = [s.contract["s"] for s in solutions]
    sides = [s.contract["t"] for s in solutions]
    assert np.ptp(shares) < 2 * NASH_TERM_TOL
    assert np.ptp(sides) > 0.1


# --- The bounded bet ----------------------------------------------------------------------------

BETS = [(0.7, 0.3, 1.0, 2.0), (0.2, 0.6, 0.5, 0.3), (0.9, 0.85, 4.0, 1.0), (0.55, 0.45, 0.1, 0.1)]


def _logit(q: float) -> float:
    return math.log(q / (1 - q))


def _bet_utilities(p1, p2, a1, a2):
    """Party 2 pays b to party 1 if E, party 1 pays t for sure; each CE under its OWN belief."""
    own_1, own_2 = np.array([p1, 1 - p1]), np.array([p2, 1 - p2])

    def u1(c):
        b, t = _terms(c, "b", "t")
        return certainty_equivalent(np.stack([b, np.zeros_like(b)], axis=-1), own_1, a1) - t

    def u2(c):
        b, t = _terms(c, "b", "t")
        return certainty_equivalent(np.stack([-b, np.zeros_like(b)], axis=-1), own_2, a2) + t

    return u1, u2


def _bet(p1, p2, a1, a2, disagreement, bound=10.0):
    space = {"b": ng.Continuous(-bound, bound), "t": ng.Continuous(-bound, bound)}
    return ng.BargainingProblem.from_contracts(space, _bet_utilities(p1, p2, a1, a2), disagreement=disagreement)


def _bet_surplus(b, p1, p2, a1, a2):
    """Joint CE of the bet b (t cancels): -(1/a1) log(p1 e^(-a1 b) + 1 - p1) - (1/a2) log(p2 e^(a2 b) + 1 - p2)."""
    return -math.log(p1 * math.exp(-a1 * b) + 1 - p1) / a1 - math.log(p2 * math.exp(a2 * b) + 1 - p2) / a2


@pytest.mark.parametrize("concept, term_tol, surplus_tol", CONCEPTS, ids=["nash", "utilitarian"])
@pytest.mark.parametrize("disagreement", [(0.0, 0.0), (-0.05, 0.02)])
@pytest.mark.parametrize("p1, p2, a1, a2", BETS)
def test_bet_size_is_belief_gap_over_total_risk_aversion(concept, term_tol, surplus_tol, disagreement, p1, p2, a1, a2):
    """b* = [logit(p1) - logit(p2)] / (a1 + a2), independent of t (theory.md §8)."""
    solution = concept(_bet(p1, p2, a1, a2, disagreement))
    size = (_logit(p1) - _logit(p2)) / (a1 + a2)
    assert solution.contract["b"] == pytest.approx(size, abs=term_tol)
    joint = _bet_surplus(size, p1, p2, a1, a2)
    assert solution.utilities.sum() == pytest.approx(joint, rel=surplus_tol, abs=surplus_tol)


def test_bet_under_risk_neutrality_sits_on_the_bound_and_follows_it():
    """a -> 0: the bet is unbounded, so the prediction is the modeller's bound (theory.md §7)."""
    for bound in (5.0, 10.0):
        solution = ng.nash_solution(_bet(0.7, 0.3, 0.0, 0.0, (0.0, 0.0), bound=bound))
        assert solution.contract["b"] == pytest.approx(bound, abs=1e-9)


def test_bet_shrinks_as_risk_aversion_grows():
    sizes = [ng.nash_solution(_bet(0.7, 0.3, a, a, (0.0, 0.0))).contract["b"] for a in (0.25, 0.5, 1.0, 2.0)]
    assert np.all(np.diff(sizes) < 0)
    assert sizes[0] == pytest.approx(2 * _logit(0.7) / 0.5, abs=NASH_TERM_TOL)


# --- Nesting: one common belief, no risk aversion -> expected present values ----------------------


@pytest.mark.parametrize("horizon", [7.0, np.inf])
def test_revenue_share_until_agi_expected_utility_is_its_present_value(horizon):
    """E over tau of the state PV, as a CE with a = 0 over the quadrature states, = valuation.pv_flow."""
    lam = np.array([0.02, 0.05, 0.1, 0.3])
    r, g, c0, share = np.array([0.08, 0.1, 0.1, 0.12]), 0.03, 12.0, 0.2
    kinks = () if np.isinf(horizon) else (horizon,)
    tau, w = nodes_and_weights(lam, kinks, tail_rate=r - g)
    values = share * pv_until(tau, c0, r[:, None], g, horizon)
    eu = certainty_equivalent(values, w, 0.0)
    assert eu == pytest.approx(share * pv_flow(c0, r, lam, g, horizon), rel=NESTING_TOL, abs=NESTING_TOL)
    near_zero = certainty_equivalent(values, w, 1e-14)  # the limit a -> 0, not only a = 0
    assert near_zero == pytest.approx(eu, rel=NESTING_TOL, abs=NESTING_TOL)


def test_piecewise_revenue_share_expected_utility_is_its_present_value():
    """Revenue growing at 30 %, 10 %, then 2 % (kinks at years 2 and 7), sunset at 10."""
    growth, durations, c0, r, lam, T = (0.3, 0.1, 0.02), (2.0, 5.0), 3.0, 0.1, 0.04, 10.0

    def state_pv(tau):
        return pv_piecewise_flow(c0, growth, durations, r, 0.0, np.minimum(tau, T))

    tau, w = nodes_and_weights(lam, (2.0, 7.0, T))
    eu = certainty_equivalent(state_pv(tau), w, 0.0)
    assert eu == pytest.approx(pv_piecewise_flow(c0, growth, durations, r, lam, T), rel=NESTING_TOL)
    assert eu == pytest.approx(expect(state_pv, lam, (2.0, 7.0, T)), rel=1e-14)


def test_engine_solves_the_state_model_as_the_present_value_model():
    """Through the engine: a revenue share sigma (worth k = 1.5 per unit to party 1, e.g. a synergy)
    and a sure payment t; risk neutral, common belief. Payoffs over states and payoffs from
    valuation.py give the same Nash utilities and share, and the same utilitarian joint value."""
    r, lam, g, c0, T, k = 0.1, 0.05, 0.02, 10.0, 7.0, 1.5
    tau, w = nodes_and_weights(lam, (T,), tail_rate=r - g)
    state_pv = pv_until(tau, c0, r, g, T)
    epv = float(pv_flow(c0, r, lam, g, T))

    def states_model(c):
        sigma, t = _terms(c, "sigma", "t")
        pv = sigma[..., None] * state_pv
        return certainty_equivalent(k * pv, w, 0.0) - t, certainty_equivalent(-pv, w, 0.0) + t

    def pv_model(c):
        sigma, t = _terms(c, "sigma", "t")
        return k * sigma * epv - t, -sigma * epv + t

    space = {"sigma": ng.Continuous(0.0, 0.5), "t": ng.Continuous(-50.0, 50.0)}
    d = (1.0, 2.0)
    by_states = ng.nash_solution(ng.BargainingProblem.from_contracts(space, ng.payoff_pair(states_model), d))
    by_pv = ng.nash_solution(ng.BargainingProblem.from_contracts(space, ng.payoff_pair(pv_model), d))
    assert by_states.utilities == pytest.approx(by_pv.utilities, abs=NESTING_TOL)
    assert by_states.contract["sigma"] == pytest.approx(0.5, abs=NESTING_TOL)  # TU: the share on its bound
    # The utilitarian set is a segment here (any t); the engine's Nash tie-break on it lands at
    # different points of the segment for the two (equivalent) payoff forms, so compare its sum.
    util_states = ng.utilitarian_solution(ng.BargainingProblem.from_contracts(space, ng.payoff_pair(states_model), d))
    util_pv = ng.utilitarian_solution(ng.BargainingProblem.from_contracts(space, ng.payoff_pair(pv_model), d))
    best = 0.5 * (k - 1) * epv  # W*: the share on its bound
    tie_band = TIE_TOL * (1 + best)  # the tie-break may give up this much of W* (utilitarian.TIE_TOL)
    for solution in (util_states, util_pv):
        assert best - tie_band - NESTING_TOL <= solution.utilities.sum() <= best + NESTING_TOL
