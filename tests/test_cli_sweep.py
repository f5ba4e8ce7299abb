"""`negotiation sweep`: deterministic output, Ctrl-C keeps finished chunks, --resume finishes them."""

from pathlib import Path

import numpy as np
import pytest

from negotiation.cases.microsoft_openai import monte_carlo
from negotiation.cli import EXIT_ERROR, EXIT_INTERRUPTED, EXIT_OK, main

ARGS = ["sweep", "--draws", "120", "--chunk", "30", "--concepts", "nash,utilitarian", "--quiet"]


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

    def interrupted(parameters, concepts):
        calls.append(1)
        if len(calls) == 3:
            raise KeyboardInterrupt
        return original(parameters, concepts)

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
    assert main(["sweep", "--out", str(tmp_path), "--draws", "10", *extra]) == EXIT_ERROR
    assert word in capsys.readouterr().err


def test_resume_refuses_other_arguments(tmp_path, capsys):
    assert run(tmp_path) == EXIT_OK
    assert main(["sweep", "--draws", "60", "--chunk", "30", "--concepts", "nash", "--out", str(tmp_path), "--resume"]) == EXIT_ERROR
    assert "same arguments" in capsys.readouterr().err
