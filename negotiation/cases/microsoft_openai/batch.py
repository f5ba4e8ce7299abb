"""Batch predictions of the case: every concept of :mod:`.solve` on many parameter draws at once.

The case's payoffs are share-affine (docs/DESIGN.md, "Case payoff structure"), so
:func:`family` turns the same :func:`.payoffs.coefficients` that build the engine's payoff
callables into a :class:`negotiation.batch.ShareAffineFamily`, and :func:`predict_batch` solves
it in closed form (:mod:`negotiation.batch`) with the inputs :func:`.solve.predict` uses:
weights from :func:`.solve.microsoft_weight` (:func:`weights_batch`), discount factors from
:func:`.solve.discount_factors` (:func:`discount_factors_batch`), and the threat game and
outside options of :mod:`.threats` (:func:`.threats.threat_matrices` and
:func:`.threats.disagreement_payoffs` work on draws; :func:`outside_options_batch`).
Risk-neutral only; the risk-averse variant is solved by the engine.

:func:`predict_all_batch` solves several concepts at once: the coefficients, threat game and
inputs are computed once per chunk of draws, and the pruned candidate segments
(:func:`negotiation.batch.candidates`), the no-gain test and the ideal point once per block
(draws of similar kept counts, :func:`negotiation.batch.blocked`) and shared by all concepts.
Chunks can run on an executor (results do not depend on it: every draw is solved on its own).
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import Executor
from dataclasses import dataclass
from functools import partial
from types import MappingProxyType
from typing import Mapping

import numpy as np

from negotiation.batch import (BatchSolution, Candidates, ShareAffineFamily, _join, blocked, egalitarian_batch,
                               ideal_point_batch, kalai_smorodinsky_batch, nash_batch, rubinstein_batch,
                               utilitarian_batch, variable_threat_batch)
from negotiation.cases.microsoft_openai.contract_set import ContractSets, optimal_sets, stack
from negotiation.cases.microsoft_openai.parameters import PARAMETER_NAMES, Parameters
from negotiation.cases.microsoft_openai.payoffs import coefficient_table
from negotiation.cases.microsoft_openai.solve import (CONCEPTS, _space_of, commitment_cap, factors_at_rate,
                                                      status_quo_contract, weight_at_rate)
from negotiation.cases.microsoft_openai.space import CaseSpace
from negotiation.cases.microsoft_openai.threats import MICROSOFT_ACTIONS, OPENAI_ACTIONS, disagreement_payoffs, threat_matrices

CHUNK = 2000
"""Draws whose model coefficients are computed together (the case model has a large per-call cost)."""
FLOOR_MARGIN = 1e-6
"""The pruning floor sits this far (relative) below d and the threat payoffs."""
BLOCK = 64
"""Draws solved together: every concept on one block's pruned candidates (draws are sorted by kept
count first, :func:`negotiation.batch.blocked`; pruning itself runs in blocks of
:data:`negotiation.batch.PRUNE_BLOCK`). Pruning keeps a few dozen slots a draw, so the blocks can be
larger than the cache-bound 16 of the unpruned arrays. Measured on 2,000 draws, all concepts, one
process: 16 draws a block 4.12 s, 32: 3.82 s, 64: 3.71 s, 128: 3.80 s, 256: 4.87 s; results are the
same bit for bit."""


@dataclass(frozen=True)
class BatchPrediction:
    """Predictions of one concept for N draws.

    Attributes
    ----------
    concept : str
    contract : Mapping[str, np.ndarray]
        The representative contract (:mod:`.contract_set`) of every draw, arrays of shape (N,):
        floats for equity, revenue share and Azure commitment; object arrays of the chosen values
        for the discrete terms. NaN (continuous) and None (discrete) where ``infeasible``.
    sets : ContractSets
        The optimal set of every draw (ranges of continuous terms, options of discrete ones).
    utilities : np.ndarray
        (N, 2) ``(u_M, u_O)`` in $B; NaN where ``infeasible``.
    disagreement : np.ndarray
        (N, 2) the status quo d.
    infeasible : np.ndarray
        (N,) True where there is no agreement: no contract gives both parties a gain over d,
        or (rubinstein) the outside options leave none, or (variable_threat) no slope fixed point.
    details : Mapping[str, np.ndarray]
        The concept's inputs per draw (``alpha``, ``discount_factors``, ``outside_options``,
        ``threat_point``, ``slope``, ...).
    """

    concept: str
    contract: Mapping[str, np.ndarray]
    utilities: np.ndarray
    disagreement: np.ndarray
    infeasible: np.ndarray
    details: Mapping[str, np.ndarray]
    sets: ContractSets


def as_draws(parameters: Parameters) -> Parameters:
    """Every field as a 1-d float array of one common length N (a scalar set gives N = 1)."""
    arrays = {name: np.atleast_1d(np.asarray(getattr(parameters, name), dtype=float)) for name in PARAMETER_NAMES}
    n = max(a.shape[0] for a in arrays.values())
    return Parameters(**{name: np.broadcast_to(a, (n,)).copy() for name, a in arrays.items()})


def draw(parameters: Parameters, i: int) -> Parameters:
    """Draw ``i`` of a batch as a scalar parameter set (what :func:`.solve.predict` takes)."""
    return Parameters(**{name: float(getattr(parameters, name)[i]) for name in PARAMETER_NAMES})


def rows_of(parameters: Parameters, rows: slice) -> Parameters:
    """Some draws of a batch."""
    return Parameters(**{name: getattr(parameters, name)[rows] for name in PARAMETER_NAMES})


def family(parameters: Parameters, space: CaseSpace | None = None) -> ShareAffineFamily:
    """The case's contract problems over the space's combinations for every draw, d = status quo.

    ``value[n, k] = V_k``, ``value_slope[n, k] = v_k``, ``side[n, k] = (b_Mk, b_Ok)``,
    ``side_slope[n, k] = (beta_Mk, beta_Ok)`` from :func:`.payoffs.coefficients`; share = equity
    in its bounds; box = revenue share in its bounds and the commitment as a fraction
    ``z in [0, 1]`` of its per-draw range ``[low, cap]`` (``cap`` from :func:`.solve.commitment_cap`):
    ``a = low + (cap - low) z``, so the constraint ``a <= azure_need`` is exact in the family.
    """
    space = _space_of(space)
    p = as_draws(parameters)
    return _family(p, stack(list(coefficient_table(p, space).values())), space)


def _family(p: Parameters, coef: Mapping[str, np.ndarray], space: CaseSpace,
            matrices: tuple[np.ndarray, np.ndarray] | None = None) -> ShareAffineFamily:
    """:func:`family` from the coefficients already stacked (:func:`.contract_set.stack`, (N, K) arrays)
    and, optionally, the threat matrices (:func:`.threats.threat_matrices`)."""
    n = len(p.discount_rate)
    c = {k: np.broadcast_to(v, (n, v.shape[1])) for k, v in coef.items()}
    low = space.continuous["azure_commitment"].low
    width = (np.asarray(commitment_cap(p, space), dtype=float) - low).reshape(-1, 1)
    value = c["V"] + c["v_a"] * low
    value_slope = np.stack([c["v_s"], c["v_a"] * width], axis=-1)
    side = np.stack([c["b_M"] + c["beta_Ma"] * low, c["b_O"] + c["beta_Oa"] * low], axis=-1)
    side_slope = np.stack([np.stack([c["beta_Ms"], c["beta_Ma"] * width], axis=-1),
                           np.stack([c["beta_Os"], c["beta_Oa"] * width], axis=-1)], axis=-2)
    box = np.array([space.bounds("revenue_share"), (0.0, 1.0)], dtype=float)
    return ShareAffineFamily(value, value_slope, side, side_slope, space.bounds("equity"), box,
                             np.column_stack(disagreement_payoffs(p, matrices)))


def outside_options_batch(A: np.ndarray, B: np.ndarray) -> np.ndarray:
    """(N, 2) outside options read off the threat matrices as :func:`.threats.outside_options` does.

    Microsoft: ``A[shift_in_house, comply]``; OpenAI: ``B[withhold_consent, move_workloads]``.
    """
    w_m = A[:, MICROSOFT_ACTIONS.index("shift_in_house"), OPENAI_ACTIONS.index("comply")]
    w_o = B[:, MICROSOFT_ACTIONS.index("withhold_consent"), OPENAI_ACTIONS.index("move_workloads")]
    return np.column_stack([w_m, w_o])


def weights_batch(parameters: Parameters) -> np.ndarray:
    """(N,) :func:`.solve.microsoft_weight` of every draw (it depends on the discount rate only)."""
    return np.array([weight_at_rate(r) for r in np.asarray(parameters.discount_rate, dtype=float).tolist()])


def discount_factors_batch(parameters: Parameters) -> np.ndarray:
    """(N, 2) :func:`.solve.discount_factors` of every draw (they depend on the rate and the offer interval only)."""
    pairs = zip(np.asarray(parameters.discount_rate, dtype=float).tolist(),
                np.asarray(parameters.offer_interval, dtype=float).tolist())
    return np.array([factors_at_rate(r, interval) for r, interval in pairs], dtype=float).reshape(-1, 2)


def predict_batch(concept: str, parameters: Parameters, risk_aversion: float = 0.0, chunk: int = CHUNK, *,
                  space: CaseSpace | None = None) -> BatchPrediction:
    """Solve the case by one concept for every draw: :func:`.solve.predict` on a batch.

    Parameters
    ----------
    concept : str
        One of ``CONCEPTS`` (same meaning, weights, discount factors, outside options and threat
        game as :func:`.solve.predict`).
    parameters : Parameters
        Fields are arrays of N draws (or scalars: N = 1).
    risk_aversion : float
        Must be 0: the CARA variant is not share-affine and is solved by the engine only.
    chunk : int
        Draws whose coefficients are computed together (memory bound).
    space : CaseSpace, optional
        An alternative contract space with the same terms (e.g. :func:`.space.widened`).

    Returns
    -------
    BatchPrediction

    Raises
    ------
    ValueError
        If ``concept`` is unknown or ``risk_aversion`` is not 0.
    """
    if risk_aversion != 0:
        raise ValueError(f"risk_aversion must be 0 in predict_batch (risk-averse variants are engine-only: "
                         f"use predict), got {risk_aversion!r}")
    return predict_all_batch(parameters, (concept,), chunk=chunk, space=space)[concept]


def predict_all_batch(parameters: Parameters, concepts: Sequence[str] = CONCEPTS, *, chunk: int = CHUNK,
                      block: int = BLOCK, executor: Executor | None = None,
                      space: CaseSpace | None = None) -> dict[str, BatchPrediction]:
    """Several concepts for every draw, sharing the model, the pruned candidates and the ideal point.

    Parameters
    ----------
    parameters : Parameters
        Fields are arrays of N draws (or scalars: N = 1).
    concepts : sequence of str
        Some of ``CONCEPTS``.
    chunk, block : int
        Draws whose coefficients are computed together, and draws solved together.
    executor : concurrent.futures.Executor, optional
        Runs the chunks (e.g. a ``ProcessPoolExecutor``); None: in this process. The results are
        the same either way.
    space : CaseSpace, optional
        An alternative contract space with the same terms.

    Returns
    -------
    dict
        ``{concept: BatchPrediction}``.
    """
    unknown = [c for c in concepts if c not in CONCEPTS]
    if unknown or not concepts:
        raise ValueError(f"concept must be one of {CONCEPTS}, got {list(concepts)!r}")
    if chunk < 1 or block < 1:
        raise ValueError(f"chunk and block must be >= 1, got {chunk!r} and {block!r}")
    p = as_draws(parameters)
    n = len(p.discount_rate)
    solve = partial(_solve_rows, tuple(concepts), p, block, _space_of(space))
    rows = [slice(i, min(i + chunk, n)) for i in range(0, n, chunk)]
    d, no_gain, solved = _join(list(map(solve, rows) if executor is None else executor.map(solve, rows)))
    return {concept: _prediction(concept, solved[concept], d, no_gain) for concept in concepts}


def _prediction(concept: str, solved: tuple[BatchSolution, dict[str, np.ndarray], ContractSets], d: np.ndarray,
                no_gain: np.ndarray) -> BatchPrediction:
    solution, details, sets = solved
    infeasible = no_gain | np.isnan(solution.utilities).any(axis=1)
    contract = {t: np.where(infeasible, np.nan, v) if v.dtype != object else np.where(infeasible, None, v)
                for t, v in sets.representative.items()}
    return BatchPrediction(concept, MappingProxyType(contract),
                           np.where(infeasible[:, None], np.nan, solution.utilities), d, infeasible,
                           MappingProxyType(details), sets)


def chunk_model(concepts: tuple[str, ...], p: Parameters, space: CaseSpace
                ) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray], list, ShareAffineFamily]:
    """A chunk's model, shared by every solver of it (risk-neutral here, CARA in :mod:`.batch_cara`):
    each concept's inputs, the stacked coefficients, their combinations and the share-affine family
    (threat matrices computed once, when a requested concept needs the threat game)."""
    matrices = threat_matrices(p) if _needs_threat_game(concepts, p) else None
    table = coefficient_table(p, space)
    coef = stack(list(table.values()))
    return _inputs(concepts, p, matrices), coef, list(table), _family(p, coef, space, matrices)


def _solve_rows(concepts: tuple[str, ...], p: Parameters, block: int, space: CaseSpace, rows: slice
                ) -> tuple[np.ndarray, np.ndarray, dict[str, tuple[BatchSolution, dict[str, np.ndarray], ContractSets]]]:
    """Some draws (a chunk): the model once, every concept block by block, then each concept's contract sets."""
    p = rows_of(p, rows)
    inputs, coef, combos, fam = chunk_model(concepts, p, space)

    def solve(r: np.ndarray, fam: ShareAffineFamily, among: Candidates):
        return _solve_block(concepts, fam, among, {k: v[r] for k, v in inputs.items()})

    d, no_gain, solved = blocked(fam, solve, block, _floor(fam.disagreement, inputs))
    cap, status_quo = np.atleast_1d(commitment_cap(p, space)), status_quo_contract(p)
    return d, no_gain, {concept: (solution, details, optimal_sets(coef, combos, space, cap, solution.utilities, status_quo))
                        for concept, (solution, details) in solved.items()}


