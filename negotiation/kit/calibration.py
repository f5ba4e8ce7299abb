"""A case's calibration: every model input as a dated fact or a labelled assumption, with a range.

A calibration file (TOML) declares its own parameters and its information cut-off::

    [calibration]
    cutoff = "2025-09-11"              # optional: a prediction may use only facts dated before it
    cutoff_event = "the MOU"           # optional: named in the honesty errors

    [sources]
    R1 = { title = "...", url = "https://...", date = "2025-03-31" }

    [parameters.discount_rate]
    unit = "1/year"
    low = 0.08
    central = 0.12
    high = 0.16
    date = "2025-03-31"                # the date of the information
    source = "R1"                      # a source id, or "assumption" (the note gives the reasoning)
    note = "..."
    kind = "probability"               # optional: "probability" / "share" ([0, 1]) or "switch" (0 or 1)
    must_be_below = "other_parameter"  # optional: this high < that low

The parameter names are the file's, unless a case declares a parameter type (a frozen dataclass)
whose fields the file must match exactly. Every rule is checked when the file is read, and a
broken one is refused in one line naming the file, the parameter and the rule
(:class:`CalibrationError`). :func:`check_prediction_inputs` enforces the honesty rule of the
project's guide at run time: an experiment that is a prediction may read no fact dated on or
after the cut-off, nor cite a source dated then.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import hashlib
import json
import math
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any

import numpy as np

from negotiation.kit._toml import read_toml

__all__ = [
    "ASSUMPTION",
    "Calibration",
    "CalibrationError",
    "ParameterSet",
    "ParameterSpec",
    "Source",
    "active_calibration",
    "apply_overrides",
    "check_prediction_inputs",
    "load_calibration",
    "parse_calibration",
    "parse_date",
    "parse_sources",
    "parse_spec",
    "replace_values",
    "using_calibration",
]

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
#: Keys of the optional ``[calibration]`` header table.
HEADER_FIELDS = ("cutoff", "cutoff_event")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")

Value = float | np.ndarray


class ParameterSet(Mapping[str, Any]):
    """One parameter set of a case without a declared parameter type: read-only, by attribute or key.

    Every value is a float, or arrays of equal shape (Monte Carlo draws). Picklable, so a set can be
    sent to worker processes.

    Examples
    --------
    >>> p = ParameterSet({"rate": 0.1, "size": 2.0})
    >>> p.rate, p["size"], sorted(p)
    (0.1, 2.0, ['rate', 'size'])
    """

    __slots__ = ("_values",)

    def __init__(self, values: Mapping[str, Any]) -> None:
        object.__setattr__(self, "_values", dict(values))

    def __getattr__(self, name: str) -> Any:
        try:
            return self._values[name]
        except KeyError:
            raise AttributeError(f"no parameter {name!r} (parameters: {', '.join(self._values)})") from None

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("a ParameterSet is read-only; use Calibration.with_values or replace_values")

    def __getitem__(self, name: str) -> Any:
        return self._values[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def __reduce__(self) -> tuple[Any, ...]:
        return ParameterSet, (self._values,)

    def __repr__(self) -> str:
        return f"ParameterSet({self._values!r})"


def replace_values(parameters: Any, **values: Any) -> Any:
    """``parameters`` (a dataclass or a :class:`ParameterSet`) with some values replaced."""
    if isinstance(parameters, ParameterSet):
        unknown = sorted(set(values) - set(parameters))
        if unknown:
            raise ValueError(f"unknown parameter {unknown[0]!r}; allowed: {', '.join(parameters)}")
        return ParameterSet({**parameters, **values})
    return dataclasses.replace(parameters, **values)


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
    cutoff: dt.date | None = None
    cutoff_event: str = "the cut-off"
    parameters_type: type | None = None

    @property
    def names(self) -> tuple[str, ...]:
        """The parameter names, in the file's order (the declared type's, if the case has one)."""
        return tuple(self.specs)

    def document(self) -> dict[str, Any]:
        """The calibration as a fresh parsed-TOML document, the input of :func:`parse_calibration`."""

        def entry(spec: ParameterSpec) -> dict[str, Any]:
            fields = {"unit": spec.unit, "low": spec.low, "central": spec.central, "high": spec.high,
                      "date": spec.date.isoformat(), "source": spec.source, "note": spec.note}
            optional = {"kind": spec.kind, "must_be_below": spec.must_be_below}
            return fields | {key: value for key, value in optional.items() if value is not None}

        header = {} if self.cutoff is None else {"cutoff": self.cutoff.isoformat(), "cutoff_event": self.cutoff_event}
        return {
            "calibration": header,
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

    def build(self, values: Mapping[str, Any]) -> Any:
        """A parameter set of the case's type (a :class:`ParameterSet` if it declares none)."""
        return ParameterSet(values) if self.parameters_type is None else self.parameters_type(**values)

    def _at(self, attribute: str) -> Any:
        return self.build({n: getattr(s, attribute) for n, s in self.specs.items()})

    def central(self) -> Any:
        """Every parameter at its central value."""
        return self._at("central")

    def low(self) -> Any:
        """Every parameter at its low end."""
        return self._at("low")

    def high(self) -> Any:
        """Every parameter at its high end."""
        return self._at("high")

    def sample(self, rng: np.random.Generator, n: int) -> Any:
        """``n`` independent draws, each parameter uniform on ``[low, high]``."""
        if n < 1:
            raise ValueError(f"n must be >= 1, got {n}")
        return self.build({name: rng.uniform(s.low, s.high, size=n) for name, s in self.specs.items()})

    def draw(self, sample: Any, i: int) -> Any:
        """The ``i``-th parameter set of ``sample`` (from :meth:`sample`, or a mapping of arrays such as a
        sweep's chunk), as a scalar parameter set of the case's type."""
        column = (lambda n: sample[n]) if isinstance(sample, dict) else (lambda n: getattr(sample, n))
        return self.build({n: float(np.asarray(column(n)).reshape(-1)[i]) for n in self.names})

    def with_values(self, **overrides: float) -> Any:
        """Central parameters with some values replaced; each must lie in its ``[low, high]``."""
        for name, value in overrides.items():
            if name not in self.specs:
                raise ValueError(f"unknown parameter {name!r}; allowed: {', '.join(self.specs)}")
            spec = self.specs[name]
            if not (math.isfinite(value) and spec.low <= value <= spec.high):
                raise ValueError(
                    f"parameter {name!r} = {value} outside its range [{spec.low}, {spec.high}]"
                )
        return replace_values(self.central(), **overrides)


