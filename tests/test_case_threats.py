"""Threat matrices of the Microsoft-OpenAI case, built from the status-quo payoff model."""

import numpy as np
import pytest

from negotiation.cases.microsoft_openai import threats as T
from negotiation.cases.microsoft_openai.parameters import calibration
from negotiation.cases.microsoft_openai.payoffs import status_quo_payoffs

CAL = calibration()
M, O = T.MICROSOFT_ACTIONS.index, T.OPENAI_ACTIONS.index


@pytest.fixture(params=["low", "central", "high"], scope="module")
def game_and_params(request):
    p = getattr(CAL, request.param)()
    return T.threat_game(p), p


def test_shapes_finite_and_status_quo_cell(game_and_params):
    game, p = game_and_params
    assert game.A.shape == game.B.shape == (len(T.MICROSOFT_ACTIONS), len(T.OPENAI_ACTIONS))
    assert np.all(np.isfinite(game.A)) and np.all(np.isfinite(game.B))
    u_m, u_o = status_quo_payoffs(p)
    assert game.A[M("withhold_consent"), O("comply")] == pytest.approx(float(u_m))
    assert game.B[M("withhold_consent"), O("comply")] == pytest.approx(float(u_o))


def test_action_directions(game_and_params):
    A, B = game_and_params[0].A, game_and_params[0].B
    base = (M("withhold_consent"), O("comply"))
    assert A[M("litigate"), O("comply")] < A[base] and B[M("litigate"), O("comply")] < B[base]
    assert A[M("shift_in_house"), O("comply")] < A[base] and B[M("shift_in_house"), O("comply")] < B[base]
    assert A[M("withhold_consent"), O("antitrust_complaint")] < A[base]
    assert A[M("withhold_consent"), O("declare_agi_early")] < A[base]
    assert A[M("withhold_consent"), O("move_workloads")] < A[base]
    assert B[M("withhold_consent"), O("move_workloads")] > B[base]


def test_litigation_blunts_openai_unilateral_moves(game_and_params):
    game, _ = game_and_params
    for move in T.REVERSIBLE:
        gain_no_suit = game.B[M("withhold_consent"), O(move)] - game.B[M("withhold_consent"), O("comply")]
        gain_suit = game.B[M("litigate"), O(move)] - game.B[M("litigate"), O("comply")]
        assert gain_suit < gain_no_suit


def test_outside_options_are_threat_cells():
    p = CAL.central()
    game = T.threat_game(p)
    w_m, w_o = T.outside_options(p)
    assert w_m == game.A[M("shift_in_house"), O("comply")]
    assert w_o == game.B[M("withhold_consent"), O("move_workloads")]


def test_unknown_action_rejected():
    with pytest.raises(ValueError, match="microsoft action"):
        T.scenario(CAL.central(), "sulk", "comply")
    with pytest.raises(ValueError, match="openai action"):
        T.scenario(CAL.central(), "litigate", "sulk")
