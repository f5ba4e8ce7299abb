"""A replication package that does not churn: files on disk are a deterministic function of
the numbers, rounded by one rule within reproduce --check's tolerance; figures are
byte-identical for identical data; the source hash is the same in every checkout."""

from __future__ import annotations

import json
import math
import os
import shutil
import subprocess
import sys
from pathlib import Path

import matplotlib
import numpy as np
import pytest

import negotiation
from negotiation.pipeline.compare import ATOL, RTOL, compare_directories
from negotiation.pipeline.hashing import files_hash, package_source_hash, source_files
from negotiation.pipeline.results import (
    DECIMAL_PLACES,
    SIGNIFICANT_DIGITS,
    Results,
    Table,
    disk_float,
    load_results,
    write_results,
)
from negotiation.plots import new_figure, save_figure
from negotiation.plots.style import journal_style

REPO = Path(__file__).resolve().parent.parent


def _results(values: dict, rows: tuple = ()) -> Results:
    table = Table(columns=("name", "x", "n"), rows=rows or (("a", 0.1 + 0.2, 3), ("b", -0.0, -7), ("c", None, 0)))
    return Results(values=values, tables={"t": table}, macros={"X": "1.0"})


def _files(directory: Path) -> dict[str, bytes]:
    return {p.relative_to(directory).as_posix(): p.read_bytes() for p in sorted(directory.rglob("*")) if p.is_file()}


# --- the rounding rule -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (176.58389392484005, 176.5838939),
        (176.58389392484003, 176.5838939),  # the last-digit difference of two machines
        (0.1 + 0.2, 0.3),
        (-0.0, 0.0),
        (1e-13, 0.0),
        (-1e-13, 0.0),
        (6e-13, 1e-12),
        (-1.6169011091029024e-16, 0.0),  # a Sobol index that is rounding noise
        (4.048697345e-09, 4.049e-09),  # 12 decimal places are coarser than 10 digits here
        (0.0012345678901234, 0.00123456789),  # both rules agree in [1e-3, 1e-2)
        (0.00098765432101234, 0.000987654321),
        (1.5e-05, 1.5e-05),
        (3.0, 3.0),
        (123456789012.5, 123456789000.0),
        (1e300, 1e300),
        (5e-324, 0.0),
    ],
)
def test_disk_float_rounds_to_ten_significant_digits(value: float, expected: float) -> None:
    assert SIGNIFICANT_DIGITS == 10 and DECIMAL_PLACES == 12
    rounded = disk_float(value)
    assert rounded == expected and repr(rounded) == repr(expected)
    assert math.copysign(1.0, rounded) == math.copysign(1.0, expected)


def test_disk_float_passes_non_finite_through() -> None:
    assert math.isnan(disk_float(float("nan")))
    assert disk_float(float("inf")) == float("inf") and disk_float(-float("inf")) == -float("inf")


def test_disk_float_is_idempotent_and_inside_the_check_tolerance() -> None:
    rng = np.random.default_rng(1)
    values = np.concatenate([rng.normal(size=2000) * 10.0 ** rng.integers(-15, 15, size=2000), rng.random(500)])
    for value in values.tolist():
        once = disk_float(value)
        assert disk_float(once) == once
        assert abs(once - value) <= max(5e-10 * abs(value), 5e-13) * (1 + 1e-12)
        assert abs(once - value) <= ATOL / 1000 + RTOL / 1000 * abs(value)
        assert math.copysign(1.0, once) > 0 or once < 0
        assert len(repr(once).split("e")[0].replace("-", "").replace(".", "").strip("0")) <= SIGNIFICANT_DIGITS


