"""Helpers shared by the ``threats``, ``agi_beliefs`` and ``alternating_offers`` experiments.

Parameter batches built from the calibration, intervals over draws, contracts read off batch
solutions, the Pareto frontier traced by the closed-form batch path, and the drawing helpers
of their figures. Nothing here solves a concept the case does not already define.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from negotiation.batch import BatchSolution, nash_batch
from negotiation.cases.microsoft_openai.batch import as_draws, draw, family
from negotiation.cases.microsoft_openai.contract_set import draw_contract
from negotiation.cases.microsoft_openai.parameters import Parameters
from negotiation.cases.microsoft_openai.payoffs import contract_utilities
from negotiation.cases.microsoft_openai.solve import contract_sets
from negotiation.plots import style_of

#: Quantiles of the intervals reported over calibration draws (a 90 % band).
BAND = (0.05, 0.95)
#: Microsoft's weights of the asymmetric Nash solutions that trace the frontier (ends excluded).
FRONTIER_WEIGHT_RANGE = (0.005, 0.995)


def replicate(parameters: Parameters, n: int, **fields: Sequence[float] | np.ndarray) -> Parameters:
    """``n`` copies of a scalar parameter set as a batch, with some fields set per row.

    Unlike ``Calibration.with_values`` the overrides are not checked against the calibrated
    ranges: callers use this for labelled counterfactuals and limits (e.g. ``offer_interval -> 0``).
    """
    base = as_draws(parameters)
    rows = {f.name: np.repeat(getattr(base, f.name)[:1], n) for f in dataclasses.fields(base)}
    for name, values in fields.items():
        rows[name] = np.broadcast_to(np.asarray(values, dtype=float), (n,)).copy()
    return Parameters(**rows)


def band(values: np.ndarray) -> dict[str, float]:
    """The :data:`BAND` quantiles of ``values`` (NaN ignored) as ``{"low", "high"}``."""
    low, high = np.nanquantile(np.asarray(values, dtype=float), BAND)
    return {"low": float(low), "high": float(high)}


def plain(value: Any) -> Any:
    """A discrete contract value as a JSON builtin (numpy scalars unwrapped)."""
    return value.item() if isinstance(value, np.generic) else value


def contract_of(parameters: Parameters, solution: BatchSolution, i: int) -> dict[str, Any]:
    """Draw ``i``'s representative contract at the solution's utilities (:mod:`.contract_set`).

    The solver's own contract is one arbitrary member of the optimal set (equity and the revenue
    share are transfers), so what is reported is the representative the case's rule picks.
    """
    p = draw(as_draws(parameters), i)
    return {t: plain(v) for t, v in draw_contract(contract_sets(p, solution.utilities[i:i + 1])).items()}


def representatives(parameters: Parameters, solution: BatchSolution) -> dict[str, np.ndarray]:
    """Every draw's representative contract (arrays over draws) at the solution's utilities."""
    return contract_sets(as_draws(parameters), solution.utilities).representative


def prediction_contract(contract: Mapping[str, np.ndarray], i: int) -> dict[str, Any]:
    """Draw ``i`` of a ``BatchPrediction.contract`` as a plain mapping."""
    return {term: plain(values[i]) for term, values in contract.items()}


def frontier_points(parameters: Parameters, floor: Sequence[float], n: int) -> np.ndarray:
    """``n`` points of the Pareto frontier of the case's contract problem above ``floor``.

    The asymmetric Nash solutions of ``(S, floor)`` for Microsoft weights spread over
    :data:`FRONTIER_WEIGHT_RANGE` (closed form, :func:`negotiation.batch.nash_batch`): every
    weight picks the frontier point where the frontier's slope equals the weighted gain ratio,
    so together they trace the frontier between the two ends of ``S`` above ``floor``.

    Returns
    -------
    numpy.ndarray
        (n, 2) utilities ``(u_M, u_O)`` in $B, sorted by ``u_M``.
    """
    fam = family(replicate(parameters, n))
    fam = dataclasses.replace(fam, disagreement=np.broadcast_to(np.asarray(floor, dtype=float), (n, 2)).copy())
    alpha = np.linspace(*FRONTIER_WEIGHT_RANGE, n)
    points = nash_batch(fam, np.column_stack([alpha, 1.0 - alpha])).utilities
    return points[np.argsort(points[:, 0])]


def settlement_utilities(parameters: Parameters) -> list[float]:
    """COMPARISON ONLY: the model's ``(u_M, u_O)`` of the announced settlement (never a prediction input)."""
    from negotiation.cases.microsoft_openai.compare import settlement

    u_m, u_o = contract_utilities(parameters, settlement())
    return [float(u_m), float(u_o)]


def mark(ax: Any, concept: str, point: Sequence[float], label: str | None = None, **kwargs: Any) -> None:
    """One point in a concept's fixed colour and marker (its own label unless ``label`` is given)."""
    s = style_of(concept)
    options = {"marker": s.marker, "color": s.color, "markeredgecolor": "black", "linestyle": "none",
               "markersize": 6, "zorder": 4, "label": s.label if label is None else label}
    options.update(kwargs)
    ax.plot([point[0]], [point[1]], **options)


def draw_frontier(ax: Any, points: Sequence[Sequence[float]]) -> None:
    """The Pareto frontier as a thin black line."""
    points = np.asarray(points, dtype=float)
    ax.plot(points[:, 0], points[:, 1], color="black", linewidth=0.9, label="Pareto frontier", zorder=2)


def label_axes(ax: Any) -> None:
    """Utility axes in $B (Microsoft horizontal, OpenAI's other owners vertical)."""
    ax.set_xlabel(r"Microsoft's utility $u_M$ (\$B)")
    ax.set_ylabel(r"OpenAI's utility $u_O$ (\$B)")


def money(x: float) -> str:
    """A $B amount for a macro, one decimal."""
    return f"{x:.1f}"
