"""The kit's fit recovers a known parameter from a contract the model itself produced (a known truth),
and reports an empty identified set when no value in the box reproduces the outcome."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from negotiation.kit.case import load_case
from negotiation.kit.calibration import replace_values
from negotiation.kit.fit import fit
from negotiation.kit.predict import predict
from tests.test_kit_external_case import _project


def _case(tmp_path: Path):
    _project(tmp_path)
    return load_case(str(tmp_path / "cases" / "toy" / "case.py"))


def test_fit_recovers_the_parameter_that_produced_the_contract(tmp_path: Path) -> None:
    case = _case(tmp_path)
    truth = 1.1
    observed = predict(case, "nash", replace_values(case.calibration().central(), surplus=truth)).contract
    result = fit(case, "nash", ["surplus"], observed, points=9, nuisance_draws=2, rng=np.random.default_rng(0))
    assert abs(result.estimate["surplus"] - truth) < 1e-4
    low, high = result.identified["surplus"]
    assert low <= truth <= high and high - low < 0.01
    assert result.nuisance["surplus"] is not None and result.terms == ("wage", "cola")


def test_a_miss_has_an_empty_identified_set(tmp_path: Path) -> None:
    case = _case(tmp_path)
    observed = {"wage": 0.99, "cola": True}  # far above what any surplus in [0.8, 1.2] gives
    result = fit(case, "nash", ["surplus"], observed, points=5)
    assert result.identified["surplus"] is None and result.loss > 1e-6
