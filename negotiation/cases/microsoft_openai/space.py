"""The case's contract space as data: ``data/contract_space.toml``, validated, and its widening.

Every term's range (continuous) or options (discrete) lives in the data file beside the
calibration, and every bound says whether it is *natural* (the term cannot go beyond it) or a
modelling *choice* (a finite box where the record sets no limit), and why. A choice bound must
never decide a prediction: :func:`widened` moves every choice bound outwards (continuous terms by
half their width on each side, clipped at natural bounds; year grids by three years on each
side) so that tests can check that no prediction moves. An economic limit is a constraint of
the contract problem, not a bound: ``at_most = "<parameter>"`` caps a term at a calibrated value
(the Azure commitment at the compute OpenAI expects to use).
"""

from __future__ import annotations

import math
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import Any

import negotiation as ng
from negotiation.cases.microsoft_openai.parameters import DATA_DIR, PARAMETER_NAMES, parse_sources

CONTRACT_SPACE_FILE = DATA_DIR / "contract_space.toml"
BASES = ("natural", "choice")
#: The continuous terms, in the payoffs' order: equity, then ``Y_TERMS`` of :mod:`.payoffs`.
CONTINUOUS_TERMS = ("equity", "revenue_share", "azure_commitment")
#: The discrete terms, in the order of :class:`.payoffs.Combo`.
DISCRETE_TERMS = ("revenue_share_until", "api_exclusivity", "ip_rights_until", "ip_post_agi", "compute_rofr",
                  "agi_trigger")
#: Values a discrete term may take (a year is any whole number from 2000 to 2100).
NAMED_OPTIONS: Mapping[str, tuple[Any, ...]] = MappingProxyType({
    "revenue_share_until": ("agi",),
    "api_exclusivity": ("none", "agi"),
    "ip_rights_until": (),
    "ip_post_agi": (False, True),
    "compute_rofr": (False, True),
    "agi_trigger": ("board", "panel"),
})
TAKES_YEARS = ("revenue_share_until", "api_exclusivity", "ip_rights_until")
YEAR_RANGE = (2000, 2100)
#: Widening of :func:`widened`: continuous choice bounds by this fraction of the width on each side,
#: year grids by this many years on each side.
WIDEN_FRACTION = 0.5
WIDEN_YEARS = 3
#: The first contract year that ends after t = 0 (mid-2025): a natural floor of every year grid.
FIRST_CONTRACT_YEAR = 2026
#: What pins a term in the model, so that hits are counted by mechanism, not by term: ``split``
#: (a transfer: only the concept's split pins it), ``value_against_cost`` (an access term:
#: Microsoft's value against OpenAI's cost), ``decay`` (the IP horizon: a decaying value against a
#: constant cost), ``need`` (the commitment: capped at OpenAI's expected use).
MECHANISMS = ("split", "value_against_cost", "decay", "need")


@dataclass(frozen=True)
class ContinuousTerm:
    """A continuous term: ``[low, high]``, each bound's basis, an optional cap ``term <= parameter``."""

    name: str
    low: float
    high: float
    low_basis: str
    high_basis: str
    at_most: str | None
    why: str
    mechanism: str


@dataclass(frozen=True)
class DiscreteTerm:
    """A discrete term: its options in the file's order; ``years`` marks a grid of contract years."""

    name: str
    options: tuple[Any, ...]
    basis: str
    years: bool
    why: str
    mechanism: str


@dataclass(frozen=True)
class CaseSpace:
    """The case's contract space: continuous and discrete terms by name (file order).

    Plain dicts (not read-only proxies) so that a space can be sent to worker processes.
    """

    continuous: Mapping[str, ContinuousTerm]
    discrete: Mapping[str, DiscreteTerm]

    def engine_space(self) -> dict[str, ng.Continuous | ng.Discrete]:
        """The space as the engine's terms (the box; caps are applied by :func:`.solve.problem`)."""
        space: dict[str, ng.Continuous | ng.Discrete] = {
            t.name: ng.Continuous(t.low, t.high) for t in self.continuous.values()}
        space.update({t.name: ng.Discrete(t.options) for t in self.discrete.values()})
        return space

    def bounds(self, term: str) -> tuple[float, float]:
        """``(low, high)`` of a continuous term."""
        t = self.continuous[term]
        return t.low, t.high


def _fail(where: str, message: str) -> ValueError:
    return ValueError(f"{CONTRACT_SPACE_FILE.name}: {where}: {message}")


