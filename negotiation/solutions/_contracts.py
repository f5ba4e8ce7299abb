"""Kernel for contract problems: evaluate payoffs on a contract space and maximise a criterion.

Every concept on a contract space is one program in epigraph form,

    max_{k, y, t} t   s.t.  h_j(u(k, y)) >= t  (criteria),  u(k, y) >= d,  c_l(u(k, y)) >= 0,
                          g_l(k, y) >= 0  (the problem's own contract constraints),

over the discrete combinations ``k`` (enumerated) and the continuous terms ``y`` (a box).
For each ``k`` the best feasible point of a small grid starts SLSQP (Kraft 1988) with
central-difference gradients; the payoffs and contract constraints are evaluated on the grid and
on each gradient stencil in one vectorised call where the callables broadcast over numpy arrays
(checked per combination, ``evaluate_all``), contract by contract otherwise. The best ``k`` by
the criterion wins.
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy.optimize import minimize

from negotiation.errors import PayoffError

UtilityMap = Callable[[np.ndarray], np.ndarray]
"""Maps utilities of shape (k, 2) to an array of shape (k, m) (one column per criterion/constraint)."""

GRID_BUDGET = 64
"""Grid points per discrete combination (spread over the continuous terms) for the start."""
FD_STEP = 1e-7
"""Central-difference step, relative to the width of each continuous term."""
NEWTON_HESSIAN_STEP = 1e-5
"""Newton: central-difference step of the Hessian stencil, relative to each term's width."""
NEWTON_GRADIENT_STEP = 1e-7
"""Newton: central-difference step of the gradient, relative to each term's width."""
NEWTON_XTOL = 1e-12
"""Newton stops when a step is below this, relative to each term's width."""
NEWTON_FTOL = 1e-14
"""Newton stops when the first-order gain of a step is below this, relative to the criterion."""
NEWTON_MAXITER = 60
NEWTON_NOISE = 1e-14
"""Newton line search: a fall of the criterion below this (relative) is rounding, not descent."""
NEWTON_SHIFT = 1e-6
"""Newton: a Hessian not negative definite is shifted to top eigenvalue -NEWTON_SHIFT * scale."""
NEWTON_HALVINGS = 12
"""Newton line search: the step is tried at fractions 1, 1/2, ..., 2^-NEWTON_HALVINGS (one call)."""
GRADIENT_FRACTIONS = 0.5 ** np.arange(41)
"""Fallback projected-gradient line search: fractions 1, 1/2, ..., 2^-40 of a box-width move (one call)."""
SLSQP_FTOL = 1e-14
RETRY_NUDGE = 0.01
"""A failed SLSQP solve is retried from its start moved this fraction of the way to the box centre."""
SLSQP_MAXITER = 200
FEASIBILITY_TOL = 1e-10
"""Constraint violation tolerated at a local solution, relative to the utility scale."""


@dataclass(frozen=True, eq=False)
class ContractSpace:
    """A validated contract space: continuous terms (a box), discrete combinations, constraints.

    Attributes
    ----------
    continuous_names : tuple of str
    bounds : np.ndarray
        Shape (n, 2), ``[lo, hi]`` per continuous term.
    discrete_names : tuple of str
    combos : tuple of tuple
        Every combination of the discrete values (one empty tuple if there are none).
    payoffs : tuple of two callables
        ``f(contract: Mapping[str, value]) -> float``.
    constraints : tuple of callables
        ``g(contract) -> float``; a contract is feasible where every ``g >= 0``.
    broadcasts : dict
        Per discrete combination, whether the payoffs and constraints were found to broadcast over
        numpy arrays of the continuous terms (filled on a combination's first evaluation).
    """

    continuous_names: tuple[str, ...]
    bounds: np.ndarray
    discrete_names: tuple[str, ...]
    combos: tuple[tuple[Any, ...], ...]
    payoffs: tuple[Callable[[Mapping[str, Any]], float], Callable[[Mapping[str, Any]], float]]
    constraints: tuple[Callable[[Mapping[str, Any]], float], ...] = ()
    broadcasts: dict[tuple[Any, ...], bool] = field(default_factory=dict, repr=False)

    def contract(self, combo: tuple[Any, ...], y: np.ndarray) -> dict[str, Any]:
        """The contract as a dict ``name -> value`` (floats for continuous terms)."""
        terms = {name: float(v) for name, v in zip(self.continuous_names, y)}
        terms.update(zip(self.discrete_names, combo))
        return terms

    def labels(self) -> tuple[str, ...]:
        """How errors name each function: the payoffs by player, then the constraints by index."""
        return ("payoffs[0] (player 1)", "payoffs[1] (player 2)",
                *(f"constraints[{j}]" for j in range(len(self.constraints))))


