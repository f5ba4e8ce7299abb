"""Run one experiment: validate -> run -> save results -> draw figures from the saved results.

All outputs go to a staging directory that replaces ``<out>/<name>/`` only when everything
succeeded (:func:`negotiation.pipeline.atomic.staged_directory`).
"""

from __future__ import annotations

import contextlib
import json
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from negotiation.kit.calibration import Calibration, CalibrationError, check_prediction_inputs, using_calibration
from negotiation.kit.space import SpaceError, check_space_sources
from negotiation.pipeline.atomic import atomic_write_text, staged_directory
from negotiation.pipeline.config import ExperimentConfig
from negotiation.pipeline.hashing import case_source_hash, files_hash, input_hash, package_source_hash
from negotiation.pipeline.progress import Prefixed, Progress, SilentProgress
from negotiation.pipeline.provenance import provenance_record, run_record
from negotiation.pipeline.results import load_results, write_results
from negotiation.pipeline.schema import ConfigError
from negotiation.plots.style import journal_style, save_figure

__all__ = ["FIGURES_DIR", "PROVENANCE_FILE", "RUN_FILE", "STAMP_FILE", "RunSummary", "Stamp", "read_stamp", "run_experiment", "stamp_of"]

FIGURES_DIR = "figures"
STAMP_FILE = "stamp.json"
PROVENANCE_FILE = "provenance.json"
#: This run's wall time, platform and HEAD (not committed: see negotiation.pipeline.provenance).
RUN_FILE = "run.json"


@dataclass(frozen=True)
class Stamp:
    """The hashes of a run's inputs; the run is redone when ``inputs`` changes."""

    config: str
    data: str
    source: str

    @property
    def inputs(self) -> str:
        """The combined hash."""
        return input_hash(self.config, self.data, self.source)

    def to_json(self) -> str:
        """Sorted-key JSON, deterministic."""
        payload = {"config": self.config, "data": self.data, "source": self.source, "inputs": self.inputs}
        return json.dumps(payload, sort_keys=True, indent=2) + "\n"


@dataclass(frozen=True)
class RunSummary:
    """What :func:`run_experiment` did."""

    name: str
    directory: Path
    input_hash: str
    wall_time_seconds: float


def stamp_of(config: ExperimentConfig, quick: bool) -> Stamp:
    """The input stamp of ``config`` as it would run now.

    Raises
    ------
    ConfigError
        If a calibration data file declared by the kind is missing.
    """
    files = data_files(config)
    missing = [p for p in files if not p.is_file()]
    if missing:
        raise ConfigError(f"{config.path}: kind {config.kind!r} needs missing data file {missing[0]}")
    source = package_source_hash()
    if config.case is not None:
        source = input_hash(source, case_source_hash(config.case.folder), kind_source_hash(config))
    return Stamp(config=config.hash(quick), data=files_hash(files), source=source)


def data_files(config: ExperimentConfig) -> tuple[Path, ...]:
    """The data a run of ``config`` reads: its case's files and the kind's own (each once)."""
    files = (*(() if config.case is None else config.case.data_files), *config.experiment.data_files)
    return tuple(dict.fromkeys(Path(f).resolve() for f in files))


def kind_source_hash(config: ExperimentConfig) -> str:
    """Hash of the file of the kind's module (a kind of a case outside the package is in no other hash)."""
    module = sys.modules.get(config.experiment.run.__module__)
    file = getattr(module, "__file__", None)
    return files_hash([Path(file)]) if file else ""


def run_calibration(config: ExperimentConfig) -> Calibration | None:
    """The calibration a run of ``config`` reads (its case's, ``[calibration.overrides]`` applied), or
    None if the configuration names no case.

    Raises
    ------
    ConfigError
        If the kind is a prediction and a fact of that calibration is dated on or after the
        calibration's cut-off (the message names the parameter and the date).
    """
    if config.case is None:
        return None
    try:
        variant = config.case.calibration(config.calibration_overrides)
    except CalibrationError as error:
        raise ConfigError(f"{config.path}: {error}") from None
    if config.experiment.role == "prediction":
        try:
            check_prediction_inputs(variant)
            check_space_sources(config.case.space(), variant.cutoff, variant.cutoff_event)
        except (CalibrationError, SpaceError) as error:
            raise ConfigError(f"{config.path}: kind {config.kind!r} is a prediction: {error}") from None
    return variant


def read_stamp(directory: Path) -> str | None:
    """The ``inputs`` hash saved with previous results in ``directory``, if any."""
    try:
        return json.loads((Path(directory) / STAMP_FILE).read_text(encoding="utf-8"))["inputs"]
    except (OSError, ValueError, KeyError, TypeError):
        return None


def run_experiment(
    config: ExperimentConfig,
    out: Path,
    *,
    quick: bool = False,
    progress: Progress | None = None,
    cwd: Path | None = None,
) -> RunSummary:
    """Run ``config`` and write its outputs to ``<out>/<config.name>/``.

    Files written: ``results.json``, ``macros.tex``, ``tables/<t>.csv|.tex``,
    ``figures/<label>.pdf|.png``, ``stamp.json``, ``provenance.json`` (all the same for the same
    inputs) and ``run.json`` (wall time, platform, HEAD: not committed).

    Parameters
    ----------
    config : ExperimentConfig
        Validated configuration (:func:`negotiation.pipeline.config.load_config`).
    out : Path
        Results root, e.g. ``results``.
    quick : bool
        Use the ``[quick]`` parameters.
    progress : Progress or None
        Progress reporter; silent if None.
    cwd : Path or None
        Directory whose git state goes into the provenance (current directory if None).

    Returns
    -------
    RunSummary
    """
    progress = Prefixed(progress or SilentProgress(), f"{config.name}: ")
    stamp = stamp_of(config, quick)
    calibration = run_calibration(config)
    started = time.perf_counter()
    final = Path(out) / config.name
    reading = contextlib.nullcontext() if calibration is None else using_calibration(calibration)
    with staged_directory(final) as staging, reading:
        progress.message("running")
        arguments = (config.effective_parameters(quick), np.random.default_rng(config.seed), progress)
        results = config.experiment.run(*arguments, config.case) if config.experiment.uses_case else config.experiment.run(*arguments)
        write_results(results, staging, config.macro_prefix)
        saved = load_results(staging)
        for index, spec in enumerate(config.experiment.figures, start=1):
            with journal_style():
                figure = spec.draw(saved)
            save_figure(figure, staging / FIGURES_DIR / spec.label)
            progress.update("figures", index, len(config.experiment.figures))
        atomic_write_text(staging / STAMP_FILE, stamp.to_json())
        wall = time.perf_counter() - started
        record = provenance_record(
            name=config.name,
            kind=config.kind,
            seed=config.seed,
            quick=quick,
            config_path=config.path,
            config_hash=stamp.config,
            data_hash=stamp.data,
            source_hash=stamp.source,
            input_hash=stamp.inputs,
            cwd=Path.cwd() if cwd is None else cwd,
            calibration=None if calibration is None else calibration.provenance(),
        )
        atomic_write_text(staging / PROVENANCE_FILE, json.dumps(record, sort_keys=True, indent=2) + "\n")
        run = run_record(wall_time_seconds=wall, cwd=Path.cwd() if cwd is None else cwd)
        atomic_write_text(staging / RUN_FILE, json.dumps(run, sort_keys=True, indent=2) + "\n")
    progress.message(f"done in {wall:.1f} s")
    return RunSummary(config.name, final, stamp.inputs, wall)