def _floor(d: np.ndarray, inputs: dict[str, np.ndarray]) -> np.ndarray:
    """(N, 2) a point below which no requested concept looks: d, and every threat-game payoff when a
    threat or alternating-offers concept is solved (threat points and outside options are mixtures of
    the cells), lowered by FLOOR_MARGIN (1 + |d|) (:func:`negotiation.batch.kept`)."""
    floor = d
    if "A" in inputs:
        floor = np.minimum(floor, np.column_stack([inputs["A"].min(axis=(1, 2)), inputs["B"].min(axis=(1, 2))]))
    return floor - FLOOR_MARGIN * (1.0 + np.abs(d))


def _needs_threat_game(concepts: tuple[str, ...], p: Parameters) -> bool:
    """Whether the threat matrices are needed: by a threat or alternating-offers concept, or for d."""
    return bool({"rubinstein", "variable_threat"} & set(concepts)) or bool(np.max(p.disagreement_from_equilibrium) > 0.5)


def _inputs(concepts: tuple[str, ...], p: Parameters, matrices: tuple[np.ndarray, np.ndarray] | None
            ) -> dict[str, np.ndarray]:
    """Each requested concept's per-draw inputs (weights, discount factors, threat game, outside options);
    ``matrices`` = :func:`.threats.threat_matrices` of ``p`` (given when ``_needs_threat_game``)."""
    inputs: dict[str, np.ndarray] = {}
    if "asymmetric_nash" in concepts:
        inputs["alpha"] = weights_batch(p)
    if "rubinstein" in concepts or "variable_threat" in concepts:
        inputs["A"], inputs["B"] = matrices
    if "rubinstein" in concepts:
        inputs["discount_factors"] = discount_factors_batch(p)
        inputs["outside_options"] = outside_options_batch(inputs["A"], inputs["B"])
    return inputs


