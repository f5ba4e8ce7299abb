"""Calibration data of the Microsoft-OpenAI case: validation, ranges, and parameter sets."""

import copy
import tomllib

import numpy as np
import pytest

from negotiation.cases.microsoft_openai.parameters import (
    ASSUMPTION,
    CALIBRATION_FILE,
    PARAMETER_NAMES,
    Parameters,
    calibration,
    parse_calibration,
)


@pytest.fixture(scope="module")
def raw():
    with open(CALIBRATION_FILE, "rb") as handle:
        return tomllib.load(handle)


def test_every_model_parameter_is_calibrated():
    cal = calibration()
    assert tuple(cal.specs) == PARAMETER_NAMES
    for spec in cal.specs.values():
        assert spec.low <= spec.central <= spec.high
        assert spec.note.strip()
        assert spec.source == ASSUMPTION or spec.source in cal.sources
        if spec.kind is not None:
            assert 0.0 <= spec.low and spec.high <= 1.0


def test_low_central_high_parameter_sets():
    cal = calibration()
    for at in ("low", "central", "high"):
        p = getattr(cal, at)()
        assert isinstance(p, Parameters)
        for name, spec in cal.specs.items():
            assert getattr(p, name) == getattr(spec, at)


def test_sample_respects_every_range():
    cal = calibration()
    p = cal.sample(np.random.default_rng(1), 500)
    for name, spec in cal.specs.items():
        draws = getattr(p, name)
        assert draws.shape == (500,)
        assert np.all((draws >= spec.low) & (draws <= spec.high)), name
    with pytest.raises(ValueError, match="n must be"):
        cal.sample(np.random.default_rng(1), 0)


def test_with_values_validates_ranges():
    cal = calibration()
    assert cal.with_values(agi_hazard=0.2).agi_hazard == 0.2
    with pytest.raises(ValueError, match="agi_hazard"):
        cal.with_values(agi_hazard=0.9)
    with pytest.raises(ValueError, match="no_such"):
        cal.with_values(no_such=1.0)


def _broken(raw, name, change):
    data = copy.deepcopy(raw)
    change(data["parameters"][name])
    return data


@pytest.mark.parametrize(
    ("name", "change", "message"),
    [
        ("discount_rate", lambda e: e.pop("source"), "missing field 'source'"),
        ("discount_rate", lambda e: e.pop("note"), "missing field 'note'"),
        ("revenue_2030", lambda e: e.update(low=250.0), "low 250.0 > high"),
        ("revenue_2030", lambda e: e.update(central=100.0), "central 100.0 outside"),
        ("court_reversal_probability", lambda e: e.update(high=1.5), "must lie in \\[0, 1\\]"),
        ("profit_margin", lambda e: e.update(low=-0.1), "must lie in \\[0, 1\\]"),
        ("revenue_2025", lambda e: e.update(date="31/03/2025"), "YYYY-MM-DD"),
        ("revenue_2025", lambda e: e.update(date="2025-13-01"), "invalid date"),
        ("revenue_2025", lambda e: e.update(source="R999"), "unknown source id 'R999'"),
        ("revenue_2025", lambda e: e.update(central=float("nan")), "finite"),
        ("revenue_2025", lambda e: e.update(high=float("inf")), "finite"),
        ("revenue_2025", lambda e: e.update(low="12"), "finite number"),
        ("revenue_2025", lambda e: e.update(kind="percent"), "kind"),
        ("revenue_2025", lambda e: e.update(note="  "), "note"),
    ],
)
def test_bad_input_rejected_naming_the_parameter(raw, name, change, message):
    with pytest.raises(ValueError, match=message) as info:
        parse_calibration(_broken(raw, name, change))
    assert repr(name) in str(info.value)


def test_missing_and_unknown_parameters_rejected(raw):
    data = copy.deepcopy(raw)
    del data["parameters"]["holdup_hazard"]
    with pytest.raises(ValueError, match="'holdup_hazard' missing"):
        parse_calibration(data)
    data = copy.deepcopy(raw)
    data["parameters"]["mystery"] = data["parameters"]["holdup_hazard"]
    with pytest.raises(ValueError, match="mystery"):
        parse_calibration(data)


def test_bad_source_table_rejected(raw):
    data = copy.deepcopy(raw)
    del data["sources"]["R34"]["url"]
    with pytest.raises(ValueError, match="R34"):
        parse_calibration(data)
    data = copy.deepcopy(raw)
    data["sources"]["R34"]["date"] = "March 2025"
    with pytest.raises(ValueError, match="R34"):
        parse_calibration(data)
