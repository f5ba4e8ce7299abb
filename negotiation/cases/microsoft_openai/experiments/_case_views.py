"""Helpers shared by the ``baseline``, ``bargaining_power`` and ``counterfactuals`` experiments.

Everything here works on the case's batch family (:func:`negotiation.cases.microsoft_openai.batch.family`),
the closed-form path that agrees with the one-at-a-time engine to 1e-8: the utility-possibility
frontier as the Pareto-efficient part of the family's candidate segments, radial positions of
given utility pairs relative to that frontier, and the weight for which asymmetric Nash
reaches a given frontier point. Plus the drawing helpers the three experiments share (figures
read saved results only).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from negotiation.batch import (ShareAffineFamily, candidate_segments, candidates, nash_batch, ray_batch, segment_utilities,
                             subset)
from negotiation.cases.microsoft_openai.batch import BatchPrediction, as_draws, predict_batch
from negotiation.cases.microsoft_openai.compare import TERMS
from negotiation.cases.microsoft_openai.parameters import PARAMETER_NAMES, Parameters, calibration
from negotiation.cases.microsoft_openai.contract_set import take
from negotiation.cases.microsoft_openai.solve import CONCEPTS
from negotiation.plots import style_of

#: Points drawn on each candidate segment when tracing the frontier (segments are straight).
SEGMENT_SAMPLES = 48
#: Step (in $B, each party) below a utility pair that is not >> d, from which it is projected
#: along (1, 1); the same convention as ``compare.settlement_position``.
UNIT_STEP = 1.0
#: Bisection steps for the implied weight (interval halves each step: 2^-40 ~ 1e-12).
WEIGHT_BISECTIONS = 40
#: Relative tolerance on u_M when deciding whether a Nash solution reached the agreement.
WEIGHT_TOL = 1e-7
#: Sides of the reported positions in ``data/positions.toml`` (before the MOU).


@dataclass(frozen=True)
class RadialPositions:
    """Where utility pairs lie relative to the frontier, one entry per draw.

    ``radial_factor`` t (NaN where the pair is not >> d): the frontier point on the ray from d is
    ``d + t (u - d)``; t > 1 inside, t < 1 outside. Pairs that are not >> d are projected along
    (1, 1) (equal gains in $B) from ``u - UNIT_STEP``; ``distance`` = |projection - u| in $B.
    """

    utilities: np.ndarray
    rational: np.ndarray
    radial_factor: np.ndarray
    projection: np.ndarray
    distance: np.ndarray


def replicate(family: ShareAffineFamily, disagreement: np.ndarray) -> ShareAffineFamily:
    """Draw 0 of ``family`` repeated once per row of ``disagreement`` (N, 2), with those d."""
    d = np.atleast_2d(np.asarray(disagreement, dtype=float))
    one = subset(family, slice(0, 1))
    n = d.shape[0]
    return dataclasses.replace(
        one,
        value=np.repeat(one.value, n, axis=0),
        value_slope=np.repeat(one.value_slope, n, axis=0),
        side=np.repeat(one.side, n, axis=0),
        side_slope=np.repeat(one.side_slope, n, axis=0),
        disagreement=d,
    )


def pareto_order(points: np.ndarray) -> np.ndarray:
    """Indices of the Pareto-efficient rows of ``points`` (M, 2), ordered by u_M increasing."""
    order = np.lexsort((-points[:, 1], -points[:, 0]))  # u_M descending, ties: u_O descending
    ranked = points[order, 1]
    best_before = np.maximum.accumulate(np.concatenate([[-np.inf], ranked[:-1]]))
    return order[ranked > best_before][::-1]


def frontier_points(family: ShareAffineFamily, samples: int = SEGMENT_SAMPLES) -> np.ndarray:
    """Pareto frontier (M, 2) of draw 0's whole utility set (not only its part above d).

    The efficient set lies on the candidate segments of :mod:`negotiation.batch` (share
    segments at the box corners, box edges at the share bounds) for every discrete combination:
    each is sampled at ``samples`` points and the non-dominated ones are kept.
    """
    start, end = segment_utilities(subset(family, slice(0, 1)), candidate_segments(family.share_bounds, family.box))
    t = np.linspace(0.0, 1.0, samples)[:, None]
    points = start[0, :, :, None, :] + t * (end - start)[0, :, :, None, :]
    points = points.reshape(-1, 2)
    return points[pareto_order(points)]


def radial_positions(family: ShareAffineFamily, utilities: np.ndarray) -> RadialPositions:
    """Radial position of ``utilities`` (N, 2) relative to each draw's frontier (closed form).

    Same convention as ``compare.settlement_position``: a ray from d through u when u >> d, else
    a step along (1, 1) from ``u - UNIT_STEP``.
    """
    u = np.atleast_2d(np.asarray(utilities, dtype=float))
    d = family.disagreement
    rational = np.all(u > d, axis=1)
    origin = np.where(rational[:, None], d, u - UNIT_STEP)
    direction = np.where(rational[:, None], u - d, 1.0)
    reached = ray_batch(dataclasses.replace(family, disagreement=origin), direction).utilities
    t = np.min((reached - origin) / direction, axis=1)
    projection = origin + t[:, None] * direction
    distance = np.linalg.norm(projection - u, axis=1)
    return RadialPositions(u, rational, np.where(rational, t, np.nan), projection, distance)


def implied_weights(family: ShareAffineFamily, agreement: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """FIT helper: weights alpha of Microsoft for which asymmetric Nash gives ``agreement``.

    For each draw (its own d), the interval ``[lo, hi]`` of alpha with
    ``N_alpha(S, d)_M = u*_M`` (a point unless u* is a kink; theory.md §5), by bisection on the
    non-decreasing map ``alpha -> N_alpha(S, d)_M`` (closed-form batch Nash). Rows where u* is
    not >> d get NaN; so do rows where no alpha reaches u* (the map jumps over it: u* lies on a
    part of the frontier no asymmetric Nash solution selects).

    Parameters
    ----------
    family : ShareAffineFamily
        N draws (usually :func:`replicate` of one draw over a grid of d).
    agreement : np.ndarray
        (2,) or (N, 2) frontier point u*.
    """
    n = family.disagreement.shape[0]
    target = np.broadcast_to(np.asarray(agreement, dtype=float), (n, 2))
    tol = WEIGHT_TOL * (1.0 + np.abs(target[:, 0]))
    doubled = dataclasses.replace(
        family, **{f: np.concatenate([getattr(family, f)] * 2) for f in ("value", "value_slope", "side", "side_slope", "disagreement")}
    )
    # rows [0, n): largest alpha with u_M < u*_M - tol; rows [n, 2n): largest with u_M <= u*_M + tol
    bound = np.concatenate([target[:, 0] - tol, target[:, 0] + tol])
    strict = np.concatenate([np.ones(n, bool), np.zeros(n, bool)])
    # the candidate segments do not depend on d or alpha: prune once, not once per bisection step
    among = candidates(family).rows(np.tile(np.arange(n), 2))
    lo, hi = np.zeros(2 * n), np.ones(2 * n)
    for _ in range(WEIGHT_BISECTIONS):
        mid = 0.5 * (lo + hi)
        u_m = nash_batch(doubled, np.column_stack([mid, 1.0 - mid]), among=among).utilities[:, 0]
        below = np.where(strict, u_m < bound, u_m <= bound)
        lo, hi = np.where(below, mid, lo), np.where(below, hi, mid)
    alpha = 0.5 * (lo + hi)
    a_lo, a_hi = alpha[:n], alpha[n:]
    reached = nash_batch(family, np.column_stack([0.5 * (a_lo + a_hi), 1.0 - 0.5 * (a_lo + a_hi)]),
                         among=among.rows(np.arange(n))).utilities
    valid = np.all(target > family.disagreement, axis=1) & np.all(np.abs(reached - target) <= tol[:, None] * 10, axis=1)
    return np.where(valid, a_lo, np.nan), np.where(valid, a_hi, np.nan)


def solve_concepts(parameters: Parameters, concepts: tuple[str, ...] = CONCEPTS, progress: Any = None,
                   label: str = "concepts") -> dict[str, Any]:
    """``predict_batch`` of every concept on ``parameters`` (N draws), reporting progress."""
    out = {}
    for i, concept in enumerate(concepts, start=1):
        out[concept] = predict_batch(concept, parameters)
        if progress is not None:
            progress.update(label, i, len(concepts))
    return out


def central_and_sample(rng: np.random.Generator, n: int) -> Parameters:
    """Draw 0 at the central calibration, draws 1..n uniform on the calibration ranges (one batch:
    the batch solver's fixed cost per call is paid once)."""
    cal = calibration()
    central, sample = as_draws(cal.central()), cal.sample(rng, n)
    return Parameters(**{f: np.concatenate([getattr(central, f), getattr(sample, f)]) for f in PARAMETER_NAMES})


def rows(prediction: BatchPrediction, selection: slice) -> BatchPrediction:
    """Some draws of a batch prediction (``details`` dropped)."""
    return dataclasses.replace(
        prediction,
        contract={t: v[selection] for t, v in prediction.contract.items()},
        utilities=prediction.utilities[selection],
        disagreement=prediction.disagreement[selection],
        infeasible=prediction.infeasible[selection],
        details={},
        sets=take(prediction.sets, selection),
    )


def plain_contract(contract: Mapping[str, Any], row: int | None = None) -> dict[str, Any]:
    """A contract as JSON-ready builtins (``row`` picks one draw of a batch contract)."""
    out = {}
    for term in TERMS:
        value = contract[term] if row is None else contract[term][row]
        out[term] = value.item() if isinstance(value, np.generic) else value
    return out


# ----------------------------------------------------------------------------- drawing
def marker_kwargs(concept: str, size: float = 6.0) -> dict[str, Any]:
    """Marker-only plot keywords in the concept's fixed style (black edge, so yellow shows)."""
    s = style_of(concept)
    return {"marker": s.marker, "color": s.color, "markeredgecolor": "black", "markeredgewidth": 0.5,
            "markersize": size, "linestyle": "none", "label": s.label}


def draw_frontier(ax: Any, frontier: np.ndarray, disagreement: np.ndarray, window: tuple[np.ndarray, np.ndarray]) -> None:
    """The frontier (thin black line), the status quo d and its individually rational quadrant.

    ``window`` = (lower-left, upper-right) corners of the axes in $B.
    """
    lo, hi = window
    ax.plot(frontier[:, 0], frontier[:, 1], color="black", linewidth=0.9, label="Pareto frontier", zorder=1)
    ax.axvline(disagreement[0], color="#BBBBBB", linewidth=0.6, linestyle="--", zorder=0)
    ax.axhline(disagreement[1], color="#BBBBBB", linewidth=0.6, linestyle="--", zorder=0)
    ax.fill_between([disagreement[0], hi[0]], disagreement[1], hi[1], color="#F2F2F2", zorder=-1, linewidth=0)
    ax.plot(*disagreement, **{**marker_kwargs("status_quo"), "label": "Status quo $d$ (no deal)"})
    ax.set_xlim(lo[0], hi[0])
    ax.set_ylim(lo[1], hi[1])
    ax.set_xlabel(r"Microsoft's utility $u_M$ (\$B)")
    ax.set_ylabel(r"OpenAI's utility $u_O$ (\$B)")


def concept_sizes(concepts: tuple[str, ...], largest: float = 8.5, smallest: float = 4.5) -> dict[str, float]:
    """Marker sizes decreasing along ``concepts``, drawn in that order, so that coinciding
    predictions show as nested markers instead of hiding one another."""
    return dict(zip(concepts, np.linspace(largest, smallest, len(concepts))))


def contract_marker(name: str, size: float = 6.0) -> dict[str, Any]:
    """Marker keywords for a fixed contract that is not a concept's prediction: the status-quo
    contract (open grey square, to tell it from the status-quo payoff d) and the others."""
    if name == "status_quo":
        return {**marker_kwargs("status_quo", size), "markerfacecolor": "white", "markeredgecolor": style_of("status_quo").color,
                "markeredgewidth": 1.2, "label": "Status-quo contract (as a deal)"}
    return marker_kwargs(name, size)


def add_legend(fig: Any, ax: Any, ncol: int = 3) -> None:
    """One legend below the axes, frameless (it never hides data)."""
    fig.legend(*ax.get_legend_handles_labels(), loc="outside lower center", ncol=ncol, fontsize=6, frameon=False,
               handlelength=1.4, columnspacing=0.9)


def window_around(points: np.ndarray, margin: float = 0.08) -> tuple[np.ndarray, np.ndarray]:
    """Axes corners around ``points`` (M, 2), widened by ``margin`` of the span on every side."""
    lo, hi = points.min(axis=0), points.max(axis=0)
    pad = margin * (hi - lo)
    return lo - pad, hi + pad
