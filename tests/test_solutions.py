"""Solution concepts on every problem kind: results, metadata, tie-breaks, geometry helpers."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from conftest import LinearTransfer, Superellipse

import negotiation as ng

TOL = 1e-9
TOL_CONTRACT = 1e-7
"""Contract problems are solved by SLSQP with central-difference gradients."""

CONCEPTS = {
    "nash": ng.nash_solution,
    "kalai_smorodinsky": ng.kalai_smorodinsky_solution,
    "egalitarian": ng.egalitarian_solution,
    "utilitarian": ng.utilitarian_solution,
}
TRIANGLE_POINTS = ng.BargainingProblem.from_points([[0.0, 1.0], [1.0, 0.0]], (0.0, 0.0))
TRIANGLE_FRONTIER = ng.BargainingProblem.from_frontier(lambda u: 1 - u, (0.0, 1.0), (0.0, 0.0))
TRIANGLE_CONTRACTS = ng.BargainingProblem.from_contracts(
    {"x": ng.Continuous(0.0, 1.0)}, (lambda c: c["x"], lambda c: 1 - c["x"]), (0.0, 0.0)
)


@pytest.mark.parametrize("concept", CONCEPTS)
@pytest.mark.parametrize("problem", [TRIANGLE_POINTS, TRIANGLE_FRONTIER, TRIANGLE_CONTRACTS], ids=["points", "frontier", "contracts"])
def test_every_concept_on_every_kind(concept: str, problem: ng.BargainingProblem) -> None:
    """On the symmetric triangle every concept (utilitarian by its tie-break) gives (1/2, 1/2)."""
    s = CONCEPTS[concept](problem)
    assert s.concept == concept
    assert s.utilities.shape == (2,)
    np.testing.assert_allclose(s.utilities, (0.5, 0.5), rtol=TOL_CONTRACT if problem.kind == "contracts" else TOL)
    assert (s.contract is None) == (problem.kind != "contracts")
    assert s.method and s.status == "converged"
    with pytest.raises(dataclasses.FrozenInstanceError):
        s.concept = "other"


@pytest.mark.parametrize("weights", [(0.0, 1.0), (-0.1, 1.1), (0.6, 0.6), (np.nan, 0.5), (1.0,)])
def test_nash_weights_validated(weights) -> None:
    with pytest.raises(ValueError, match="weights"):
        ng.nash_solution(TRIANGLE_POINTS, weights)


@pytest.mark.parametrize("weights", [(0.0, 1.0), (-1.0, 1.0), (np.inf, 1.0)])
def test_utilitarian_weights_validated(weights) -> None:
    with pytest.raises(ValueError, match="weights"):
        ng.utilitarian_solution(TRIANGLE_POINTS, weights)


def test_utilitarian_weights_need_not_sum_to_one() -> None:
    s = ng.utilitarian_solution(TRIANGLE_POINTS.with_disagreement((0.1, 0.0)), (2.0, 1.0))
    np.testing.assert_allclose(s.utilities, (1.0, 0.0), rtol=TOL, atol=TOL)
    assert s.weights == (2.0, 1.0)


def test_utilitarian_tie_break_is_the_nash_point_of_the_tied_face() -> None:
    """Triangle with d = (0.2, 0.1): every frontier point maximises u1 + u2; the tie-break is Nash."""
    for problem in (TRIANGLE_POINTS, TRIANGLE_FRONTIER, TRIANGLE_CONTRACTS):
        s = ng.utilitarian_solution(problem.with_disagreement((0.2, 0.1)))
        np.testing.assert_allclose(s.utilities, (0.55, 0.45), rtol=TOL_CONTRACT)


def test_nash_never_picks_two_negative_gains() -> None:
    """The product of two negative gains is positive; the log-gain objective must not be fooled."""
    points = [[-5.0, -5.0], [0.3, 0.3], [0.0, 0.4], [0.4, 0.0]]
    s = ng.nash_solution(ng.BargainingProblem.from_points(points, (0.0, 0.0)))
    assert np.all(s.utilities > 0)
    space = {"x": ng.Continuous(-3.0, 1.0)}
    payoffs = (lambda c: np.where(c["x"] < 0, c["x"], c["x"] * (1 - c["x"])), lambda c: np.where(c["x"] < 0, c["x"], 0.25 - c["x"] ** 2))
    s = ng.nash_solution(ng.BargainingProblem.from_contracts(space, payoffs, (0.0, 0.0)))
    assert np.all(s.utilities > 0)


def test_mixed_contract_space_matches_the_points_problem() -> None:
    """Discrete k in {0, 1, 2} shifts the transfer line; the hull of the lines is a points problem."""
    shifts = {0: 1.0, 1: 1.3, 2: 0.8}
    space = {"x": ng.Continuous(0.0, 1.0), "k": ng.Discrete(tuple(shifts))}
    payoffs = (lambda c: shifts[c["k"]] * c["x"], lambda c: shifts[c["k"]] * (1 - c["x"]) + 0.1 * c["k"])
    contracts = ng.BargainingProblem.from_contracts(space, payoffs, (0.1, 0.05))
    ends = [[s * x, s * (1 - x) + 0.1 * k] for k, s in shifts.items() for x in (0.0, 1.0)]
    points = ng.BargainingProblem.from_points(ends, (0.1, 0.05))
    for concept in ("nash", "kalai_smorodinsky", "egalitarian"):
        by_contract, by_points = CONCEPTS[concept](contracts), CONCEPTS[concept](points)
        np.testing.assert_allclose(by_contract.utilities, by_points.utilities, rtol=TOL_CONTRACT)
    assert ng.nash_solution(contracts).contract["k"] == 1


def test_contract_ideal_point_is_over_the_whole_space() -> None:
    lt = LinearTransfer((1.0, 1.5), (0.5, 0.3), (0.2, -0.5))
    np.testing.assert_allclose(ng.ideal_point(lt.problem()), (lt.surplus(),) * 2, rtol=TOL_CONTRACT)
    np.testing.assert_allclose(ng.kalai_smorodinsky_solution(lt.problem()).utilities, (lt.surplus() / 2,) * 2, rtol=TOL_CONTRACT)


def test_nash_on_linear_transfer_contracts_splits_the_surplus() -> None:
    lt = LinearTransfer((1.0, 1.5), (0.5, 0.3), (0.2, -0.5))
    for alpha in (0.2, 0.5, 0.8):
        s = ng.nash_solution(lt.problem(), (alpha, 1 - alpha))
        np.testing.assert_allclose(s.utilities, (alpha * lt.surplus(), (1 - alpha) * lt.surplus()), rtol=TOL_CONTRACT)


def test_pareto_frontier_is_sorted_and_on_the_boundary() -> None:
    s = Superellipse(2.0, 1.0, 3.0)
    front = ng.pareto_frontier(s.problem(), n=50)
    assert front.shape == (50, 2)
    assert np.all(np.diff(front[:, 0]) > 0) and np.all(np.diff(front[:, 1]) <= 0)
    np.testing.assert_allclose(front[:, 1], s.phi(front[:, 0]), rtol=TOL)
    lt = LinearTransfer((1.0, 1.5), (0.5, 0.3), (0.2, -0.5))
    front = ng.pareto_frontier(lt.problem(), n=9)
    assert np.all(np.diff(front[:, 0]) >= 0)
    np.testing.assert_allclose(front.sum(axis=1), lt.surplus(), rtol=TOL_CONTRACT)
    with pytest.raises(ValueError, match="n must"):
        ng.pareto_frontier(lt.problem(), n=1)


def test_radial_projection() -> None:
    point, t = ng.radial_projection(TRIANGLE_FRONTIER, (0.25, 0.25))
    np.testing.assert_allclose(point, (0.5, 0.5), rtol=TOL)
    assert t == pytest.approx(2.0, rel=TOL)
    point, t = ng.radial_projection(TRIANGLE_POINTS.with_disagreement((0.2, 0.1)), (0.0, 0.5))
    np.testing.assert_allclose(point, (-0.25, 1.0), rtol=TOL)  # free disposal: S includes x1 < 0 up to x2 = 1
    assert t == pytest.approx(2.25, rel=TOL)
    _, t = ng.radial_projection(TRIANGLE_CONTRACTS, (1.0, 1.0))
    assert t == pytest.approx(0.5, rel=TOL_CONTRACT)
    with pytest.raises(ValueError, match="point"):
        ng.radial_projection(TRIANGLE_FRONTIER, (0.0, 0.0))
