"""Payoff components of the Microsoft-OpenAI case: structure, directions, finiteness."""

import dataclasses
import itertools

import numpy as np
import pytest

from negotiation.cases.microsoft_openai import payoffs as P
from negotiation.cases.microsoft_openai.parameters import calibration
from negotiation.cases.microsoft_openai.space import case_space

TOL = 1e-9
CAL = calibration()
LEVELS = {"low": CAL.low(), "central": CAL.central(), "high": CAL.high()}
BASE = dict(equity=0.3, revenue_share=0.1, azure_commitment=100.0, revenue_share_until="agi",
            api_exclusivity="agi", ip_rights_until=2032, ip_post_agi=True, compute_rofr=False, agi_trigger="panel")


def utilities(p, **changes):
    return tuple(float(u) for u in P.contract_utilities(p, {**BASE, **changes}))


@pytest.fixture(params=list(LEVELS), scope="module")
def params(request):
    return LEVELS[request.param]


def test_combos_enumerate_every_discrete_term():
    assert len(P.COMBOS) == np.prod([len(v) for v in P.DISCRETE_OPTIONS.values()])
    assert len(set(P.COMBOS)) == len(P.COMBOS)


def test_payoff_functions_agree_with_coefficients(params):
    f_m, f_o = P.payoff_functions(params)
    rng = np.random.default_rng(3)
    for combo in rng.choice(len(P.COMBOS), 10, replace=False):
        combo = P.COMBOS[combo]
        e, rs, az = rng.uniform(0.15, 0.49, 5), rng.uniform(0, 0.2, 5), rng.uniform(0, 80, 5)  # within azure_need: linear there
        contract = {**dataclasses.asdict(combo), "equity": e, "revenue_share": rs, "azure_commitment": az}
        c = P.coefficients(params, combo)
        V = c.V + c.v[0] * rs + c.v[1] * az
        np.testing.assert_allclose(f_m(contract), e * V + c.b_M + c.beta_M[0] * rs + c.beta_M[1] * az, rtol=TOL)
        np.testing.assert_allclose(f_o(contract), (1 - e) * V + c.b_O + c.beta_O[0] * rs + c.beta_O[1] * az, rtol=TOL)


def test_batch_coefficients_match_one_at_a_time():
    draws = CAL.sample(np.random.default_rng(7), 6)
    combo = P.Combo.from_contract(BASE)
    batch = P.coefficients(draws, combo)
    for i in range(6):
        single = P.coefficients(P.Parameters(**{k: float(v[i]) for k, v in dataclasses.asdict(draws).items()}), combo)
        for field in dataclasses.fields(P.Coefficients):
            np.testing.assert_allclose(getattr(batch, field.name)[i], getattr(single, field.name), rtol=TOL)


def test_utilities_finite_over_the_whole_contract_space(params):
    bounds = [case_space().bounds(t) for t in ("equity", "revenue_share", "azure_commitment")]
    corners = list(itertools.product(*bounds))
    rng = np.random.default_rng(5)
    random = np.column_stack([rng.uniform(*b, 30) for b in bounds])
    points = np.vstack([np.array(corners), random])
    for combo in P.COMBOS:
        u_m, u_o = P.utilities(P.coefficients(params, combo), points[:, 0], points[:, 1:])
        assert np.all(np.isfinite(u_m)) and np.all(np.isfinite(u_o)), combo
    assert all(np.all(np.isfinite(u)) for u in P.status_quo_payoffs(params))


def test_utilities_finite_over_calibration_draws():
    draws = CAL.sample(np.random.default_rng(11), 200)
    for combo in P.COMBOS[::7]:
        c = P.coefficients(draws, combo)
        u = P.utilities(c, 0.3, np.array([0.2, 400.0]))
        assert all(np.all(np.isfinite(x)) for x in u)
        assert np.all(c.V > 0)


def test_more_equity_helps_microsoft_hurts_openai(params):
    lo, hi = utilities(params, equity=0.2), utilities(params, equity=0.4)
    assert hi[0] > lo[0] and hi[1] < lo[1]


