"""Nash (1953) variable threats: TU known answers, LP cross-checks, NTU fixed point, validation."""

from __future__ import annotations

import dataclasses
import math
import warnings

import nashpy
import numpy as np
import pytest
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

import negotiation as ng

#: Closed-form answers.
TOL = 1e-9
#: Optimality of LP strategies and of threats against deviations (LP solver accuracy).
TOL_LP = 1e-7
#: The NTU slope is read off the gains P - d, which may be tiny next to the payoffs.
TOL_SLOPE = 1e-6
#: nashpy's linear_program runs HiGHS at its default feasibility tolerance (1e-7).
TOL_NASHPY_LP = 1e-6
#: Contract problems are solved numerically (grid + SLSQP).
TOL_CONTRACT = 1e-6

# A degenerate game on which nashpy's support_enumeration finds no equilibrium of A - B.
# A - B = [[1, -2, 1], [2, 3, 0]]: x* = (1/2, 1/2), y* = (0, 1/6, 5/6), value delta = 1/2;
# sigma = max(a + b) = 5, so u = ((5 + 1/2)/2, (5 - 1/2)/2) = (2.75, 2.25) and
# d = (x*'A y*, x*'B y*) = (7/6, 2/3).
A_DEGENERATE = np.array([[2.0, 0.0, 2.0], [3.0, 4.0, 0.0]])
B_DEGENERATE = np.array([[1.0, 2.0, 1.0], [1.0, 1.0, 0.0]])
# Naive iteration m <- g(m) from m = 1 alternates between two slopes on this game.
A_CYCLE = np.array([[1.2, 3.6], [6.7, 8.2], [7.6, 0.0]])
B_CYCLE = np.array([[3.4, 4.9], [8.1, 5.6], [8.0, 6.9]])