@dataclass(frozen=True)
class ContractOptimum:
    """Best contract found: its utilities, terms, criterion value and solver bookkeeping."""

    utilities: np.ndarray
    contract: dict[str, Any]
    value: float
    iterations: int
    status: str


def build_space(
    continuous: Mapping[str, tuple[float, float]],
    discrete: Mapping[str, tuple[Any, ...]],
    payoffs: tuple[Callable, Callable],
    constraints: tuple[Callable, ...] = (),
) -> ContractSpace:
    """Assemble a ``ContractSpace``; whether the callables broadcast is found per combination on use."""
    names = tuple(continuous)
    bounds = np.array([continuous[n] for n in names], dtype=float).reshape(len(names), 2)
    combos = tuple(itertools.product(*discrete.values()))
    return ContractSpace(names, bounds, tuple(discrete), combos, tuple(payoffs), tuple(constraints))


def evaluate(space: ContractSpace, combo: tuple[Any, ...], y: np.ndarray) -> np.ndarray:
    """Utilities of shape (k, 2) at continuous terms ``y`` of shape (k, n) and combination ``combo``.

    Raises
    ------
    PayoffError
        As ``evaluate_all``.
    """
    return evaluate_all(space, combo, y)[:, :2]


def evaluate_all(space: ContractSpace, combo: tuple[Any, ...], y: np.ndarray) -> np.ndarray:
    """Payoffs then constraint values, shape (k, 2 + len(space.constraints)), at ``y`` and ``combo``.

    Every callable is first tried on numpy arrays of the continuous terms (one call for all k
    points). A combination is evaluated that way only if, on its first use, an array call at three
    probe contracts (the box's corners and centre) works and agrees at the centre with a
    contract-by-contract call; a later array call that raises falls back to contract-by-contract
    calls for that combination.
    So a plain-Python ``f(contract) -> float`` (``if c["q"] > 5: ...``) always works, whatever
    the order of the discrete values.

    Raises
    ------
    PayoffError
        If a callable raises, returns something that is not a number, or returns NaN or inf, at
        some contract: the message names the callable and the contract. Payoffs must be finite on
        the whole box (constraints included): exclude a region where a payoff is undefined by
        making it finite there and adding a constraint.
    """
    values = None
    if space.continuous_names and _broadcasts(space, combo):
        try:
            values = _evaluate_vectorised(space, combo, y)
        except Exception:  # noqa: BLE001 - any failure means the callables do not broadcast here
            space.broadcasts[combo] = False
    if values is None:
        values = _evaluate_loop(space, combo, y)
    if not np.all(np.isfinite(values)):
        row, column = np.argwhere(~np.isfinite(values))[0]
        contract = space.contract(combo, y[row]) if y.size else dict(zip(space.discrete_names, combo))
        raise PayoffError(
            f"{space.labels()[column]} returned {float(values[row, column])!r} at contract {contract}; "
            "payoffs and constraints must be finite on the whole contract space"
        )
    return values


def _broadcasts(space: ContractSpace, combo: tuple[Any, ...]) -> bool:
    """Whether an array call at three probe contracts (the box's corners and centre) works and
    agrees at the centre with a contract-by-contract call (cached per combination)."""
    if combo not in space.broadcasts:
        probe = np.vstack([space.bounds[:, 0], space.bounds.mean(axis=1), space.bounds[:, 1]])
        looped = _evaluate_loop(space, combo, probe[1:2])
        try:
            broadcast = _evaluate_vectorised(space, combo, probe)
            space.broadcasts[combo] = bool(np.allclose(broadcast[1:2], looped, rtol=1e-12, atol=0.0, equal_nan=True))
        except Exception:  # noqa: BLE001 - any failure means the callables do not broadcast
            space.broadcasts[combo] = False
    return space.broadcasts[combo]


