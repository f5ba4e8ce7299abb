"""Known answers of theory.md §1 and §4, to TOL (closed forms)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np
import pytest
from conftest import Superellipse

import negotiation as ng

TOL = 1e-9
"""Relative accuracy required where a closed form exists."""

TRIANGLE = np.array([[0.0, 1.0], [1.0, 0.0]])
PARABOLA = ng.BargainingProblem.from_frontier(lambda u1: 1 - u1**2, domain=(0.0, 1.0), disagreement=(0.0, 0.0))


@dataclass(frozen=True)
class Case:
    name: str
    solve: Callable[[], ng.Solution]
    expected: tuple[float, float]


def _linear_case(alpha: float, sigma: float, d: tuple[float, float], kind: str) -> Case:
    """x1 + x2 = sigma: asymmetric Nash x1 = d1 + alpha (sigma - d1 - d2)."""
    if kind == "points":
        problem = ng.BargainingProblem.from_points(sigma * TRIANGLE, disagreement=d)
    else:
        problem = ng.BargainingProblem.from_frontier(lambda u1: sigma - u1, domain=(0.0, sigma), disagreement=d)
    x1 = d[0] + alpha * (sigma - d[0] - d[1])
    return Case(f"linear {kind} alpha={alpha} d={d}", lambda: ng.nash_solution(problem, (alpha, 1 - alpha)), (x1, sigma - x1))


def _superellipse_cases(s: Superellipse) -> list[Case]:
    p = s.problem()
    return [
        Case(f"{s} nash", lambda: ng.nash_solution(p), tuple(s.nash())),
        Case(f"{s} nash alpha=0.3", lambda: ng.nash_solution(p, (0.3, 0.7)), tuple(s.nash(0.3))),
        Case(f"{s} KS", lambda: ng.kalai_smorodinsky_solution(p), tuple(s.kalai_smorodinsky())),
        Case(f"{s} egalitarian", lambda: ng.egalitarian_solution(p), tuple(s.egalitarian())),
        Case(f"{s} utilitarian", lambda: ng.utilitarian_solution(p), tuple(s.utilitarian())),
    ]


def _package_problem() -> ng.BargainingProblem:
    """theory.md §4: u1 = 3 x1 + x2, u2 = (1 - x1) + 3 (1 - x2), x in [0, 1]^2, d = 0."""
    space = {"x1": ng.Continuous(0.0, 1.0), "x2": ng.Continuous(0.0, 1.0)}
    payoffs = (lambda x: 3 * x["x1"] + x["x2"], lambda x: (1 - x["x1"]) + 3 * (1 - x["x2"]))
    return ng.BargainingProblem.from_contracts(space, payoffs, disagreement=(0.0, 0.0))


CASES = [
    Case("triangle d=(0.2, 0.1)", lambda: ng.nash_solution(ng.BargainingProblem.from_points(TRIANGLE, (0.2, 0.1))), (0.55, 0.45)),
    Case("triangle frontier d=(0.2, 0.1)",
         lambda: ng.nash_solution(ng.BargainingProblem.from_frontier(lambda u: 1 - u, (0.0, 1.0), (0.2, 0.1))), (0.55, 0.45)),
    Case("1 - u1^2 nash", lambda: ng.nash_solution(PARABOLA), (1 / np.sqrt(3), 2 / 3)),
    Case("1 - u1^2 alpha=2/3", lambda: ng.nash_solution(PARABOLA, (2 / 3, 1 / 3)), (1 / np.sqrt(2), 1 / 2)),
    Case("1 - u1^2 utilitarian", lambda: ng.utilitarian_solution(PARABOLA), (0.5, 0.75)),
    Case("1 - u1^2 egalitarian", lambda: ng.egalitarian_solution(PARABOLA), ((np.sqrt(5) - 1) / 2,) * 2),
    Case("package nash", lambda: ng.nash_solution(_package_problem()), (3.0, 3.0)),
    *[_linear_case(alpha, sigma, d, kind) for alpha in (0.2, 0.5, 0.9) for sigma, d in ((1.0, (0.0, 0.0)), (3.0, (0.5, 0.25)))
      for kind in ("points", "frontier")],
    *[c for s in (Superellipse(1.0, 1.0, 2.0), Superellipse(2.0, 1.0, 3.0), Superellipse(0.7, 2.5, 1.5)) for c in _superellipse_cases(s)],
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_known_answer(case: Case) -> None:
    np.testing.assert_allclose(case.solve().utilities, case.expected, rtol=TOL, atol=TOL)


def test_package_contract_is_x1_one_x2_zero() -> None:
    contract = ng.nash_solution(_package_problem()).contract
    assert contract == pytest.approx({"x1": 1.0, "x2": 0.0}, abs=TOL)


def test_package_beats_issue_by_issue() -> None:
    """Issue by issue (each x_j split alone, d = 0) gives (2, 2); the package gives (3, 3)."""
    package = ng.nash_solution(_package_problem()).utilities
    assert np.all(package > np.array([2.0, 2.0]))


def test_ideal_point_of_triangle() -> None:
    p = ng.BargainingProblem.from_points(TRIANGLE, disagreement=(0.2, 0.1))
    np.testing.assert_allclose(ng.ideal_point(p), (0.9, 0.8), rtol=TOL)
    np.testing.assert_allclose(ng.kalai_smorodinsky_solution(p).utilities, (0.55, 0.45), rtol=TOL)