def test_more_revenue_share_helps_microsoft_hurts_openai(params):
    lo, hi = utilities(params, revenue_share=0.05), utilities(params, revenue_share=0.2)
    assert hi[0] > lo[0] and hi[1] < lo[1]


def test_larger_commitment_helps_microsoft_never_helps_openai(params):
    lo, hi = utilities(params, azure_commitment=0.0), utilities(params, azure_commitment=80.0)
    assert hi[0] > lo[0] and hi[1] <= lo[1]


def access(params, **changes):
    terms = P.AccessTerms(**{**{k: BASE[k] for k in ("api_exclusivity", "compute_rofr", "ip_rights_until", "ip_post_agi", "agi_trigger")}, **changes})
    return float(P.access_value_microsoft(params, terms)), float(P.access_cost_openai(params, terms))


@pytest.mark.parametrize(("term", "shorter", "longer"), [
    ("api_exclusivity", "none", 2030), ("ip_rights_until", 2030, 2032), ("ip_rights_until", 2032, 2035),
    ("ip_post_agi", False, True), ("compute_rofr", False, True),
])
def test_longer_or_wider_access_terms_help_microsoft_cost_openai(params, term, shorter, longer):
    (value_s, cost_s), (value_l, cost_l) = access(params, **{term: shorter}), access(params, **{term: longer})
    if term == "ip_post_agi" and params.post_agi_ip_multiplier == 1.0:  # post-AGI models worth no more: no change
        assert value_l == pytest.approx(value_s) and cost_l == pytest.approx(cost_s)
    else:
        assert value_l > value_s and cost_l > cost_s


def test_longer_exclusivity_microsoft_up_openai_down_at_low_equity(params):
    none, year = utilities(params, equity=0.15, api_exclusivity="none"), utilities(params, equity=0.15, api_exclusivity=2030)
    assert year[0] > none[0] and year[1] < none[1]


def test_under_the_common_prior_the_revenue_share_is_a_transfer_whatever_its_sunset(params):
    # one AGI belief for both parties: Microsoft receives exactly what OpenAI's equity loses
    for combo in P.COMBOS[::5]:
        c = P.coefficients(params, combo)
        assert c.beta_M[0] == pytest.approx(-c.v[0], rel=1e-12)


def test_exclusivity_is_worth_to_microsoft_what_it_costs_openai_in_proportion_to_the_flows(params):
    (value_y, cost_y), (value_a, cost_a) = access(params, api_exclusivity=2030), access(params, api_exclusivity="agi")
    ratio = float(params.exclusivity_value_microsoft / params.exclusivity_cost_openai)
    assert value_a - value_y == pytest.approx(ratio * (cost_a - cost_y), rel=1e-9)


def test_ip_licence_pays_until_microsofts_decaying_value_meets_openais_cost():
    # the net flow v e^(-delta t) - c changes sign once, at t* = ln(v / c) / delta: the best end year is
    # within a year of t* (t = year + 1 - 2025.5)
    p = CAL.central()
    years = range(2026, 2045)
    joint = [np.subtract(*access(p, ip_rights_until=y, ip_post_agi=True)) for y in years]
    best = list(years)[int(np.argmax(joint))]
    t_star = np.log(p.ip_value_microsoft / p.ip_cost_openai) / float(P.ip_decay_microsoft(p))
    assert abs((best + 1 - 2025.5) - t_star) <= 1.0
    assert 2026 < best < 2044


def test_panel_trigger_removes_the_holdup_option(params):
    board, panel = utilities(params, agi_trigger="board"), utilities(params, agi_trigger="panel")
    assert panel[0] > board[0] and panel[1] < board[1]


def test_panel_trigger_irrelevant_without_agi_contingent_terms(params):
    fixed = dict(revenue_share_until=2030, api_exclusivity=2030, ip_post_agi=True)
    assert utilities(params, agi_trigger="board", **fixed) == pytest.approx(utilities(params, agi_trigger="panel", **fixed), abs=TOL)