def _solve_block(concepts: tuple[str, ...], fam: ShareAffineFamily, among: Candidates, inputs: dict[str, np.ndarray]
                 ) -> tuple[np.ndarray, np.ndarray, dict[str, tuple[BatchSolution, dict[str, np.ndarray]]]]:
    """Every concept on some draws, on their pruned candidates (exact for all of them: negotiation.batch)."""
    d = fam.disagreement
    egalitarian = egalitarian_batch(fam, among=among)
    no_gain = ~(np.min(egalitarian.utilities - d, axis=1) > 0)
    ideal = ideal_point_batch(fam, among=among) if {"kalai_smorodinsky", "rubinstein"} & set(concepts) else None
    solvers = {
        "nash": lambda: (nash_batch(fam, among=among), {}),
        "asymmetric_nash": lambda: (nash_batch(fam, np.column_stack([inputs["alpha"], 1.0 - inputs["alpha"]]),
                                               among=among), {"alpha": inputs["alpha"]}),
        "kalai_smorodinsky": lambda: (kalai_smorodinsky_batch(fam, among=among, ideal=ideal), {}),
        "egalitarian": lambda: (egalitarian, {}),
        "utilitarian": lambda: (utilitarian_batch(fam, among=among), {}),
        "rubinstein": lambda: (rubinstein_batch(fam, inputs["discount_factors"], 0, inputs["outside_options"],
                                                among=among, ideal=ideal),
                               {k: inputs[k] for k in ("discount_factors", "outside_options")}),
        "variable_threat": lambda: _threat(fam, inputs["A"], inputs["B"], among),
    }
    return d, no_gain, {concept: solvers[concept]() for concept in concepts}


def _threat(fam: ShareAffineFamily, A: np.ndarray, B: np.ndarray, among) -> tuple[BatchSolution, dict[str, np.ndarray]]:
    threat = variable_threat_batch(fam, A, B, among=among)
    return threat.solution, {"threat_x": threat.threats[0], "threat_y": threat.threats[1],
                             "threat_point": threat.disagreement, "slope": threat.slope, "value": threat.value}
