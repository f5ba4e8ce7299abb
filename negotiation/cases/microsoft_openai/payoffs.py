"""Payoffs of the Microsoft-OpenAI contract: present values in $B, sums of named components.

Structure (docs/DESIGN.md, "Case payoff structure"). For equity ``e``, the other continuous terms
``y = (revenue_share, azure_commitment)`` and a discrete combination ``k``:

    V(x)   = V_k + v_k . y                       OpenAI's equity value after the deal
    u_M(x) = e V(x) + b_Mk + beta_Mk . y          Microsoft
    u_O(x) = (1 - e) V(x) + b_Ok + beta_Ok . y    OpenAI's other owners

Assumption: one belief about AGI, ``agi_hazard``, a common prior under which both parties value
every AGI-contingent flow (their equity, receipts, payments and access terms), so no payoff
mixes two beliefs about one asset. Under it, and risk neutrality, equity and the revenue share
(rate, sunset and trigger alike) are transfers: they move value from one party to the other one
for one. What creates or destroys joint value is the access terms (Microsoft's value against
OpenAI's cost) and the Azure commitment (Microsoft's margin against OpenAI's premium), so
efficiency pins those, and the concept pins only the split (:mod:`.contract_set`).

Two mechanisms limit terms that linear payoffs would otherwise push to the edge of the box:
Microsoft's value of OpenAI's IP falls with half-life ``ip_half_life_microsoft`` as in-house
models substitute (OpenAI's cost does not), which ends the licence where value meets cost; and
the Azure commitment is capped at ``azure_need``, the compute OpenAI expects to buy there (a
constraint of the problem, :func:`.solve.problem`).

Components (each below): revenue share, API exclusivity, IP access (with or without post-AGI
models), compute ROFR, Azure commitment, and the value gross of the status-quo partner terms
``W = valuation_post_money + C_sq`` (see the ``valuation_post_money`` note in the data).
Flows tied to OpenAI's business are fractions of its revenue path: ``revenue_2025`` growing at
``g1 = ln(revenue_2030 / revenue_2025) / 5`` to 2030, then at ``growth_after_2030``.

AGI-contingent terms (theory.md §6) end at AGI, hazard ``agi_hazard``; under the board trigger
OpenAI can end them at will, which both parties price as an extra hazard ``holdup_hazard``; the
panel trigger adds none. Terms with a year end at that year whatever AGI does; the IP licence
keeps the pre-AGI models to its year and, with post-AGI models, adds those from AGI on (only AGI
technology is carved out of the licence [R16]; Microsoft keeps what was developed by its end
[R15]).
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import itertools
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from negotiation.cases.microsoft_openai.parameters import Parameters, Value, year_to_time
from negotiation.cases.microsoft_openai.positions import midpoint
from negotiation.cases.microsoft_openai.space import DISCRETE_TERMS, CaseSpace, case_space, check_option
from negotiation.problem import payoff_pair
from negotiation.valuation import annuity, pv_flow_between, pv_piecewise_flow, pv_post_agi_flow

#: Years from t = 0 (mid-2025) to mid-2030, the end of the first growth segment.
YEARS_TO_2030 = 5.0
#: Longest horizon searched for the end of the profit waterfall (years).
WATERFALL_SEARCH_YEARS = 200.0

#: Continuous terms other than equity, in the order of ``y``.
Y_TERMS = ("revenue_share", "azure_commitment")


@dataclass(frozen=True)
class Combo:
    """One combination of the discrete terms (``DISCRETE_TERMS`` of :mod:`.space`).

    ``"agi"`` means "until AGI"; who decides AGI is ``agi_trigger`` ("board": OpenAI's board;
    "panel": an independent expert panel); a year means "until the end of that year".
    """

    revenue_share_until: int | str
    api_exclusivity: int | str
    ip_rights_until: int
    ip_post_agi: bool
    compute_rofr: bool
    agi_trigger: str

    @classmethod
    def from_contract(cls, contract: Mapping[str, Any]) -> Combo:
        """The discrete part of a contract mapping (each value checked against the case's allowed values)."""
        for name in DISCRETE_TERMS:
            check_option(name, contract[name])
        return cls(**{name: contract[name] for name in DISCRETE_TERMS})


def combos(space: CaseSpace) -> tuple[Combo, ...]:
    """Every combination of a contract space's discrete options, in ``itertools.product`` order."""
    return tuple(Combo(*values) for values in itertools.product(*(space.discrete[n].options for n in DISCRETE_TERMS)))


COMBOS = combos(case_space())
"""The combinations of the case's own contract space (``data/contract_space.toml``)."""
DISCRETE_OPTIONS: dict[str, tuple[Any, ...]] = {n: case_space().discrete[n].options for n in DISCRETE_TERMS}
"""Each discrete term's options in the case's own contract space."""


@dataclass(frozen=True)
class Coefficients:
    """``(V_k, v_k, b_Mk, beta_Mk, b_Ok, beta_Ok)`` of one combination; arrays over draws.

    ``v``, ``beta_M`` and ``beta_O`` have a last axis of length 2 (``Y_TERMS``).
    """

    V: np.ndarray
    v: np.ndarray
    b_M: np.ndarray
    beta_M: np.ndarray
    b_O: np.ndarray
    beta_O: np.ndarray


@dataclass(frozen=True)
class Scenario:
    """Modifications of the status-quo contract by threat actions (expected values).

    ``keep_*`` is the expected share of a term that survives (1 = intact); ``microsoft_need``
    scales Microsoft's value of exclusivity and IP (below 1 when in-house models substitute);
    ``cost_*`` are lump costs in $B.
    """

    keep_exclusivity: Value = 1.0
    keep_rofr: Value = 1.0
    keep_ip: Value = 1.0
    microsoft_need: Value = 1.0
    cost_microsoft: Value = 0.0
    cost_openai: Value = 0.0


STATUS_QUO = Scenario()


# ----------------------------------------------------------------------------- revenue-linked flows
def _growth(p: Parameters) -> tuple[tuple[Value, Value], tuple[float]]:
    g1 = np.log(np.asarray(p.revenue_2030) / np.asarray(p.revenue_2025)) / YEARS_TO_2030
    return (g1, p.growth_after_2030), (YEARS_TO_2030,)


def revenue_pv(p: Parameters, fraction: Value, hazard: Value = 0.0, horizon: Value = np.inf) -> np.ndarray:
    """PV of ``fraction x revenue(t)`` paid until ``min(AGI, horizon)`` (theory.md §6).

    ``PV = sum_i c_i e^(-(r+lambda) t_i) A(r + lambda - g_i, .)`` over the two growth segments.
    """
    growth, durations = _growth(p)
    return pv_piecewise_flow(np.asarray(fraction) * p.revenue_2025, growth, durations, p.discount_rate, hazard, horizon)


_PV_MEMO: contextvars.ContextVar[dict | None] = contextvars.ContextVar("pv_memo", default=None)
"""Present values computed while building one coefficient table (see :func:`shared_present_values`)."""


@contextlib.contextmanager
def shared_present_values() -> Iterator[None]:
    """Within the block, each distinct term PV of one parameter set is computed once.

    The combinations of a table (288 in the case) share a few dozen distinct PVs (a term's horizon,
    post-AGI flag, trigger and belief), and the cells of a threat game share the status quo's
    profit participation. Keys hold the identity of the parameter arrays, which
    stay alive for the block; the memo is dropped when it ends, so no result outlives its inputs.
    """
    token = _PV_MEMO.set({})
    try:
        yield
    finally:
        _PV_MEMO.reset(token)


def _memoised(function: Callable[..., np.ndarray]) -> Callable[..., np.ndarray]:
    @functools.wraps(function)
    def wrapper(p: Parameters, *args: Any) -> np.ndarray:
        memo = _PV_MEMO.get()
        if memo is None:
            return function(p, *args)
        key = (function.__name__, id(p), *(a if isinstance(a, (str, int, bool, float)) else id(a) for a in args))
        if key not in memo:
            memo[key] = (function(p, *args), p, args)  # keep the keyed objects alive with the value
        return memo[key][0]

    return wrapper


@_memoised
def term_pv(p: Parameters, fraction: Value, until: int | str, hazard: Value, trigger: str) -> np.ndarray:
    """PV of a revenue-linked term lasting ``until`` ("none", a year, or "agi").

    "agi" ends at AGI with hazard ``hazard + holdup_hazard [board trigger]`` (``hazard`` is the AGI
    hazard, ``p.agi_hazard`` in the model); a year ends at the end of that year; "none" is worth 0.
    """
    if until == "none":
        return np.zeros_like(np.asarray(p.discount_rate, dtype=float))
    if until == "agi":
        return revenue_pv(p, fraction, hazard + _holdup(p, trigger))
    return revenue_pv(p, fraction, 0.0, year_to_time(until))


@_memoised
def ip_pv(p: Parameters, fraction: Value, until_year: int, post_agi: bool, decaying: bool = False) -> np.ndarray:
    """PV of IP access worth ``fraction x revenue x e^(-delta t)`` a year until ``until_year``.

    The licence covers the models developed before AGI to ``T`` whatever AGI does (Microsoft keeps
    the technology developed by the end of the licence, [R15]; only AGI technology is carved out,
    [R16]). With post-AGI models it also covers those, worth ``post_agi_ip_multiplier`` times as
    much a year: from AGI to ``T`` the flow rises by ``(multiplier - 1) x fraction x revenue``
    (theory.md §6). Nothing here ends at AGI, so the AGI trigger does not touch the IP term. With
    ``decaying`` (Microsoft's value) the flow falls at ``delta =`` :func:`ip_decay_microsoft` as
    Microsoft's in-house models mature; otherwise ``delta = 0`` (OpenAI's cost).
    """
    horizon = year_to_time(until_year)
    (g1, g2), durations = _growth(p)
    decay = ip_decay_microsoft(p) if decaying else 0.0
    growth = (g1 - decay, g2 - decay)
    flow = np.asarray(fraction) * p.revenue_2025
    licence = pv_piecewise_flow(flow, growth, durations, p.discount_rate, 0.0, horizon)
    if not post_agi:
        return licence
    extra = (np.asarray(p.post_agi_ip_multiplier) - 1.0) * flow
    return licence + pv_post_agi_flow(extra, growth, durations, p.discount_rate, p.agi_hazard, horizon)


def ip_decay_microsoft(p: Parameters) -> Value:
    """Rate at which Microsoft's value of OpenAI's IP falls: ``ln 2 / ip_half_life_microsoft``."""
    return np.log(2.0) / np.asarray(p.ip_half_life_microsoft, dtype=float)


def _holdup(p: Parameters, trigger: str) -> Value:
    check_option("agi_trigger", trigger)
    return p.holdup_hazard if trigger == "board" else 0.0


def commitment_pv_per_dollar(p: Parameters) -> np.ndarray:
    """PV of $1 of commitment spent uniformly over ``commitment_years``: ``A(r, N) / N``."""
    return annuity(p.discount_rate, p.commitment_years) / np.asarray(p.commitment_years)


# ----------------------------------------------------------------------------- access terms
@dataclass(frozen=True)
class AccessTerms:
    """The access terms of a contract: exclusivity, ROFR and IP (and the AGI trigger)."""

    api_exclusivity: int | str
    compute_rofr: bool
    ip_rights_until: int
    ip_post_agi: bool
    agi_trigger: str


def access_value_microsoft(p: Parameters, t: AccessTerms, scenario: Scenario = STATUS_QUO) -> np.ndarray:
    """Microsoft's PV of exclusivity, ROFR (to the status-quo horizon) and IP (decaying, :func:`ip_decay_microsoft`)."""
    exclusivity, rofr, ip = _access_pvs(p, t, (p.exclusivity_value_microsoft, p.rofr_value_microsoft, p.ip_value_microsoft),
                                        True)
    s = scenario
    return s.microsoft_need * (s.keep_exclusivity * exclusivity + s.keep_ip * ip) + s.keep_rofr * rofr


def access_cost_openai(p: Parameters, t: AccessTerms, scenario: Scenario = STATUS_QUO) -> np.ndarray:
    """OpenAI's PV cost of exclusivity, ROFR and IP; it reduces ``V``."""
    exclusivity, rofr, ip = _access_pvs(p, t, (p.exclusivity_cost_openai, p.rofr_cost_openai, p.ip_cost_openai), False)
    s = scenario
    return s.keep_exclusivity * exclusivity + s.keep_ip * ip + s.keep_rofr * rofr


def _access_pvs(p: Parameters, t: AccessTerms, fractions: tuple[Value, Value, Value], microsoft: bool
                ) -> tuple[np.ndarray, ...]:
    """PVs of exclusivity, ROFR and IP at the given revenue fractions (Microsoft's IP value decaying)."""
    exclusivity, rofr, ip = fractions
    return (term_pv(p, exclusivity, t.api_exclusivity, p.agi_hazard, t.agi_trigger),
            term_pv(p, rofr, _rofr_until(p, t), p.agi_hazard, t.agi_trigger),
            ip_pv(p, ip, t.ip_rights_until, t.ip_post_agi, microsoft))


def _rofr_until(p: Parameters, t: AccessTerms) -> int | str:
    return status_quo_year(p) if t.compute_rofr else "none"


# ----------------------------------------------------------------------------- status quo
def status_quo_year(p: Parameters) -> int:
    """The status-quo contract's last year, a whole year: ``sq_horizon_year`` rounded (not truncated,
    so that a value a rounding error below 2030 is still 2030)."""
    return int(np.rint(np.max(p.sq_horizon_year)))


def status_quo_terms(p: Parameters) -> AccessTerms:
    """2019/2023 contract: API exclusivity, ROFR and IP to 2030, no post-AGI IP, board trigger."""
    year = status_quo_year(p)
    return AccessTerms(api_exclusivity=year, compute_rofr=True, ip_rights_until=year, ip_post_agi=False, agi_trigger="board")


def partner_cost_openai(p: Parameters, contract: Mapping[str, Any]) -> np.ndarray:
    """OpenAI's PV cost of a contract's partner terms: revenue share, access, and the Azure commitment.

    ``C(x) = s RS(k) + access_O(k) + premium a x + unused(x)``: what the terms take from the value of
    OpenAI's equity, so that ``V(x) = W - C(x)`` (:func:`coefficients`; equity is not a cost, it
    splits ``V``).
    """
    combo = Combo.from_contract(contract)
    terms = AccessTerms(combo.api_exclusivity, combo.compute_rofr, combo.ip_rights_until, combo.ip_post_agi, combo.agi_trigger)
    x = np.asarray(contract["azure_commitment"], dtype=float)
    share = np.asarray(contract["revenue_share"], dtype=float) * term_pv(p, 1.0, combo.revenue_share_until, p.agi_hazard,
                                                                           combo.agi_trigger)
    commitment = np.asarray(p.azure_premium_openai) * commitment_pv_per_dollar(p) * x + unused_commitment_cost(p, x)
    return share + access_cost_openai(p, terms) + commitment


def status_quo_cost_openai(p: Parameters) -> np.ndarray:
    """``C_sq``: OpenAI's PV cost of the status-quo partner terms (revenue share + access)."""
    year = status_quo_year(p)
    share = term_pv(p, p.revenue_share_sq, year, p.agi_hazard, "board")
    return share + access_cost_openai(p, status_quo_terms(p))


@_memoised
def gross_value(p: Parameters) -> np.ndarray:
    """``W = valuation_post_money + C(basis)``: OpenAI's equity gross of the partner terms.

    The round's price [R34] values ALL of OpenAI's equity, Microsoft's as-converted interest
    included, with the conversion it was conditional on [R36] and with the partner terms it
    conditions on: the terms in force (``C_sq``) or, under ``price_on_expected_deal``, the deal
    investors expected, the midpoint of the reported positions (:func:`.positions.midpoint`).
    """
    in_force = status_quo_cost_openai(p)
    if not _switch(p.price_on_expected_deal):
        return p.valuation_post_money + in_force
    return p.valuation_post_money + partner_cost_openai(p, midpoint())


def _switch(value: Value) -> bool:
    """A declared modelling choice (calibration kind "switch", the same for every draw) as a bool."""
    return bool(np.max(value) > 0.5)


def _net_profit_pv(p: Parameters, start: Value, end: Value, rate: Value) -> np.ndarray:
    """PV at ``rate`` over ``[start, end]`` of OpenAI's profits net of the status-quo revenue share.

    ``pi(t) = max(m - s 1[t < T], 0) R(t)``, ``m = profit_margin``, ``s = revenue_share_sq``, ``T`` the
    end of the status-quo share: profits after the share is paid (the waterfall shares what is left),
    never below zero (losses are financed by capital, not by the waterfall).
    """
    growth, durations = _growth(p)
    r0 = np.asarray(p.revenue_2025, dtype=float)
    T = np.asarray(year_to_time(status_quo_year(p)), dtype=float)
    start, end = np.asarray(start, dtype=float), np.asarray(end, dtype=float)
    before = np.maximum(np.asarray(p.profit_margin) - p.revenue_share_sq, 0.0) * pv_flow_between(
        r0, growth, durations, rate, np.minimum(start, T), np.minimum(end, T))
    after = np.asarray(p.profit_margin) * pv_flow_between(r0, growth, durations, rate, np.maximum(start, T),
                                                          np.maximum(end, T))
    return before + after


def _waterfall_times(p: Parameters) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(t_b, t1, t2)``: start of profits, end of tier 1 (capital recouped), end of tier 2 (cap reached).

    ``t1`` and ``t2`` solve the undiscounted cumulative targets ``K / s1`` and ``(cap - K - c) / s2``
    of net profit (:func:`_net_profit_pv` at rate 0), with ``c = 0`` (the cap on profit receipts,
    [R12]) or, under ``profit_cap_on_revenue`` ([R25]), ``c`` = Microsoft's undiscounted
    revenue-share receipts to the end of the status quo, which then count against the same cap.
    """
    start = np.asarray(year_to_time(p.breakeven_year) - 1.0, dtype=float)
    s1, s2 = p.waterfall_tier1_share, p.waterfall_tier2_share
    receipts = 0.0
    if _switch(p.profit_cap_on_revenue):
        growth, durations = _growth(p)
        T = year_to_time(status_quo_year(p))
        receipts = p.revenue_share_sq * pv_flow_between(np.asarray(p.revenue_2025, dtype=float), growth, durations, 0.0,
                                                        0.0, T)
    tier2 = np.maximum(np.asarray(p.profit_cap) - p.microsoft_capital - receipts, 0.0) / s2
    t1 = _time_to_cumulative(p, start, p.microsoft_capital / s1)
    t2 = _time_to_cumulative(p, t1, tier2)
    return start, t1, t2


@_memoised
def profit_participation_pv(p: Parameters) -> np.ndarray:
    """``Pi``: PV of Microsoft's status-quo profit waterfall, at the flow rate ``r``.

    Microsoft receives ``s1`` of net profits (:func:`_net_profit_pv`) from ``t_b`` until it has
    recouped ``K = microsoft_capital`` (at ``t1``), then ``s2`` until its receipts reach the cap (at
    ``t2``, :func:`_waterfall_times`): ``Pi = s1 NP(t_b, t1) + s2 NP(t1, t2)``.
    """
    start, t1, t2 = _waterfall_times(p)
    r = p.discount_rate
    return p.waterfall_tier1_share * _net_profit_pv(p, start, t1, r) + p.waterfall_tier2_share * _net_profit_pv(p, t1, t2, r)


@_memoised
def claim_share_microsoft(p: Parameters) -> np.ndarray:
    """``pi = Pi / E``: Microsoft's share of the value of OpenAI's equity under the status quo.

    ``E = NP(t_b, inf)`` is the PV of all net profits, the cash flows the equity holders share, on
    the same basis (flows and rate) as ``Pi`` (:func:`profit_participation_pv`). The price sets the
    level and the cash-flow model the shares: Microsoft's claim is worth ``pi V_sq`` and the other
    owners' ``(1 - pi) V_sq``, so the two claims add up to the price (the identity the tests state).
    """
    start = np.asarray(year_to_time(p.breakeven_year) - 1.0, dtype=float)
    return profit_participation_pv(p) / _net_profit_pv(p, start, np.inf, p.discount_rate)


def _time_to_cumulative(p: Parameters, start: Value, target: Value) -> np.ndarray:
    """Smallest ``t >= start`` with ``NP_0(start, t) = target``, in closed form (net profits ``>= 0``).

    The undiscounted net-profit flow of :func:`_net_profit_pv`, ``pi(t) = m(t) R(t)``, has one
    margin ``m`` and one growth rate ``g`` on each piece between the breakpoints 2030 (``R``'s
    growth changes) and ``T`` (the status-quo share ends). On a piece from ``a`` its cumulative is
    ``pi(a) (e^(g (t - a)) - 1) / g`` (``pi(a) (t - a)`` at ``g = 0``), so the ``x`` still needed
    on the piece that reaches the target is met at ``t = a + log1p(g x / pi(a)) / g``. ``t`` is
    capped at ``start + WATERFALL_SEARCH_YEARS`` (also where the target is never reached); a
    target ``<= 0`` is met at ``start``.
    """
    (g1, g2), (years_to_2030,) = _growth(p)
    share_end = float(year_to_time(status_quo_year(p)))
    margin = np.asarray(p.profit_margin, dtype=float)
    start, target = np.broadcast_arrays(np.asarray(start, dtype=float), np.asarray(target, dtype=float))
    r0 = np.asarray(p.revenue_2025, dtype=float)
    need, found, a = target.copy(), np.where(target <= 0, start, np.nan), start
    for cut in (*sorted({years_to_2030, share_end}), np.inf):
        b = np.maximum(a, cut)
        g = np.where(a < years_to_2030, g1, g2)
        m = np.where(a < share_end, np.maximum(margin - p.revenue_share_sq, 0.0), margin)
        flow = m * r0 * np.exp(g1 * np.minimum(a, years_to_2030) + g2 * np.maximum(a - years_to_2030, 0.0))
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            total = flow * np.where(g == 0, b - a, _piece_growth(g, b - a))
            met = a + np.where(g == 0, need / flow, np.log1p(g * need / flow) / np.where(g == 0, 1.0, g))
        reached = np.isnan(found) & (flow > 0) & (need <= total)
        found = np.where(reached, met, found)
        need = need - np.where(np.isnan(found), total, 0.0)
        a = b
    return np.minimum(np.where(np.isnan(found), np.inf, found), start + WATERFALL_SEARCH_YEARS)


def _piece_growth(g: np.ndarray, length: np.ndarray) -> np.ndarray:
    """``(e^(g L) - 1) / g``, the cumulative of a unit flow growing at ``g != 0`` over ``L`` (``-1 / g`` at
    ``L = inf``, ``g < 0``; ``inf`` for ``g > 0``)."""
    return np.where(np.isinf(length), np.where(g < 0, -1.0 / g, np.inf), np.expm1(g * np.where(np.isinf(length), 0.0, length)) / g)


def status_quo_equity_value(p: Parameters, scenario: Scenario = STATUS_QUO) -> np.ndarray:
    """``V_sq = W - RS_O(sq) - access_O(sq)``: OpenAI's equity value with the status-quo terms (``= P`` when
    the price conditions on them); a threat scenario changes the access terms that survive."""
    share = term_pv(p, p.revenue_share_sq, status_quo_year(p), p.agi_hazard, "board")
    return gross_value(p) - share - access_cost_openai(p, status_quo_terms(p), scenario)


def conversion_loss(p: Parameters) -> np.ndarray:
    """What failing to convert to a PBC costs OpenAI's owners: lost value and replaced financing.

    ``L = restructuring_value_share V_sq + financing_friction (softbank_at_risk + clawback_2024_round)``:
    the investors whose money falls away are themselves owners, so only the cost of replacing that
    money is a loss; this is the one place the end-2025 deadline [R36] enters the model.
    """
    money = np.asarray(p.softbank_at_risk + p.clawback_2024_round)
    return np.asarray(p.restructuring_value_share * status_quo_equity_value(p) + p.financing_friction * money)


def status_quo_payoffs(p: Parameters, scenario: Scenario = STATUS_QUO) -> tuple[np.ndarray, np.ndarray]:
    """(u_M, u_O) if the 2019/2023 contract runs on and OpenAI cannot convert.

    With ``V = V_sq(scenario)`` (:func:`status_quo_equity_value`) and ``pi`` = :func:`claim_share_microsoft`:
    ``u_M = pi V + RS_M(sq) + access_M(sq) - cost_M``; ``u_O = (1 - pi) V - L - cost_O``. So
    ``u_M + u_O + L = V + RS_M + access_M`` and Microsoft's claim is ``pi V``, both on the basis of the
    price. ``scenario`` applies threat actions (see :mod:`.threats`).
    """
    year = status_quo_year(p)
    terms = status_quo_terms(p)
    value = status_quo_equity_value(p, scenario)
    claim = claim_share_microsoft(p) * value
    share_m = term_pv(p, p.revenue_share_sq, year, p.agi_hazard, "board")
    u_m = claim + share_m + access_value_microsoft(p, terms, scenario) - scenario.cost_microsoft
    u_o = value - claim - conversion_loss(p) - scenario.cost_openai
    return np.asarray(u_m, dtype=float), np.asarray(u_o, dtype=float)


# ----------------------------------------------------------------------------- new contracts
def coefficients(p: Parameters, combo: Combo) -> Coefficients:
    """Coefficients of the payoffs for one discrete combination, vectorised over draws.

    ``V_k = W - access_O(k)``; ``v_k = (-RS_O(k), -premium_O a)``;
    ``b_Mk = access_M(k)``; ``beta_Mk = (RS_M(k), margin_M a)``; ``b_Ok = 0``; ``beta_Ok = 0``,
    with ``RS_M(k) = RS_O(k)`` the PV of the whole revenue at unit share until the combination's
    sunset under the common AGI hazard (a transfer), and ``a`` the PV of $1 of Azure commitment. Restructuring is priced
    in ``W`` (conversion happens under any deal).
    """
    terms = AccessTerms(combo.api_exclusivity, combo.compute_rofr, combo.ip_rights_until, combo.ip_post_agi, combo.agi_trigger)
    a = commitment_pv_per_dollar(p)
    rs_m = rs_o = term_pv(p, 1.0, combo.revenue_share_until, p.agi_hazard, combo.agi_trigger)
    V = gross_value(p) - access_cost_openai(p, terms)
    v = np.stack(np.broadcast_arrays(-rs_o, -p.azure_premium_openai * a), axis=-1)
    beta_m = np.stack(np.broadcast_arrays(rs_m, p.azure_margin_microsoft * a), axis=-1)
    b_m = access_value_microsoft(p, terms)
    zero = np.zeros_like(V)
    return Coefficients(V, v, np.broadcast_to(b_m, V.shape).copy(), beta_m, zero, np.zeros_like(v))


def utilities(c: Coefficients, equity: Value, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(u_M, u_O)`` from coefficients; ``y[..., j]`` is term ``Y_TERMS[j]``.

    ``V = V_k + v_k . y``; ``u_M = e V + b_M + beta_M . y``; ``u_O = (1 - e) V + b_O + beta_O . y``.
    """
    y = np.asarray(y, dtype=float)
    V = c.V + np.sum(c.v * y, axis=-1)
    u_m = equity * V + c.b_M + np.sum(c.beta_M * y, axis=-1)
    u_o = (1.0 - np.asarray(equity)) * V + c.b_O + np.sum(c.beta_O * y, axis=-1)
    return u_m, u_o


