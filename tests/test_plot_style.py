"""The journal style: one look per concept, colour-blind-safe palette, deterministic files."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import matplotlib
import pytest

from negotiation.plots import CONCEPTS, DOUBLE_COLUMN_WIDTH, OKABE_ITO, SINGLE_COLUMN_WIDTH, new_figure, save_figure, style_of
from negotiation.plots.style import GREY

REQUIRED_CONCEPTS = {
    "nash",
    "asymmetric_nash",
    "kalai_smorodinsky",
    "egalitarian",
    "utilitarian",
    "rubinstein",
    "variable_threat",
    "settlement",
    "status_quo",
    "positions_midpoint",
}


def _draw() -> matplotlib.figure.Figure:
    fig, ax = new_figure("single")
    for i, (name, style) in enumerate(CONCEPTS.items()):
        ax.plot([i], [i], ls="none", marker=style.marker, color=style.color, label=style.label)
    ax.set_xlabel("Microsoft ($B)")
    ax.set_ylabel(r"OpenAI $u_O$ ($B)")
    ax.legend()
    return fig


def test_every_concept_has_one_distinct_look() -> None:
    assert set(CONCEPTS) == REQUIRED_CONCEPTS
    markers = [s.marker for s in CONCEPTS.values()]
    assert len(set(markers)) == len(markers)
    assert {s.color for s in CONCEPTS.values()} <= {*OKABE_ITO.values(), GREY}
    solution_colours = [CONCEPTS[c].color for c in REQUIRED_CONCEPTS - {"settlement", "status_quo", "positions_midpoint"}]
    assert len(set(solution_colours)) == len(solution_colours)


def test_style_of_names_the_allowed_concepts() -> None:
    assert style_of("nash") is CONCEPTS["nash"]
    with pytest.raises(ValueError, match="concept must be one of"):
        style_of("nash_bargaining")


def test_figure_widths() -> None:
    assert new_figure("single")[0].get_size_inches()[0] == SINGLE_COLUMN_WIDTH == 3.4
    assert new_figure("double")[0].get_size_inches()[0] == DOUBLE_COLUMN_WIDTH == 7.0
    with pytest.raises(ValueError, match="width must be"):
        new_figure("triple")  # type: ignore[arg-type]


def test_style_does_not_touch_global_rcparams() -> None:
    before = dict(matplotlib.rcParams)
    new_figure()
    assert dict(matplotlib.rcParams) == before


def test_save_figure_is_byte_identical_and_embeds_fonts(tmp_path: Path) -> None:
    fig = _draw()
    pdf_a, png_a = save_figure(fig, tmp_path / "a")
    pdf_b, png_b = save_figure(_draw(), tmp_path / "b")
    assert pdf_a.read_bytes() == pdf_b.read_bytes()
    assert png_a.read_bytes() == png_b.read_bytes()
    pdf = pdf_a.read_bytes()
    assert b"/FontFile2" in pdf  # TrueType embedded (pdf.fonttype 42), not Type 3
    assert b"/Subtype /Type3" not in pdf
    assert b"CreationDate" not in pdf and b"Matplotlib" not in pdf
    assert b"Software" not in png_a.read_bytes() and png_a.read_bytes().startswith(b"\x89PNG")


def test_save_figure_is_identical_across_processes(tmp_path: Path) -> None:
    """Font subset tags and object order must not depend on the process (hash seeds)."""
    script = (
        "import sys; from test_plot_style import _draw; from negotiation.plots import save_figure;"
        "save_figure(_draw(), sys.argv[1])"
    )
    here = Path(__file__).parent
    subprocess.run([sys.executable, "-c", script, str(tmp_path / "other")], cwd=here, check=True, env={**os.environ, "PYTHONHASHSEED": "123"})
    pdf, png = save_figure(_draw(), tmp_path / "this")
    assert pdf.read_bytes() == (tmp_path / "other.pdf").read_bytes()
    assert png.read_bytes() == (tmp_path / "other.png").read_bytes()
