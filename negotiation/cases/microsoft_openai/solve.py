"""Predictions of the 2025 settlement: the case's bargaining problem solved by each concept.

Uses only the calibration (facts dated before the MOU of 2025-09-11 and documented assumptions);
never the settlement. The disagreement point is the status quo (the 2019/2023 contract runs on
and OpenAI cannot convert), the impasse payoff of Binmore, Rubinstein & Wolinsky (1986).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Mapping

import numpy as np

import negotiation as ng
from negotiation.cases.microsoft_openai.parameters import Parameters, calibration
from negotiation.cases.microsoft_openai.payoffs import (
    AZURE_COMMITMENT_BOUNDS,
    DISCRETE_TERMS,
    EQUITY_BOUNDS,
    REVENUE_SHARE_BOUNDS,
    payoff_functions,
    risk_transform,
    status_quo_payoffs,
)
from negotiation.cases.microsoft_openai.threats import outside_options, threat_game

CONCEPTS = (
    "nash",
    "asymmetric_nash",
    "kalai_smorodinsky",
    "egalitarian",
    "utilitarian",
    "rubinstein",
    "variable_threat",
)


@dataclass(frozen=True)
class Prediction:
    """A predicted contract, its utilities ``(u_M, u_O)`` in $B, the concept and solver details."""

    concept: str
    contract: Mapping[str, Any]
    utilities: np.ndarray
    details: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))


def contract_space() -> dict[str, ng.Continuous | ng.Discrete]:
    """Every term the settlement fixed: equity, revenue share, Azure commitment and the discrete terms."""
    space: dict[str, ng.Continuous | ng.Discrete] = {
        "equity": ng.Continuous(*EQUITY_BOUNDS),
        "revenue_share": ng.Continuous(*REVENUE_SHARE_BOUNDS),
        "azure_commitment": ng.Continuous(*AZURE_COMMITMENT_BOUNDS),
    }
    space.update({name: ng.Discrete(values) for name, values in DISCRETE_TERMS.items()})
    return space


def disagreement(parameters: Parameters, risk_aversion: float = 0.0) -> tuple[float, float]:
    """The status-quo payoffs ``d = (u_M, u_O)`` (transformed under risk aversion)."""
    u_m, u_o = status_quo_payoffs(parameters)
    return float(risk_transform(u_m, risk_aversion)), float(risk_transform(u_o, risk_aversion))


def problem(parameters: Parameters | None = None, risk_aversion: float = 0.0) -> ng.BargainingProblem:
    """The engine's contract problem with ``d`` = status quo (central calibration by default)."""
    p = calibration().central() if parameters is None else parameters
    return ng.BargainingProblem.from_contracts(
        contract_space(), payoff_functions(p, risk_aversion), disagreement(p, risk_aversion)
    )


def microsoft_weight(parameters: Parameters) -> float:
    """BRW weight of Microsoft, ``alpha = r_O / (r_M + r_O)`` (theory.md §3)."""
    return float(ng.brw_weight((float(parameters.impatience_microsoft), float(parameters.impatience_openai))))


def discount_factors(parameters: Parameters) -> tuple[float, float]:
    """Per-round discount factors ``delta_i = exp(-r_i Delta)``, ``Delta = offer_interval``."""
    rates = np.array([parameters.impatience_microsoft, parameters.impatience_openai], dtype=float)
    delta = np.exp(-rates * float(parameters.offer_interval))
    return float(delta[0]), float(delta[1])


def predict(concept: str, parameters: Parameters | None = None, risk_aversion: float = 0.0) -> Prediction:
    """Solve the case by one concept.

    ``nash``: symmetric Nash; ``asymmetric_nash``: Nash with Microsoft's BRW weight;
    ``kalai_smorodinsky``, ``egalitarian``, ``utilitarian`` (weights 1, 1); ``rubinstein``:
    alternating offers with ``delta_i = exp(-r_i Delta)``, Microsoft proposing first, the
    outside options of :func:`.threats.outside_options` as constraints; ``variable_threat``:
    Nash (1953) NTU threats on :func:`.threats.threat_game` with the contract problem as S.

    Raises
    ------
    ValueError
        If ``concept`` is not one of ``CONCEPTS``.
    """
    if concept not in CONCEPTS:
        raise ValueError(f"concept must be one of {CONCEPTS}, got {concept!r}")
    p = calibration().central() if parameters is None else parameters
    prob = problem(p, risk_aversion)
    details: dict[str, Any] = {"disagreement": prob.disagreement.copy(), "risk_aversion": risk_aversion}
    if concept == "variable_threat":
        game = threat_game(p)
        A, B = (risk_transform(m, risk_aversion) for m in (game.A, game.B))
        threat = ng.variable_threat_solution(A, B, transferable=False, feasible=prob)
        details.update(threats=threat.threats, threat_point=threat.disagreement, method=threat.method)
        return Prediction(concept, MappingProxyType(dict(threat.contract)), threat.utilities.copy(), MappingProxyType(details))
    if concept == "nash":
        solution = ng.nash_solution(prob)
    elif concept == "asymmetric_nash":
        alpha = microsoft_weight(p)
        details["alpha"] = alpha
        solution = ng.nash_solution(prob, weights=(alpha, 1.0 - alpha))
    elif concept == "kalai_smorodinsky":
        solution = ng.kalai_smorodinsky_solution(prob)
    elif concept == "egalitarian":
        solution = ng.egalitarian_solution(prob)
    elif concept == "utilitarian":
        solution = ng.utilitarian_solution(prob)
    else:
        options = tuple(float(risk_transform(w, risk_aversion)) for w in outside_options(p))
        delta = discount_factors(p)
        details.update(discount_factors=delta, outside_options=options)
        solution = ng.rubinstein_solution(prob, delta, proposer=0, outside_options=options)
    details.update(method=solution.method, status=solution.status)
    return Prediction(concept, MappingProxyType(dict(solution.contract)), solution.utilities.copy(), MappingProxyType(details))
