"""Comparison of predictions with the settlement of 28 Oct 2025, and fits to it.

The only module that reads ``data/settlement.toml``. Everything here is either a comparison
(predictions scored against the settlement and against naive baselines) or a labelled FIT (the
bargaining power the settlement implies); none of it feeds a prediction.

Term-by-term metric: for a continuous term the normalised absolute error
``|predicted - actual| / (hi - lo)`` over the contract space's range; for a discrete term 0 if it
matches, else 1. A contract's score is the mean over the nine terms (0 = exact, lower is better).
A prediction is a set (:mod:`.contract_set`): a term whose optimal set contains the actual value
is *consistent* with the settlement whatever the representative says; only a term whose set
excludes it is a miss.
"""

from __future__ import annotations

import itertools
import tomllib
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Mapping

import numpy as np

import negotiation as ng
from negotiation.cases.microsoft_openai.parameters import DATA_DIR, Parameters, calibration, parse_sources
from negotiation.cases.microsoft_openai.positions import positions
from negotiation.cases.microsoft_openai.payoffs import contract_utilities
from negotiation.cases.microsoft_openai.threats import disagreement_payoffs
from negotiation.cases.microsoft_openai.contract_set import TIE_TOL
from negotiation.cases.microsoft_openai.space import CONTINUOUS_TERMS, DISCRETE_TERMS, CaseSpace, case_space
from negotiation.cases.microsoft_openai.solve import CONCEPTS, Prediction, predict, problem

SETTLEMENT_FILE = DATA_DIR / "settlement.toml"
CONTINUOUS_RANGES = {t: case_space().bounds(t) for t in CONTINUOUS_TERMS}
TERMS = (*CONTINUOUS_RANGES, *DISCRETE_TERMS)
#: A settlement with radial factor t <= 1 + FRONTIER_TOL counts as on the frontier.
FRONTIER_TOL = 1e-6
#: A continuous value within SET_TOL (1 + |value|) of a set's range counts as inside it.
SET_TOL = 1e-9
#: Relative margin by which the d-box is kept strictly below the agreement.
RATIONALITY_MARGIN = 1e-6
#: Draws of the calibration used to bound the disagreement point for the implied-power fit.
DISAGREEMENT_DRAWS = 256


@dataclass(frozen=True)
class TermComparison:
    """One term: predicted vs actual; ``error`` (signed, continuous) or ``match`` (discrete)."""

    term: str
    predicted: Any
    actual: Any
    error: float | None
    match: bool | None
    score: float
    consistent: bool | None = None
    """Whether the prediction's optimal set contains the actual value (None: no set given)."""


@dataclass(frozen=True)
class ContractScore:
    """A contract scored term by term against the settlement."""

    name: str
    contract: Mapping[str, Any]
    terms: tuple[TermComparison, ...]
    score: float


@dataclass(frozen=True)
class ConceptComparison:
    """A concept's prediction vs the settlement, and whether it beats the naive baselines."""

    concept: str
    scored: ContractScore
    predicted_utilities: np.ndarray
    beats_status_quo: bool
    beats_midpoint: bool


@dataclass(frozen=True)
class SettlementPosition:
    """Where the settlement lies in the model: its utilities and its distance to the frontier.

    ``radial_factor`` t: the frontier point on the ray from d is ``d + t (u - d)``; t > 1 means
    the settlement lies inside the frontier; ``distance`` is ``|projection - u|`` in $B. When the
    settlement is not individually rational under the model (not ``u >> d``) there is no ray:
    ``t`` is NaN and the projection moves along ``(1, 1)`` (equal gains in $B) to the frontier.
    """

    utilities: np.ndarray
    disagreement: np.ndarray
    on_frontier: bool
    radial_factor: float
    projection: np.ndarray
    distance: float
    individually_rational: bool
    projection_method: str


@dataclass(frozen=True)
class ImpliedPowerFit:
    """FIT: Microsoft's bargaining power implied by the settlement (projected onto the frontier).

    ``point`` at the central d (None if the settlement is not >> d there); ``identified_set`` over
    ``disagreement_box``: the calibration's range of d, clipped to where the (projected)
    settlement gives both parties a gain (None if nothing is left); ``status`` says what was done.
    """

    point: float | None
    identified_set: ng.Interval | None
    disagreement_box: tuple[tuple[float, float], tuple[float, float]]
    agreement: np.ndarray
    status: str


@dataclass(frozen=True)
class Comparison:
    """All comparisons for one parameter set (records; the pipeline formats them)."""

    concepts: tuple[ConceptComparison, ...]
    baselines: tuple[ContractScore, ...]
    settlement: SettlementPosition
    implied_power: ImpliedPowerFit


def _load(path) -> dict[str, Any]:
    with open(path, "rb") as handle:
        return tomllib.load(handle)


def settlement() -> Mapping[str, Any]:
    """The terms announced on 2025-10-28 (``data/settlement.toml``), for comparison only."""
    data = _load(SETTLEMENT_FILE)
    parse_sources(data["sources"])
    terms = data["terms"]
    missing = [t for t in TERMS if t not in terms]
    if missing:
        raise ValueError(f"settlement term {missing[0]!r} missing")
    return MappingProxyType({t: terms[t] for t in TERMS})


