"""Kalai-Smorodinsky, egalitarian and utilitarian solutions of every draw of a contract family at once.

The companions of ``negotiation.vectorised.nash_vectorised``, for the same families: payoffs
``f(contract, parameters)`` that broadcast over arrays, concave in the continuous terms on each
discrete combination k. Per combination every draw is solved at once by walking the frontier with
weighted sums (``negotiation.vectorised_path``); across combinations each draw takes the best by the
concept's criterion, ties to the first combination, exactly as the engine
(``kalai_smorodinsky_solution``, ``egalitarian_solution``, ``utilitarian_solution`` on
``BargainingProblem.from_contracts``):

- egalitarian: the ray from d along (1, 1); t_k = max {t : d + t (1, 1) <= u(k, y)}, best t_k,
  ties (within ``PRUNE_TOL``, relative) to the first combination;
- Kalai-Smorodinsky: the ideal point a_i = d_i + max_k t_k(e_i) (rays along the axes, the best
  contract of each player subject to the other's u >= d), then the ray along a - d, ties as above;
- utilitarian: W_k = max w . u(k, y) subject to u >= d (the path point at lambda = w1 / (w1 + w2),
  or where the path crosses u_i = d_i); then, as the engine, among the combinations with
  W_k >= W* - ``TIE_TOL`` (1 + |W*|) the symmetric Nash product is maximised subject to
  w . u >= W* - TIE_TOL (1 + |W*|): on the frontier between the utilitarian point and the
  combination's Nash point (``bisect_path``), the first combination winning exact ties. (The
  engine's floor lets the answer move about sqrt(TIE_TOL) along a curved frontier, so the exact
  argmax of w . u can differ from it by ~1e-5; this path reproduces the engine, not the argmax.)

With strictly concave payoffs every optimum is unique and the answers agree with the engine per
draw to solver precision (the tests check 1e-8 in utilities on random concave families and on a
linear one). Where a payoff is flat in a term at lambda = 0 or 1 (a player indifferent to a term),
the weighted-sum maximiser is not unique and the engine's choice among equals is not reproduced.
``constraints``: a draw whose chosen contract (or, for Kalai-Smorodinsky, a contract behind its
ideal point) violates one is solved by the engine (``engine`` counts its combinations).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

import negotiation as ng
from negotiation.errors import positive_weights
from negotiation.problem import Continuous, Discrete
from negotiation.solutions._contracts import FEASIBILITY_TOL
from negotiation.solutions._envelope import PRUNE_TOL
from negotiation.solutions.utilitarian import TIE_BREAK_WEIGHTS, TIE_TOL
from negotiation.vectorised import Payoff, VectorisedSolution, _evaluate, _Family, _validate
from negotiation.vectorised_path import bisect_path, frontier_point, path_ends, ray_points

_Ends = tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]


def egalitarian_vectorised(space: Mapping[str, Continuous | Discrete], payoffs: Sequence[Payoff],
                           parameters: Mapping[str, Any], disagreement: Any,
                           constraints: Sequence[Payoff] = ()) -> VectorisedSolution:
    """Egalitarian solution of every draw: E(n) = d_n + t* (1, 1), t* = max {t : d_n + t (1, 1) in S_n}.

    Arguments as ``nash_vectorised`` (without weights); ``value`` is t*.

    References
    ----------
    Kalai (1977) Econometrica 45:1623-1630.

    Examples
    --------
    >>> import numpy as np, negotiation as ng
    >>> space = {"x": ng.Continuous(0.0, 1.0)}
    >>> f1, f2 = (lambda c, p: p["a"] * c["x"]), (lambda c, p: 1.0 - c["x"])
    >>> egalitarian_vectorised(space, (f1, f2), {"a": np.array([1.0, 3.0])}, (0.0, 0.0)).utilities.round(12).tolist()
    [[0.5, 0.5], [0.75, 0.75]]
    """
    family = _validate(space, payoffs, parameters, disagreement, constraints)
    ends = [path_ends(family, combo) for combo in family.combos]
    solution = _best_ray(family, ends, np.ones((family.size, 2)))
    return _with_engine(solution, family, space, lambda problem: ng.egalitarian_solution(problem), [])


def kalai_smorodinsky_vectorised(space: Mapping[str, Continuous | Discrete], payoffs: Sequence[Payoff],
                                 parameters: Mapping[str, Any], disagreement: Any,
                                 constraints: Sequence[Payoff] = ()) -> VectorisedSolution:
    """Kalai-Smorodinsky solution of every draw: KS(n) = d_n + t* (a_n - d_n), t* = max {t : d_n + t (a_n - d_n) in S_n},
    a_ni = max {u_i : u in S_n, u >= d_n} (the ideal point, over every combination).

    Arguments as ``nash_vectorised`` (without weights); ``value`` is t*.

    References
    ----------
    Kalai & Smorodinsky (1975) Econometrica 43:513-518.

    Examples
    --------
    >>> import numpy as np, negotiation as ng
    >>> space = {"x": ng.Continuous(0.0, 1.0)}
    >>> f1, f2 = (lambda c, p: p["a"] * c["x"]), (lambda c, p: 1.0 - c["x"])
    >>> kalai_smorodinsky_vectorised(space, (f1, f2), {"a": np.array([1.0, 3.0])}, (0.0, 0.0)).utilities.round(12).tolist()
    [[0.5, 0.5], [1.5, 0.5]]
    """
    family = _validate(space, payoffs, parameters, disagreement, constraints)
    ends = [path_ends(family, combo) for combo in family.combos]
    axes = [_best_ray(family, ends, np.tile(axis, (family.size, 1))) for axis in np.eye(2)]
    ideal = np.column_stack([axes[0].value, axes[1].value])
    usable = np.all(np.isfinite(ideal), axis=1)
    direction = np.where(usable[:, None], ideal, 1.0)
    solution = _best_ray(family, ends, direction)
    if not usable.all():
        solution = _infeasible(solution, ~usable)
    return _with_engine(solution, family, space, lambda problem: ng.kalai_smorodinsky_solution(problem), axes)


def utilitarian_vectorised(space: Mapping[str, Continuous | Discrete], payoffs: Sequence[Payoff],
                           parameters: Mapping[str, Any], disagreement: Any, weights: tuple[float, float] = (1.0, 1.0),
                           constraints: Sequence[Payoff] = ()) -> VectorisedSolution:
    """Utilitarian solution of every draw: argmax_{u in S_n, u >= d_n} w1 u1 + w2 u2, ties broken as the engine
    (``solutions.utilitarian``): the symmetric Nash product over {u in S_n : w . u >= W* - TIE_TOL (1 + |W*|)}.

    Arguments as ``nash_vectorised``; ``weights`` positive (not necessarily summing to one);
    ``value`` is W*, the maximum of the weighted sum.

    References
    ----------
    Harsanyi (1955) J. Political Economy 63:309-321; Thomson (1994), Handbook of Game Theory II, ch. 35.

    Examples
    --------
    >>> import numpy as np, negotiation as ng
    >>> space = {"x": ng.Continuous(0.0, 1.0)}
    >>> f1, f2 = (lambda c, p: p["a"] * c["x"] - c["x"] ** 2), (lambda c, p: 1.0 - c["x"] + 0.0 * p["a"])
    >>> utilitarian_vectorised(space, (f1, f2), {"a": np.array([2.0, 3.0])}, (0.0, 0.0)).terms.round(4).tolist()
    [[0.5], [1.0]]
    """
    w = positive_weights("weights", weights, sum_to_one=False)
    family = _validate(space, payoffs, parameters, disagreement, constraints)
    n, p, k = family.size, len(family.names), len(family.combos)
    lam, y, u = np.zeros((n, k)), np.full((n, k, p), np.nan), np.full((n, k, 2), np.nan)
    for c, combo in enumerate(family.combos):
        lam[:, c], y[:, c], u[:, c] = _utilitarian_point(family, combo, w)
    d = family.disagreement
    sums = np.where(np.all(np.isfinite(u), axis=2), u @ w, -np.inf)
    best = sums.max(axis=1)
    feasible = np.isfinite(best)
    floor = np.where(feasible, best - TIE_TOL * (1.0 + np.abs(np.where(feasible, best, 0.0))), np.inf)
    nash = np.full((n, k), -np.inf)
    iterations = np.zeros((n, k), dtype=int)
    for c, combo in enumerate(family.combos):
        rows = np.flatnonzero(sums[:, c] >= floor)
        if rows.size:
            lam_c, y_c, u_c = _tie_break(family, combo, w, rows, floor[rows], (lam[rows, c], y[rows, c], u[rows, c]))
            y[rows, c], u[rows, c] = y_c, u_c
            nash[rows, c] = _symmetric_log_gains(u_c, d[rows])
            iterations[rows, c] = 1
    first = np.argmax(sums, axis=1)
    chosen = np.where(np.isfinite(nash.max(axis=1)), np.argmax(nash, axis=1), first)
    rows = np.arange(n)
    solution = VectorisedSolution(np.where(feasible[:, None], u[rows, chosen], np.nan), np.where(feasible, chosen, -1),
                                  np.where(feasible[:, None], y[rows, chosen], np.nan), best, feasible,
                                  np.zeros(n, dtype=int), iterations[rows, chosen], feasible.copy(),
                                  family.names, family.discrete_names, family.combos)
    return _with_engine(solution, family, space, lambda problem: ng.utilitarian_solution(problem, tuple(w)), [])


def _symmetric_log_gains(u: np.ndarray, d: np.ndarray) -> np.ndarray:
    gains = u - d
    with np.errstate(divide="ignore", invalid="ignore"):
        value = TIE_BREAK_WEIGHTS @ np.log(np.where(gains > 0, gains, 1.0)).T
    return np.where(np.all(gains > 0, axis=1), value, -np.inf)


def _utilitarian_point(family: _Family, combo: tuple[Any, ...], w: np.ndarray) -> tuple[np.ndarray, ...]:
    """(lambda, y, u) maximising w . u subject to u >= d on one combination, for every draw (NaN where none).

    The path point at lambda_w = w1 / (w1 + w2); where it leaves player 2 (1) below d, the point
    of the path with u2 = d2 (u1 = d1): the ray from d along e1 (e2), which the weighted sum falls
    towards monotonically.
    """
    n, rows = family.size, np.arange(family.size)
    d = family.disagreement
    lam = np.full(n, w[0] / w.sum())
    y, u = frontier_point(family, combo, lam, rows)
    tol = _feasibility_tol(d)
    short = np.flatnonzero(np.any(u - d < -tol[:, None], axis=1))
    if short.size:
        ends = path_ends(family, combo)
        axis = np.where((u[short, 1] - d[short, 1] < -tol[short])[:, None], [1.0, 0.0], [0.0, 1.0])
        lam[short], y[short], u[short] = ray_points(family, combo, ends, axis, short)[:3]
    bad = np.any(u - d < -tol[:, None], axis=1)
    return np.where(bad, np.nan, lam), np.where(bad[:, None], np.nan, y), np.where(bad[:, None], np.nan, u)


def _tie_break(family: _Family, combo: tuple[Any, ...], w: np.ndarray, rows: np.ndarray, floor: np.ndarray,
               start: tuple[np.ndarray, np.ndarray, np.ndarray]) -> tuple[np.ndarray, ...]:
    """(lambda, y, u) maximising the symmetric Nash product over w . u >= floor on one combination, from the
    combination's utilitarian point ``start`` (draws ``rows``).

    Along the frontier the Nash product rises towards its maximiser, where its normal
    (1/g1, 1/g2) is the frontier's (lambda, 1 - lambda), and w . u falls away from lambda_w: the
    answer is where either stops first, found by ``bisect_path`` and finished on the chord of the
    last bracket (exact for affine payoffs): the best of its ends, its floor point and the chord's
    Nash maximiser within the floor.
    """
    d = family.disagreement[rows]
    lam0, y0, u0 = start
    up = _nash_normal(u0, d) > lam0
    still = _nash_normal(u0, d) == lam0
    end = np.where(up, 1.0, 0.0)

    def stop(u: np.ndarray, lam: np.ndarray) -> np.ndarray:
        normal = _nash_normal(u, d)
        turned = np.where(up, normal <= lam, normal >= lam)
        losing = np.where(up, u[:, 1] - d[:, 1], u[:, 0] - d[:, 0])  # the player whose utility falls on the way
        return (u @ w < floor) | (losing <= 0) | turned

    (lam_a, y_a, u_a), (lam_b, y_b, u_b) = bisect_path(family, combo, rows, start, end, stop)
    theta = _chord_theta(u_a, u_b, d, w, floor)
    y = y_a + theta[:, None] * (y_b - y_a)
    y = np.where(still[:, None], y0, y)
    u = _evaluate(family, False, combo, y[:, None, :], rows)[:, 0]
    return np.where(still, lam0, lam_a), y, u


def _nash_normal(u: np.ndarray, d: np.ndarray) -> np.ndarray:
    """lambda of the symmetric Nash product's gradient (1/g1, 1/g2) normalised to (lambda, 1 - lambda): g2 / (g1 + g2)."""
    g = u - d
    total = g.sum(axis=1)
    return np.where(total != 0, g[:, 1] / np.where(total != 0, total, 1.0), 0.5)


