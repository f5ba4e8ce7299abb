"""Experiment kinds: what each ``kind`` in an ``experiments/*.toml`` file runs.

An :class:`Experiment` bundles a parameter schema, a pure ``run`` function and the figure
functions that draw its saved results. A kind is found from the configuration itself, with no
list to edit (:func:`get_experiment`):

1. a kind registered at run time with :func:`register` (tests, notebooks);
2. a kind of the configuration's case: the module ``<case>.experiments.<kind>`` of a case that is a
   package, or the file ``<case folder>/experiments/<kind>.py`` of a case given by its file;
3. a generic kind of the kit, ``negotiation.experiments.<kind>`` (e.g. ``case_study``);
4. a dotted module path (``mypackage.my_kind``).

The module must define ``EXPERIMENT = Experiment(kind=<its name>, ...)``. See docs/DESIGN.md.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType, ModuleType
from typing import TYPE_CHECKING, Any

import numpy as np

from negotiation.kit.case import import_file
from negotiation.pipeline.latex import check_unique
from negotiation.pipeline.progress import Progress
from negotiation.pipeline.results import Results, SavedResults
from negotiation.pipeline.schema import ConfigError, Param

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["ROLES", "Experiment", "FigureSpec", "get_experiment", "known_kinds", "register", "unregister"]

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
        Data the kind reads beyond its case's files; hashed into the provenance and the cache stamp.
    role : {"prediction", "fit", "comparison"}
        A prediction may read only calibration facts dated before its case's cut-off (the run
        refuses a later one); a fit or comparison may read later facts and says so in its
        description.
    uses_case : bool
        True for a generic kind: ``run(parameters, rng, progress, case)`` gets the configuration's
        :class:`~negotiation.kit.case.Case`, and the configuration must name one.
    """

    kind: str
    description: str
    schema: Mapping[str, Param]
    run: RunFunction
    figures: tuple[FigureSpec, ...] = ()
    data_files: tuple[Path, ...] = field(default_factory=tuple)
    role: str = "prediction"
    uses_case: bool = False

    def __post_init__(self) -> None:
        if self.role not in ROLES:
            raise ValueError(f"role of kind {self.kind!r} must be one of {', '.join(ROLES)}, got {self.role!r}")
        object.__setattr__(self, "schema", MappingProxyType(dict(self.schema)))
        object.__setattr__(self, "figures", tuple(self.figures))
        object.__setattr__(self, "data_files", tuple(Path(p) for p in self.data_files))
        check_unique("figure label", ((f.label, self.kind) for f in self.figures))


def register(experiment: Experiment) -> None:
    """Add a kind at run time (tests, notebooks); a kind may be registered only once."""
    if experiment.kind in _runtime or experiment.kind in generic_kinds():
        raise ValueError(f"experiment kind {experiment.kind!r} is already registered")
    _runtime[experiment.kind] = experiment


def unregister(kind: str) -> None:
    """Remove a kind added with :func:`register` (tests clean up with this)."""
    _runtime.pop(kind, None)


def generic_kinds() -> tuple[str, ...]:
    """The kit's generic kinds: the public modules of :mod:`negotiation.experiments`, sorted."""
    import negotiation.experiments as generic

    return tuple(sorted(m.name for m in pkgutil.iter_modules(generic.__path__) if not m.name.startswith("_")))


def known_kinds(case_module: ModuleType | None = None) -> tuple[str, ...]:
    """Every kind a configuration can name: registered, the case's own (if given) and generic, sorted."""
    return tuple(sorted({*_runtime, *generic_kinds(), *case_kinds(case_module)}))


def case_kinds(case_module: ModuleType | None) -> tuple[str, ...]:
    """The kinds in a case's ``experiments`` folder (none without a case)."""
    folder = None if case_module is None else Path(case_module.__file__).parent / "experiments"
    if folder is None or not folder.is_dir():
        return ()
    return tuple(sorted(p.stem for p in folder.glob("*.py") if not p.stem.startswith("_")))


def _kind_module(kind: str, case_module: ModuleType | None) -> ModuleType | None:
    """The module defining ``kind`` (see the module docstring for the order), or None."""
    if case_module is not None and kind in case_kinds(case_module):
        if hasattr(case_module, "__path__") and not case_module.__name__.startswith("negotiation_case_"):
            return importlib.import_module(f"{case_module.__name__}.experiments.{kind}")
        path = Path(case_module.__file__).parent / "experiments" / f"{kind}.py"
        return import_file(path, f"{case_module.__name__}_experiments_{kind}")
    if kind in generic_kinds():
        return importlib.import_module(f"negotiation.experiments.{kind}")
    if "." in kind:
        try:
            return importlib.import_module(kind)
        except ImportError:
            return None
    return None


def get_experiment(kind: str, case_module: ModuleType | None = None) -> Experiment:
    """The :class:`Experiment` for ``kind``, looked up as the module docstring says.

    Parameters
    ----------
    kind : str
        A kind name, or a dotted module path.
    case_module : module or None
        The module of the configuration's case (:func:`negotiation.kit.case.case_module`).

    Raises
    ------
    ConfigError
        If the kind is unknown, or its module does not define an ``EXPERIMENT`` of that kind.
    """
    if kind in _runtime:
        return _runtime[kind]
    try:
        module = _kind_module(kind, case_module)
    except Exception as error:  # a kind module that fails to import is that configuration's error only
        raise ConfigError(f"kind {kind!r}: importing its module failed: {type(error).__name__}: {error}") from None
    if module is None:
        raise ConfigError(f"unknown experiment kind {kind!r} (known: {', '.join(known_kinds(case_module)) or 'none'})")
    experiment = getattr(module, "EXPERIMENT", None)
    name = kind.rsplit(".", 1)[-1]
    if not isinstance(experiment, Experiment) or experiment.kind != name:
        raise ConfigError(f"module {module.__name__} must define EXPERIMENT = Experiment(kind={name!r}, ...)")
    return experiment
