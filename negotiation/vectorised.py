"""Monte Carlo on any contract problem whose payoffs broadcast: all draws of a combination at once.

For draws n = 1..N of parameters theta_n, a contract space with continuous terms y in a box and
discrete combinations k, and payoffs u_i(k, y; theta_n), the asymmetric Nash solution of draw n is

    N_w(n) = argmax_{k, y} w1 log(u1(k, y; theta_n) - d_n1) + w2 log(u2(k, y; theta_n) - d_n2)

(Nash 1950; Kalai 1977b), the criterion -inf where a gain is <= 0. ``negotiation.batch`` has it in
closed form for share-affine families; here the payoffs are any functions
``f(contract, parameters) -> array`` that broadcast over arrays: every continuous term of
``contract`` is an array of shape (draws, points) and every parameter an array of shape
(draws, 1), while each discrete term is one value. A combination is solved for every draw at
once by the engine's method, vectorised over the draws (``negotiation.solutions._contracts``):
the best point of the same start grid, then projected Newton in the box (Bertsekas 1982) with
central-difference derivatives of the payoffs, a halving line search that never lowers the
criterion, and a projected-gradient step where the box clips the Newton step. The best
combination of each draw by the criterion wins, ties (within ``PRUNE_TOL``, relative) to the
first, as in the engine.

Where the vectorised Newton method is not the engine's program, that (draw, combination) is
handed to the engine's kernel for that draw (``maximise_each``), so the answer is the engine's:

- no start-grid point gives both players a gain (the engine then starts from a phase-one solve);
- ``constraints`` are given and the box optimum violates one (the engine solves by SLSQP).

With concave payoffs the criterion is concave in y on each combination, the maximiser is unique,
and the answers agree with ``nash_solution(BargainingProblem.from_contracts(...))`` per draw to
solver precision (the tests check 1e-8 in utilities).

Memory is O(draws x (3 n_terms)^2) per call; pass chunks of draws (``negotiation.sweep`` does).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from negotiation.errors import PayoffError, contract_inputs, finite_array, positive_weights
from negotiation.problem import Continuous, Discrete
from negotiation.solutions._contracts import (
    GRADIENT_FRACTIONS,
    GRID_BUDGET,
    NEWTON_FTOL,
    NEWTON_GRADIENT_STEP,
    NEWTON_HALVINGS,
    NEWTON_HESSIAN_STEP,
    NEWTON_MAXITER,
    NEWTON_NOISE,
    NEWTON_SHIFT,
    NEWTON_XTOL,
    build_space,
    maximise_each,
)
from negotiation.solutions._envelope import PRUNE_TOL
from negotiation.solutions.nash import weighted_log_gains

Payoff = Callable[[Mapping[str, Any], Mapping[str, np.ndarray]], Any]
"""``f(contract, parameters) -> array`` broadcasting to (draws, points)."""

FRACTIONS = 0.5 ** np.arange(NEWTON_HALVINGS + 1)


@dataclass(frozen=True)
class VectorisedSolution:
    """Solutions of every draw.

    Attributes
    ----------
    utilities : np.ndarray
        (N, 2); NaN where no contract gives both players a gain.
    combination : np.ndarray
        (N,) index into ``combos`` of the chosen combination; -1 where infeasible.
    terms : np.ndarray
        (N, n_terms) continuous terms of the chosen contract (names in ``continuous_names``).
    value : np.ndarray
        (N,) the criterion at the solution (-inf where infeasible).
    feasible : np.ndarray
        (N,) bool.
    engine : np.ndarray
        (N,) how many of the draw's combinations were handed to the engine's kernel.
    iterations : np.ndarray
        (N,) Newton iterations on the chosen combination.
    converged : np.ndarray
        (N,) bool: the chosen combination's solve converged.
    continuous_names, discrete_names, combos
        The contract space, as in ``ContractSpace``.
    """

    utilities: np.ndarray
    combination: np.ndarray
    terms: np.ndarray
    value: np.ndarray
    feasible: np.ndarray
    engine: np.ndarray
    iterations: np.ndarray
    converged: np.ndarray
    continuous_names: tuple[str, ...]
    discrete_names: tuple[str, ...]
    combos: tuple[tuple[Any, ...], ...]

    def contract(self, draw: int) -> dict[str, Any] | None:
        """The chosen contract of ``draw`` as ``name -> value`` (None where infeasible)."""
        if not self.feasible[draw]:
            return None
        terms: dict[str, Any] = {n: float(v) for n, v in zip(self.continuous_names, self.terms[draw])}
        terms.update(zip(self.discrete_names, self.combos[int(self.combination[draw])]))
        return terms


@dataclass(frozen=True)
class _Family:
    """Validated inputs: the box, the combinations, the callables and the draws."""

    names: tuple[str, ...]
    lo: np.ndarray
    hi: np.ndarray
    discrete_names: tuple[str, ...]
    combos: tuple[tuple[Any, ...], ...]
    payoffs: tuple[Payoff, Payoff]
    constraints: tuple[Payoff, ...]
    parameters: dict[str, np.ndarray]
    disagreement: np.ndarray
    size: int


def nash_vectorised(
    space: Mapping[str, Continuous | Discrete],
    payoffs: Sequence[Payoff],
    parameters: Mapping[str, Any],
    disagreement: Any,
    weights: tuple[float, float] = (0.5, 0.5),
    constraints: Sequence[Payoff] = (),
) -> VectorisedSolution:
    """Asymmetric Nash solution of every draw of a contract family, all draws of a combination at once.

        N_w(n) = argmax_{k, y} w1 log(u1 - d_n1) + w2 log(u2 - d_n2),   u_i = f_i({y, k}, theta_n),

    over contracts with every ``g(contract, theta_n) >= 0``.

    Parameters
    ----------
    space : mapping name -> Continuous | Discrete
        The contract space, as for ``BargainingProblem.from_contracts``.
    payoffs : (f1, f2)
        ``f(contract, parameters) -> array``: continuous terms arrive as arrays (N, m), each
        parameter as an array (N, 1), discrete terms as single values; the result must broadcast
        to (N, m) (write it with numpy operations, no ``if`` on a term or parameter).
    parameters : mapping name -> array of shape (N,)
        The draws.
    disagreement : array of shape (2,) or (N, 2)
        d per draw (or one for all).
    weights : (w1, w2)
        Bargaining powers, positive, summing to one.
    constraints : sequence of callables
        ``g(contract, parameters) -> array`` like the payoffs; feasible where every g >= 0.

    Returns
    -------
    VectorisedSolution

    Raises
    ------
    ValueError
        If ``space``, ``payoffs``, ``parameters``, ``disagreement``, ``weights`` or
        ``constraints`` are malformed (the message names the argument and the allowed values).
    PayoffError
        (a ``ValueError``) If a payoff or constraint returns NaN or inf, or an array that does
        not broadcast, at some draw and contract.

    References
    ----------
    Nash (1950) Econometrica 18:155-162; Kalai (1977b); Bertsekas (1982) SIAM J. Control Optim.
    20:221-246 (projected Newton).

    Examples
    --------
    >>> import numpy as np, negotiation as ng
    >>> space = {"x": ng.Continuous(0.0, 1.0)}
    >>> f1 = lambda c, p: p["a"] * c["x"]
    >>> f2 = lambda c, p: 1.0 - c["x"]
    >>> s = nash_vectorised(space, (f1, f2), {"a": np.array([1.0, 2.0])}, (0.0, 0.0))
    >>> s.utilities.round(8).tolist()  # x = 1/2 whatever a
    [[0.5, 0.5], [1.0, 0.5]]
    """
    w = positive_weights("weights", weights, sum_to_one=True)
    family = _validate(space, payoffs, parameters, disagreement, constraints)
    n, p, k = family.size, len(family.names), len(family.combos)
    values = np.full((n, k), -np.inf)
    utilities = np.full((n, k, 2), np.nan)
    terms = np.full((n, k, p), np.nan)
    iterations = np.zeros((n, k), dtype=int)
    converged = np.zeros((n, k), dtype=bool)
    engine = np.zeros((n, k), dtype=bool)
    grid = _start_grid(family.lo, family.hi)
    for c, combo in enumerate(family.combos):
        solved = _solve_combination(family, combo, grid, w)
        values[:, c], utilities[:, c], terms[:, c], iterations[:, c], converged[:, c], engine[:, c] = solved
    best = values.max(axis=1)
    tol = PRUNE_TOL * (1.0 + np.where(np.isfinite(best), np.abs(best), 0.0))
    chosen = np.argmax(values >= (best - tol)[:, None], axis=1)
    feasible = np.isfinite(best)
    rows = np.arange(n)
    return VectorisedSolution(
        np.where(feasible[:, None], utilities[rows, chosen], np.nan),
        np.where(feasible, chosen, -1),
        np.where(feasible[:, None], terms[rows, chosen], np.nan),
        best,
        feasible,
        engine.sum(axis=1),
        iterations[rows, chosen],
        converged[rows, chosen] & feasible,
        family.names,
        family.discrete_names,
        family.combos,
    )


def _validate(space: Any, payoffs: Any, parameters: Any, disagreement: Any, constraints: Any) -> _Family:
    contract_inputs(space, payoffs, constraints, "contract, parameters")
    if not isinstance(parameters, Mapping) or not parameters:
        raise ValueError(f"parameters must be a non-empty mapping name -> array of shape (draws,), got {parameters!r}")
    arrays = {str(k): finite_array(f"parameters[{k!r}]", v, ndim=1) for k, v in parameters.items()}
    sizes = {a.shape[0] for a in arrays.values()}
    if len(sizes) != 1 or 0 in sizes:
        raise ValueError(f"parameters must hold arrays of one common length >= 1, got lengths "
                         f"{ {k: a.shape[0] for k, a in arrays.items()} }")
    n = sizes.pop()
    d = finite_array("disagreement", disagreement)
    if d.shape not in {(2,), (n, 2)}:
        raise ValueError(f"disagreement must have shape (2,) or (draws, 2) = ({n}, 2), got shape {d.shape}")
    continuous = {name: t for name, t in space.items() if isinstance(t, Continuous)}
    discrete = {name: t.values for name, t in space.items() if isinstance(t, Discrete)}
    bounds = np.array([[t.lo, t.hi] for t in continuous.values()], dtype=float).reshape(-1, 2)
    combos = build_space({}, discrete, (payoffs[0], payoffs[1])).combos
    return _Family(tuple(continuous), bounds[:, 0], bounds[:, 1], tuple(discrete), combos,
                   (payoffs[0], payoffs[1]), tuple(constraints), arrays, np.broadcast_to(d, (n, 2)).copy(), n)


def _start_grid(lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """The engine's start grid (``_contracts.start_grid``): about ``GRID_BUDGET`` points, (G, n_terms)."""
    p = lo.size
    if not p:
        return np.zeros((1, 0))
    per_axis = max(2, int(round(GRID_BUDGET ** (1.0 / p))))
    axes = [np.linspace(a, b, per_axis) for a, b in zip(lo, hi)]
    return np.stack(np.meshgrid(*axes, indexing="ij"), axis=-1).reshape(-1, p)