def test_status_quo_claims_add_up_to_the_price(params):
    # one basis: Microsoft's claim is pi P and the other owners' (1 - pi) P, so d_M + d_O + L = P + RS_M + access_M
    u_m, u_o = P.status_quo_payoffs(params)
    pi, price, loss = P.claim_share_microsoft(params), params.valuation_post_money, P.conversion_loss(params)
    year = P.status_quo_year(params)
    partner = P.term_pv(params, params.revenue_share_sq, year, params.agi_hazard, "board") + P.access_value_microsoft(
        params, P.status_quo_terms(params))
    assert float(u_o) == pytest.approx(float((1 - pi) * price - loss), rel=1e-12)
    assert float(u_m) == pytest.approx(float(pi * price + partner), rel=1e-12)
    assert float(P.status_quo_equity_value(params)) == pytest.approx(float(price), rel=1e-12)
    assert 0 < float(pi) < 1 and 0 < float(P.profit_participation_pv(params)) < params.profit_cap


def test_claim_share_is_the_waterfalls_share_of_the_equity_cash_flows(params):
    start = P.year_to_time(params.breakeven_year) - 1.0
    equity = P._net_profit_pv(params, start, np.inf, params.discount_rate)
    assert float(P.claim_share_microsoft(params)) == pytest.approx(float(P.profit_participation_pv(params) / equity), rel=1e-12)


def test_status_quo_is_the_contract_of_its_terms_with_equity_at_the_claim_share(params):
    # the contract payoffs and the status quo are valued on the same basis: the status-quo terms with
    # equity pi give Microsoft its status-quo payoff, and OpenAI its payoff before the conversion loss
    contract = {**BASE, "equity": float(P.claim_share_microsoft(params)), "revenue_share": float(params.revenue_share_sq),
                "azure_commitment": 0.0, "revenue_share_until": 2030, "api_exclusivity": 2030, "ip_rights_until": 2030,
                "ip_post_agi": False, "compute_rofr": True, "agi_trigger": "board"}
    u_m, u_o = P.contract_utilities(params, contract)
    d_m, d_o = P.status_quo_payoffs(params)
    assert float(u_m) == pytest.approx(float(d_m), rel=1e-12)
    assert float(u_o) == pytest.approx(float(d_o + P.conversion_loss(params)), rel=1e-12)


def test_waterfall_shares_profits_after_the_revenue_share():
    # the status-quo share is paid first: with the margin at the share, nothing is left before its end
    p = CAL.with_values(profit_margin=0.2, breakeven_year=2029.0)
    start = P.year_to_time(p.breakeven_year) - 1.0
    assert float(P._net_profit_pv(p, start, P.year_to_time(2030), p.discount_rate)) == 0.0
    assert float(P._net_profit_pv(p, start, P.year_to_time(2032), p.discount_rate)) > 0.0


def test_revenue_reading_of_the_cap_counts_revenue_share_receipts(params):
    revenue = dataclasses.replace(params, profit_cap_on_revenue=1.0)
    assert float(P.profit_participation_pv(revenue)) < float(P.profit_participation_pv(params))


def test_price_on_expected_deal_values_the_midpoint_at_the_price(params):
    from negotiation.cases.microsoft_openai.positions import midpoint
    expected = dataclasses.replace(params, price_on_expected_deal=1.0)
    table = P.coefficients(expected, P.Combo.from_contract(midpoint()))
    y = np.array([midpoint()["revenue_share"], midpoint()["azure_commitment"]])
    assert float(table.V + table.v @ y) == pytest.approx(float(params.valuation_post_money), rel=1e-12)


def test_the_deadline_enters_once_through_the_conversion_loss(params):
    more = dataclasses.replace(params, softbank_at_risk=params.softbank_at_risk + 10.0)
    d_m0, d_o0 = P.status_quo_payoffs(params)
    d_m1, d_o1 = P.status_quo_payoffs(more)
    assert float(d_m1) == pytest.approx(float(d_m0), rel=1e-12)
    assert float(d_o0 - d_o1) == pytest.approx(10.0 * float(params.financing_friction), rel=1e-12)
    from negotiation.cases.microsoft_openai.solve import discount_factors, microsoft_weight
    assert discount_factors(more) == discount_factors(params) and microsoft_weight(more) == microsoft_weight(params)
    assert P.coefficients(more, P.Combo.from_contract(BASE)).V == pytest.approx(P.coefficients(params, P.Combo.from_contract(BASE)).V)


