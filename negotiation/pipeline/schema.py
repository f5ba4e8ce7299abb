"""Parameter schemas: what keys an experiment kind accepts, and their validation.

A schema maps each allowed key to a :class:`Param` (type, default, range or choices, doc).
:func:`validate_table` checks a TOML table against it *before any work starts*, so that a
typo or an out-of-range value fails with a message naming the file, table and key instead of
a traceback from deep inside a solver.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

__all__ = ["REQUIRED", "ConfigError", "Param", "validate_table"]


class ConfigError(ValueError):
    """An experiment configuration is invalid; the message names the file and key."""


class _Required:
    """Sentinel type for a parameter that has no default."""

    def __repr__(self) -> str:
        return "REQUIRED"


REQUIRED: Any = _Required()

_TYPE_NAMES = {bool: "bool", int: "int", float: "float", str: "str", list: "list"}


@dataclass(frozen=True)
class Param:
    """One allowed key of a parameter table.

    Parameters
    ----------
    type : type
        ``bool``, ``int``, ``float`` (an integer literal is accepted and converted),
        ``str`` or ``list`` (then ``item`` gives the element type).
    doc : str
        One line shown by ``negotiation list --verbose`` and in error messages.
    default : Any
        Value used when the key is absent; ``REQUIRED`` if it must be given.
    low, high : float or None
        Inclusive bounds for numbers (for lists: for every element).
    choices : tuple or None
        Allowed values (for lists: for every element).
    item : type or None
        Element type of a ``list`` parameter.
    """

    type: type
    doc: str
    default: Any = REQUIRED
    low: float | None = None
    high: float | None = None
    choices: tuple[Any, ...] | None = None
    item: type | None = None

    def __post_init__(self) -> None:
        if self.type not in _TYPE_NAMES:
            raise ValueError(f"type must be one of {sorted(_TYPE_NAMES.values())}, got {self.type!r}")
        if (self.type is list) != (self.item is not None):
            raise ValueError("item is required for list parameters and only for them")
        if self.default is not REQUIRED:
            _check_value(self, self.default, "default")

    @property
    def type_name(self) -> str:
        """Readable type, e.g. ``"float"`` or ``"list[int]"``."""
        if self.type is list:
            return f"list[{_TYPE_NAMES[self.item]}]"  # type: ignore[index]
        return _TYPE_NAMES[self.type]


def _coerce_scalar(kind: type, value: Any, where: str) -> Any:
    """Return ``value`` as ``kind`` or raise a :class:`ConfigError` naming ``where``."""
    if kind is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if kind in (int, float) and isinstance(value, bool):
        raise ConfigError(f"{where}: expected {_TYPE_NAMES[kind]}, got bool ({value!r})")
    if not isinstance(value, kind):
        raise ConfigError(
            f"{where}: expected {_TYPE_NAMES[kind]}, got {type(value).__name__} ({value!r})"
        )
    if kind is float and not math.isfinite(value):
        raise ConfigError(f"{where}: must be finite, got {value!r}")
    return value


def _check_range(param: Param, value: Any, where: str) -> None:
    if param.choices is not None and value not in param.choices:
        raise ConfigError(f"{where}: {value!r} is not one of {list(param.choices)}")
    if param.low is not None and value < param.low:
        raise ConfigError(f"{where}: {value!r} is below the minimum {param.low!r}")
    if param.high is not None and value > param.high:
        raise ConfigError(f"{where}: {value!r} is above the maximum {param.high!r}")


def _check_value(param: Param, value: Any, where: str) -> Any:
    """Coerce and range-check one value; lists become tuples (immutable)."""
    if param.type is list:
        if not isinstance(value, (list, tuple)):
            raise ConfigError(f"{where}: expected {param.type_name}, got {type(value).__name__} ({value!r})")
        items = tuple(_coerce_scalar(param.item, v, f"{where}[{i}]") for i, v in enumerate(value))  # type: ignore[arg-type]
        for i, v in enumerate(items):
            _check_range(param, v, f"{where}[{i}]")
        return items
    coerced = _coerce_scalar(param.type, value, where)
    _check_range(param, coerced, where)
    return coerced


def validate_table(
    table: Mapping[str, Any], schema: Mapping[str, Param], where: str
) -> Mapping[str, Any]:
    """Validate a TOML table against a schema and fill in defaults.

    Parameters
    ----------
    table : Mapping
        The table as read from TOML.
    schema : Mapping[str, Param]
        Allowed keys.
    where : str
        Prefix for error messages, e.g. ``"experiments/baseline.toml [parameters]"``.

    Returns
    -------
    Mapping
        A read-only mapping with every schema key, in schema order.

    Raises
    ------
    ConfigError
        On an unknown key (with a close match suggested), a missing required key, a value of
        the wrong type, or a value outside its range or choices.
    """
    for key in table:
        if key not in schema:
            close = difflib.get_close_matches(key, list(schema), n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            allowed = ", ".join(schema) or "none"
            raise ConfigError(f"{where}: unknown key {key!r}{hint} (allowed: {allowed})")
    values: dict[str, Any] = {}
    for key, param in schema.items():
        if key in table:
            values[key] = _check_value(param, table[key], f"{where} {key}")
        elif param.default is REQUIRED:
            raise ConfigError(f"{where}: missing required key {key!r} ({param.doc})")
        else:
            values[key] = _check_value(param, param.default, f"{where} {key}")
    return MappingProxyType(values)
