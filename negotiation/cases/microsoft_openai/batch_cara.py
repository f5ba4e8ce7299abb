"""Batch predictions of the case under CARA risk aversion: :func:`.solve.predict` with ``risk_aversion > 0`` on many draws.

Under CARA each party's utility is ``phi(x) = (1 - exp(-rho x)) / rho`` of its (deterministic)
present-value payoff x (:func:`.payoffs.risk_transform`), and :func:`.solve.predict` transforms
the disagreement point, the threat game and the outside options the same way. phi is strictly
increasing, so the contracts that are Pareto efficient are those of the risk-neutral problem: the
case's share-affine family, its candidate segments and their pruning (:mod:`.batch`) serve
unchanged, and :mod:`negotiation.transformed_batch` finds where each concept lands on them in
utility. The model, the threat game and the pruning are computed once per chunk and shared by
every requested risk aversion (:func:`predict_all_batch_risks`); ``rho = 0`` is solved by the
risk-neutral batch itself, so its predictions are those of :func:`.batch.predict_all_batch`.

Units. ``BatchPrediction.utilities`` and ``disagreement`` are in $B of present value (certainty
equivalents ``x = phi^{-1}(U)``), so the contract sets are :func:`.contract_set.optimal_sets` of
them, as :func:`.solve.contract_sets` computes for the engine; ``details["transformed_utilities"]``
holds ``U = phi(x)``, the units of :func:`.solve.predict` (``Prediction.utilities``), and
``details["threat_point"]`` (``variable_threat``) is in those units too.
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import Executor
from functools import partial

import numpy as np

import negotiation.transformed_batch as tb
from negotiation.batch import BatchSolution, Candidates, ShareAffineFamily, _join, blocked, ideal_point_batch
from negotiation.cases.microsoft_openai.batch import (BLOCK, CHUNK, BatchPrediction, _floor, _prediction,
                                                      _solve_block, as_draws, chunk_model, rows_of)
from negotiation.cases.microsoft_openai.contract_set import optimal_sets
from negotiation.cases.microsoft_openai.parameters import Parameters
from negotiation.cases.microsoft_openai.solve import CONCEPTS, _space_of, commitment_cap, status_quo_contract
from negotiation.cases.microsoft_openai.space import CaseSpace

RISK_AVERSION = 0.002
"""The case's CARA coefficient (1/$B) of the specification curve's risk-averse specifications."""


def predict_all_batch_cara(parameters: Parameters, concepts: Sequence[str] = CONCEPTS,
                           risk_aversion: float = RISK_AVERSION, **options) -> dict[str, BatchPrediction]:
    """Several concepts for every draw with both parties CARA at ``risk_aversion``.

    Parameters
    ----------
    parameters : Parameters
        N draws (array fields) or one (scalar fields).
    concepts : sequence of str
        Which of ``CONCEPTS`` to solve.
    risk_aversion : float
        rho >= 0 (1/$B); 0 gives :func:`.batch.predict_all_batch`'s predictions.
    **options
        ``chunk``, ``block``, ``executor``, ``space`` as in :func:`.batch.predict_all_batch`.

    Returns
    -------
    dict
        ``{concept: BatchPrediction}``, money utilities (module docstring).
    """
    return predict_all_batch_risks(parameters, concepts, (risk_aversion,), **options)[risk_aversion]


def predict_all_batch_risks(parameters: Parameters, concepts: Sequence[str] = CONCEPTS,
                            risk_aversions: Sequence[float] = (0.0, RISK_AVERSION), *, chunk: int = CHUNK,
                            block: int = BLOCK, executor: Executor | None = None,
                            space: CaseSpace | None = None) -> dict[float, dict[str, BatchPrediction]]:
    """Several concepts at several risk aversions, sharing the model, the threat game and the pruned candidates.

    Returns
    -------
    dict
        ``{risk_aversion: {concept: BatchPrediction}}``.

    Raises
    ------
    ValueError
        For an unknown concept, a negative or non-finite risk aversion, or chunk/block < 1.
    """
    rhos = tuple(float(r) for r in risk_aversions)
    transforms = tuple(tb.CARA(r) for r in rhos)  # validates each rho
    unknown = [c for c in concepts if c not in CONCEPTS]
    if unknown or not concepts or not rhos or min(chunk, block) < 1:
        raise ValueError(f"need concepts among {CONCEPTS}, risk aversions, and chunk, block >= 1; got "
                         f"{list(concepts)!r}, {rhos!r}, {chunk!r}, {block!r}")
    p = as_draws(parameters)
    n = len(p.discount_rate)
    work = partial(_solve_rows, tuple(concepts), transforms, p, block, _space_of(space))
    pieces = [slice(i, min(i + chunk, n)) for i in range(0, n, chunk)]
    per_rho = _join(list(map(work, pieces) if executor is None else executor.map(work, pieces)))
    return {rho: {c: _prediction(c, solved[c], d, no_gain) for c in concepts}
            for rho, (d, no_gain, solved) in zip(rhos, per_rho)}


def _solve_rows(concepts: tuple[str, ...], transforms: tuple[tb.CARA, ...], p: Parameters, block: int,
                space: CaseSpace, rows: slice) -> tuple:
    """A chunk: the model and pruning once, every concept at every risk aversion, then the contract sets."""
    p = rows_of(p, rows)
    inputs, coef, combos, fam = chunk_model(concepts, p, space)

    def each_risk(r: np.ndarray, fam: ShareAffineFamily, among: Candidates) -> tuple:
        part = {k: v[r] for k, v in inputs.items()}
        return tuple(_solve_block(concepts, fam, among, part) if t.risk_aversion == 0
                     else _solve_block_cara(concepts, fam, among, part, t) for t in transforms)

    solved = blocked(fam, each_risk, block, _floor(fam.disagreement, inputs))
    cap, status_quo = np.atleast_1d(commitment_cap(p, space)), status_quo_contract(p)
    return tuple((d, no_gain, {c: (s, details, optimal_sets(coef, combos, space, cap, s.utilities, status_quo))
                               for c, (s, details) in by_concept.items()}) for d, no_gain, by_concept in solved)


def _solve_block_cara(concepts: tuple[str, ...], fam: ShareAffineFamily, among: Candidates,
                      inputs: dict[str, np.ndarray], transform: tb.CARA) -> tuple:
    """Every concept on some draws in utility phi(x) (:mod:`negotiation.transformed_batch`), money utilities out."""
    d = fam.disagreement
    among = tb.fewer_candidates(among)
    egalitarian = tb.egalitarian_batch(fam, transform, among=among)
    no_gain = ~(np.min(egalitarian.utilities - d, axis=1) > 0)  # phi is increasing: a money gain is a utility gain
    ideal = ideal_point_batch(fam, among=among) if {"kalai_smorodinsky", "rubinstein"} & set(concepts) else None

    def threat() -> tuple[BatchSolution, dict[str, np.ndarray]]:
        t = tb.variable_threat_batch(fam, transform, inputs["A"], inputs["B"], among=among)
        return t.solution, {"threat_x": t.threats[0], "threat_y": t.threats[1], "threat_point": t.disagreement,
                            "slope": t.slope, "value": t.value}

    solvers = {
        "nash": lambda: (tb.nash_batch(fam, transform, among=among), {}),
        "asymmetric_nash": lambda: (tb.nash_batch(fam, transform, np.column_stack([inputs["alpha"], 1 - inputs["alpha"]]),
                                                  among=among), {"alpha": inputs["alpha"]}),
        "kalai_smorodinsky": lambda: (tb.kalai_smorodinsky_batch(fam, transform, among=among, ideal=ideal), {}),
        "egalitarian": lambda: (egalitarian, {}),
        "utilitarian": lambda: (tb.utilitarian_batch(fam, transform, among=among), {}),
        "rubinstein": lambda: (tb.rubinstein_batch(fam, transform, inputs["discount_factors"], 0,
                                                   inputs["outside_options"], among=among, ideal=ideal),
                               {k: inputs[k] for k in ("discount_factors", "outside_options")}),
        "variable_threat": threat,
    }
    out = {}
    for concept in concepts:
        solution, details = solvers[concept]()
        out[concept] = (solution, {**details, "transformed_utilities": transform.phi(solution.utilities)})
    return d, no_gain, out