def _chord_theta(u_a: np.ndarray, u_b: np.ndarray, d: np.ndarray, w: np.ndarray, floor: np.ndarray) -> np.ndarray:
    """theta in [0, 1] maximising the symmetric Nash product at u_a + theta (u_b - u_a) subject to w . u >= floor."""
    a, b = u_a - d, u_b - u_a
    drop = (u_a - u_b) @ w
    with np.errstate(divide="ignore", invalid="ignore"):
        reach = np.where(drop > 0, np.clip((u_a @ w - floor) / drop, 0.0, 1.0), 1.0)
        peak = -(a[:, 0] * b[:, 1] + a[:, 1] * b[:, 0]) / (2.0 * b[:, 0] * b[:, 1])
    candidates = np.column_stack([np.zeros(len(a)), reach, np.clip(np.nan_to_num(peak, nan=0.0), 0.0, reach)])
    gains = a[:, None, :] + candidates[:, :, None] * b[:, None, :]
    with np.errstate(divide="ignore", invalid="ignore"):
        value = np.where(np.all(gains > 0, axis=2), np.log(np.where(gains > 0, gains, 1.0)).sum(axis=2), -np.inf)
    return candidates[np.arange(len(a)), np.argmax(value, axis=1)]


def _feasibility_tol(d: np.ndarray) -> np.ndarray:
    return FEASIBILITY_TOL * (1.0 + np.abs(d).max(axis=1))


