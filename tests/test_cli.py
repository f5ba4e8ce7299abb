"""The ``negotiation`` command line: help, list, run, reproduce, check, and error messages."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from test_pipeline_toy import TOY_FAST, toy_kind, write_toy  # noqa: F401  (fixture)

from negotiation.cli import main
from negotiation.pipeline import Experiment


@pytest.mark.parametrize("argv", [["--help"], ["list", "--help"], ["run", "--help"], ["reproduce", "--help"]])
def test_help_everywhere(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(argv)
    assert info.value.code == 0
    assert "usage: negotiation" in capsys.readouterr().out


def test_reproduce_help_states_the_tolerance(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["reproduce", "--help"])
    out = " ".join(capsys.readouterr().out.split())
    assert "rtol=1e-06" in out and "atol=1e-09" in out


def test_python_dash_m_works() -> None:
    done = subprocess.run([sys.executable, "-m", "negotiation", "--help"], capture_output=True, text=True, check=False)
    assert done.returncode == 0 and "reproduce" in done.stdout


def test_list_shows_one_line_per_experiment(tmp_path: Path, toy_kind: Experiment, capsys: pytest.CaptureFixture[str]) -> None:
    write_toy(tmp_path, "alpha")
    write_toy(tmp_path, "beta")
    assert main(["list", "--root", str(tmp_path)]) == 0
    header, *lines = capsys.readouterr().out.splitlines()
    assert header.split()[:2] == ["EXPERIMENT", "(KIND"] and "ROLE" in header and header.rstrip().endswith("DESCRIPTION")
    assert [line.split()[0] for line in lines] == ["alpha", "beta"]
    assert "Seeded normal draws, summarised." in lines[0]
    assert lines[0].split()[1].startswith("(") and lines[0].split()[2] == "prediction"  # kind differs from the name


def test_list_names_a_kind_only_when_it_differs_from_the_name(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["list", "--root", str(Path(__file__).resolve().parents[1])]) == 0
    rows = {line.split()[0]: line.split() for line in capsys.readouterr().out.splitlines()[1:]}
    assert rows["baseline"][1] == "prediction" and rows["bargaining_power"][1] == "fit"


def test_run_with_seed_and_out(tmp_path: Path, toy_kind: Experiment, capsys: pytest.CaptureFixture[str]) -> None:
    path = write_toy(tmp_path, kind=TOY_FAST)
    assert main(["run", str(path), "--seed", "9", "--out", str(tmp_path / "elsewhere"), "--root", str(tmp_path)]) == 0
    captured = capsys.readouterr()
    assert captured.out.strip() == str(tmp_path / "elsewhere" / "toy_one")
    assert "toy_one: running" in captured.err
    record = json.loads((tmp_path / "elsewhere" / "toy_one" / "provenance.json").read_text())
    assert record["seed"] == 9


def test_quiet_prints_no_progress(tmp_path: Path, toy_kind: Experiment, capsys: pytest.CaptureFixture[str]) -> None:
    path = write_toy(tmp_path, kind=TOY_FAST)
    assert main(["run", str(path), "--quiet", "--out", str(tmp_path / "r")]) == 0
    assert capsys.readouterr().err == ""


def test_bad_path_is_one_clear_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", str(tmp_path / "missing.toml")]) == 2
    err = capsys.readouterr().err
    assert err == f"negotiation: error: {tmp_path / 'missing.toml'}: no such experiment file\n"


def test_bad_config_is_one_clear_line(tmp_path: Path, toy_kind: Experiment, capsys: pytest.CaptureFixture[str]) -> None:
    path = write_toy(tmp_path)
    path.write_text(path.read_text().replace("draws = 200", "draws = -3"))
    assert main(["run", str(path)]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert err.strip() == f"negotiation: error: {path} [parameters] draws: -3 is below the minimum 1"


def test_reproduce_then_check(tmp_path: Path, toy_kind: Experiment, capsys: pytest.CaptureFixture[str]) -> None:
    write_toy(tmp_path, kind=TOY_FAST)
    root = ["--root", str(tmp_path)]
    assert main(["reproduce", "--no-paper", *root]) == 0
    assert "inputs changed, running" in capsys.readouterr().err
    assert main(["reproduce", "--no-paper", *root]) == 0
    assert "up to date, skipped" in capsys.readouterr().err
    assert main(["reproduce", "--check", *root]) == 0
    assert "check passed" in capsys.readouterr().err
    results = tmp_path / "results" / "toy_one" / "results.json"
    results.write_text(results.read_text().replace('"n": 200', '"n": 201'))
    assert main(["reproduce", "--check", *root]) == 1
    captured = capsys.readouterr()
    assert captured.out == "results/toy_one/results.json: n: committed 201 vs new 200\n"
    assert "check FAILED: 1 difference(s)" in captured.err
