"""The ``counterfactuals`` experiment in quick mode: every position present, comparison contracts labelled."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from negotiation.cases.microsoft_openai import CONCEPTS
from negotiation.cases.microsoft_openai.experiments.counterfactuals import CONTRACTS
from negotiation.pipeline import load_config, run_experiment

CONFIG = Path(__file__).resolve().parents[1] / "experiments" / "counterfactuals.toml"


@pytest.fixture(scope="module")
def out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return run_experiment(load_config(CONFIG), tmp_path_factory.mktemp("results"), quick=True).directory


def test_every_contract_located(out: Path) -> None:
    values = json.loads((out / "results.json").read_text())
    assert set(values["contracts"]) == set(CONTRACTS)
    for name, record in values["contracts"].items():
        assert all(math.isfinite(u) for u in record["utilities"])
        assert record["joint_shortfall"] >= -1e-9  # no contract beats the frontier's joint value
        assert set(record["distance_to_concepts"]) == set(CONCEPTS)
        assert 0.0 <= record["rational_share"]["both"] <= min(record["rational_share"]["microsoft"],
                                                               record["rational_share"]["openai"])
        rational = all(record["individually_rational"].values())
        assert (record["radial_factor"] is not None) == rational


def test_comparison_contracts_labelled(out: Path) -> None:
    values = json.loads((out / "results.json").read_text())
    reads_settlement = {n for n, r in values["contracts"].items() if r["comparison"]}
    assert reads_settlement == {"settlement", "settlement_keeps_rofr"}
    keeps = values["contracts"]["settlement_keeps_rofr"]["contract"]
    assert keeps["compute_rofr"] is True
    macros = (out / "macros.tex").read_text()
    assert "\\CounterfactualsSettlementKeepsRofrComparisonUM" in macros
    assert "\\CounterfactualsSettlementUM" not in macros
