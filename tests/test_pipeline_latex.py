"""LaTeX output: booktabs tables and macro files that compile whatever the numbers are."""

from __future__ import annotations

import pytest

from negotiation.pipeline import Results, Table
from negotiation.pipeline.latex import _cell, check_unique, macros_tex, table_tex


@pytest.mark.parametrize(
    ("value", "spec", "expected"),
    [
        (-1e-12, ".3f", "0.000"),
        (-0.00001, ".1%", "0.0\\%"),
        (-0.5, ".3f", "$-0.500$"),
        (0.125, ".1%", "12.5\\%"),
        (None, ".3f", "--"),
        ("R&D_share", ".3f", "R\\&D\\_share"),
    ],
)
def test_cells_print_signs_percent_and_text_safely(value: object, spec: str, expected: str) -> None:
    assert _cell(value, spec) == expected


def test_table_is_booktabs_with_headers_and_formats() -> None:
    table = Table(columns=("concept", "u_M"), rows=(("nash", 1.23456),), headers=("Concept", "$u_M$"), formats=("s", ".2f"))
    lines = table_tex(table).splitlines()
    assert lines[1:] == [
        "\\begin{tabular}{lr}",
        "\\toprule",
        "Concept & $u_M$ \\\\",
        "\\midrule",
        "nash & 1.23 \\\\",
        "\\bottomrule",
        "\\end{tabular}",
    ]


def test_table_rejects_ragged_rows() -> None:
    with pytest.raises(ValueError, match=r"rows\[0\] has 1 cells, expected 2"):
        Table(columns=("a", "b"), rows=((1.0,),))


def test_macros_are_sorted_and_name_checked() -> None:
    assert macros_tex({"B": "2", "A": "1"}).splitlines()[1:] == ["\\newcommand{\\A}{1}", "\\newcommand{\\B}{2}"]
    with pytest.raises(ValueError, match="letters only"):
        Results(values={}, macros={"Share2": "0.5"})


def test_check_unique_names_both_owners() -> None:
    with pytest.raises(ValueError, match="duplicate macro 'X': defined by 'a' and 'b'"):
        check_unique("macro", [("X", "a"), ("Y", "a"), ("X", "b")])


def test_results_reject_non_finite_numbers_naming_the_path() -> None:
    with pytest.raises(ValueError, match=r"values.nash.utilities\[1\] is nan"):
        Results(values={"nash": {"utilities": [1.0, float("nan")]}})
