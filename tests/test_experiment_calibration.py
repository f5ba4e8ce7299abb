"""The calibration experiment prints every input from the data file, all dated before the MOU."""

import json
from pathlib import Path

from negotiation.cases.microsoft_openai.parameters import calibration
from negotiation.pipeline import load_config, run_experiment

CONFIG = Path(__file__).resolve().parents[1] / "experiments" / "calibration.toml"


def test_tables_hold_every_parameter_dated_before_the_mou(tmp_path):
    run_experiment(load_config(CONFIG), tmp_path, cwd=tmp_path)
    values = json.loads((tmp_path / "calibration" / "results.json").read_text())
    assert set(values["parameters"]) == set(calibration().specs)
    assert values["latest_date"] < values["mou_date"] == "2025-09-11"
    table = (tmp_path / "calibration" / "tables" / "parameters.csv").read_text().splitlines()
    assert len(table) == 1 + len(calibration().specs)
