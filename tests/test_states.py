"""Quadrature over the AGI date and the CARA certainty equivalent (theory.md §6, §8).

Oracles: the closed forms of theory.md §6, negotiation/valuation.py (unchanged), and exact integrals
of piecewise polynomials times exponentials (regularised incomplete gamma functions).
"""

from __future__ import annotations

import doctest
import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy.special import gamma, gammainc, gammaincc

import negotiation.risk
import negotiation.states
from negotiation.risk import certainty_equivalent
from negotiation.states import DEFAULT_NODES, MAX_NODES, expect, nodes_and_weights, pv_after, pv_until
from negotiation.valuation import pv_flow, pv_piecewise_flow, pv_post_agi_flow

CLOSED_FORM_TOL = 1e-10
"""theory.md §8: the rule must match the §6 closed forms to 1e-10 (absolute, values of order 1-10)."""
EXACT_TOL = 1e-12
"""Relative to the size of the integral's terms: exactness for piecewise polynomials times exponentials."""
NODES_TOL = 1e-12
"""Doubling the nodes must not move a smooth result by more than this (relative)."""
LIMIT_TOL = 1e-9
"""The certainty equivalent at a -> 0 against the mean (relative to the spread of the values)."""


@pytest.mark.parametrize("module", [negotiation.states, negotiation.risk])
def test_docstring_examples_run(module):
    result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0 and result.failed == 0


# --- theory.md §6 closed forms ------------------------------------------------------------------


def test_perpetuity_until_agi_is_five():
    assert expect(lambda t: pv_until(t, 1.0, 0.1), 0.1) == pytest.approx(5.0, abs=CLOSED_FORM_TOL)


def test_flow_until_agi_or_seven_years():
    value = expect(lambda t: pv_until(t, 1.0, 0.1, horizon=7.0), 0.1, kinks=(7.0,))
    assert value == pytest.approx(3.7670151803, abs=CLOSED_FORM_TOL)


def test_belief_gap_example():
    """§6: per unit flow, OpenAI (lambda 0.2) costs 1/0.3, Microsoft (lambda 0.05) values 1/0.15."""
    values = expect(lambda t: pv_until(t, 1.0, 0.1), np.array([0.2, 0.05]))
    assert values == pytest.approx([1 / 0.3, 1 / 0.15], abs=CLOSED_FORM_TOL)


@pytest.mark.parametrize("c0", [1.0, 2.5])
@pytest.mark.parametrize("g", [0.0, 0.04, -0.03])
@pytest.mark.parametrize("r, lam", [(0.1, 0.1), (0.05, 0.2), (0.12, 0.03), (0.1, 0.01)])
@pytest.mark.parametrize("horizon", [3.0, 7.0, 25.0, np.inf])
def test_flow_until_min_tau_T_matches_closed_form(c0, g, r, lam, horizon):
    """E over tau of the PV of c0 e^(gt) paid until min(tau, T) = c0 (1 - e^(-(r+lam-g)T)) / (r+lam-g)."""
    a = r + lam - g
    closed = c0 * (1 / a if np.isinf(horizon) else -math.expm1(-a * horizon) / a)
    kinks = () if np.isinf(horizon) else (horizon,)
    value = expect(lambda t: pv_until(t, c0, r, g, horizon), lam, kinks=kinks, tail_rate=r - g)
    assert value == pytest.approx(closed, abs=CLOSED_FORM_TOL)


@pytest.mark.parametrize("r, lam, T, k", [(0.1, 0.2, 7.0, 2.5), (0.05, 0.02, 30.0, 1.0), (0.1, 0.1, 1.0, 3.0)])
def test_post_agi_flow_matches_closed_form(r, lam, T, k):
    closed = k * ((1 - math.exp(-r * T)) / r - (1 - math.exp(-(r + lam) * T)) / (r + lam))
    value = expect(lambda t: pv_after(t, k, r, horizon=T), lam, kinks=(T,))
    assert value == pytest.approx(closed, abs=CLOSED_FORM_TOL)


def test_plain_laguerre_tail_is_exact_while_r_over_lambda_is_moderate():
    """The brief's rule without an extra tail kink: to 1e-10 for r / lambda <= 5."""
    r = 0.1
    lam = r / np.array([0.2, 0.5, 1.0, 2.0, 5.0])
    assert expect(lambda t: pv_until(t, 1.0, r), lam) == pytest.approx(pv_flow(1.0, r, lam), abs=CLOSED_FORM_TOL)


def test_tail_rate_keeps_rounding_accuracy_for_any_belief():
    """A hazard far below the discount rate (r / lambda up to 100) needs the tail split (tail_rate)."""
    r = 0.1
    lam = np.geomspace(1e-3, 5.0, 40)
    value = expect(lambda t: pv_until(t, 1.0, r), lam, tail_rate=r)
    assert np.max(np.abs(value - pv_flow(1.0, r, lam))) < 1e-13 / r


