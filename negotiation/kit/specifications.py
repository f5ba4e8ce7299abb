"""A specification curve over a case's declared modelling choices.

A calibration declares each defensible alternative modelling choice as a *switch* (``kind =
"switch"``: 0 or 1, ``low = central = high``), with its baseline value argued in the note. A
specification fixes every switch; the curve is every combination, declared before any result is
seen and all reported (Simonsohn, Simmons & Nelson 2020, "Specification curve analysis", Nature
Human Behaviour 4:1208-1214). :func:`specifications` lists them in a fixed order (the baseline
first, then the others by binary counting over the switches in the file's order) and
:func:`specification_calibration` builds each one's calibration.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping

from negotiation.kit.calibration import SWITCH, Calibration, apply_overrides

__all__ = ["label", "specification_calibration", "specifications", "switches"]


def switches(calibration: Calibration) -> tuple[str, ...]:
    """The calibration's switches, in the file's order."""
    return tuple(name for name, spec in calibration.specs.items() if spec.kind == SWITCH)


def specifications(calibration: Calibration) -> list[dict[str, float]]:
    """Every combination of the switches' values, the baseline (the file's values) first.

    Examples
    --------
    >>> from negotiation.kit.calibration import parse_calibration
    >>> entry = {"unit": "1", "low": 0.0, "central": 0.0, "high": 0.0, "date": "2023-01-01",
    ...          "source": "assumption", "note": "a modelling choice", "kind": "switch"}
    >>> cal = parse_calibration({"sources": {}, "parameters": {"a": entry, "b": dict(entry, low=1.0, central=1.0, high=1.0)}})
    >>> specifications(cal)
    [{'a': 0.0, 'b': 1.0}, {'a': 0.0, 'b': 0.0}, {'a': 1.0, 'b': 0.0}, {'a': 1.0, 'b': 1.0}]
    """
    names = switches(calibration)
    baseline = {n: calibration.specs[n].central for n in names}
    others = [dict(zip(names, map(float, values))) for values in itertools.product((0, 1), repeat=len(names))]
    return [baseline] + [s for s in others if s != baseline]


def specification_calibration(calibration: Calibration, specification: Mapping[str, float]) -> Calibration:
    """The calibration with every switch of ``specification`` set (low = central = high)."""
    return apply_overrides(calibration, {n: {"low": v, "central": v, "high": v} for n, v in specification.items()})


def label(specification: Mapping[str, float]) -> str:
    """``a=0, b=1`` (``baseline`` for a case without switches)."""
    return ", ".join(f"{n}={int(v)}" for n, v in specification.items()) or "baseline"
