"""Nash (1953) variable threats: optimal threats, the threat point and the bargaining outcome.

In a bimatrix game ``(A, B)`` the players first commit to mixed threats ``x`` (rows, player 1)
and ``y`` (columns, player 2), which they carry out if the talks fail; the threat point is
``d(x, y) = (x'Ay, x'By)`` and the outcome is the Nash bargaining solution of ``(S, d(x, y))``.

Transferable utility. ``S = {u : u_1 + u_2 <= sigma}`` with ``sigma = max_ij (a_ij + b_ij)``
(or the largest ``u_1 + u_2`` over a given feasible set). The Nash solution gives player 1
``(sigma + d_1 - d_2) / 2``, so the threats solve the zero-sum game ``A - B`` with value
``delta`` and the outcome is ``((sigma + delta) / 2, (sigma - delta) / 2)`` -- the "coco" value
of Kalai & Kalai (2013).

Non-transferable utility. ``S`` is the convex hull of the payoff pairs with free disposal, or
a given utility set. If the Pareto frontier supports the solution ``P`` with slope ``-m``, the
Nash solution of ``(S, d)`` is ``P`` exactly when ``m (P_1 - d_1) = P_2 - d_2``; so each player's
threat moves the outcome along the frontier through ``m d_1 - d_2`` alone, and the optimal
threats solve the zero-sum game ``m A - B`` (Nash 1953). The slope is found as a
fixed point: for a trial ``m`` solve ``m A - B``, take the Nash solution ``P`` of ``(S, d)`` and
read off the slope that supports it, ``g(m) = (P_2 - d_2) / (P_1 - d_1)``; the solution has
``g(m) = m``. Plain iteration ``m <- g(m)`` can cycle on polygonal sets (the slope jumps at a
vertex), so the iteration is safeguarded: ``m - g(m)`` is negative for small ``m`` and positive
for large ``m`` (g stays within the slopes of the frontier), and Brent's method keeps a bracket
around the sign change in ``log m``. Threat points on the boundary of S and the joint maximum
of a given feasible set are handled as documented in ``_nash_outcome`` and ``_joint_maximum``.

The zero-sum games are solved by the minimax linear program (as nashpy's ``linear_program``),
never by support enumeration, which misses the equilibria of degenerate games; every solution
is certified by its duality gap.

References
----------
Nash, J. F. (1953). Two-person cooperative games. Econometrica 21, 128-140.
Kalai, A. & Kalai, E. (2013). Cooperation in strategic games revisited. QJE 128, 917-966.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike
from scipy.optimize import brentq, linprog

from negotiation.errors import finite_array
from negotiation.frontier import frontier_slopes
from negotiation.problem import FEASIBILITY_TOL, BargainingProblem, Frontier
from negotiation.solutions.nash import nash_solution
from negotiation.solutions.result import Solution
from negotiation.solutions.utilitarian import utilitarian_solution

__all__ = ["ThreatSolution", "variable_threat_solution"]

#: Largest duality gap accepted from the zero-sum LP, relative to the range of the payoffs.
ZERO_SUM_GAP_TOL = 1e-8
#: Primal and dual feasibility tolerances of the HiGHS minimax LP.
_LP_FEASIBILITY_TOL = 1e-10
#: Default tolerance on ``log m`` for the NTU slope iteration.
SLOPE_TOL = 1e-12
#: Default cap on evaluations of the slope map ``g`` in the NTU iteration.
MAX_ITER = 200
#: The initial bracket ``[1/F, F]`` for ``m`` is widened by ``F`` until it holds the sign change.
_BRACKET_FACTOR = 10.0
#: ``m`` is searched in ``[1/_SLOPE_LIMIT, _SLOPE_LIMIT]``.
_SLOPE_LIMIT = 1e12
#: A maximiser of ``u_1 + u_2`` over ``S_d`` is interior when both gains exceed this (relative).
_INTERIOR_TOL = 1e-9
#: How often ``d`` may be moved away to find the joint maximum over all of ``feasible``.
_MAX_WIDENINGS = 8


@dataclass(frozen=True, eq=False)
class ThreatSolution:
    """Nash's (1953) variable-threat solution of a bimatrix game.

    Attributes
    ----------
    threats : tuple of numpy.ndarray
        ``(x, y)``: optimal mixed threats of player 1 (rows) and player 2 (columns).
    disagreement : numpy.ndarray
        The threat point ``(x'Ay, x'By)``.
    utilities : numpy.ndarray
        The outcome: the Nash solution of ``(S, disagreement)``.
    contract : dict or None
        The agreed contract when ``feasible`` is a contract problem (under TU: the contract that
        maximises ``u_1 + u_2``, with ``transfer`` on top), else None.
    transfer : float or None
        TU only: the side payment from player 2 to player 1 on top of the efficient outcome (the
        contract, or the first cell maximising ``a_ij + b_ij`` in row-major order).
    slope : float
        ``m``: the threats solve the zero-sum game ``m A - B`` (1 under TU).
    value : float
        The value of that zero-sum game, ``m d_1 - d_2``.
    transferable : bool
        Whether utility was treated as transferable.
    iterations : int
        Evaluations of the slope map in the NTU iteration (0 under TU).
    method : str
        How the solution was computed.
    """

    threats: tuple[np.ndarray, np.ndarray]
    disagreement: np.ndarray
    utilities: np.ndarray
    contract: dict[str, Any] | None
    transfer: float | None
    slope: float
    value: float
    transferable: bool
    iterations: int
    method: str


def _frozen(array: np.ndarray) -> np.ndarray:
    array = np.array(array, dtype=float)
    array.setflags(write=False)
    return array


def _validate_game(A: ArrayLike, B: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    a = finite_array("A", A, ndim=2)
    b = finite_array("B", B, ndim=2)
    if a.size == 0:
        raise ValueError(f"A must have at least one row and one column, got shape {a.shape}")
    if a.shape != b.shape:
        raise ValueError(f"A and B must have the same shape, got {a.shape} and {b.shape}")
    return a, b


def _maxmin_strategy(M: np.ndarray) -> np.ndarray:
    """Row player's maxmin strategy: max v s.t. (M'x)_j >= v for all j, sum x = 1, x >= 0.

    The minimax LP (von Neumann 1928; nashpy's ``linear_program`` builds the same one), solved
    by HiGHS dual simplex with feasibility tolerances ``_LP_FEASIBILITY_TOL``, tighter than the
    1e-7 defaults, which leave duality gaps of that size on nearly-tied payoffs.
    """
    rows, cols = M.shape
    objective = np.zeros(rows + 1)
    objective[-1] = -1.0
    simplex = np.ones((1, rows + 1))
    simplex[0, -1] = 0.0
    result = linprog(
        objective,
        A_ub=np.hstack([-M.T, np.ones((cols, 1))]),
        b_ub=np.zeros(cols),
        A_eq=simplex,
        b_eq=[1.0],
        bounds=[(0.0, None)] * rows + [(None, None)],
        method="highs-ds",
        options={"primal_feasibility_tolerance": _LP_FEASIBILITY_TOL,
                 "dual_feasibility_tolerance": _LP_FEASIBILITY_TOL},
    )
    if result.status != 0:
        raise RuntimeError(f"minimax LP failed: {result.message}")
    strategy = np.clip(result.x[:-1], 0.0, None)  # solver round-off below 0
    return strategy / strategy.sum()


def _zero_sum(M: np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
    """Optimal strategies and value of the zero-sum game with row payoffs ``M``.

    Both minimax LPs are solved on ``M`` rescaled to [0, 1] (optimal strategies are invariant
    to a positive affine change of payoffs); the pair is certified by its duality gap
    ``max_i (M y)_i - min_j (x'M)_j``, zero exactly at a saddle point, which must not exceed
    ``ZERO_SUM_GAP_TOL`` times the payoff range.
    """
    spread = float(M.max() - M.min())
    if spread == 0.0:  # every strategy is optimal
        x, y = np.full(M.shape[0], 1.0 / M.shape[0]), np.full(M.shape[1], 1.0 / M.shape[1])
        return x, y, float(M[0, 0])
    scaled = (M - M.min()) / spread
    x, y = _maxmin_strategy(scaled), _maxmin_strategy(-scaled.T)
    gap = float(np.max(scaled @ y) - np.min(x @ scaled))
    if gap > ZERO_SUM_GAP_TOL:
        raise RuntimeError(f"minimax LP returned strategies with relative duality gap {gap:.3e}")
    return x, y, float(x @ M @ y)


def _threats(a: np.ndarray, b: np.ndarray, m: float) -> tuple[np.ndarray, np.ndarray, float, np.ndarray]:
    """Optimal threats of the game ``m A - B``, its value and the threat point."""
    x, y, value = _zero_sum(m * a - b)
    return x, y, value, np.array([x @ a @ y, x @ b @ y])


def variable_threat_solution(
    A: ArrayLike,
    B: ArrayLike,
    transferable: bool = True,
    feasible: BargainingProblem | None = None,
    *,
    tol: float = SLOPE_TOL,
    max_iter: int = MAX_ITER,
) -> ThreatSolution:
    """Nash's (1953) variable-threat solution of the bimatrix game ``(A, B)``.

    Transferable utility: with ``sigma = max_ij (a_ij + b_ij)`` (or ``max u_1 + u_2`` over
    ``feasible``) and ``delta`` the value of the zero-sum game ``A - B``, the outcome is

        u = ((sigma + delta) / 2, (sigma - delta) / 2),

    the threats are optimal strategies of ``A - B`` and the threat point is ``(x'Ay, x'By)``.
    Non-transferable utility: the threats solve ``m A - B`` where ``-m`` is the slope of the
    frontier at the outcome; ``m`` is found by a safeguarded fixed-point iteration (module
    docstring) and the outcome is ``nash_solution`` of ``(S, d)``.

    Parameters
    ----------
    A, B : array_like, shape (rows, columns)
        Payoffs of player 1 and player 2; finite, same shape.
    transferable : bool
        Treat utility as transferable (default) or not.
    feasible : BargainingProblem, optional
        The set of agreements, replacing the convex hull of the payoff pairs; its own
        disagreement point is ignored. The threat point must lie in it (on its Pareto frontier
        only for frontier and point problems, where it is then its own outcome).
    tol : float
        NTU only: tolerance on ``log m``.
    max_iter : int
        NTU only: the most evaluations of the slope map before giving up.

    Returns
    -------
    ThreatSolution

    Raises
    ------
    ValueError
        If ``A`` or ``B`` is not a finite 2-d array or their shapes differ, or if (TU with
        ``feasible``) the threat point leaves no gains from agreement.
        NTU: also if the frontier is flat or vertical where the threats lead, so that one
        player's payoff cannot be raised and the fixed point does not exist.
    RuntimeError
        If the NTU iteration does not converge within ``max_iter`` evaluations.

    References
    ----------
    Nash (1953); Kalai & Kalai (2013).

    Examples
    --------
    >>> s = variable_threat_solution([[2, 0, 2], [3, 4, 0]], [[1, 2, 1], [1, 1, 0]])
    >>> s.utilities.round(12).tolist(), s.disagreement.round(12).tolist()
    ([2.75, 2.25], [1.166666666667, 0.666666666667])
    """
    a, b = _validate_game(A, B)
    if feasible is not None and not isinstance(feasible, BargainingProblem):
        raise ValueError(f"feasible must be a BargainingProblem or None, got {type(feasible).__name__}")
    if transferable:
        return _transferable(a, b, feasible)
    return _non_transferable(a, b, feasible, tol=tol, max_iter=max_iter)


def _transferable(a: np.ndarray, b: np.ndarray, feasible: BargainingProblem | None) -> ThreatSolution:
    x, y, delta, d = _threats(a, b, 1.0)
    contract = None
    if feasible is None:
        i, j = np.unravel_index(np.argmax(a + b), a.shape)
        efficient = np.array([a[i, j], b[i, j]])
        source = "sigma = max_ij (a_ij + b_ij)"
    else:
        best = _joint_maximum(feasible, d)
        efficient, contract = np.asarray(best.utilities), best.contract
        source = "sigma = max u_1 + u_2 over feasible (utilitarian_solution)"
    sigma = float(efficient.sum())
    if d.sum() > sigma + _LP_FEASIBILITY_TOL * max(1.0, abs(sigma)):  # the LP's threat point, up to its tolerance
        raise ValueError(
            f"feasible must contain the threat point: d = {d.tolist()} gives d_1 + d_2 = "
            f"{d.sum()!r} > sigma = {sigma!r}, leaving no gains from agreement"
        )
    utilities = np.array([(sigma + delta) / 2.0, (sigma - delta) / 2.0])
    return ThreatSolution(
        threats=(_frozen(x), _frozen(y)),
        disagreement=_frozen(d),
        utilities=_frozen(utilities),
        contract=contract,
        transfer=float(utilities[0] - efficient[0]),
        slope=1.0,
        value=delta,
        transferable=True,
        iterations=0,
        method=f"TU (Nash 1953): zero-sum game A - B by the minimax LP (scipy HiGHS); {source}",
    )


def _joint_maximum(feasible: BargainingProblem, d: np.ndarray) -> Solution:
    """``utilitarian_solution`` with weights (1, 1) over all of ``feasible``, not only ``S_d``.

    The engine maximises over ``S_d = {u in S : u >= d}`` (ties broken by the Nash solution
    from ``d``, so a flat TU frontier yields the contract that needs no transfer). When the
    maximiser sits on the edge ``u_i = d_i`` of ``S_d`` the joint maximum may lie outside it, so
    ``d`` is moved away (free disposal keeps it in ``S``) until the maximiser is interior.
    """
    base = d
    for _ in range(_MAX_WIDENINGS):
        try:
            best = utilitarian_solution(feasible.with_disagreement(base), weights=(1.0, 1.0))
        except ValueError:  # d on or above the frontier: S_d has no interior
            base = base - (1.0 + np.abs(base).max())
            continue
        gains = np.asarray(best.utilities) - base
        if np.all(gains > _INTERIOR_TOL * (1.0 + np.abs(best.utilities).max())):
            return best
        base = base - (1.0 + np.abs(gains).max() + np.abs(base).max())
    raise RuntimeError(f"no interior maximiser of u_1 + u_2 over feasible after {_MAX_WIDENINGS} widenings")


def _non_transferable(
    a: np.ndarray, b: np.ndarray, feasible: BargainingProblem | None, *, tol: float, max_iter: int
) -> ThreatSolution:
    if not (math.isfinite(tol) and tol > 0.0):
        raise ValueError(f"tol must be positive and finite, got {tol!r}")
    if int(max_iter) < 1:
        raise ValueError(f"max_iter must be a positive integer, got {max_iter!r}")
    if feasible is None:
        points = np.column_stack([a.ravel(), b.ravel()])
        if len(np.unique(points, axis=0)) < 2:
            raise ValueError("A and B must give at least two distinct payoff pairs for an NTU solution")
        below = points.min(axis=0) - (1.0 + np.ptp(points, axis=0))
        problem = BargainingProblem.from_points(points, disagreement=below)
        source = "S = convex hull of the payoff pairs (BargainingProblem.from_points)"
    else:
        problem = feasible
        source = "S = feasible"

    evaluations = 0

    def outcome(m: float) -> _Outcome:
        x, y, value, d = _threats(a, b, m)
        return _nash_outcome(problem, x, y, value, d, m)

    def residual(log_m: float) -> float:
        """``(m - g(m)) / (m + g(m))``: negative below the fixed point, positive above it."""
        nonlocal evaluations
        if evaluations >= max_iter:
            raise _IterationLimit
        evaluations += 1
        m = math.exp(log_m)
        g = outcome(m).supporting_slope
        return -1.0 if math.isinf(g) else (m - g) / (m + g)

    limit = math.log(_SLOPE_LIMIT)
    step = math.log(_BRACKET_FACTOR)
    try:
        lo, hi = -step, step
        f_lo, f_hi = residual(lo), residual(hi)
        while f_lo > 0.0 and lo > -limit:
            lo, hi, f_hi = lo - step, lo, f_lo
            f_lo = residual(lo)
        while f_hi < 0.0 and hi < limit:
            lo, hi, f_lo = hi, hi + step, f_hi
            f_hi = residual(hi)
        if f_lo > 0.0 or f_hi < 0.0:
            raise ValueError(
                f"A, B: no slope m in [{1 / _SLOPE_LIMIT:g}, {_SLOPE_LIMIT:g}] brackets the fixed "
                "point g(m) = m; the frontier of S is flat or vertical where the threats lead (one "
                "player's payoff cannot be raised), so the NTU threat solution is not defined"
            )
        log_m, report = brentq(
            residual, lo, hi, xtol=tol, maxiter=max_iter, full_output=True, disp=False
        )
    except _IterationLimit:
        report = None
    if report is None or not report.converged:
        raise RuntimeError(
            f"variable threats: the slope iteration did not converge within max_iter={max_iter} "
            f"evaluations (tol={tol!r} on log m)"
        )

    m = math.exp(log_m)
    result = outcome(m)
    return ThreatSolution(
        threats=(_frozen(result.x), _frozen(result.y)),
        disagreement=_frozen(result.d),
        utilities=_frozen(result.utilities),
        contract=result.contract,
        transfer=None,
        slope=m,
        value=result.value,
        transferable=False,
        iterations=evaluations,
        method=(
            "NTU (Nash 1953): threats of m A - B by the minimax LP (scipy HiGHS), m the fixed point of the "
            f"supporting slope of nash_solution(S, d), Brent-safeguarded in log m; {source}"
        ),
    )


@dataclass(frozen=True, eq=False)
class _Outcome:
    """One evaluation of the NTU slope map at a trial ``m``."""

    x: np.ndarray
    y: np.ndarray
    value: float
    d: np.ndarray
    utilities: np.ndarray
    contract: dict[str, Any] | None
    supporting_slope: float


def _nash_outcome(
    problem: BargainingProblem, x: np.ndarray, y: np.ndarray, value: float, d: np.ndarray, m: float
) -> _Outcome:
    """The Nash solution ``P`` of ``(S, d)`` and the slope ``g`` of the line supporting S at it.

    With gains ``P - d >> 0`` the Nash solution is certified by the supporting line of slope
    ``-g``, ``g = (P_2 - d_2) / (P_1 - d_1)``. A threat point on the boundary of S (frontier and
    point problems) gets the limit of the Nash solution as ``d`` approaches it from inside:

    - on the Pareto frontier, ``P = d``, supported by any slope of the normal cone there; the one
      closest to ``m`` is reported (so ``g = m`` when ``m`` is in the cone);
    - on the flat free-disposal part left of the frontier, ``P = (lo, phi(lo))`` and ``g = 0``;
    - on the vertical part below its right end, ``P = (hi, phi(hi))`` and ``g = inf``.
    """
    try:
        solution = nash_solution(problem.with_disagreement(d))
    except ValueError:
        if problem.frontier is None:
            raise
        boundary = _boundary_outcome(problem.frontier, d, m)
        if boundary is None:
            raise
        utilities, slope = boundary
        return _Outcome(x, y, value, d, utilities, None, slope)
    gains = np.asarray(solution.utilities) - d
    slope = math.inf if gains[0] <= 0.0 else float(gains[1] / gains[0])
    return _Outcome(x, y, value, d, np.asarray(solution.utilities), solution.contract, slope)


def _boundary_outcome(frontier: Frontier, d: np.ndarray, m: float) -> tuple[np.ndarray, float] | None:
    """``(P, g)`` for a threat point ``d`` on the boundary of S (see ``_nash_outcome``), else None."""
    d1, d2 = float(d[0]), float(d[1])
    ceiling = frontier(d1)
    tol = FEASIBILITY_TOL * (1.0 + abs(ceiling) + abs(frontier.lo) + abs(frontier.hi))
    if d1 > frontier.hi + tol or d2 > ceiling + tol:
        return None  # d outside S: the engine's error stands
    if d1 >= frontier.hi - tol and d2 < ceiling - tol:
        return np.array([frontier.hi, frontier(frontier.hi)]), math.inf
    if d2 < ceiling - tol:
        return None  # interior: the engine's error had another cause
    if d1 < frontier.lo - tol:
        return np.array([frontier.lo, frontier(frontier.lo)]), 0.0
    left, right = frontier_slopes(frontier, d1)
    return d.astype(float), float(np.clip(m, -left, -right))


class _IterationLimit(Exception):
    """Raised inside the NTU iteration when ``max_iter`` evaluations are spent."""