def risk_transform(u: Value, risk_aversion: float) -> np.ndarray:
    """Concave CARA transform ``(1 - exp(-rho u)) / rho`` (identity at ``rho = 0``)."""
    if risk_aversion < 0 or not np.isfinite(risk_aversion):
        raise ValueError(f"risk_aversion must be finite and >= 0, got {risk_aversion}")
    u = np.asarray(u, dtype=float)
    return u if risk_aversion == 0 else -np.expm1(-risk_aversion * u) / risk_aversion


def coefficient_table(p: Parameters, space: CaseSpace | None = None) -> dict[Combo, Coefficients]:
    """Coefficients of every discrete combination of ``space`` (the case's by default), sharing their PVs."""
    with shared_present_values():
        return {combo: coefficients(p, combo) for combo in (COMBOS if space is None else combos(space))}


def unused_commitment_cost(p: Parameters, commitment: Value) -> np.ndarray:
    """Extra cost to OpenAI's value of committed dollars beyond ``azure_need``: ``(1 - premium) a max(x - N, 0)``.

    Within its expected use OpenAI pays a committed dollar's premium over its best alternative
    (``azure_premium_openai``, in ``v_k``); beyond it a committed dollar buys compute it does not
    use, so it costs the whole dollar, while Microsoft still earns its margin on it. Joint value
    per dollar beyond the need is then ``(margin - 1) a < 0``, so (with equity as a transfer) every
    Pareto-optimal contract has ``x <= N``: the problem's constraint ``azure_commitment <=
    azure_need`` (:func:`.solve.problem`) loses no optimum, and on it this cost is zero.
    """
    return _unused_cost(p, commitment, commitment_pv_per_dollar(p))