# --- negotiation/valuation.py where the two overlap ---------------------------------------------


PIECEWISE = dict(c0=3.0, growth_rates=(0.3, 0.1, 0.02), durations=(2.0, 5.0))


@pytest.mark.parametrize("horizon", [4.0, 7.0, 12.0, np.inf])
def test_piecewise_growth_flow_matches_valuation(horizon):
    """Kinks at the growth changes (2, 7) and at the sunset T; draws of hazard and rate vectorised."""
    lam = np.array([0.02, 0.05, 0.1, 0.3])
    r = np.array([0.08, 0.1, 0.12, 0.1])
    dates = sorted({2.0, 7.0} | ({horizon} if np.isfinite(horizon) else set()))

    def pv_in_state(tau):
        h = np.minimum(tau, horizon)
        return pv_piecewise_flow(PIECEWISE["c0"], PIECEWISE["growth_rates"], PIECEWISE["durations"], r[:, None], 0.0, h)

    value = expect(pv_in_state, lam, kinks=dates, tail_rate=r - 0.02)
    closed = pv_piecewise_flow(PIECEWISE["c0"], PIECEWISE["growth_rates"], PIECEWISE["durations"], r, lam, horizon)
    assert np.all(np.abs(value - closed) <= CLOSED_FORM_TOL * (1 + np.abs(closed)))


@pytest.mark.parametrize("horizon", [5.0, 20.0])
def test_post_agi_piecewise_flow_matches_valuation(horizon):
    lam, r = np.array([0.05, 0.2]), 0.1

    def after(tau):
        pv = lambda h: pv_piecewise_flow(PIECEWISE["c0"], PIECEWISE["growth_rates"], PIECEWISE["durations"], r, 0.0, h)
        return pv(horizon) - pv(np.minimum(tau, horizon))

    value = expect(after, lam, kinks=sorted({2.0, 7.0, horizon}))
    closed = pv_post_agi_flow(PIECEWISE["c0"], PIECEWISE["growth_rates"], PIECEWISE["durations"], r, lam, horizon)
    assert np.all(np.abs(value - closed) <= CLOSED_FORM_TOL * (1 + np.abs(closed)))


# --- exactness and convergence ------------------------------------------------------------------


def _exact_piecewise(lam: float, beta: float, kinks: list[float], coefficients: list[list[float]]) -> tuple[float, float]:
    """E[p_i(tau) e^(-beta tau)] for tau on piece i, exactly; also the sum of |terms| (the scale).

    int_a^b lam tau^k e^(-s tau) d tau = lam k!/s^(k+1) [P(k+1, s b) - P(k+1, s a)], s = lam + beta.
    """
    s = lam + beta
    edges = [0.0, *kinks, np.inf]
    total, scale = 0.0, 0.0
    for (a, b), coef in zip(zip(edges[:-1], edges[1:]), coefficients):
        for k, c in enumerate(coef):
            upper = gammaincc(k + 1, s * a) if np.isinf(b) else gammainc(k + 1, s * b) - gammainc(k + 1, s * a)
            term = c * lam * gamma(k + 1) / s ** (k + 1) * upper
            total += term
            scale += abs(c) * lam * gamma(k + 1) / s ** (k + 1)
    return total, scale


def _piecewise(kinks: list[float], coefficients: list[list[float]], beta: float):
    edges = np.array(kinks)

    def f(tau):
        piece = np.searchsorted(edges, tau, side="right")
        poly = np.zeros_like(tau)
        for i, coef in enumerate(coefficients):
            poly = np.where(piece == i, np.polynomial.polynomial.polyval(tau, coef), poly)
        return poly * np.exp(-beta * tau)

    return f


@given(
    lam=st.floats(0.02, 1.0),
    beta=st.floats(0.0, 0.3),
    gaps=st.lists(st.floats(0.25, 10.0), min_size=0, max_size=3),
    data=st.data(),
)
def test_exact_for_piecewise_polynomials_times_exponentials(lam, beta, gaps, data):
    kinks = list(np.cumsum(gaps))
    coefficients = [data.draw(st.lists(st.floats(-2.0, 2.0), min_size=1, max_size=3)) for _ in range(len(kinks) + 1)]
    exact, scale = _exact_piecewise(lam, beta, kinks, coefficients)
    value = float(expect(_piecewise(kinks, coefficients, beta), lam, kinks=kinks, tail_rate=beta))
    assert abs(value - exact) <= EXACT_TOL * (1.0 + scale)


