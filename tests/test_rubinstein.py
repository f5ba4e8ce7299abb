"""Alternating offers: closed forms, the outside-option principle, breakdown risk, BRW limit."""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import negotiation as ng

#: Known answers in closed form, compared to this tolerance.
TOL = 1e-9
#: Agreement of the closed forms with a value iteration of the SPE map.
TOL_ITERATION = 1e-11
#: The BRW limit must be reached to at least this accuracy at the smallest interval.
TOL_LIMIT = 1e-6
EPS = np.finfo(float).eps


@dataclass(frozen=True)
class Case:
    name: str
    kwargs: dict
    shares: tuple[float, float]
    binding: tuple[bool, bool] = (False, False)


D = 0.9  # symmetric discount factor of the outside-option cases: Rubinstein x_i = 1/(1+D)
CASES = [
    Case("theory.md 3: delta=(0.9, 0.8)", dict(discount_factors=(0.9, 0.8)), (5 / 7, 2 / 7)),
    Case(
        "player 2 proposes: x_2 = (1-d1)/(1-d1 d2)",
        dict(discount_factors=(0.9, 0.8), proposer=1),
        (1 - 0.1 / 0.28, 0.1 / 0.28),
    ),
    Case("symmetric: 1/(1+delta)", dict(discount_factors=(D, D)), (1 / (1 + D), D / (1 + D))),
    Case(
        "theory.md 3: BRW r=(0.05, 0.10), Delta=1",
        dict(discount_factors=(math.exp(-0.05), math.exp(-0.10))),
        (0.6831875905, 1 - 0.6831875905),
    ),
    # Outside options (Muthoo 1999, ch. 5): w_j binds iff w_j > (1-p) delta_j x_j + p b_j.
    Case(
        "outside options below the Rubinstein responder shares do not bind",
        dict(discount_factors=(D, D), outside_options=(0.47, 0.47)),  # D/(1+D) = 0.4737
        (1 / (1 + D), D / (1 + D)),
    ),
    Case(
        "w_2 binds: x_1 = 1 - w_2",
        dict(discount_factors=(D, D), outside_options=(0.0, 0.6)),
        (0.4, 0.6),
        (False, True),
    ),
    Case(
        "w_1 binds, 1 proposes: x_1 = 1 - d2 (1 - w_1)",
        dict(discount_factors=(D, D), outside_options=(0.6, None)),
        (1 - D * 0.4, D * 0.4),
        (True, False),
    ),
    Case(
        "w_1 binds, 1 responds: x_2 = 1 - w_1",
        dict(discount_factors=(D, D), outside_options=(0.6, None), proposer=1),
        (0.6, 0.4),
        (True, False),
    ),
    Case(
        "both bind: w_1 > d1 (1 - w_2), w_2 > d2 (1 - w_1)",
        dict(discount_factors=(D, D), outside_options=(0.47, 0.5)),
        (0.5, 0.5),
        (True, True),
    ),
    # Breakdown risk (Muthoo 1999, ch. 4), no discounting: x_1 = b_1 + (1 - b_1 - b_2)/(2 - p).
    Case(
        "breakdown p=0.2, b=(0.3, 0.1), delta=1",
        dict(discount_factors=(1.0, 1.0), breakdown_probability=0.2, breakdown_payoffs=(0.3, 0.1)),
        (0.3 + 0.6 / 1.8, 1 - 0.3 - 0.6 / 1.8),
    ),
    Case(
        "breakdown and discounting: x_1 = (1 - c2 - q2 (1 - c1)) / (1 - q1 q2)",
        dict(discount_factors=(0.9, 0.8), breakdown_probability=0.5, breakdown_payoffs=(0.2, 0.4)),
        ((1 - 0.2 - 0.4 * (1 - 0.1)) / (1 - 0.45 * 0.4), 1 - (1 - 0.2 - 0.4 * 0.9) / (1 - 0.18)),
    ),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_known_answers(case: Case) -> None:
    result = ng.rubinstein(**case.kwargs)
    np.testing.assert_allclose(result.shares, case.shares, rtol=0, atol=TOL)
    assert result.binding_outside_options == case.binding
    assert result.shares.sum() == pytest.approx(1.0, abs=TOL)


def _value_iteration(deltas, p, b, w, sweeps=5000):
    """Iterate the SPE map x_i <- 1 - max(w_j, p b_j + (1-p) delta_j x_j) from (0, 0)."""
    w = [-math.inf if v is None else v for v in w]
    x = [0.0, 0.0]
    for _ in range(sweeps):
        x = [
            1 - max(w[1], p * b[1] + (1 - p) * deltas[1] * x[1]),
            1 - max(w[0], p * b[0] + (1 - p) * deltas[0] * x[0]),
        ]
    return x


unit = st.floats(0.05, 0.95)


@settings(max_examples=150, deadline=None)
@given(
    d1=unit, d2=unit, p=st.floats(0.0, 0.9), b=st.tuples(unit, unit), w=st.tuples(unit, unit),
    proposer=st.sampled_from([0, 1]),
)
def test_closed_forms_match_value_iteration(d1, d2, p, b, w, proposer) -> None:
    """The four closed forms and the binding flags agree with iterating the contraction."""
    b = (b[0] * 0.49, b[1] * 0.49)
    w = (w[0] * 0.49, w[1] * 0.49)
    result = ng.rubinstein((d1, d2), proposer=proposer, outside_options=w,
                           breakdown_probability=p, breakdown_payoffs=b)
    x = _value_iteration((d1, d2), p, b, w)
    np.testing.assert_allclose(result.proposer_shares, x, rtol=0, atol=TOL_ITERATION)
    rejection = [p * b[i] + (1 - p) * (d1, d2)[i] * x[i] for i in (0, 1)]
    assert result.binding_outside_options == tuple(w[i] > rejection[i] for i in (0, 1))
    assert np.all(result.shares >= 0) and np.all(result.shares <= 1)


@settings(max_examples=100, deadline=None)
@given(d1=unit, d2=unit, p=st.floats(0.0, 0.9), b1=st.floats(0, 0.49), b2=st.floats(0, 0.49),
       w1=st.floats(0, 0.49), w2=st.floats(0, 0.49), proposer=st.sampled_from([0, 1]))
def test_relabelling_players_mirrors_the_split(d1, d2, p, b1, b2, w1, w2, proposer) -> None:
    a = ng.rubinstein((d1, d2), proposer, (w1, w2), p, (b1, b2))
    m = ng.rubinstein((d2, d1), 1 - proposer, (w2, w1), p, (b2, b1))
    np.testing.assert_allclose(a.shares, m.shares[::-1], rtol=0, atol=TOL)
    assert a.binding_outside_options == m.binding_outside_options[::-1]


def test_outside_option_is_a_constraint_not_a_disagreement_point() -> None:
    """Raising w_2 up to the Rubinstein responder share changes nothing; beyond it x_2 = w_2."""
    rubinstein_responder = D / (1 + D)
    base = ng.rubinstein((D, D)).shares
    for w2 in np.linspace(0.0, rubinstein_responder, 7):
        np.testing.assert_allclose(ng.rubinstein((D, D), outside_options=(None, w2)).shares, base,
                                   rtol=0, atol=TOL)
    for w2 in np.linspace(rubinstein_responder + 0.01, 0.9, 7):
        result = ng.rubinstein((D, D), outside_options=(None, w2))
        np.testing.assert_allclose(result.shares, (1 - w2, w2), rtol=0, atol=TOL)
        assert result.binding_outside_options == (False, True)


def test_breakdown_risk_converges_to_nash_with_d_equal_b() -> None:
    """delta = 1: x_1(p) - Nash_1 = (1 - b_1 - b_2) p / (2 (2 - p)) -> 0 (BRW 1986)."""
    b = (0.3, 0.1)
    nash_1 = b[0] + (1 - sum(b)) / 2
    errors = []
    for p in 10.0 ** -np.arange(1, 11):
        x1 = ng.rubinstein((1.0, 1.0), breakdown_probability=p, breakdown_payoffs=b).shares[0]
        errors.append(x1 - nash_1)
        assert x1 - nash_1 == pytest.approx((1 - sum(b)) * p / (2 * (2 - p)), abs=TOL * p + 1e-15)
    assert all(later < earlier for earlier, later in zip(errors, errors[1:]))
    assert errors[-1] < TOL


def test_breakdown_limit_equals_engine_nash_solution() -> None:
    b = (0.3, 0.1)
    problem = ng.BargainingProblem.from_points([[1.0, 0.0], [0.0, 1.0], [0.0, 0.0]], disagreement=b)
    nash = ng.nash_solution(problem).utilities
    shares = ng.rubinstein((1.0, 1.0), breakdown_probability=1e-9, breakdown_payoffs=b).shares
    np.testing.assert_allclose(shares, nash, rtol=0, atol=1e-8)


def test_brw_weight_and_discount_factors() -> None:
    assert ng.brw_weight((0.05, 0.10)) == pytest.approx(2 / 3, abs=TOL)
    assert ng.brw_discount_factors((0.05, 0.10), 2.0) == pytest.approx((math.exp(-0.1), math.exp(-0.2)))


def test_brw_limit_converges_to_asymmetric_nash() -> None:
    """delta_i = exp(-r_i Delta): x_1(Delta) = alpha g(s) / g(a) with g(z) = z / (1 - e^-z),
    a = r_2 Delta, s = (r_1 + r_2) Delta, alpha = r_2 / (r_1 + r_2). Since
    g(z) = z/2 + (z/2) coth(z/2) and 1 <= y coth y <= 1 + y^2/3, g is increasing and
    1 + z/2 <= g(z) <= 1 + z/2 + z^2/12, so

        0 <= x_1(Delta) - alpha <= alpha (r_1 Delta / 2 + (r_1 + r_2)^2 Delta^2 / 12),

    up to rounding in 1 - delta_i, bounded by 8 eps / (1 - delta_1 delta_2) here."""
    rates = (0.05, 0.10)
    alpha = ng.brw_weight(rates)
    errors = []
    for interval in 10.0 ** -np.arange(0, 7):
        deltas = ng.brw_discount_factors(rates, interval)
        error = ng.rubinstein(deltas).shares[0] - alpha
        bound = alpha * (rates[0] * interval / 2 + sum(rates) ** 2 * interval**2 / 12)
        rounding = 8 * EPS / (1 - deltas[0] * deltas[1])
        assert -rounding <= error <= bound + rounding
        errors.append(error)
    assert all(later < earlier for earlier, later in zip(errors, errors[1:]))
    assert errors[0] == pytest.approx(0.6831875905 - 2 / 3, abs=TOL)
    assert abs(errors[-1]) < TOL_LIMIT / 10


def test_brw_limit_equals_engine_asymmetric_nash() -> None:
    alpha = ng.brw_weight((0.05, 0.10))
    triangle = ng.BargainingProblem.from_points([[1.0, 0.0], [0.0, 1.0], [0.0, 0.0]], disagreement=(0, 0))
    nash = ng.nash_solution(triangle, weights=(alpha, 1 - alpha)).utilities
    shares = ng.rubinstein(ng.brw_discount_factors((0.05, 0.10), 1e-6)).shares
    np.testing.assert_allclose(shares, nash, rtol=0, atol=TOL_LIMIT)


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        (dict(discount_factors=(0.0, 0.9)), "discount_factors"),
        (dict(discount_factors=(0.9, 1.1)), "discount_factors"),
        (dict(discount_factors=(1.0, 0.9)), "discount_factors"),
        (dict(discount_factors=(0.9, math.nan)), "discount_factors"),
        (dict(discount_factors=(0.9,)), "discount_factors"),
        (dict(discount_factors=(0.9, 0.9), proposer=2), "proposer"),
        (dict(discount_factors=(0.9, 0.9), proposer=True), "proposer"),
        (dict(discount_factors=(0.9, 0.9), breakdown_probability=1.0), "breakdown_probability"),
        (dict(discount_factors=(0.9, 0.9), breakdown_probability=-0.1), "breakdown_probability"),
        (dict(discount_factors=(0.9, 0.9), breakdown_probability=math.nan), "breakdown_probability"),
        (dict(discount_factors=(0.9, 0.9), breakdown_probability="high"), "breakdown_probability"),
        (dict(discount_factors=(0.9, 0.9), breakdown_payoffs=(0.6, 0.4)), "breakdown_payoffs"),
        (dict(discount_factors=(0.9, 0.9), breakdown_payoffs=(-0.1, 0.4)), "breakdown_payoffs"),
        (dict(discount_factors=(0.9, 0.9), breakdown_payoffs=(math.inf, 0)), "breakdown_payoffs"),
        (dict(discount_factors=(0.9, 0.9), outside_options=(0.5, 0.5)), "outside_options"),
        (dict(discount_factors=(0.9, 0.9), outside_options=(1.0, None)), "outside_options"),
        (dict(discount_factors=(0.9, 0.9), outside_options=(math.nan, 0.1)), "outside_options"),
        (dict(discount_factors=(0.9, 0.9), outside_options=(-0.1, 0.1)), "outside_options"),
        (dict(discount_factors=(0.9, 0.9), outside_options=(0.1,)), "outside_options"),
    ],
)
def test_bad_input_names_the_argument(kwargs: dict, name: str) -> None:
    with pytest.raises(ValueError, match=name):
        ng.rubinstein(**kwargs)


