"""Predictions of the 2025 settlement: the case's bargaining problem solved by each concept.

Uses only the calibration (facts dated before the MOU of 2025-09-11 and documented assumptions)
and the contract space (``data/contract_space.toml``); never the settlement. The disagreement
point is the status quo (the 2019/2023 contract runs on and OpenAI cannot convert), the impasse
payoff of Binmore, Rubinstein & Wolinsky (1986). A concept pins the utilities ``u*``; the
contracts that give them form a set (equity and the revenue share are transfers), reported
with one representative chosen by the rule of :mod:`.contract_set`.
"""

from __future__ import annotations

import pickle
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from types import MappingProxyType
from typing import Any, Mapping, TypeVar

import numpy as np

import negotiation as ng
from negotiation.kit.predict import solve_concept
from negotiation.cases.microsoft_openai.contract_set import clear_rank_memo, draw_contract, draw_set, optimal_sets, stack
from negotiation.cases.microsoft_openai.parameters import Calibration, Parameters, calibration
from negotiation.cases.microsoft_openai.payoffs import (
    coefficient_table,
    payoff_functions,
    risk_transform,
    status_quo_terms,
    status_quo_year,
)
from negotiation.cases.microsoft_openai.space import CaseSpace, case_space
from negotiation.cases.microsoft_openai.threats import disagreement_payoffs, outside_options, threat_game

CONCEPTS = (
    "nash",
    "asymmetric_nash",
    "kalai_smorodinsky",
    "egalitarian",
    "utilitarian",
    "rubinstein",
    "variable_threat",
)
MEMO_SIZE = 8
"""Problems and coefficient tables kept, each for one distinct (parameters, risk aversion, space)."""

T = TypeVar("T")
_PROBLEMS: OrderedDict[bytes, ng.BargainingProblem] = OrderedDict()
_TABLES: OrderedDict[bytes, dict] = OrderedDict()


@dataclass(frozen=True)
class Prediction:
    """A concept's prediction.

    Attributes
    ----------
    concept : str
    contract : Mapping[str, Any]
        The representative contract (:mod:`.contract_set`): the same on every machine.
    utilities : np.ndarray
        ``(u_M, u_O)`` in $B (transformed under risk aversion), unique for the concept.
    optimal_set : Mapping[str, Any]
        Every term over the contracts that give ``utilities`` within ``contract_set.TIE_TOL``:
        ``(min, max)`` for a continuous term, the options in the set for a discrete one.
    details : Mapping[str, Any]
        Solver details, and the solver's own contract (``solver_contract``), one arbitrary member of
        the set.
    """

    concept: str
    contract: Mapping[str, Any]
    utilities: np.ndarray
    optimal_set: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    details: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))


def contract_space(space: CaseSpace | None = None) -> dict[str, ng.Continuous | ng.Discrete]:
    """The engine's terms of the case's contract space (``data/contract_space.toml``) or of ``space``."""
    return (case_space() if space is None else space).engine_space()


def commitment_cap(parameters: Parameters, space: CaseSpace | None = None) -> Any:
    """Upper limit of the Azure commitment: ``min(high, parameter)`` for the space's ``at_most`` constraint."""
    term = (case_space() if space is None else space).continuous["azure_commitment"]
    return term.high if term.at_most is None else np.minimum(term.high, getattr(parameters, term.at_most))


def status_quo_contract(parameters: Parameters) -> dict[str, Any]:
    """The status quo's value of the revenue-share rate and of every discrete term."""
    t = status_quo_terms(parameters)
    year = status_quo_year(parameters)
    return {"revenue_share": float(np.max(parameters.revenue_share_sq)), "revenue_share_until": year,
            "api_exclusivity": t.api_exclusivity, "ip_rights_until": t.ip_rights_until, "ip_post_agi": t.ip_post_agi,
            "compute_rofr": t.compute_rofr, "agi_trigger": t.agi_trigger}


def disagreement(parameters: Parameters, risk_aversion: float = 0.0) -> tuple[float, float]:
    """The disagreement point ``d = (u_M, u_O)`` of :func:`.threats.disagreement_payoffs` (transformed under risk aversion)."""
    u_m, u_o = disagreement_payoffs(parameters)
    return float(risk_transform(u_m, risk_aversion)), float(risk_transform(u_o, risk_aversion))