def test_tail_is_exact_for_polynomials_up_to_degree_2n_minus_1():
    """Plain Gauss-Laguerre in lambda tau: E[tau^k] = k! / lambda^k exactly for k < 2n."""
    n, lam = 6, 0.4
    tau, w = nodes_and_weights(lam, nodes=n)
    for k in range(2 * n):
        assert np.sum(w * tau**k) == pytest.approx(math.factorial(k) / lam**k, rel=1e-12)


@pytest.mark.parametrize(
    "f, kinks, tail_rate",
    [
        (lambda t: pv_until(t, 1.0, 0.1, 0.03, 7.0), (7.0,), None),
        (lambda t: pv_after(t, 2.0, 0.08, 0.0, 12.0), (12.0,), None),
        (lambda t: pv_until(t, 1.0, 0.1), (), 0.1),
        (lambda t: np.exp(-0.05 * t) * np.cos(0.3 * t), (4.0, 9.0), 0.05),
    ],
)
def test_more_nodes_do_not_change_a_smooth_result(f, kinks, tail_rate):
    lam = np.array([0.03, 0.1, 0.4])
    base = expect(f, lam, kinks, DEFAULT_NODES, tail_rate)
    for n in (64, 96, 128):
        assert expect(f, lam, kinks, n, tail_rate) == pytest.approx(base, rel=NODES_TOL, abs=NODES_TOL)


# --- the rule itself ----------------------------------------------------------------------------


def test_weights_are_probabilities_and_nodes_sit_in_their_pieces():
    lam = np.array([0.01, 0.1, 1.0])
    kinks = (3.0, np.array([5.0, 7.0, 9.0]))  # a per-draw sunset
    tau, w = nodes_and_weights(lam, kinks, nodes=20)
    assert tau.shape == w.shape == (3, 60)
    assert np.all(w >= 0)
    assert w.sum(axis=-1) == pytest.approx(1.0, abs=1e-13)
    assert np.all(np.diff(tau, axis=-1) > 0)
    # P(tau <= 3) and P(3 < tau <= T) from the weights of each piece
    assert w[:, :20].sum(axis=-1) == pytest.approx(-np.expm1(-lam * 3.0), abs=1e-14)
    assert w[:, 20:40].sum(axis=-1) == pytest.approx(np.exp(-lam * 3.0) - np.exp(-lam * kinks[1]), abs=1e-14)


def test_vectorised_rule_equals_one_draw_at_a_time():
    lam = np.array([0.02, 0.07, 0.5])
    f = lambda t: pv_until(t, 1.0, 0.1, 0.02, 7.0)
    together = expect(f, lam, kinks=(7.0,))
    alone = [float(expect(f, float(x), kinks=(7.0,))) for x in lam]
    assert together.tolist() == pytest.approx(alone, abs=1e-15)


def test_equal_kinks_give_an_empty_piece():
    f = lambda t: pv_until(t, 1.0, 0.1, horizon=7.0)
    assert expect(f, 0.1, kinks=(7.0, 7.0)) == pytest.approx(expect(f, 0.1, kinks=(7.0,)), abs=1e-15)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(hazard=0.0), r"hazard must be in \(0, inf\)"),
        (dict(hazard=[0.1, -0.1]), r"hazard must be in \(0, inf\)"),
        (dict(hazard=np.nan), r"hazard must be in \(0, inf\)"),
        (dict(hazard=0.1, kinks=(7.0, 3.0)), r"kinks must satisfy 0 <= T1 <= T2"),
        (dict(hazard=0.1, kinks=(-1.0,)), r"kinks must satisfy 0 <= T1"),
        (dict(hazard=0.1, kinks=(np.inf,)), r"kinks\[0\] must be finite"),
        (dict(hazard=0.1, kinks=7.0), r"kinks must be a sequence"),
        (dict(hazard=0.1, nodes=0), rf"nodes must be an integer in \[1, {MAX_NODES}\]"),
        (dict(hazard=0.1, nodes=2.5), r"nodes must be an integer"),
        (dict(hazard=0.1, nodes=MAX_NODES + 1), r"nodes must be an integer"),
        (dict(hazard=0.1, nodes=True), r"nodes must be an integer"),
        (dict(hazard=0.1, tail_rate=-0.1), r"tail_rate must be in \[0, inf\)"),
    ],
)
def test_bad_rule_input_names_the_argument_and_range(kwargs, match):
    with pytest.raises(ValueError, match=match):
        nodes_and_weights(**kwargs)


def test_payoff_that_is_not_finite_is_refused():
    with pytest.raises(ValueError, match="f must return finite values"):
        expect(lambda t: np.where(t > 50.0, np.nan, t), 0.1)


# --- the CARA certainty equivalent --------------------------------------------------------------

finite = st.floats(-50.0, 50.0, allow_nan=False)


