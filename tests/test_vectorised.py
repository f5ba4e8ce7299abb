"""The vectorised Monte Carlo path agrees with the engine, draw by draw (issue 27)."""

from __future__ import annotations

import numpy as np
import pytest

import negotiation as ng
from negotiation.vectorised import nash_vectorised

UTILITY_TOL = 1e-8
"""Agreement with ``nash_solution(BargainingProblem.from_contracts(...))`` per draw, in utilities."""


def concave_family(seed: int, draws: int, terms: int = 2):
    """A random family of concave payoffs over ``terms`` continuous terms and 3 x 2 combinations."""
    rng = np.random.default_rng(seed)
    space = {f"y{j}": ng.Continuous(0.0, float(rng.uniform(0.5, 2.0))) for j in range(terms)}
    space.update({"k": ng.Discrete((0, 1, 2)), "flag": ng.Discrete((False, True))})
    slopes = rng.uniform(0.2, 1.5, (2, terms))
    parameters = {"a": rng.uniform(0.5, 2.0, draws), "b": rng.uniform(0.5, 2.0, draws),
                  "c": rng.uniform(-0.5, 0.5, draws)}

    def f1(c, p):
        total = 0.2 * c["k"] * p["c"] + 0.1 * c["flag"]
        for j in range(terms):
            total = total + p["a"] * slopes[0, j] * c[f"y{j}"] - 0.3 * c[f"y{j}"] ** 2
        return total

    def f2(c, p):
        total = 1.0 - 0.1 * c["k"] + p["c"] * c["flag"]
        for j in range(terms):
            total = total + p["b"] * np.log1p(2.5 - slopes[1, j] * c[f"y{j}"])
        return total

    d = np.column_stack([rng.uniform(0.0, 0.3, draws), rng.uniform(0.0, 0.3, draws)])
    return space, (f1, f2), parameters, d


def engine(space, payoffs, parameters, d, draw, weights=(0.5, 0.5), constraints=()):
    theta = {k: v[draw] for k, v in parameters.items()}
    bind = lambda f: (lambda c: f(c, theta))  # noqa: E731
    problem = ng.BargainingProblem.from_contracts(space, tuple(map(bind, payoffs)), d[draw],
                                                  constraints=tuple(map(bind, constraints)))
    return ng.nash_solution(problem, weights=weights)


@pytest.mark.parametrize(("seed", "terms", "weights"), [(0, 2, (0.5, 0.5)), (1, 3, (0.5, 0.5)), (2, 2, (0.3, 0.7))])
def test_agrees_with_engine_per_draw(seed, terms, weights):
    space, payoffs, parameters, d = concave_family(seed, draws=4, terms=terms)
    solution = nash_vectorised(space, payoffs, parameters, d, weights=weights)
    assert solution.feasible.all() and solution.converged.all()
    assert solution.engine.sum() <= 2  # (draw, combination) pairs without a gain on the start grid
    for draw in range(4):
        expected = engine(space, payoffs, parameters, d, draw, weights)
        np.testing.assert_allclose(solution.utilities[draw], expected.utilities, rtol=0, atol=UTILITY_TOL)
        assert {k: v for k, v in solution.contract(draw).items() if k in ("k", "flag")} == \
               {k: expected.contract[k] for k in ("k", "flag")}


def test_binding_constraint_goes_to_the_engine_and_agrees():
    space, payoffs, parameters, d = concave_family(3, draws=3)
    cap = lambda c, p: 0.6 - c["y0"] - 0.0 * p["a"]  # noqa: E731 - binds where the box optimum has y0 > 0.6
    solution = nash_vectorised(space, payoffs, parameters, d, constraints=(cap,))
    assert np.all(solution.terms[:, 0] <= 0.6 + 1e-12)
    for draw in range(3):
        expected = engine(space, payoffs, parameters, d, draw, constraints=(cap,))
        np.testing.assert_allclose(solution.utilities[draw], expected.utilities, rtol=0, atol=UTILITY_TOL)


def test_discrete_only_space_is_enumerated():
    space = {"k": ng.Discrete((0, 1, 2))}
    payoffs = (lambda c, p: p["a"] * c["k"] + 0.0, lambda c, p: 3.0 - c["k"] + 0.0 * p["a"])
    solution = nash_vectorised(space, payoffs, {"a": np.array([1.0, 0.2])}, (0.0, 0.0))
    # a = 1: products 0, 2, 2 -> first of the tie (k = 1); a = 0.2: 0, 0.4, 0.4 -> k = 1
    assert solution.combination.tolist() == [1, 1]
    np.testing.assert_allclose(solution.utilities, [[1.0, 2.0], [0.2, 2.0]])


def test_draw_without_a_gain_is_infeasible():
    space = {"x": ng.Continuous(0.0, 1.0)}
    payoffs = (lambda c, p: c["x"] + 0.0 * p["a"], lambda c, p: 1.0 - c["x"] + 0.0 * p["a"])
    solution = nash_vectorised(space, payoffs, {"a": np.zeros(2)}, [[0.2, 0.3], [0.6, 0.6]])
    assert solution.feasible.tolist() == [True, False]
    np.testing.assert_allclose(solution.utilities[0], [0.45, 0.55], atol=UTILITY_TOL)
    assert np.isnan(solution.utilities[1]).all() and solution.contract(1) is None


@pytest.mark.parametrize(("kwargs", "match"), [
    ({"parameters": {}}, "parameters must be a non-empty mapping"),
    ({"parameters": {"a": np.ones(2), "b": np.ones(3)}}, "one common length"),
    ({"disagreement": np.zeros((3, 2))}, r"disagreement must have shape \(2,\) or \(draws, 2\)"),
    ({"weights": (0.6, 0.6)}, "weights must sum to one"),
    ({"payoffs": (lambda c, p: c["x"],)}, "payoffs must be a pair"),
    ({"space": {"x": (0, 1)}}, "must be Continuous or Discrete"),
])
def test_bad_input_names_the_argument(kwargs, match):
    arguments = {"space": {"x": ng.Continuous(0.0, 1.0)}, "payoffs": (lambda c, p: c["x"], lambda c, p: 1 - c["x"]),
                 "parameters": {"a": np.ones(2)}, "disagreement": (0.0, 0.0)}
    arguments.update(kwargs)
    with pytest.raises(ValueError, match=match):
        nash_vectorised(**arguments)


def test_non_finite_payoff_is_refused_naming_it():
    space = {"x": ng.Continuous(0.0, 1.0)}
    payoffs = (lambda c, p: np.log(c["x"]) + p["a"], lambda c, p: 1.0 - c["x"])
    with np.errstate(divide="ignore"), pytest.raises(ng.PayoffError, match=r"payoffs\[0\] \(player 1\) returned -inf at draw 0"):
        nash_vectorised(space, payoffs, {"a": np.ones(2)}, (0.0, 0.0))
