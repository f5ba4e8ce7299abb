"""Calibration of the Microsoft-OpenAI case: its parameter type and its file, read by the case kit.

``data/calibration.toml`` holds every model input as a range (low / central / high) with the
date of the information and its source id (or ``"assumption"`` with a written note), and declares
its cut-off: only facts dated before the MOU of 2025-09-11 may feed a prediction. The settlement
lives elsewhere (its own data file, read by :mod:`.compare` only). Loading, validation, overrides
and the honesty check are the kit's (:mod:`negotiation.kit.calibration`); this module fixes the
file and the parameter type.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Mapping

import numpy as np

from negotiation.kit.calibration import (
    ASSUMPTION,
    Calibration,
    CalibrationError,
    ParameterSpec,
    Source,
    active_calibration,
    apply_overrides,
    check_prediction_inputs,
    parse_sources,
    using_calibration,
)
from negotiation.kit.calibration import load_calibration as _load
from negotiation.kit.calibration import parse_calibration as _parse

__all__ = [
    "ASSUMPTION", "CALIBRATION_FILE", "DATA_DIR", "MOU_DATE", "PARAMETER_NAMES", "VALUATION_YEAR", "Calibration",
    "CalibrationError", "ParameterSpec", "Parameters", "Source", "apply_overrides", "calibration",
    "check_prediction_inputs", "load_calibration", "parse_calibration", "parse_sources", "using_calibration",
    "year_to_time",
]

DATA_DIR = Path(__file__).parent / "data"
CALIBRATION_FILE = DATA_DIR / "calibration.toml"
#: t = 0 of every present value (mid-2025); a term "until year Y" ends at Y + 1 - VALUATION_YEAR.
VALUATION_YEAR = 2025.5

Value = float | np.ndarray


@dataclass(frozen=True)
class Parameters:
    """One parameter set: every field a float, or arrays of equal shape (Monte Carlo draws).

    Field meanings, units and sources are in ``data/calibration.toml``.
    """

    revenue_2025: Value
    revenue_2030: Value
    growth_after_2030: Value
    discount_rate: Value
    valuation_post_money: Value
    agi_hazard: Value
    holdup_hazard: Value
    revenue_share_sq: Value
    sq_horizon_year: Value
    microsoft_capital: Value
    waterfall_tier1_share: Value
    waterfall_tier2_share: Value
    profit_cap: Value
    breakeven_year: Value
    profit_margin: Value
    exclusivity_value_microsoft: Value
    exclusivity_cost_openai: Value
    ip_value_microsoft: Value
    ip_cost_openai: Value
    ip_half_life_microsoft: Value
    post_agi_ip_multiplier: Value
    rofr_value_microsoft: Value
    rofr_cost_openai: Value
    azure_margin_microsoft: Value
    azure_premium_openai: Value
    azure_need: Value
    commitment_years: Value
    softbank_at_risk: Value
    clawback_2024_round: Value
    financing_friction: Value
    restructuring_value_share: Value
    offer_interval: Value
    litigation_cost: Value
    court_reversal_probability: Value
    antitrust_remedy_probability: Value
    antitrust_cost_microsoft: Value
    agi_declaration_upheld_probability: Value
    agi_declaration_cost_openai: Value
    workload_move_success: Value
    inhouse_capex: Value
    inhouse_substitution: Value
    openai_loss_inhouse: Value
    profit_cap_on_revenue: Value
    disagreement_from_equilibrium: Value
    price_on_expected_deal: Value


PARAMETER_NAMES = tuple(f.name for f in dataclasses.fields(Parameters))


def parse_calibration(data: Mapping[str, Any], origin: str = "calibration") -> Calibration:
    """The kit's :func:`~negotiation.kit.calibration.parse_calibration` with this case's :class:`Parameters`."""
    return _parse(data, origin, parameters_type=Parameters)


def load_calibration(path: Path | str = CALIBRATION_FILE) -> Calibration:
    """Read and validate a calibration file of this case (:func:`negotiation.kit.calibration.load_calibration`)."""
    return _load(path, parameters_type=Parameters)


@lru_cache(maxsize=1)
def _canonical() -> Calibration:
    return load_calibration()


def calibration(overrides: Mapping[str, Mapping[str, Any]] | None = None) -> Calibration:
    """The case's calibration (``data/calibration.toml``, validated and cached), or a variant.

    Inside :func:`negotiation.kit.calibration.using_calibration` (how a run applies an
    experiment's ``[calibration]`` overrides) the active variant of this file is returned instead.

    Parameters
    ----------
    overrides : Mapping or None
        ``{parameter: {field: value}}`` applied by :func:`~negotiation.kit.calibration.apply_overrides`.
    """
    base = active_calibration(CALIBRATION_FILE) or _canonical()
    return base if not overrides else apply_overrides(base, overrides)


calibration.cache_clear = _canonical.cache_clear  # type: ignore[attr-defined]  # re-read the file (tests, notebooks)

#: Date of the non-binding MOU, declared by the calibration file: prediction inputs must be dated before it.
MOU_DATE = _canonical().cutoff


def year_to_time(year: Value) -> Value:
    """Model time at the end of calendar ``year``: ``t = year + 1 - VALUATION_YEAR``."""
    return year + 1.0 - VALUATION_YEAR