def baselines() -> tuple[tuple[str, Mapping[str, Any]], ...]:
    """Naive baselines: the status quo, and the midpoint of the reported pre-MOU positions.

    Midpoint: a continuous term is the mean of the two positions (a party silent on it keeps the
    status quo); a discrete term takes the status-quo value unless both positions name the same
    value. Every position is dated before the MOU.
    """
    given = positions()
    status_quo, sides = given["status_quo"], [given["openai"], given["microsoft"]]
    midpoint = {
        t: (sum(float(s[t]) for s in sides) / 2 if t in CONTINUOUS_RANGES else (sides[0][t] if sides[0][t] == sides[1][t] else status_quo[t]))
        for t in TERMS
    }
    return (("status_quo", status_quo), ("positions_midpoint", MappingProxyType(midpoint)))


def in_set(term: str, value: Any, optimal_set: Mapping[str, Any]) -> bool:
    """Whether ``value`` of ``term`` lies in a prediction's optimal set (a range or the options)."""
    if term in CONTINUOUS_RANGES:
        lo, hi = optimal_set[term]
        scale = 1.0 + abs(float(value))
        return bool(lo - SET_TOL * scale <= float(value) <= hi + SET_TOL * scale)
    return any(value == o and type(value) is type(o) for o in optimal_set[term])


def jointly_in_set(parameters: Parameters, utilities: np.ndarray, optimal_set: Mapping[str, Any],
                   fixed: Mapping[str, Any]) -> bool:
    """COMPARISON: whether some member of a prediction's optimal set takes the values ``fixed``.

    A per-term check (:func:`in_set`) asks whether each value lies in the set's range or options;
    this asks whether one contract x* of the set has them all, with u(x*) = u* within
    ``TIE_TOL (1 + |J*|)`` (:mod:`.contract_set`). The set's options of every discrete term not in
    ``fixed`` are enumerated; a continuous term not in ``fixed`` must be a point of the set (its
    range's ends equal, e.g. the commitment pinned at the need), so that each candidate is one
    contract.

    Raises
    ------
    ValueError
        If a continuous term outside ``fixed`` is not a point of the set.
    """
    u_star = np.asarray(utilities, dtype=float)
    tol = TIE_TOL * (1.0 + abs(float(u_star.sum())))
    free = [t for t in CONTINUOUS_TERMS if t not in fixed]
    wide = [t for t in free if not np.isclose(*map(float, optimal_set[t]), rtol=SET_TOL, atol=SET_TOL)]
    if wide:
        raise ValueError(f"continuous term {wide[0]!r} is not fixed and not a point of the set: fix it")
    base = {**{t: float(optimal_set[t][0]) for t in free}, **fixed}
    choices = [[(t, o) for o in optimal_set[t]] for t in DISCRETE_TERMS if t not in fixed]
    for combination in itertools.product(*choices):
        u = np.array([float(x) for x in contract_utilities(parameters, {**base, **dict(combination)})])
        if np.max(np.abs(u - u_star)) <= tol:
            return True
    return False


def mechanism_outcomes(parameters: Parameters, utilities: np.ndarray, optimal_set: Mapping[str, Any],
                       actual: Mapping[str, Any], space: CaseSpace | None = None) -> dict[str, str]:
    """COMPARISON: each mechanism's outcome against ``actual``: ``"hit"``, ``"miss"`` or ``"tie"``.

    A discrete term whose set holds every option of the menu is a tie (undetermined): it cannot hit
    or miss and is left out. A mechanism is a tie when all its terms are; otherwise it hits when one
    member of the set has the settled values of all its determined terms at once
    (:func:`jointly_in_set`), so the three transfers of the split count as one joint test.
    """
    space = case_space() if space is None else space
    terms = {**space.continuous, **space.discrete}
    ties = {t for t, d in space.discrete.items() if len(optimal_set[t]) == len(d.options)}
    out = {}
    for mechanism in dict.fromkeys(term.mechanism for term in terms.values()):
        determined = [t for t, term in terms.items() if term.mechanism == mechanism and t not in ties]
        if not determined:
            out[mechanism] = "tie"
            continue
        fixed = {t: actual[t] for t in determined}
        if any(t not in fixed and t in CONTINUOUS_TERMS and optimal_set[t][0] != optimal_set[t][1]
               for t in CONTINUOUS_TERMS):
            # free transfers outside the mechanism: each term on its own (the transfers absorb the rest)
            out[mechanism] = "hit" if all(in_set(t, actual[t], optimal_set) for t in determined) else "miss"
        else:
            out[mechanism] = "hit" if jointly_in_set(parameters, utilities, optimal_set, fixed) else "miss"
    return out


