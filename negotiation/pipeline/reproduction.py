"""``negotiation reproduce``: every experiment (cached by input hash), then the paper; and
``--check``: rerun everything into a temporary folder and compare with the committed results.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

from negotiation.pipeline.compare import ATOL, RTOL, Difference, compare_directories
from negotiation.pipeline.config import ExperimentConfig, load_configs
from negotiation.pipeline.paper import assemble_generated, build_paper, check_figure_labels
from negotiation.pipeline.progress import Progress, SilentProgress
from negotiation.pipeline.results import RESULTS_FILE
from negotiation.pipeline.runner import read_stamp, run_experiment, stamp_of
from negotiation.pipeline.schema import ConfigError

__all__ = ["Layout", "ReproduceSummary", "check", "reproduce"]


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


def _load(layout: Layout) -> tuple[ExperimentConfig, ...]:
    configs = load_configs(layout.experiments)
    try:
        check_figure_labels(configs)
    except ValueError as error:
        raise ConfigError(f"{layout.experiments}: {error}") from None
    return configs


def reproduce(
    layout: Layout,
    *,
    force: bool = False,
    quick: bool = False,
    paper: bool = True,
    progress: Progress | None = None,
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

    Raises
    ------
    ConfigError
        Before any work, if any configuration is invalid.
    PaperError
        If the paper cannot be assembled or built.
    """
    progress = progress or SilentProgress()
    configs = _load(layout)
    out = layout.results(quick)
    ran, skipped = [], []
    for index, config in enumerate(configs, start=1):
        directory = out / config.name
        current = stamp_of(config, quick).inputs
        if not force and read_stamp(directory) == current and (directory / RESULTS_FILE).is_file():
            progress.message(f"[{index}/{len(configs)}] {config.name}: up to date, skipped")
            skipped.append(config.name)
            continue
        progress.message(f"[{index}/{len(configs)}] {config.name}: inputs changed, running")
        run_experiment(config, out, quick=quick, progress=progress, cwd=layout.root)
        ran.append(config.name)
    pdf = None
    if paper and not quick:
        progress.message("paper: assembling paper/generated/")
        assemble_generated(configs, out, layout.paper, layout.figures)
        progress.message("paper: latexmk -pdf main.tex")
        pdf = build_paper(layout.paper)
        progress.message(f"paper: wrote {pdf}")
    return ReproduceSummary(tuple(ran), tuple(skipped), pdf)


def check(
    layout: Layout,
    *,
    quick: bool = False,
    rtol: float = RTOL,
    atol: float = ATOL,
    progress: Progress | None = None,
) -> list[Difference]:
    """Rerun every experiment into a temporary folder and compare with the committed results.

    Returns
    -------
    list of Difference
        Empty when everything agrees within ``rtol``/``atol``
        (:mod:`negotiation.pipeline.compare`).
    """
    progress = progress or SilentProgress()
    configs = _load(layout)
    committed = layout.results(quick)
    differences: list[Difference] = []
    with tempfile.TemporaryDirectory(prefix="negotiation-check-") as tmp:
        for index, config in enumerate(configs, start=1):
            progress.message(f"[{index}/{len(configs)}] {config.name}: rerunning")
            run_experiment(config, Path(tmp), quick=quick, progress=progress, cwd=layout.root)
            label = f"{committed.name}/{config.name}"
            found = compare_directories(committed / config.name, Path(tmp) / config.name, label=label, rtol=rtol, atol=atol)
            progress.message(f"[{index}/{len(configs)}] {config.name}: {len(found) or 'no'} differences")
            differences += found
    return differences
