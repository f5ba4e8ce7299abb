"""The axioms of theory.md §1 as property tests on random superellipses, point sets and
linear-transfer contract spaces (hypothesis, derandomised by the profile in conftest)."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import (
    LinearTransfer,
    Superellipse,
    affine_maps,
    linear_transfers,
    point_sets,
    superellipses,
    symmetric_superellipses,
    shrinks,
    weights,
)
from hypothesis import given, settings
from hypothesis import strategies as st

import negotiation as ng

TOL = 1e-9
"""Utilities on frontier and point problems (closed forms or brentq at machine tolerance)."""
TOL_CONTRACT = 1e-7
"""Utilities on contract problems (Newton / SLSQP with finite-difference derivatives)."""
FAST = settings(max_examples=40)
SLOW = settings(max_examples=8)

PARETO_CONCEPTS = {
    "nash": ng.nash_solution,
    "asymmetric_nash": lambda p: ng.nash_solution(p, (0.3, 0.7)),
    "kalai_smorodinsky": ng.kalai_smorodinsky_solution,
    "utilitarian": ng.utilitarian_solution,
}
SYMMETRIC_CONCEPTS = {
    "nash": ng.nash_solution,
    "kalai_smorodinsky": ng.kalai_smorodinsky_solution,
    "egalitarian": ng.egalitarian_solution,
    "utilitarian": ng.utilitarian_solution,
}
INVARIANT_CONCEPTS = {
    "nash": ng.nash_solution,
    "asymmetric_nash": lambda p: ng.nash_solution(p, (0.3, 0.7)),
    "kalai_smorodinsky": ng.kalai_smorodinsky_solution,
}


ROUNDING = 1e-12
"""What a dominating point may lose in the other coordinate: rounding, not TOL. With TOL there, a
point on a nearly flat stretch of the frontier (slope -2e-5, found by hypothesis) counted as
dominated by a vertex 1e-5 to its right that is 2e-10 lower."""


def _dominated_by_frontier(problem: ng.BargainingProblem, x: np.ndarray, tol: float, n: int = 2001) -> bool:
    """True if some boundary point y of S has y >= x - ROUNDING (1 + |x|) and y_i > x_i + tol for some i."""
    fr = problem.frontier
    u1 = np.linspace(fr.lo, fr.hi, n)
    if fr.vertices is not None:
        u1 = np.union1d(u1, fr.vertices[:, 0])
    y = np.column_stack([u1, fr.phi(u1)])
    return bool(np.any(np.all(y >= x - ROUNDING * (1.0 + np.abs(x)), axis=1) & np.any(y > x + tol, axis=1)))


def _affine(problem: ng.BargainingProblem, a: np.ndarray, b: np.ndarray) -> ng.BargainingProblem:
    """L(S), L(d) for L(x) = a * x + b."""
    d = a * problem.disagreement + b
    fr = problem.frontier
    if fr.vertices is not None:
        dominated = fr.vertices[:1] - 1.0  # keeps two distinct rows when the hull is one point
        return ng.BargainingProblem.from_points(np.vstack([fr.vertices, dominated]) * a + b, d)
    return ng.BargainingProblem.from_frontier(
        lambda v: a[1] * fr.phi((np.asarray(v) - b[0]) / a[0]) + b[1], (a[0] * fr.lo + b[0], a[0] * fr.hi + b[0]), d
    )


def _points_problem(points: np.ndarray, shrink: float) -> ng.BargainingProblem:
    """d = shrink * (componentwise min of the points) (all points are >> 0, so some x >> d)."""
    return ng.BargainingProblem.from_points(points, shrink * points.min(axis=0))


# --- PO / WPO ------------------------------------------------------------------------------


@pytest.mark.parametrize("concept", PARETO_CONCEPTS)
@FAST
@given(superellipses)
def test_pareto_optimal_superellipse(concept: str, s: Superellipse) -> None:
    p = s.problem()
    x = PARETO_CONCEPTS[concept](p).utilities
    assert x[1] == pytest.approx(float(s.phi(x[0])), abs=TOL)
    assert not _dominated_by_frontier(p, x, TOL)


@pytest.mark.parametrize("concept", PARETO_CONCEPTS)
@FAST
@given(point_sets, shrinks)
def test_pareto_optimal_points(concept: str, points: np.ndarray, shrink: float) -> None:
    p = _points_problem(points, shrink)
    assert not _dominated_by_frontier(p, PARETO_CONCEPTS[concept](p).utilities, TOL)


@FAST
@given(point_sets, shrinks)
def test_egalitarian_weakly_pareto_optimal(points: np.ndarray, shrink: float) -> None:
    p = _points_problem(points, shrink)
    x = ng.egalitarian_solution(p).utilities
    fr = p.frontier
    y = np.column_stack([fr.vertices[:, 0], fr.vertices[:, 1]])
    assert not np.any(np.all(y > x + TOL, axis=1))
    _, t = ng.radial_projection(p, x)
    assert t == pytest.approx(1.0, abs=TOL)


@SLOW
@given(linear_transfers, weights)
def test_pareto_optimal_contracts(lt: LinearTransfer, alpha: float) -> None:
    """With transferable utility PO means u1 + u2 = sigma."""
    p = lt.problem()
    for solve in (lambda q: ng.nash_solution(q, (alpha, 1 - alpha)), ng.kalai_smorodinsky_solution, ng.utilitarian_solution):
        assert solve(p).utilities.sum() == pytest.approx(lt.surplus(), rel=TOL_CONTRACT)


# --- SYM -----------------------------------------------------------------------------------


@pytest.mark.parametrize("concept", SYMMETRIC_CONCEPTS)
@FAST
@given(symmetric_superellipses, st.floats(0.0, 0.3))
def test_symmetry_superellipse(concept: str, s: Superellipse, d: float) -> None:
    x = SYMMETRIC_CONCEPTS[concept](s.problem((d * s.a, d * s.a))).utilities
    assert x[0] == pytest.approx(x[1], abs=TOL)


@pytest.mark.parametrize("concept", SYMMETRIC_CONCEPTS)
@FAST
@given(point_sets, shrinks)
def test_symmetry_points(concept: str, points: np.ndarray, shrink: float) -> None:
    symmetric = np.vstack([points, points[:, ::-1]])
    d = np.full(2, shrink * symmetric.min())
    x = SYMMETRIC_CONCEPTS[concept](ng.BargainingProblem.from_points(symmetric, d)).utilities
    assert x[0] == pytest.approx(x[1], abs=TOL)


@SLOW
@given(st.floats(0.5, 2.0), st.floats(0.1, 1.0), st.floats(-1.0, 1.0))
def test_symmetry_contracts(a: float, c: float, b: float) -> None:
    p = LinearTransfer((a, a), (c, c), (b, b)).problem()
    for solve in SYMMETRIC_CONCEPTS.values():
        x = solve(p).utilities
        assert x[0] == pytest.approx(x[1], abs=TOL_CONTRACT)


# --- INV -----------------------------------------------------------------------------------


@pytest.mark.parametrize("concept", INVARIANT_CONCEPTS)
@FAST
@given(superellipses, affine_maps)
def test_invariance_superellipse(concept: str, s: Superellipse, affine: tuple[float, ...]) -> None:
    a, b = np.array(affine[:2]), np.array(affine[2:])
    solve = INVARIANT_CONCEPTS[concept]
    np.testing.assert_allclose(solve(_affine(s.problem(), a, b)).utilities, a * solve(s.problem()).utilities + b, rtol=TOL, atol=TOL * (1 + np.abs(b).max()))


@pytest.mark.parametrize("concept", INVARIANT_CONCEPTS)
@FAST
@given(point_sets, shrinks, affine_maps)
def test_invariance_points(concept: str, points: np.ndarray, shrink: float, affine: tuple[float, ...]) -> None:
    a, b = np.array(affine[:2]), np.array(affine[2:])
    p = _points_problem(points, shrink)
    solve = INVARIANT_CONCEPTS[concept]
    np.testing.assert_allclose(solve(_affine(p, a, b)).utilities, a * solve(p).utilities + b, rtol=TOL, atol=TOL * (1 + np.abs(b).max()))


# --- IIA (Nash) ----------------------------------------------------------------------------


@FAST
@given(point_sets, shrinks, st.lists(st.booleans(), min_size=12, max_size=12), weights)
def test_iia_nash_points(points: np.ndarray, shrink: float, keep: list[bool], alpha: float) -> None:
    """T = conv(subset of the points, F(S, d)) - R^2_+ is inside S and contains F(S, d)."""
    p = _points_problem(points, shrink)
    w = (alpha, 1 - alpha)
    f = ng.nash_solution(p, w).utilities
    subset = np.vstack([points[np.array(keep[: len(points)])], f])
    if len(np.unique(subset, axis=0)) < 2:
        subset = np.vstack([subset, p.disagreement])
    t = ng.BargainingProblem.from_points(subset, p.disagreement)
    np.testing.assert_allclose(ng.nash_solution(t, w).utilities, f, rtol=TOL, atol=TOL)


@FAST
@given(superellipses, shrinks, weights)
def test_iia_nash_truncated_frontier(s: Superellipse, cut: float, alpha: float) -> None:
    """T = S with u1 <= c for any c >= F1(S, d)."""
    w = (alpha, 1 - alpha)
    f = ng.nash_solution(s.problem(), w).utilities
    c = f[0] + cut * (s.a - f[0])
    t = ng.BargainingProblem.from_frontier(s.phi, (0.0, c), (0.0, 0.0))
    np.testing.assert_allclose(ng.nash_solution(t, w).utilities, f, rtol=TOL, atol=TOL)


# --- IM (KS), SMON (egalitarian) -----------------------------------------------------------


@FAST
@given(superellipses, st.floats(0.0, 3.0))
def test_individual_monotonicity_ks(s: Superellipse, extra: float) -> None:
    """S_p ⊆ S_p' for p <= p' with the same ideal point (a, b): KS(T) >= KS(S)."""
    bigger = Superellipse(s.a, s.b, s.p + extra)
    assert np.all(ng.kalai_smorodinsky_solution(bigger.problem()).utilities >= ng.kalai_smorodinsky_solution(s.problem()).utilities - TOL)


@FAST
@given(superellipses, st.floats(0.0, 1.0), st.floats(0.0, 1.0), st.floats(0.0, 3.0))
def test_strong_monotonicity_egalitarian(s: Superellipse, grow_a: float, grow_b: float, extra: float) -> None:
    bigger = Superellipse(s.a + grow_a, s.b + grow_b, s.p + extra)
    assert np.all(ng.egalitarian_solution(bigger.problem()).utilities >= ng.egalitarian_solution(s.problem()).utilities - TOL)


@FAST
@given(point_sets, point_sets)
def test_strong_monotonicity_egalitarian_points(points: np.ndarray, more: np.ndarray) -> None:
    small = ng.BargainingProblem.from_points(points, (0.0, 0.0))
    large = ng.BargainingProblem.from_points(np.vstack([points, more]), (0.0, 0.0))
    assert np.all(ng.egalitarian_solution(large).utilities >= ng.egalitarian_solution(small).utilities - TOL)


# --- Nash = KS on symmetric problems; asymmetric Nash closed form on contracts ----------------


@FAST
@given(symmetric_superellipses, st.floats(0.0, 0.3))
def test_nash_equals_ks_on_symmetric_problems(s: Superellipse, d: float) -> None:
    p = s.problem((d * s.a, d * s.a))
    np.testing.assert_allclose(ng.nash_solution(p).utilities, ng.kalai_smorodinsky_solution(p).utilities, rtol=TOL)


@SLOW
@given(linear_transfers, weights, st.floats(0.0, 0.2), st.floats(0.0, 0.2))
def test_asymmetric_nash_tu_split_on_contracts(lt: LinearTransfer, alpha: float, d1: float, d2: float) -> None:
    """u1 = d1 + alpha (sigma - d1 - d2) with transferable utility (theory.md §1)."""
    sigma = lt.surplus()
    d = (d1 * sigma, d2 * sigma)
    x = ng.nash_solution(lt.problem(d), (alpha, 1 - alpha)).utilities
    expected = d[0] + alpha * (sigma - d[0] - d[1])
    np.testing.assert_allclose(x, (expected, sigma - expected), rtol=TOL_CONTRACT, atol=TOL_CONTRACT)


@pytest.mark.parametrize("concept", PARETO_CONCEPTS)
def test_a_nearly_flat_frontier_stretch_is_pareto_optimal(concept: str) -> None:
    # found by hypothesis: KS lands on a segment of slope -2e-5, 1e-5 left of a vertex 2e-10 lower
    p = _points_problem(np.array([[1.0, 0.5], [1.0, 0.99999], [0.5, 1.0]]), 0.0)
    assert not _dominated_by_frontier(p, PARETO_CONCEPTS[concept](p).utilities, TOL)