@st.composite
def lotteries(draw, max_states=6):
    k = draw(st.integers(1, max_states))
    values = np.array(draw(st.lists(finite, min_size=k, max_size=k)))
    raw = np.array(draw(st.lists(st.floats(0.01, 1.0), min_size=k, max_size=k)))
    return values, raw / raw.sum()


@given(lotteries(), st.floats(0.0, 5.0))
def test_ce_is_at_most_the_mean(lottery, a):
    v, p = lottery
    assert certainty_equivalent(v, p, a) <= p @ v + 1e-12 * (1 + np.abs(v).max())


@given(lotteries(), st.floats(0.0, 5.0), st.floats(0.0, 5.0))
def test_ce_decreases_in_risk_aversion(lottery, a, b):
    v, p = lottery
    lo, hi = sorted((a, b))
    assert certainty_equivalent(v, p, hi) <= certainty_equivalent(v, p, lo) + 1e-12 * (1 + np.abs(v).max())


@given(finite, st.integers(1, 6), st.floats(0.0, 50.0))
def test_ce_of_a_constant_is_the_constant(c, k, a):
    assert certainty_equivalent(np.full(k, c), np.full(k, 1.0 / k), a) == pytest.approx(c, abs=1e-12 * (1 + abs(c)))


@given(lotteries(), finite, st.floats(0.0, 5.0))
def test_ce_is_translation_invariant(lottery, c, a):
    """CARA: a sure payment moves the certainty equivalent one for one (CE is transferable)."""
    v, p = lottery
    shifted = certainty_equivalent(v + c, p, a)
    assert shifted == pytest.approx(certainty_equivalent(v, p, a) + c, abs=1e-11 * (1 + np.abs(v).max() + abs(c)))


@given(lotteries(), st.floats(1e-300, 1e-13))
def test_risk_neutral_limit_is_the_mean(lottery, a):
    """CE - mean = -a var/2 + O(a^2) with var <= 50^2 here, so below 1e-9 for a <= 1e-13."""
    v, p = lottery
    assert abs(certainty_equivalent(v, p, a) - p @ v) <= LIMIT_TOL
    assert certainty_equivalent(v, p, 0.0) == pytest.approx(p @ v, abs=1e-13 * (1 + np.abs(v).max()))


def test_small_risk_aversion_follows_the_arrow_pratt_approximation():
    """CE = mean - a var / 2 + O(a^2): the series branch keeps the second-order term at a = 1e-6."""
    v, p, a = np.array([-1.0, 0.5, 3.0]), np.array([0.2, 0.5, 0.3]), 1e-6
    var = p @ (v - p @ v) ** 2
    assert certainty_equivalent(v, p, a) == pytest.approx(p @ v - a * var / 2, abs=1e-11)


def test_large_risk_aversion_tends_to_the_worst_state():
    v, p = np.array([-3.0, 1.0, 4.0]), np.array([1e-3, 0.5, 0.499])
    assert certainty_equivalent(v, p, 1e4) == pytest.approx(-3.0 - math.log(1e-3) / 1e4, abs=1e-9)


def test_states_of_zero_weight_are_ignored():
    assert certainty_equivalent([-1e6, 0.0, 2.0], [0.0, 0.5, 0.5], 1000.0) == pytest.approx(math.log(2) / 1000, abs=1e-15)


def test_ce_vectorised_over_draws_and_quadrature_weights():
    lam = np.array([0.05, 0.2])
    tau, w = nodes_and_weights(lam, kinks=(7.0,))
    values = pv_until(tau, 1.0, 0.1, horizon=7.0)
    ce = certainty_equivalent(values, w, np.array([[0.0], [0.5]]))
    assert ce.shape == (2, 2)
    assert ce[0] == pytest.approx(pv_flow(1.0, 0.1, lam, 0.0, 7.0), abs=CLOSED_FORM_TOL)
    assert np.all(ce[1] < ce[0])


@pytest.mark.parametrize(
    "values, weights, a, match",
    [
        ([0.0, np.nan], [0.5, 0.5], 1.0, "values must be finite"),
        (1.0, [1.0], 1.0, "values must have the states on a last axis"),
        ([0.0, 1.0], [0.5, np.inf], 1.0, "weights must be finite"),
        ([0.0, 1.0], [1.5, -0.5], 1.0, r"weights must be probabilities, each in \[0, 1\]"),
        ([0.0, 1.0], [0.5, 0.6], 1.0, "weights must sum to 1"),
        ([0.0, 1.0], [0.5, 0.5], -0.1, r"risk_aversion must be in \[0, inf\)"),
        ([0.0, 1.0], [0.5, 0.5], np.inf, "risk_aversion must be finite"),
    ],
)
def test_bad_ce_input_names_the_argument_and_range(values, weights, a, match):
    with pytest.raises(ValueError, match=match):
        certainty_equivalent(values, weights, a)