def _is_year(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and YEAR_RANGE[0] <= value <= YEAR_RANGE[1]


def check_option(name: str, value: Any) -> None:
    """Raise ``ValueError`` naming ``name`` unless ``value`` is an allowed value of that discrete term."""
    named = NAMED_OPTIONS[name]
    if not (any(value == n and type(value) is type(n) for n in named) or (name in TAKES_YEARS and _is_year(value))):
        allowed = [*named, *([f"a year {YEAR_RANGE[0]}-{YEAR_RANGE[1]}"] if name in TAKES_YEARS else [])]
        raise ValueError(f"{name} must be one of {allowed}, got {value!r}")


def _basis(entry: Mapping[str, Any], key: str, where: str) -> str:
    if key not in entry:
        raise _fail(where, f"missing {key!r}: every bound says whether it is {' or '.join(BASES)}")
    if entry[key] not in BASES:
        raise _fail(where, f"{key} must be one of {BASES}, got {entry[key]!r}")
    return entry[key]


def _why(entry: Mapping[str, Any], where: str) -> str:
    why = entry.get("why")
    if not isinstance(why, str) or not why.strip():
        raise _fail(where, "missing 'why': the reason for the range or options")
    return why


def _mechanism(entry: Mapping[str, Any], where: str) -> str:
    if entry.get("mechanism") not in MECHANISMS:
        raise _fail(where, f"mechanism must be one of {MECHANISMS} (what pins the term), got {entry.get('mechanism')!r}")
    return entry["mechanism"]


def _continuous(name: str, entry: Mapping[str, Any]) -> ContinuousTerm:
    where = f"continuous term {name!r}"
    allowed = {"low", "high", "low_basis", "high_basis", "at_most", "why", "mechanism"}
    unknown = sorted(set(entry) - allowed)
    if unknown:
        raise _fail(where, f"unknown field(s) {unknown}; allowed: {sorted(allowed)}")
    numbers = {}
    for key in ("low", "high"):
        if key not in entry:
            raise _fail(where, f"missing bound {key!r}")
        value = entry[key]
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            raise _fail(where, f"{key} must be a finite number, got {value!r}")
        numbers[key] = float(value)
    if not numbers["low"] < numbers["high"]:
        raise _fail(where, f"low must be < high, got low {numbers['low']} >= high {numbers['high']}")
    at_most = entry.get("at_most")
    if at_most is not None and at_most not in PARAMETER_NAMES:
        raise _fail(where, f"at_most must name a calibration parameter, got {at_most!r}")
    return ContinuousTerm(name, numbers["low"], numbers["high"], _basis(entry, "low_basis", where),
                          _basis(entry, "high_basis", where), at_most, _why(entry, where), _mechanism(entry, where))


def _discrete(name: str, entry: Mapping[str, Any]) -> DiscreteTerm:
    where = f"discrete term {name!r}"
    allowed = {"options", "basis", "years", "why", "mechanism"}
    unknown = sorted(set(entry) - allowed)
    if unknown:
        raise _fail(where, f"unknown field(s) {unknown}; allowed: {sorted(allowed)}")
    options = entry.get("options")
    if not isinstance(options, list) or not options:
        raise _fail(where, "options must be a non-empty list")
    for value in options:
        try:
            check_option(name, value)
        except ValueError as exc:
            raise _fail(where, f"option {value!r} not allowed ({exc})") from None
    if len(set(map(repr, options))) != len(options):
        raise _fail(where, f"options must be distinct, got {options!r}")
    years = entry.get("years", False)
    if not isinstance(years, bool):
        raise _fail(where, f"years must be true or false, got {years!r}")
    if years and not [v for v in options if _is_year(v)]:
        raise _fail(where, "years = true needs year options")
    return DiscreteTerm(name, tuple(options), _basis(entry, "basis", where), years, _why(entry, where),
                        _mechanism(entry, where))


def parse_space(data: Mapping[str, Any]) -> CaseSpace:
    """Validate a parsed contract-space document.

    Raises
    ------
    ValueError
        Naming the term: a missing bound, ``low >= high``, a bound without its basis label, an
        empty or invalid option list, an unknown or missing term, an unknown ``at_most`` parameter.
    """
    if "sources" in data:
        parse_sources(data["sources"])
    continuous, discrete = data.get("continuous", {}), data.get("discrete", {})
    for table, names, kind in ((continuous, CONTINUOUS_TERMS, "continuous"), (discrete, DISCRETE_TERMS, "discrete")):
        unknown = sorted(set(table) - set(names))
        if unknown:
            raise _fail(f"[{kind}]", f"unknown term(s) {unknown}; the case's {kind} terms are {list(names)}")
        missing = [n for n in names if n not in table]
        if missing:
            raise _fail(f"[{kind}]", f"term {missing[0]!r} missing")
    return CaseSpace({n: _continuous(n, continuous[n]) for n in CONTINUOUS_TERMS},
                     {n: _discrete(n, discrete[n]) for n in DISCRETE_TERMS})


def load_space(path: Path | str = CONTRACT_SPACE_FILE) -> CaseSpace:
    """Read and validate a contract-space TOML file."""
    with open(path, "rb") as handle:
        return parse_space(tomllib.load(handle))


@lru_cache(maxsize=1)
def case_space() -> CaseSpace:
    """The case's contract space (``data/contract_space.toml``), validated and cached."""
    return load_space()


def widened(space: CaseSpace) -> CaseSpace:
    """Every choice bound moved outwards; natural bounds and options kept.

    Continuous: a choice bound moves by ``WIDEN_FRACTION x (high - low)``; a natural bound stays
    (it is the clip).
    Year grids (``years = true``, basis "choice"): ``WIDEN_YEARS`` more years on each side (none
    before ``FIRST_CONTRACT_YEAR``), named options kept where they stand.
    """
    continuous = {}
    for t in space.continuous.values():
        step = WIDEN_FRACTION * (t.high - t.low)
        low = t.low - step if t.low_basis == "choice" else t.low
        high = t.high + step if t.high_basis == "choice" else t.high
        continuous[t.name] = replace(t, low=low, high=high)
    discrete = {}
    for t in space.discrete.values():
        if t.years and t.basis == "choice":
            years = [v for v in t.options if _is_year(v)]
            first = max(min(years) - WIDEN_YEARS, FIRST_CONTRACT_YEAR)
            grid = tuple(range(first, max(years) + WIDEN_YEARS + 1))
            named = tuple(v for v in t.options if not _is_year(v))
            discrete[t.name] = replace(t, options=grid + named)
        else:
            discrete[t.name] = t
    return CaseSpace(continuous, discrete)