def parameters_of(parameters: Parameters | Calibration | None) -> Parameters:
    """A scalar parameter set: the central calibration for None or a ``Calibration``.

    Raises
    ------
    TypeError
        For anything else.
    """
    if parameters is None:
        return calibration().central()
    if isinstance(parameters, Calibration):
        return parameters.central()
    if isinstance(parameters, Parameters):
        return parameters
    raise TypeError(f"parameters must be a Parameters, a Calibration (its central values are used) or None, "
                    f"got {type(parameters).__name__}")


def _space_of(space: CaseSpace | None) -> CaseSpace:
    if space is None:
        return case_space()
    if not isinstance(space, CaseSpace):
        raise TypeError(f"space must be a CaseSpace (space.load_space, space.widened) or None, got {type(space).__name__}")
    return space


def problem(parameters: Parameters | Calibration | None = None, risk_aversion: float = 0.0, *,
            space: CaseSpace | None = None) -> ng.BargainingProblem:
    """The engine's contract problem with ``d`` = status quo (central calibration by default).

    The commitment's constraint ``azure_commitment <= azure_need`` is a bound on one term, so it
    is applied by intersecting it with the box: the term runs over ``[low, min(high, azure_need)]``.

    Memoised on the values of the inputs (the last ``MEMO_SIZE``): concepts solved at the same
    inputs share one problem and so one frontier envelope (:mod:`negotiation.solutions._envelope`),
    built once. Each concept's answer is the kernel's from its usual start either way, the same
    bit for bit whatever was solved before.
    """
    p, space = parameters_of(parameters), _space_of(space)
    return _memoised(_PROBLEMS, _key(p, risk_aversion, space), lambda: _build_problem(p, risk_aversion, space))


def _build_problem(p: Parameters, risk_aversion: float, space: CaseSpace) -> ng.BargainingProblem:
    terms = contract_space(space)
    lo = space.continuous["azure_commitment"].low
    terms["azure_commitment"] = ng.Continuous(lo, float(commitment_cap(p, space)))
    return ng.BargainingProblem.from_contracts(
        terms, payoff_functions(p, risk_aversion, space), disagreement(p, risk_aversion)
    )


def _key(*inputs: Any) -> bytes:
    """The inputs' values as bytes (a memo key; equal values give equal keys)."""
    return pickle.dumps(inputs, protocol=pickle.HIGHEST_PROTOCOL)


def _memoised(memo: OrderedDict[bytes, T], key: bytes, build: Callable[[], T]) -> T:
    """``memo[key]``, built by ``build`` on a miss; the least recently used entry goes beyond ``MEMO_SIZE``."""
    if key in memo:
        memo.move_to_end(key)
        return memo[key]
    memo[key] = value = build()
    if len(memo) > MEMO_SIZE:
        memo.popitem(last=False)
    return value


def clear_memo() -> None:
    """Forget the memoised problems, coefficient tables and least-change ranks, so the next solve starts cold
    (benchmarks)."""
    _PROBLEMS.clear()
    _TABLES.clear()
    clear_rank_memo()


def risk_neutral(u: np.ndarray, risk_aversion: float) -> np.ndarray:
    """Invert :func:`.payoffs.risk_transform`: ``u = -log(1 - rho v) / rho`` (identity at 0)."""
    v = np.asarray(u, dtype=float)
    return v if risk_aversion == 0 else -np.log1p(-risk_aversion * v) / risk_aversion


def contract_sets(p: Parameters, utilities: np.ndarray, space: CaseSpace | None = None, risk_aversion: float = 0.0):
    """:func:`.contract_set.optimal_sets` of one or many draws at the concept's utilities."""
    space = _space_of(space)
    table = _table(p, space)
    return optimal_sets(stack(list(table.values())), list(table), space, np.atleast_1d(commitment_cap(p, space)),
                        risk_neutral(utilities, risk_aversion), status_quo_contract(p))


def _table(p: Parameters, space: CaseSpace) -> dict:
    """:func:`.payoffs.coefficient_table`, memoised for one parameter set (tables of many draws are large and not kept)."""
    if all(np.ndim(getattr(p, f.name)) == 0 for f in fields(p)):
        return _memoised(_TABLES, _key(p, space), lambda: coefficient_table(p, space))
    return coefficient_table(p, space)


