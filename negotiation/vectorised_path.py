"""The frontier of one discrete combination, for every draw at once, walked by weighted sums.

For concave payoffs u_i(y; theta_n) on a box Y the set u(Y) - R^2_+ is convex, so every point of the
combination's Pareto frontier maximises a weighted sum (Geoffrion 1968):

    P(lambda) = u(y(lambda)),   y(lambda) = argmax_{y in Y} lambda u1(y) + (1 - lambda) u2(y),

and u1 rises, u2 falls along the path lambda = 0 -> 1. ``frontier_point`` solves y(lambda) for
every draw by the batched projected Newton method of ``negotiation.vectorised``. Two searches
along the path answer the concepts other than Nash:

- ``ray_points``: where the ray d + t r (r >= 0) leaves the set, the root of the linear function
  l(u) = r2 (u1 - d1) - r1 (u2 - d2), which rises along the path. A safeguarded regula falsi
  (Illinois) on lambda, with a chord step where it stalls: at the chord's normal lambda_c the
  weighted-sum maximum equals the chord's value when the chord lies on the frontier (a face of a
  linear family; a short chord of a curved one), and the root is then on the chord, found by
  interpolating the contracts (exact for affine payoffs, within the chord's sagitta otherwise).
- ``bisect_path``: the first point along the path where a monotone predicate turns true (the
  utilitarian tie-break: where w.u falls to a floor, or the Nash product stops rising).

References
----------
Geoffrion (1968) J. Math. Anal. Appl. 22:618-630 (proper efficiency, weighted sums); Dowell &
Jarratt (1971) BIT 11:168-174 (the Illinois method); Cohon (1978) Multiobjective Programming and
Planning (chord / non-inferior set estimation steps).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from negotiation.vectorised import Criterion, _evaluate, _Family, _start_grid, newton

LAMBDA_TOL = 1e-15
"""A search stops when its bracket in lambda is this narrow, and interpolates on the chord."""
RAY_TOL = 1e-14
"""A path point is on the ray when |l(u)| is below this, relative to the scale of r and u."""
FACE_TOL = 1e-13
"""A chord lies on the frontier when the weighted-sum maximum at its normal exceeds the chord's
value by less than this (relative)."""
SEARCH_MAXITER = 200
BISECTIONS = 60
"""``bisect_path``: halvings of the lambda bracket (2^-60 < LAMBDA_TOL)."""
STALL = 3
"""Regula falsi keeps one end this many times in a row: the next step is a chord step."""
CHORD_TOL = 1e-7
"""A search stops when its bracket's chord is this short (relative to the utilities) and interpolates
on it: the chord of a curved frontier then lies within curvature x CHORD_TOL^2 / 8 of it."""


def frontier_point(family: _Family, combo: tuple[Any, ...], lam: np.ndarray, rows: np.ndarray,
                   y0: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(y, u) with y maximising lam u1 + (1 - lam) u2 over the box, for the draws ``rows``.

    Projected Newton (``negotiation.vectorised.newton``) from ``y0`` (r, n_terms), or from the best
    point of the engine's start grid when ``y0`` is None.
    """
    n, r = family.size, len(rows)
    weights = np.zeros((n, 2))
    weights[rows, 0], weights[rows, 1] = lam, 1.0 - lam
    criterion = Criterion(weights, np.zeros((n, 2)), log=False)
    if y0 is None:
        grid = _start_grid(family.lo, family.hi)
        u_grid = _evaluate(family, False, combo, np.broadcast_to(grid, (r, *grid.shape)), rows)
        start = np.argmax(criterion.value(u_grid, rows), axis=1)
        y, u = grid[start], u_grid[np.arange(r), start]
    else:
        y, u = y0.copy(), _evaluate(family, False, combo, y0[:, None, :], rows)[:, 0]
    if y.shape[1] and r:
        y, u = newton(family, combo, y, u, rows, criterion)[:2]
    return y, u


def path_ends(family: _Family, combo: tuple[Any, ...]) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """((y, u) at lambda = 0, (y, u) at lambda = 1) for every draw: player 2's and player 1's best contracts."""
    rows = np.arange(family.size)
    return (frontier_point(family, combo, np.zeros(family.size), rows),
            frontier_point(family, combo, np.ones(family.size), rows))


