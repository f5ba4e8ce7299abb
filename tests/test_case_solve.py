"""Predictions and comparison of the Microsoft-OpenAI case (fast checks; full runs are the pipeline's)."""

import dataclasses

import numpy as np
import pytest

import negotiation as ng
import negotiation.cases.microsoft_openai as case
from negotiation.cases.microsoft_openai import compare as C
from negotiation.cases.microsoft_openai import solve
from negotiation.cases.microsoft_openai.parameters import PARAMETER_NAMES
from negotiation.cases.microsoft_openai.payoffs import contract_utilities, status_quo_payoffs
from negotiation.cases.microsoft_openai.threats import no_deal_equilibrium, threat_game

TOL = 1e-6
CENTRAL = case.calibration().central()


def test_unknown_concept_lists_the_allowed_ones():
    with pytest.raises(ValueError, match="kalai_smorodinsky") as info:
        case.predict("shapley", CENTRAL)
    assert "variable_threat" in str(info.value)


def test_contract_space_covers_every_settled_term():
    space, actual = case.contract_space(), case.settlement()
    assert set(space) == set(actual)
    for term, value in actual.items():
        kind = space[term]
        assert (kind.lo <= value <= kind.hi) if isinstance(kind, ng.Continuous) else value in kind.values


def test_one_rate_per_party_for_flows_and_delay():
    # both parties discount flows at discount_rate; delay uses the same rate, so the BRW weight is 1/2
    r = CENTRAL.discount_rate
    assert solve.microsoft_weight(CENTRAL) == pytest.approx(0.5)
    assert solve.discount_factors(CENTRAL) == pytest.approx((np.exp(-r * CENTRAL.offer_interval),) * 2)
    assert not any("impatience" in name for name in PARAMETER_NAMES)


def test_disagreement_is_the_no_deal_equilibrium():
    game = threat_game(CENTRAL)
    d = np.array(solve.disagreement(CENTRAL))
    cells = [(i, j) for i in range(3) for j in range(4) if np.allclose(d, (game.A[i, j], game.B[i, j]))]
    assert len(cells) == 1
    i, j = cells[0]
    assert game.A[i, j] >= game.A[:, j].max() and game.B[i, j] >= game.B[i, :].max()  # nobody gains by deviating
    comply = dataclasses.replace(CENTRAL, disagreement_from_equilibrium=0.0)
    assert solve.disagreement(comply) == pytest.approx(tuple(float(u) for u in status_quo_payoffs(comply)))


def test_mixed_no_deal_equilibrium_is_an_equilibrium():
    # a game without a pure equilibrium (matching pennies in the corner) gets a mixed one
    A = np.array([[1.0, 0.0, 0.0, 0.0], [0.0, 1.0, 0.0, 0.0], [-5, -5, -5, -5]])
    B = np.array([[0.0, 1.0, -5, -5], [1.0, 0.0, -5, -5], [0.0, 1.0, -5, -5]])
    x, y = no_deal_equilibrium(A, B)
    np.testing.assert_allclose(x, [0.5, 0.5, 0.0], atol=1e-12)
    np.testing.assert_allclose(y, [0.5, 0.5, 0.0, 0.0], atol=1e-12)


def test_nash_prediction_is_a_feasible_rational_contract():
    prediction = case.predict("nash", CENTRAL)
    contract, space = prediction.contract, case.contract_space()
    for term, kind in space.items():
        value = contract[term]
        assert (kind.lo - TOL <= value <= kind.hi + TOL) if isinstance(kind, ng.Continuous) else value in kind.values
    u = np.array([float(x) for x in contract_utilities(CENTRAL, contract)])
    np.testing.assert_allclose(prediction.utilities, u, rtol=1e-6)
    assert np.all(prediction.utilities > prediction.details["disagreement"])


def test_score_is_zero_for_the_settlement_and_counts_mismatches():
    actual = case.settlement()
    assert C.score_contract("x", actual, actual).score == 0.0
    changed = {**actual, "agi_trigger": "board", "equity": actual["equity"] + 0.034}
    scored = C.score_contract("x", changed, actual)
    rows = {r.term: r for r in scored.terms}
    assert rows["agi_trigger"].match is False and rows["agi_trigger"].score == 1.0
    assert rows["equity"].error == pytest.approx(0.034)
    lo, hi = C.CONTINUOUS_RANGES["equity"]
    assert rows["equity"].score == pytest.approx(0.034 / (hi - lo))
    assert scored.score == pytest.approx((1.0 + 0.034 / (hi - lo)) / len(C.TERMS))
    assert rows["equity"].consistent is None


def test_a_term_whose_optimal_set_holds_the_actual_value_is_consistent():
    actual = case.settlement()
    prediction = case.predict("nash")
    rows = {r.term: r for r in C.score_contract("nash", prediction.contract, actual, prediction.optimal_set).terms}
    for term, row in rows.items():
        assert row.consistent == C.in_set(term, actual[term], prediction.optimal_set)
    # the settlement's trigger and the AGI-length revenue share are transfers here: in the set
    assert rows["agi_trigger"].consistent and rows["revenue_share_until"].consistent


def test_baselines_are_pre_mou_positions():
    baselines = dict(C.baselines())
    assert set(baselines) == {"status_quo", "positions_midpoint"}
    midpoint = baselines["positions_midpoint"]
    assert midpoint["equity"] == pytest.approx((0.33 + 0.325) / 2)
    assert midpoint["revenue_share"] == pytest.approx((0.10 + 0.20) / 2)
    assert midpoint["agi_trigger"] == baselines["status_quo"]["agi_trigger"] == "board"
    for name, contract in baselines.items():
        assert C.score_contract(name, contract, case.settlement()).score > 0


def test_implied_power_fit_is_labelled_and_bounded():
    fit = case.fit_implied_bargaining_power(CENTRAL)
    assert fit.identified_set is not None or fit.point is not None or "no d" in fit.status
    if fit.identified_set is not None:
        assert 0.0 <= fit.identified_set.lo <= fit.identified_set.hi <= 1.0
        for (lo, hi), a in zip(fit.disagreement_box, fit.agreement):
            assert lo <= hi < a


def test_problem_is_memoised_on_its_input_values():
    """Equal inputs give the one problem (one frontier envelope for every concept); others do not."""
    first = solve.problem(CENTRAL)
    assert solve.problem(dataclasses.replace(CENTRAL)) is first
    assert solve.problem(CENTRAL, risk_aversion=0.01) is not first
    assert solve.problem(dataclasses.replace(CENTRAL, azure_need=CENTRAL.azure_need * 1.1)) is not first


def test_a_prediction_is_the_same_bit_for_bit_after_other_concepts_shared_its_frontier():
    solve.clear_memo()
    fresh = case.predict("kalai_smorodinsky", CENTRAL)
    solve.clear_memo()
    for concept in ("nash", "egalitarian", "utilitarian"):
        case.predict(concept, CENTRAL)
    shared = case.predict("kalai_smorodinsky", CENTRAL)
    assert np.array_equal(shared.utilities, fresh.utilities)
    assert shared.contract == fresh.contract and shared.optimal_set == fresh.optimal_set
