"""The Pareto frontier of a contract problem, computed once: an upper envelope with certified pruning.

S is the free-disposal hull of the union of the images U_k = {u(k, y) : y in the box} of the
discrete combinations k, so its frontier is the upper envelope phi = max_k phi_k of the
per-combination frontiers. Every concept on a contract problem maximises a criterion J over S
(the Nash log-gains; a ray length, which also gives phi(c) as the ray from (c, d2) along (0, 1)).
``maximise_on_envelope`` solves it on the few combinations that can hold the optimum:

- Outer bound. Each U_k lies below its supporting lines
  ``lambda . u <= W_k(lambda) = max_y lambda . u(k, y)``, lambda >= 0 (weighted-sum
  maximisation; Geoffrion 1968), so J over U_k is at most the closed-form maximum of J over the
  half-planes (``ray_bound``, ``nash_bound``): an upper bound B_k.
- Inner bound. Known points of S (the kernel's start grid on every combination, and the
  maximiser of every line computed so far) give a lower bound L on the optimum.
- Branch and bound. The combination with the highest bound is solved exactly first, which
  raises L to its optimum; combinations with B_k < L - tol cannot hold the optimum. While more
  than ``CANDIDATE_TARGET`` survive, lines are added where the concept needs them: at the
  direction of a fixed fan nearest the normal of the known points' hull at the best point (then
  at its neighbours), for the survivors only. This refines the outer bound locally around the
  point the concept needs, and the lines are kept for every later concept on the same space.
  The survivors are then solved in decreasing order of B_k until the next bound falls below the
  best value found.
- Each solve is the unchanged kernel (``_contracts.maximise_each`` with ``subset``) from its
  usual start, so the answer is the unpruned engine's, bit for bit, whenever the bounds are
  valid: when each line's weighted-sum maximum is global (the kernel converged from its start
  grid, as for concave or multilinear payoffs). A line whose solve did not converge is not used.

The envelope is cached per ``ContractSpace``: problems that share a space (``with_disagreement``)
share it, so the threat game's disagreement points, the implied-power root and Rubinstein's
residual never recompute it. Lines are solved by the kernel too, so constraints it imposes on
contracts hold for them.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from negotiation.solutions._contracts import ContractOptimum, ContractSpace, UtilityMap, evaluate, maximise, maximise_each, start_grid

FAN = 64
"""Line directions lambda_j = (cos theta_j, sin theta_j), theta_j = j pi / (2 FAN), j = 0..FAN."""
CANDIDATE_TARGET = 4
"""Lines are added until at most this many combinations survive (or ``MAX_REFINEMENTS``)."""
MAX_REFINEMENTS = 4
"""Rounds of added lines per solve: the fan direction nearest the normal, then its neighbours."""
PRUNE_TOL = 1e-9
"""A combination survives if its bound is within this (relative to |L| + 1) of the lower bound L."""

DIRECTIONS = np.column_stack([np.cos(np.arange(FAN + 1) * np.pi / (2 * FAN)), np.sin(np.arange(FAN + 1) * np.pi / (2 * FAN))])
DIRECTIONS[np.abs(DIRECTIONS) < 1e-15] = 0.0
DIRECTIONS.setflags(write=False)

Bound = Callable[[np.ndarray], np.ndarray]
"""Maps the line values W (k, FAN + 1), NaN where unknown, to an upper bound per combination (k,)."""
Score = Callable[[np.ndarray], np.ndarray]
"""Maps known points (m, 2) to the criterion there, -inf where infeasible (m,)."""


@dataclass(eq=False)
class Envelope:
    """What is known of the frontier of a contract space: points of S and supporting lines.

    It holds no reference to its space (the cache's weak key), so it is freed with the space.

    Attributes
    ----------
    points : np.ndarray
        Known utility points, shape (m, 2): the start grid on every combination, then line maximisers.
    lines : np.ndarray
        W_k(lambda_j), shape (combinations, FAN + 1); NaN where not computed or not converged.
    """

    points: np.ndarray
    lines: np.ndarray = field(repr=False)
    hull: np.ndarray = field(default_factory=lambda: np.zeros((0, 2)), repr=False)
    """Upper convex hull of the Pareto-optimal known points (recomputed when points are added)."""
    solved: dict[tuple, ContractOptimum] = field(default_factory=dict, repr=False)
    """Optima already found, by the caller's ``key`` of :func:`maximise_on_envelope` (a criterion
    and its inputs): the ideal point, a ray or a Nash solution asked again is not solved again."""

    @property
    def floor(self) -> np.ndarray:
        """A utility pair below the known points by their spread: the kernel's u >= d never binds there."""
        return self.points.min(axis=0) - (1.0 + np.ptp(self.points, axis=0))