def _unused_cost(p: Parameters, commitment: Value, per_dollar: Value) -> np.ndarray:
    """:func:`unused_commitment_cost` given ``per_dollar`` = :func:`commitment_pv_per_dollar` (computed once per ``p``)."""
    excess = np.maximum(np.asarray(commitment, dtype=float) - p.azure_need, 0.0)
    return (1.0 - np.asarray(p.azure_premium_openai)) * per_dollar * excess


def _with_unused_commitment(p: Parameters, c: Coefficients, equity: Value, y: np.ndarray,
                            per_dollar: Value) -> tuple[np.ndarray, np.ndarray]:
    """:func:`utilities` less :func:`unused_commitment_cost`, borne by OpenAI's value ``V`` (shares ``e``, ``1 - e``)."""
    u_m, u_o = utilities(c, equity, y)
    cost = _unused_cost(p, np.asarray(y, dtype=float)[..., 1], per_dollar)
    return u_m - np.asarray(equity) * cost, u_o - (1.0 - np.asarray(equity)) * cost


def payoff_functions(
    p: Parameters, risk_aversion: float = 0.0, space: CaseSpace | None = None
) -> tuple[Callable[[Mapping[str, Any]], Any], Callable[[Mapping[str, Any]], Any]]:
    """``(f_M, f_O)`` for ``BargainingProblem.from_contracts``, built from :func:`coefficients`.

    Each ``f(contract)`` broadcasts over arrays of the continuous terms. ``p`` must hold scalars.
    ``f_M`` and ``f_O`` share one evaluation per contract (:func:`negotiation.problem.payoff_pair`).
    """
    table = coefficient_table(p, space)
    per_dollar = commitment_pv_per_dollar(p)

    def evaluate(contract: Mapping[str, Any]) -> tuple[np.ndarray, np.ndarray]:
        y = np.stack(np.broadcast_arrays(*(np.asarray(contract[t], dtype=float) for t in Y_TERMS)), axis=-1)
        u_m, u_o = _with_unused_commitment(p, table[Combo.from_contract(contract)],
                                           np.asarray(contract["equity"], dtype=float), y, per_dollar)
        return risk_transform(u_m, risk_aversion), risk_transform(u_o, risk_aversion)

    return payoff_pair(evaluate)


def contract_utilities(p: Parameters, contract: Mapping[str, Any]) -> tuple[np.ndarray, np.ndarray]:
    """Risk-neutral ``(u_M, u_O)`` of one contract mapping, vectorised over parameter draws."""
    y = np.stack(np.broadcast_arrays(*(np.asarray(contract[t], dtype=float) for t in Y_TERMS)), axis=-1)
    return _with_unused_commitment(p, coefficients(p, Combo.from_contract(contract)), contract["equity"], y,
                                   commitment_pv_per_dollar(p))