class CalibrationError(ValueError):
    """A calibration file or override is invalid: one line naming the file, the parameter and the rule."""


def parse_date(value: Any, where: str) -> dt.date:
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
        sources[sid] = Source(sid, entry["title"], entry["url"], parse_date(entry["date"], where))
    return sources


def parse_spec(name: str, entry: Mapping[str, Any], sources: Mapping[str, Source], origin: str) -> ParameterSpec:
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
    unit = str(entry["unit"]).strip().lower()
    if kind is None and unit in BOUNDED_KINDS and not (0.0 <= low and high <= 1.0):
        raise CalibrationError(f"{where}: unit {entry['unit']!r} must lie in [0, 1], got [{low}, {high}] "
                               f"(declare kind = {unit!r} to say so explicitly)")
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
        name, str(entry["unit"]), low, central, high, parse_date(entry["date"], where), source, note, kind, below
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


def _header(data: Mapping[str, Any], origin: str) -> tuple[dt.date | None, str]:
    """The optional ``[calibration]`` table: the cut-off date and the event it marks."""
    table = data.get("calibration", {})
    if not isinstance(table, Mapping):
        raise CalibrationError(f"{origin}: [calibration] must be a table with {', '.join(HEADER_FIELDS)}")
    unknown = sorted(set(table) - set(HEADER_FIELDS))
    if unknown:
        raise CalibrationError(f"{origin}: [calibration]: unknown field {unknown[0]!r} (allowed: {', '.join(HEADER_FIELDS)})")
    cutoff = None if "cutoff" not in table else parse_date(table["cutoff"], f"{origin}: [calibration] cutoff")
    event = table.get("cutoff_event", "the cut-off")
    if not isinstance(event, str) or not event.strip():
        raise CalibrationError(f"{origin}: [calibration] cutoff_event must be a non-empty string, got {event!r}")
    return cutoff, event


def parse_calibration(data: Mapping[str, Any], origin: str = "calibration", *,
                      parameters_type: type | None = None) -> Calibration:
    """Validate a parsed calibration document and build a :class:`Calibration`.

    Parameters
    ----------
    data : Mapping
        The parsed TOML: an optional ``[calibration]`` header (``cutoff``, ``cutoff_event``),
        ``[sources]`` and ``[parameters.<name>]`` tables.
    origin : str
        Where ``data`` came from (the file); every error message starts with it.
    parameters_type : type or None
        A frozen dataclass whose fields are the model's parameters: the file must declare exactly
        those. None: the file's parameters are the model's, and parameter sets are
        :class:`ParameterSet`.

    Raises
    ------
    CalibrationError
        One line naming the origin, the parameter and the rule: missing or unknown field,
        ``low > high``, central outside the range, a probability or share outside ``[0, 1]``, a
        date not ``YYYY-MM-DD``, an unknown source id, a non-finite number, a parameter missing
        from / unknown to the model, or a ``must_be_below`` constraint broken.

    Examples
    --------
    >>> doc = {"calibration": {"cutoff": "2024-01-01"},
    ...        "sources": {"S1": {"title": "t", "url": "https://example.org", "date": "2023-05-01"}},
    ...        "parameters": {"rate": {"unit": "1/year", "low": 0.05, "central": 0.1, "high": 0.15,
    ...                                "date": "2023-05-01", "source": "S1", "note": "a fact"}}}
    >>> cal = parse_calibration(doc, "example.toml")
    >>> cal.central().rate, cal.cutoff.isoformat()
    (0.1, '2024-01-01')
    """
    for table in ("sources", "parameters"):
        if not isinstance(data.get(table), Mapping):
            raise CalibrationError(f"{origin}: calibration must have a [{table}] table")
    unknown_tables = sorted(set(data) - {"calibration", "sources", "parameters"})
    if unknown_tables:
        raise CalibrationError(f"{origin}: unknown table [{unknown_tables[0]}] (allowed: [calibration], [sources], [parameters])")
    cutoff, event = _header(data, origin)
    sources = parse_sources(data["sources"], origin)
    table = data["parameters"]
    if parameters_type is None:
        names = tuple(table)
        if not names:
            raise CalibrationError(f"{origin}: [parameters] declares no parameter")
    else:
        names = tuple(f.name for f in dataclasses.fields(parameters_type))
        unknown = sorted(set(table) - set(names))
        if unknown:
            raise CalibrationError(f"{origin}: unknown parameter {unknown[0]!r} (the model has no such field)")
        missing = [n for n in names if n not in table]
        if missing:
            raise CalibrationError(f"{origin}: parameter {missing[0]!r} missing from the calibration")
    specs = {name: parse_spec(name, table[name], sources, origin) for name in names}
    _check_cross_constraints(specs, origin)
    return Calibration(MappingProxyType(specs), MappingProxyType(sources), origin, cutoff=cutoff,
                       cutoff_event=event, parameters_type=parameters_type)