_CACHE: weakref.WeakKeyDictionary[ContractSpace, Envelope] = weakref.WeakKeyDictionary()


def envelope(space: ContractSpace) -> Envelope:
    """The cached ``Envelope`` of ``space``: its start-grid points, no lines yet (computed once)."""
    if space not in _CACHE:
        grid = start_grid(space)
        points = np.vstack([_feasible_grid_utilities(space, combo, grid) for combo in space.combos])
        _CACHE[space] = Envelope(points, np.full((len(space.combos), FAN + 1), np.nan))
        _add_points(_CACHE[space], [])
    return _CACHE[space]


def known_gain(space: ContractSpace, disagreement: np.ndarray) -> float:
    """``max_m min_i (u_mi - d_i)`` over the envelope's known points of S: a cheap witness of a gain.

    The known points are the feasible start-grid contracts of every combination (and any line
    maximiser found so far), computed once per space, so checking a disagreement point costs
    nothing once the envelope exists and builds what every concept needs first.
    """
    points = envelope(space).points
    if not len(points):
        return -np.inf
    return float((points - np.asarray(disagreement, dtype=float)).min(axis=1).max())


def _feasible_grid_utilities(space: ContractSpace, combo: tuple, grid: np.ndarray) -> np.ndarray:
    """Utilities at the grid contracts that satisfy the space's contract constraints g(x) >= 0.

    Only points of S may raise the lower bound. ``constraints`` (callables of a contract) are read
    with ``getattr`` so that spaces without them (before issue 13's ``constraints=``) work unchanged.
    """
    u = evaluate(space, combo, grid)
    constraints = getattr(space, "constraints", ())
    if not constraints:
        return u
    g = np.array([[float(c(space.contract(combo, y))) for c in constraints] for y in grid]).reshape(len(grid), -1)
    return u[np.all(g >= 0, axis=1)]


def maximise_on_envelope(
    space: ContractSpace,
    disagreement: np.ndarray,
    criteria: UtilityMap,
    bound: Bound,
    score: Score,
    *,
    barrier: bool = False,
    key: tuple | None = None,
) -> ContractOptimum:
    """``_contracts.maximise`` by branch and bound over the combinations, with the envelope's bounds.

    ``bound`` must bound ``min_j criteria`` from above on each combination's image given its lines,
    and ``score`` must give that criterion (with -inf where u >= ``disagreement`` fails) at points.
    The combination with the highest bound is solved first (an exact floor); lines are added
    while more than ``CANDIDATE_TARGET`` others reach the floor; then the combinations are solved
    in decreasing order of their bound until the next bound falls below the best value found.
    Ties go to the first combination in ``space.combos``, as in the kernel, and so do near-ties
    within ``PRUNE_TOL`` (relative): combinations that give the same utilities up to rounding (a
    term that is a pure transfer) return the same contract whatever the rounding.

    ``key``, if given, must identify the criterion and every input it depends on (for example
    ``("nash", d.tobytes(), w.tobytes())``): the optimum is then kept on the envelope and a later
    call with the same key gets a copy of it. The answer does not depend on which lines the
    envelope holds (above), so it is the one a fresh solve would give, bit for bit.
    """
    env = envelope(space)
    if key is not None and key in env.solved:
        return _copy(env.solved[key])
    if not len(env.points):  # nothing to bound with: the kernel on every combination
        best = maximise(space, disagreement, criteria, barrier=barrier)
    else:
        best = _best(_branch_and_bound(space, env, disagreement, criteria, bound, score, barrier))
    if key is not None:
        env.solved[key] = _copy(best)
    return best


