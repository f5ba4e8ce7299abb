"""The 2023 UAW-General Motors contract: a small second case for the case kit.

The United Auto Workers (player 1) and General Motors (player 2) bargain over two terms of a
contract of ``term_years`` (data/contract_space.toml): the cumulative base-wage increase
``wage_increase`` (x, phased in evenly, so the average wage over the term is ``1 + x/2`` times
today's) and whether a cost-of-living adjustment indexes the wage to the CPI (``cola``). Every
input is in data/calibration.toml, dated before the strike began on 2023-09-15; the tentative
agreement of 30 October 2023 is in data/actual.toml and is read only by comparison code.

Payoffs, in $B over the term, with ``P`` the annual base payroll (``workers x weekly_pay x 52``)
and ``p`` the log price level at mid-term (horizon ``h = term/2``), normal with mean
``inflation_mean x h`` and standard deviation ``inflation_sd x sqrt(h)``:

* GM is risk neutral in real terms (its prices move with the CPI). Its payoff is the real payroll it
  saves against paying today's real wage: ``P T (1 - (1 + x/2) k)``, where ``k = 1`` with a COLA
  (it pays today's real wage, scaled) and ``k = E[exp(-p)]`` without one (inflation erodes the
  nominal wage). GM's profit from production is the same in every contract and drops out.
* The union maximises its members' expected CRRA utility of the real wage ``R`` (relative risk
  aversion ``rho``; log utility at ``rho = 1``), scaled so that a dollar at today's wage is worth
  a dollar: ``P T E[(R^(1-rho) - 1) / (1 - rho)]`` with ``R = 1 + x/2`` under a COLA and
  ``R = (1 + x/2) exp(-p)`` without. A COLA thus moves inflation risk from the risk-averse workers
  to the risk-neutral firm (Baily 1974; Azariadis 1975): it is worth more to the union than it
  costs GM whenever ``inflation_sd > 0``. The wage term is the transfer that prices it.
* Disagreement is the strike the parties expect: ``strike_weeks`` weeks in which GM loses
  ``gm_weekly_loss`` a week and each worker gets ``strike_pay`` instead of ``weekly_pay``, after
  which the old contract (no raise, no COLA) runs for the term. This is a labelled modelling
  choice, not a fact: a national strike is the only UAW-GM strike whose length and cost were
  measured (2019, U4, U5) and the limit of the escalation the union announced; the union's
  announced targeted "stand-up" strike (U14, before the cut-off) would lower both sides' weekly
  cost at once, which one strike scale for both cannot show (see the note of gm_weekly_loss).
  The strike weeks are valued money-metric, as the lost wage bill net of strike pay in dollars:
  the loss is temporary (at central values about 6 weeks, a net loss of some 6% of a year's pay)
  and members smooth it with savings and the union's $825M strike fund (U3), so the curvature
  that prices a permanent real-wage risk does not apply to it.

The concepts offered are the symmetric ones (Nash, Kalai-Smorodinsky, egalitarian, utilitarian)
and Rubinstein's alternating offers with weekly rounds, the union proposing first, and one
``discount_rate`` for both (its limit is the symmetric Nash solution, so no asymmetric weights are
declared). Egalitarian and utilitarian compare the two payoffs in dollars, and so rest on the
normalisation above, "a dollar at today's wage counts as a dollar": a stated interpersonal
comparison, not a fact. The utilitarian solution is that anchor itself: under a COLA the union's
marginal utility of the wage is one at today's wage, as is GM's marginal cost, so the sum is
maximal at ``x = 0``; another normalisation would move it. The status quo (no raise, no COLA) picks
the representative of an optimal set. Limitations: one expected strike length and scale, no
strike-length uncertainty, the raise's phase-in fixed, ``cola`` a yes/no term priced as full
indexing (data/contract_space.toml codes a partial COLA as true), no profit sharing, pensions or
tiers, and the term's length an input, not a term.

Specification history. After a referee's report, five inputs or mechanisms changed, each for the
reason given in its note, none because of the outcome: the union's strike loss, first the CRRA
utility of the weekly income ratio (no saving, no strike fund; 2.4x the dollar loss at
``rho = 2``), is money-metric; ``term_years`` is centred at 4.25, the midpoint of the four years of
GM's offers and the 4.5 of Ford's (first 4.0, the low end); ``risk_aversion`` runs from 1 (log
utility, now handled) instead of 1.5, whose note wrongly said log utility puts no premium on
price-level risk; the disagreement point is labelled a modelling choice; and one rule codes partial
COLA provisions (GM's 14 Sep offer, first coded false, is true by it; no prediction reads it). The
first version's Nash prediction was a 7.4% raise with a COLA.

References: Nash (1950); Kalai & Smorodinsky (1975); Kalai (1977); Rubinstein (1982);
Baily (1974), "Wages and employment under uncertain demand"; Azariadis (1975), "Implicit contracts
and underemployment equilibria".
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from negotiation.kit.case import Case

__all__ = ["CASE", "disagreement", "discount_factors", "firm_saving", "payroll", "status_quo", "strike_cost",
           "union_utility", "utilities"]

#: Weeks per year (a unit conversion: payroll per week to per year, the rate per weekly round).
WEEKS = 52.0
#: Dollars per $B (a unit conversion).
BILLION = 1e9
#: The contract in force before 2023: no raise agreed yet, COLA suspended since 2009.
STATUS_QUO = {"wage_increase": 0.0, "cola": False}


def payroll(p: Any) -> float:
    """Annual base payroll of GM's UAW hourly workers, $B/year."""
    return p.workers * p.weekly_pay * WEEKS / BILLION


