"""The ``bargaining_power`` experiment in quick mode: a labelled FIT, ordered intervals; and the
closed-form helpers it uses against the case's engine-based comparison code."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from negotiation.batch import nash_batch
from negotiation.cases.microsoft_openai import calibration, compare
from negotiation.cases.microsoft_openai.batch import family
from negotiation.cases.microsoft_openai.experiments._case_views import implied_weights, radial_positions, replicate
from negotiation.pipeline import load_config, run_experiment

CONFIG = Path(__file__).resolve().parents[1] / "experiments" / "bargaining_power.toml"
#: Width allowed for the bisection interval of a weight off a kink.
ALPHA_TOL = 1e-5


@pytest.fixture(scope="module")
def out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return run_experiment(load_config(CONFIG), tmp_path_factory.mktemp("results"), quick=True).directory


def test_fit_is_labelled(out: Path) -> None:
    values = json.loads((out / "results.json").read_text())
    assert values["fit_label"].startswith("FIT")
    macros = (out / "macros.tex").read_text()
    assert "\\BargainingPowerFitWeightLow" in macros and "\\BargainingPowerBrwWeight" in macros
    assert "FIT" in (out / "tables/weights.tex").read_text()


def test_intervals_ordered(out: Path) -> None:
    values = json.loads((out / "results.json").read_text())
    identified = values["fit_implied_weight"]["identified_set"]
    if identified is None:  # no weight at some corner of the d-range (the settlement below d there): reported
        assert 0.0 <= values["fit_implied_weight"]["exists_share_of_d_O_range"] < 1.0
    else:
        lo, hi = identified
        assert 0.0 <= lo <= hi <= 1.0
    b_lo, b_hi = values["brw_weight"]["interval"]
    assert b_lo <= values["brw_weight"]["central"] <= b_hi
    assert values["fit_implied_weight"]["central"] is None  # the settlement is not >> d at central values
    curve = {k: np.array(values["curve"][k], dtype=float) for k in ("alpha_low", "alpha_central", "alpha_high")}
    for key, alpha in curve.items():  # None (no weight: the settlement below d) is skipped
        steps = np.diff(alpha)
        assert np.all(steps[~np.isnan(steps)] >= -1e-9), "alpha-hat must rise with d_O"
    both = ~np.isnan(curve["alpha_low"]) & ~np.isnan(curve["alpha_high"])
    assert np.all(curve["alpha_low"][both] >= curve["alpha_high"][both] - 1e-9)


def test_batch_helpers_agree_with_compare() -> None:
    """Closed-form projection = compare.settlement_position's; the implied weight reproduces the point."""
    p = calibration().central()
    fam = family(p)
    position = compare.settlement_position(p)
    batch = radial_positions(fam, position.utilities)
    np.testing.assert_allclose(batch.projection[0], position.projection, rtol=1e-8)
    assert batch.distance[0] == pytest.approx(position.distance, rel=1e-6)
    (_, m_hi), (o_lo, _) = compare.disagreement_box()
    if not (m_hi < position.projection[0] and o_lo < position.projection[1]):
        return  # no d of the box lies below the projected settlement: no weight is implied (the fit says so)
    corner = replicate(fam, np.array([[m_hi, o_lo]]))
    lo, hi = implied_weights(corner, position.projection)
    assert lo[0] <= hi[0] < lo[0] + ALPHA_TOL
    alpha = 0.5 * (lo[0] + hi[0])
    reached = nash_batch(corner, np.array([[alpha, 1.0 - alpha]])).utilities[0]
    np.testing.assert_allclose(reached, position.projection, rtol=1e-5)
