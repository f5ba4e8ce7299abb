"""Fitting a case's free parameters to an observed contract: point estimate, identified set, interval.

A structural step in the sense of Crawford & Yurukoglu (2012) and Grennan (2013): parameters the
theory cannot pin are chosen so that a concept's prediction reproduces one observed outcome, the
result is labelled a FIT, and the fitted model may then predict another outcome out of sample.
This module is comparison code (it takes the observed contract as an argument); nothing here
feeds a prediction unless an experiment labelled as a fit passes it on.

The loss of a predicted contract ``x`` against the observed ``a``, over the terms ``T`` the concept
pins, is

    L(x, a) = (1/|T|) [ sum_{continuous j} ((x_j - a_j) / (high_j - low_j))^2 + sum_{discrete j} 1[x_j != a_j] ],

each continuous term in units of its contract-space box. :func:`fit` evaluates ``L`` on a grid of
the free parameters (the others at central values), takes the best grid point and refines it with
Nelder-Mead inside the search box; the *identified set* is the set of values with
``L <= IDENTIFIED_LOSS`` (the prediction within 0.1 % of each box and every discrete term right),
reported per parameter as its range along that parameter's axis through the estimate (its ends
found by bisection, ``BISECTIONS`` steps, between the estimate and the nearest point of the grid
or box outside the set), and empty when the estimate does not reproduce the outcome: a miss,
which is a result. The *nuisance interval* re-fits at draws of the other parameters from their
calibration ranges and reports the quantiles of the estimates.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.optimize import minimize

from negotiation.kit.calibration import replace_values
from negotiation.kit.case import Case
from negotiation.kit.predict import predict
from negotiation.kit.space import same_option

__all__ = ["IDENTIFIED_LOSS", "FitResult", "contract_loss", "fit"]

#: A grid point is in the identified set when its loss is at most this: (0.001)^2, a continuous
#: term within 0.1 % of its box, and every discrete term as observed.
IDENTIFIED_LOSS = 1e-6
#: Bisection steps for each end of the identified set.
BISECTIONS = 40
#: Quantiles of the nuisance interval.
QUANTILES = (0.05, 0.95)


@dataclass(frozen=True)
class FitResult:
    """What :func:`fit` found (a FIT: it reads the observed contract).

    Attributes
    ----------
    concept : str
    terms : tuple of str
        The terms scored (those the concept pins at central values).
    bounds : Mapping
        The search box of each free parameter.
    estimate : Mapping
        The loss-minimising value of each free parameter.
    loss : float
        :func:`contract_loss` at the estimate.
    identified : Mapping
        ``(min, max)`` of each free parameter over the grid points that reproduce the outcome, or
        None when none does.
    nuisance : Mapping
        ``(q05, q95)`` of each estimate over draws of the other parameters (None without draws).
    contract : Mapping
        The concept's representative contract at the estimate.
    grid : np.ndarray
        The grid points, shape ``(n, len(bounds))``.
    grid_loss : np.ndarray
        The loss at each grid point.
    """

    concept: str
    terms: tuple[str, ...]
    bounds: Mapping[str, tuple[float, float]]
    estimate: Mapping[str, float]
    loss: float
    identified: Mapping[str, tuple[float, float] | None]
    nuisance: Mapping[str, tuple[float, float] | None]
    contract: Mapping[str, Any]
    grid: np.ndarray
    grid_loss: np.ndarray


def contract_loss(case: Case, contract: Mapping[str, Any], observed: Mapping[str, Any], terms: Sequence[str]) -> float:
    """The loss ``L(x, a)`` of the module docstring over ``terms``."""
    space, total = case.space(), 0.0
    for term in terms:
        if term in space.continuous:
            spec = space.continuous[term]
            total += ((float(contract[term]) - float(observed[term])) / (spec.high - spec.low)) ** 2
        else:
            total += 0.0 if same_option(contract[term], observed[term]) else 1.0
    return total / len(terms)


def _bounds(case: Case, free: Sequence[str], bounds: Mapping[str, tuple[float, float]] | None) -> dict[str, tuple[float, float]]:
    specs = case.calibration().specs
    unknown = [n for n in free if n not in specs]
    if unknown or not free:
        raise ValueError(f"free must name parameters of the calibration ({', '.join(specs)}), got {list(free)}")
    out = {}
    for name in free:
        low, high = (bounds or {}).get(name, (specs[name].low, specs[name].high))
        if not (np.isfinite(low) and np.isfinite(high) and low < high):
            raise ValueError(f"bounds of {name!r} must be finite with low < high, got ({low}, {high})")
        out[name] = (float(low), float(high))
    return out


def _loss_function(case: Case, concept: str, base: Any, names: Sequence[str], observed: Mapping[str, Any],
                   terms: Sequence[str]) -> Any:
    def loss(theta: np.ndarray) -> float:
        contract = predict(case, concept, replace_values(base, **dict(zip(names, map(float, theta))))).contract
        return contract_loss(case, contract, observed, terms)
    return loss


def _identified(loss: Any, best: np.ndarray, box: Mapping[str, tuple[float, float]], points: int
                ) -> dict[str, tuple[float, float] | None]:
    """Per parameter, the ends of ``{L <= IDENTIFIED_LOSS}`` along its axis through ``best`` (None if ``best`` is outside)."""
    names = tuple(box)
    if loss(best) > IDENTIFIED_LOSS:
        return {n: None for n in names}
    out = {}
    for j, name in enumerate(names):
        lo, hi = box[name]
        ends = []
        for edge in (lo, hi):
            inside = float(best[j])
            outside = None
            for value in np.linspace(inside, edge, points)[1:]:
                if loss(np.where(np.arange(len(best)) == j, value, best)) > IDENTIFIED_LOSS:
                    outside = float(value)
                    break
                inside = float(value)
            if outside is not None:
                for _ in range(BISECTIONS):
                    middle = 0.5 * (inside + outside)
                    if loss(np.where(np.arange(len(best)) == j, middle, best)) <= IDENTIFIED_LOSS:
                        inside = middle
                    else:
                        outside = middle
            ends.append(inside)
        out[name] = (min(ends), max(ends))
    return out


def _fit_once(case: Case, concept: str, base: Any, box: Mapping[str, tuple[float, float]], observed: Mapping[str, Any],
              terms: Sequence[str], points: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, float, Mapping[str, Any]]:
    names = tuple(box)
    lo, hi = np.array([box[n][0] for n in names]), np.array([box[n][1] for n in names])
    raw = _loss_function(case, concept, base, names, observed, terms)
    loss = lambda theta: raw(np.clip(theta, lo, hi))  # noqa: E731

    grid = np.array(list(itertools.product(*(np.linspace(box[n][0], box[n][1], points) for n in names))))
    values = np.array([loss(theta) for theta in grid])
    start = grid[int(np.argmin(values))]
    refined = minimize(loss, start, method="Nelder-Mead",
                       options={"xatol": 1e-6 * float(np.max(hi - lo)), "fatol": 1e-12, "maxiter": 200})
    best = np.clip(refined.x, lo, hi) if refined.fun < values.min() else start
    value = min(float(refined.fun), float(values.min()))
    contract = predict(case, concept, replace_values(base, **dict(zip(names, map(float, best))))).contract
    return grid, values, best, value, contract


def fit(case: Case, concept: str, free: Sequence[str], observed: Mapping[str, Any], *,
        bounds: Mapping[str, tuple[float, float]] | None = None, points: int = 21, nuisance_draws: int = 0,
        rng: np.random.Generator | None = None, progress: Any = None) -> FitResult:
    """Fit ``free`` parameters so that ``concept``'s prediction reproduces ``observed`` (a FIT).

    Parameters
    ----------
    case : Case
    concept : str
        One of ``case.concepts``.
    free : sequence of str
        Calibration parameters to fit (one or two: the grid has ``points ** len(free)`` points).
    observed : Mapping
        The observed contract's terms (e.g. ``case.actual_outcome()["terms"]``).
    bounds : Mapping or None
        Search box per free parameter; its calibration range by default.
    points : int
        Grid points per free parameter (>= 3).
    nuisance_draws : int
        Draws of the other parameters for the nuisance interval (0: none).
    rng : numpy Generator or None
        Source of the nuisance draws (required when ``nuisance_draws > 0``).
    progress : object with ``update(label, done, total)`` or None

    Raises
    ------
    ValueError
        If a free parameter is unknown, a box is empty, ``points < 3``, or the concept pins no term.
    """
    if points < 3:
        raise ValueError(f"points must be >= 3, got {points}")
    if nuisance_draws < 0 or (nuisance_draws and rng is None):
        raise ValueError(f"nuisance_draws must be >= 0 and needs rng, got {nuisance_draws}")
    box = _bounds(case, free, bounds)
    calibration = case.calibration()
    central = calibration.central()
    pinned = predict(case, concept, central).pinned
    terms = tuple(t for t in case.space().terms if pinned[t] and t in observed)
    if not terms:
        raise ValueError(f"{concept} pins no term of the observed contract at central values: nothing to fit")
    grid, values, best, value, contract = _fit_once(case, concept, central, box, observed, terms, points)
    names = tuple(box)
    identified = _identified(_loss_function(case, concept, central, names, observed, terms), best, box, points)
    estimates = []
    draws = calibration.sample(rng, nuisance_draws) if nuisance_draws else None
    for i in range(nuisance_draws):
        base = replace_values(calibration.draw(draws, i), **{n: getattr(central, n) for n in box})
        estimates.append(_fit_once(case, concept, base, box, observed, terms, points)[2])
        if progress is not None:
            progress.update("nuisance draws", i + 1, nuisance_draws)
    nuisance = {n: (tuple(float(q) for q in np.quantile([e[j] for e in estimates], QUANTILES)) if estimates else None)
                for j, n in enumerate(names)}
    return FitResult(concept, terms, box, dict(zip(names, map(float, best))), value, identified, nuisance,
                     dict(contract), grid, values)