def _evaluate_loop(space: ContractSpace, combo: tuple[Any, ...], y: np.ndarray) -> np.ndarray:
    rows = [space.contract(combo, point) for point in y] if space.continuous_names else [space.contract(combo, y[:0])]
    functions = (*space.payoffs, *space.constraints)
    return np.array([[_call(f, label, row) for f, label in zip(functions, space.labels())] for row in rows],
                    dtype=float).reshape(-1, len(functions))


def _call(f: Callable[[Mapping[str, Any]], float], label: str, contract: dict[str, Any]) -> float:
    """``float(f(contract))``, with any failure re-raised naming ``label`` and the contract."""
    try:
        value = f(contract)
    except Exception as exc:
        raise PayoffError(f"{label} raised {type(exc).__name__}: {exc} at contract {contract}") from exc
    try:
        return float(value)
    except (TypeError, ValueError) as exc:
        raise PayoffError(f"{label} must return a float, got {value!r} at contract {contract}") from exc


def _evaluate_vectorised(space: ContractSpace, combo: tuple[Any, ...], y: np.ndarray) -> np.ndarray:
    terms: dict[str, Any] = {name: y[:, j] for j, name in enumerate(space.continuous_names)}
    terms.update(zip(space.discrete_names, combo))
    functions = (*space.payoffs, *space.constraints)
    out = np.empty((y.shape[0], len(functions)))
    for j, f in enumerate(functions):
        out[:, j] = f(terms)
    return out


def _grid(bounds: np.ndarray, per_axis: int) -> np.ndarray:
    axes = [np.linspace(lo, hi, per_axis) for lo, hi in bounds]
    return np.stack(np.meshgrid(*axes, indexing="ij"), axis=-1).reshape(-1, len(bounds))


def _score(criteria: np.ndarray, constraints: np.ndarray, tol: np.ndarray) -> np.ndarray:
    """Criterion value min_j h_j, or -inf where a constraint is violated beyond ``tol``."""
    value = criteria.min(axis=1)
    return np.where(np.all(constraints >= -tol, axis=1), value, -np.inf)


def maximise(
    space: ContractSpace,
    disagreement: np.ndarray,
    criteria: UtilityMap,
    constraints: UtilityMap | None = None,
    *,
    barrier: bool = False,
    starts: Mapping[tuple[Any, ...], np.ndarray] | None = None,
    subset: Collection[tuple[Any, ...]] | None = None,
) -> ContractOptimum:
    """Maximise ``min_j criteria(u)_j`` over contracts with ``u >= d`` and ``constraints(u) >= 0``.

    The best of ``maximise_each``; ``value`` is ``-inf`` and ``status`` says so if no feasible
    contract was found.
    """
    each = maximise_each(space, disagreement, criteria, constraints, barrier=barrier, starts=starts, subset=subset)
    return max(each.values(), key=lambda optimum: optimum.value)


def maximise_each(
    space: ContractSpace,
    disagreement: np.ndarray,
    criteria: UtilityMap,
    constraints: UtilityMap | None = None,
    *,
    barrier: bool = False,
    starts: Mapping[tuple[Any, ...], np.ndarray] | None = None,
    subset: Collection[tuple[Any, ...]] | None = None,
) -> dict[tuple[Any, ...], ContractOptimum]:
    """The optimum for each discrete combination (those in ``starts`` only, if given; of those,
    only the ones in ``subset``, if given, in the order of ``space.combos``).

    ``barrier=True`` declares a single smooth criterion that falls steeply as a gain goes to
    zero (the log-gains of Nash), so ``u >= d`` never binds at the optimum and no ``constraints``
    are given: the continuous part is then solved by box-constrained Newton (``_newton``), else
    by SLSQP. ``starts`` maps a combination to the continuous terms to start from (instead of
    the best grid point).
    """

    def all_constraints(u: np.ndarray) -> np.ndarray:
        gains = u - disagreement
        return gains if constraints is None else np.column_stack([gains, constraints(u)])

    barrier = barrier and not space.constraints  # contract constraints need SLSQP, not box Newton

    grid = start_grid(space)
    combos = space.combos if starts is None else tuple(starts)
    if subset is not None:
        combos = tuple(combo for combo in combos if combo in subset)
    return {
        combo: _maximise_combo(space, combo, grid if starts is None else starts[combo][None, :], disagreement,
                               criteria, all_constraints, barrier)
        for combo in combos
    }