def _price_level(p: Any) -> tuple[float, float]:
    """Mean and standard deviation of the log price level at mid-term."""
    h = p.term_years / 2.0
    return p.inflation_mean * h, p.inflation_sd * np.sqrt(h)


def _expected_crra(mu: float, var: float, rho: float) -> float:
    """``E[(R^(1-rho) - 1) / (1 - rho)]`` for ``log R ~ N(mu, var)``; ``E[log R] = mu`` at ``rho = 1``."""
    a = 1.0 - rho
    if a == 0.0:
        return mu
    return np.expm1(a * mu + 0.5 * a * a * var) / a  # expm1: accurate as rho -> 1


def crra(r: float, rho: float) -> float:
    """CRRA utility of a wage ratio ``r``, zero and of slope one at ``r = 1`` (log at ``rho = 1``)."""
    return _expected_crra(np.log(r), 0.0, rho)


def union_utility(level: float, cola: bool, p: Any) -> float:
    """The union's expected utility per $ of payroll-year at average wage ``level`` (x today's)."""
    if cola:
        return crra(level, p.risk_aversion)
    m, s = _price_level(p)
    # The real wage level * e^{-p} is lognormal: log-mean log(level) - m, log-variance s^2.
    return _expected_crra(np.log(level) - m, s * s, p.risk_aversion)


def firm_saving(level: float, cola: bool, p: Any) -> float:
    """GM's real payroll saving per $ of payroll-year at average wage ``level``."""
    m, s = _price_level(p)
    erosion = 1.0 if cola else np.exp(-m + 0.5 * s * s)
    return 1.0 - level * erosion


def utilities(contract: Mapping[str, Any], p: Any) -> tuple[float, float]:
    """``(UAW, GM)`` payoffs of a contract, $B over the term."""
    level = 1.0 + float(contract["wage_increase"]) / 2.0
    cola = bool(contract["cola"])
    scale = payroll(p) * p.term_years
    return scale * union_utility(level, cola, p), scale * firm_saving(level, cola, p)


def strike_cost(p: Any) -> tuple[float, float]:
    """What the expected strike costs ``(UAW, GM)``, $B: lost wages net of strike pay, lost profit."""
    union = p.workers * (p.weekly_pay - p.strike_pay) * p.strike_weeks / BILLION  # money-metric
    return union, p.strike_weeks * p.gm_weekly_loss


def disagreement(p: Any) -> tuple[float, float]:
    """The expected strike, then the old contract for the term: ``(UAW, GM)``, $B."""
    union, firm = utilities(STATUS_QUO, p)
    union_loss, firm_loss = strike_cost(p)
    return union - union_loss, firm - firm_loss


def discount_factors(p: Any) -> tuple[float, float]:
    """Per weekly offer round, the same for both parties."""
    delta = np.exp(-p.discount_rate / WEEKS)
    return delta, delta


def status_quo(p: Any) -> Mapping[str, Any]:
    """The contract in force: no raise, no COLA."""
    return dict(STATUS_QUO)


CASE = Case(
    name="uaw_gm_2023",
    title="The 2023 UAW-General Motors contract",
    players=("UAW", "GM"),
    folder=Path(__file__).parent,
    utilities=utilities,
    disagreement=disagreement,
    discount_factors=discount_factors,
    status_quo=status_quo,
    utility_unit="$B",
    space_rules={"continuous_terms": ("wage_increase",), "discrete_terms": ("cola",)},
)
