"""`negotiation sweep`: deterministic output, Ctrl-C keeps finished chunks, --resume finishes them."""

from pathlib import Path

import numpy as np
import pytest

from negotiation.kit import monte_carlo
from negotiation.cli import EXIT_ERROR, EXIT_INTERRUPTED, EXIT_OK, main

ARGS = ["sweep", "--case", "negotiation.cases.microsoft_openai", "--draws", "120", "--chunk", "30", "--concepts", "nash,utilitarian", "--quiet"]


def run(out: Path, *extra: str) -> int:
    return main([*ARGS, "--out", str(out), *extra])


def test_same_arguments_give_the_same_bytes(tmp_path):
    assert run(tmp_path / "a") == EXIT_OK and run(tmp_path / "b") == EXIT_OK
    assert (tmp_path / "a" / "draws.npz").read_bytes() == (tmp_path / "b" / "draws.npz").read_bytes()
    with np.load(tmp_path / "a" / "draws.npz") as saved:
        assert saved["nash.equity"].shape == (120,) and saved["feasible"].all()


def test_interrupted_sweep_keeps_chunks_and_resume_finishes_it(tmp_path, monkeypatch, capsys):
    assert run(tmp_path / "full") == EXIT_OK
    original, calls = monte_carlo.evaluate, []

    def interrupted(case, parameters, concepts):
        calls.append(1)
        if len(calls) == 3:
            raise KeyboardInterrupt
        return original(case, parameters, concepts)

    interrupted.__module__, interrupted.__qualname__ = original.__module__, original.__qualname__  # same sweep identity
    monkeypatch.setattr(monte_carlo, "evaluate", interrupted)
    assert run(tmp_path / "cut") == EXIT_INTERRUPTED
    assert "--resume" in capsys.readouterr().err
    assert len(list((tmp_path / "cut" / "checkpoints").glob("chunk-*.npz"))) == 2
    monkeypatch.setattr(monte_carlo, "evaluate", original)
    assert run(tmp_path / "cut", "--resume") == EXIT_OK
    assert (tmp_path / "cut" / "draws.npz").read_bytes() == (tmp_path / "full" / "draws.npz").read_bytes()


@pytest.mark.parametrize("extra, word", [(["--concepts", "nash,bogus"], "--concepts"), (["--draws", "0"], "--draws")])
def test_bad_arguments_are_named(tmp_path, capsys, extra, word):
    assert main(["sweep", "--case", "negotiation.cases.microsoft_openai", "--out", str(tmp_path), "--draws", "10", *extra]) == EXIT_ERROR
    assert word in capsys.readouterr().err


def test_resume_refuses_other_arguments(tmp_path, capsys):
    assert run(tmp_path) == EXIT_OK
    assert main(["sweep", "--case", "negotiation.cases.microsoft_openai", "--draws", "60", "--chunk", "30", "--concepts", "nash", "--out", str(tmp_path), "--resume"]) == EXIT_ERROR
    assert "same arguments" in capsys.readouterr().err


def test_summary_reports_frequencies_per_option_and_draws_keep_the_code_map(tmp_path):
    import json

    assert run(tmp_path) == EXIT_OK
    summary = json.loads((tmp_path / "summary.json").read_text())
    rofr = summary["outputs"]["nash.compute_rofr"]
    assert "mean" not in rofr and set(rofr["frequencies"]) <= {"True", "False"}
    assert sum(rofr["counts"].values()) == rofr["n_feasible"] == 120
    assert abs(sum(rofr["frequencies"].values()) - 1.0) < 1e-12
    assert summary["codes"]["api_exclusivity"] == {"-1": "none (no agreement)", "0": "none", "1": "2030", "2": "agi"}
    assert "mean" in summary["outputs"]["nash.revenue_share"]
    with np.load(tmp_path / "draws.npz") as saved:
        assert list(saved["codes.compute_rofr"]) == ["True", "False"]
        assert list(saved["codes.api_exclusivity"]) == ["none", "2030", "agi"]


def test_rerun_without_resume_says_resume_on_the_command_line(tmp_path, capsys):
    assert run(tmp_path) == EXIT_OK
    capsys.readouterr()
    assert run(tmp_path) == EXIT_ERROR
    err = capsys.readouterr().err
    assert "--resume" in err and "resume=True" not in err and err.count("\n") == 1


def test_unreachable_scheduler_is_one_line_naming_the_address(tmp_path, capsys):
    pytest.importorskip("dask.distributed")
    assert run(tmp_path, "--scheduler", "tcp://127.0.0.1:9") == EXIT_ERROR
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "could not reach a Dask scheduler at tcp://127.0.0.1:9" in err
