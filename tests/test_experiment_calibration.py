"""The calibration experiment prints every input from the data file, all dated before the MOU."""

import json
import math
from pathlib import Path

from negotiation.cases.microsoft_openai.parameters import calibration
from negotiation.cases.microsoft_openai.payoffs import COMBOS, DISCRETE_OPTIONS
from negotiation.pipeline import load_config, run_experiment

CONFIG = Path(__file__).resolve().parents[1] / "experiments" / "calibration.toml"


def test_tables_hold_every_parameter_dated_before_the_mou(tmp_path):
    run_experiment(load_config(CONFIG), tmp_path, cwd=tmp_path)
    values = json.loads((tmp_path / "calibration" / "results.json").read_text())
    assert set(values["parameters"]) == set(calibration().specs)
    assert values["latest_date"] < values["mou_date"] == "2025-09-11"
    table = (tmp_path / "calibration" / "tables" / "parameters.csv").read_text().splitlines()
    assert len(table) == 1 + len(calibration().specs)


def test_contract_space_macros_count_the_combinations(tmp_path):
    """The paper's contract space (bounds, IP years, number of combinations) comes from the case's constants."""
    run_experiment(load_config(CONFIG), tmp_path, cwd=tmp_path)
    tex = (tmp_path / "calibration" / "macros.tex").read_text()
    factors = [len(v) for v in DISCRETE_OPTIONS.values()]
    assert len(COMBOS) == math.prod(factors)
    assert rf"\newcommand{{\CalibrationCombinations}}{{{len(COMBOS)}}}" in tex
    product = r"\times".join(map(str, factors))
    assert rf"\newcommand{{\CalibrationCombinationFactors}}{{{product}}}" in tex
    assert r"\newcommand{\CalibrationIpFirstYear}{2030}" in tex and r"\newcommand{\CalibrationIpLastYear}{2035}" in tex