def _best_ray(family: _Family, ends: list[_Ends], direction: np.ndarray) -> VectorisedSolution:
    """The ray from d along ``direction`` (draws, 2) on every combination; per draw the largest t, ties
    (within ``PRUNE_TOL``, relative) to the first combination."""
    n, p, k = family.size, len(family.names), len(family.combos)
    d, rows = family.disagreement, np.arange(family.size)
    t, u, y = np.full((n, k), -np.inf), np.full((n, k, 2), np.nan), np.full((n, k, p), np.nan)
    iterations, converged = np.zeros((n, k), dtype=int), np.zeros((n, k), dtype=bool)
    positive = direction > 0
    tol = _feasibility_tol(d)
    for c, combo in enumerate(family.combos):
        _, y[:, c], u[:, c], iterations[:, c], converged[:, c] = ray_points(family, combo, ends[c], direction, rows)
        gains = u[:, c] - d
        steps = np.where(positive, gains / np.where(positive, direction, 1.0), np.inf).min(axis=1)
        t[:, c] = np.where(np.all(gains >= -tol[:, None], axis=1), steps, -np.inf)
    best = t.max(axis=1)
    feasible = np.isfinite(best)
    slack = PRUNE_TOL * (1.0 + np.abs(np.where(feasible, best, 0.0)))
    chosen = np.argmax(t >= (best - slack)[:, None], axis=1)
    return VectorisedSolution(np.where(feasible[:, None], u[rows, chosen], np.nan), np.where(feasible, chosen, -1),
                              np.where(feasible[:, None], y[rows, chosen], np.nan), best, feasible, np.zeros(n, dtype=int),
                              iterations[rows, chosen], converged[rows, chosen] & feasible,
                              family.names, family.discrete_names, family.combos)


