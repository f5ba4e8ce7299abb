"""The only reader of the amendment: term-by-term hits of the 2026 predictions and two naive baselines.

Baselines: "no change" (the October 2025 contract) and "2025 carried forward" (the 2025 model's
own central Nash prediction mapped onto the 2026 terms: its API exclusivity and revenue-share
sunset; the 2025 space has no IP-exclusivity, reverse-share or cap term, so those stay as in force).
"""

from __future__ import annotations

import tomllib
from typing import Any, Mapping

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


def hits(contract: Mapping[str, Any]) -> dict[str, bool]:
    """Per term: does ``contract`` name the amendment's option? (A cap hits if it is a number within
    one grid step, $25B, of the actual cap: the grid cannot name $38B.)"""
    actual = amendment()
    out = {}
    for t in TERMS:
        if t == "revenue_share_cap":
            out[t] = contract[t] != "none" and abs(float(contract[t]) - actual[t]) <= 25.0
        else:
            out[t] = contract[t] == actual[t]
    return out


def compare(predictions: Mapping[str, Mapping[str, Any]]) -> dict[str, dict[str, bool]]:
    """Hits per term of each concept's representative and of the two baselines."""
    rows = {name: hits(contract) for name, contract in predictions.items()}
    rows["no_change"] = hits(status_quo())
    rows["carried_forward_2025"] = hits(carried_forward())
    return rows