def _copy(optimum: ContractOptimum) -> ContractOptimum:
    """An optimum whose arrays and contract the caller may change without touching the kept one."""
    return ContractOptimum(optimum.utilities.copy(), dict(optimum.contract), optimum.value, optimum.iterations,
                           optimum.status)


def solve_on_envelope(
    space: ContractSpace,
    disagreement: np.ndarray,
    criteria: UtilityMap,
    bound: Bound,
    score: Score,
    *,
    barrier: bool = False,
    refine: bool = True,
) -> dict[tuple, ContractOptimum]:
    """The optima of the combinations the branch and bound of :func:`maximise_on_envelope` solves,
    by combination in the order of ``space.combos``.

    They include every combination whose optimum is within ``PRUNE_TOL`` (relative) of the best,
    each the kernel's answer from its usual start, so a caller that needs all near-maximisers
    (the utilitarian tie-break) gets what ``maximise_each`` on every combination would give them.
    ``refine=False`` bounds with the lines the envelope already holds (no lines are added).
    """
    env = envelope(space)
    found = _branch_and_bound(space, env, disagreement, criteria, bound, score, barrier, refine)
    return {space.combos[k]: found[k] for k in sorted(found)}


def _branch_and_bound(space: ContractSpace, env: Envelope, disagreement: np.ndarray, criteria: UtilityMap,
                      bound: Bound, score: Score, barrier: bool, refine: bool = True) -> dict[int, ContractOptimum]:
    """The search of :func:`maximise_on_envelope`, on the envelope ``env`` of ``space``: the optimum of
    each combination it solved, by index into ``space.combos``."""
    combos = space.combos

    def solve(k: int) -> ContractOptimum:
        return maximise_each(space, disagreement, criteria, barrier=barrier, subset={combos[k]})[combos[k]]

    if not len(env.points):  # no grid contract satisfies the constraints: nothing to bound with
        every = maximise_each(space, disagreement, criteria, barrier=barrier)
        return {k: every[combo] for k, combo in enumerate(combos)}
    bounds = bound(env.lines)
    if not np.any(bounds > -np.inf):  # certified infeasible: the kernel would return the first combination's
        return {0: solve(0)}
    first = int(np.argmax(bounds))
    found = {first: solve(first)}
    if refine:
        _refine(space, env, found, bound, score)
    else:
        _add_points(env, [o.utilities for o in found.values() if np.isfinite(o.value)])
    bounds = bound(env.lines)
    for k in np.argsort(-bounds, kind="stable"):
        best = max(o.value for o in found.values())
        if not bounds[k] >= best - _slack(best):
            break
        if int(k) not in found:
            found[int(k)] = solve(int(k))
    return found


def _best(found: dict[int, ContractOptimum]) -> ContractOptimum:
    """The first combination (by index) within ``_slack`` of the best value, as the kernel's tie-break."""
    best = max(o.value for o in found.values())
    return found[min(k for k, o in found.items() if o.value >= best - _slack(best))]


def ray_bound(origin: np.ndarray, direction: np.ndarray) -> Bound:
    """Upper bound on t = min_{i: r_i > 0} (u_i - o_i) / r_i over u >= o below the lines.

        t <= min_{j: lambda_j . r > 0} (W_j - lambda_j . o) / (lambda_j . r),

    and -inf (no feasible contract) if some lambda_j . o > W_j.
    """
    reach = DIRECTIONS @ direction
    base = DIRECTIONS @ origin

    def bound(lines: np.ndarray) -> np.ndarray:
        slack = lines - base
        with np.errstate(divide="ignore", invalid="ignore"):
            t = np.where((reach > 0) & ~np.isnan(lines), slack / np.where(reach > 0, reach, 1.0), np.inf).min(axis=1)
        return np.where(np.any(slack < -_tol(base), axis=1), -np.inf, t)

    return bound


