"""Compare freshly computed results with committed ones, number by number.

Tolerance: two numbers ``a`` (committed) and ``b`` (new) agree when
``|a - b| <= ATOL + RTOL * |a|`` (defaults :data:`RTOL` = 1e-6, :data:`ATOL` = 1e-9), the rule
of :func:`numpy.isclose`. Numbers printed in LaTeX files (tables, macros) are compared the
same way plus one unit in their last printed digit, since a value within tolerance may round
the other way. Strings, booleans, keys and file sets must match exactly. Figures are checked
for presence only: their pixels depend on the font and renderer versions, and they are drawn
from the saved numbers that are compared here. ``stamp.json`` and ``provenance.json`` record
how a run was made, not what it found, and are skipped.
"""

from __future__ import annotations

import csv
import json
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["ATOL", "RTOL", "Difference", "compare_directories"]

RTOL = 1e-6
"""Relative tolerance of ``reproduce --check``."""

ATOL = 1e-9
"""Absolute tolerance of ``reproduce --check``."""

_SKIPPED = frozenset({"stamp.json", "provenance.json", "run.json"})
_PRESENCE_ONLY = frozenset({".pdf", ".png"})
_NUMBER = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")


@dataclass(frozen=True)
class Difference:
    """One disagreement: where, and the committed and new values."""

    file: str
    key: str
    committed: str
    new: str

    def __str__(self) -> str:
        return f"{self.file}: {self.key}: committed {self.committed} vs new {self.new}"


def _close(a: float, b: float, rtol: float, atol: float, slack: float = 0.0) -> bool:
    return abs(a - b) <= atol + rtol * abs(a) + slack


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _json_diffs(a: Any, b: Any, key: str, rtol: float, atol: float) -> Iterator[tuple[str, str, str]]:
    if _is_number(a) and _is_number(b):
        if not _close(float(a), float(b), rtol, atol):
            yield key, repr(a), repr(b)
    elif isinstance(a, dict) and isinstance(b, dict):
        for k in sorted(a.keys() | b.keys()):
            sub = f"{key}.{k}" if key else k
            if k not in b:
                yield sub, repr(a[k]), "(missing)"
            elif k not in a:
                yield sub, "(missing)", repr(b[k])
            else:
                yield from _json_diffs(a[k], b[k], sub, rtol, atol)
    elif isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            yield f"{key} (length)", str(len(a)), str(len(b))
        for i, (x, y) in enumerate(zip(a, b)):
            yield from _json_diffs(x, y, f"{key}[{i}]", rtol, atol)
    elif a != b or type(a) is not type(b):
        yield key or "(root)", repr(a), repr(b)


def _cell_number(text: str) -> float | None:
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def _csv_diffs(a: str, b: str, rtol: float, atol: float) -> Iterator[tuple[str, str, str]]:
    rows_a, rows_b = list(csv.reader(a.splitlines())), list(csv.reader(b.splitlines()))
    if len(rows_a) != len(rows_b):
        yield "rows", str(len(rows_a)), str(len(rows_b))
    header = rows_a[0] if rows_a else []
    for i, (ra, rb) in enumerate(zip(rows_a, rows_b)):
        if len(ra) != len(rb):
            yield f"row {i} (cells)", str(len(ra)), str(len(rb))
        for j, (x, y) in enumerate(zip(ra, rb)):
            column = header[j] if i and j < len(header) else f"column {j}"
            nx, ny = _cell_number(x), _cell_number(y)
            same = _close(nx, ny, rtol, atol) if nx is not None and ny is not None else x == y
            if not same:
                yield f"row {i}, {column}", x, y


def _last_digit(text: str) -> float:
    mantissa, _, exponent = text.lower().partition("e")
    decimals = len(mantissa.partition(".")[2])
    return 10.0 ** (-decimals + (int(exponent) if exponent else 0))


def _text_diffs(a: str, b: str, rtol: float, atol: float) -> Iterator[tuple[str, str, str]]:
    lines_a, lines_b = a.splitlines(), b.splitlines()
    if len(lines_a) != len(lines_b):
        yield "lines", str(len(lines_a)), str(len(lines_b))
    for i, (la, lb) in enumerate(zip(lines_a, lines_b), start=1):
        words_a, words_b = _NUMBER.split(la), _NUMBER.split(lb)
        nums_a, nums_b = _NUMBER.findall(la), _NUMBER.findall(lb)
        same = words_a == words_b and len(nums_a) == len(nums_b)
        same = same and all(
            _close(float(x), float(y), rtol, atol, max(_last_digit(x), _last_digit(y))) for x, y in zip(nums_a, nums_b)
        )
        if not same:
            yield f"line {i}", la.strip(), lb.strip()


def _files(root: Path) -> set[str]:
    return {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file() and p.name not in _SKIPPED}


def _file_diffs(a: Path, b: Path, rtol: float, atol: float) -> Iterator[tuple[str, str, str]]:
    if a.suffix in _PRESENCE_ONLY:
        return
    text_a, text_b = a.read_text(encoding="utf-8"), b.read_text(encoding="utf-8")
    if a.suffix == ".json":
        yield from _json_diffs(json.loads(text_a), json.loads(text_b), "", rtol, atol)
    elif a.suffix == ".csv":
        yield from _csv_diffs(text_a, text_b, rtol, atol)
    else:
        yield from _text_diffs(text_a, text_b, rtol, atol)


def compare_directories(
    committed: Path, new: Path, *, label: str = "", rtol: float = RTOL, atol: float = ATOL
) -> list[Difference]:
    """All differences between two result directories of one experiment.

    Parameters
    ----------
    committed, new : Path
        E.g. ``results/baseline`` and a fresh run's ``<tmp>/baseline``.
    label : str
        Prefix of the file names in the report (e.g. ``"results/baseline"``).
    rtol, atol : float
        Tolerances, see the module docstring.

    Returns
    -------
    list of Difference
        Empty when the results agree.
    """
    prefix = f"{label}/" if label else ""
    if not Path(committed).is_dir():
        return [Difference(label or str(committed), "(directory)", "(missing)", "present")]
    files_a, files_b = _files(Path(committed)), _files(Path(new))
    diffs = [Difference(prefix + f, "(file)", "present", "(missing)") for f in sorted(files_a - files_b)]
    diffs += [Difference(prefix + f, "(file)", "(missing)", "present") for f in sorted(files_b - files_a)]
    for name in sorted(files_a & files_b):
        diffs += [Difference(prefix + name, *d) for d in _file_diffs(Path(committed) / name, Path(new) / name, rtol, atol)]
    return diffs
