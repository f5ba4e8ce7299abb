"""The parties' reported positions before the MOU (``data/positions.toml``).

Pre-MOU facts, so both predictions (the revealed-preference restrictions) and comparisons (the
informed baselines of :mod:`.compare`) may read them. Each position is a full contract of the
case's space: the status quo with the terms that side was reported to move on.
"""

from __future__ import annotations

import tomllib
from types import MappingProxyType
from typing import Any, Mapping

from negotiation.cases.microsoft_openai.parameters import DATA_DIR, MOU_DATE, parse_sources
from negotiation.cases.microsoft_openai.space import CONTINUOUS_TERMS, DISCRETE_TERMS

POSITIONS_FILE = DATA_DIR / "positions.toml"
TERMS = (*CONTINUOUS_TERMS, *DISCRETE_TERMS)
SIDES = ("openai", "microsoft")


def positions() -> dict[str, Mapping[str, Any]]:
    """The reported pre-MOU positions as full contracts: ``status_quo``, ``openai``, ``microsoft``.

    ``status_quo`` is the 2019/2023 contract written in the contract space; each side's position
    is the status quo with the terms that side was reported to move on.

    Raises
    ------
    ValueError
        If a position is dated on or after the MOU.
    """
    with open(POSITIONS_FILE, "rb") as handle:
        data = tomllib.load(handle)
    sources = parse_sources(data["sources"])
    for side in ("status_quo", *SIDES):
        if sources[data[side]["source"]].date >= MOU_DATE:
            raise ValueError(f"position {side!r} is dated on or after the MOU")
    status_quo = {t: data["status_quo"][t] for t in TERMS}
    return {"status_quo": MappingProxyType(status_quo),
            **{s: MappingProxyType({**status_quo, **{t: v for t, v in data[s].items() if t in TERMS}}) for s in SIDES}}


def midpoint() -> Mapping[str, Any]:
    """The midpoint of the two reported positions, a full contract.

    A continuous term is the mean of the two positions (a side silent on it keeps the status
    quo); a discrete term takes the value both name, and the status quo's where they differ.
    """
    given = positions()
    sides = [given[s] for s in SIDES]
    return MappingProxyType({
        t: (sum(float(s[t]) for s in sides) / 2 if t in CONTINUOUS_TERMS
            else (sides[0][t] if sides[0][t] == sides[1][t] else given["status_quo"][t]))
        for t in TERMS})
