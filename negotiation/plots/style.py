"""The journal style shared by every figure: sizes, fonts, palette, one look per concept.

Every figure is built with :func:`new_figure` (a :class:`matplotlib.figure.Figure` created
under :data:`RC_PARAMS`, without pyplot's global figure registry) and written with
:func:`save_figure`, which produces a vector PDF and a PNG whose bytes depend only on the
figure's content.

Colours are the Okabe–Ito colour-blind-safe palette (Okabe & Ito 2008, "Color Universal
Design"), plus a neutral grey for the status quo. Each concept has ONE colour and ONE marker
in every figure (:data:`CONCEPTS`); markers are all different, so figures stay legible in
greyscale.
"""

from __future__ import annotations

import contextlib
import io
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Literal

import matplotlib
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.backends.backend_pdf import FigureCanvasPdf
from matplotlib.figure import Figure

from negotiation.pipeline.atomic import atomic_write_bytes

__all__ = [
    "CONCEPTS",
    "DOUBLE_COLUMN_WIDTH",
    "OKABE_ITO",
    "PNG_DPI",
    "RC_PARAMS",
    "journal_style",
    "SINGLE_COLUMN_WIDTH",
    "ConceptStyle",
    "new_figure",
    "save_figure",
    "style_of",
]

SINGLE_COLUMN_WIDTH = 3.4
"""Width in inches of a one-column figure."""

DOUBLE_COLUMN_WIDTH = 7.0
"""Width in inches of a figure spanning both columns."""

PNG_DPI = 300
"""Resolution of the PNG copy (print quality)."""

OKABE_ITO: Mapping[str, str] = MappingProxyType(
    {
        "black": "#000000",
        "orange": "#E69F00",
        "sky_blue": "#56B4E9",
        "bluish_green": "#009E73",
        "yellow": "#F0E442",
        "blue": "#0072B2",
        "vermillion": "#D55E00",
        "reddish_purple": "#CC79A7",
    }
)
"""The eight Okabe–Ito colours."""

GREY = "#999999"
"""Neutral colour for reference points that are not a solution concept."""


@dataclass(frozen=True)
class ConceptStyle:
    """How one concept is drawn everywhere: colour, marker, legend label."""

    color: str
    marker: str
    label: str


CONCEPTS: Mapping[str, ConceptStyle] = MappingProxyType(
    {
        "nash": ConceptStyle(OKABE_ITO["blue"], "o", "Nash"),
        "asymmetric_nash": ConceptStyle(OKABE_ITO["sky_blue"], "D", "Asymmetric Nash"),
        "kalai_smorodinsky": ConceptStyle(OKABE_ITO["orange"], "^", "Kalai–Smorodinsky"),
        "egalitarian": ConceptStyle(OKABE_ITO["bluish_green"], "v", "Egalitarian"),
        "utilitarian": ConceptStyle(OKABE_ITO["reddish_purple"], "P", "Utilitarian"),
        "rubinstein": ConceptStyle(OKABE_ITO["vermillion"], "X", "Rubinstein"),
        "variable_threat": ConceptStyle(OKABE_ITO["yellow"], "h", "Variable threat"),
        "settlement": ConceptStyle(OKABE_ITO["black"], "*", "Settlement (actual)"),
        "status_quo": ConceptStyle(GREY, "s", "Status quo"),
        "positions_midpoint": ConceptStyle(OKABE_ITO["black"], "d", "Midpoint of positions"),
    }
)
"""The one style per concept. Yellow is faint on white: draw markers with a black edge
(``markeredgecolor="black"``), as :data:`RC_PARAMS` does by default for lines."""

RC_PARAMS: Mapping[str, object] = MappingProxyType(
    {
        "font.family": "sans-serif",
        "font.sans-serif": ["DejaVu Sans"],
        "mathtext.fontset": "dejavusans",
        "font.size": 8.0,
        "axes.titlesize": 9.0,
        "axes.labelsize": 8.0,
        "xtick.labelsize": 7.0,
        "ytick.labelsize": 7.0,
        "legend.fontsize": 7.0,
        "legend.frameon": False,
        "axes.linewidth": 0.6,
        "axes.spines.top": False,
        "axes.spines.right": False,
        "axes.prop_cycle": matplotlib.cycler(color=list(OKABE_ITO.values())[1:] + ["#000000"]),
        "lines.linewidth": 1.2,
        "lines.markersize": 5.0,
        "lines.markeredgecolor": "black",
        "lines.markeredgewidth": 0.5,
        "xtick.major.width": 0.6,
        "ytick.major.width": 0.6,
        "grid.linewidth": 0.4,
        "grid.color": "#DDDDDD",
        "savefig.bbox": "standard",
        "pdf.fonttype": 42,
        "ps.fonttype": 42,
        "svg.hashsalt": "negotiation",
        "svg.fonttype": "none",
        "path.simplify": True,
    }
)
"""Matplotlib settings for every figure (applied locally, never to the global state)."""