def ray_points(family: _Family, combo: tuple[Any, ...], ends: tuple[tuple[np.ndarray, np.ndarray], ...],
               direction: np.ndarray, rows: np.ndarray) -> tuple[np.ndarray, ...]:
    """Where the ray d + t r leaves the combination's set, for the draws ``rows``:
    (lambda, y, u, iterations, converged), lambda the point's place on the path.

    The path point (or chord point) with l(u) = r2 (u1 - d1) - r1 (u2 - d2) = 0; the end of the
    path at lambda = 0 if l >= 0 there already, at lambda = 1 if l <= 0 there. ``direction`` is
    (r, 2), r >= 0; ``ends`` from ``path_ends`` (all draws). The ray's step is then
    t = min_{i: r_i > 0} (u_i - d_i) / r_i, feasible where u >= d.
    """
    d, r = family.disagreement[rows], direction
    (y_lo, u_lo), (y_hi, u_hi) = (ends[0][0][rows], ends[0][1][rows]), (ends[1][0][rows], ends[1][1][rows])

    def ell(u: np.ndarray, at: np.ndarray | slice = slice(None)) -> np.ndarray:
        return r[at, 1] * (u[:, 0] - d[at, 0]) - r[at, 0] * (u[:, 1] - d[at, 1])

    scale = RAY_TOL * (1.0 + np.abs(r).sum(axis=1) * (1.0 + np.abs(d).max(axis=1) + np.abs(u_hi).max(axis=1)
                                                      + np.abs(u_lo).max(axis=1)))
    at = np.zeros(len(rows))
    l_lo, l_hi = ell(u_lo), ell(u_hi)
    y, u = np.where((l_lo >= 0)[:, None], y_lo, y_hi), np.where((l_lo >= 0)[:, None], u_lo, u_hi)
    at[:] = np.where(l_lo >= 0, 0.0, 1.0)
    iterations = np.zeros(len(rows), dtype=int)
    converged = np.ones(len(rows), dtype=bool)
    active = np.flatnonzero((l_lo < 0) & (l_hi > 0))
    lam_lo, lam_hi = np.zeros(len(rows)), np.ones(len(rows))
    f_lo, f_hi = l_lo.copy(), l_hi.copy()  # Illinois: the kept end's value is halved
    kept = np.zeros(len(rows), dtype=int)  # +k: the low end kept k times in a row, -k: the high end
    y_lo, y_hi, u_lo, u_hi = y_lo.copy(), y_hi.copy(), u_lo.copy(), u_hi.copy()

    def finish(i: np.ndarray) -> None:  # the root on the chord of the bracket
        at[i] = lam_lo[i]
        y[i], u[i] = _on_chord(family, combo, rows[i], y_lo[i], y_hi[i], ell(u_lo[i], i), ell(u_hi[i], i))

    for it in range(1, SEARCH_MAXITER + 1):
        a = active
        size = 1.0 + np.abs(u_lo[a]).max(axis=1) + np.abs(u_hi[a]).max(axis=1)
        short = ((np.abs(u_hi[a] - u_lo[a]).max(axis=1) <= CHORD_TOL * size)
                 | (lam_hi[a] - lam_lo[a] <= LAMBDA_TOL))
        finish(a[short])
        active = a = a[~short]
        if not a.size:
            break
        width = lam_hi[a] - lam_lo[a]
        normal = np.column_stack([u_lo[a, 1] - u_hi[a, 1], u_hi[a, 0] - u_lo[a, 0]])
        total = normal.sum(axis=1)
        chord = (np.abs(kept[a]) >= STALL) & (total > 0)
        lam_c = np.clip(normal[:, 0] / np.where(total > 0, total, 1.0), lam_lo[a], lam_hi[a])
        lam_f = np.clip(lam_lo[a] - f_lo[a] * width / (f_hi[a] - f_lo[a]), lam_lo[a], lam_hi[a])
        lam = np.where(chord, lam_c, lam_f)
        near_lo = lam - lam_lo[a] <= lam_hi[a] - lam
        y_new, u_new = frontier_point(family, combo, lam, rows[a], np.where(near_lo[:, None], y_lo[a], y_hi[a]))
        l_new = ell(u_new, a)
        iterations[a] = it
        face = chord & (lam * u_new[:, 0] + (1 - lam) * u_new[:, 1]
                        <= lam * u_lo[a, 0] + (1 - lam) * u_lo[a, 1] + FACE_TOL * size[~short])
        hit = (np.abs(l_new) <= scale[a]) & ~face
        low, high = (l_new < 0) & ~hit & ~face, (l_new > 0) & ~hit & ~face
        lo_i, hi_i = a[low], a[high]
        lam_lo[lo_i], y_lo[lo_i], u_lo[lo_i], f_lo[lo_i] = lam[low], y_new[low], u_new[low], l_new[low]
        lam_hi[hi_i], y_hi[hi_i], u_hi[hi_i], f_hi[hi_i] = lam[high], y_new[high], u_new[high], l_new[high]
        # Illinois: the end kept a second time in a row (and every time after) has its value halved;
        # after a chord step the count starts again.
        kept[lo_i] = np.where((kept[lo_i] < 0) & ~chord[low], kept[lo_i] - 1, -1)
        kept[hi_i] = np.where((kept[hi_i] > 0) & ~chord[high], kept[hi_i] + 1, 1)
        f_hi[lo_i] = np.where(kept[lo_i] <= -2, 0.5 * f_hi[lo_i], f_hi[lo_i])
        f_lo[hi_i] = np.where(kept[hi_i] >= 2, 0.5 * f_lo[hi_i], f_lo[hi_i])
        y[a[hit]], u[a[hit]], at[a[hit]] = y_new[hit], u_new[hit], lam[hit]
        finish(a[face])
        at[a[face]] = lam[face]  # the face's normal
        active = a[~(hit | face)]
    if active.size:  # not converged: the chord of the last bracket
        converged[active] = False
        finish(active)
    return at, y, u, iterations, converged


