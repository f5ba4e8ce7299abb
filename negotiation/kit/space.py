"""A case's contract space as data: every term's range or options, each bound labelled, and its widening.

A contract-space file (TOML) declares the terms of the contract::

    [space]                           # optional
    first_year = 2026                 # no year grid is widened below this contract year

    [continuous.<term>]
    low = 0.0
    high = 0.5
    low_basis = "natural"             # the term cannot go beyond it (a share in [0, 1], a payment >= 0)
    high_basis = "choice"             # a finite box where the record sets no limit
    at_most = "<parameter>"           # optional: the constraint term <= that calibrated value
    transfer = true                   # optional: money moved from one side to the other
    mechanism = "split"               # optional: what pins the term (a case may restrict the names)
    why = "..."                       # the reason for the range

    [discrete.<term>]
    options = [2027, 2029, "open"]    # the values on the table, in the file's order
    basis = "choice"
    years = true                      # optional: a grid of contract years (widened by WIDEN_YEARS)
    mechanism = "..."                 # optional
    why = "..."

A choice bound must never decide a prediction: :func:`widened` moves every choice bound outwards
(continuous terms by ``WIDEN_FRACTION`` of their width on each side, year grids by
``WIDEN_YEARS`` years on each side, none below ``first_year``), so that a test can check that no
prediction moves. Every error is one line naming the file, the term and the rule.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import negotiation as ng
from negotiation.kit._toml import read_toml
from negotiation.kit.calibration import CalibrationError, Source, parse_sources

__all__ = ["BASES", "CaseSpace", "ContinuousTerm", "DiscreteTerm", "SpaceError", "check_space_sources", "is_year",
           "load_space", "option_index", "same_option", "parse_space", "widened"]

BASES = ("natural", "choice")
#: A year option is a whole number in this range.
YEAR_RANGE = (2000, 2100)
#: Widening of :func:`widened`: continuous choice bounds by this fraction of the width on each side,
#: year grids by this many years on each side.
WIDEN_FRACTION = 0.5
WIDEN_YEARS = 3

OptionCheck = Callable[[str, Any], None]


class SpaceError(ValueError):
    """A contract-space file is invalid: one line naming the file, the term and the rule."""


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
    mechanism: str | None = None
    transfer: bool = False


@dataclass(frozen=True)
class DiscreteTerm:
    """A discrete term: its options in the file's order; ``years`` marks a grid of contract years."""

    name: str
    options: tuple[Any, ...]
    basis: str
    years: bool
    why: str
    mechanism: str | None = None


@dataclass(frozen=True)
class CaseSpace:
    """A case's contract space: continuous and discrete terms by name (file order).

    Plain dicts (not read-only proxies) so that a space can be sent to worker processes.
    """

    continuous: Mapping[str, ContinuousTerm]
    discrete: Mapping[str, DiscreteTerm]
    first_year: int | None = None
    sources: Mapping[str, Source] = field(default_factory=dict)

    @property
    def terms(self) -> tuple[str, ...]:
        """Every term: the continuous ones, then the discrete ones."""
        return (*self.continuous, *self.discrete)

    def engine_space(self) -> dict[str, ng.Continuous | ng.Discrete]:
        """The space as the engine's terms (the box; caps are constraints of the problem)."""
        space: dict[str, ng.Continuous | ng.Discrete] = {
            t.name: ng.Continuous(t.low, t.high) for t in self.continuous.values()}
        space.update({t.name: ng.Discrete(t.options) for t in self.discrete.values()})
        return space

    def bounds(self, term: str) -> tuple[float, float]:
        """``(low, high)`` of a continuous term."""
        t = self.continuous[term]
        return t.low, t.high


def same_option(a: Any, b: Any) -> bool:
    """Whether two values of a discrete term are the same option: equal and of the same type (TOML's
    ``2027`` is not ``2027.0``, ``true`` is not ``1``)."""
    return a == b and type(a) is type(b)


def option_index(value: Any, options: tuple[Any, ...]) -> int:
    """The position of ``value`` among ``options`` (:func:`same_option`)."""
    return next(i for i, o in enumerate(options) if same_option(o, value))


def is_year(value: Any) -> bool:
    """True for a whole number in :data:`YEAR_RANGE` (a contract year), not a bool."""
    return isinstance(value, int) and not isinstance(value, bool) and YEAR_RANGE[0] <= value <= YEAR_RANGE[1]


