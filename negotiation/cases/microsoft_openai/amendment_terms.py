"""Economic components of the terms the April 2026 amendment fixed, as functions of Parameters.

Each is a present value in $B at the case's t = 0 under the common AGI belief ``agi_hazard``
(as in :mod:`.payoffs`) and the panel trigger (no hold-up hazard):

- IP exclusivity: a share ``x`` of Microsoft's value of the IP licence to year ``T`` (post-AGI models
  included) is its exclusivity, and the same share of OpenAI's cost of it; a non-exclusive licence
  removes ``x ip_M`` from Microsoft and ``x ip_O`` from OpenAI's cost.
- API exclusivity: "Azure-first" keeps a share ``k`` (``azure_first_retention``) of exclusivity's
  value and cost; "until AGI" keeps all of it (theory.md §6).
- Reverse revenue share: a transfer Microsoft -> OpenAI, ``rate x ratio x R(t)`` until AGI, with
  ``ratio`` Microsoft's OpenAI-model revenue per dollar of OpenAI's revenue [R61].
- Revenue share with a cap: ``s R(t)`` until ``min(horizon, t_cap)``, ``t_cap`` the time at which the
  undiscounted cumulative payments reach the cap (closed form on the two growth segments).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from negotiation.cases.microsoft_openai.parameters import Parameters, Value, year_to_time
from negotiation.cases.microsoft_openai.payoffs import YEARS_TO_2030, ip_pv, revenue_pv, term_pv

TRIGGER = "panel"


@dataclass(frozen=True)
class TermParameters:
    """The amendment terms' own inputs (ranges in the 2026 case's data).

    ``ip_exclusivity_share``: the share of the IP licence's value (and cost) that is exclusivity;
    ``azure_first_retention``: the share of API exclusivity that "Azure-first" keeps;
    ``reverse_share_rate``: Microsoft's reverse share of its OpenAI-model revenue;
    ``microsoft_openai_revenue_ratio``: that revenue per dollar of OpenAI's revenue.
    """

    ip_exclusivity_share: Value
    azure_first_retention: Value
    reverse_share_rate: Value
    microsoft_openai_revenue_ratio: Value


def ip_exclusivity(p: Parameters, q: TermParameters, until_year: int) -> tuple[Value, Value]:
    """(Microsoft's value, OpenAI's cost) of the IP licence's exclusivity: ``x ip_M(T)``, ``x ip_O(T)``."""
    value = ip_pv(p, p.ip_value_microsoft, until_year, True, True)
    cost = ip_pv(p, p.ip_cost_openai, until_year, True, False)
    return q.ip_exclusivity_share * value, q.ip_exclusivity_share * cost


def api_exclusivity(p: Parameters, q: TermParameters, option: str) -> tuple[Value, Value]:
    """(Microsoft's value, OpenAI's cost) of API exclusivity until AGI, times ``k`` when Azure-first."""
    keep = 1.0 if option == "azure_until_agi" else q.azure_first_retention
    value = term_pv(p, p.exclusivity_value_microsoft, "agi", p.agi_hazard, TRIGGER)
    cost = term_pv(p, p.exclusivity_cost_openai, "agi", p.agi_hazard, TRIGGER)
    return keep * value, keep * cost


def reverse_share_pv(p: Parameters, q: TermParameters) -> Value:
    """PV of the reverse revenue share Microsoft pays OpenAI until AGI: ``PV(rate ratio R; AGI)``."""
    return revenue_pv(p, q.reverse_share_rate * q.microsoft_openai_revenue_ratio, p.agi_hazard)


def time_to_cap(p: Parameters, rate: Value, cap: Value) -> Value:
    """Time at which ``int_0^t rate R`` reaches ``cap`` (undiscounted; inf if never).

    ``R = R_0 e^(g1 t)`` to ``t1 = 5``, then ``R(t1) e^(g2 (t - t1))``: ``C(t) = rate R_0 (e^(g1 t) - 1) / g1``
    on the first segment, inverted in closed form on each.
    """
    r0, g1 = np.asarray(p.revenue_2025, float), np.log(np.asarray(p.revenue_2030) / np.asarray(p.revenue_2025)) / YEARS_TO_2030
    g2 = np.asarray(p.growth_after_2030, float)
    pay0 = np.maximum(np.asarray(rate, float) * r0, 1e-300)
    first = pay0 * np.expm1(g1 * YEARS_TO_2030) / g1
    with np.errstate(divide="ignore", invalid="ignore"):
        t_a = np.log1p(np.asarray(cap) * g1 / pay0) / g1
        rest = (np.asarray(cap) - first) * g2 / (pay0 * np.exp(g1 * YEARS_TO_2030))
        t_b = YEARS_TO_2030 + np.where(g2 > 0, np.log1p(np.maximum(rest, -1 + 1e-300)) / g2,
                                       np.where(rest > -1, -np.log1p(-np.minimum(rest, 0.0)) / g2, np.inf))
    return np.where(np.asarray(cap) <= first, t_a, np.where(np.isfinite(t_b), t_b, np.inf))


def revenue_share_pv(p: Parameters, rate: Value, until: int | str, cap: float | str) -> Value:
    """PV of the revenue share ``rate R(t)`` until AGI or the end of year ``until``, stopped at the cap."""
    limit = np.inf if cap == "none" else time_to_cap(p, rate, cap)
    if until == "agi":
        return revenue_pv(p, rate, p.agi_hazard, limit)
    return revenue_pv(p, rate, 0.0, np.minimum(year_to_time(until), limit))
