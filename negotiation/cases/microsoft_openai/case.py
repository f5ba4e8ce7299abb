"""The 2025 Microsoft-OpenAI case as a :class:`negotiation.kit.case.Case`.

The kit reads its calibration and contract space (with this case's parameter type, terms and
option rules), applies overrides, holds predictions to the cut-off the calibration declares (the
MOU of 2025-09-11) and finds the case's experiment kinds in ``experiments/``. The case solves
itself with its own share-affine machinery (:func:`.solve.predict`, the batch path for sweeps),
which the kit calls through ``predict`` and ``evaluate``. The settlement has its own format and
reader (:mod:`.compare`), so the case declares no kit ``actual_file``.
"""

from __future__ import annotations

from pathlib import Path
from types import MappingProxyType
from typing import Any

import numpy as np

from negotiation.cases.microsoft_openai import monte_carlo, solve
from negotiation.cases.microsoft_openai.parameters import Parameters, load_calibration
from negotiation.cases.microsoft_openai.payoffs import contract_utilities
from negotiation.cases.microsoft_openai.space import RULES
from negotiation.cases.microsoft_openai.threats import outside_options, threat_game
from negotiation.kit.case import Case
from negotiation.kit.predict import Prediction, pinned_terms

__all__ = ["CASE"]


def _utilities(contract: Any, p: Parameters) -> tuple[float, float]:
    u_m, u_o = contract_utilities(p, contract)
    return float(u_m), float(u_o)


def _weights(p: Parameters) -> tuple[float, float]:
    alpha = solve.microsoft_weight(p)
    return alpha, 1.0 - alpha


def _threats(p: Parameters) -> tuple[np.ndarray, np.ndarray]:
    game = threat_game(p)
    return game.A, game.B


def _predict(concept: str, parameters: Any = None, *, space: Any = None, representative: bool = True) -> Prediction:
    """:func:`.solve.predict` (risk neutral) as the kit's :class:`~negotiation.kit.predict.Prediction`."""
    own = solve.predict(concept, parameters, space=space)
    box = own.optimal_set
    terms = solve.case_space() if space is None else space
    pinned = pinned_terms(box, {t: s.high - s.low for t, s in terms.continuous.items()})
    return Prediction(concept, own.utilities, np.asarray(own.details["disagreement"]),
                      own.contract if representative else None, box, MappingProxyType(pinned), own.details)


CASE = Case(
    name="microsoft_openai",
    title="The 2025 Microsoft-OpenAI renegotiation",
    players=("Microsoft", "OpenAI"),
    folder=Path(__file__).parent,
    utilities=_utilities,
    disagreement=solve.disagreement,
    actual_file=None,
    positions_file=None,
    utility_unit="$B",
    calibration_loader=load_calibration,
    parameters_type=Parameters,
    space_rules=RULES,
    weights=_weights,
    discount_factors=solve.discount_factors,
    outside_options=outside_options,
    threat_game=_threats,
    status_quo=solve.status_quo_contract,
    predict=_predict,
    evaluate=monte_carlo.evaluate,
)
