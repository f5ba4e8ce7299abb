"""``reproduce``: caching by input hash, --force, and ``--check`` with a readable diff."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from test_pipeline_toy import TOY_FAST, toy_kind, write_toy  # noqa: F401  (fixture)

from negotiation.pipeline import Experiment, Layout, check, reproduce
from negotiation.pipeline.compare import compare_directories
from negotiation.pipeline.progress import SilentProgress
from negotiation.pipeline.reproduction import run_all


def test_second_run_skips_and_changes_rerun(tmp_path: Path, toy_kind: Experiment) -> None:
    path = write_toy(tmp_path, "alpha", kind=TOY_FAST)
    write_toy(tmp_path, "beta", seed=2, kind=TOY_FAST)
    layout = Layout(tmp_path)
    assert reproduce(layout, paper=False).ran == ("alpha", "beta")
    second = reproduce(layout, paper=False)
    assert second.ran == () and second.skipped == ("alpha", "beta")
    path.write_text(path.read_text().replace("draws = 200", "draws = 300"))
    assert reproduce(layout, paper=False).ran == ("alpha",)
    assert reproduce(layout, paper=False, force=True).ran == ("alpha", "beta")


def test_missing_results_are_rerun(tmp_path: Path, toy_kind: Experiment) -> None:
    write_toy(tmp_path, kind=TOY_FAST)
    layout = Layout(tmp_path)
    reproduce(layout, paper=False)
    (tmp_path / "results" / "toy_one" / "results.json").unlink()
    assert reproduce(layout, paper=False).ran == ("toy_one",)


def test_quick_uses_its_own_parameters_and_folder(tmp_path: Path, toy_kind: Experiment) -> None:
    write_toy(tmp_path, kind=TOY_FAST)
    reproduce(Layout(tmp_path), quick=True)
    values = json.loads((tmp_path / "results-quick" / "toy_one" / "results.json").read_text())
    assert values["n"] == 50
    assert not (tmp_path / "results").exists()
    assert check(Layout(tmp_path), quick=True) == []


def test_check_passes_on_unchanged_results(tmp_path: Path, toy_kind: Experiment) -> None:
    write_toy(tmp_path, kind=TOY_FAST)
    reproduce(Layout(tmp_path), paper=False)
    assert check(Layout(tmp_path)) == []


def test_check_reports_an_altered_number(tmp_path: Path, toy_kind: Experiment) -> None:
    write_toy(tmp_path, kind=TOY_FAST)
    reproduce(Layout(tmp_path), paper=False)
    results = tmp_path / "results" / "toy_one" / "results.json"
    values = json.loads(results.read_text())
    values["quantiles"][1] += 1e-3
    results.write_text(json.dumps(values, sort_keys=True, indent=2))
    differences = check(Layout(tmp_path))
    assert len(differences) == 1
    text = str(differences[0])
    assert text.startswith("results/toy_one/results.json: quantiles[1]: committed ")
    assert " vs new " in text


def _write(directory: Path, name: str, text: str) -> None:
    (directory / name).parent.mkdir(parents=True, exist_ok=True)
    (directory / name).write_text(text)


@pytest.mark.parametrize(
    ("name", "committed", "new", "differs"),
    [
        ("r.json", '{"a": 1.0}', '{"a": 1.0000000001}', False),
        ("r.json", '{"a": 1.0}', '{"a": 1.001}', True),
        ("r.json", '{"a": 0.0}', '{"a": 1e-10}', False),
        ("r.json", '{"a": "x"}', '{"a": "y"}', True),
        ("r.json", '{"a": [1, 2]}', '{"a": [1]}', True),
        ("t.csv", "k,v\nmean,1.0\n", "k,v\nmean,1.0000000001\n", False),
        ("t.csv", "k,v\nmean,1.0\n", "k,v\nmean,1.1\n", True),
        ("m.tex", "\\newcommand{\\A}{0.123}\n", "\\newcommand{\\A}{0.124}\n", False),
        ("m.tex", "\\newcommand{\\A}{0.123}\n", "\\newcommand{\\A}{0.125}\n", True),
        ("m.tex", "\\newcommand{\\A}{0.123}\n", "\\newcommand{\\B}{0.123}\n", True),
        ("f.png", "one", "two", False),
    ],
)
def test_compare_tolerances(tmp_path: Path, name: str, committed: str, new: str, differs: bool) -> None:
    _write(tmp_path / "a", name, committed)
    _write(tmp_path / "b", name, new)
    assert bool(compare_directories(tmp_path / "a", tmp_path / "b")) is differs


def test_compare_reports_missing_and_extra_files(tmp_path: Path) -> None:
    _write(tmp_path / "a", "old.json", "{}")
    _write(tmp_path / "b", "new.json", "{}")
    text = [str(d) for d in compare_directories(tmp_path / "a", tmp_path / "b", label="results/x")]
    assert text == [
        "results/x/old.json: (file): committed present vs new (missing)",
        "results/x/new.json: (file): committed (missing) vs new present",
    ]



def test_parallel_jobs_write_the_same_files_as_one_job(tmp_path: Path) -> None:
    # built-in kinds, so that worker processes find them whatever the start method
    root = Path(__file__).parents[1] / "experiments"
    for name in ("calibration", "agi_beliefs"):
        for where in ("one", "two"):
            (tmp_path / where / "experiments").mkdir(parents=True, exist_ok=True)
            (tmp_path / where / "experiments" / f"{name}.toml").write_text((root / f"{name}.toml").read_text())
    one = reproduce(Layout(tmp_path / "one"), quick=True, jobs=1)
    two = reproduce(Layout(tmp_path / "two"), quick=True, jobs=2)
    assert one.ran == two.ran == ("agi_beliefs", "calibration")
    for name in one.ran:
        assert compare_directories(tmp_path / "one" / "results-quick" / name, tmp_path / "two" / "results-quick" / name,
                                   label=name, rtol=0.0, atol=0.0) == []
    assert check(Layout(tmp_path / "two"), quick=True, jobs=2) == []


def test_jobs_must_be_positive(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="jobs must be >= 1"):
        run_all([], tmp_path, quick=True, jobs=0, progress=SilentProgress(), cwd=tmp_path)
