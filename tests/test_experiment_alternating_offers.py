"""The ``alternating_offers`` experiment in quick mode: SPE, BRW convergence, deadline, proposer."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from negotiation.cases.microsoft_openai import calibration
from negotiation.cases.microsoft_openai.batch import predict_batch
from negotiation.pipeline import load_config, run_experiment

CONFIG = Path(__file__).parents[1] / "experiments" / "alternating_offers.toml"


@pytest.fixture(scope="module")
def values(tmp_path_factory: pytest.TempPathFactory) -> dict:
    out = tmp_path_factory.mktemp("alternating_offers")
    summary = run_experiment(load_config(CONFIG), out, quick=True)
    for label in ("convergence", "agreements"):
        assert (summary.directory / "figures" / f"{label}.png").is_file()
    return json.loads((summary.directory / "results.json").read_text())


def test_microsoft_first_matches_the_case_batch_prediction(values: dict) -> None:
    expected = predict_batch("rubinstein", calibration().central())
    np.testing.assert_allclose(values["spe"]["microsoft"]["utilities"], expected.utilities[0], rtol=1e-9)


def test_spe_converges_to_asymmetric_nash_as_the_interval_shrinks(values: dict) -> None:
    for proposer in ("microsoft", "openai"):
        distance = np.array(values["convergence"][proposer]["distance"])
        assert np.all(np.diff(distance) > 0)  # intervals are increasing
        assert distance[0] < 1e-2


def test_proposing_first_helps_and_the_deadline_hurts_openai(values: dict) -> None:
    first, second = values["spe"]["microsoft"]["utilities"], values["spe"]["openai"]["utilities"]
    assert first[0] > second[0] and first[1] < second[1]
    deadline = values["deadline"]
    assert deadline["no_deadline"]["financing_at_risk"] == 0.0 < deadline["central"]["financing_at_risk"]
    assert deadline["no_deadline"]["utilities"][1] > deadline["central"]["utilities"][1]


def test_intervals_are_ordered(values: dict) -> None:
    interval = values["spe_interval_over_draws"]
    for side in ("microsoft", "openai"):
        assert interval["utilities"][side]["low"] <= interval["utilities"][side]["high"]
    assert interval["equity"]["low"] <= interval["equity"]["high"]