def nash_bound(disagreement: np.ndarray, weights: np.ndarray) -> Bound:
    """Upper bound on sum_i w_i log(u_i - d_i) below the lines: for each line with lambda >> 0 the
    maximum over its half-plane, g_i = w_i s / lambda_i with s = W - lambda . d (Nash 1950):

        B <= min_j sum_i w_i log(w_i s_j / lambda_ji),

    and -inf if some s_j <= 0 (no gain for both below that line).
    """
    interior = np.all(DIRECTIONS > 0, axis=1)
    base = DIRECTIONS @ disagreement
    offset = (np.log(weights[None, :] / np.where(DIRECTIONS > 0, DIRECTIONS, 1.0)) @ weights)

    def bound(lines: np.ndarray) -> np.ndarray:
        slack = lines - base
        with np.errstate(divide="ignore", invalid="ignore"):
            value = np.where(interior & (slack > 0), np.log(np.where(slack > 0, slack, 1.0)) * weights.sum() + offset, np.inf)
        value = np.where(np.isnan(lines), np.inf, value).min(axis=1)
        return np.where(np.any(slack <= 0, axis=1), -np.inf, value)

    return bound


def weighted_sum_bound(disagreement: np.ndarray, weights: np.ndarray) -> Bound:
    """Upper bound on w . u over u >= d below the lines: for each line with lambda >> 0 the maximum
    over the triangle {u >= d, lambda . u <= W} is at a vertex d + (s / lambda_i) e_i, s = W - lambda . d:

        B <= w . d + min_j max_i w_i s_j / lambda_ji,

    and -inf (no feasible contract) if some s_j < 0 (Geoffrion 1968; the same lines as ``nash_bound``).
    """
    interior = np.all(DIRECTIONS > 0, axis=1)
    base = DIRECTIONS @ disagreement
    reach = weights[None, :] / np.where(DIRECTIONS > 0, DIRECTIONS, 1.0)  # (FAN + 1, 2)
    origin = float(weights @ disagreement)

    def bound(lines: np.ndarray) -> np.ndarray:
        slack = lines - base
        with np.errstate(invalid="ignore"):
            value = origin + (slack[..., None] * reach).max(axis=-1)
        value = np.where(interior & ~np.isnan(lines), value, np.inf).min(axis=1)
        return np.where(np.any(slack < -_tol(base), axis=1), -np.inf, value)

    return bound


def weighted_sum_score(disagreement: np.ndarray, weights: np.ndarray) -> Score:
    """w . u at points with u >= d, else -inf: the utilitarian criterion."""

    def score(points: np.ndarray) -> np.ndarray:
        return np.where(np.all(points >= disagreement, axis=1), points @ weights, -np.inf)

    return score


def ray_score(origin: np.ndarray, direction: np.ndarray) -> Score:
    """min_{i: r_i > 0} (u_i - o_i) / r_i at points with u >= o, else -inf: the ray criterion."""
    positive = direction > 0

    def score(points: np.ndarray) -> np.ndarray:
        t = ((points - origin)[:, positive] / direction[positive]).min(axis=1)
        return np.where(np.all(points >= origin, axis=1), t, -np.inf)

    return score


def _tol(values: np.ndarray) -> float:
    return PRUNE_TOL * (1.0 + float(np.max(np.abs(values))))


def _slack(value: float) -> float:
    """How far below the best value a bound may be and its combination still be solved."""
    return PRUNE_TOL * (1.0 + abs(value)) if np.isfinite(value) else np.inf