def test_profit_participation_rises_with_margin():
    lo, hi = (P.profit_participation_pv(CAL.with_values(profit_margin=m)) for m in (0.15, 0.35))
    assert hi > lo


def test_gross_value_adds_back_status_quo_costs(params):
    assert float(P.gross_value(params)) == pytest.approx(float(params.valuation_post_money + P.status_quo_cost_openai(params)))


def test_risk_transform_is_concave_and_identity_at_zero():
    u = np.linspace(-50, 300, 8)
    np.testing.assert_allclose(P.risk_transform(u, 0.0), u)
    t = P.risk_transform(u, 0.01)
    assert np.all(np.diff(t) > 0) and np.all(np.diff(np.diff(t)) < 0)
    with pytest.raises(ValueError, match="risk_aversion"):
        P.risk_transform(u, -1.0)


def test_bad_discrete_value_rejected():
    with pytest.raises(ValueError, match="agi_trigger"):
        P.Combo.from_contract({**BASE, "agi_trigger": "ceo"})


def test_risk_averse_variant_transforms_each_total():
    p, rho = CAL.central(), 0.005
    f_m, f_o = P.payoff_functions(p, risk_aversion=rho)
    u_m, u_o = P.contract_utilities(p, BASE)
    assert f_m(BASE) == pytest.approx(float(P.risk_transform(u_m, rho)))
    assert f_o(BASE) == pytest.approx(float(P.risk_transform(u_o, rho)))


def test_committed_dollars_beyond_the_need_destroy_joint_value(params):
    # beyond azure_need OpenAI pays the whole dollar for unused compute; Microsoft earns its margin
    need = float(params.azure_need)
    at, beyond = sum(utilities(params, azure_commitment=need)), sum(utilities(params, azure_commitment=need + 50.0))
    a = float(P.commitment_pv_per_dollar(params))
    assert beyond - at == pytest.approx(50.0 * a * (float(params.azure_margin_microsoft) - 1.0), rel=1e-9)
    assert float(P.unused_commitment_cost(params, need)) == 0.0


def test_one_belief_about_agi_prices_every_asset():
    # no payoff mixes two beliefs: the only AGI hazards of the model are the common prior and the
    # board's early-declaration hazard, which both parties price
    hazards = {f for f in dataclasses.fields(P.Parameters) if "hazard" in f.name or "lambda" in f.name}
    assert {f.name for f in hazards} == {"agi_hazard", "holdup_hazard"}


def _bisection_time(p, start, target, steps: int = 80):
    """Reference for ``_time_to_cumulative``: bisection on the undiscounted net profits of ``_net_profit_pv``."""
    lo = np.asarray(start, dtype=float) + 0.0 * np.asarray(target, dtype=float)
    hi = lo + P.WATERFALL_SEARCH_YEARS
    for _ in range(steps):
        mid = 0.5 * (lo + hi)
        reached = P._net_profit_pv(p, start, mid, 0.0) >= target
        lo, hi = np.where(reached, lo, mid), np.where(reached, mid, hi)
    return hi


@pytest.mark.parametrize("target", ["tier1", 1e4, 1e7, 0.0])
def test_waterfall_times_in_closed_form_match_a_bisection(target) -> None:
    """Every piece (before and after 2030 and the share's end), the 200-year cap and a zero target."""
    p = calibration().sample(np.random.default_rng(3), 500)
    start = np.asarray(P.year_to_time(p.breakeven_year) - 1.0)
    goal = p.microsoft_capital / p.waterfall_tier1_share if target == "tier1" else np.full(500, target)
    closed, bisected = P._time_to_cumulative(p, start, goal), _bisection_time(p, start, goal)
    np.testing.assert_allclose(closed, bisected, rtol=1e-14, atol=0.0)
    inside = closed < start + P.WATERFALL_SEARCH_YEARS
    np.testing.assert_allclose(P._net_profit_pv(p, start, closed, 0.0)[inside], goal[inside], rtol=1e-12)
