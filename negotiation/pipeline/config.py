"""Experiment configuration files: ``experiments/<name>.toml``.

Layout::

    [experiment]
    name = "baseline"          # results go to results/<name>/ ; lower-case words joined by _
    kind = "baseline"          # a kind of the case, a generic kind, or a module (negotiation.pipeline.registry)
    case = "negotiation.cases.my_case"   # optional: the case (a module, or a case.py path relative to this file)
    description = "One line."
    seed = 20250101            # integer >= 0; --seed overrides it

    [parameters]               # keys of the kind's schema; defaults fill the rest
    draws = 10000

    [quick]                    # optional: overrides for --quick (e.g. fewer draws)
    draws = 200

    [calibration.overrides]    # optional, for a configuration with a case: a variant of its calibration
    softbank_at_risk = { central = 20.0 }   # parameter = { field = value, ... }

Everything is validated by :func:`load_config` before any work starts.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from negotiation.kit.calibration import CalibrationError
from negotiation.kit.case import Case, CaseError, case_module
from negotiation.kit.space import SpaceError
from negotiation.pipeline.registry import Experiment, get_experiment
from negotiation.pipeline.schema import ConfigError, Param, validate_table

__all__ = ["ExperimentConfig", "load_config", "load_configs", "scan_configs"]

_HEADER_SCHEMA: Mapping[str, Param] = {
    "name": Param(str, "experiment name; results go to results/<name>/"),
    "kind": Param(str, "a registered experiment kind"),
    "description": Param(str, "one line shown by `negotiation list`"),
    "seed": Param(int, "seed of the numpy Generator", low=0),
}
#: The optional key of ``[experiment]``: the case (a module path, or a case.py file relative to the file).
_CASE_KEY = "case"
_TABLES = ("experiment", "parameters", "quick", "calibration")
_NAME = re.compile(r"^[a-z]+(_[a-z]+)*$")


@dataclass(frozen=True)
class ExperimentConfig:
    """A validated experiment configuration.

    Attributes
    ----------
    path : Path
        The TOML file.
    name, kind, description : str
    seed : int
    parameters : Mapping
        The full parameter set (defaults filled in).
    quick_parameters : Mapping
        ``parameters`` with the ``[quick]`` overrides applied.
    experiment : Experiment
        The kind's spec.
    calibration_overrides : Mapping
        ``[calibration.overrides]``: ``{parameter: {field: value}}`` for
        :func:`negotiation.kit.calibration.apply_overrides`; empty if none.
    case_reference : str or None
        ``[experiment] case`` as written (None: the kind reads no case).
    case : Case or None
        The case it names (:func:`negotiation.kit.case.load_case`).
    """

    path: Path
    name: str
    kind: str
    description: str
    seed: int
    parameters: Mapping[str, Any]
    quick_parameters: Mapping[str, Any]
    experiment: Experiment
    calibration_overrides: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    case_reference: str | None = None
    case: Case | None = None

    def effective_parameters(self, quick: bool) -> Mapping[str, Any]:
        """The parameters a run uses (``quick_parameters`` under ``--quick``)."""
        return self.quick_parameters if quick else self.parameters

    def with_seed(self, seed: int) -> ExperimentConfig:
        """The same configuration with another seed (validated)."""
        if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
            raise ConfigError(f"{self.path}: seed must be an integer >= 0, got {seed!r}")
        return replace(self, seed=seed)

    @property
    def macro_prefix(self) -> str:
        """The name in CamelCase, prefixed to the experiment's LaTeX macros
        (``bargaining_power`` -> ``BargainingPower``)."""
        return "".join(word.capitalize() for word in self.name.split("_"))

    def figure_label(self, label: str) -> str:
        """The paper-wide label of one of the experiment's figures: ``<name>-<label>``."""
        return f"{self.name}-{label}"

    def canonical(self, quick: bool) -> dict[str, Any]:
        """What determines the run's outputs, as JSON-ready data (for hashing)."""
        canonical = {
            "name": self.name,
            "kind": self.kind,
            "seed": self.seed,
            "quick": quick,
            "parameters": {k: list(v) if isinstance(v, tuple) else v for k, v in self.effective_parameters(quick).items()},
        }
        if self.case_reference is not None:
            canonical["case"] = self.case_reference
        if self.calibration_overrides:
            canonical["calibration_overrides"] = json_ready(self.calibration_overrides)
        return canonical

    def hash(self, quick: bool) -> str:
        """SHA-256 of :meth:`canonical` (sorted-key JSON)."""
        text = json.dumps(self.canonical(quick), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _read_toml(path: Path) -> dict[str, Any]:
    if not path.is_file():
        raise ConfigError(f"{path}: no such experiment file")
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path}: not valid TOML: {error}") from None