class _Reader:
    """Validation of one file: every message starts with the file's name."""

    def __init__(self, origin: str, parameter_names: Collection[str] | None, mechanisms: Collection[str] | None,
                 check_option: OptionCheck | None) -> None:
        self.origin, self.parameter_names, self.mechanisms, self.check_option = (
            origin, parameter_names, mechanisms, check_option)

    def fail(self, where: str, message: str) -> SpaceError:
        return SpaceError(f"{self.origin}: {where}: {message}")

    def basis(self, entry: Mapping[str, Any], key: str, where: str) -> str:
        if key not in entry:
            raise self.fail(where, f"missing {key!r}: every bound says whether it is {' or '.join(BASES)}")
        if entry[key] not in BASES:
            raise self.fail(where, f"{key} must be one of {BASES}, got {entry[key]!r}")
        return entry[key]

    def why(self, entry: Mapping[str, Any], where: str) -> str:
        why = entry.get("why")
        if not isinstance(why, str) or not why.strip():
            raise self.fail(where, "missing 'why': the reason for the range or options")
        return why

    def mechanism(self, entry: Mapping[str, Any], where: str) -> str | None:
        mechanism = entry.get("mechanism")
        if self.mechanisms is not None and mechanism not in self.mechanisms:
            raise self.fail(where, f"mechanism must be one of {tuple(self.mechanisms)} (what pins the term), got {mechanism!r}")
        if mechanism is not None and not isinstance(mechanism, str):
            raise self.fail(where, f"mechanism must be a string, got {mechanism!r}")
        return mechanism

    def flag(self, entry: Mapping[str, Any], key: str, where: str) -> bool:
        value = entry.get(key, False)
        if not isinstance(value, bool):
            raise self.fail(where, f"{key} must be true or false, got {value!r}")
        return value

    def unknown(self, entry: Mapping[str, Any], allowed: set[str], where: str) -> None:
        unknown = sorted(set(entry) - allowed)
        if unknown:
            raise self.fail(where, f"unknown field(s) {unknown}; allowed: {sorted(allowed)}")

    def continuous(self, name: str, entry: Mapping[str, Any]) -> ContinuousTerm:
        where = f"continuous term {name!r}"
        if not isinstance(entry, Mapping):
            raise self.fail(where, f"must be a table, got {entry!r}")
        self.unknown(entry, {"low", "high", "low_basis", "high_basis", "at_most", "why", "mechanism", "transfer"}, where)
        numbers = {}
        for key in ("low", "high"):
            if key not in entry:
                raise self.fail(where, f"missing bound {key!r}")
            value = entry[key]
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
                raise self.fail(where, f"{key} must be a finite number, got {value!r}")
            numbers[key] = float(value)
        if not numbers["low"] < numbers["high"]:
            raise self.fail(where, f"low must be < high, got low {numbers['low']} >= high {numbers['high']}")
        at_most = entry.get("at_most")
        if at_most is not None and (not isinstance(at_most, str)
                                    or (self.parameter_names is not None and at_most not in self.parameter_names)):
            raise self.fail(where, f"at_most must name a calibration parameter, got {at_most!r}")
        return ContinuousTerm(name, numbers["low"], numbers["high"], self.basis(entry, "low_basis", where),
                              self.basis(entry, "high_basis", where), at_most, self.why(entry, where),
                              self.mechanism(entry, where), self.flag(entry, "transfer", where))

    def discrete(self, name: str, entry: Mapping[str, Any]) -> DiscreteTerm:
        where = f"discrete term {name!r}"
        if not isinstance(entry, Mapping):
            raise self.fail(where, f"must be a table, got {entry!r}")
        self.unknown(entry, {"options", "basis", "years", "why", "mechanism"}, where)
        options = entry.get("options")
        if not isinstance(options, list) or not options:
            raise self.fail(where, "options must be a non-empty list")
        for value in options:
            if not isinstance(value, (str, int, float, bool)):
                raise self.fail(where, f"option {value!r} must be a string, number or boolean")
            if self.check_option is not None:
                try:
                    self.check_option(name, value)
                except ValueError as exc:
                    raise self.fail(where, f"option {value!r} not allowed ({exc})") from None
        if len(set(map(repr, options))) != len(options):
            raise self.fail(where, f"options must be distinct, got {options!r}")
        years = self.flag(entry, "years", where)
        if years and not [v for v in options if is_year(v)]:
            raise self.fail(where, f"years = true needs year options (whole numbers {YEAR_RANGE[0]}-{YEAR_RANGE[1]})")
        return DiscreteTerm(name, tuple(options), self.basis(entry, "basis", where), years, self.why(entry, where),
                            self.mechanism(entry, where))