def _evaluate(family: _Family, constraints: bool, combo: tuple[Any, ...], y: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """Payoffs (r, m, 2), or constraint values if ``constraints``, at contracts y (r, m, n_terms) of draws ``rows``."""
    contract: dict[str, Any] = {name: y[:, :, j] for j, name in enumerate(family.names)}
    contract.update(zip(family.discrete_names, combo))
    theta = {name: a[rows, None] for name, a in family.parameters.items()}
    functions = family.constraints if constraints else family.payoffs
    labels = ([f"constraints[{j}]" for j in range(len(functions))] if constraints
              else ["payoffs[0] (player 1)", "payoffs[1] (player 2)"])
    out = np.empty((*y.shape[:2], len(functions)))
    for j, (f, label) in enumerate(zip(functions, labels)):
        try:
            out[:, :, j] = np.broadcast_to(np.asarray(f(contract, theta), dtype=float), y.shape[:2])
        except (TypeError, ValueError) as exc:
            raise PayoffError(f"{label} must return an array broadcasting to (draws, points) = {y.shape[:2]}: {exc}") from exc
        bad = ~np.isfinite(out[:, :, j])
        if bad.any():
            r, m = np.argwhere(bad)[0]
            where = {name: float(y[r, m, i]) for i, name in enumerate(family.names)}
            where.update(zip(family.discrete_names, combo))
            raise PayoffError(f"{label} returned {float(out[r, m, j])!r} at draw {int(rows[r])}, contract {where}; "
                              "payoffs and constraints must be finite on the whole contract space")
    return out


@dataclass(frozen=True)
class Criterion:
    """A criterion F(u) of the utilities, per draw: the log Nash product or a weighted sum.

        log=True:   F(u) = w1 log(u1 - d1) + w2 log(u2 - d2)   (-inf where a gain is <= 0)
        log=False:  F(u) = w1 u1 + w2 u2

    with weights w and origin d of shape (draws, 2), indexed by the draws' rows. Separable in u, so
    Newton needs only dF/du_i (``slopes``) and d2F/du_i^2 (``curvature``).
    """

    weights: np.ndarray
    origin: np.ndarray
    log: bool

    def _rows(self, a: np.ndarray, u: np.ndarray, rows: np.ndarray) -> np.ndarray:
        return a[rows].reshape((len(rows),) + (1,) * (u.ndim - 2) + (2,))

    def value(self, u: np.ndarray, rows: np.ndarray) -> np.ndarray:
        """F at utilities u of shape (r, ..., 2) of the draws ``rows``."""
        w = self._rows(self.weights, u, rows)
        return _log_gains(u, self._rows(self.origin, u, rows), w) if self.log else np.sum(w * u, axis=-1)

    def slopes(self, u: np.ndarray, rows: np.ndarray) -> np.ndarray:
        """dF/du_i at u (r, 2): w_i / (u_i - d_i), or w_i."""
        w = self.weights[rows]
        return w / (u - self.origin[rows]) if self.log else w

    def curvature(self, u: np.ndarray, rows: np.ndarray) -> np.ndarray:
        """d2F/du_i^2 at u (r, 2): -w_i / (u_i - d_i)^2, or 0."""
        w = self.weights[rows]
        return -w / (u - self.origin[rows]) ** 2 if self.log else np.zeros_like(w)


def _log_gains(u: np.ndarray, d: np.ndarray, w: np.ndarray) -> np.ndarray:
    """sum_i w_i log(u_i - d_i) over the last axis of u (..., 2), -inf where a gain is not positive."""
    gains = u - d
    with np.errstate(divide="ignore", invalid="ignore"):
        value = w[..., 0] * np.log(gains[..., 0]) + w[..., 1] * np.log(gains[..., 1])
    return np.where((gains[..., 0] > 0) & (gains[..., 1] > 0), value, -np.inf)


def _solve_combination(family: _Family, combo: tuple[Any, ...], grid: np.ndarray, w: np.ndarray) -> tuple[np.ndarray, ...]:
    """(value, utilities, terms, iterations, converged, by_engine) of one combination for every draw."""
    n, p = family.size, len(family.names)
    rows = np.arange(n)
    d = family.disagreement
    u_grid = _evaluate(family, False, combo, np.broadcast_to(grid, (n, *grid.shape)), rows)
    scores = _log_gains(u_grid, d[:, None, :], w)
    if family.constraints:
        g = _evaluate(family, True, combo, np.broadcast_to(grid, (n, *grid.shape)), rows)
        tol = 1e-10 * (1.0 + np.abs(d).max(axis=1))
        scores = np.where(np.all(g >= -tol[:, None, None], axis=2), scores, -np.inf)
    start = np.argmax(scores, axis=1)
    y = grid[start]
    u = u_grid[rows, start]
    value = scores[rows, start]
    iterations = np.zeros(n, dtype=int)
    converged = np.ones(n, dtype=bool)
    by_engine = ~np.isfinite(value)  # no grid point with a gain for both: the engine's phase one
    if p:
        go = ~by_engine
        nash = Criterion(np.broadcast_to(w, (n, 2)), d, log=True)
        y[go], u[go], value[go], iterations[go], converged[go] = newton(family, combo, y[go], u[go], rows[go], nash)
    if family.constraints:
        g = _evaluate(family, True, combo, y[:, None, :], rows)[:, 0, :]
        by_engine |= ~np.all(g >= 0, axis=1)
    for r in np.flatnonzero(by_engine):
        value[r], u[r], y[r], iterations[r], converged[r] = _engine(family, combo, int(r), w)
    return value, u, y, iterations, converged, by_engine


def _engine(family: _Family, combo: tuple[Any, ...], r: int, w: np.ndarray) -> tuple[float, np.ndarray, np.ndarray, int, bool]:
    """The engine's kernel on combination ``combo`` of draw ``r`` (``_contracts.maximise_each``)."""
    theta = {name: a[r] for name, a in family.parameters.items()}
    d = family.disagreement[r]
    bind = lambda f: (lambda contract: f(contract, theta))  # noqa: E731
    space = build_space({name: (lo, hi) for name, lo, hi in zip(family.names, family.lo, family.hi)},
                        {name: tuple({c[i]: None for c in family.combos}) for i, name in enumerate(family.discrete_names)},
                        (bind(family.payoffs[0]), bind(family.payoffs[1])), tuple(bind(g) for g in family.constraints))
    optimum = maximise_each(space, d, lambda u: weighted_log_gains(u, d, w)[:, None], barrier=True, subset={combo})[combo]
    value = float(_log_gains(optimum.utilities, d, w))
    y = np.array([optimum.contract[name] for name in family.names], dtype=float)
    return value, optimum.utilities, y, optimum.iterations, optimum.status.startswith(("converged", "enumerated"))


def newton(family: _Family, combo: tuple[Any, ...], y: np.ndarray, u: np.ndarray, rows: np.ndarray,
           criterion: Criterion) -> tuple[np.ndarray, ...]:
    """Projected Newton on ``criterion`` for every draw in ``rows`` from y (r, n_terms), u = u(y):
    (y, u, F, iterations, converged).

    The engine's ``_contracts._newton``, vectorised over the draws, with derivatives of the
    payoffs (not of the criterion) by central differences and the chain rule,

        grad F = sum_i F_i grad u_i,
        hess F = sum_i (F_i hess u_i + F_ii grad u_i grad u_i^T),   F_i = dF/du_i, F_ii = d2F/du_i^2
        (log Nash product: F_i = w_i / g_i, F_ii = -w_i / g_i^2, g = u - d),

    so the stencil may leave the region of gains. The full step and the stencil around it are
    one call; the shorter fractions of the step (then a projected-gradient step) only for the
    draws whose full step lowers the criterion. Draws stop as they converge.
    """
    lo, hi = family.lo, family.hi
    width = hi - lo
    y, u = y.copy(), u.copy()
    f = criterion.value(u, rows)
    derivatives = _payoff_derivatives(family, combo, y, rows, _evaluate(family, False, combo, _stencil(family, y), rows))
    iterations = np.zeros(len(rows), dtype=int)
    converged = np.zeros(len(rows), dtype=bool)
    active = np.arange(len(rows))
    for it in range(1, NEWTON_MAXITER + 1):
        if not active.size:
            break
        ya, ua, fa, ra = y[active], u[active], f[active], rows[active]
        grad_u, hess_u = derivatives
        coef = criterion.slopes(ua, ra)  # (r, 2): dF/du_i
        grad = np.einsum("ri,rip->rp", coef, grad_u)
        hess = (np.einsum("ri,ripq->rpq", coef, hess_u)
                + np.einsum("rip,riq->rpq", grad_u * criterion.curvature(ua, ra)[:, :, None], grad_u))
        step = _box_newton_step(ya, grad, hess, lo, hi)
        trial = np.clip(ya + step, lo, hi)
        # Where the step's first-order gain is below NEWTON_FTOL the engine stops after it: only
        # its value is needed (no stencil), and where it lowers the criterion y is kept.
        last = np.abs(np.sum(grad * (trial - ya), axis=1)) <= NEWTON_FTOL * (1.0 + np.abs(fa))
        go = np.flatnonzero(~last)
        new_u = np.empty_like(ua)
        new_grad_u, new_hess_u = np.empty_like(grad_u), np.empty_like(hess_u)
        if go.size:
            values = _evaluate(family, False, combo, _stencil(family, trial[go]), ra[go])
            new_u[go] = values[:, 0]
            new_grad_u[go], new_hess_u[go] = _payoff_derivatives(family, combo, trial[go], ra[go], values)
        if last.any():
            new_u[last] = _evaluate(family, False, combo, trial[last][:, None, :], ra[last])[:, 0]
        new_f = criterion.value(new_u, ra)
        accepted = new_f >= fa - NEWTON_NOISE * (1.0 + np.abs(fa))
        new_y = trial.copy()
        done = last.copy()
        stay = last & ~accepted
        new_y[stay], new_u[stay], new_f[stay] = ya[stay], ua[stay], fa[stay]
        accepted |= last
        short = np.flatnonzero(~accepted)
        if short.size:  # shorter fractions of the Newton step, else a projected-gradient step
            y_s, u_s, f_s, up = _line_search(family, combo, ya[short], step[short], fa[short], ra[short], criterion,
                                             FRACTIONS[1:])
            stuck = np.flatnonzero(~up)
            if stuck.size:
                ascent = _box_gradient_step(ya[short][stuck], grad[short][stuck], lo, hi)
                y_g, u_g, f_g, up_g = _line_search(family, combo, ya[short][stuck], ascent, fa[short][stuck],
                                                   ra[short][stuck], criterion, GRADIENT_FRACTIONS, strict=True)
                y_s[stuck], u_s[stuck], f_s[stuck] = y_g, u_g, f_g
                done[short[stuck]] = ~up_g
            new_y[short], new_u[short], new_f[short] = y_s, u_s, f_s
            values_s = _evaluate(family, False, combo, _stencil(family, y_s), ra[short])
            grad_s, hess_s = _payoff_derivatives(family, combo, y_s, ra[short], values_s)
            new_grad_u[short], new_hess_u[short] = grad_s, hess_s
        moved = new_y - ya
        done |= (np.all(np.abs(moved) <= NEWTON_XTOL * width, axis=1)
                 | (np.abs(np.sum(grad * moved, axis=1)) <= NEWTON_FTOL * (1.0 + np.abs(new_f))))
        y[active], u[active], f[active] = new_y, new_u, new_f
        iterations[active] = it
        converged[active[done]] = True
        active = active[~done]
        derivatives = (new_grad_u[~done], new_hess_u[~done])
    return y, u, f, iterations, converged


def _line_search(family: _Family, combo: tuple[Any, ...], y: np.ndarray, step: np.ndarray, f: np.ndarray,
                 rows: np.ndarray, criterion: Criterion, fractions: np.ndarray,
                 strict: bool = False) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The longest of ``fractions`` of ``step`` (projected on the box) that does not lower the
    criterion beyond rounding (that raises it, if ``strict``): (y, u, F, found); y unchanged if none."""
    candidates = np.clip(y[:, None, :] + fractions[None, :, None] * step[:, None, :], family.lo, family.hi)
    u_c = _evaluate(family, False, combo, candidates, rows)
    f_c = criterion.value(u_c, rows)
    noise = (NEWTON_NOISE * (1.0 + np.abs(f)))[:, None]
    ok = f_c > f[:, None] + noise if strict else f_c >= f[:, None] - noise
    found = ok.any(axis=1)
    a = np.argmax(ok, axis=1)
    pick = np.arange(len(y))
    u0 = _evaluate(family, False, combo, y[:, None, :], rows)[:, 0] if (~found).any() else u_c[pick, a]
    return (np.where(found[:, None], candidates[pick, a], y), np.where(found[:, None], u_c[pick, a], u0),
            np.where(found, f_c[pick, a], f), found)


def _stencil(family: _Family, y: np.ndarray) -> np.ndarray:
    """The points (r, 1 + 2p + 1 + 2p + 2p(p - 1), p) whose payoffs give the derivatives at y (r, p):
    y itself, 2p gradient points of step ``NEWTON_GRADIENT_STEP`` times the width (central, or second-order
    one-sided at a bound, as the engine), then the Hessian stencil of step ``NEWTON_HESSIAN_STEP``
    around y moved inside the box by one step: its centre, +-h e_i, and +-h e_i +-h e_j (i < j)."""
    lo, hi = family.lo, family.hi
    p = y.shape[1]
    g, h = NEWTON_GRADIENT_STEP * (hi - lo), NEWTON_HESSIAN_STEP * (hi - lo)
    forward, backward = y - g < lo, y + g > hi
    first = np.where(forward, 1.0, -1.0)
    second = np.where(forward, 2.0, np.where(backward, -2.0, 1.0))
    steps = np.eye(p) * g
    centre = np.clip(y, lo + h, hi - h)
    return np.concatenate([y[:, None, :], y[:, None, :] + first[:, :, None] * steps, y[:, None, :] + second[:, :, None] * steps,
                           centre[:, None, :] + _hessian_offsets(p)[None, :, :] * h], axis=1)


@functools.lru_cache(maxsize=8)
def _hessian_offsets(p: int) -> np.ndarray:
    """Unit offsets of the Hessian stencil: 0, +-e_i (i = 0..p-1), then +-e_i +-e_j for i < j."""
    eye = np.eye(p)
    offsets = [np.zeros(p)] + [s * eye[i] for i in range(p) for s in (1.0, -1.0)]
    offsets += [si * eye[i] + sj * eye[j] for i, j in _pairs(p) for si, sj in ((1, 1), (1, -1), (-1, 1), (-1, -1))]
    out = np.array(offsets)
    out.setflags(write=False)
    return out


def _pairs(p: int) -> list[tuple[int, int]]:
    return [(i, j) for i in range(p) for j in range(i + 1, p)]


def _payoff_derivatives(family: _Family, combo: tuple[Any, ...], y: np.ndarray, rows: np.ndarray,
                        values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Gradient (r, 2, p) and Hessian (r, 2, p, p) of the payoffs at y (r, p) from their ``values``
    (r, M, 2) at the points ``_stencil(family, y)``."""
    lo, hi = family.lo, family.hi
    r, p = y.shape
    g, h = NEWTON_GRADIENT_STEP * (hi - lo), NEWTON_HESSIAN_STEP * (hi - lo)
    forward, backward = y - g < lo, y + g > hi
    weights = np.where(forward[..., None], [-1.5, 2.0, -0.5],
                       np.where(backward[..., None], [1.5, -2.0, 0.5], [0.0, -0.5, 0.5]))  # (r, p, 3)
    at_y, p1, p2, hv = values[:, 0], values[:, 1 : p + 1], values[:, p + 1 : 2 * p + 1], values[:, 2 * p + 1 :]
    grad = (weights[:, :, 0, None] * at_y[:, None, :] + weights[:, :, 1, None] * p1 + weights[:, :, 2, None] * p2) / g[None, :, None]
    mid, plus, minus = hv[:, 0], hv[:, 1 : 2 * p + 1 : 2], hv[:, 2 : 2 * p + 1 : 2]
    hess = np.empty((r, 2, p, p))
    diagonal = (plus - 2.0 * mid[:, None, :] + minus) / (h**2)[None, :, None]  # (r, p, 2)
    for i in range(p):
        hess[:, :, i, i] = diagonal[:, i]
    for q, (i, j) in enumerate(_pairs(p)):
        pp, pm, mp, mm = (hv[:, 1 + 2 * p + 4 * q + s] for s in range(4))
        hess[:, :, i, j] = hess[:, :, j, i] = (pp - pm - mp + mm) / (4.0 * h[i] * h[j])
    return np.swapaxes(grad, 1, 2), hess


def _box_newton_step(y: np.ndarray, grad: np.ndarray, hess: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """``_contracts._box_newton_step`` for every row: Newton ascent on the variables not held at a bound.

    A held variable's row and column are replaced by a large negative diagonal entry and its
    gradient by zero, so its step is zero and the free block's eigenvalues are unchanged.
    """
    r, p = y.shape
    held = ((y <= lo) & (grad < 0)) | ((y >= hi) & (grad > 0))
    step = np.zeros_like(y)
    todo = np.arange(r)
    for _ in range(p + 1):
        if not todo.size:
            break
        free = ~held[todo]
        both = free[:, :, None] & free[:, None, :]
        sub = np.where(both, hess[todo], 0.0)
        big = np.abs(sub).max(axis=(1, 2))
        scale = NEWTON_SHIFT * (1.0 + big)
        filler = -(p + 1.0) * (1.0 + big)
        sub = sub + np.where(free, 0.0, filler[:, None])[:, :, None] * np.eye(p)
        top = np.linalg.eigvalsh(sub)[:, -1]
        shift = np.where(top > -scale, top + scale, 0.0)
        sub = sub - shift[:, None, None] * np.eye(p)
        s = -np.linalg.solve(sub, np.where(free, grad[todo], 0.0)[:, :, None])[:, :, 0]
        s = np.where(free, s, 0.0)
        step[todo] = s
        leaving = free & (((y[todo] <= lo) & (s < 0)) | ((y[todo] >= hi) & (s > 0)))
        again = leaving.any(axis=1)
        held[todo[again]] |= leaving[again]
        todo = todo[again]
    return step


def _box_gradient_step(y: np.ndarray, grad: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """``_contracts._box_gradient_step`` for every row: steepest ascent in box units, longest move one width."""
    at_bound = ((y <= lo) & (grad < 0)) | ((y >= hi) & (grad > 0))
    step = np.where(at_bound, 0.0, grad * (hi - lo) ** 2)
    reach = np.max(np.abs(step) / (hi - lo), axis=1, keepdims=True)
    return np.where(reach > 0, step / np.where(reach > 0, reach, 1.0), step)