def test_every_writer_rounds(tmp_path: Path) -> None:
    values = {
        "x": 176.58389392484005,
        "noise": -1.6169011091029024e-16,
        "zero": -0.0,
        "n": 12345678901234567,  # ints are exact: never rounded
        "flag": True,
        "label": "0.30000000000000004",  # strings are never touched
        "none": None,
        "nested": {"list": [0.1 + 0.2, np.float64(2.0) / 3.0, np.int64(4)]},
        "array": np.array([1.0 / 3.0, -0.0]),
    }
    write_results(_results(values), tmp_path)
    saved = json.loads((tmp_path / "results.json").read_text())
    assert saved["x"] == 176.5838939 and saved["noise"] == 0.0 and saved["zero"] == 0.0
    assert saved["n"] == 12345678901234567 and saved["flag"] is True and saved["none"] is None
    assert saved["label"] == "0.30000000000000004"
    assert saved["nested"]["list"] == [0.3, 0.6666666667, 4]
    assert saved["array"] == [0.3333333333, 0.0]
    text = (tmp_path / "results.json").read_text()
    assert "-0.0" not in text and "e-16" not in text
    csv = (tmp_path / "tables" / "t.csv").read_text()
    assert csv == "name,x,n\na,0.3,3\nb,0.0,-7\nc,,0\n"
    tex = (tmp_path / "tables" / "t.tex").read_text()
    assert "-0" not in tex


def test_writing_loaded_results_again_gives_identical_bytes(tmp_path: Path) -> None:
    rng = np.random.default_rng(7)
    values = {"draws": (rng.normal(size=50) * 1e3).tolist(), "tiny": (rng.normal(size=5) * 1e-14).tolist(), "neg0": -0.0}
    rows = tuple((f"r{i}", float(x), i) for i, x in enumerate(rng.normal(size=20) / 7.0))
    write_results(_results(values, rows), tmp_path / "first")
    loaded = load_results(tmp_path / "first")
    again = Results(values=loaded.values, tables=loaded.tables, macros={"X": "1.0"})
    write_results(again, tmp_path / "second")
    first, second = _files(tmp_path / "first"), _files(tmp_path / "second")
    assert sorted(first) == ["macros.tex", "results.json", "tables/t.csv", "tables/t.tex"]
    assert first == second


def test_last_digit_differences_write_identical_bytes(tmp_path: Path) -> None:
    """Two machines whose floats differ in the last bit write the same files."""
    rng = np.random.default_rng(3)
    base = rng.normal(size=200) * 10.0 ** rng.integers(-6, 6, size=200)
    other = np.nextafter(base, np.inf)
    write_results(_results({"v": base.tolist()}, tuple(("r", float(x), 0) for x in base)), tmp_path / "a")
    write_results(_results({"v": other.tolist()}, tuple(("r", float(x), 0) for x in other)), tmp_path / "b")
    assert compare_directories(tmp_path / "a", tmp_path / "b") == []
    # a number straddles a 10th-digit boundary with a chance of about 1e-6; none of these does
    assert _files(tmp_path / "a") == _files(tmp_path / "b")


def test_table_cells_that_spell_non_finite_numbers_stay_text(tmp_path: Path) -> None:
    write_results(_results({}, (("nan", 1.0, 1), ("inf", 2.0, 2))), tmp_path)
    loaded = load_results(tmp_path)
    assert [row[0] for row in loaded.tables["t"].rows] == ["nan", "inf"]


# --- figures ---------------------------------------------------------------------------


def _draw() -> matplotlib.figure.Figure:
    with journal_style():
        fig, ax = new_figure("single")
        ax.plot([0.0, 1.0, 2.0], [0.3, 0.6666666667, 0.1], marker="o", label="Nash")
        ax.fill_between([0.0, 1.0, 2.0], [0.0, 0.2, 0.0], [0.5, 0.9, 0.4], alpha=0.3)
        ax.set_xlabel(r"$u_M$ ($B)")
        ax.legend()
    return fig


