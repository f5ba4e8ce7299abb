"""Proper scores of a predictive distribution against the settlement, as skill over a random contract.

Comparison code (it may read the settlement through :func:`.compare.settlement`); nothing here
feeds a prediction. A prediction is scored as the distribution of its representative contract
over the calibration draws (one predicted value per draw and term); a point prediction is a
distribution with one draw.

Rules, per term (Gneiting & Raftery 2007, "Strictly proper scoring rules, prediction, and
estimation", JASA 102:359-378):

* continuous terms (``equity``, ``revenue_share``, ``azure_commitment``) and the ORDINAL year
  term ``ip_rights_until``: the continuous ranked probability score (:func:`crps`), so a year
  is scored by its distance: 2031 is nearer 2032 than 2035 is.
* the other discrete terms: the multi-category Brier score (:func:`brier`) with the predictive
  probability of an option equal to the share of draws whose representative takes it. The terms
  whose options mix years with ``"agi"``/``"none"`` (``revenue_share_until``,
  ``api_exclusivity``) are treated as CATEGORICAL: placing "AGI" on the year line would need
  the expected AGI date, a calibrated quantity the comparison should not depend on, and with two
  or three options the ordering carries little extra information.

Set-valued predictions: the theory predicts each draw's optimal set, so the set is scored, each
draw's mass spread uniformly over its set (:func:`set_samples`); the representative of each draw
(what the documented least-change rule picks from the set) is scored beside it.

Combination: per-term SKILL ``1 - S / S_random`` against the uniformly random contract (0: as
good as random, 1: perfect, negative: worse than random), and the mean over terms ("total").
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from negotiation.cases.microsoft_openai.contract_set import ContractSets
from negotiation.cases.microsoft_openai.parameters import calibration
from negotiation.cases.microsoft_openai.positions import SIDES, positions
from negotiation.cases.microsoft_openai.space import CONTINUOUS_TERMS, DISCRETE_TERMS, CaseSpace, case_space
from negotiation.kit.score import _index, brier, crps, crps_uniform, log_score, option_probabilities

#: Terms scored by CRPS (distance-sensitive): the continuous terms and the year-valued IP horizon.
CRPS_TERMS = (*CONTINUOUS_TERMS, "ip_rights_until")
#: Terms scored by the Brier score (categorical).
BRIER_TERMS = tuple(t for t in DISCRETE_TERMS if t not in CRPS_TERMS)
TERMS = (*CRPS_TERMS, *BRIER_TERMS)
#: Points per draw that spread a continuous term's set over its range (:func:`set_samples`).
SET_POINTS = 16
#: Monte Carlo draws of the random contract for a term capped by a calibrated parameter.
RANDOM_DRAWS = 20_000
_RANDOM_REFERENCE: dict[tuple, float] = {}
""":func:`random_score`'s Monte Carlo references with the default generator, by term, realised value,
the space's continuous terms and the calibration ranges (all it depends on): a few entries."""


def term_score(term: str, samples: Sequence[Any] | np.ndarray, actual: Any, space: CaseSpace,
               weights: Sequence[float] | np.ndarray | None = None) -> float:
    """The proper score of one term: CRPS for ``CRPS_TERMS``, Brier over the space's options otherwise."""
    if term in CONTINUOUS_TERMS:
        return crps(samples, float(actual), weights)
    if term in CRPS_TERMS:
        return crps([_year(term, v) for v in np.asarray(samples, dtype=object).ravel()], _year(term, actual), weights)
    options = space.discrete[term].options
    return brier(option_probabilities(samples, options, weights), _index(actual, options))


def _year(term: str, value: Any) -> float:
    value = value.item() if isinstance(value, np.generic) else value
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"{term} is scored by distance and must be a year, got {value!r}")
    return float(value)


def random_contracts(n: int, rng: np.random.Generator, space: CaseSpace | None = None) -> dict[str, np.ndarray]:
    """``n`` uniformly random contracts of the space, as ``samples`` for :func:`skill`.

    Continuous terms uniform on their bounds; a term capped ``at_most`` a calibrated parameter is
    uniform on ``[low, min(high, cap)]`` with the cap drawn from the calibration ranges; discrete
    terms uniform over their options.
    """
    space = case_space() if space is None else space
    if n < 1:
        raise ValueError(f"random_contracts: n must be at least 1, got {n}")
    out: dict[str, np.ndarray] = {}
    for term, spec in space.continuous.items():
        high = np.full(n, spec.high)
        if spec.at_most is not None:
            high = np.minimum(high, np.asarray(getattr(calibration().sample(rng, n), spec.at_most), dtype=float))
        out[term] = spec.low + rng.random(n) * (high - spec.low)
    for term, spec in space.discrete.items():
        options = np.empty(len(spec.options), dtype=object)
        options[:] = list(spec.options)
        out[term] = options[rng.integers(len(spec.options), size=n)]
    return out


