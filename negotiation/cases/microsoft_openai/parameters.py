"""Calibration of the Microsoft-OpenAI case: loading, validation, and parameter sets.

``data/calibration.toml`` holds every model input as a range (low / central / high) with the
date of the information and its source id (or ``"assumption"`` with a written note). Only facts
dated before the MOU of 2025-09-11 may feed a prediction; the settlement lives elsewhere
(its own data file, read by :mod:`.compare` only).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
import re
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import Any, Mapping

import numpy as np

DATA_DIR = Path(__file__).parent / "data"
CALIBRATION_FILE = DATA_DIR / "calibration.toml"

#: Date of the non-binding MOU: prediction inputs must be dated strictly before it.
MOU_DATE = dt.date(2025, 9, 11)
#: t = 0 of every present value (mid-2025); a term "until year Y" ends at Y + 1 - VALUATION_YEAR.
VALUATION_YEAR = 2025.5
#: Source id of an input that is a modelling assumption (its note carries the reasoning).
ASSUMPTION = "assumption"

REQUIRED_FIELDS = ("unit", "low", "central", "high", "date", "source", "note")
BOUNDED_KINDS = ("probability", "share")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")

Value = float | np.ndarray


@dataclass(frozen=True)
class Parameters:
    """One parameter set: every field a float, or arrays of equal shape (Monte Carlo draws).

    Field meanings, units and sources are in ``data/calibration.toml``.
    """

    revenue_2025: Value
    revenue_2030: Value
    growth_after_2030: Value
    discount_rate: Value
    valuation_post_money: Value
    agi_hazard: Value
    holdup_hazard: Value
    revenue_share_sq: Value
    sq_horizon_year: Value
    microsoft_capital: Value
    waterfall_tier1_share: Value
    waterfall_tier2_share: Value
    profit_cap: Value
    breakeven_year: Value
    profit_margin: Value
    exclusivity_value_microsoft: Value
    exclusivity_cost_openai: Value
    ip_value_microsoft: Value
    ip_cost_openai: Value
    ip_half_life_microsoft: Value
    post_agi_ip_multiplier: Value
    rofr_value_microsoft: Value
    rofr_cost_openai: Value
    azure_margin_microsoft: Value
    azure_premium_openai: Value
    azure_need: Value
    commitment_years: Value
    softbank_at_risk: Value
    clawback_2024_round: Value
    restructuring_value_share: Value
    impatience_microsoft: Value
    impatience_openai: Value
    offer_interval: Value
    litigation_cost: Value
    court_reversal_probability: Value
    antitrust_remedy_probability: Value
    antitrust_cost_microsoft: Value
    agi_declaration_upheld_probability: Value
    agi_declaration_cost_openai: Value
    workload_move_success: Value
    inhouse_capex: Value
    inhouse_substitution: Value
    openai_loss_inhouse: Value


PARAMETER_NAMES = tuple(f.name for f in dataclasses.fields(Parameters))


@dataclass(frozen=True)
class Source:
    """A cited source: id, title, url and publication date."""

    id: str
    title: str
    url: str
    date: dt.date


@dataclass(frozen=True)
class ParameterSpec:
    """One calibrated input: its range, the date of the information and where it comes from."""

    name: str
    unit: str
    low: float
    central: float
    high: float
    date: dt.date
    source: str
    note: str
    kind: str | None = None

    @property
    def is_assumption(self) -> bool:
        """True when the input is a modelling assumption rather than a sourced fact."""
        return self.source == ASSUMPTION


@dataclass(frozen=True)
class Calibration:
    """All inputs with their metadata; builds :class:`Parameters` at chosen points or draws."""

    specs: Mapping[str, ParameterSpec]
    sources: Mapping[str, Source]

    def _at(self, attribute: str) -> Parameters:
        return Parameters(**{n: getattr(s, attribute) for n, s in self.specs.items()})

    def central(self) -> Parameters:
        """Every parameter at its central value."""
        return self._at("central")

    def low(self) -> Parameters:
        """Every parameter at its low end."""
        return self._at("low")

    def high(self) -> Parameters:
        """Every parameter at its high end."""
        return self._at("high")

    def sample(self, rng: np.random.Generator, n: int) -> Parameters:
        """``n`` independent draws, each parameter uniform on ``[low, high]``."""
        if n < 1:
            raise ValueError(f"n must be >= 1, got {n}")
        return Parameters(
            **{name: rng.uniform(s.low, s.high, size=n) for name, s in self.specs.items()}
        )

    def with_values(self, **overrides: float) -> Parameters:
        """Central parameters with some values replaced; each must lie in its ``[low, high]``."""
        for name, value in overrides.items():
            if name not in self.specs:
                raise ValueError(f"unknown parameter {name!r}; allowed: {', '.join(self.specs)}")
            spec = self.specs[name]
            if not (math.isfinite(value) and spec.low <= value <= spec.high):
                raise ValueError(
                    f"parameter {name!r} = {value} outside its range [{spec.low}, {spec.high}]"
                )
        return dataclasses.replace(self.central(), **overrides)


def _parse_date(value: Any, where: str) -> dt.date:
    text = value.isoformat() if isinstance(value, dt.date) else value
    if not isinstance(text, str) or not _DATE.match(text):
        raise ValueError(f"{where}: date must be 'YYYY-MM-DD', got {value!r}")
    try:
        return dt.date.fromisoformat(text)
    except ValueError as exc:
        raise ValueError(f"{where}: invalid date {value!r}") from exc


def parse_sources(table: Mapping[str, Any]) -> dict[str, Source]:
    """Validate a ``[sources]`` table: each entry needs title, url and date."""
    sources = {}
    for sid, entry in table.items():
        for key in ("title", "url", "date"):
            if key not in entry:
                raise ValueError(f"source {sid!r}: missing field {key!r}")
        sources[sid] = Source(sid, entry["title"], entry["url"], _parse_date(entry["date"], f"source {sid!r}"))
    return sources


def _parse_spec(name: str, entry: Mapping[str, Any], sources: Mapping[str, Source]) -> ParameterSpec:
    where = f"parameter {name!r}"
    for key in REQUIRED_FIELDS:
        if key not in entry:
            raise ValueError(f"{where}: missing field {key!r}")
    numbers = {}
    for key in ("low", "central", "high"):
        value = entry[key]
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            raise ValueError(f"{where}: {key} must be a finite number, got {value!r}")
        numbers[key] = float(value)
    low, central, high = numbers["low"], numbers["central"], numbers["high"]
    if low > high:
        raise ValueError(f"{where}: low {low} > high {high}")
    if not low <= central <= high:
        raise ValueError(f"{where}: central {central} outside [low, high] = [{low}, {high}]")
    kind = entry.get("kind")
    if kind is not None and kind not in BOUNDED_KINDS:
        raise ValueError(f"{where}: kind must be one of {BOUNDED_KINDS}, got {kind!r}")
    if kind is not None and not (0.0 <= low and high <= 1.0):
        raise ValueError(f"{where}: a {kind} must lie in [0, 1], got [{low}, {high}]")
    source = entry["source"]
    if source != ASSUMPTION and source not in sources:
        raise ValueError(f"{where}: unknown source id {source!r} (not in [sources], nor {ASSUMPTION!r})")
    note = entry["note"]
    if not isinstance(note, str) or not note.strip():
        raise ValueError(f"{where}: note must be a non-empty string")
    return ParameterSpec(
        name, str(entry["unit"]), low, central, high, _parse_date(entry["date"], where), source, note, kind
    )


def parse_calibration(data: Mapping[str, Any]) -> Calibration:
    """Validate a parsed calibration document and build a :class:`Calibration`.

    Raises
    ------
    ValueError
        Naming the parameter: missing field, ``low > high``, central outside the range, a
        probability or share outside ``[0, 1]``, a date not ``YYYY-MM-DD``, an unknown source id,
        a non-finite number, or a parameter missing from / unknown to the model.
    """
    if "sources" not in data or "parameters" not in data:
        raise ValueError("calibration must have [sources] and [parameters] tables")
    sources = parse_sources(data["sources"])
    table = data["parameters"]
    unknown = sorted(set(table) - set(PARAMETER_NAMES))
    if unknown:
        raise ValueError(f"unknown parameter(s) {unknown}")
    missing = [n for n in PARAMETER_NAMES if n not in table]
    if missing:
        raise ValueError(f"parameter {missing[0]!r} missing from the calibration")
    specs = {name: _parse_spec(name, table[name], sources) for name in PARAMETER_NAMES}
    return Calibration(MappingProxyType(specs), MappingProxyType(sources))


def load_calibration(path: Path | str = CALIBRATION_FILE) -> Calibration:
    """Read and validate a calibration TOML file."""
    with open(path, "rb") as handle:
        return parse_calibration(tomllib.load(handle))


@lru_cache(maxsize=1)
def calibration() -> Calibration:
    """The case's calibration (``data/calibration.toml``), validated and cached."""
    return load_calibration()


def year_to_time(year: Value) -> Value:
    """Model time at the end of calendar ``year``: ``t = year + 1 - VALUATION_YEAR``."""
    return year + 1.0 - VALUATION_YEAR
