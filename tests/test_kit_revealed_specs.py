"""The kit's revealed-preference restriction and specification curve on a case outside the package."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from negotiation.kit.case import CaseError, load_case
from negotiation.kit.revealed import admissible, own_position_gains
from negotiation.kit.specifications import label, specification_calibration, specifications
from tests.test_kit_external_case import _project

POSITIONS = ('[sources]\nP1 = {{ title = "the union\'s demand", url = "https://example.org/p", date = "2023-09-01" }}\n\n'
             '[positions.union]\nparty = "Union"\ndate = "2023-09-01"\nsource = "P1"\nterms = {{ wage = {wage}, cola = true }}\n')
SWITCH = ('\n[parameters.cola_on_wage]\nunit = "1"\nlow = 0.0\ncentral = 0.0\nhigh = 0.0\ndate = "2023-05-01"\n'
          'source = "assumption"\nnote = "a declared modelling choice"\nkind = "switch"\n')


def _case(tmp_path: Path, wage: float = 0.4, date: str = "2023-09-01"):
    _project(tmp_path)
    data = tmp_path / "cases" / "toy" / "data"
    (data / "positions.toml").write_text(POSITIONS.format(wage=wage).replace("2023-09-01", date))
    (data / "calibration.toml").write_text((data / "calibration.toml").read_text() + SWITCH)
    return load_case(str(tmp_path / "cases" / "toy" / "case.py"))


def test_a_position_is_admissible_where_it_beats_disagreement(tmp_path: Path) -> None:
    case = _case(tmp_path)
    draws = case.calibration().sample(np.random.default_rng(0), 5)
    gains = own_position_gains(case, draws, 5)
    assert set(gains) == {"union"} and np.all(gains["union"] > 0)  # a raise beats no deal for the union
    assert admissible(gains, 5).all()


def test_a_position_dated_after_the_cutoff_is_refused(tmp_path: Path) -> None:
    case = _case(tmp_path, date="2023-09-20")
    with pytest.raises(CaseError, match="on or after the cut-off"):
        case.positions()


def test_the_specification_curve_holds_every_combination_of_switches_baseline_first(tmp_path: Path) -> None:
    case = _case(tmp_path)
    specs = specifications(case.calibration())
    assert specs == [{"cola_on_wage": 0.0}, {"cola_on_wage": 1.0}]
    variant = specification_calibration(case.calibration(), specs[1])
    assert variant.central().cola_on_wage == 1.0 and label(specs[1]) == "cola_on_wage=1"
