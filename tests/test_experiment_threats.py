"""The ``threats`` experiment in quick mode: outputs, invariants, agreement with predict_batch."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from negotiation.cases.microsoft_openai import calibration
from negotiation.cases.microsoft_openai.batch import predict_batch
from negotiation.pipeline import load_config, run_experiment

CONFIG = Path(__file__).parents[1] / "experiments" / "threats.toml"


@pytest.fixture(scope="module")
def values(tmp_path_factory: pytest.TempPathFactory) -> dict:
    out = tmp_path_factory.mktemp("threats")
    summary = run_experiment(load_config(CONFIG), out, quick=True)
    assert (summary.directory / "figures" / "game.png").is_file()
    for table in ("matrix", "outcomes", "intervals", "contracts"):
        assert (summary.directory / "tables" / f"{table}.tex").is_file()
    return json.loads((summary.directory / "results.json").read_text())


def test_baseline_matches_the_case_batch_prediction(values: dict) -> None:
    expected = predict_batch("variable_threat", calibration().central())
    np.testing.assert_allclose(values["scenarios"]["baseline"]["utilities"], expected.utilities[0], rtol=1e-9)
    np.testing.assert_allclose(values["scenarios"]["baseline"]["threat_point"], expected.details["threat_point"][0],
                               rtol=1e-9)


def test_threats_are_mixed_strategies_over_the_remaining_actions(values: dict) -> None:
    for name, outcome in values["scenarios"].items():
        for side in ("microsoft", "openai"):
            probabilities = np.array(list(outcome["threats"][side].values()))
            assert np.all(probabilities >= -1e-12) and probabilities.sum() == pytest.approx(1.0)
        dropped = outcome["dropped_action"]
        assert dropped is None or dropped not in outcome["threats"]["openai"]


def test_agreements_improve_on_threat_points_and_intervals_are_ordered(values: dict) -> None:
    for outcome in values["scenarios"].values():
        assert np.all(np.array(outcome["utilities"]) > np.array(outcome["threat_point"]))
        for group in ("utilities", "change", "threat_point"):
            for side in ("microsoft", "openai"):
                interval = outcome["interval"][group][side]
                assert np.isfinite(interval["low"]) and interval["low"] <= interval["high"]
    assert values["scenarios"]["baseline"]["change"] == [0.0, 0.0]


def test_settlement_is_labelled_as_a_comparison(values: dict) -> None:
    assert "settlement" not in {k for k in values if not k.startswith("comparison_")}
    assert len(values["comparison_settlement_utilities"]) == 2
