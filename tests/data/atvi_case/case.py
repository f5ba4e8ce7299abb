"""Microsoft's acquisition of Activision Blizzard (agreed 18 January 2022).

Players: Microsoft (buyer) and Activision Blizzard's holders (seller), risk neutral, USD B.

* The deal closes with probability q(F) = q0 + dq * g(F), g(F) = 1 - exp(-F / fee_scale): a
  reverse termination fee F commits Microsoft to a regulatory effort whose cost is
  remedy_cost * g(F)**2 (convex).
* If it closes, the holders get N * price for a standalone value N * P0; Microsoft gets
  N * (P0 - price) + synergy. If it is blocked, Microsoft pays F and the holders lose failure_cost.
* A go-shop is worth go_shop_gain to the holders and costs Microsoft go_shop_cost.
* Disagreement: no deal, both keep the standalone (0, 0).
"""
import math
from pathlib import Path

from negotiation.kit.case import Case


def _g(fee, p):
    return 1.0 - math.exp(-float(fee) / p.fee_scale)


def utilities(contract, p):
    """(Microsoft, Activision holders) gains over no deal, USD B."""
    g = _g(contract["reverse_termination_fee"], p)
    q = p.close_prob_base + p.close_prob_gain * g
    fee = float(contract["reverse_termination_fee"])
    premium = p.shares_out * (float(contract["price_per_share"]) - p.standalone_price)
    shop = bool(contract["go_shop"])
    u_seller = q * premium - (1 - q) * (p.failure_cost - fee) + (p.go_shop_gain if shop else 0.0)
    u_buyer = (q * (p.synergy - premium) - (1 - q) * fee - p.remedy_cost * g ** 2
               - (p.go_shop_cost if shop else 0.0))
    return u_buyer, u_seller


def disagreement(p):
    return (0.0, 0.0)


def discount_factors(p):
    """Per-month discount factors of the two sides."""
    return (math.exp(-p.rate_microsoft / 12), math.exp(-p.rate_activision / 12))


def status_quo(p):
    """No deal: the standalone price, no fee, no go-shop."""
    return {"price_per_share": p.standalone_price, "reverse_termination_fee": 0.0, "go_shop": False}

CASE = Case(
    name="msft_atvi_2022",
    title="Microsoft's acquisition of Activision Blizzard (2022)",
    players=("Microsoft", "Activision holders"),
    folder=Path(__file__).parent,
    utilities=utilities,
    disagreement=disagreement,
    discount_factors=discount_factors,
    status_quo=status_quo,
    space_rules={"continuous_terms": ("price_per_share", "reverse_termination_fee"),
                 "discrete_terms": ("go_shop",)},
)
