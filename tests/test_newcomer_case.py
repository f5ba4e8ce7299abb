"""A newcomer's case (Microsoft-Activision 2022, tests/data/atvi_case/, written from the README and
docs alone) runs through the kit; it found a Rubinstein draw whose cell end the scan misread
(h = -inf by rounding at the top of the bracket), now solved at the end of the cell."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from negotiation.kit.case import load_case
from negotiation.kit.predict import predict, predict_all

CASE = Path(__file__).parent / "data" / "atvi_case" / "case.py"
#: The draw of the calibration (seed 2022, first of 20) at which the engine's Rubinstein raised.
DRAW = {"shares_out": 0.7774742606345261, "standalone_price": 61.48960131883682, "synergy": 24.008067979947924,
        "close_prob_base": 0.5157844509859234, "close_prob_gain": 0.18217464463773014, "fee_scale": 1.4970140697762677,
        "remedy_cost": 4.578771656810368, "failure_cost": 8.905836501047927, "go_shop_gain": 1.3706110747860942,
        "go_shop_cost": 2.777698712077253, "rate_microsoft": 0.06805109400062212, "rate_activision": 0.105743490667819}


def test_every_concept_solves_the_newcomer_case_at_central_values() -> None:
    case = load_case(str(CASE))
    predictions = predict_all(case)
    assert set(predictions) == set(case.concepts)
    assert all(np.all(np.isfinite(p.utilities)) for p in predictions.values())


def test_rubinstein_at_the_draw_where_the_scan_misread_a_cell_end() -> None:
    case = load_case(str(CASE))
    prediction = predict(case, "rubinstein", case.calibration().build(DRAW))
    d = prediction.disagreement
    assert np.all(prediction.utilities >= d - 1e-9)  # individually rational, on the frontier's reach
    nash = predict(case, "nash", case.calibration().build(DRAW))
    assert abs(prediction.utilities.sum() - nash.utilities.sum()) < 1e-3 * abs(nash.utilities.sum())
