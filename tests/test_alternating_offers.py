"""Alternating offers on a general frontier: unit-pie closed forms, outside options, BRW limit."""

import numpy as np
import pytest

import negotiation as ng
from negotiation.games.alternating_offers import rubinstein_solution

TOL = 1e-9
BRW_TOL = 1e-3


def unit_pie() -> ng.BargainingProblem:
    return ng.BargainingProblem.from_frontier(lambda u: 1.0 - u, domain=(0.0, 1.0), disagreement=(0.0, 0.0))


@pytest.mark.parametrize("proposer", [0, 1])
@pytest.mark.parametrize("delta", [(0.9, 0.8), (0.5, 0.95), (0.99, 0.7)])
def test_unit_pie_matches_rubinstein(delta, proposer):
    general = rubinstein_solution(unit_pie(), delta, proposer=proposer)
    closed = ng.rubinstein(discount_factors=delta, proposer=proposer)
    assert np.allclose(general.utilities, closed.shares, atol=TOL)


def test_theory_example_five_sevenths():
    assert rubinstein_solution(unit_pie(), (0.9, 0.8)).utilities[0] == pytest.approx(5 / 7, abs=TOL)


@pytest.mark.parametrize("options", [(None, 0.5), (0.6, None), (0.1, 0.2), (0.45, 0.5)])
def test_outside_options_match_unit_pie(options):
    general = rubinstein_solution(unit_pie(), (0.9, 0.8), outside_options=options)
    closed = ng.rubinstein(discount_factors=(0.9, 0.8), outside_options=tuple(0.0 if w is None else w for w in options))
    assert np.allclose(general.utilities, closed.shares, atol=TOL)


def test_impasse_payoffs_shift_the_split():
    """With d != 0 on a linear frontier the SPE splits the surplus over d as the unit pie does."""
    d = (0.2, 0.1)
    p = ng.BargainingProblem.from_frontier(lambda u: 1.0 - u, domain=(0.0, 1.0), disagreement=d)
    x1 = ng.rubinstein(discount_factors=(0.9, 0.8)).shares[0]
    assert rubinstein_solution(p, (0.9, 0.8)).utilities[0] == pytest.approx(d[0] + x1 * 0.7, abs=TOL)


def test_brw_limit_is_asymmetric_nash_on_curved_frontier():
    p = ng.BargainingProblem.from_frontier(lambda u: 1.0 - u**2, domain=(0.0, 1.0), disagreement=(0.0, 0.0))
    rates = (0.05, 0.10)
    target = ng.nash_solution(p, weights=(ng.brw_weight(rates), 1 - ng.brw_weight(rates))).utilities
    errors = [np.max(np.abs(rubinstein_solution(p, ng.brw_discount_factors(rates, step)).utilities - target))
              for step in (1.0, 0.1, 0.01, 0.001)]
    assert all(b < a for a, b in zip(errors, errors[1:]))
    assert errors[-1] < BRW_TOL * 1e-1


def test_contract_problem_carries_the_contract():
    space = {"x": ng.Continuous(0.0, 1.0)}
    p = ng.BargainingProblem.from_contracts(space, (lambda c: c["x"], lambda c: 1.0 - c["x"]), disagreement=(0.0, 0.0))
    s = rubinstein_solution(p, (0.9, 0.8))
    assert s.utilities[0] == pytest.approx(5 / 7, abs=1e-7)
    assert s.contract["x"] == pytest.approx(5 / 7, abs=1e-7)


@pytest.mark.parametrize("delta", [(0.999, 0.998), (0.9999, 0.9998), (0.99995, 0.9999)])
def test_patient_players_on_a_contract_problem_are_exact(delta):
    """Near delta = 1 the stationarity equations amplify a Nash solve's misplacement of its point by
    1 / (1 - delta_1 delta_2): the agreement must still be Rubinstein's closed form on the pie
    (1.1 with the bonus, whose frontier holds x_1 = 1.1 (1 - delta_2) / (1 - delta_1 delta_2) < 0.9)."""
    space = {"wage": ng.Continuous(0.0, 1.0), "bonus": ng.Discrete((False, True))}
    firm, worker = (lambda c: 1 - c["wage"] - 0.1 * c["bonus"]), (lambda c: c["wage"] + 0.2 * c["bonus"])
    deal = ng.BargainingProblem.from_contracts(space, (firm, worker), disagreement=(0.0, 0.0))
    share = (1 - delta[1]) / (1 - delta[0] * delta[1])
    s = rubinstein_solution(deal, delta)
    np.testing.assert_allclose(s.utilities, [1.1 * share, 1.1 * (1 - share)], rtol=0, atol=1e-10)
    assert s.contract["bonus"] is True


@pytest.mark.parametrize("kwargs, word", [
    ({"discount_factors": (1.0, 0.8)}, "discount_factors"),
    ({"discount_factors": (0.9, 0.0)}, "discount_factors"),
    ({"discount_factors": (0.9, 0.8), "proposer": 2}, "proposer"),
    ({"discount_factors": (0.9, 0.8), "outside_options": (0.7, 0.7)}, "outside_options"),
    ({"discount_factors": (0.9, 0.8), "outside_options": (0.7,)}, "outside_options"),
])
def test_bad_input_names_the_argument(kwargs, word):
    with pytest.raises(ValueError, match=word):
        rubinstein_solution(unit_pie(), **kwargs)