def load_calibration(path: Path | str, *, parameters_type: type | None = None) -> Calibration:
    """Read and validate a calibration TOML file (:func:`parse_calibration`).

    Raises
    ------
    CalibrationError
        If the file is missing, not valid TOML, or fails :func:`parse_calibration`; the message
        names the file.
    """
    path = Path(path)
    data = read_toml(path, CalibrationError, "calibration")
    return parse_calibration(data, str(path), parameters_type=parameters_type)


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
            raise CalibrationError(f"{origin}: unknown parameter {name!r} (allowed: {', '.join(calibration.names)})")
        if not isinstance(fields, Mapping) or not fields:
            raise CalibrationError(f"{origin}: parameter {name!r}: overrides must be a non-empty table {{field: value}}, got {fields!r}")
        for key, value in fields.items():
            if key not in REQUIRED_FIELDS + OPTIONAL_FIELDS:
                raise CalibrationError(
                    f"{origin}: parameter {name!r}: unknown field {key!r} (allowed: {', '.join(REQUIRED_FIELDS + OPTIONAL_FIELDS)})"
                )
            document["parameters"][name][key] = value
    variant = parse_calibration(document, origin, parameters_type=calibration.parameters_type)
    merged = {name: dict(fields) for name, fields in calibration.overrides.items()}
    for name, fields in overrides.items():
        merged.setdefault(name, {}).update(fields)
    return dataclasses.replace(variant, origin=calibration.origin, overrides=_frozen(merged))


_active: list[Calibration] = []


@contextlib.contextmanager
def using_calibration(variant: Calibration) -> Iterator[Calibration]:
    """Make :func:`active_calibration` of ``variant.origin`` return ``variant`` inside the block.

    This is how a run applies an experiment's ``[calibration.overrides]``: the case's own
    ``calibration()`` asks for the active variant of its file.
    """
    _active.append(variant)
    try:
        yield variant
    finally:
        _active.pop()


def active_calibration(origin: str | Path) -> Calibration | None:
    """The innermost variant of the calibration file ``origin`` made active by :func:`using_calibration`."""
    origin = str(origin)
    return next((c for c in reversed(_active) if c.origin == origin), None)


def check_prediction_inputs(calibration: Calibration, cutoff: dt.date | None = None) -> None:
    """Refuse a fact dated on or after ``cutoff`` (the calibration's own if None).

    Predictions use only earlier information. A calibration without a cut-off, asked with
    ``cutoff=None``, passes.

    Raises
    ------
    CalibrationError
        Naming the parameter (or source) and its date.
    """
    cutoff = calibration.cutoff if cutoff is None else cutoff
    if cutoff is None:
        return
    event = calibration.cutoff_event
    for spec in calibration.specs.values():
        origin = f"overrides of {calibration.origin}" if spec.name in calibration.overrides else calibration.origin
        if spec.date >= cutoff:
            raise CalibrationError(
                f"{origin}: parameter {spec.name!r} is dated {spec.date.isoformat()}, on or after {event} "
                f"({cutoff.isoformat()}): a prediction may use only earlier information"
            )
        if not spec.is_assumption and calibration.sources[spec.source].date >= cutoff:
            source = calibration.sources[spec.source]
            raise CalibrationError(
                f"{origin}: parameter {spec.name!r} cites source {source.id!r} dated "
                f"{source.date.isoformat()}, on or after {event} ({cutoff.isoformat()}): a prediction may use only earlier information"
            )


def _frozen(overrides: Mapping[str, Mapping[str, Any]]) -> Mapping[str, Mapping[str, Any]]:
    return MappingProxyType({name: MappingProxyType(dict(fields)) for name, fields in overrides.items()})