def _infeasible(solution: VectorisedSolution, rows: np.ndarray) -> VectorisedSolution:
    """``solution`` with the draws ``rows`` (a mask) marked infeasible."""
    return VectorisedSolution(np.where(rows[:, None], np.nan, solution.utilities), np.where(rows, -1, solution.combination),
                              np.where(rows[:, None], np.nan, solution.terms), np.where(rows, -np.inf, solution.value),
                              solution.feasible & ~rows, solution.engine, solution.iterations, solution.converged & ~rows,
                              solution.continuous_names, solution.discrete_names, solution.combos)


def _violates(family: _Family, solution: VectorisedSolution) -> np.ndarray:
    """Draws whose chosen contract violates a contract constraint (g < 0)."""
    bad = np.zeros(family.size, dtype=bool)
    for c, combo in enumerate(family.combos):
        rows = np.flatnonzero(solution.combination == c)
        if rows.size:
            g = _evaluate(family, True, combo, solution.terms[rows][:, None, :], rows)[:, 0, :]
            bad[rows] = np.any(g < 0, axis=1)
    return bad


def _with_engine(solution: VectorisedSolution, family: _Family, space: Mapping[str, Continuous | Discrete],
                 concept: Callable[[ng.BargainingProblem], Any], also: list[VectorisedSolution]) -> VectorisedSolution:
    """``solution`` with every draw whose chosen contract (or one in ``also``) violates a contract constraint
    replaced by the engine's answer for that draw (``concept`` on its ``BargainingProblem``)."""
    if not family.constraints:
        return solution
    bad = _violates(family, solution)
    for other in also:
        bad |= _violates(family, other)
    if not bad.any():
        return solution
    utilities, combination, terms, value = (solution.utilities.copy(), solution.combination.copy(),
                                            solution.terms.copy(), solution.value.copy())
    feasible, engine, converged = solution.feasible.copy(), solution.engine.copy(), solution.converged.copy()
    for r in np.flatnonzero(bad):
        theta = {name: a[r] for name, a in family.parameters.items()}
        bind = lambda f: (lambda contract: f(contract, theta))  # noqa: E731
        problem = ng.BargainingProblem.from_contracts(space, tuple(map(bind, family.payoffs)), family.disagreement[r],
                                                      constraints=tuple(map(bind, family.constraints)))
        answer = concept(problem)
        utilities[r] = answer.utilities
        contract = answer.contract
        terms[r] = [contract[name] for name in family.names]
        combination[r] = family.combos.index(tuple(contract[name] for name in family.discrete_names))
        feasible[r], engine[r], converged[r] = True, len(family.combos), answer.status.startswith("converged")
        value[r] = np.nan
    return VectorisedSolution(utilities, combination, terms, value, feasible, engine, solution.iterations, converged,
                              family.names, family.discrete_names, family.combos)