def random_score(term: str, actual: Any, space: CaseSpace, rng: np.random.Generator | None = None) -> float:
    """The score of the uniformly random contract on ``term`` (the skill's reference).

    Continuous: uniform on the term's bounds, exact by :func:`crps_uniform`; a term capped
    ``at_most`` a calibrated parameter by Monte Carlo over ``RANDOM_DRAWS`` random contracts
    (:func:`random_contracts`, ``rng`` default seed 0). Discrete: uniform over the options, exact
    (CRPS of the options' empirical distribution for the year term, Brier ``(k - 1) / k`` for k
    categorical options).
    """
    if term in CONTINUOUS_TERMS:
        spec = space.continuous[term]
        if spec.at_most is None:
            return crps_uniform(spec.low, spec.high, float(actual))
        if rng is not None:
            return crps(random_contracts(RANDOM_DRAWS, rng, space)[term], float(actual))
        # The default reference is a fixed function of what it reads, so it is computed once: every
        # concept and specification scored against the same settlement shares it.
        ranges = tuple((name, s.low, s.high) for name, s in calibration().specs.items())
        key = (term, float(actual), tuple(space.continuous.values()), ranges)
        if key not in _RANDOM_REFERENCE:
            _RANDOM_REFERENCE[key] = crps(random_contracts(RANDOM_DRAWS, np.random.default_rng(0), space)[term],
                                          float(actual))
        return _RANDOM_REFERENCE[key]
    options = space.discrete[term].options
    if term in CRPS_TERMS:
        return term_score(term, list(options), actual, space)
    return brier(np.full(len(options), 1.0 / len(options)), _index(actual, options))


def skill(samples: Mapping[str, np.ndarray | list], actual: Mapping[str, Any], space: CaseSpace | None = None,
          rng: np.random.Generator | None = None, weights: Mapping[str, np.ndarray] | None = None) -> dict[str, float]:
    """Skill of a predictive distribution over the random contract: ``1 - S / S_random`` per term.

    Parameters
    ----------
    samples
        ``samples[term]``: one predicted value per calibration draw (a point prediction: one value),
        for every term of ``TERMS``.
    actual
        The realised contract (for comparison: :func:`.compare.settlement`).
    space
        The contract space of the random reference (default :func:`.space.case_space`).
    rng
        Generator of the Monte Carlo part of the random reference (default seed 0).
    weights
        ``weights[term]``: the probability of each sample (default: equal), e.g. from :func:`set_samples`.

    Returns
    -------
    dict
        ``"total"``: the mean skill over the terms; and each term's skill (1 perfect, 0 as good as
        the uniformly random contract, negative worse).

    Raises
    ------
    ValueError
        If a term is missing from ``samples`` or ``actual``, or a value is outside the space.
    """
    space = case_space() if space is None else space
    for name, given in (("samples", samples), ("actual", actual)):
        missing = [t for t in TERMS if t not in given]
        if missing:
            raise ValueError(f"{name} lacks term {missing[0]!r}; needed: {list(TERMS)}")
    out = {t: 1.0 - term_score(t, samples[t], actual[t], space, None if weights is None else weights[t])
              / random_score(t, actual[t], space, rng) for t in TERMS}
    return {"total": float(np.mean(list(out.values()))), **out}


def set_samples(sets: ContractSets, space: CaseSpace | None = None, points: int = SET_POINTS
                ) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """A set-valued prediction over N draws as weighted samples for :func:`skill`.

    Each draw carries weight 1/N, spread uniformly over its optimal set (:mod:`.contract_set`):
    over a continuous term's range ``[lo, hi]`` by ``points`` midpoints ``lo + (k + 1/2)(hi - lo)/points``
    (a point range gives ``points`` equal values), and equally over a discrete term's member
    options. The theory predicts the set, not one member, so this scores what it predicts; the
    representative's score is :func:`skill` of ``sets.representative``.
    """
    space = case_space() if space is None else space
    n = len(sets.members)
    samples: dict[str, np.ndarray] = {}
    weights: dict[str, np.ndarray] = {}
    fractions = (np.arange(points) + 0.5) / points
    for term in CONTINUOUS_TERMS:
        lo, hi = sets.ranges[term][:, :1], sets.ranges[term][:, 1:]
        samples[term] = (lo + fractions * (hi - lo)).ravel()
        weights[term] = np.full(n * points, 1.0 / (n * points))
    for term in DISCRETE_TERMS:
        inside = np.asarray(sets.options[term], dtype=bool)
        options = np.empty(len(space.discrete[term].options), dtype=object)
        options[:] = list(space.discrete[term].options)
        rows, cols = np.nonzero(inside)
        samples[term] = options[cols]
        weights[term] = 1.0 / (n * inside.sum(axis=1)[rows])
    return samples, weights


def informed_baselines() -> dict[str, dict[str, Any]]:
    """Point predictions from the reported pre-MOU positions (:func:`.positions.positions`).

    ``openai`` and ``microsoft``: each side's position. ``positions_midpoint``: each continuous
    term the mean of the two positions; each discrete term (the AGI terms among them) the value
    the two sides asked for: a value both named, else the value of the one side that asked to
    move it from the status quo (the other side is not reported to oppose it), else the status
    quo (both silent, or the two asks conflict).
    """
    given = positions()
    sides = [given[s] for s in SIDES]
    status_quo = given["status_quo"]
    midpoint: dict[str, Any] = {t: float(np.mean([float(s[t]) for s in sides])) for t in CONTINUOUS_TERMS}
    for t in DISCRETE_TERMS:
        asks = {repr(s[t]): s[t] for s in sides if s[t] != status_quo[t]}
        midpoint[t] = next(iter(asks.values())) if len(asks) == 1 else status_quo[t]
    return {**{s: dict(given[s]) for s in SIDES}, "positions_midpoint": midpoint}