def test_saving_the_same_figure_twice_gives_identical_bytes(tmp_path: Path) -> None:
    fig = _draw()
    pdf_a, png_a = save_figure(fig, tmp_path / "a")
    pdf_b, png_b = save_figure(fig, tmp_path / "b")
    assert pdf_a.read_bytes() == pdf_b.read_bytes()
    assert png_a.read_bytes() == png_b.read_bytes()
    pdf_c, png_c = save_figure(_draw(), tmp_path / "c")
    assert pdf_a.read_bytes() == pdf_c.read_bytes()
    assert png_a.read_bytes() == png_c.read_bytes()
    for key in (b"CreationDate", b"ModDate", b"Producer", b"Creator", b"Matplotlib"):
        assert key not in pdf_a.read_bytes()
    assert b"Software" not in png_a.read_bytes()


def test_figures_ignore_matplotlibrc_and_source_date_epoch(tmp_path: Path) -> None:
    """Another machine's matplotlibrc, hash seed or SOURCE_DATE_EPOCH does not change the bytes."""
    config = tmp_path / "mplconfig"
    config.mkdir()
    (config / "matplotlibrc").write_text(
        "lines.linewidth: 4\nfont.size: 14\nsavefig.transparent: True\nfigure.facecolor: red\n"
        "text.hinting: none\npath.simplify_threshold: 0.5\nsvg.hashsalt: other\n"
    )
    script = (
        "import sys; sys.path.insert(0, sys.argv[2]);"
        "from test_replication_stable import _draw; from negotiation.plots import save_figure;"
        "save_figure(_draw(), sys.argv[1])"
    )
    env = {**os.environ, "MPLCONFIGDIR": str(config), "PYTHONHASHSEED": "99", "SOURCE_DATE_EPOCH": "86400"}
    subprocess.run([sys.executable, "-c", script, str(tmp_path / "other"), str(Path(__file__).parent)], cwd=tmp_path, env=env, check=True)
    pdf, png = save_figure(_draw(), tmp_path / "this")
    assert pdf.read_bytes() == (tmp_path / "other.pdf").read_bytes()
    assert png.read_bytes() == (tmp_path / "other.png").read_bytes()


def test_journal_style_leaves_global_rcparams_alone() -> None:
    before = dict(matplotlib.rcParams)
    with journal_style():
        assert matplotlib.rcParams["font.size"] == 8.0
    assert dict(matplotlib.rcParams) == before


# --- the source hash -------------------------------------------------------------------


def test_source_hash_ignores_caches_and_untracked_junk(tmp_path: Path) -> None:
    root = tmp_path / "pkg"
    (root / "sub").mkdir(parents=True)
    (root / "__init__.py").write_text("x = 1\n")
    (root / "sub" / "data.toml").write_text("a = 1\n")
    clean = files_hash(source_files(root), root)
    for junk in ("__pycache__/m.cpython-311.pyc", ".pytest_cache/v", ".mypy_cache/x.json", ".DS_Store",
                 "sub/.data.toml.swp", "sub/notes.txt~", "x.egg-info/PKG-INFO", "sub/.#lock.py", "sub/m.pyc"):
        (root / junk).parent.mkdir(parents=True, exist_ok=True)
        (root / junk).write_text("junk\n")
    assert files_hash(source_files(root), root) == clean
    (root / "__init__.py").write_bytes(b"x = 1\r\n")  # a Windows checkout (core.autocrlf)
    assert files_hash(source_files(root), root) == clean
    (root / "__init__.py").write_text("x = 2\n")
    assert files_hash(source_files(root), root) != clean


@pytest.mark.skipif(shutil.which("git") is None or not (REPO / ".git").exists(), reason="needs a git checkout")
def test_source_hash_covers_exactly_the_files_git_tracks() -> None:
    """A fresh clone hashes the same files as this working tree, so committed stamps agree."""
    package = Path(negotiation.__file__).resolve().parent
    if package.parent != REPO:
        pytest.skip("the package is not imported from this checkout")
    tracked = subprocess.run(["git", "ls-files", "-z", "negotiation"], cwd=REPO, capture_output=True, check=True)
    names = {name for name in tracked.stdout.decode().split("\0") if name}
    hashed = {p.relative_to(REPO).as_posix() for p in source_files(package)}
    assert hashed == {n for n in names if (REPO / n).is_file()}
    assert package_source_hash() == files_hash(source_files(package), package)
