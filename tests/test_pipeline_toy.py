"""A test-only experiment kind ("toy") and the fixtures other pipeline tests share; plus the
determinism tests: the same inputs give byte-identical result and figure files."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from negotiation.pipeline import (
    Experiment,
    FigureSpec,
    Param,
    Progress,
    Results,
    SavedResults,
    Table,
    load_config,
    register,
    run_experiment,
    unregister,
)
from negotiation.plots import new_figure, style_of

TOY = "toy"
TOY_FAST = "toy_fast"

TOY_TOML = """\
[experiment]
name = "{name}"
kind = "{kind}"
description = "Seeded normal draws, summarised."
seed = {seed}

[parameters]
draws = {draws}
scale = 2.0

[quick]
draws = 50
"""


def run_toy(parameters: Mapping[str, Any], rng: np.random.Generator, progress: Progress) -> Results:
    """Draw ``draws`` normals times ``scale``; summarise them (fails on request)."""
    if parameters["fail"] == "run":
        raise RuntimeError("toy failure in run")
    draws = rng.normal(scale=parameters["scale"], size=parameters["draws"])
    progress.update("draws", parameters["draws"], parameters["draws"])
    quantiles = np.quantile(draws, [0.1, 0.5, 0.9])
    table = Table(
        columns=("statistic", "value"),
        rows=(("mean", float(draws.mean())), ("std", float(draws.std()))),
        headers=("Statistic", "$x$"),
        formats=("s", ".3f"),
    )
    return Results(
        values={"mean": draws.mean(), "quantiles": quantiles, "n": parameters["draws"], "fail": parameters["fail"]},
        tables={"summary": table},
        macros={"Mean": f"{draws.mean():.3f}", "Draws": str(parameters["draws"])},
    )


def draw_quantiles(saved: SavedResults) -> Any:
    """Plot the saved quantiles (fails on request)."""
    if saved.values["fail"] == "figure":
        raise RuntimeError("toy failure in figure")
    fig, ax = new_figure()
    nash = style_of("nash")
    ax.plot([0.1, 0.5, 0.9], saved.values["quantiles"], marker=nash.marker, color=nash.color, label=nash.label)
    ax.set_xlabel("probability")
    ax.legend()
    return fig


TOY_EXPERIMENT = Experiment(
    kind=TOY,
    description="test-only: seeded normal draws",
    schema={
        "draws": Param(int, "number of draws", default=100, low=1, high=100_000),
        "scale": Param(float, "standard deviation", default=1.0, low=0.0),
        "fail": Param(str, "where to fail (tests)", default="never", choices=("never", "run", "figure")),
    },
    run=run_toy,
    figures=(FigureSpec("quantiles", draw_quantiles, "Quantiles of the toy draws."),),
)
TOY_FAST_EXPERIMENT = replace(TOY_EXPERIMENT, kind=TOY_FAST, figures=())
"""The toy without its figure: rendering takes most of a run's time."""


@pytest.fixture
def toy_kind() -> Iterator[Experiment]:
    """Register the toy kinds ("toy" and "toy_fast") for one test."""
    register(TOY_EXPERIMENT)
    register(TOY_FAST_EXPERIMENT)
    yield TOY_EXPERIMENT
    unregister(TOY)
    unregister(TOY_FAST)


def write_toy(root: Path, name: str = "toy_one", seed: int = 1, draws: int = 200, kind: str = TOY) -> Path:
    """Write ``experiments/<name>.toml`` under ``root``; return its path."""
    path = root / "experiments" / f"{name}.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(TOY_TOML.format(name=name, seed=seed, draws=draws, kind=kind), encoding="utf-8")
    return path


def tree_bytes(directory: Path, skip: frozenset[str] = frozenset({"run.json"})) -> dict[str, bytes]:
    """Every file under ``directory`` (relative path -> bytes), except ``skip`` names."""
    return {
        p.relative_to(directory).as_posix(): p.read_bytes()
        for p in sorted(directory.rglob("*"))
        if p.is_file() and p.name not in skip
    }


def test_run_writes_every_output_and_provenance(tmp_path: Path, toy_kind: Experiment) -> None:
    config = load_config(write_toy(tmp_path))
    summary = run_experiment(config, tmp_path / "results", cwd=tmp_path)
    files = set(tree_bytes(summary.directory, frozenset()))
    assert files == {
        "results.json",
        "macros.tex",
        "stamp.json",
        "provenance.json",
        "run.json",
        "tables/summary.csv",
        "tables/summary.tex",
        "figures/quantiles.pdf",
        "figures/quantiles.png",
    }
    macros = (summary.directory / "macros.tex").read_text()
    assert "\\newcommand{\\ToyOneMean}" in macros and "\\newcommand{\\ToyOneDraws}{200}" in macros
    table = (summary.directory / "tables/summary.tex").read_text()
    assert "\\toprule" in table and "\\midrule" in table and "\\bottomrule" in table
    record = json.loads((summary.directory / "provenance.json").read_text())
    assert set(record["versions"]) == {"python", "numpy", "scipy", "nashpy", "matplotlib"}
    assert set(record["hashes"]) == {"config", "calibration_data", "package_source", "inputs"}
    assert record["seed"] == 1 and record["quick"] is False
    assert set(record["git_inputs"]) == {"commit", "dirty"}
    assert "wall_time_seconds" not in record and "platform" not in record  # they change per run: run.json
    run = json.loads((summary.directory / "run.json").read_text())
    assert run["wall_time_seconds"] >= 0 and set(run["git"]) == {"commit", "dirty"} and run["platform"]


def test_same_inputs_give_identical_bytes(tmp_path: Path, toy_kind: Experiment) -> None:
    config = load_config(write_toy(tmp_path))
    first = tree_bytes(run_experiment(config, tmp_path / "a", cwd=tmp_path).directory)
    second = tree_bytes(run_experiment(config, tmp_path / "b", cwd=tmp_path).directory)
    assert first.keys() == second.keys()
    assert first == second


def test_another_seed_gives_other_numbers(tmp_path: Path, toy_kind: Experiment) -> None:
    config = load_config(write_toy(tmp_path, kind=TOY_FAST))
    a = run_experiment(config, tmp_path / "a", cwd=tmp_path).directory
    b = run_experiment(config.with_seed(2), tmp_path / "b", cwd=tmp_path).directory
    assert (a / "results.json").read_bytes() != (b / "results.json").read_bytes()
