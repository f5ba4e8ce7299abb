"""Revealed preference from the pre-MOU positions: inequality restrictions on the calibration.

In the spirit of moment inequalities (Pakes, Porter, Ho & Ishii 2015, *Econometrica* 83,
315-334): a party that puts an offer on the table reveals that the offer is at least as good for
it as its disagreement payoff. With the positions of :func:`.positions.positions` (OpenAI's of
2025-06-30 [R26], Microsoft's of 2025-07-29 [R29], both before the MOU) and ``d`` the
disagreement point the batch path uses (:func:`.threats.disagreement_payoffs`), a parameter draw
is *admissible* when

    u_O(x_O) - d_O >= 0   and   u_M(x_M) - d_M >= 0,

``u`` the risk-neutral payoffs of :func:`.payoffs.contract_utilities`. Only pre-MOU facts are
read; never the settlement.

Left out, on purpose: "neither had accepted the other's offer by the MOU". In the models solved
here it has no defensible content. Under complete information every concept (the axiomatic ones
and Rubinstein's subgame-perfect equilibrium alike) predicts immediate agreement, so an offer
left open for months is off the equilibrium path and says nothing about ``d``; and in Rubinstein's
game a responder rejects an offer when it falls short of its *continuation* value (the
discounted value of its own next proposal), which lies above ``d``. So ``u_M(x_O) < d_M`` is not
implied by rejection, and the weaker implication needs a model of delay (incomplete
information) that the case does not have. Reported positions are also opening demands, not
final offers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Mapping

import numpy as np
from scipy import stats

from negotiation.cases.microsoft_openai.batch import BatchPrediction, as_draws, predict_all_batch
from negotiation.cases.microsoft_openai.parameters import PARAMETER_NAMES, Calibration, Parameters
from negotiation.cases.microsoft_openai.payoffs import contract_utilities
from negotiation.cases.microsoft_openai.positions import positions
from negotiation.cases.microsoft_openai.solve import CONCEPTS
from negotiation.cases.microsoft_openai.space import CONTINUOUS_TERMS, DISCRETE_TERMS
from negotiation.cases.microsoft_openai.threats import disagreement_payoffs

QUANTILES = (0.05, 0.5, 0.95)
"""The admissible range of a parameter and the interval of a prediction: 5 %, median, 95 %."""
BINDING_LEVEL = 0.01
"""A restriction binds on a parameter when the two-sample Kolmogorov-Smirnov test of admissible
against rejected draws rejects equality at this level, Bonferroni-corrected over the parameters."""


def offer_gains(parameters: Parameters) -> dict[str, np.ndarray]:
    """Each side's gain from its own pre-MOU offer over its disagreement payoff, per draw.

    ``openai = u_O(x_O) - d_O`` and ``microsoft = u_M(x_M) - d_M`` (risk neutral, $B), with
    ``d`` from :func:`.threats.disagreement_payoffs` (the batch path's disagreement point).
    """
    p = as_draws(parameters)
    given = positions()
    d_m, d_o = disagreement_payoffs(p)
    _, u_o = contract_utilities(p, given["openai"])
    u_m, _ = contract_utilities(p, given["microsoft"])
    return {"openai": np.asarray(u_o - d_o, dtype=float), "microsoft": np.asarray(u_m - d_m, dtype=float)}


def admissible(parameters: Parameters) -> np.ndarray:
    """Draws under which each side's own offer is at least as good for it as ``d``: bool array (N,)."""
    gains = offer_gains(parameters)
    return (gains["openai"] >= 0.0) & (gains["microsoft"] >= 0.0)


@dataclass(frozen=True)
class ParameterRange:
    """One parameter's prior and admissible 5 %, 50 %, 95 % quantiles, and whether the restriction binds.

    ``shrink = 1 - width(admissible) / width(prior)`` of the 5-95 % range; ``p_value`` of the KS test
    of admissible against rejected draws (NaN when either set is empty).
    """

    name: str
    prior: tuple[float, float, float]
    admissible: tuple[float, float, float]
    shrink: float
    p_value: float
    binds: bool


@dataclass(frozen=True)
class RevealedReport:
    """What the restriction does to the prior and to every concept's prediction.

    Attributes
    ----------
    draws : int
    share : float
        Admissible share of the prior draws, in [0, 1].
    side_shares : Mapping[str, float]
        Share of draws satisfying each side's inequality alone.
    ranges : tuple of ParameterRange
        Every parameter that varies over the prior.
    predictions : Mapping[str, Mapping[str, Mapping[str, Any]]]
        ``{concept: {"all" | "admissible": summary}}``, a summary of :func:`summarise`.
    """

    draws: int
    share: float
    side_shares: Mapping[str, float]
    ranges: tuple[ParameterRange, ...]
    predictions: Mapping[str, Mapping[str, Mapping[str, Any]]]


def parameter_ranges(parameters: Parameters, keep: np.ndarray) -> tuple[ParameterRange, ...]:
    """:class:`ParameterRange` of every parameter that varies over the draws, admissible ``keep`` against all."""
    p = as_draws(parameters)
    keep = np.asarray(keep, dtype=bool)
    varying = [n for n in PARAMETER_NAMES if np.ptp(getattr(p, n)) > 0]
    level = BINDING_LEVEL / max(len(varying), 1)
    rows = []
    for name in varying:
        values = getattr(p, name)
        prior = np.quantile(values, QUANTILES)
        inside = np.quantile(values[keep], QUANTILES) if keep.any() else np.full(3, np.nan)
        both = keep.any() and (~keep).any()
        p_value = float(stats.ks_2samp(values[keep], values[~keep]).pvalue) if both else float("nan")
        rows.append(ParameterRange(name, tuple(map(float, prior)), tuple(map(float, inside)),
                                   float(1.0 - (inside[2] - inside[0]) / (prior[2] - prior[0])),
                                   p_value, bool(both and p_value < level)))
    return tuple(rows)


def summarise(prediction: BatchPrediction, keep: np.ndarray | None = None) -> dict[str, Any]:
    """Quantiles (:data:`QUANTILES`) of each continuous term and the modal option of each discrete one.

    Over the feasible draws of ``prediction`` (and ``keep``, if given); NaN / None when none remain.
    """
    rows = ~prediction.infeasible if keep is None else ~prediction.infeasible & np.asarray(keep, dtype=bool)
    summary: dict[str, Any] = {"draws": int(rows.sum())}
    for term in CONTINUOUS_TERMS:
        values = np.asarray(prediction.contract[term], dtype=float)[rows]
        summary[term] = tuple(map(float, np.quantile(values, QUANTILES))) if values.size else (np.nan,) * 3
    for term in DISCRETE_TERMS:
        values, counts = np.unique(np.asarray([str(v) for v in prediction.contract[term][rows]]), return_counts=True)
        summary[term] = str(values[np.argmax(counts)]) if values.size else None
    return summary


def report(calibration: Calibration, rng: np.random.Generator, n: int,
           concepts: Sequence[str] = CONCEPTS) -> RevealedReport:
    """The restriction on ``n`` prior draws of ``calibration``: share, parameter ranges, predictions.

    Every concept is solved once on all draws (:func:`.batch.predict_all_batch`); its admissible
    prediction is the same solutions on the admissible draws.
    """
    p = calibration.sample(rng, n)
    gains = offer_gains(p)
    keep = (gains["openai"] >= 0.0) & (gains["microsoft"] >= 0.0)
    solved = predict_all_batch(p, concepts)
    predictions = {c: MappingProxyType({"all": summarise(solved[c]), "admissible": summarise(solved[c], keep)})
                   for c in concepts}
    return RevealedReport(n, float(keep.mean()), MappingProxyType({s: float(np.mean(g >= 0.0)) for s, g in gains.items()}),
                          parameter_ranges(p, keep), MappingProxyType(predictions))