def load_config(path: Path | str) -> ExperimentConfig:
    """Read and validate one experiment file.

    Raises
    ------
    ConfigError
        Naming the file and key: missing file, invalid TOML, unknown table or key, missing
        key, wrong type, out-of-range value, unknown kind.
    """
    path = Path(path)
    data = _read_toml(path)
    for table in data:
        if table not in _TABLES:
            raise ConfigError(f"{path}: unknown table [{table}] (allowed: {', '.join(f'[{t}]' for t in _TABLES)})")
    for table in _TABLES:
        if not isinstance(data.get(table, {}), dict):
            raise ConfigError(f"{path}: {table} must be a table [{table}]")
    if "experiment" not in data:
        raise ConfigError(f"{path}: missing table [experiment]")
    reference = data["experiment"].get(_CASE_KEY)
    if reference is not None and (not isinstance(reference, str) or not reference.strip()):
        raise ConfigError(f"{path} [experiment] case: must be a module path or a case.py file, got {reference!r}")
    header = validate_table({k: v for k, v in data["experiment"].items() if k != _CASE_KEY}, _HEADER_SCHEMA,
                            f"{path} [experiment]")
    if not _NAME.match(header["name"]):
        raise ConfigError(
            f"{path} [experiment] name: {header['name']!r} must be lower-case words joined by _ "
            "(letters only: it prefixes the LaTeX macro names)"
        )
    case, module = None, None
    if reference is not None:
        try:
            module = case_module(reference, path.parent)
            case = getattr(module, "CASE", None)
            if not isinstance(case, Case):
                raise CaseError(f"case {reference!r}: the module must define CASE = negotiation.kit.case.Case(...)")
        except CaseError as error:
            raise ConfigError(f"{path} [experiment] case: {error}") from None
    try:
        experiment = get_experiment(header["kind"], module)
    except ConfigError as error:
        raise ConfigError(f"{path} [experiment] kind: {error}") from None
    if experiment.uses_case and case is None:
        raise ConfigError(f"{path} [experiment] case: kind {header['kind']!r} solves a case: name one "
                          "(a module path, or a case.py file relative to this file)")
    parameters = validate_table(data.get("parameters", {}), experiment.schema, f"{path} [parameters]")
    calibration_overrides = _calibration_overrides(data.get("calibration", {}), case, path)
    overrides = {**data.get("parameters", {}), **data.get("quick", {})}
    quick = validate_table(overrides, experiment.schema, f"{path} [quick]")
    return ExperimentConfig(
        path=path,
        name=header["name"],
        kind=header["kind"],
        description=header["description"],
        seed=header["seed"],
        parameters=parameters,
        quick_parameters=quick,
        experiment=experiment,
        calibration_overrides=calibration_overrides,
        case_reference=reference,
        case=case,
    )


def _calibration_overrides(table: Mapping[str, Any], case: Case | None, path: Path) -> dict[str, Any]:
    """The ``[calibration.overrides]`` of ``path``, checked against the case's calibration now."""
    unknown = sorted(set(table) - {"overrides"})
    if unknown:
        raise ConfigError(f"{path} [calibration]: unknown key {unknown[0]!r} (allowed: 'overrides')")
    overrides = table.get("overrides", {})
    if overrides and case is None:
        raise ConfigError(f"{path} [calibration]: the experiment names no case whose calibration to override; "
                          "add [experiment] case or remove the table")
    if overrides:
        try:
            case.calibration(overrides)
        except CalibrationError as error:
            raise ConfigError(f"{path} [calibration.overrides]: {error}") from None
    return overrides


def json_ready(value: Any) -> Any:
    """``value`` with dates as ISO strings (TOML dates are not JSON), mappings as dicts."""
    if isinstance(value, Mapping):
        return {k: json_ready(v) for k, v in value.items()}
    return value.isoformat() if isinstance(value, (dt.date, dt.time)) else value


def scan_configs(directory: Path | str) -> tuple[tuple[ExperimentConfig, ...], tuple[str, ...]]:
    """Every valid ``*.toml`` in ``directory`` (sorted by file name), and one message per invalid one.

    A bad file does not stop the others: ``negotiation list`` and ``reproduce`` report it and go on.
    Of two files with the same experiment name, the second is reported.

    Raises
    ------
    ConfigError
        If ``directory`` does not exist.
    """
    directory = Path(directory)
    if not directory.is_dir():
        raise ConfigError(f"{directory}: no experiments directory")
    configs: list[ExperimentConfig] = []
    problems: list[str] = []
    seen: dict[str, Path] = {}
    for file in sorted(directory.glob("*.toml")):
        try:
            config = load_config(file)
        except (ConfigError, CalibrationError, CaseError, SpaceError) as error:
            problems.append(str(error))
            continue
        if config.name in seen:
            problems.append(f"{config.path}: experiment name {config.name!r} is also used by {seen[config.name]}")
            continue
        seen[config.name] = config.path
        configs.append(config)
    return tuple(configs), tuple(problems)


def load_configs(directory: Path | str) -> tuple[ExperimentConfig, ...]:
    """Every ``*.toml`` in ``directory`` (sorted by file name), all valid with unique names.

    Raises
    ------
    ConfigError
        The first problem :func:`scan_configs` finds.
    """
    configs, problems = scan_configs(directory)
    if problems:
        raise ConfigError(problems[0])
    return configs
