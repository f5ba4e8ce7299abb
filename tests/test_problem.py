"""Problem construction and validation: bad input raises ValueError naming the argument."""

from __future__ import annotations

import dataclasses
import re

import numpy as np
import pytest

import negotiation as ng

TOL = 1e-12
LINEAR = (lambda u1: 1 - u1)
SPACE = {"x": ng.Continuous(0.0, 1.0)}
PAYOFFS = (lambda c: c["x"], lambda c: 1 - c["x"])


@pytest.mark.parametrize(
    ("build", "names"),
    [
        (lambda: ng.Continuous(1.0, 1.0), "Continuous"),
        (lambda: ng.Continuous(0.0, np.inf), "Continuous"),
        (lambda: ng.Continuous(np.nan, 1.0), "Continuous"),
        (lambda: ng.Discrete(()), "Discrete"),
        (lambda: ng.Discrete("ab"), "Discrete"),
        (lambda: ng.Discrete((1.0, np.nan)), "Discrete"),
        (lambda: ng.BargainingProblem.from_frontier(LINEAR, (1.0, 0.0), (0, 0)), "domain"),
        (lambda: ng.BargainingProblem.from_frontier(LINEAR, (0.0, np.nan), (0, 0)), "domain"),
        (lambda: ng.BargainingProblem.from_frontier(lambda u: u, (0.0, 1.0), (0, 0)), "non-increasing"),
        (lambda: ng.BargainingProblem.from_frontier(lambda u: 1 - np.sqrt(u), (0.0, 1.0), (0, 0)), "concave"),
        (lambda: ng.BargainingProblem.from_frontier(lambda u: np.where(u > 0.5, np.nan, 1 - u), (0.0, 1.0), (0, 0)), "frontier"),
        (lambda: ng.BargainingProblem.from_frontier(3.0, (0.0, 1.0), (0, 0)), "frontier"),
        (lambda: ng.BargainingProblem.from_frontier(LINEAR, (0.0, 1.0), (0.6, 0.6)), "disagreement"),
        (lambda: ng.BargainingProblem.from_frontier(LINEAR, (0.0, 1.0), (1.0, 0.0)), "disagreement"),
        (lambda: ng.BargainingProblem.from_frontier(LINEAR, (0.0, 1.0), (np.nan, 0.0)), "disagreement"),
        (lambda: ng.BargainingProblem.from_frontier(LINEAR, (0.0, 1.0), (0.0, 0.0, 0.0)), "disagreement"),
        (lambda: ng.BargainingProblem.from_points([], (0, 0)), "points"),
        (lambda: ng.BargainingProblem.from_points([[1.0, 1.0]], (0, 0)), "points"),
        (lambda: ng.BargainingProblem.from_points([[1.0, 1.0], [1.0, 1.0]], (0, 0)), "points"),
        (lambda: ng.BargainingProblem.from_points([[1.0, 1.0, 1.0]], (0, 0)), "points"),
        (lambda: ng.BargainingProblem.from_points([[1.0, np.inf], [0.0, 1.0]], (0, 0)), "points"),
        (lambda: ng.BargainingProblem.from_points([[0.0, 1.0], [1.0, 0.0]], (0.5, 0.5)), "disagreement"),
        (lambda: ng.BargainingProblem.from_contracts({}, PAYOFFS, (0, 0)), "space"),
        (lambda: ng.BargainingProblem.from_contracts({"x": (0, 1)}, PAYOFFS, (0, 0)), "space"),
        (lambda: ng.BargainingProblem.from_contracts(SPACE, PAYOFFS[:1], (0, 0)), "payoffs"),
        (lambda: ng.BargainingProblem.from_contracts(SPACE, (PAYOFFS[0], 2.0), (0, 0)), "payoffs[1]"),
        (lambda: ng.BargainingProblem.from_contracts(SPACE, (PAYOFFS[0], lambda c: np.nan), (0, 0)), "payoffs[1]"),
        (lambda: ng.BargainingProblem.from_contracts(SPACE, PAYOFFS, (0.5, 0.5)), "disagreement"),
    ],
)
def test_bad_input_names_the_argument(build, names: str) -> None:
    with pytest.raises(ValueError, match=re.escape(names)):
        build()


def test_hull_drops_dominated_and_collinear_points() -> None:
    points = [[0.0, 1.0], [0.5, 0.5], [1.0, 0.0], [0.2, 0.2], [0.25, 0.75], [-1.0, 0.9]]
    p = ng.BargainingProblem.from_points(points, disagreement=(0.0, 0.0))
    np.testing.assert_array_equal(p.frontier.vertices, [[0.0, 1.0], [1.0, 0.0]])


def test_hull_keeps_strict_vertices_sorted() -> None:
    points = [[1.0, 0.0], [0.0, 1.0], [0.8, 0.8], [0.3, 0.3]]
    p = ng.BargainingProblem.from_points(points, disagreement=(0.0, 0.0))
    np.testing.assert_array_equal(p.frontier.vertices, [[0.0, 1.0], [0.8, 0.8], [1.0, 0.0]])


def test_dominant_point_is_a_degenerate_frontier() -> None:
    p = ng.BargainingProblem.from_points([[1.0, 1.0], [0.5, 0.2]], disagreement=(0.0, 0.0))
    np.testing.assert_allclose(ng.nash_solution(p).utilities, (1.0, 1.0), rtol=TOL)


def test_with_disagreement_validates_and_keeps_the_set() -> None:
    p = ng.BargainingProblem.from_frontier(LINEAR, (0.0, 1.0), (0.0, 0.0))
    q = p.with_disagreement((0.2, 0.1))
    np.testing.assert_array_equal(q.disagreement, (0.2, 0.1))
    assert q.frontier is p.frontier
    with pytest.raises(ValueError, match="disagreement"):
        p.with_disagreement((2.0, 0.0))


def test_problem_and_terms_are_frozen() -> None:
    p = ng.BargainingProblem.from_frontier(LINEAR, (0.0, 1.0), (0.0, 0.0))
    with pytest.raises(dataclasses.FrozenInstanceError):
        p.kind = "points"
    with pytest.raises(ValueError):
        p.disagreement[0] = 1.0
    assert ng.Discrete([1, 2]).values == (1, 2)


def test_non_broadcasting_callables_fall_back_to_a_loop() -> None:
    def scalar_only(c):
        return float(c["x"]) if c["k"] == "a" else 0.5 * float(c["x"])

    space = {"x": ng.Continuous(0.0, 1.0), "k": ng.Discrete(("a", "b"))}
    p = ng.BargainingProblem.from_contracts(space, (scalar_only, lambda c: 1 - float(c["x"])), (0.0, 0.0))
    assert p.space.broadcasts and not any(p.space.broadcasts.values())
    np.testing.assert_allclose(ng.nash_solution(p).utilities, (0.5, 0.5), rtol=1e-9)


def test_frontier_scalar_callable_is_looped() -> None:
    p = ng.BargainingProblem.from_frontier(lambda u1: 1 - float(u1) ** 2, (0.0, 1.0), (0.0, 0.0))
    np.testing.assert_allclose(ng.nash_solution(p).utilities, (1 / np.sqrt(3), 2 / 3), rtol=1e-9)


def test_free_disposal_left_of_the_domain() -> None:
    """d1 below the domain: S extends left at height phi(lo)."""
    p = ng.BargainingProblem.from_frontier(LINEAR, (0.2, 1.0), (-1.0, 0.0))
    np.testing.assert_allclose(ng.ideal_point(p), (1.0, 0.8), rtol=TOL)
