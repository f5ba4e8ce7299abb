"""The case's contract space as data: ``data/contract_space.toml``, read by the kit with this case's rules.

Every term's range (continuous) or options (discrete) lives in the data file beside the
calibration, and every bound says whether it is *natural* (the term cannot go beyond it) or a
modelling *choice* (a finite box where the record sets no limit), and why. A choice bound must
never decide a prediction: :func:`widened` moves every choice bound outwards (continuous terms by
half their width on each side, clipped at natural bounds; year grids by three years on each
side) so that tests can check that no prediction moves. An economic limit is a constraint of
the contract problem, not a bound: ``at_most = "<parameter>"`` caps a term at a calibrated value
(the Azure commitment at the compute OpenAI expects to use).
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import Any

from negotiation.cases.microsoft_openai.parameters import DATA_DIR, PARAMETER_NAMES
from negotiation.kit import space as kit_space
from negotiation.kit.space import YEAR_RANGE, CaseSpace, ContinuousTerm, DiscreteTerm, is_year, widened

__all__ = ["CONTINUOUS_TERMS", "CONTRACT_SPACE_FILE", "DISCRETE_TERMS", "MECHANISMS", "CaseSpace", "ContinuousTerm",
           "DiscreteTerm", "RULES", "case_space", "check_option", "load_space", "parse_space", "widened"]

CONTRACT_SPACE_FILE = DATA_DIR / "contract_space.toml"
#: The continuous terms, in the payoffs' order: equity, then ``Y_TERMS`` of :mod:`.payoffs`.
CONTINUOUS_TERMS = ("equity", "revenue_share", "azure_commitment")
#: The discrete terms, in the order of :class:`.payoffs.Combo`.
DISCRETE_TERMS = ("revenue_share_until", "api_exclusivity", "ip_rights_until", "ip_post_agi", "compute_rofr",
                  "agi_trigger")
#: Values a discrete term may take (a year is any whole number from 2000 to 2100).
NAMED_OPTIONS: Mapping[str, tuple[Any, ...]] = MappingProxyType({
    "revenue_share_until": ("agi",),
    "api_exclusivity": ("none", "agi"),
    "ip_rights_until": (),
    "ip_post_agi": (False, True),
    "compute_rofr": (False, True),
    "agi_trigger": ("board", "panel"),
})
TAKES_YEARS = ("revenue_share_until", "api_exclusivity", "ip_rights_until")
#: What pins a term in the model, so that hits are counted by mechanism, not by term: ``split``
#: (a transfer: only the concept's split pins it), ``value_against_cost`` (an access term:
#: Microsoft's value against OpenAI's cost), ``decay`` (the IP horizon: a decaying value against a
#: constant cost), ``need`` (the commitment: capped at OpenAI's expected use).
MECHANISMS = ("split", "value_against_cost", "decay", "need")


def check_option(name: str, value: Any) -> None:
    """Raise ``ValueError`` naming ``name`` unless ``value`` is an allowed value of that discrete term."""
    named = NAMED_OPTIONS[name]
    if not (any(value == n and type(value) is type(n) for n in named) or (name in TAKES_YEARS and is_year(value))):
        allowed = [*named, *([f"a year {YEAR_RANGE[0]}-{YEAR_RANGE[1]}"] if name in TAKES_YEARS else [])]
        raise ValueError(f"{name} must be one of {allowed}, got {value!r}")


RULES = {"continuous_terms": CONTINUOUS_TERMS, "discrete_terms": DISCRETE_TERMS, "parameter_names": PARAMETER_NAMES,
          "mechanisms": MECHANISMS, "check_option": check_option}


def parse_space(data: Mapping[str, Any]) -> CaseSpace:
    """The kit's :func:`~negotiation.kit.space.parse_space` with this case's terms, mechanisms and options."""
    return kit_space.parse_space(data, CONTRACT_SPACE_FILE.name, **RULES)


def load_space(path: Path | str = CONTRACT_SPACE_FILE) -> CaseSpace:
    """Read and validate a contract-space file of this case."""
    return kit_space.load_space(path, **RULES)


@lru_cache(maxsize=1)
def case_space() -> CaseSpace:
    """The case's contract space (``data/contract_space.toml``), validated and cached."""
    return load_space()
