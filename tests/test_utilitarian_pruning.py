"""The utilitarian solution bounds combinations with the frontier envelope's lines (issue 27): same answers."""

from __future__ import annotations

import numpy as np
import pytest

import negotiation as ng
from negotiation.solutions import _envelope


def random_problem(seed: int) -> ng.BargainingProblem:
    """Concave payoffs over two continuous terms and four binary terms (16 combinations)."""
    rng = np.random.default_rng(seed)
    lin, disc = rng.uniform(0.2, 1.0, (2, 2)), rng.normal(0.0, 0.3, (2, 4))
    space = {"y0": ng.Continuous(0.0, 1.0), "y1": ng.Continuous(0.0, 1.0)}
    space.update({f"b{i}": ng.Discrete((0, 1)) for i in range(4)})

    def f1(c):
        return 1.0 + sum(disc[0, i] * c[f"b{i}"] for i in range(4)) + sum(lin[0, j] * c[f"y{j}"] - 0.2 * c[f"y{j}"] ** 2 for j in range(2))

    def f2(c):
        return 1.0 + sum(disc[1, i] * c[f"b{i}"] for i in range(4)) + sum(np.log1p(lin[1, j] * (1.0 - c[f"y{j}"])) for j in range(2))

    return ng.BargainingProblem.from_contracts(space, (f1, f2), tuple(rng.uniform(0.0, 0.5, 2)))


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_lines_left_by_nash_prune_without_changing_the_answer(seed, monkeypatch):
    cold = ng.utilitarian_solution(random_problem(seed), weights=(1.0, 2.0))
    problem = random_problem(seed)
    ng.nash_solution(problem)  # leaves supporting lines on the space's envelope
    solved = []
    kernel = _envelope.maximise_each
    monkeypatch.setattr(_envelope, "maximise_each", lambda *a, **k: solved.append(k.get("subset")) or kernel(*a, **k))
    warm = ng.utilitarian_solution(problem, weights=(1.0, 2.0))
    np.testing.assert_array_equal(warm.utilities, cold.utilities)
    assert warm.contract == cold.contract
    assert len(solved) < len(problem.space.combos)