def score_contract(name: str, contract: Mapping[str, Any], actual: Mapping[str, Any],
                   optimal_set: Mapping[str, Any] | None = None) -> ContractScore:
    """Term-by-term score (module docstring) of ``contract`` against ``actual``; consistency with ``optimal_set``."""
    rows = []
    for term in TERMS:
        consistent = None if not optimal_set else in_set(term, actual[term], optimal_set)
        if term in CONTINUOUS_RANGES:
            lo, hi = CONTINUOUS_RANGES[term]
            error = float(contract[term]) - float(actual[term])
            rows.append(TermComparison(term, float(contract[term]), actual[term], error, None, abs(error) / (hi - lo),
                                       consistent))
        else:
            match = contract[term] == actual[term]
            rows.append(TermComparison(term, contract[term], actual[term], None, bool(match), 0.0 if match else 1.0,
                                       consistent))
    return ContractScore(name, MappingProxyType(dict(contract)), tuple(rows), float(np.mean([r.score for r in rows])))


def settlement_position(parameters: Parameters, prob: ng.BargainingProblem | None = None) -> SettlementPosition:
    """The settlement's utilities under the model and its radial distance to the frontier."""
    prob = problem(parameters) if prob is None else prob
    u = np.array([float(x) for x in contract_utilities(parameters, settlement())])
    rational = bool(np.all(u > prob.disagreement))
    if rational:
        projection, t = ng.radial_projection(prob, tuple(u))
        projection, method = np.asarray(projection, dtype=float), "radial from d"
    else:
        step = np.ones(2)
        projection, shift = ng.radial_projection(prob.with_disagreement(tuple(u - step)), tuple(u))
        projection, t = np.asarray(projection, dtype=float), float("nan")
        method = f"along (1, 1) from the settlement (+{shift - 1:.6g} $B each): not >> d, no ray from d"
    distance = float(np.linalg.norm(projection - u))
    on_frontier = bool(t <= 1 + FRONTIER_TOL) if rational else bool(distance <= FRONTIER_TOL * (1 + np.abs(u).max()))
    return SettlementPosition(u, prob.disagreement.copy(), on_frontier, float(t), projection, distance, rational, method)


def disagreement_box(rng: np.random.Generator | None = None) -> tuple[tuple[float, float], tuple[float, float]]:
    """Range of the disagreement payoffs over the calibration (low, high and uniform draws)."""
    cal = calibration()
    rng = np.random.default_rng(0) if rng is None else rng
    draws = [disagreement_payoffs(cal.sample(rng, DISAGREEMENT_DRAWS))] + [disagreement_payoffs(x) for x in (cal.low(), cal.high())]
    u_m = np.concatenate([np.ravel(d[0]) for d in draws])
    u_o = np.concatenate([np.ravel(d[1]) for d in draws])
    return (float(u_m.min()), float(u_m.max())), (float(u_o.min()), float(u_o.max()))


def fit_implied_bargaining_power(parameters: Parameters, prob: ng.BargainingProblem | None = None) -> ImpliedPowerFit:
    """FIT (uses the settlement): Microsoft's weight alpha for which asymmetric Nash gives it.

    The settlement's utilities are first projected radially onto the frontier (theory.md §5);
    alpha falls with d_1 and rises with d_2, so the identified set over the d-box is reported.
    """
    prob = problem(parameters) if prob is None else prob
    agreement = settlement_position(parameters, prob).projection
    full = disagreement_box()
    margin = RATIONALITY_MARGIN * (1.0 + float(np.max(np.abs(agreement))))
    box = tuple((lo, min(hi, float(a) - margin)) for (lo, hi), a in zip(full, agreement))
    notes = []
    if box != full:
        notes.append(f"d-box {full} clipped to {box}, where the settlement gives both a gain")
    try:
        point = float(ng.implied_bargaining_power(prob, tuple(agreement)))
    except ValueError as exc:
        point = None
        notes.append(f"no point estimate at the central d: {exc}")
    if any(lo > hi for lo, hi in box):
        return ImpliedPowerFit(point, None, box, agreement, "; ".join(notes + ["no d in the box gives both a gain"]))
    interval = ng.implied_bargaining_power(prob, tuple(agreement), disagreement_box=box)
    return ImpliedPowerFit(point, interval, box, agreement, "; ".join(notes) or "ok")


def compare(
    parameters: Parameters | None = None,
    concepts: tuple[str, ...] = CONCEPTS,
    predictions: Mapping[str, Prediction] | None = None,
) -> Comparison:
    """Score each concept's prediction and the naive baselines against the settlement.

    ``predictions`` may hold precomputed predictions (keyed by concept) to avoid re-solving.
    """
    p = calibration().central() if parameters is None else parameters
    actual = settlement()
    prob = problem(p)
    scored_baselines = tuple(score_contract(name, c, actual) for name, c in baselines())
    sq, midpoint = (b.score for b in scored_baselines)
    rows = []
    for concept in concepts:
        prediction = (predictions or {}).get(concept) or predict(concept, p)
        scored = score_contract(concept, prediction.contract, actual, prediction.optimal_set)
        rows.append(ConceptComparison(concept, scored, prediction.utilities.copy(), scored.score < sq, scored.score < midpoint))
    return Comparison(tuple(rows), scored_baselines, settlement_position(p, prob), fit_implied_bargaining_power(p, prob))
