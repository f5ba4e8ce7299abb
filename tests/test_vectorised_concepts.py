"""Kalai-Smorodinsky, egalitarian and utilitarian on the vectorised path agree with the engine, draw by draw (issue 27)."""

from __future__ import annotations

import numpy as np
import pytest

import negotiation as ng
from negotiation.families import random_family
from negotiation.solutions.utilitarian import TIE_TOL
from negotiation.vectorised_concepts import egalitarian_vectorised, kalai_smorodinsky_vectorised, utilitarian_vectorised

UTILITY_TOL = 1e-8
"""Agreement with the engine's concept on ``BargainingProblem.from_contracts(...)`` per draw, in utilities."""
CORNER_TOL = 1e-6
"""Where a ray leaves S through a weakly Pareto stretch (capped by one player's best utility), the
other's utility depends on the maximiser of a flat maximum, which the engine's SLSQP finds to
~1e-8 in the contract (the vectorised Newton method to solver precision: see the exact test below)."""
TIE_BAND = 1e-5
"""The engine's utilitarian answer on a curved frontier moves up to ~sqrt(TIE_TOL) along it (its
tie-break floor w.u >= W* - TIE_TOL (1 + |W*|)); its own W* is found to ~1e-10, so where the
floor lands, and the answer, is reproducible only to about this."""
CONCEPTS = {"egalitarian": (egalitarian_vectorised, ng.egalitarian_solution),
            "kalai_smorodinsky": (kalai_smorodinsky_vectorised, ng.kalai_smorodinsky_solution),
            "utilitarian": (utilitarian_vectorised, ng.utilitarian_solution)}


def family(seed: int, draws: int, terms: int, shape: str, binary: int = 2):
    """The seeded family of :func:`negotiation.families.random_family` (the scale benchmark's problems)."""
    return random_family(terms, binary, shape, draws, seed)


def problem_of(space, payoffs, parameters, d, draw, constraints=()):
    theta = {k: v[draw] for k, v in parameters.items()}
    bind = lambda f: (lambda c: f(c, theta))  # noqa: E731
    return ng.BargainingProblem.from_contracts(space, tuple(map(bind, payoffs)), d[draw], constraints=tuple(map(bind, constraints)))


def engine(concept, space, payoffs, parameters, d, draw, constraints=()):
    return CONCEPTS[concept][1](problem_of(space, payoffs, parameters, d, draw, constraints))


def at_a_corner(concept, problem, utilities):
    """The ray's point is not on the ray (u - d not parallel to its direction): a weakly Pareto exit."""
    if concept == "utilitarian":
        return False
    d = problem.disagreement
    r = np.ones(2) if concept == "egalitarian" else ng.ideal_point(problem) - d
    g = utilities - d
    return abs(g[0] * r[1] - g[1] * r[0]) > 1e-9 * (1.0 + np.abs(g).max() * np.abs(r).max())


def assert_agrees(concept, space, payoffs, parameters, d, tol=UTILITY_TOL, constraints=()):
    solution = CONCEPTS[concept][0](space, payoffs, parameters, d, constraints=constraints)
    assert solution.feasible.all() and solution.converged.all()
    for draw in range(len(d)):
        problem = problem_of(space, payoffs, parameters, d, draw, constraints)
        expected = CONCEPTS[concept][1](problem)
        corner = at_a_corner(concept, problem, expected.utilities)
        np.testing.assert_allclose(solution.utilities[draw], expected.utilities, rtol=0, atol=CORNER_TOL if corner else tol)
        if corner:  # the binding player's utility, and so t, is still exact
            np.testing.assert_allclose(np.min(solution.utilities[draw] - d[draw]), np.min(expected.utilities - d[draw]),
                                       rtol=0, atol=tol)
        discrete = [name for name, term in space.items() if isinstance(term, ng.Discrete)]
        assert {k: solution.contract(draw)[k] for k in discrete} == {k: expected.contract[k] for k in discrete}
    return solution


@pytest.mark.parametrize("concept", ["egalitarian", "kalai_smorodinsky"])
@pytest.mark.parametrize(("seed", "terms", "shape"), [(0, 2, "concave"), (1, 3, "concave"), (2, 1, "linear"), (3, 2, "linear")])
def test_rays_agree_with_engine_per_draw(concept, seed, terms, shape):
    assert_agrees(concept, *family(seed, draws=4, terms=terms, shape=shape))


@pytest.mark.parametrize(("seed", "terms"), [(2, 1), (3, 2)])
def test_utilitarian_agrees_with_engine_on_kinked_frontiers(seed, terms):
    """Linear payoffs: the weighted sum's maximiser is a vertex (or a face), where the engine's floor moves nothing."""
    assert_agrees("utilitarian", *family(seed, draws=4, terms=terms, shape="linear"))


def test_utilitarian_on_a_flat_frontier_breaks_the_tie_by_nash_as_the_engine():
    """Transferable utility (a share e of V_k): every e maximises u1 + u2, the tie goes to the Nash point."""
    space = {"e": ng.Continuous(0.0, 1.0), "k": ng.Discrete((0, 1, 2))}
    payoffs = (lambda c, p: c["e"] * (p["v"] + 0.3 * c["k"]) + 0.1 * c["k"],
               lambda c, p: (1.0 - c["e"]) * (p["v"] + 0.3 * c["k"]) - 0.1 * c["k"] ** 2)
    parameters = {"v": np.array([1.0, 1.5, 2.5])}
    d = np.array([[0.1, 0.2], [0.0, 0.5], [0.4, 0.1]])
    # The engine's tie-break is SLSQP on the Nash product in a sliver of width TIE_TOL: 1e-8 off here.
    solution = assert_agrees("utilitarian", space, payoffs, parameters, d, tol=1e-7)
    gains = solution.utilities - d
    np.testing.assert_allclose(gains[:, 0], gains[:, 1], rtol=0, atol=1e-12)  # TU: Nash splits the surplus exactly


