"""The only reader of the amendment: term-by-term hits of the 2026 predictions and two naive baselines.

Baselines: "no change" (the October 2025 contract) and "2025 carried forward" (the 2025 model's
own central Nash prediction mapped onto the 2026 terms: its API exclusivity and revenue-share
sunset; the 2025 space has no IP-exclusivity, reverse-share or cap term, so those stay as in force).
"""

from __future__ import annotations

import tomllib
from typing import Any, Mapping, Sequence

from negotiation.cases.microsoft_openai import solve as s25
from negotiation.cases.microsoft_openai_2026.model import DATA_DIR, TERMS, status_quo

AMENDMENT_FILE = DATA_DIR / "amendment_2026.toml"


def amendment() -> dict[str, Any]:
    """The terms of the 27 April 2026 amendment (comparison only)."""
    with open(AMENDMENT_FILE, "rb") as handle:
        return dict(tomllib.load(handle)["terms"])


def carried_forward() -> dict[str, Any]:
    """The 2025 model's central Nash prediction read as 2026 terms (module docstring)."""
    c = s25.predict("nash").contract
    sq = status_quo()
    until = c["revenue_share_until"]
    return {**{t: sq[t] for t in TERMS},
            "api_exclusivity": "azure_until_agi" if c["api_exclusivity"] == "agi" else "any_cloud_azure_first",
            "revenue_share_until": until}


def baselines() -> dict[str, dict[str, Any]]:
    """The two naive baselines' five terms: ``no_change`` (the October 2025 contract) and
    ``carried_forward_2025`` (:func:`carried_forward`)."""
    return {"no_change": {t: status_quo()[t] for t in TERMS}, "carried_forward_2025": carried_forward()}


#: A predicted cap hits if it is a number within this many $B of the actual cap (one grid step:
#: the grid cannot name $38B).
CAP_TOLERANCE = 25.0


def term_hit(term: str, value: Any, actual: Mapping[str, Any] | None = None) -> bool:
    """Does ``value`` of ``term`` name the amendment's option (a cap within ``CAP_TOLERANCE``)?"""
    actual = amendment() if actual is None else actual
    if term == "revenue_share_cap":
        return value != "none" and abs(float(value) - actual[term]) <= CAP_TOLERANCE
    return value == actual[term]


def hits(contract: Mapping[str, Any]) -> dict[str, bool]:
    """Per term: does ``contract`` name the amendment's option (:func:`term_hit`)?"""
    actual = amendment()
    return {t: term_hit(t, contract[t], actual) for t in TERMS}


def set_hits(optimal_set: Mapping[str, Sequence[Any]]) -> dict[str, bool]:
    """Per term: does the optimal set contain an option that hits (set consistency, not a point hit)?"""
    actual = amendment()
    return {t: any(term_hit(t, v, actual) for v in optimal_set[t]) for t in TERMS}


def compare(predictions: Mapping[str, Mapping[str, Any]]) -> dict[str, dict[str, bool]]:
    """Hits per term of each concept's representative and of the two baselines."""
    rows = {name: hits(contract) for name, contract in predictions.items()}
    return rows | {name: hits(contract) for name, contract in baselines().items()}