def _refine(space: ContractSpace, env: Envelope, found: dict[int, ContractOptimum], bound: Bound, score: Score) -> None:
    """Add lines near the best point while more than ``CANDIDATE_TARGET`` combinations reach the floor.

    The floor is the best of the known points and the exact optima in ``found``; exact optima with
    a finite value become known points.
    """
    _add_points(env, [o.utilities for o in found.values() if np.isfinite(o.value)])
    tried: set[int] = set()
    for _ in range(MAX_REFINEMENTS):
        scores = score(env.points)
        best = int(np.argmax(scores))
        floor = float(scores[best])
        alive = np.flatnonzero(bound(env.lines) >= floor - _slack(floor))
        alive = alive[~np.isin(alive, list(found))]
        if alive.size <= CANDIDATE_TARGET or not np.isfinite(floor):
            return
        j = _next_direction(_normal_index(env, env.points[best]), tried)
        if j is None:
            return
        tried.add(j)
        if not _add_lines(space, env, j, alive):
            return


def _next_direction(centre: int, tried: set[int]) -> int | None:
    """The fan direction nearest ``centre`` not yet tried (centre, centre + 1, centre - 1, ...)."""
    for offset in range(FAN + 1):
        for j in (centre + offset, centre - offset):
            if 0 <= j <= FAN and j not in tried:
                return j
    return None


def _normal_index(env: Envelope, at: np.ndarray) -> int:
    """Fan index of the normal of the known points' hull (``env.hull``) at the abscissa of ``at``."""
    hull = env.hull
    if len(hull) < 2:
        return FAN // 2
    edge = int(np.clip(np.searchsorted(hull[:, 0], at[0]) - 1, 0, len(hull) - 2))
    rise, run = hull[edge + 1, 1] - hull[edge, 1], hull[edge + 1, 0] - hull[edge, 0]
    theta = np.arctan2(run, -rise)
    return int(np.clip(np.rint(theta / (np.pi / (2 * FAN))), 0, FAN))


def _add_points(env: Envelope, new: list[np.ndarray]) -> None:
    """Append known points and recompute the hull of the Pareto-optimal ones."""
    if new:
        env.points = np.vstack([env.points, np.array(new)])
    if new or not len(env.hull):
        ranked = env.points[np.lexsort((-env.points[:, 1], -env.points[:, 0]))]
        pareto = ranked[ranked[:, 1] > np.maximum.accumulate(np.concatenate([[-np.inf], ranked[:-1, 1]]))][::-1]
        env.hull = _upper_hull(pareto)


def _upper_hull(points: np.ndarray) -> np.ndarray:
    """Upper convex hull (Andrew 1979) of points sorted by u1 increasing, u2 decreasing."""
    hull: list[np.ndarray] = []
    for p in points:
        while len(hull) >= 2 and (hull[-1][0] - hull[-2][0]) * (p[1] - hull[-2][1]) - (hull[-1][1] - hull[-2][1]) * (p[0] - hull[-2][0]) >= 0:
            hull.pop()
        hull.append(p)
    return np.array(hull)


def _add_lines(space: ContractSpace, env: Envelope, j: int, combos: np.ndarray) -> int:
    """W_k(lambda_j) for those of ``combos`` without it, by the kernel with u >= ``env.floor`` (never
    binding); returns how many were solved."""
    todo = [int(k) for k in combos if np.isnan(env.lines[k, j])]
    if not todo:
        return 0
    lam, floor = DIRECTIONS[j], env.floor
    found = maximise_each(space, floor, lambda u: (u @ lam)[:, None], subset={space.combos[k] for k in todo})
    index = {combo: k for k, combo in enumerate(space.combos)}
    margin = 0.5 * (1.0 + np.ptp(env.points, axis=0))
    new = []
    for combo, optimum in found.items():
        if optimum.status == "converged" and np.all(optimum.utilities - floor > margin):
            env.lines[index[combo], j] = optimum.value
            new.append(optimum.utilities)
    _add_points(env, new)
    return len(todo)