def test_patient_player_allowed_with_breakdown_risk() -> None:
    shares = ng.rubinstein((1.0, 0.9), breakdown_probability=0.1).shares
    assert shares[0] > 1 / (1 + 0.9)


@pytest.mark.parametrize(("rates", "interval", "name"), [
    ((0.0, 0.1), 1.0, "rates"), ((0.1, math.inf), 1.0, "rates"),
    ((0.1, 0.1), 0.0, "interval"), ((0.1, 0.1), math.nan, "interval"),
])
def test_brw_bad_input(rates, interval, name) -> None:
    with pytest.raises(ValueError, match=name):
        ng.brw_discount_factors(rates, interval)
    if name == "rates":
        with pytest.raises(ValueError, match="rates"):
            ng.brw_weight(rates)


def test_result_is_frozen_and_carries_provenance() -> None:
    result = ng.rubinstein((0.9, 0.8), outside_options=(None, 0.5), breakdown_probability=0.1)
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.proposer = 1  # type: ignore[misc]
    with pytest.raises(ValueError):
        result.shares[0] = 0.0
    assert result.outside_options == (None, 0.5)
    assert "Shaked-Sutton" in result.method and "Binmore-Rubinstein-Wolinsky" in result.method


@settings(max_examples=30, deadline=None)
@given(d1=unit, d2=unit, w1=st.floats(0, 0.49), w2=st.floats(0, 0.49), proposer=st.sampled_from([0, 1]))
def test_unit_surplus_agrees_with_the_frontier_version(d1, d2, w1, w2, proposer) -> None:
    """``rubinstein_solution`` on the unit simplex with zero impasse payoffs is the same game."""
    simplex = ng.BargainingProblem.from_points([[1.0, 0.0], [0.0, 1.0]], disagreement=(0.0, 0.0))
    general = ng.rubinstein_solution(simplex, (d1, d2), proposer=proposer, outside_options=(w1, w2))
    unit_pie = ng.rubinstein((d1, d2), proposer=proposer, outside_options=(w1, w2))
    np.testing.assert_allclose(unit_pie.shares, general.utilities, rtol=0, atol=TOL)
