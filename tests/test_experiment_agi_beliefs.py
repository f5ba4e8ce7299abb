"""The ``agi_beliefs`` experiment in quick mode: the premia follow theory.md §6 and the case's valuation."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from negotiation.pipeline import load_config, run_experiment

CONFIG = Path(__file__).parents[1] / "experiments" / "agi_beliefs.toml"


@pytest.fixture(scope="module")
def values(tmp_path_factory: pytest.TempPathFactory) -> dict:
    out = tmp_path_factory.mktemp("agi_beliefs")
    summary = run_experiment(load_config(CONFIG), out, quick=True)
    assert (summary.directory / "figures" / "values.png").is_file()
    assert (summary.directory / "tables" / "premia.tex").is_file()
    return json.loads((summary.directory / "results.json").read_text())


def test_no_gain_without_a_belief_gap_and_gain_grows_with_it(values: dict) -> None:
    for trigger in ("panel", "board"):
        joint = np.array(values["curves"][trigger]["central"]["joint"])
        assert joint[0] == pytest.approx(0.0, abs=1e-12)
        assert np.all(np.diff(joint) > 0)
        microsoft = np.array(values["curves"][trigger]["central"]["microsoft"])
        assert np.allclose(microsoft, microsoft[0])  # Microsoft's belief (the common prior) is held fixed


def test_board_trigger_destroys_part_of_the_joint_gain(values: dict) -> None:
    panel = np.array(values["curves"]["panel"]["central"]["joint"][1:])
    board = np.array(values["curves"]["board"]["central"]["joint"][1:])
    assert np.all(board < panel)


def test_bands_are_ordered_and_finite(values: dict) -> None:
    for trigger in ("panel", "board"):
        for party, b in values["curves"][trigger]["band"].items():
            low, high = np.array(b["low"]), np.array(b["high"])
            assert np.all(np.isfinite(low)) and np.all(low <= high + 1e-12), party


def test_the_model_itself_is_the_common_prior_at_gap_zero(values: dict) -> None:
    assert values["gaps"][0] == 0.0 and values["reference"][0]["gap"] == 0.0
    assert values["reference"][0]["panel"]["joint"] == pytest.approx(0.0, abs=1e-12)