def microsoft_weight(parameters: Parameters) -> float:
    """BRW weight of Microsoft, ``alpha = r_O / (r_M + r_O)`` (theory.md §3), with one rate per party.

    Both parties discount flows and delay at ``discount_rate`` (its note: one rate per party, the
    market's), so ``r_M = r_O`` and ``alpha = 1/2``: asymmetric Nash coincides with Nash, and any
    asymmetry comes from the disagreement point.
    """
    return weight_at_rate(float(np.max(parameters.discount_rate)))


def weight_at_rate(rate: float) -> float:
    """:func:`microsoft_weight` when both parties discount at ``rate`` (what the batch path maps over draws)."""
    return float(ng.brw_weight((rate, rate)))


def discount_factors(parameters: Parameters) -> tuple[float, float]:
    """Per-round discount factors ``delta_i = exp(-r Delta)``, ``r = discount_rate``, ``Delta = offer_interval``."""
    return factors_at_rate(float(np.max(parameters.discount_rate)), float(np.max(parameters.offer_interval)))


def factors_at_rate(rate: float, interval: float) -> tuple[float, float]:
    """:func:`discount_factors` at ``discount_rate = rate`` and ``offer_interval = interval``."""
    delta = float(np.exp(-rate * interval))
    return delta, delta


def predict(concept: str, parameters: Parameters | Calibration | None = None, risk_aversion: float = 0.0, *,
            space: CaseSpace | None = None) -> Prediction:
    """Solve the case by one concept.

    ``nash``: symmetric Nash; ``asymmetric_nash``: Nash with Microsoft's BRW weight;
    ``kalai_smorodinsky``, ``egalitarian``, ``utilitarian`` (weights 1, 1); ``rubinstein``:
    alternating offers with ``delta_i = exp(-r_i Delta)``, Microsoft proposing first, the
    outside options of :func:`.threats.outside_options` as constraints; ``variable_threat``:
    Nash (1953) NTU threats on :func:`.threats.threat_game` with the contract problem as S.

    Parameters
    ----------
    concept : str
        One of ``CONCEPTS``.
    parameters : Parameters, Calibration or None
        A scalar parameter set; a ``Calibration`` or None means its central values.
    risk_aversion : float
        CARA coefficient of both parties (0: risk neutral).
    space : CaseSpace, optional
        An alternative contract space with the same terms (e.g. :func:`.space.widened`).

    Raises
    ------
    ValueError
        If ``concept`` is not one of ``CONCEPTS``.
    TypeError
        If ``parameters`` or ``space`` is of the wrong type.
    """
    if concept not in CONCEPTS:
        raise ValueError(f"concept must be one of {CONCEPTS}, got {concept!r}")
    p, space = parameters_of(parameters), _space_of(space)
    prob = problem(p, risk_aversion, space=space)
    details: dict[str, Any] = {"disagreement": prob.disagreement.copy(), "risk_aversion": risk_aversion}
    inputs: dict[str, Any] = {}
    if concept == "variable_threat":
        game = threat_game(p)
        inputs["threats"] = tuple(risk_transform(m, risk_aversion) for m in (game.A, game.B))
    elif concept == "asymmetric_nash":
        alpha = details["alpha"] = microsoft_weight(p)
        inputs["weights"] = (alpha, 1.0 - alpha)
    elif concept == "rubinstein":
        options = tuple(float(risk_transform(w, risk_aversion)) for w in outside_options(p))
        delta = discount_factors(p)
        details.update(discount_factors=delta, outside_options=options)
        inputs.update(discount_factors=delta, outside_options=options)
    u, solution_contract, solved = solve_concept(concept, prob, **inputs)
    details.update(solved)
    details["solver_contract"] = MappingProxyType(dict(solution_contract))
    sets = contract_sets(p, np.asarray(u, dtype=float)[None, :], space, risk_aversion)
    return Prediction(concept, MappingProxyType(draw_contract(sets)), np.asarray(u, dtype=float).copy(),
                      MappingProxyType(draw_set(sets, space)), MappingProxyType(details))
