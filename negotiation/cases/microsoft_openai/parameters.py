"""Calibration of the Microsoft-OpenAI case: loading, validation, and parameter sets.

``data/calibration.toml`` holds every model input as a range (low / central / high) with the
date of the information and its source id (or ``"assumption"`` with a written note). Only facts
dated before the MOU of 2025-09-11 may feed a prediction; the settlement lives elsewhere
(its own data file, read by :mod:`.compare` only).
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import hashlib
import json
import math
import re
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import Any, Iterator, Mapping

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
#: ``kind``: "probability" or "share" (checked in [0, 1]), or "switch" (a declared modelling
#: choice: 0 or 1, the same for every draw, so low = central = high); ``must_be_below``: another
#: parameter that this one must stay below over both ranges (this high < that low).
OPTIONAL_FIELDS = ("kind", "must_be_below")
BOUNDED_KINDS = ("probability", "share")
SWITCH = "switch"
KINDS = (*BOUNDED_KINDS, SWITCH)
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
    financing_friction: Value
    restructuring_value_share: Value
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
    profit_cap_on_revenue: Value
    disagreement_from_equilibrium: Value
    price_on_expected_deal: Value


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
    must_be_below: str | None = None

    @property
    def is_assumption(self) -> bool:
        """True when the input is a modelling assumption rather than a sourced fact."""
        return self.source == ASSUMPTION


@dataclass(frozen=True)
class Calibration:
    """All inputs with their metadata; builds :class:`Parameters` at chosen points or draws.

    ``origin`` is the file read; ``overrides`` records what a variant (:func:`apply_overrides`)
    replaced, ``{parameter: {field: value}}``, empty for the file as it is.
    """

    specs: Mapping[str, ParameterSpec]
    sources: Mapping[str, Source]
    origin: str = "calibration"
    overrides: Mapping[str, Mapping[str, Any]] = dataclasses.field(default_factory=lambda: MappingProxyType({}))

    def document(self) -> dict[str, Any]:
        """The calibration as a fresh parsed-TOML document, the input of :func:`parse_calibration`."""

        def entry(spec: ParameterSpec) -> dict[str, Any]:
            fields = {"unit": spec.unit, "low": spec.low, "central": spec.central, "high": spec.high,
                      "date": spec.date.isoformat(), "source": spec.source, "note": spec.note}
            optional = {"kind": spec.kind, "must_be_below": spec.must_be_below}
            return fields | {key: value for key, value in optional.items() if value is not None}

        return {
            "sources": {s.id: {"title": s.title, "url": s.url, "date": s.date.isoformat()} for s in self.sources.values()},
            "parameters": {name: entry(spec) for name, spec in self.specs.items()},
        }

    def sha256(self) -> str:
        """SHA-256 of the effective calibration (sorted-key JSON of :meth:`document`)."""
        text = json.dumps(self.document(), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(text.encode("utf-8")).hexdigest()

    def provenance(self) -> dict[str, Any]:
        """What a run records: the file and its SHA-256, exactly what was overridden (JSON-ready),
        and the SHA-256 of the effective calibration."""
        path = Path(self.origin)
        return {
            "file": path.name,
            "file_sha256": hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else None,
            "overrides": {name: {key: value.isoformat() if isinstance(value, dt.date) else value
                                 for key, value in fields.items()} for name, fields in self.overrides.items()},
            "effective_sha256": self.sha256(),
        }

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


class CalibrationError(ValueError):
    """A calibration file or override is invalid: one line naming the file, the parameter and the rule."""


def _parse_date(value: Any, where: str) -> dt.date:
    text = value.isoformat() if isinstance(value, dt.date) else value
    if not isinstance(text, str) or not _DATE.match(text):
        raise CalibrationError(f"{where}: date must be 'YYYY-MM-DD', got {value!r}")
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise CalibrationError(f"{where}: invalid date {value!r} (a real calendar date 'YYYY-MM-DD')") from None


def parse_sources(table: Mapping[str, Any], origin: str = "calibration") -> dict[str, Source]:
    """Validate a ``[sources]`` table: each entry needs title, url and date.

    ``origin`` (the file) starts every error message.
    """
    sources = {}
    for sid, entry in table.items():
        where = f"{origin}: source {sid!r}"
        if not isinstance(entry, Mapping):
            raise CalibrationError(f"{where}: must be a table with title, url and date, got {entry!r}")
        for key in ("title", "url", "date"):
            if key not in entry:
                raise CalibrationError(f"{where}: missing field {key!r}")
        sources[sid] = Source(sid, entry["title"], entry["url"], _parse_date(entry["date"], where))
    return sources


def _parse_spec(name: str, entry: Mapping[str, Any], sources: Mapping[str, Source], origin: str) -> ParameterSpec:
    where = f"{origin}: parameter {name!r}"
    if not isinstance(entry, Mapping):
        raise CalibrationError(f"{where}: must be a table with fields {', '.join(REQUIRED_FIELDS)}, got {entry!r}")
    unknown = sorted(set(entry) - set(REQUIRED_FIELDS) - set(OPTIONAL_FIELDS))
    if unknown:
        raise CalibrationError(
            f"{where}: unknown field {unknown[0]!r} (allowed: {', '.join(REQUIRED_FIELDS + OPTIONAL_FIELDS)})"
        )
    for key in REQUIRED_FIELDS:
        if key not in entry:
            raise CalibrationError(f"{where}: missing field {key!r}")
    numbers = {}
    for key in ("low", "central", "high"):
        value = entry[key]
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            raise CalibrationError(f"{where}: {key} must be a finite number, got {value!r}")
        numbers[key] = float(value)
    low, central, high = numbers["low"], numbers["central"], numbers["high"]
    if low > high:
        raise CalibrationError(f"{where}: low {low} > high {high} (need low <= central <= high)")
    if not low <= central <= high:
        raise CalibrationError(f"{where}: central {central} outside [low, high] = [{low}, {high}]")
    kind = entry.get("kind")
    if kind is not None and kind not in KINDS:
        raise CalibrationError(f"{where}: kind must be one of {KINDS}, got {kind!r}")
    if kind == SWITCH and not (low == central == high and central in (0.0, 1.0)):
        raise CalibrationError(f"{where}: a switch is a modelling choice, 0 or 1 with low = central = high, "
                               f"got [{low}, {central}, {high}]")
    if kind is not None and not (0.0 <= low and high <= 1.0):
        raise CalibrationError(f"{where}: a {kind} must lie in [0, 1], got [{low}, {high}]")
    source = entry["source"]
    if source != ASSUMPTION and source not in sources:
        raise CalibrationError(f"{where}: unknown source id {source!r} (not in [sources], nor {ASSUMPTION!r})")
    note = entry["note"]
    if not isinstance(note, str) or not note.strip():
        raise CalibrationError(f"{where}: note must be a non-empty string")
    below = entry.get("must_be_below")
    if below is not None and (not isinstance(below, str) or below == name):
        raise CalibrationError(f"{where}: must_be_below must name another parameter, got {below!r}")
    return ParameterSpec(
        name, str(entry["unit"]), low, central, high, _parse_date(entry["date"], where), source, note, kind, below
    )


def _check_cross_constraints(specs: Mapping[str, ParameterSpec], origin: str) -> None:
    """``a.must_be_below = "b"``: every value of a stays below every value of b (a.high < b.low)."""
    for spec in specs.values():
        if spec.must_be_below is None:
            continue
        where = f"{origin}: parameter {spec.name!r}"
        other = specs.get(spec.must_be_below)
        if other is None:
            raise CalibrationError(f"{where}: must_be_below names unknown parameter {spec.must_be_below!r}")
        if not spec.high < other.low:
            raise CalibrationError(
                f"{where}: must stay below {other.name!r}, but its high {spec.high} is not below "
                f"the low {other.low} of {other.name!r} (must_be_below = {other.name!r})"
            )


def parse_calibration(data: Mapping[str, Any], origin: str = "calibration") -> Calibration:
    """Validate a parsed calibration document and build a :class:`Calibration`.

    Parameters
    ----------
    data : Mapping
        The parsed TOML: ``[sources]`` and ``[parameters.<name>]`` tables.
    origin : str
        Where ``data`` came from (the file); every error message starts with it.

    Raises
    ------
    CalibrationError
        One line naming the origin, the parameter and the rule: missing or unknown field,
        ``low > high``, central outside the range, a probability or share outside ``[0, 1]``, a
        date not ``YYYY-MM-DD``, an unknown source id, a non-finite number, a parameter missing
        from / unknown to the model, or a ``must_be_below`` constraint broken.
    """
    for table in ("sources", "parameters"):
        if not isinstance(data.get(table), Mapping):
            raise CalibrationError(f"{origin}: calibration must have a [{table}] table")
    sources = parse_sources(data["sources"], origin)
    table = data["parameters"]
    unknown = sorted(set(table) - set(PARAMETER_NAMES))
    if unknown:
        raise CalibrationError(f"{origin}: unknown parameter {unknown[0]!r} (the model has no such field)")
    missing = [n for n in PARAMETER_NAMES if n not in table]
    if missing:
        raise CalibrationError(f"{origin}: parameter {missing[0]!r} missing from the calibration")
    specs = {name: _parse_spec(name, table[name], sources, origin) for name in PARAMETER_NAMES}
    _check_cross_constraints(specs, origin)
    return Calibration(MappingProxyType(specs), MappingProxyType(sources), origin)


def load_calibration(path: Path | str = CALIBRATION_FILE) -> Calibration:
    """Read and validate a calibration TOML file.

    Raises
    ------
    CalibrationError
        If the file is missing, not valid TOML, or fails :func:`parse_calibration`; the message
        names the file.
    """
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise CalibrationError(f"{path}: cannot read the calibration file ({error.strerror})") from None
    except tomllib.TOMLDecodeError as error:
        raise CalibrationError(f"{path}: not valid TOML: {error}") from None
    return parse_calibration(data, str(path))


@lru_cache(maxsize=1)
def _canonical() -> Calibration:
    return load_calibration()


def calibration(overrides: Mapping[str, Mapping[str, Any]] | None = None) -> Calibration:
    """The case's calibration (``data/calibration.toml``, validated and cached), or a variant.

    Inside :func:`using_calibration` (how a run applies an experiment's ``[calibration]``
    overrides) the active variant is returned instead of the file's.

    Parameters
    ----------
    overrides : Mapping or None
        ``{parameter: {field: value}}`` applied by :func:`apply_overrides`.
    """
    base = _active[-1] if _active else _canonical()
    return base if not overrides else apply_overrides(base, overrides)


calibration.cache_clear = _canonical.cache_clear  # type: ignore[attr-defined]  # re-read the file (tests, notebooks)


def apply_overrides(calibration: Calibration, overrides: Mapping[str, Mapping[str, Any]]) -> Calibration:
    """A variant of ``calibration`` with some fields of some parameters replaced, validated as a file.

    Parameters
    ----------
    calibration : Calibration
    overrides : Mapping
        ``{parameter: {field: value}}``, e.g. ``{"softbank_at_risk": {"central": 20.0}}``; fields
        as in the file (``low``, ``central``, ``high``, ``date``, ``source``, ``note``, ...).

    Returns
    -------
    Calibration
        Its ``overrides`` record exactly what was replaced (on top of any earlier overrides) and
        ``origin`` says it is a variant of the file.

    Raises
    ------
    CalibrationError
        If a parameter or field is unknown, or the variant breaks a rule of :func:`parse_calibration`.
    """
    origin = f"overrides of {calibration.origin}"
    if not isinstance(overrides, Mapping):
        raise CalibrationError(f"{origin}: overrides must map parameter -> {{field: value}}, got {overrides!r}")
    document = calibration.document()
    for name, fields in overrides.items():
        if name not in document["parameters"]:
            raise CalibrationError(f"{origin}: unknown parameter {name!r} (allowed: {', '.join(PARAMETER_NAMES)})")
        if not isinstance(fields, Mapping) or not fields:
            raise CalibrationError(f"{origin}: parameter {name!r}: overrides must be a non-empty table {{field: value}}, got {fields!r}")
        for key, value in fields.items():
            if key not in REQUIRED_FIELDS + OPTIONAL_FIELDS:
                raise CalibrationError(
                    f"{origin}: parameter {name!r}: unknown field {key!r} (allowed: {', '.join(REQUIRED_FIELDS + OPTIONAL_FIELDS)})"
                )
            document["parameters"][name][key] = value
    variant = parse_calibration(document, origin)
    merged = {name: dict(fields) for name, fields in calibration.overrides.items()}
    for name, fields in overrides.items():
        merged.setdefault(name, {}).update(fields)
    return dataclasses.replace(variant, origin=calibration.origin, overrides=_frozen(merged))


_active: list[Calibration] = []


@contextlib.contextmanager
def using_calibration(variant: Calibration) -> Iterator[Calibration]:
    """Make :func:`calibration` return ``variant`` inside the ``with`` block (a run's overrides)."""
    _active.append(variant)
    try:
        yield variant
    finally:
        _active.pop()


def check_prediction_inputs(calibration: Calibration, cutoff: dt.date = MOU_DATE) -> None:
    """Refuse a fact dated on or after ``cutoff`` (the MOU): predictions use only earlier information.

    Raises
    ------
    CalibrationError
        Naming the parameter (or source) and its date.
    """
    for spec in calibration.specs.values():
        origin = f"overrides of {calibration.origin}" if spec.name in calibration.overrides else calibration.origin
        if spec.date >= cutoff:
            raise CalibrationError(
                f"{origin}: parameter {spec.name!r} is dated {spec.date.isoformat()}, on or after the MOU "
                f"({cutoff.isoformat()}): a prediction may use only earlier information"
            )
        if not spec.is_assumption and calibration.sources[spec.source].date >= cutoff:
            source = calibration.sources[spec.source]
            raise CalibrationError(
                f"{origin}: parameter {spec.name!r} cites source {source.id!r} dated "
                f"{source.date.isoformat()}, on or after the MOU ({cutoff.isoformat()}): a prediction may use only earlier information"
            )


def _frozen(overrides: Mapping[str, Mapping[str, Any]]) -> Mapping[str, Mapping[str, Any]]:
    return MappingProxyType({name: MappingProxyType(dict(fields)) for name, fields in overrides.items()})


def year_to_time(year: Value) -> Value:
    """Model time at the end of calendar ``year``: ``t = year + 1 - VALUATION_YEAR``."""
    return year + 1.0 - VALUATION_YEAR