_PDF_METADATA = {"Creator": None, "Producer": None, "CreationDate": None, "ModDate": None}
_PNG_METADATA = {"Software": None}


def style_of(concept: str) -> ConceptStyle:
    """The colour, marker and label of ``concept``.

    Raises
    ------
    ValueError
        If ``concept`` is not one of :data:`CONCEPTS`.
    """
    try:
        return CONCEPTS[concept]
    except KeyError:
        raise ValueError(f"concept must be one of {sorted(CONCEPTS)}, got {concept!r}") from None


def latex_label(concept: str) -> str:
    """The concept's legend label with an en dash LaTeX understands in any input encoding.

    Examples
    --------
    >>> latex_label("kalai_smorodinsky")
    'Kalai--Smorodinsky'
    """
    return style_of(concept).label.replace("–", "--")


@contextlib.contextmanager
def journal_style() -> Iterator[None]:
    """Draw under :data:`RC_PARAMS`: line widths, marker edges and font sizes apply when artists are made.

    The runner draws every figure function inside it; call it yourself when drawing elsewhere.
    """
    with _rc():
        yield


@contextlib.contextmanager
def _rc() -> Iterator[None]:
    """Matplotlib's built-in defaults plus :data:`RC_PARAMS`, restored on exit.

    Starting from the built-in defaults (not ``rcParams``) keeps a ``matplotlibrc`` of the
    user or of the current directory, and any earlier ``rcParams`` change, out of the figures:
    their bytes then depend only on the figure and the library versions.
    """
    with matplotlib.rc_context():
        matplotlib.rcdefaults()
        matplotlib.rcParams.update(RC_PARAMS)
        yield


def new_figure(
    width: Literal["single", "double"] = "single", aspect: float = 0.75, nrows: int = 1, ncols: int = 1
) -> tuple[Figure, object]:
    """A figure in the journal style, with its axes.

    Parameters
    ----------
    width : {"single", "double"}
        One column (:data:`SINGLE_COLUMN_WIDTH`) or two (:data:`DOUBLE_COLUMN_WIDTH`).
    aspect : float
        Height divided by width.
    nrows, ncols : int
        Subplot grid, as in :meth:`matplotlib.figure.Figure.subplots`.

    Returns
    -------
    (Figure, Axes or array of Axes)
    """
    if width not in ("single", "double"):
        raise ValueError(f"width must be 'single' or 'double', got {width!r}")
    if not aspect > 0:
        raise ValueError(f"aspect must be positive, got {aspect!r}")
    inches = SINGLE_COLUMN_WIDTH if width == "single" else DOUBLE_COLUMN_WIDTH
    with _rc():
        fig = Figure(figsize=(inches, inches * aspect), layout="constrained")
        axes = fig.subplots(nrows, ncols)
    return fig, axes


def _render(fig: Figure, fmt: str) -> bytes:
    buffer = io.BytesIO()
    with _rc():
        if fmt == "pdf":
            FigureCanvasPdf(fig).print_figure(buffer, format="pdf", metadata=_PDF_METADATA)
        else:
            FigureCanvasAgg(fig).print_figure(buffer, format="png", dpi=PNG_DPI, metadata=_PNG_METADATA)
    return buffer.getvalue()


def save_figure(fig: Figure, path_stem: Path | str) -> tuple[Path, Path]:
    """Write ``fig`` as ``<path_stem>.pdf`` (vector, fonts embedded) and ``<path_stem>.png``.

    No timestamp or software string is written (PDF ``Creator``, ``Producer``,
    ``CreationDate``, ``ModDate``; PNG ``Software``), the font subset tags are hashes of the
    glyphs used, and the drawing settings are matplotlib's built-in defaults plus
    :data:`RC_PARAMS` whatever ``matplotlibrc`` is around: identical figures give identical
    bytes (with the same matplotlib and fontTools versions; fontTools subsets the embedded
    fonts). Both files are written atomically.

    Parameters
    ----------
    fig : Figure
        Usually from :func:`new_figure`.
    path_stem : Path or str
        Destination without suffix, e.g. ``results/baseline/figures/frontier``.

    Returns
    -------
    (Path, Path)
        The PDF and PNG paths.
    """
    stem = Path(path_stem)
    pdf, png = stem.with_name(stem.name + ".pdf"), stem.with_name(stem.name + ".png")
    atomic_write_bytes(pdf, _render(fig, "pdf"))
    atomic_write_bytes(png, _render(fig, "png"))
    return pdf, png
