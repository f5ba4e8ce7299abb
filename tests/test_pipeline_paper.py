"""The paper: generated macros/tables/figures are name-checked, and the real paper/main.tex
compiles with latexmk from generated files."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from test_pipeline_toy import TOY_FAST, toy_kind, write_toy  # noqa: F401  (fixture)

from negotiation.pipeline import ConfigError, Experiment, FigureSpec, Layout, PaperError, load_configs, reproduce
from negotiation.pipeline.paper import _log_problems, assemble_generated

PAPER = Path(__file__).resolve().parents[1] / "paper"


def test_duplicate_macro_fails_loudly(tmp_path: Path, toy_kind: Experiment) -> None:
    write_toy(tmp_path, "alpha", kind=TOY_FAST)
    reproduce(Layout(tmp_path), paper=False)
    macros = tmp_path / "results" / "alpha" / "macros.tex"
    macros.write_text(macros.read_text() + "\\newcommand{\\AlphaMean}{1}\n")
    with pytest.raises(PaperError, match="duplicate macro 'AlphaMean'"):
        assemble_generated(load_configs(tmp_path / "experiments"), tmp_path / "results", tmp_path / "paper",
                           tmp_path / "figures")


def test_duplicate_figure_label_fails_loudly() -> None:
    """Paper labels are ``<experiment>-<label>``: experiment names are unique (load_configs),
    so a clash can only come from a kind declaring a label twice, refused at definition."""
    spec = FigureSpec("same", lambda saved: None, "caption")
    with pytest.raises(ValueError, match="duplicate figure label 'same'"):
        Experiment(kind="dup", description="", schema={}, run=lambda *a: None, figures=(spec, spec))


def test_generated_files_without_results_is_an_error(tmp_path: Path, toy_kind: Experiment) -> None:
    write_toy(tmp_path, kind=TOY_FAST)
    with pytest.raises(PaperError, match="no results"):
        assemble_generated(load_configs(tmp_path / "experiments"), tmp_path / "results", tmp_path / "paper",
                           tmp_path / "figures")


TOY_PAPER = r"""\documentclass{article}
\usepackage{graphicx,booktabs}
\input{generated/macros.tex}
\begin{document}
The mean is \ToyOneMean{} (Table~\ref{tab:toy_one-summary}, Figure~\ref{fig:toy_one-quantiles}).
\input{generated/tables.tex}
\input{generated/figures.tex}
\end{document}
"""
"""A paper that uses the generated macros, tables and figures of the toy experiment (the real
paper/main.tex needs the real experiments and is built by `negotiation reproduce`)."""


@pytest.mark.skipif(shutil.which("latexmk") is None, reason="needs TeX Live with latexmk")
def test_paper_compiles_from_generated_files(tmp_path: Path, toy_kind: Experiment) -> None:
    write_toy(tmp_path)
    (tmp_path / "paper").mkdir()
    shutil.copy(PAPER / "latexmkrc", tmp_path / "paper" / "latexmkrc")
    (tmp_path / "paper" / "main.tex").write_text(TOY_PAPER)
    summary = reproduce(Layout(tmp_path))
    assert summary.pdf is not None and summary.pdf.read_bytes().startswith(b"%PDF")
    generated = tmp_path / "paper" / "generated"
    assert "\\newcommand{\\ToyOneMean}" in (generated / "macros.tex").read_text()
    assert (tmp_path / "figures" / "toy_one-quantiles.pdf").is_file()
    assert "{../figures/toy_one-quantiles.pdf}" in (generated / "figures.tex").read_text()
    assert "\\label{fig:toy_one-quantiles}" in (generated / "figures.tex").read_text()
    assert "\\input{generated/tables/toy_one-summary.tex}" in (generated / "tables.tex").read_text()


def test_log_problems_fail_the_build(tmp_path: Path) -> None:
    log = tmp_path / "main.log"
    log.write_text(
        "LaTeX Warning: Reference `fig:missing' on page 3 undefined on input line 80.\n"
        "LaTeX Warning: Label `fig:x' multiply defined.\n"
        "Package natbib Warning: Citation `nash1951' on page 1 undefined on input line 9.\n"
    )
    problems = _log_problems(log)
    assert problems == [
        "LaTeX Warning: Label `fig:x' multiply defined",
        "LaTeX Warning: Reference `fig:missing' on page 3 undefined",
        "Package natbib Warning: Citation `nash1951' on page 1 undefined",
    ]


def test_unknown_kind_is_a_config_error(tmp_path: Path) -> None:
    path = tmp_path / "experiments" / "x.toml"
    path.parent.mkdir()
    path.write_text('[experiment]\nname = "x"\nkind = "nope"\ndescription = ""\nseed = 0\n')
    summary = reproduce(Layout(tmp_path), paper=False)
    assert summary.ran == () and "unknown experiment kind 'nope'" in summary.problems[0]
