"""Implied bargaining power (theory.md §5): formulas, identified sets, round trips, errors."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import LinearTransfer, Superellipse, linear_transfers, point_sets, superellipses, weights
from hypothesis import given, settings

import negotiation as ng

TOL = 1e-9
TOL_ALPHA_CURVE = 1e-8
"""alpha recovered on a frontier callable (finite-difference slopes)."""
TOL_ALPHA_CONTRACT = 1e-6
"""alpha recovered on a contract problem (root-finding over SLSQP solves)."""

PARABOLA = ng.BargainingProblem.from_frontier(lambda u1: 1 - u1**2, (0.0, 1.0), (0.0, 0.0))
TRIANGLE = ng.BargainingProblem.from_points([[0.0, 1.0], [1.0, 0.0]], (0.2, 0.1))


def test_parabola_alpha_two_thirds() -> None:
    assert ng.implied_bargaining_power(PARABOLA, (1 / np.sqrt(2), 0.5)) == pytest.approx(2 / 3, rel=TOL)


def test_transferable_utility_formula() -> None:
    """alpha = (u1 - d1) / (sigma - d1 - d2)."""
    assert ng.implied_bargaining_power(TRIANGLE, (0.6, 0.4)) == pytest.approx(0.4 / 0.7, rel=TOL)


def test_identified_set_over_a_box_of_d() -> None:
    """alpha falls with d1, rises with d2: the set is [alpha(d1_hi, d2_lo), alpha(d1_lo, d2_hi)]."""
    box = ((0.0, 0.2), (0.0, 0.1))
    interval = ng.implied_bargaining_power(TRIANGLE, (0.6, 0.4), disagreement_box=box)
    assert isinstance(interval, ng.Interval)
    assert interval.lo == pytest.approx(0.4 / 0.8, rel=TOL)
    assert interval.hi == pytest.approx(0.6 / 0.9, rel=TOL)
    assert interval.contains(ng.implied_bargaining_power(TRIANGLE, (0.6, 0.4)))
    assert interval.width == pytest.approx(interval.hi - interval.lo)


def test_kink_gives_the_interval_of_rationalising_weights() -> None:
    """At vertex (0.8, 0.8) of the hull every alpha between the two edge slopes works."""
    p = ng.BargainingProblem.from_points([[0.0, 1.0], [0.8, 0.8], [1.0, 0.0]], (0.0, 0.0))
    interval = ng.implied_bargaining_power(p, (0.8, 0.8), disagreement_box=((0.0, 0.0), (0.0, 0.0)))
    left, right = 0.25, 4.0  # |slopes| of the edges
    assert interval.lo == pytest.approx(left / (1 + left), rel=TOL)
    assert interval.hi == pytest.approx(right / (1 + right), rel=TOL)
    for alpha in (interval.lo + 0.01, 0.5, interval.hi - 0.01):
        np.testing.assert_allclose(ng.nash_solution(p, (alpha, 1 - alpha)).utilities, (0.8, 0.8), rtol=TOL)


def test_agreement_inside_is_rejected_with_the_distance() -> None:
    with pytest.raises(ValueError, match=r"agreement=.*inside.*t=.*radial_projection"):
        ng.implied_bargaining_power(TRIANGLE, (0.5, 0.4))
    with pytest.raises(ValueError, match="agreement"):
        ng.implied_bargaining_power(TRIANGLE, (0.95, 0.05))  # u2 < d2: no gain for player 2
    with pytest.raises(ValueError, match="disagreement_box"):
        ng.implied_bargaining_power(TRIANGLE, (0.6, 0.4), disagreement_box=((0.2, 0.0), (0.0, 0.1)))


def test_contracts_tu_formula_and_box() -> None:
    lt = LinearTransfer((1.0, 1.5), (0.5, 0.3), (0.2, -0.5))
    sigma = lt.surplus()
    agreement = (0.3 * sigma, 0.7 * sigma)
    assert ng.implied_bargaining_power(lt.problem(), agreement) == pytest.approx(0.3, abs=TOL_ALPHA_CONTRACT)
    interval = ng.implied_bargaining_power(lt.problem(), agreement, disagreement_box=((0.0, 0.1), (0.0, 0.1)))
    assert interval.lo == pytest.approx((0.3 * sigma - 0.1) / (sigma - 0.1), abs=TOL_ALPHA_CONTRACT)
    assert interval.hi == pytest.approx(0.3 * sigma / (sigma - 0.1), abs=TOL_ALPHA_CONTRACT)


@settings(max_examples=30)
@given(superellipses, weights)
def test_round_trip_superellipse(s: Superellipse, alpha: float) -> None:
    p = s.problem()
    agreement = ng.nash_solution(p, (alpha, 1 - alpha)).utilities
    assert ng.implied_bargaining_power(p, agreement) == pytest.approx(alpha, abs=TOL_ALPHA_CURVE)


@settings(max_examples=30)
@given(point_sets, weights)
def test_round_trip_points(points: np.ndarray, alpha: float) -> None:
    """At a vertex alpha lies in the identified interval; on an edge it is recovered exactly."""
    p = ng.BargainingProblem.from_points(points, (0.0, 0.0))
    agreement = ng.nash_solution(p, (alpha, 1 - alpha)).utilities
    d = tuple(p.disagreement)
    interval = ng.implied_bargaining_power(p, agreement, disagreement_box=((d[0], d[0]), (d[1], d[1])))
    assert interval.contains(alpha, tol=TOL)


@settings(max_examples=5)
@given(linear_transfers, weights)
def test_round_trip_contracts(lt: LinearTransfer, alpha: float) -> None:
    p = lt.problem()
    agreement = ng.nash_solution(p, (alpha, 1 - alpha)).utilities
    assert ng.implied_bargaining_power(p, agreement) == pytest.approx(alpha, abs=TOL_ALPHA_CONTRACT)


@pytest.mark.parametrize("gain", [1e-2, 3e-2])
def test_contracts_near_a_corner_of_the_weights(gain: float) -> None:
    """d just below the agreement for player 1: alpha = g1 / (g1 + g2) near 0; the bracket grows
    from the first-order guess. (At a gain of 1e-4 the kernel's finite-difference steps, relative to
    the transfer's range of 40, exceed the gain, and the Nash solves fix alpha only to about 2e-5.)"""
    lt = LinearTransfer((1.0, 1.5), (0.5, 0.3), (0.2, -0.5))
    sigma = lt.surplus()
    agreement = (0.3 * sigma, 0.7 * sigma)
    p = lt.problem(disagreement=(0.3 * sigma - gain, 0.0))
    expected = gain / (gain + 0.7 * sigma)
    assert ng.implied_bargaining_power(p, agreement) == pytest.approx(expected, abs=TOL_ALPHA_CONTRACT)
