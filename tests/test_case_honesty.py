"""Honesty rules: the settlement never feeds a prediction; every input is dated before the MOU."""

import ast
import builtins
from pathlib import Path

import pytest

import negotiation.cases.microsoft_openai as case
from negotiation.cases.microsoft_openai import payoffs, solve, threats
from negotiation.cases.microsoft_openai.parameters import ASSUMPTION, MOU_DATE, calibration

CASE_DIR = Path(case.__file__).parent
PACKAGE_DIR = CASE_DIR.parents[1]
#: Sources dated on or after the MOU that must never reach the calibration.
POST_MOU_SOURCES = ("R1", "R3", "R4", "R5", "R7", "R21", "R39", "R41", "R44", "R45", "R60")
"""Sources dated on or after the MOU. R41 (CoreWeave's $22.4B total) is Reuters of 25 Sep 2025, and
R44 reports Nvidia's $100B investment of 22 Sep 2025: both were once misdated before the MOU."""
#: In compare.py, the functions allowed to read the settlement: comparisons and labelled fits.
SETTLEMENT_READERS = ("settlement", "settlement_position", "compare")
FIT_PREFIX = "fit_"


def _modules():
    return sorted(CASE_DIR.glob("*.py"))


def test_every_prediction_input_is_dated_before_the_mou_and_sourced():
    cal = calibration()
    for name, spec in cal.specs.items():
        assert spec.date < MOU_DATE, f"{name} is dated {spec.date}, on or after the MOU"
        if spec.source == ASSUMPTION:
            assert len(spec.note.split()) >= 5, f"{name}: an assumption needs written reasoning"
        else:
            assert spec.source in cal.sources, name
            assert cal.sources[spec.source].date < MOU_DATE, f"{name}: source {spec.source} is post-MOU"
    for sid, source in cal.sources.items():
        assert source.date < MOU_DATE, f"source {sid} dated {source.date}"
    assert not set(POST_MOU_SOURCES) & set(cal.sources)


def test_only_compare_mentions_the_settlement_file():
    for path in _modules():
        text = path.read_text()
        if path.name != "compare.py":
            assert "settlement.toml" not in text, path.name
            assert "SETTLEMENT_FILE" not in text, path.name


def test_prediction_modules_do_not_import_compare():
    for path in _modules():
        if path.name in ("compare.py", "__init__.py"):
            continue
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom):
                assert not (node.module or "").endswith("compare"), path.name
            if isinstance(node, ast.Import):
                assert not any(a.name.endswith("compare") for a in node.names), path.name


def test_in_compare_only_comparisons_and_fits_read_the_settlement():
    tree = ast.parse((CASE_DIR / "compare.py").read_text())
    for func in (n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)):
        names = {n.id for n in ast.walk(func) if isinstance(n, ast.Name)}
        if names & {"SETTLEMENT_FILE", "settlement"}:
            assert func.name in SETTLEMENT_READERS or func.name.startswith(FIT_PREFIX), func.name


def test_package_never_reads_the_shared_reference_folder():
    for path in PACKAGE_DIR.rglob("*"):
        if path.suffix in (".py", ".toml"):
            assert "/work/shared" not in path.read_text(), path


def test_building_and_payoffs_never_open_the_settlement(monkeypatch):
    real_open = builtins.open

    def guarded(file, *args, **kwargs):
        if str(file).endswith("settlement.toml"):
            raise AssertionError("a prediction opened settlement.toml")
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", guarded)
    calibration.cache_clear()
    p = calibration().central()
    payoffs.coefficient_table(p)
    payoffs.status_quo_payoffs(p)
    threats.threat_game(p)
    solve.problem(p)
    with pytest.raises(AssertionError, match="settlement"):
        case.settlement()