@pytest.mark.parametrize(("seed", "terms"), [(0, 2), (1, 3)])
def test_utilitarian_on_curved_frontiers_is_the_engines_up_to_its_tie_band(seed, terms):
    space, payoffs, parameters, d = family(seed, draws=4, terms=terms, shape="concave")
    solution = utilitarian_vectorised(space, payoffs, parameters, d)
    for draw in range(4):
        expected = engine("utilitarian", space, payoffs, parameters, d, draw)
        best = solution.value[draw]
        floor = best - TIE_TOL * (1.0 + abs(best))
        assert expected.utilities.sum() <= best + UTILITY_TOL  # the vectorised maximum is at least the engine's
        assert solution.utilities[draw].sum() >= floor - 1e-14  # on the documented floor (or above)
        assert expected.utilities.sum() >= best - 2.0 * TIE_TOL * (1.0 + abs(best))
        np.testing.assert_allclose(solution.utilities[draw], expected.utilities, rtol=0, atol=TIE_BAND)


def test_egalitarian_capped_by_a_players_best_is_exact():
    """The ray leaves S above player 1's best utility: E = (max u1, u2 of its unique maximiser). The
    engine's SLSQP finds that maximiser to ~1e-8 (a flat maximum); the vectorised path to solver precision."""
    space = {"y": ng.Continuous(0.0, 1.0), "k": ng.Discrete((0, 1))}
    payoffs = (lambda c, p: p["a"] * c["y"] - 0.5 * c["y"] ** 2 + 0.0 * c["k"],
               lambda c, p: 3.0 + np.log1p(1.0 - c["y"]) - 0.5 * c["k"] + 0.0 * p["a"])
    parameters = {"a": np.array([0.4, 0.7, 0.9])}
    solution = egalitarian_vectorised(space, payoffs, parameters, (0.0, 0.0))
    y = parameters["a"]  # argmax a y - y^2 / 2
    np.testing.assert_allclose(solution.terms[:, 0], y, atol=UTILITY_TOL)
    np.testing.assert_allclose(solution.utilities, np.column_stack([y**2 / 2, 3.0 + np.log1p(1.0 - y)]), atol=UTILITY_TOL)
    assert solution.combination.tolist() == [0, 0, 0]  # k = 1 lowers only u2: the tie goes to the first
    for draw in range(3):
        expected = engine("egalitarian", space, payoffs, parameters, np.zeros((3, 2)), draw)
        np.testing.assert_allclose(solution.utilities[draw], expected.utilities, rtol=0, atol=1e-6)


@pytest.mark.parametrize("concept", sorted(CONCEPTS))
def test_ties_between_combinations_go_to_the_first(concept):
    space = {"k": ng.Discrete(("a", "b", "c"))}
    value = {"a": (1.0, 1.0), "b": (2.0, 2.0), "c": (2.0, 2.0)}
    payoffs = (lambda c, p: value[c["k"]][0] + 0.0 * p["x"], lambda c, p: value[c["k"]][1] + 0.0 * p["x"])
    solution = CONCEPTS[concept][0](space, payoffs, {"x": np.zeros(2)}, (0.0, 0.0))
    assert solution.combination.tolist() == [1, 1]
    np.testing.assert_allclose(solution.utilities, [[2.0, 2.0], [2.0, 2.0]])
    assert engine(concept, space, payoffs, {"x": np.zeros(2)}, np.zeros((2, 2)), 0).contract == {"k": "b"}


@pytest.mark.parametrize("concept", sorted(CONCEPTS))
def test_binding_contract_constraint_goes_to_the_engine_and_agrees(concept):
    space, payoffs, parameters, d = family(4, draws=3, terms=2, shape="concave", binary=1)
    cap = lambda c, p: 0.3 - c["y0"] + 0.0 * p["a"]  # noqa: E731
    solution = assert_agrees(concept, space, payoffs, parameters, d, constraints=(cap,), tol=1e-6)
    assert np.all(solution.terms[:, 0] <= 0.3 + 1e-9)


def test_draw_without_a_gain_is_infeasible():
    space = {"y": ng.Continuous(0.0, 1.0)}
    payoffs = (lambda c, p: c["y"] + 0.0 * p["x"], lambda c, p: 1.0 - c["y"] + 0.0 * p["x"])
    d = np.array([[0.2, 0.2], [0.7, 0.6]])
    for concept in CONCEPTS:
        solution = CONCEPTS[concept][0](space, payoffs, {"x": np.zeros(2)}, d)
        assert solution.feasible.tolist() == [True, False], concept
        assert np.isnan(solution.utilities[1]).all() and solution.contract(1) is None


def test_bad_weights_are_refused_naming_the_argument():
    space, payoffs, parameters, d = family(0, draws=2, terms=1, shape="linear")
    with pytest.raises(ValueError, match="weights"):
        utilitarian_vectorised(space, payoffs, parameters, d, weights=(1.0, -1.0))
