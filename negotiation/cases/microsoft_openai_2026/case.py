"""The 2026 Microsoft-OpenAI amendment as a :class:`negotiation.kit.case.Case`.

Its calibration is derived (the 2025 calibration with the dated overrides of
``data/calibration_2026.toml``, :func:`.model.calibration`) and declares the amendment of
2026-04-27 as its cut-off, so the kit holds any prediction of this case to it. The kit reads the
contract space (``data/contract_space_2026.toml``); the case solves itself with :func:`.model.predict`,
which the kit calls through ``predict``. The amendment has its own reader (:mod:`.compare_2026`).
"""

from __future__ import annotations

from pathlib import Path
from types import MappingProxyType
from typing import Any

import numpy as np

from negotiation.cases.microsoft_openai import solve as s25
from negotiation.cases.microsoft_openai.threats import outside_options
from negotiation.cases.microsoft_openai_2026 import model
from negotiation.kit.case import Case
from negotiation.kit.predict import Prediction, pinned_terms

__all__ = ["CASE"]


def _utilities(contract: Any, p: Any) -> tuple[float, float]:
    u_m, u_o = model.utilities(p, model.term_parameters(), {**model.status_quo(), **contract})
    return float(u_m), float(u_o)


def _disagreement(p: Any) -> tuple[float, float]:
    return model.disagreement(p, model.term_parameters())


def _threats(p: Any) -> tuple[np.ndarray, np.ndarray]:
    """The only threat of either side is the contract in force (as :func:`.model.predict` solves it)."""
    d1, d2 = _disagreement(p)
    return np.array([[d1]]), np.array([[d2]])


def _weights(p: Any) -> tuple[float, float]:
    alpha = s25.microsoft_weight(p)
    return alpha, 1.0 - alpha


def _predict(concept: str, parameters: Any = None, *, space: Any = None, representative: bool = True) -> Prediction:
    """:func:`.model.predict` (the amendment terms at central values) as the kit's Prediction."""
    if space is not None:
        raise ValueError("the 2026 case solves its own space (model.space, model.widened); pass space=None")
    p = CASE.calibration().central() if parameters is None else parameters
    own = model.predict(concept, p)
    sets = dict(own.optimal_set)
    sets["revenue_share"] = (float(own.contract["revenue_share"]),) * 2
    pinned = pinned_terms(sets, {"revenue_share": 1.0})  # the rate is a point: the model solves for it
    return Prediction(concept, own.utilities, np.asarray(_disagreement(p)), own.contract if representative else None,
                      MappingProxyType(sets), MappingProxyType(pinned))


CASE = Case(
    name="microsoft_openai_2026",
    title="The April 2026 Microsoft-OpenAI amendment",
    players=("Microsoft", "OpenAI"),
    folder=Path(__file__).parent,
    utilities=_utilities,
    disagreement=_disagreement,
    calibration_file="data/calibration_2026.toml",
    space_file="data/contract_space_2026.toml",
    actual_file=None,
    positions_file=None,
    utility_unit="$B",
    calibration_loader=model.calibration,
    weights=_weights,
    discount_factors=s25.discount_factors,
    outside_options=outside_options,
    threat_game=_threats,
    predict=_predict,
)
