"""Experiment ``sensitivity``: the quick run through the pipeline, and its invariants."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from negotiation.cases.microsoft_openai import CONCEPTS
from negotiation.cases.microsoft_openai.compare import CONTINUOUS_RANGES
from negotiation.cases.microsoft_openai.payoffs import DISCRETE_OPTIONS
from negotiation.cases.microsoft_openai.experiments.sensitivity import MemoModel
from negotiation.pipeline import SilentProgress, load_config, run_experiment
from negotiation.sensitivity import Range, sobol_convergence

CONFIG = Path(__file__).resolve().parents[1] / "experiments" / "sensitivity.toml"
FIGURES = ("continuous-terms", "discrete-terms", "tornado", "sobol")
TABLES = ("distributions", "discrete_match", "discrete_frequencies", "feasibility", "tornado", "sobol",
          "sobol_convergence")
SHARE_TOL = 1e-9


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The quick run, once for the module."""
    out = tmp_path_factory.mktemp("results")
    return run_experiment(load_config(CONFIG), out, quick=True).directory


@pytest.fixture(scope="module")
def values(run_dir: Path) -> dict[str, Any]:
    return json.loads((run_dir / "results.json").read_text())


def test_every_output_is_written(run_dir: Path) -> None:
    for label in FIGURES:
        assert (run_dir / "figures" / f"{label}.pdf").is_file() and (run_dir / "figures" / f"{label}.png").is_file()
    for table in TABLES:
        assert (run_dir / "tables" / f"{table}.csv").is_file() and (run_dir / "tables" / f"{table}.tex").is_file()


def test_every_concept_is_a_distribution_with_ordered_quantiles(values: dict[str, Any]) -> None:
    config = load_config(CONFIG).quick_parameters
    dists = values["monte_carlo"]["distributions"]
    assert values["concepts"] == list(CONCEPTS) and set(dists) == set(CONCEPTS)
    for concept, dist in dists.items():
        expected = config["slow_draws"] if concept in config["slow_concepts"] else config["draws"]
        assert dist["n"] == expected and dist["n_feasible"] + dist["n_infeasible"] == dist["n"]
        assert len(dist["infeasible_examples"]) == min(dist["n_infeasible"], config["listed_infeasible"])
        for term, (lo, hi) in CONTINUOUS_RANGES.items():
            s = dist["continuous"][term]
            q = [s[k] for k in ("q5", "q25", "q50", "q75", "q95")]
            assert lo - SHARE_TOL <= q[0] and q[-1] <= hi + SHARE_TOL and q == sorted(q)
            assert lo - SHARE_TOL <= s["mean"] <= hi + SHARE_TOL
        for term, levels in DISCRETE_OPTIONS.items():
            shares = [e["share"] for e in dist["discrete"][term]]
            assert [e["value"] for e in dist["discrete"][term]] == [str(v) for v in levels]
            assert sum(shares) == pytest.approx(1.0) and min(shares) >= 0


def test_comparison_is_labelled_everywhere(values: dict[str, Any], run_dir: Path) -> None:
    assert values["comparison"]["label"].startswith("COMPARISON")
    assert "comparison" not in json.dumps(values["monte_carlo"]).lower()  # predictions never see the settlement
    for concept, terms in values["comparison"]["terms"].items():
        assert set(terms) == {*CONTINUOUS_RANGES, *DISCRETE_OPTIONS}
        assert all(0 <= t["share_matching"] <= 1 for t in terms.values())
    for table in ("distributions", "discrete_match"):
        header = (run_dir / "tables" / f"{table}.tex").read_text()
        assert "(comparison)" in header
    macros = (run_dir / "macros.tex").read_text()
    assert "\\newcommand{\\SensitivityNashEquitySettlementMatch}" in macros


def test_sobol_and_tornado_cover_every_varied_parameter(values: dict[str, Any]) -> None:
    config = load_config(CONFIG).quick_parameters
    studies = values["sobol"]["convergence"]
    sizes = [s["n"] for s in studies]
    assert sizes == [config["sobol_base"] * 2**k for k in range(config["sobol_doublings"] + 1)]
    varied = set(values["tornado"]["ranges"])
    assert not varied & set(values["sobol"]["fixed_parameters"])
    outputs = [f"{c}.{t}" for c in config["sobol_concepts"] for t in CONTINUOUS_RANGES]
    for study in studies:
        assert study["output_order"] == outputs
        for entry in study["outputs"].values():
            assert set(entry["parameters"]) == varied
            if entry["constant"]:
                assert all(e["total_order"] == 0 for e in entry["parameters"].values())
    for output in outputs:
        entry = values["tornado"]["outputs"][output]
        assert set(entry["parameters"]) == varied
        swings = [abs(entry["parameters"][p]["swing"]) for p in entry["ranking"]]
        assert swings == sorted(swings, reverse=True)


def test_memo_model_solves_only_the_largest_nested_design() -> None:
    calls: list[int] = []

    def model(x: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        calls.append(len(x["a"]))
        return {"y": x["a"] + 2 * x["b"] ** 2}

    ranges = {"a": Range(0.0, 0.5, 1.0), "b": Range(0.0, 0.5, 1.0)}
    memo = MemoModel(model, SilentProgress(), "test")
    studies = sobol_convergence(memo, ranges, 8, 2, seed=1, bootstrap=False)
    assert sum(calls) == 32 * (len(ranges) + 2)
    assert [s.n for s in studies] == [8, 16, 32]
    direct = sobol_convergence(model, ranges, 8, 2, seed=1, bootstrap=False)
    for a, b in zip(studies, direct):
        np.testing.assert_array_equal(a.total_order, b.total_order)
