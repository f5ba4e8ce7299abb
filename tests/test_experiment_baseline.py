"""The ``baseline`` experiment in quick mode: outputs, comparison labels, ordered intervals."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from negotiation.cases.microsoft_openai import CONCEPTS
from negotiation.pipeline import load_config, run_experiment

CONFIG = Path(__file__).resolve().parents[1] / "experiments" / "baseline.toml"


@pytest.fixture(scope="module")
def out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return run_experiment(load_config(CONFIG), tmp_path_factory.mktemp("results"), quick=True).directory


def test_every_output_is_written(out: Path) -> None:
    for name in ("results.json", "macros.tex", "tables/terms.tex", "tables/scores.csv", "tables/intervals.csv",
                 "figures/frontier.pdf", "figures/transfer-curves.png", "tables/sets.csv",
                 "tables/well_posed.csv"):
        assert (out / name).is_file(), name


def test_concepts_scored_and_beats_consistent(out: Path) -> None:
    values = json.loads((out / "results.json").read_text())
    for baseline, winners in values["beats"].items():
        threshold = values["baselines"][baseline]["score"]
        assert winners == [c for c in CONCEPTS if values["predictions"][c]["score"] < threshold]
    for c in CONCEPTS:
        record = values["predictions"][c]
        assert 0.0 <= record["score"] <= 1.0
        assert all(math.isfinite(u) for u in record["utilities"])


def test_intervals_ordered_and_central_comparison_labelled(out: Path) -> None:
    values = json.loads((out / "results.json").read_text())
    for c in CONCEPTS:
        for term in ("equity", "revenue_share", "score"):
            lo, mid, hi = values["intervals"][c][term]
            assert lo <= mid <= hi
    settlement = values["settlement_comparison"]
    assert settlement["distance"] >= 0
    assert settlement["individually_rational"]["openai"] is False  # known at central values
    assert "settlement_comparison" in values and "settlement" not in values["predictions"]