def test_support_enumeration_fails_on_the_degenerate_example() -> None:
    """Why the threats come from the minimax LP: support enumeration reports nothing here."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        equilibria = list(nashpy.Game(A_DEGENERATE - B_DEGENERATE).support_enumeration())
    assert equilibria == []


def test_tu_known_answer_on_degenerate_game() -> None:
    s = ng.variable_threat_solution(A_DEGENERATE, B_DEGENERATE)
    np.testing.assert_allclose(s.utilities, [2.75, 2.25], rtol=0, atol=TOL)
    np.testing.assert_allclose(s.disagreement, [7 / 6, 2 / 3], rtol=0, atol=TOL)
    np.testing.assert_allclose(s.threats[0], [0.5, 0.5], rtol=0, atol=TOL)
    np.testing.assert_allclose(s.threats[1], [0, 1 / 6, 5 / 6], rtol=0, atol=TOL)
    assert s.value == pytest.approx(0.5, abs=TOL)
    assert s.transfer == pytest.approx(2.75 - 4.0, abs=TOL)  # efficient cell (1, 1) pays (4, 1)
    assert s.transferable and s.slope == 1.0 and s.iterations == 0


def test_tu_known_answer_prisoners_dilemma() -> None:
    """Defection is the dominant threat of A - B: d = (1, 1), sigma = 6, u = (3, 3)."""
    A = [[3, 0], [5, 1]]
    B = [[3, 5], [0, 1]]
    s = ng.variable_threat_solution(A, B)
    np.testing.assert_allclose(s.utilities, [3, 3], rtol=0, atol=TOL)
    np.testing.assert_allclose(s.disagreement, [1, 1], rtol=0, atol=TOL)


def _value_checks(M: np.ndarray, x: np.ndarray, y: np.ndarray, value: float) -> None:
    """x guarantees at least ``value`` and y concedes at most ``value`` (eps-best responses)."""
    scale = 1.0 + np.abs(M).max()
    assert np.all(x >= 0) and np.all(y >= 0)
    assert x.sum() == pytest.approx(1.0, abs=TOL) and y.sum() == pytest.approx(1.0, abs=TOL)
    assert np.min(x @ M) >= value - TOL_LP * scale
    assert np.max(M @ y) <= value + TOL_LP * scale


games = st.integers(2, 4).flatmap(
    lambda rows: st.integers(2, 4).flatmap(
        lambda cols: st.tuples(
            arrays(float, (rows, cols), elements=st.floats(-10, 10, allow_nan=False, width=32)),
            arrays(float, (rows, cols), elements=st.floats(-10, 10, allow_nan=False, width=32)),
        )
    )
)


quarter_games = st.integers(2, 3).flatmap(
    lambda rows: st.integers(2, 4).flatmap(
        lambda cols: st.tuples(
            arrays(float, (rows, cols), elements=st.integers(-20, 20).map(lambda k: k / 4)),
            arrays(float, (rows, cols), elements=st.integers(-20, 20).map(lambda k: k / 4)),
        )
    )
)


@settings(max_examples=40, deadline=None)
@given(quarter_games)
def test_lp_threats_match_vertex_enumeration(game) -> None:
    """The zero-sum equilibrium of A - B agrees in value with nashpy's linear_program and
    with every equilibrium nashpy's vertex_enumeration finds, and each LP strategy is an (eps-)best response to the other
    (nashpy's is_best_response compares floats exactly, so the check is done with TOL_LP).

    Payoffs are multiples of 1/4: vertex enumeration decides supports with float tolerances
    and, on payoffs that differ by ~1e-5, returns pure profiles that are not equilibria; on
    degenerate games (e.g. all zeros) it may find nothing, and those draws are skipped."""
    A, B = game
    M = A - B
    s = ng.variable_threat_solution(A, B)
    x, y = s.threats
    _value_checks(M, x, y, s.value)
    assert s.value == pytest.approx(x @ M @ y, abs=TOL)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            equilibria = list(nashpy.Game(M, -M).vertex_enumeration())
        except TypeError:  # nashpy's own LP fails on some degenerate games
            equilibria = []
    x_np, y_np = nashpy.Game(M).linear_program()
    assert x_np @ M @ y_np == pytest.approx(s.value, abs=TOL_NASHPY_LP * (1 + np.abs(M).max()))
    assume(equilibria)
    for xe, ye in equilibria:
        assert xe @ M @ ye == pytest.approx(s.value, abs=TOL)


@settings(max_examples=60, deadline=None)
@given(games)
def test_tu_solution_properties(game) -> None:
    """u_1 + u_2 = sigma, u_1 - u_2 = delta, d = (x'Ay, x'By), and no pure threat deviation
    raises a player's Nash outcome (sigma + d_1 - d_2) / 2 (resp. (sigma - d_1 + d_2) / 2)."""
    A, B = game
    s = ng.variable_threat_solution(A, B)
    x, y = s.threats
    sigma = (A + B).max()
    assert s.utilities.sum() == pytest.approx(sigma, abs=TOL)
    assert s.utilities[0] - s.utilities[1] == pytest.approx(s.value, abs=TOL)
    np.testing.assert_allclose(s.disagreement, [x @ A @ y, x @ B @ y], rtol=0, atol=TOL)
    scale = TOL_LP * (1 + np.abs(A).max() + np.abs(B).max())
    assert np.all((sigma + (A - B) @ y) / 2 <= s.utilities[0] + scale)
    assert np.all((sigma - x @ (A - B)) / 2 <= s.utilities[1] + scale)


def _nash_outcome_of(problem, d):
    return np.asarray(ng.nash_solution(problem.with_disagreement(d)).utilities)


ntu_games = st.integers(2, 3).flatmap(
    lambda rows: st.integers(2, 3).flatmap(
        lambda cols: st.tuples(
            arrays(float, (rows, cols), elements=st.integers(0, 9).map(float)),
            arrays(float, (rows, cols), elements=st.integers(0, 9).map(float)),
        )
    )
)


def _hull(A, B):
    points = np.column_stack([np.ravel(A), np.ravel(B)])
    return ng.BargainingProblem.from_points(points, disagreement=points.min(axis=0) - 1.0)


@settings(max_examples=40, deadline=None)
@given(ntu_games)
@example(game=(np.array([[0.0, 0.0], [4.0, 3.0], [5.0, 0.0]]), np.array([[0.0, 0.0], [1.0, 1.0], [0.0, 0.0]])))
@example(game=(np.array([[0.0, 1.0], [0.0, 0.0]]), np.array([[1.0, 1.0], [0.0, 1.0]])))
@example(game=(np.array([[0.0, 0.0], [0.0, 0.0]]), np.array([[0.0, 0.0], [0.0, 1.0]])))
@example(game=(A_CYCLE, B_CYCLE))
def test_ntu_fixed_point_and_optimal_threats(game) -> None:
    """NTU: the outcome is nash_solution(S, d); the supporting slope there is m,
    m (u_1 - d_1) = u_2 - d_2; and no pure threat deviation improves a player's outcome.

    Examples: a threat point of m = 1 on the flat free-disposal part of S; near-tied payoffs of
    m A - B at extreme trial slopes (LP tolerance); a player whose payoff is constant."""
    A, B = game
    points = np.column_stack([A.ravel(), B.ravel()])
    try:
        s = ng.variable_threat_solution(A, B, transferable=False)
    except ValueError as exc:  # a player's payoff cannot be raised: no NTU solution
        assert "distinct" in str(exc) or "flat or vertical" in str(exc)
        return
    S = _hull(A, B)
    x, y = s.threats
    d = s.disagreement
    np.testing.assert_allclose(d, [x @ A @ y, x @ B @ y], rtol=0, atol=TOL)
    if _has_gain(S, d):
        np.testing.assert_allclose(s.utilities, _nash_outcome_of(S, d), rtol=0, atol=TOL)
    else:  # the threat point is on the Pareto frontier: it is the outcome
        np.testing.assert_allclose(s.utilities, d, rtol=0, atol=TOL)
        assert d[1] == pytest.approx(S.frontier(d[0]), abs=TOL)
        assert S.frontier.lo - TOL <= d[0] <= S.frontier.hi + TOL
    gains = s.utilities - d
    assert s.slope * gains[0] == pytest.approx(gains[1], abs=TOL_SLOPE * (1 + gains.max()))
    assert s.iterations <= 200
    for i in range(A.shape[0]):
        d_dev = np.array([A[i] @ y, B[i] @ y])
        if _has_gain(S, d_dev):
            assert _nash_outcome_of(S, d_dev)[0] <= s.utilities[0] + TOL_SLOPE
    for j in range(A.shape[1]):
        d_dev = np.array([x @ A[:, j], x @ B[:, j]])
        if _has_gain(S, d_dev):
            assert _nash_outcome_of(S, d_dev)[1] <= s.utilities[1] + TOL_SLOPE
    assert np.all(points.min(axis=0) <= s.utilities)


def _has_gain(problem, d) -> bool:
    try:
        problem.with_disagreement(d)
    except ValueError:
        return False
    return True


def test_ntu_known_answer_on_a_linear_frontier() -> None:
    """Hull frontier from (0, 2) to (4, 1): m = 1/4; 0.25 A - B has the saddle (row 2, col 1),
    d = (3, 1), and the Nash point on u_2 = 2 - u_1/4 from d is (3.5, 1.125)."""
    s = ng.variable_threat_solution(A_DEGENERATE, B_DEGENERATE, transferable=False)
    assert s.slope == pytest.approx(0.25, abs=TOL)
    np.testing.assert_allclose(s.disagreement, [3, 1], rtol=0, atol=TOL)
    np.testing.assert_allclose(s.utilities, [3.5, 1.125], rtol=0, atol=TOL)
    assert not s.transferable and s.transfer is None and s.iterations > 0


@settings(max_examples=25, deadline=None)
@given(games)
def test_ntu_equals_tu_on_a_tu_shaped_feasible_set(game) -> None:
    """With S = {u_1 + u_2 <= sigma} (a long segment of slope -1), NTU gives m = 1 and the TU answer."""
    A, B = game
    tu = ng.variable_threat_solution(A, B)
    sigma, reach = (A + B).max(), 10 * (1 + np.abs(A).max() + np.abs(B).max())
    line = ng.BargainingProblem.from_points([[sigma + reach, -reach], [-reach, sigma + reach]],
                                            disagreement=(-reach, -reach))
    ntu = ng.variable_threat_solution(A, B, transferable=False, feasible=line)
    assert ntu.slope == pytest.approx(1.0, abs=TOL_SLOPE)
    np.testing.assert_allclose(ntu.utilities, tu.utilities, rtol=0, atol=TOL)
    tu_line = ng.variable_threat_solution(A, B, feasible=line)
    np.testing.assert_allclose(tu_line.utilities, tu.utilities, rtol=0, atol=TOL)
    assert tu_line.transfer == pytest.approx(0.0, abs=TOL)


def test_tu_with_a_contract_problem() -> None:
    """A split e of a surplus sigma = 5: the TU solution is the contract e = u_1 / sigma, no transfer."""
    surplus = float((A_DEGENERATE + B_DEGENERATE).max())
    problem = ng.BargainingProblem.from_contracts(
        {"e": ng.Continuous(0.0, 1.0)},
        (lambda c: c["e"] * surplus, lambda c: (1 - c["e"]) * surplus),
        disagreement=(0.0, 0.0),
    )
    s = ng.variable_threat_solution(A_DEGENERATE, B_DEGENERATE, feasible=problem)
    np.testing.assert_allclose(s.utilities, [2.75, 2.25], rtol=0, atol=TOL)
    assert s.contract["e"] == pytest.approx(2.75 / surplus, abs=TOL_CONTRACT)
    assert s.transfer == pytest.approx(0.0, abs=TOL_CONTRACT * surplus)
    ntu = ng.variable_threat_solution(A_DEGENERATE, B_DEGENERATE, transferable=False, feasible=problem)
    np.testing.assert_allclose(ntu.utilities, [2.75, 2.25], rtol=0, atol=TOL_CONTRACT * surplus)
    assert ntu.contract["e"] == pytest.approx(2.75 / surplus, abs=TOL_CONTRACT)


def test_tu_joint_maximum_outside_the_threat_rational_set() -> None:
    """sigma is the joint maximum over all of feasible, even where it leaves a player below d."""
    points = [[10.0, -3.0], [3.0, 3.0], [0.0, 4.0]]  # u_1 + u_2 is largest (7) at (10, -3)
    problem = ng.BargainingProblem.from_points(points, disagreement=(0.0, 0.0))
    A = [[1.0, 0.0], [0.0, 1.0]]
    B = [[1.0, 0.0], [0.0, 1.0]]  # A - B = 0: delta = 0
    s = ng.variable_threat_solution(A, B, feasible=problem)
    np.testing.assert_allclose(s.utilities, [3.5, 3.5], rtol=0, atol=TOL)
    assert s.transfer == pytest.approx(3.5 - 10.0, abs=TOL)


def test_ntu_reports_non_convergence() -> None:
    with pytest.raises(RuntimeError, match="max_iter=2"):
        ng.variable_threat_solution([[4, 0], [1, 2]], [[1, 3], [0, 2]], transferable=False, max_iter=2)


@pytest.mark.parametrize(
    ("A", "B", "name"),
    [
        ([[1, 2], [3, 4]], [[1, 2, 3], [4, 5, 6]], "same shape"),
        ([[1, math.nan]], [[1, 2]], "A must be finite"),
        ([[1, 2]], [[1, math.inf]], "B must be finite"),
        ([1, 2], [[1, 2]], "A must be a 2-d"),
        ([[1, 2]], "xy", "B must be numeric"),
        (np.zeros((0, 2)), np.zeros((0, 2)), "A must have at least one"),
    ],
)
def test_bad_games_name_the_argument(A, B, name) -> None:
    with pytest.raises(ValueError, match=name):
        ng.variable_threat_solution(A, B)


def test_bad_feasible_and_options() -> None:
    with pytest.raises(ValueError, match="feasible"):
        ng.variable_threat_solution([[1, 0]], [[0, 1]], feasible=[[1, 0], [0, 1]])
    with pytest.raises(ValueError, match="tol"):
        ng.variable_threat_solution([[1, 0]], [[0, 1]], transferable=False, tol=0.0)
    with pytest.raises(ValueError, match="max_iter"):
        ng.variable_threat_solution([[1, 0]], [[0, 1]], transferable=False, max_iter=0)
    with pytest.raises(ValueError, match="distinct"):
        ng.variable_threat_solution([[1, 1]], [[0, 0]], transferable=False)
    with pytest.raises(ValueError, match="flat or vertical"):  # player 2's payoff is constant
        ng.variable_threat_solution([[0, 0], [1, 0]], [[0, 0], [0, 0]], transferable=False)


def test_ntu_efficient_threat_point_is_the_outcome() -> None:
    """0.5 A - B has the saddle (row 2, col 2): d = (2, 2) lies on the edge of slope -1/2."""
    s = ng.variable_threat_solution([[4, 0], [1, 2]], [[1, 3], [0, 2]], transferable=False)
    np.testing.assert_allclose(s.utilities, [2, 2], rtol=0, atol=TOL)
    np.testing.assert_allclose(s.disagreement, [2, 2], rtol=0, atol=TOL)
    assert s.slope == pytest.approx(0.5, abs=TOL)


def test_result_is_frozen() -> None:
    s = ng.variable_threat_solution(A_DEGENERATE, B_DEGENERATE)
    with pytest.raises(dataclasses.FrozenInstanceError):
        s.value = 0.0  # type: ignore[misc]
    with pytest.raises(ValueError):
        s.utilities[0] = 0.0
    assert "minimax LP" in s.method



def test_plain_slope_iteration_cycles_but_the_safeguarded_one_converges() -> None:
    from negotiation.games.threats import _nash_outcome, _threats

    S = _hull(A_CYCLE, B_CYCLE)
    m, history = 1.0, []
    for _ in range(40):
        x, y, value, d = _threats(A_CYCLE, B_CYCLE, m)
        m = _nash_outcome(S, x, y, value, d, m).supporting_slope
        history.append(m)
    assert abs(history[-1] - history[-2]) > 0.5 and history[-1] == pytest.approx(history[-3], abs=TOL)

    s = ng.variable_threat_solution(A_CYCLE, B_CYCLE, transferable=False)
    gains = s.utilities - s.disagreement
    assert s.slope * gains[0] == pytest.approx(gains[1], abs=TOL_SLOPE)
    np.testing.assert_allclose(s.utilities, _nash_outcome_of(S, s.disagreement), rtol=0, atol=TOL)
    assert min(history[-2:]) < s.slope < max(history[-2:])

