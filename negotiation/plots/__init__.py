"""Figures: the journal style (:mod:`negotiation.plots.style`) and one function per figure.

Figure functions read saved results, never re-solve.
"""

from negotiation.plots.style import (
    CONCEPTS,
    DOUBLE_COLUMN_WIDTH,
    OKABE_ITO,
    SINGLE_COLUMN_WIDTH,
    ConceptStyle,
    journal_style,
    latex_label,
    new_figure,
    save_figure,
    style_of,
)

__all__ = [
    "CONCEPTS",
    "DOUBLE_COLUMN_WIDTH",
    "OKABE_ITO",
    "SINGLE_COLUMN_WIDTH",
    "ConceptStyle",
    "journal_style",
    "latex_label",
    "new_figure",
    "save_figure",
    "style_of",
]