def _on_chord(family: _Family, combo: tuple[Any, ...], rows: np.ndarray, y_a: np.ndarray, y_b: np.ndarray,
              l_a: np.ndarray, l_b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(y, u) at y_a + theta (y_b - y_a), theta the root of the linear interpolation of l (l_a <= 0 <= l_b)."""
    span = l_b - l_a
    theta = np.clip(np.where(span > 0, -l_a / np.where(span > 0, span, 1.0), 0.0), 0.0, 1.0)
    y = y_a + theta[:, None] * (y_b - y_a)
    return y, _evaluate(family, False, combo, y[:, None, :], rows)[:, 0]


def bisect_path(family: _Family, combo: tuple[Any, ...], rows: np.ndarray,
                start: tuple[np.ndarray, np.ndarray, np.ndarray], end: np.ndarray,
                stop: Callable[[np.ndarray, np.ndarray], np.ndarray]) -> tuple[tuple[np.ndarray, ...], tuple[np.ndarray, ...]]:
    """The last path point before, and the first at which, ``stop(u, lambda)`` turns true, going from
    ``start`` = (lambda, y, u) towards lambda = ``end`` (per draw): ((lambda, y, u) before, (lambda, y, u) at).

    ``stop`` must be false at ``start`` and monotone along the way (false, then true); it is taken
    as true at ``end`` whatever its value there. ``BISECTIONS`` halvings of the bracket in lambda,
    warm-starting Newton from the nearer end.
    """
    lam_a, y_a, u_a = (np.array(v, dtype=float) for v in start)
    lam_b = np.array(end, dtype=float)
    y_b, u_b = frontier_point(family, combo, lam_b, rows, y_a)
    for _ in range(BISECTIONS):
        if np.all(np.abs(lam_b - lam_a) <= LAMBDA_TOL):
            break
        lam = 0.5 * (lam_a + lam_b)
        y_m, u_m = frontier_point(family, combo, lam, rows, y_a)
        s = stop(u_m, lam)
        lam_b, y_b, u_b = np.where(s, lam, lam_b), np.where(s[:, None], y_m, y_b), np.where(s[:, None], u_m, u_b)
        lam_a, y_a, u_a = np.where(s, lam_a, lam), np.where(s[:, None], y_a, y_m), np.where(s[:, None], u_a, u_m)
    return (lam_a, y_a, u_a), (lam_b, y_b, u_b)
