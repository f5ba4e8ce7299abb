"""What an experiment returns, and how it is written to and read from disk.

An experiment's ``run`` returns a :class:`Results`: nested ``values`` (numbers, strings,
lists, dicts) saved as ``results.json`` with sorted keys; named :class:`Table` objects saved
as ``tables/<name>.csv`` and booktabs ``tables/<name>.tex``; and LaTeX ``macros`` (the
numbers the paper quotes) saved as ``macros.tex``. Figure functions receive the saved files
back as :class:`SavedResults`, never the in-memory objects, so a figure can only show what is
on disk.

Numbers on disk: every float written to ``results.json`` and ``tables/*.csv`` (and every
float a ``tables/*.tex`` formats) first goes through :func:`disk_float`, the one rounding
rule of every writer here:

* rounded to :data:`SIGNIFICANT_DIGITS` (10) significant digits but to no more than
  :data:`DECIMAL_PLACES` (12) decimal places, whichever is coarser: the nearest multiple of
  ``max(10**(e - 9), 1e-12)`` for ``10**e <= |x| < 10**(e + 1)``. Correctly rounded from the
  float's exact binary value (``format(x, ".9e")``, or ``round(x, 12)`` when ``|x| < 1e-3``)
  and written as the shortest ``repr`` of the result (``176.5838939``, ``4.049e-09``);
* so ``|x| < 5e-13`` is written as ``0.0``, and ``-0.0`` as ``0.0``;
* ints, bools, strings and None are written unchanged. Results hold no NaN or inf
  (:class:`Results` and :class:`Table` reject them); :func:`disk_float` would pass them
  through unchanged.

Why: the last digits of a float differ between machines and library builds (summation order,
SIMD code paths), and unrounded they changed committed files on every rerun. Rounding moves a
number by at most 5e-10 of its size or 5e-13, whichever is larger: far inside the tolerance of ``reproduce --check`` (``|a - b| <= ATOL + RTOL |a|`` with ATOL = 1e-9 and
RTOL = 1e-6, :mod:`negotiation.pipeline.compare`), so no check changes its verdict, while two
runs that agree to about 1e-15 write the same bytes (unless a number straddles a rounding
boundary of its 10th digit, a chance of the order of 1e-5 per number). The rule is
idempotent: writing loaded results again gives the same bytes.
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

import numpy as np

from negotiation.pipeline.atomic import atomic_write_text
from negotiation.pipeline.latex import check_macro_name, macros_tex, table_tex

__all__ = [
    "DECIMAL_PLACES",
    "MACROS_FILE",
    "RESULTS_FILE",
    "SIGNIFICANT_DIGITS",
    "TABLES_DIR",
    "Results",
    "SavedResults",
    "Table",
    "disk_float",
    "load_results",
    "write_results",
]

RESULTS_FILE = "results.json"
MACROS_FILE = "macros.tex"
TABLES_DIR = "tables"
_TABLE_NAME = re.compile(r"^[a-z][a-z0-9_-]*$")

Cell = float | int | str | None

SIGNIFICANT_DIGITS = 10
"""Significant digits of every float written to disk (see the module docstring)."""

DECIMAL_PLACES = 12
"""Most decimal places of a float written to disk: a quantum of 1e-12, 1000 times below ``compare.ATOL``."""

_FIXED_BELOW = 10.0 ** (SIGNIFICANT_DIGITS - 1 - DECIMAL_PLACES)  # 1e-3: below it 12 places are coarser


def disk_float(value: float) -> float:
    """``value`` as it is written to disk: 10 significant digits, at most 12 decimal places, -0.0 as 0.0.

    The one rounding rule of every writer of this module (see the module docstring).
    Idempotent: ``disk_float(disk_float(x)) == disk_float(x)``. NaN and inf are returned
    unchanged.
    """
    value = float(value)
    if not math.isfinite(value):
        return value
    if abs(value) < _FIXED_BELOW:
        return round(value, DECIMAL_PLACES) + 0.0  # + 0.0 turns -0.0 into 0.0
    return float(format(value, f".{SIGNIFICANT_DIGITS - 1}e"))


def _disk(value: Any) -> Any:
    """A JSON-ready tree (from :func:`_plain`) with every float replaced by :func:`disk_float`."""
    if isinstance(value, float):
        return disk_float(value)
    if isinstance(value, dict):
        return {key: _disk(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_disk(item) for item in value]
    return value


@dataclass(frozen=True)
class Table:
    """A rectangular table of numbers and strings.

    Parameters
    ----------
    columns : tuple of str
        Machine names of the columns (the CSV header).
    rows : tuple of tuples
        One tuple per row, ``len(columns)`` cells each (``float``, ``int``, ``str``, or
        ``None`` for "no value", printed as an empty CSV cell and ``--`` in LaTeX).
    headers : tuple of str or None
        LaTeX column headings (may contain math, e.g. ``"$u_M$"``); the escaped column names
        by default.
    formats : tuple of str or None
        A format spec per column for the LaTeX table (e.g. ``".3f"``); ``".4g"`` by default.
        Strings are escaped and printed as they are.
    """

    columns: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]
    headers: tuple[str, ...] | None = None
    formats: tuple[str, ...] | None = None

    def __post_init__(self) -> None:
        width = len(self.columns)
        if width == 0:
            raise ValueError("columns must not be empty")
        for name, other in (("headers", self.headers), ("formats", self.formats)):
            if other is not None and len(other) != width:
                raise ValueError(f"{name} must have {width} entries (one per column), got {len(other)}")
        rows = tuple(tuple(_plain(cell, f"rows[{i}]") for cell in row) for i, row in enumerate(self.rows))
        for i, row in enumerate(rows):
            if len(row) != width:
                raise ValueError(f"rows[{i}] has {len(row)} cells, expected {width}")
        object.__setattr__(self, "rows", rows)


@dataclass(frozen=True)
class Results:
    """Everything an experiment produces besides figures.

    Parameters
    ----------
    values : Mapping
        Nested dicts/lists of finite numbers, strings, booleans and ``None``; numpy scalars
        and arrays are converted. Saved as ``results.json``.
    tables : Mapping[str, Table]
        Saved as ``tables/<name>.csv`` and ``tables/<name>.tex``; names are lower-case
        ``[a-z0-9_-]``.
    macros : Mapping[str, str]
        LaTeX macro name (letters only, without backslash) -> the text it expands to, e.g.
        ``{"NashShareMicrosoft": "0.41"}``. The runner prefixes the experiment name in
        CamelCase (``\\BaselineNashShareMicrosoft``); a full name defined twice in the paper
        is an error.
    """

    values: Mapping[str, Any]
    tables: Mapping[str, Table] = field(default_factory=dict)
    macros: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "values", MappingProxyType(_plain(dict(self.values), "values")))
        for name in self.tables:
            if not _TABLE_NAME.match(name):
                raise ValueError(f"table name {name!r} must match {_TABLE_NAME.pattern}")
        for name, text in self.macros.items():
            check_macro_name(name)
            if not isinstance(text, str):
                raise ValueError(f"macro {name!r} must expand to a str, got {type(text).__name__}")
        object.__setattr__(self, "tables", MappingProxyType(dict(self.tables)))
        object.__setattr__(self, "macros", MappingProxyType(dict(self.macros)))


@dataclass(frozen=True)
class SavedResults:
    """Results as read back from disk: what figure functions receive."""

    directory: Path
    values: Mapping[str, Any]
    tables: Mapping[str, Table]


def _plain(value: Any, path: str) -> Any:
    """Convert to JSON-ready builtins; reject NaN/inf and unknown types, naming the key path."""
    if isinstance(value, np.ndarray):
        value = value.tolist()
    elif isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"{path} is {value!r}; results must be finite (use None for 'no value')")
        return value
    if isinstance(value, Mapping):
        out = {}
        for key, item in value.items():
            if not isinstance(key, str):
                raise ValueError(f"{path} has a non-string key {key!r}")
            out[key] = _plain(item, f"{path}.{key}")
        return out
    if isinstance(value, (list, tuple)):
        return [_plain(item, f"{path}[{i}]") for i, item in enumerate(value)]
    raise ValueError(f"{path} has unsupported type {type(value).__name__}")


def _dump_json(values: Mapping[str, Any]) -> str:
    return json.dumps(_disk(_plain(dict(values), "values")), sort_keys=True, indent=2, ensure_ascii=False) + "\n"


def _disk_table(table: Table) -> Table:
    """``table`` with every float cell replaced by :func:`disk_float` (what the CSV and LaTeX files show)."""
    rows = tuple(tuple(_disk(cell) for cell in row) for row in table.rows)
    return Table(columns=table.columns, rows=rows, headers=table.headers, formats=table.formats)


def _table_csv(table: Table) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(table.columns)
    writer.writerows([repr(disk_float(c)) if isinstance(c, float) else c for c in row] for row in table.rows)
    return buffer.getvalue()


def _parse_cell(text: str) -> Cell:
    for kind in (int, float):
        try:
            value = kind(text)
        except ValueError:
            continue
        # "nan", "inf" and "infinity" are text: a table holds no non-finite number.
        return value if math.isfinite(value) else text
    return text


def _read_table(path: Path) -> Table:
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    return Table(columns=tuple(rows[0]), rows=tuple(tuple(_parse_cell(c) for c in row) for row in rows[1:]))


def write_results(results: Results, directory: Path, macro_prefix: str = "") -> None:
    """Write ``results.json``, ``macros.tex`` and ``tables/*`` into ``directory``.

    Every file is a deterministic function of ``results`` (and ``macro_prefix``, which is
    prepended to every macro name, e.g. ``Baseline`` + ``NashShare``). Floats are written
    as :func:`disk_float` rounds them, in the JSON, the CSV and the LaTeX tables alike.
    """
    directory = Path(directory)
    atomic_write_text(directory / RESULTS_FILE, _dump_json(results.values))
    macros = {macro_prefix + name: text for name, text in results.macros.items()}
    atomic_write_text(directory / MACROS_FILE, macros_tex(macros))
    for name, table in sorted(results.tables.items()):
        table = _disk_table(table)
        atomic_write_text(directory / TABLES_DIR / f"{name}.csv", _table_csv(table))
        atomic_write_text(directory / TABLES_DIR / f"{name}.tex", table_tex(table))


def load_results(directory: Path) -> SavedResults:
    """Read back what :func:`write_results` wrote (tables from their CSV files)."""
    directory = Path(directory)
    values = json.loads((directory / RESULTS_FILE).read_text(encoding="utf-8"))
    tables = {p.stem: _read_table(p) for p in sorted((directory / TABLES_DIR).glob("*.csv"))}
    return SavedResults(directory, MappingProxyType(values), MappingProxyType(tables))