def start_grid(space: ContractSpace) -> np.ndarray:
    """The start grid over the continuous terms: about ``GRID_BUDGET`` points (one empty point if none)."""
    n = len(space.continuous_names)
    return _grid(space.bounds, max(2, int(round(GRID_BUDGET ** (1.0 / n))))) if n else np.zeros((1, 0))


def best_each(space: ContractSpace) -> tuple[ContractOptimum, ContractOptimum]:
    """Each player's best feasible contract, whatever the other gets (the contracts of the ideal point)."""
    u = np.vstack([evaluate(space, combo, start_grid(space)) for combo in space.combos])
    floor = u.min(axis=0) - 10.0 * (1.0 + np.ptp(u, axis=0))
    first = maximise(space, floor, lambda v: v[:, 0:1])
    second = maximise(space, floor, lambda v: v[:, 1:2])
    return first, second


def _values(
    space: ContractSpace, combo: tuple[Any, ...], y: np.ndarray, criteria: UtilityMap, constraints: UtilityMap
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Utilities (k, 2), criteria (k, m) and every constraint (k, c): those on utilities, then the contract's own."""
    values = evaluate_all(space, combo, y)
    u = values[:, :2]
    return u, criteria(u), np.column_stack([constraints(u), values[:, 2:]])


def _maximise_combo(
    space: ContractSpace,
    combo: tuple[Any, ...],
    grid: np.ndarray,
    disagreement: np.ndarray,
    criteria: UtilityMap,
    constraints: UtilityMap,
    barrier: bool,
) -> ContractOptimum:
    """Best contract of one discrete combination: the best point of ``grid`` refined locally."""
    tol = FEASIBILITY_TOL * (1.0 + np.abs(disagreement).max())
    if not space.continuous_names:
        u, values, limits = _values(space, combo, grid, criteria, constraints)
        value = float(_score(values, limits, tol)[0])
        return ContractOptimum(u[0], space.contract(combo, grid[0]), value, 0, "enumerated")
    u_grid, values, limits = _values(space, combo, grid, criteria, constraints)
    scores = _score(values, limits, tol)
    start = int(np.argmax(scores))
    y0, u0 = grid[start], u_grid[start : start + 1]
    if not np.all(u0 > disagreement):
        y0 = _phase_one(space, combo, disagreement, grid[np.argmax((u_grid - disagreement).min(axis=1))], tol)
        u0 = evaluate(space, combo, y0[None, :])
    t0 = float(criteria(u0).min())
    local = (_newton if barrier else _slsqp)(space, combo, criteria, constraints, y0, t0, tol)
    if not barrier and (local is None or local.status != "converged"):
        # SLSQP can stall at a vertex start with every variable at a bound, or under one
        # conditioning and not the other: retry from just inside the box, and in the terms' units.
        inside = y0 + RETRY_NUDGE * (space.bounds.mean(axis=1) - y0)
        t_inside = float(criteria(evaluate(space, combo, inside[None, :])).min())
        for retry in (_slsqp(space, combo, criteria, constraints, inside, t_inside, tol),
                      _slsqp(space, combo, criteria, constraints, y0, t0, tol, unit_box=False)):
            if retry is not None and (local is None or retry.value > local.value):
                local = retry
    if local is not None and local.value >= scores[start]:
        return local
    value = float(scores[start])
    status = "grid point (local solver did not improve)" if np.isfinite(value) else "no feasible contract"
    return ContractOptimum(u_grid[start], space.contract(combo, grid[start]), value, 0, status)


def _phase_one(
    space: ContractSpace, combo: tuple[Any, ...], disagreement: np.ndarray, y0: np.ndarray, tol: float
) -> np.ndarray:
    """A start with u >> d if one exists: maximise min_i (u_i - d_i) from the grid's best ``y0``.

    Used when no grid point gives both players a gain (e.g. a wide transfer range with a narrow
    band of individually rational transfers), where a log criterion would start at -inf.
    """
    gains = lambda u: u - disagreement  # noqa: E731
    no_constraints = lambda u: np.zeros((u.shape[0], 0))  # noqa: E731
    t0 = float(gains(evaluate(space, combo, y0[None, :])).min())
    found = _slsqp(space, combo, gains, no_constraints, y0, t0, tol)
    return y0 if found is None or found.value <= 0 else np.array([found.contract[k] for k in space.continuous_names])


def _slsqp(
    space: ContractSpace,
    combo: tuple[Any, ...],
    criteria: UtilityMap,
    constraints: UtilityMap,
    y0: np.ndarray,
    t0: float,
    tol: float,
    unit_box: bool = True,
) -> ContractOptimum | None:
    """Local solve of ``max min_j criteria_j(u(y)) s.t. constraints(u(y)) >= 0`` from ``y0``.

    One criterion: maximised directly over y. Several: epigraph form over z = (x, t),
    ``max t s.t. criteria_j >= t`` (started at ``t0``). SLSQP is not scale-invariant, so it works
    by default in unit-box coordinates x = (y - lo) / (hi - lo) with criteria and constraints
    divided by their magnitude at the start (terms of very different units, e.g. a share in
    [0, 0.2] and $B in [0, 400], otherwise end in "positive directional derivative" far from the
    optimum); ``unit_box=False`` solves in the terms' own units, which suits problems whose
    feasible band is a thin slice of a wide box (the retry in ``_maximise_combo`` uses both).
    Returns the best feasible iterate (SLSQP may stop just outside the feasible set), or None if
    none was feasible.
    """
    n = y0.size
    lo, hi = space.bounds[:, 0], space.bounds[:, 1]
    origin, width = (lo, hi - lo) if unit_box else (np.zeros_like(lo), np.ones_like(lo))
    step = FD_STEP * (hi - lo)
    m = criteria(np.zeros((1, 2))).shape[1]
    epigraph = m > 1
    cache: dict[bytes, tuple[np.ndarray, np.ndarray]] = {}
    best: list[Any] = [-np.inf, y0, None]
    u0 = evaluate(space, combo, y0[None, :])
    scale = 1.0 + float(np.max(np.abs(np.column_stack([criteria(u0), constraints(u0)])))) if unit_box else 1.0

    def stencil(z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Scaled values of [criteria, constraints] at x and their central-difference Jacobian in x."""
        y = np.clip(origin + z[:n] * width, lo, hi)
        key = y.tobytes()
        if key not in cache:
            plus = np.minimum(y + np.diag(step), hi)
            minus = np.maximum(y - np.diag(step), lo)
            u, values, limits = _values(space, combo, np.vstack([y[None, :], plus, minus]), criteria, constraints)
            values = np.column_stack([values, limits])
            spacing = (np.diag(plus) - np.diag(minus))[:, None]
            cache.clear()
            cache[key] = (values[0] / scale, ((values[1 : n + 1] - values[n + 1 :]) / spacing).T * width / scale)
            score = _score(values[:1, :m], values[:1, m:], tol)[0]
            if score > best[0]:
                best[:] = [score, y, u[0]]
        return cache[key]

    if epigraph:
        gradient = np.concatenate([np.zeros(n), [-1.0]])
        t_column = np.concatenate([-np.ones(m), np.zeros(len(stencil(y0)[0]) - m)])[:, None]
        objective, objective_jac = (lambda z: -z[n]), (lambda z: gradient)
        cons = lambda z: np.concatenate([stencil(z)[0][:m] - z[n], stencil(z)[0][m:]])  # noqa: E731
        cons_jac = lambda z: np.hstack([stencil(z)[1], t_column])  # noqa: E731
        start, bounds = np.concatenate([(y0 - origin) / width, [t0 / scale]]), [*zip((lo - origin) / width, (hi - origin) / width), (None, None)]
    else:
        objective, objective_jac = (lambda z: -stencil(z)[0][0]), (lambda z: -stencil(z)[1][0])
        cons, cons_jac = (lambda z: stencil(z)[0][1:]), (lambda z: stencil(z)[1][1:])
        start, bounds = (y0 - origin) / width, list(zip((lo - origin) / width, (hi - origin) / width))
    result = minimize(
        objective,
        start,
        jac=objective_jac,
        method="SLSQP",
        bounds=bounds,
        constraints=[{"type": "ineq", "fun": cons, "jac": cons_jac}],
        options={"ftol": SLSQP_FTOL, "maxiter": SLSQP_MAXITER},
    )
    stencil(result.x)
    value, y, u = best
    if not np.isfinite(value):
        return None
    status = "converged" if result.success else f"SLSQP: {result.message}"
    return ContractOptimum(u, space.contract(combo, y), float(value), int(result.nit), status)


def _newton(
    space: ContractSpace,
    combo: tuple[Any, ...],
    criteria: UtilityMap,
    constraints: UtilityMap,
    y0: np.ndarray,
    t0: float,
    tol: float,
) -> ContractOptimum | None:
    """Maximise one smooth criterion over the box of continuous terms by projected Newton.

    Derivatives come from one vectorised call: the Hessian from the 3^n stencil of step
    ``NEWTON_HESSIAN_STEP`` (shifted inside the box near a bound), the gradient at y itself from
    2n points of step ``NEWTON_GRADIENT_STEP`` (central, or second-order one-sided at a bound).
    The Newton step on the variables not held at a bound (Hessian shifted to be negative definite
    if it is not: the criterion need not be concave, e.g. bilinear payoffs) is projected onto the
    box; of the fractions 1, 1/2, 1/4, ... of it the longest that does not lower the criterion
    beyond rounding is kept. The fractions and the stencil around the full step share one call,
    so an accepted full step costs one call. ``t0`` is unused (no epigraph variable).
    """
    del t0
    n = y0.size
    lo, hi = space.bounds[:, 0], space.bounds[:, 1]
    h, g = NEWTON_HESSIAN_STEP * (hi - lo), NEWTON_GRADIENT_STEP * (hi - lo)
    hessian_offsets = _unit_stencil(n) * h
    fractions = 0.5 ** np.arange(NEWTON_HALVINGS + 1)
    k = fractions.size

    def block(y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Stencil points around y and the difference weights (n, 3) on f(y), f(p1_i), f(p2_i)."""
        forward, backward = y - g < lo, y + g > hi
        first = np.where(forward, 1.0, -1.0)
        second = np.where(forward, 2.0, np.where(backward, -2.0, 1.0))
        weights = np.where(forward[:, None], [-1.5, 2.0, -0.5], np.where(backward[:, None], [1.5, -2.0, 0.5], [0.0, -0.5, 0.5]))
        steps = np.diag(g)
        points = np.vstack([np.clip(y, lo + h, hi - h) + hessian_offsets, y + first[:, None] * steps, y + second[:, None] * steps])
        return points, weights

    def derivatives(f_y: float, values: np.ndarray, weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        hess = _hessian(values[: 3**n].reshape((3,) * n), h)
        p1, p2 = values[3**n : 3**n + n], values[3**n + n :]
        return (weights[:, 0] * f_y + weights[:, 1] * p1 + weights[:, 2] * p2) / g, hess

    def criterion(points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        u = evaluate(space, combo, points)
        return u, criteria(u)[:, 0]

    points, weights = block(y0)
    u, values = criterion(np.vstack([y0[None, :], points]))
    y, u_y, f_y, stencil = y0, u[0], float(values[0]), values[1:]
    iterations, status = 0, f"Newton: no convergence in {NEWTON_MAXITER} iterations"
    for iterations in range(1, NEWTON_MAXITER + 1):
        grad, hess = derivatives(f_y, stencil, weights)
        trials = np.clip(y + fractions[:, None] * _box_newton_step(y, grad, hess, lo, hi), lo, hi)
        points, next_weights = block(trials[0])
        u, values = criterion(np.vstack([trials, points]))
        accept = np.flatnonzero(values[:k] >= f_y - NEWTON_NOISE * (1.0 + abs(f_y)))
        if accept.size == 0:
            # The projected Newton step can fail to ascend when the box clips it (bilinear
            # payoffs); a projected-gradient step always ascends from a non-stationary point.
            ascent = np.clip(y + GRADIENT_FRACTIONS[:, None] * _box_gradient_step(y, grad, lo, hi), lo, hi)
            u_a, values_a = criterion(ascent)
            better = np.flatnonzero(values_a > f_y + NEWTON_NOISE * (1.0 + abs(f_y)))
            if better.size == 0:
                status = "converged (no ascent beyond rounding)"
                break
            a = int(better[0])
            y, u_y, f_y = ascent[a], u_a[a], float(values_a[a])
            points, weights = block(y)
            stencil = criterion(points)[1]
            continue
        a = int(accept[0])
        moved = trials[a] - y
        y, u_y, f_y = trials[a], u[a], float(values[a])
        if np.all(np.abs(moved) <= NEWTON_XTOL * (hi - lo)) or abs(grad @ moved) <= NEWTON_FTOL * (1.0 + abs(f_y)):
            status = "converged"
            break
        if a == 0:
            stencil, weights = values[k:], next_weights
        else:
            points, weights = block(y)
            stencil = criterion(points)[1]
    value = float(_score(criteria(u_y[None, :]), constraints(u_y[None, :]), tol)[0])
    if not np.isfinite(value):
        return None
    return ContractOptimum(u_y, space.contract(combo, y), value, iterations, status)


@functools.lru_cache(maxsize=8)
def _unit_stencil(n: int) -> np.ndarray:
    """The 3^n points of {-1, 0, 1}^n, in C order (read-only)."""
    stencil = np.stack(np.meshgrid(*[[-1.0, 0.0, 1.0]] * n, indexing="ij"), axis=-1).reshape(-1, n)
    stencil.setflags(write=False)
    return stencil


def _hessian(values: np.ndarray, h: np.ndarray) -> np.ndarray:
    """Central-difference Hessian from values on the 3^n stencil of steps ``h``."""
    n = h.size
    mid = (1,) * n

    def at(shift: dict[int, int]) -> float:
        index = list(mid)
        for axis, s in shift.items():
            index[axis] += s
        return float(values[tuple(index)])

    hess = np.empty((n, n))
    for i in range(n):
        hess[i, i] = (at({i: 1}) - 2 * values[mid] + at({i: -1})) / h[i] ** 2
        for j in range(i + 1, n):
            mixed = at({i: 1, j: 1}) - at({i: 1, j: -1}) - at({i: -1, j: 1}) + at({i: -1, j: -1})
            hess[i, j] = hess[j, i] = mixed / (4 * h[i] * h[j])
    return hess


def _box_gradient_step(y: np.ndarray, grad: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """Steepest ascent in box-scaled units on the variables not held at a bound, longest move one box width."""
    at_bound = ((y <= lo) & (grad < 0)) | ((y >= hi) & (grad > 0))
    step = np.where(at_bound, 0.0, grad * (hi - lo) ** 2)
    reach = np.max(np.abs(step) / (hi - lo))
    return step / reach if reach > 0 else step


def _box_newton_step(y: np.ndarray, grad: np.ndarray, hess: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """Newton ascent step on the variables not held at a bound, others zero.

    A variable at a bound is held if the gradient, or the Newton step on the free variables,
    points out of the box; the step is then recomputed without it (projected Newton, Bertsekas
    1982). Otherwise a flat direction that leaves the box (two terms that both transfer utility)
    would be clipped into a step along a curved one.
    """
    held = ((y <= lo) & (grad < 0)) | ((y >= hi) & (grad > 0))
    while True:
        step = np.zeros_like(y)
        free = ~held
        if not free.any():
            return step
        sub = hess[np.ix_(free, free)]
        top = np.linalg.eigvalsh(sub).max()
        scale = NEWTON_SHIFT * (1.0 + np.abs(sub).max())
        if top > -scale:
            sub = sub - (top + scale) * np.eye(sub.shape[0])
        step[free] = -np.linalg.solve(sub, grad[free])
        leaving = free & (((y <= lo) & (step < 0)) | ((y >= hi) & (step > 0)))
        if not leaving.any():
            return step
        held |= leaving
