"""``negotiation reproduce``: every experiment (cached by input hash), then the paper; and
``--check``: rerun everything into a temporary folder and compare with the committed results.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path

from negotiation.pipeline.compare import ATOL, RTOL, Difference, compare_directories
from negotiation.pipeline.config import ExperimentConfig, load_config, scan_configs
from negotiation.pipeline.paper import assemble_generated, build_paper, check_figure_labels
from negotiation.pipeline.progress import Progress, SilentProgress
from negotiation.pipeline.results import RESULTS_FILE
from negotiation.pipeline.runner import RUN_FILE, read_stamp, run_experiment, stamp_of
from negotiation.pipeline.schema import ConfigError

__all__ = ["Layout", "ReproduceSummary", "check", "reproduce", "run_all"]


@dataclass(frozen=True)
class Layout:
    """Where things live in a project checkout.

    ``experiments/*.toml`` -> ``results/<name>/`` (``results-quick/<name>/`` under
    ``--quick``) -> ``figures/`` and ``paper/generated/`` -> ``paper/main.pdf``.
    """

    root: Path

    @property
    def experiments(self) -> Path:
        """The experiment configurations."""
        return self.root / "experiments"

    def results(self, quick: bool) -> Path:
        """The committed results (full or quick)."""
        return self.root / ("results-quick" if quick else "results")

    @property
    def paper(self) -> Path:
        """The LaTeX sources."""
        return self.root / "paper"

    @property
    def figures(self) -> Path:
        """Every figure of every experiment, as the paper includes it."""
        return self.root / "figures"


@dataclass(frozen=True)
class ReproduceSummary:
    """What :func:`reproduce` did."""

    ran: tuple[str, ...]
    skipped: tuple[str, ...]
    pdf: Path | None
    problems: tuple[str, ...] = ()


def _load(layout: Layout, progress: Progress) -> tuple[tuple[ExperimentConfig, ...], tuple[str, ...]]:
    """The valid configurations, and the problems of the invalid ones (each reported, then skipped)."""
    configs, problems = scan_configs(layout.experiments)
    for problem in problems:
        progress.message(f"skipped: {problem}")
    try:
        check_figure_labels(configs)
    except ValueError as error:
        raise ConfigError(f"{layout.experiments}: {error}") from None
    return configs, problems


def _expected_seconds(directory: Path) -> float:
    """The wall time of an experiment's last run here (its ``run.json``), 0 if unknown."""
    try:
        return float(json.loads((directory / RUN_FILE).read_text())["wall_time_seconds"])
    except (OSError, ValueError, KeyError, TypeError):
        return 0.0


def _run_from_file(path: Path, out: Path, quick: bool, progress: Progress, cwd: Path) -> str:
    """Worker: load the configuration at ``path`` and run it (configurations are rebuilt, not pickled)."""
    config = load_config(path)
    run_experiment(config, out, quick=quick, progress=progress, cwd=cwd)
    return config.name


def run_all(configs: Sequence[ExperimentConfig], out: Path, *, quick: bool, jobs: int, progress: Progress,
            cwd: Path, history: Path | None = None) -> None:
    """Run ``configs`` into ``out``, in this process (``jobs == 1``) or on ``jobs`` worker processes.

    Workers take the experiments longest first, by the wall time recorded in ``history/<name>``
    (longest-processing-time scheduling, Graham 1969), which on two workers brings the total
    near half the sequential time. Each experiment has its own seed, random generator and output
    folder, so the results are the same for every ``jobs``. Only built-in experiment kinds (and
    kinds registered at import time) are available in a worker: with kinds registered at run
    time, use ``jobs=1``.
    """
    if jobs < 1:
        raise ValueError(f"jobs must be >= 1, got {jobs!r}")
    if jobs == 1 or len(configs) < 2:
        for config in configs:
            run_experiment(config, out, quick=quick, progress=progress, cwd=cwd)
        return
    history = out if history is None else history
    order = sorted(configs, key=lambda c: -_expected_seconds(history / c.name))
    with ProcessPoolExecutor(max_workers=min(jobs, len(configs))) as pool:
        futures = [pool.submit(_run_from_file, c.path, out, quick, progress, cwd) for c in order]
        try:
            for future in as_completed(futures):
                progress.message(f"{future.result()}: finished")
        except BaseException:
            pool.shutdown(cancel_futures=True)
            raise


def reproduce(
    layout: Layout,
    *,
    force: bool = False,
    quick: bool = False,
    paper: bool = True,
    progress: Progress | None = None,
    jobs: int = 1,
) -> ReproduceSummary:
    """Run every experiment whose inputs changed, then assemble and build the paper.

    Parameters
    ----------
    layout : Layout
        The project checkout.
    force : bool
        Rerun every experiment even if its stamp matches.
    quick : bool
        Use the ``[quick]`` parameters and ``results-quick/``; the paper is not built.
    paper : bool
        Assemble ``paper/generated/`` and run latexmk (full runs only).
    progress : Progress or None
        Reporter; silent if None.
    jobs : int
        Experiments run at once, each in its own process (:func:`run_all`); the results do not
        depend on it.

    An invalid configuration is reported (``ReproduceSummary.problems``) and skipped; the others run.

    Raises
    ------
    ConfigError
        Before any work, if two experiments share a figure label.
    PaperError
        If the paper cannot be assembled or built.
    """
    progress = progress or SilentProgress()
    configs, problems = _load(layout, progress)
    out = layout.results(quick)
    ran, skipped = [], []
    for index, config in enumerate(configs, start=1):
        directory = out / config.name
        current = stamp_of(config, quick).inputs
        if not force and read_stamp(directory) == current and (directory / RESULTS_FILE).is_file():
            progress.message(f"[{index}/{len(configs)}] {config.name}: up to date, skipped")
            skipped.append(config)
            continue
        progress.message(f"[{index}/{len(configs)}] {config.name}: inputs changed, running")
        ran.append(config)
    run_all(ran, out, quick=quick, jobs=jobs, progress=progress, cwd=layout.root)
    pdf = None
    if paper and not quick:
        progress.message("paper: assembling paper/generated/")
        assemble_generated(configs, out, layout.paper, layout.figures)
        progress.message("paper: latexmk -pdf main.tex")
        pdf = build_paper(layout.paper)
        progress.message(f"paper: wrote {pdf}")
    return ReproduceSummary(tuple(c.name for c in ran), tuple(c.name for c in skipped), pdf, problems)


def check(
    layout: Layout,
    *,
    quick: bool = False,
    rtol: float = RTOL,
    atol: float = ATOL,
    progress: Progress | None = None,
    jobs: int = 1,
) -> list[Difference]:
    """Rerun every experiment into a temporary folder (``jobs`` at once, :func:`run_all`) and
    compare with the committed results.

    Returns
    -------
    list of Difference
        Empty when everything agrees within ``rtol``/``atol``
        (:mod:`negotiation.pipeline.compare`).
    """
    progress = progress or SilentProgress()
    configs, problems = _load(layout, progress)
    committed = layout.results(quick)
    differences = [Difference(problem.split(":", 1)[0], "configuration", "valid", "invalid: " + problem.split(": ", 1)[-1])
                   for problem in problems]
    with tempfile.TemporaryDirectory(prefix="negotiation-check-") as tmp:
        progress.message(f"rerunning {len(configs)} experiments")
        run_all(configs, Path(tmp), quick=quick, jobs=jobs, progress=progress, cwd=layout.root, history=committed)
        for index, config in enumerate(configs, start=1):
            label = f"{committed.name}/{config.name}"
            found = compare_directories(committed / config.name, Path(tmp) / config.name, label=label, rtol=rtol, atol=atol)
            progress.message(f"[{index}/{len(configs)}] {config.name}: {len(found) or 'no'} differences")
            differences += found
    return differences
