"""Present values under discounting and an AGI hazard: theory.md §6 oracles and properties."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.integrate import quad

from negotiation.valuation import annuity, pv_flow, pv_flow_between, pv_piecewise_flow, pv_post_agi_flow

TOL = 1e-9
QUAD_TOL = 1e-7


def test_perpetuity_until_agi_is_five():
    assert pv_flow(1.0, 0.1, hazard=0.1) == pytest.approx(5.0, abs=TOL)


def test_flow_until_agi_or_seven_years():
    assert pv_flow(1.0, 0.1, hazard=0.1, horizon=7.0) == pytest.approx(3.7670151803, abs=TOL)


def test_belief_gap_example():
    cost_openai = pv_flow(1.0, 0.1, hazard=0.2)
    value_microsoft = pv_flow(1.0, 0.1, hazard=0.05)
    assert cost_openai == pytest.approx(1 / 0.3, abs=TOL)
    assert value_microsoft == pytest.approx(1 / 0.15, abs=TOL)
    assert value_microsoft > cost_openai


def test_post_agi_constant_flow_formula():
    r, lam, T, k = 0.1, 0.2, 7.0, 2.5
    expected = k * ((1 - math.exp(-r * T)) / r - (1 - math.exp(-(r + lam) * T)) / (r + lam))
    assert pv_post_agi_flow(k, (0.0,), (), r, lam, T) == pytest.approx(expected, abs=TOL)


def test_annuity_zero_rate_limit_and_broadcasting():
    assert annuity(0.0, 3.0) == pytest.approx(3.0, abs=TOL)
    assert annuity(1e-12, 3.0) == pytest.approx(3.0, abs=1e-9)
    out = annuity(np.array([0.1, 0.2, 0.3]), np.array([[1.0], [np.inf]]))
    assert out.shape == (2, 3)
    assert out[1] == pytest.approx(1 / np.array([0.1, 0.2, 0.3]), abs=TOL)


def test_negative_effective_rate_allowed_on_finite_horizon():
    # a flow growing faster than r + lambda: (e^{aT} - 1)/a with a = 0.2
    assert annuity(-0.2, 5.0) == pytest.approx((math.exp(1.0) - 1) / 0.2, abs=TOL)


@pytest.mark.parametrize("rate", [0.0, -0.1])
def test_infinite_horizon_needs_positive_rate(rate):
    with pytest.raises(ValueError, match="rate"):
        annuity(rate, np.inf)


def test_negative_horizon_rejected():
    with pytest.raises(ValueError, match="horizon"):
        annuity(0.1, -1.0)


def test_piecewise_with_equal_growth_is_single_segment():
    single = pv_flow(2.0, 0.2, hazard=0.03, growth=0.1, horizon=12.0)
    piecewise = pv_piecewise_flow(2.0, (0.1, 0.1, 0.1), (3.0, 4.0), 0.2, 0.03, 12.0)
    assert piecewise == pytest.approx(single, abs=TOL)


def test_piecewise_durations_length_checked():
    with pytest.raises(ValueError, match="durations"):
        pv_piecewise_flow(1.0, (0.1, 0.05), (), 0.2)


def test_flow_between_is_a_difference_and_ordered():
    whole = pv_piecewise_flow(1.0, (0.5, 0.05), (5.0,), 0.2, 0.0, 9.0)
    part = pv_piecewise_flow(1.0, (0.5, 0.05), (5.0,), 0.2, 0.0, 2.0)
    assert pv_flow_between(1.0, (0.5, 0.05), (5.0,), 0.2, 2.0, 9.0) == pytest.approx(whole - part, abs=TOL)
    with pytest.raises(ValueError, match="start"):
        pv_flow_between(1.0, (0.5,), (), 0.2, 3.0, 2.0)


rates = st.floats(0.05, 0.4)
growths = st.floats(-0.1, 0.6)


@settings(max_examples=40, deadline=None)
@given(c0=st.floats(0.1, 10), g1=growths, g2=st.floats(-0.05, 0.04), d1=st.floats(0.0, 8.0),
       r=rates, lam=st.floats(0.0, 0.3), T=st.floats(0.0, 30.0))
def test_piecewise_matches_quadrature(c0, g1, g2, d1, r, lam, T):
    def flow(t):
        level = c0 * math.exp(g1 * min(t, d1)) * math.exp(g2 * max(t - d1, 0.0))
        return level * math.exp(-(r + lam) * t)

    points = [d1] if 0 < d1 < T else None
    expected = quad(flow, 0.0, T, points=points, limit=200)[0]
    got = float(pv_piecewise_flow(c0, (g1, g2), (d1,), r, lam, T))
    assert got == pytest.approx(expected, rel=QUAD_TOL, abs=QUAD_TOL)


@settings(max_examples=40, deadline=None)
@given(r=rates, lam=st.floats(0.0, 0.3), extra=st.floats(0.001, 0.3), T=st.floats(0.1, 40.0))
def test_pv_falls_with_hazard_and_rises_with_horizon(r, lam, extra, T):
    assert pv_flow(1.0, r, lam + extra, 0.02, T) < pv_flow(1.0, r, lam, 0.02, T)
    assert pv_flow(1.0, r, lam, 0.02, T + 1.0) > pv_flow(1.0, r, lam, 0.02, T)
    # the post-AGI part plus the pre-AGI part is the whole flow
    whole = pv_piecewise_flow(1.0, (0.02,), (), r, 0.0, T)
    parts = pv_piecewise_flow(1.0, (0.02,), (), r, lam, T) + pv_post_agi_flow(1.0, (0.02,), (), r, lam, T)
    assert parts == pytest.approx(whole, rel=1e-12)