def parse_space(data: Mapping[str, Any], origin: str = "contract space", *,
                continuous_terms: Collection[str] | None = None, discrete_terms: Collection[str] | None = None,
                parameter_names: Collection[str] | None = None, mechanisms: Collection[str] | None = None,
                check_option: OptionCheck | None = None) -> CaseSpace:
    """Validate a parsed contract-space document.

    Parameters
    ----------
    data : Mapping
        The parsed TOML: ``[continuous.<term>]`` and ``[discrete.<term>]`` tables, optionally
        ``[space]`` (``first_year``) and ``[sources]`` (the sources the reasons cite, validated and
        kept: :func:`check_space_sources` holds them to a prediction's cut-off).
    origin : str
        Where ``data`` came from; every error message starts with it.
    continuous_terms, discrete_terms : collection of str or None
        The terms the case's payoffs read (then the file must declare exactly these, in any
        order; the space keeps this order). None: the file's terms are the case's.
    parameter_names : collection of str or None
        The calibration's parameters, which ``at_most`` may name (None: not checked).
    mechanisms : collection of str or None
        The mechanisms a term may name (None: any, or none).
    check_option : callable or None
        ``check_option(term, value)`` raises ``ValueError`` for a value the case's payoffs cannot read.

    Raises
    ------
    SpaceError
        Naming the file and the term: a missing bound, ``low >= high``, a bound without its basis
        label, an empty or invalid option list, an unknown or missing term, an unknown ``at_most``
        parameter.

    Examples
    --------
    >>> doc = {"continuous": {"price": {"low": 0.0, "high": 1.0, "low_basis": "natural",
    ...                                 "high_basis": "natural", "why": "a share"}},
    ...        "discrete": {"years": {"options": [2, 4], "basis": "choice", "why": "on the table"}}}
    >>> parse_space(doc).terms
    ('price', 'years')
    """
    reader = _Reader(origin, parameter_names, mechanisms, check_option)
    header = data.get("space", {})
    if not isinstance(header, Mapping) or set(header) - {"first_year"}:
        raise reader.fail("[space]", "must be a table with at most the field 'first_year'")
    first_year = header.get("first_year")
    if first_year is not None and not is_year(first_year):
        raise reader.fail("[space]", f"first_year must be a year {YEAR_RANGE[0]}-{YEAR_RANGE[1]}, got {first_year!r}")
    unknown_tables = sorted(set(data) - {"space", "sources", "continuous", "discrete"})
    if unknown_tables:
        raise reader.fail(f"[{unknown_tables[0]}]", "unknown table (allowed: [space], [sources], [continuous], [discrete])")
    try:
        sources = parse_sources(data.get("sources", {}), origin)
    except CalibrationError as error:
        raise SpaceError(str(error)) from None
    tables = {}
    for kind, names in (("continuous", continuous_terms), ("discrete", discrete_terms)):
        table = data.get(kind, {})
        if not isinstance(table, Mapping):
            raise reader.fail(f"[{kind}]", "must be a table of terms")
        if names is not None:
            unknown = sorted(set(table) - set(names))
            if unknown:
                raise reader.fail(f"[{kind}]", f"unknown term(s) {unknown}; the case's {kind} terms are {list(names)}")
            missing = [n for n in names if n not in table]
            if missing:
                raise reader.fail(f"[{kind}]", f"term {missing[0]!r} missing")
        tables[kind] = {n: table[n] for n in (table if names is None else names)}
    if not tables["continuous"] and not tables["discrete"]:
        raise reader.fail("[continuous], [discrete]", "the space declares no term")
    clash = sorted(set(tables["continuous"]) & set(tables["discrete"]))
    if clash:
        raise reader.fail(f"term {clash[0]!r}", "is both continuous and discrete")
    return CaseSpace({n: reader.continuous(n, e) for n, e in tables["continuous"].items()},
                     {n: reader.discrete(n, e) for n, e in tables["discrete"].items()}, first_year, sources)


def load_space(path: Path | str, **rules: Any) -> CaseSpace:
    """Read and validate a contract-space TOML file; ``rules`` as in :func:`parse_space`.

    Raises
    ------
    SpaceError
        If the file is missing, not valid TOML, or fails :func:`parse_space`; the message names the file.
    """
    path = Path(path)
    data = read_toml(path, SpaceError, "contract-space")
    return parse_space(data, str(path), **rules)


def widened(space: CaseSpace) -> CaseSpace:
    """Every choice bound moved outwards; natural bounds and options kept.

    Continuous: a choice bound moves by ``WIDEN_FRACTION x (high - low)``; a natural bound stays
    (it is the clip).
    Year grids (``years = true``, basis "choice"): ``WIDEN_YEARS`` more years on each side (none
    before the space's ``first_year``), named options kept where they stand.
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
            years = [v for v in t.options if is_year(v)]
            first = min(years) - WIDEN_YEARS
            if space.first_year is not None:
                first = max(first, space.first_year)
            grid = tuple(range(first, max(years) + WIDEN_YEARS + 1))
            named = tuple(v for v in t.options if not is_year(v))
            discrete[t.name] = replace(t, options=grid + named)
        else:
            discrete[t.name] = t
    return CaseSpace(continuous, discrete, space.first_year, space.sources)


def check_space_sources(space: CaseSpace, cutoff: dt.date | None, event: str = "the cut-off") -> None:
    """Refuse a source of the contract space dated on or after ``cutoff``: the menu of a prediction is
    built from earlier information too.

    Raises
    ------
    SpaceError
        Naming the source and its date.
    """
    if cutoff is None:
        return
    for source in space.sources.values():
        if source.date >= cutoff:
            raise SpaceError(f"contract space: source {source.id!r} is dated {source.date.isoformat()}, on or after "
                             f"{event} ({cutoff.isoformat()}): a prediction's menu may use only earlier information")
