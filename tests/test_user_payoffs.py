"""Issue 13, points 1-3: plain-Python payoffs, named payoff errors, contract constraints."""

from __future__ import annotations

import numpy as np
import pytest

import negotiation as ng

TOL = 1e-6


def _branchy(c):
    """Plain-Python payoff that branches on a continuous term's value (breaks on arrays)."""
    if c["exclusive"]:
        return c["x"]
    return c["x"] + (20 if c["q"] > 5 else 0)


def _other(c):
    return (1 - c["x"]) + c["q"] / 10


@pytest.mark.parametrize("order", [(True, False), (False, True)])
def test_scalar_payoff_works_whatever_the_order_of_discrete_values(order) -> None:
    space = {"x": ng.Continuous(0, 1), "q": ng.Continuous(0, 10), "exclusive": ng.Discrete(order)}
    p = ng.BargainingProblem.from_contracts(space, (_branchy, _other), (0, 0))
    solution = ng.nash_solution(p)
    assert solution.contract["exclusive"] is False
    np.testing.assert_allclose(solution.utilities, (20.0, 2.0), atol=TOL)
    assert p.space.broadcasts == {(True,): True, (False,): False}


@pytest.mark.parametrize(
    ("payoff", "needle"),
    [
        (lambda c: c["prce"], "payoffs[0] (player 1) raised KeyError: 'prce' at contract {'x': "),
        (lambda c: 1 / (c["x"] - c["x"]), "payoffs[0] (player 1) raised ZeroDivisionError"),
        (lambda c: None, "payoffs[0] (player 1) must return a float, got None at contract {'x': "),
        (lambda c: float("nan"), "payoffs[0] (player 1) returned nan at contract {'x': "),
    ],
)
def test_payoff_errors_name_the_payoff_and_the_contract(payoff, needle) -> None:
    space = {"x": ng.Continuous(0, 1)}
    with pytest.raises(ValueError, match="at contract") as info:
        ng.BargainingProblem.from_contracts(space, (payoff, lambda c: 1 - c["x"]), (0, 0))
    assert needle in str(info.value)


def test_second_payoff_named_as_player_two() -> None:
    with pytest.raises(ng.PayoffError, match=r"payoffs\[1\] \(player 2\) raised KeyError"):
        ng.BargainingProblem.from_contracts({"x": ng.Continuous(0, 1)}, (lambda c: c["x"], lambda c: c["y"]), (0, 0))


def test_disagreement_above_the_frontier_gives_the_best_each_can_get() -> None:
    space = {"x": ng.Continuous(0, 1), "k": ng.Discrete(("a", "b"))}
    payoffs = (lambda c: c["x"], lambda c: 1 - c["x"])
    with pytest.raises(ValueError) as info:
        ng.BargainingProblem.from_contracts(space, payoffs, (0.6, 0.6))
    message = str(info.value)
    assert "-inf" not in message
    assert "no contract gives both more than d" in message
    assert "best player 1 can get is 1.0" in message and "best player 2 can get is 1.0" in message


def test_weight_errors_print_plain_numbers() -> None:
    p = ng.BargainingProblem.from_frontier(lambda u: 1 - u, (0, 1), (0, 0))
    with pytest.raises(ValueError) as info:
        ng.nash_solution(p, weights=(2.0, 1.0))
    assert "np.float64" not in str(info.value) and "(2.0, 1.0)" in str(info.value)
    with pytest.raises(ValueError) as info:
        ng.utilitarian_solution(p, weights=(-1.0, 1.0))
    assert "np.float64" not in str(info.value) and "(-1.0, 1.0)" in str(info.value)


CONCEPTS = {
    "nash": ng.nash_solution,
    "kalai_smorodinsky": ng.kalai_smorodinsky_solution,
    "egalitarian": ng.egalitarian_solution,
    "utilitarian": ng.utilitarian_solution,
    "rubinstein": lambda p: ng.rubinstein_solution(p, discount_factors=(0.9, 0.9)),
}


@pytest.mark.parametrize("concept", sorted(CONCEPTS))
def test_contract_constraints_are_respected_by_every_concept(concept) -> None:
    """x1 + x2 <= 1 cuts the box; every concept's contract must satisfy it."""
    space = {"x1": ng.Continuous(0, 1), "x2": ng.Continuous(0, 1), "k": ng.Discrete((0, 1))}
    payoffs = (lambda c: c["x1"] + 0.1 * c["k"], lambda c: c["x2"])
    budget = lambda c: 1.0 - c["x1"] - c["x2"]  # noqa: E731
    free = ng.BargainingProblem.from_contracts(space, payoffs, (0, 0))
    cut = ng.BargainingProblem.from_contracts(space, payoffs, (0, 0), constraints=[budget])
    unconstrained, constrained = CONCEPTS[concept](free), CONCEPTS[concept](cut)
    assert budget(unconstrained.contract) < -0.1
    assert budget(constrained.contract) >= -1e-8
    assert constrained.utilities.sum() == pytest.approx(1.1, abs=1e-6)


