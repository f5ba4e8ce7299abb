"""Assemble ``paper/generated/`` and ``figures/`` from saved results; build ``paper/main.pdf``.

``generated/`` holds ``macros.tex`` (every experiment's macros; a name defined twice is an
error), ``tables/<experiment>-<table>.tex``, and ``tables.tex`` / ``figures.tex`` with one float
per table and figure. The figures themselves are collected in the project's ``figures/`` as
``<experiment>-<label>.pdf|.png`` (a label used twice is an error), where the paper includes
them from. Both folders are replaced as a whole, so no stale file survives. The build fails loudly on a LaTeX error and
on undefined references or citations and multiply-defined labels in the log.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Sequence
from pathlib import Path

from negotiation.pipeline.atomic import atomic_write_bytes, atomic_write_text, staged_directory
from negotiation.pipeline.config import ExperimentConfig
from negotiation.pipeline.latex import GENERATED_HEADER, check_unique, escape
from negotiation.pipeline.results import MACROS_FILE, TABLES_DIR
from negotiation.pipeline.runner import FIGURES_DIR

__all__ = ["PaperError", "assemble_generated", "build_paper", "check_figure_labels"]

GENERATED_DIR = "generated"
_NEWCOMMAND = re.compile(r"^\\newcommand\{\\([A-Za-z]+)\}")
_LOG_PROBLEMS = re.compile(
    r"(LaTeX Warning: (Reference|Citation) `[^']*' on page \d+ undefined"
    r"|LaTeX Warning: Label `[^']*' multiply defined"
    r"|LaTeX Warning: There were undefined references"
    r"|Package natbib Warning: Citation `[^']*' on page \d+ undefined)"
)
LATEXMK_TIMEOUT_SECONDS = 300


class PaperError(RuntimeError):
    """The paper could not be assembled or built; the message says why."""


def check_figure_labels(configs: Sequence[ExperimentConfig]) -> None:
    """Raise ``ValueError`` if two figures would get the same paper-wide label."""
    check_unique("figure label", ((c.figure_label(f.label), c.name) for c in configs for f in c.experiment.figures))


def _macro_names(text: str) -> list[str]:
    return [m.group(1) for m in map(_NEWCOMMAND.match, text.splitlines()) if m]


def _figure_float(label: str, caption: str, width: str, folder: str) -> str:
    env = "figure" if width == "single" else "figure*"
    size = r"\columnwidth" if width == "single" else r"\textwidth"
    return (
        f"\\begin{{{env}}}[tbp]\n\\centering\n\\includegraphics[width={size}]{{{folder}/{label}.pdf}}\n"
        f"\\caption{{{caption}}}\n\\label{{fig:{label}}}\n\\end{{{env}}}\n"
    )


def _table_float(name: str, table: str) -> str:
    return (
        f"\\begin{{table}}[tbp]\n\\centering\n\\caption{{Experiment \\texttt{{{escape(name)}}}, "
        f"table \\texttt{{{escape(table)}}}.}}\n\\label{{tab:{name}-{table}}}\n"
        f"\\input{{generated/tables/{name}-{table}.tex}}\n\\end{{table}}\n"
    )


def assemble_generated(configs: Sequence[ExperimentConfig], results: Path, paper: Path, figures: Path) -> Path:
    """Write ``<paper>/generated/`` and the figure collection ``figures`` from ``<results>/<name>/``.

    Raises
    ------
    PaperError
        If an experiment has no results yet, or a macro or figure label is defined twice.
    """
    try:
        check_figure_labels(configs)
    except ValueError as error:
        raise PaperError(str(error)) from None
    owners: list[tuple[str, str]] = []
    macros, tables, floats = [GENERATED_HEADER], [GENERATED_HEADER], [GENERATED_HEADER]
    folder = Path(os.path.relpath(figures, paper)).as_posix()
    with staged_directory(Path(paper) / GENERATED_DIR) as out, staged_directory(Path(figures)) as collected:
        for config in configs:
            source = Path(results) / config.name
            if not (source / MACROS_FILE).is_file():
                raise PaperError(f"{source}: no results; run `negotiation reproduce` first")
            text = (source / MACROS_FILE).read_text(encoding="utf-8")
            owners += [(n, config.name) for n in _macro_names(text)]
            macros.append(f"% {config.name}\n" + "".join(line + "\n" for line in text.splitlines() if _NEWCOMMAND.match(line)))
            for path in sorted((source / TABLES_DIR).glob("*.tex")):
                atomic_write_bytes(out / TABLES_DIR / f"{config.name}-{path.name}", path.read_bytes())
                tables.append(_table_float(config.name, path.stem))
            for spec in config.experiment.figures:
                label = config.figure_label(spec.label)
                for suffix in (".pdf", ".png"):
                    figure = source / FIGURES_DIR / f"{spec.label}{suffix}"
                    atomic_write_bytes(collected / f"{label}{suffix}", figure.read_bytes())
                floats.append(_figure_float(label, spec.caption, spec.width, folder))
        try:
            check_unique("macro", owners)
        except ValueError as error:
            raise PaperError(str(error)) from None
        atomic_write_text(out / "macros.tex", "".join(macros))
        atomic_write_text(out / "tables.tex", "".join(tables))
        atomic_write_text(out / "figures.tex", "".join(floats))
    return Path(paper) / GENERATED_DIR


def _log_problems(log: Path) -> list[str]:
    if not log.is_file():
        return []
    return sorted({m.group(0) for m in _LOG_PROBLEMS.finditer(log.read_text(encoding="utf-8", errors="replace"))})


def build_paper(paper: Path, main: str = "main.tex") -> Path:
    """Run ``latexmk -pdf`` on ``<paper>/<main>`` and return the PDF path.

    ``SOURCE_DATE_EPOCH=0`` and ``FORCE_SOURCE_DATE=1`` make the PDF's dates reproducible.

    Raises
    ------
    PaperError
        If latexmk is missing or fails (the tail of its output is included), or the log
        reports undefined references/citations or multiply-defined labels.
    """
    if shutil.which("latexmk") is None:
        raise PaperError("latexmk not found; install TeX Live (latexmk, texlive-latex-recommended, ...)")
    paper = Path(paper)
    env = {**os.environ, "SOURCE_DATE_EPOCH": "0", "FORCE_SOURCE_DATE": "1"}
    command = ["latexmk", "-pdf", "-interaction=nonstopmode", "-halt-on-error", "-file-line-error", main]
    try:
        done = subprocess.run(
            command, cwd=paper, env=env, capture_output=True, text=True, timeout=LATEXMK_TIMEOUT_SECONDS, check=False
        )
    except subprocess.TimeoutExpired:
        raise PaperError(f"latexmk took longer than {LATEXMK_TIMEOUT_SECONDS} s") from None
    if done.returncode != 0:
        tail = "\n".join((done.stdout + done.stderr).splitlines()[-30:])
        raise PaperError(f"latexmk failed in {paper} (exit {done.returncode}):\n{tail}")
    problems = _log_problems(paper / Path(main).with_suffix(".log"))
    if problems:
        raise PaperError(f"{paper / main}: " + "; ".join(problems))
    return paper / Path(main).with_suffix(".pdf")
