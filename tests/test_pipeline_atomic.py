"""All-or-nothing outputs: an exception mid-way leaves the previous results untouched."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_pipeline_toy import TOY, TOY_FAST, toy_kind, tree_bytes, write_toy  # noqa: F401  (fixture)

from negotiation.pipeline import Experiment, load_config, run_experiment
from negotiation.pipeline.atomic import atomic_write_bytes, staged_directory


@pytest.mark.parametrize(("where", "kind"), [("run", TOY_FAST), ("figure", TOY)])
def test_failed_run_leaves_previous_results_intact(tmp_path: Path, toy_kind: Experiment, where: str, kind: str) -> None:
    path = write_toy(tmp_path, kind=kind)
    before = tree_bytes(run_experiment(load_config(path), tmp_path / "results", cwd=tmp_path).directory, frozenset())
    path.write_text(path.read_text().replace("scale = 2.0", f'scale = 2.0\nfail = "{where}"'))
    with pytest.raises(RuntimeError, match=f"toy failure in {where}"):
        run_experiment(load_config(path), tmp_path / "results", cwd=tmp_path)
    assert tree_bytes(tmp_path / "results" / "toy_one", frozenset()) == before
    assert sorted(p.name for p in (tmp_path / "results").iterdir()) == ["toy_one"]


def test_staged_directory_replaces_only_on_success(tmp_path: Path) -> None:
    final = tmp_path / "out"
    with staged_directory(final) as staging:
        (staging / "a.txt").write_text("first")
    with pytest.raises(KeyboardInterrupt), staged_directory(final) as staging:
        (staging / "a.txt").write_text("second")
        raise KeyboardInterrupt
    assert (final / "a.txt").read_text() == "first"
    with staged_directory(final) as staging:
        (staging / "b.txt").write_text("third")
    assert sorted(p.name for p in final.iterdir()) == ["b.txt"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_atomic_write_leaves_no_temporary_file(tmp_path: Path) -> None:
    target = tmp_path / "sub" / "x.bin"
    atomic_write_bytes(target, b"one")
    atomic_write_bytes(target, b"two")
    assert target.read_bytes() == b"two"
    assert [p.name for p in target.parent.iterdir()] == ["x.bin"]


def test_a_failed_run_leaves_no_empty_output_folder(tmp_path) -> None:
    from negotiation.pipeline.atomic import staged_directory

    out = tmp_path / "new" / "results"
    try:
        with staged_directory(out / "x"):
            raise RuntimeError("the run failed")
    except RuntimeError:
        pass
    assert not out.exists() and (tmp_path / "new").exists()  # only the folder the run itself made is removed
