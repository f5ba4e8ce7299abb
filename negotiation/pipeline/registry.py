"""Experiment kinds: what each ``kind`` in an ``experiments/*.toml`` file runs.

An :class:`Experiment` bundles a parameter schema, a pure ``run`` function and the figure
functions that draw its saved results. Built-in kinds are listed in :data:`KINDS` (kind ->
module exposing ``EXPERIMENT``) and imported only when used; tests and notebooks may add kinds
at run time with :func:`register`.

Adding a kind: write ``negotiation/experiments/<kind>.py`` defining ``EXPERIMENT``, add one
line to :data:`KINDS`, and write ``experiments/<name>.toml`` (see docs/DESIGN.md).
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

import numpy as np

from negotiation.pipeline.latex import check_unique
from negotiation.pipeline.progress import Progress
from negotiation.pipeline.results import Results, SavedResults
from negotiation.pipeline.schema import ConfigError, Param

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["KINDS", "ROLES", "Experiment", "FigureSpec", "get_experiment", "known_kinds", "register", "unregister"]

KINDS: Mapping[str, str] = MappingProxyType({
    "baseline": "negotiation.experiments.baseline",
    "bargaining_power": "negotiation.experiments.bargaining_power",
    "threats": "negotiation.experiments.threats",
    "agi_beliefs": "negotiation.experiments.agi_beliefs",
    "alternating_offers": "negotiation.experiments.alternating_offers",
    "sensitivity": "negotiation.experiments.sensitivity",
    "counterfactuals": "negotiation.experiments.counterfactuals",
    "calibration": "negotiation.experiments.calibration",
    "specification_curve": "negotiation.experiments.specification_curve",
    "revealed_preference": "negotiation.experiments.revealed_preference",
    "amendment_2026": "negotiation.experiments.amendment_2026",
})
"""Built-in kinds: kind -> module that defines ``EXPERIMENT``, one line per kind, e.g.
``"baseline": "negotiation.experiments.baseline",``."""

ROLES = ("prediction", "fit", "comparison")
"""What an experiment is: only a ``"prediction"`` is held to the pre-MOU rule at run time."""

_FIGURE_LABEL = re.compile(r"^[a-z][a-z0-9-]*$")
_runtime: dict[str, Experiment] = {}

RunFunction = Callable[[Mapping[str, Any], np.random.Generator, Progress], Results]
FigureFunction = Callable[[SavedResults], "Figure"]


@dataclass(frozen=True)
class FigureSpec:
    """One figure drawn from an experiment's saved results.

    Parameters
    ----------
    label : str
        Lower-case ``[a-z0-9-]``, unique within the kind; the files are
        ``results/<experiment>/figures/<label>.pdf|.png`` and the paper's LaTeX label is
        ``fig:<experiment>-<label>``.
    draw : callable
        ``draw(saved: SavedResults) -> Figure``; reads saved results, never re-solves.
    caption : str
        LaTeX caption used in the generated figure environment.
    width : {"single", "double"}
        One column (``figure``) or two (``figure*``).
    """

    label: str
    draw: FigureFunction
    caption: str
    width: str = "single"

    def __post_init__(self) -> None:
        if not _FIGURE_LABEL.match(self.label):
            raise ValueError(f"figure label {self.label!r} must match {_FIGURE_LABEL.pattern}")
        if self.width not in ("single", "double"):
            raise ValueError(f"width must be 'single' or 'double', got {self.width!r}")


@dataclass(frozen=True)
class Experiment:
    """An experiment kind.

    Parameters
    ----------
    kind : str
        The ``kind`` value in ``[experiment]`` of a TOML file.
    description : str
        One line.
    schema : Mapping[str, Param]
        The allowed keys of ``[parameters]`` (and ``[quick]``).
    run : callable
        ``run(parameters, rng, progress) -> Results``: pure, all randomness from ``rng``.
    figures : tuple of FigureSpec
        Drawn after ``run`` from the saved results.
    data_files : tuple of Path
        Calibration data the kind reads; hashed into the provenance and the cache stamp.
    role : {"prediction", "fit", "comparison"}
        A prediction may read only calibration facts dated before the MOU (the run refuses a
        later one); a fit or comparison may read later facts and says so in its description.
    """

    kind: str
    description: str
    schema: Mapping[str, Param]
    run: RunFunction
    figures: tuple[FigureSpec, ...] = ()
    data_files: tuple[Path, ...] = field(default_factory=tuple)
    role: str = "prediction"

    def __post_init__(self) -> None:
        if self.role not in ROLES:
            raise ValueError(f"role of kind {self.kind!r} must be one of {', '.join(ROLES)}, got {self.role!r}")
        object.__setattr__(self, "schema", MappingProxyType(dict(self.schema)))
        object.__setattr__(self, "figures", tuple(self.figures))
        object.__setattr__(self, "data_files", tuple(Path(p) for p in self.data_files))
        check_unique("figure label", ((f.label, self.kind) for f in self.figures))


def register(experiment: Experiment) -> None:
    """Add a kind at run time (tests, notebooks); a kind may be registered only once."""
    if experiment.kind in _runtime or experiment.kind in KINDS:
        raise ValueError(f"experiment kind {experiment.kind!r} is already registered")
    _runtime[experiment.kind] = experiment


def unregister(kind: str) -> None:
    """Remove a kind added with :func:`register` (tests clean up with this)."""
    _runtime.pop(kind, None)


def known_kinds() -> tuple[str, ...]:
    """All kinds, built-in and registered at run time, sorted."""
    return tuple(sorted({*KINDS, *_runtime}))


def get_experiment(kind: str) -> Experiment:
    """The :class:`Experiment` for ``kind``.

    Raises
    ------
    ConfigError
        If the kind is unknown, or its module does not define an ``EXPERIMENT`` of that kind.
    """
    if kind in _runtime:
        return _runtime[kind]
    if kind not in KINDS:
        raise ConfigError(f"unknown experiment kind {kind!r} (known: {', '.join(known_kinds()) or 'none'})")
    module = importlib.import_module(KINDS[kind])
    experiment = getattr(module, "EXPERIMENT", None)
    if not isinstance(experiment, Experiment) or experiment.kind != kind:
        raise ConfigError(f"module {KINDS[kind]} must define EXPERIMENT = Experiment(kind={kind!r}, ...)")
    return experiment