def test_constraints_on_a_discrete_only_space() -> None:
    space = {"a": ng.Discrete((0, 1, 2, 3))}
    p = ng.BargainingProblem.from_contracts(
        space, (lambda c: c["a"], lambda c: 4 - c["a"]), (0, 0), constraints=[lambda c: 1.5 - c["a"]])
    assert ng.nash_solution(p).contract == {"a": 1}


def test_constraint_that_is_not_callable_is_named() -> None:
    with pytest.raises(ValueError, match=r"constraints\[0\] must be callable"):
        ng.BargainingProblem.from_contracts({"x": ng.Continuous(0, 1)}, (lambda c: c["x"], lambda c: 1 - c["x"]),
                                            (0, 0), constraints=[1.0])


def test_pareto_frontier_contracts_reach_each_frontier_point() -> None:
    space = {"x1": ng.Continuous(0, 1), "x2": ng.Continuous(0, 1), "rofr": ng.Discrete((True, False))}
    payoffs = (lambda c: 3 * c["x1"] + c["x2"] + 0.5 * c["rofr"], lambda c: (1 - c["x1"]) + 3 * (1 - c["x2"]))
    p = ng.BargainingProblem.from_contracts(space, payoffs, (0, 0))
    frontier = ng.pareto_frontier_contracts(p, 9)
    np.testing.assert_array_equal(frontier.points, ng.pareto_frontier(p, 9))
    reached = np.array([[f(c) for f in payoffs] for c in frontier.contracts])
    np.testing.assert_allclose(reached, frontier.utilities, atol=1e-12)
    assert np.all(reached >= frontier.points - 1e-9)
    assert all(c["rofr"] is True for c in frontier.contracts)


def test_pareto_frontier_contracts_needs_a_contract_problem() -> None:
    p = ng.BargainingProblem.from_frontier(lambda u: 1 - u, (0, 1), (0, 0))
    with pytest.raises(ValueError, match="problem must be a contract problem"):
        ng.pareto_frontier_contracts(p, 5)


def test_utilitarian_on_a_curved_frontier_reports_a_unique_maximiser() -> None:
    p = ng.BargainingProblem.from_frontier(lambda u: 1 - u**2, domain=(0, 1), disagreement=(0, 0))
    solution = ng.utilitarian_solution(p)
    np.testing.assert_allclose(solution.utilities, (0.5, 0.75), atol=1e-9)
    assert solution.method.startswith("unique maximiser") and "degenerate" not in solution.method


def test_payoff_pair_evaluates_once_per_contract_and_never_returns_a_stale_value() -> None:
    calls = []

    def joint(c):
        calls.append(1)
        return c["x"] * c["hours"], 30.0 - c["x"]

    f1, f2 = ng.payoff_pair(joint)
    contract = {"x": np.array([1.0, 2.0]), "hours": 3.0, "pension": True}
    np.testing.assert_array_equal(f1(contract), [3.0, 6.0])
    np.testing.assert_array_equal(f2(contract), [29.0, 28.0])
    assert len(calls) == 1  # the second payoff reuses the first's evaluation
    contract["x"][0] = 5.0  # changed in place: a new key, evaluated afresh
    np.testing.assert_array_equal(f2(contract), [25.0, 28.0])
    f1(contract)[:] = 0.0  # what a payoff returns is a copy: the memo is untouched
    np.testing.assert_array_equal(f1(contract), [15.0, 6.0])
    assert len(calls) == 2
    with pytest.raises(ValueError, match="joint must be callable"):
        ng.payoff_pair(3.0)


def test_a_problem_from_a_payoff_pair_solves_as_from_two_functions() -> None:
    space = {"x": ng.Continuous(0, 1), "q": ng.Continuous(0, 10), "exclusive": ng.Discrete((False, True))}
    apart = ng.BargainingProblem.from_contracts(space, (_branchy, _other), (0, 0))
    joint = ng.BargainingProblem.from_contracts(space, ng.payoff_pair(lambda c: (_branchy(c), _other(c))), (0, 0))
    np.testing.assert_array_equal(ng.nash_solution(joint).utilities, ng.nash_solution(apart).utilities)
