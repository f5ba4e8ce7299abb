"""Alternating offers over a general utility set: Rubinstein's SPE on a Pareto frontier.

``rubinstein`` (in ``rubinstein.py``) splits a unit surplus. Here the players bargain over a
feasible set S with Pareto frontier u2 = phi(u1) and impasse payoffs d (what each gets per
period while talks go on: in the case, the status-quo contract that runs on). Player i
discounts a round by delta_i. A responder j accepts an offer giving it at least
max(w_j, d_j + delta_j (z_j - d_j)), where z_j is what j gets from its own proposal next round
and w_j its outside option, a constraint that binds only when it beats that continuation
(Shaked & Sutton 1984; Muthoo 1999, ch. 5; Binmore, Rubinstein & Wolinsky 1986, §4).

The stationary SPE is a pair of frontier points: x (player 1 proposes) and y (player 2
proposes) with

    y_1 = max(w_1, d_1 + delta_1 (x_1 - d_1)),   y_2 = phi(y_1),
    x_2 = max(w_2, d_2 + delta_2 (y_2 - d_2)),   x_2 = phi(x_1).

The residual h(x_1) = phi(x_1) - max(w_2, d_2 + delta_2 (phi(y_1(x_1)) - d_2)) is
non-increasing on [d_1, a_1] for concave phi (phi'(x_1) <= delta_1 delta_2 phi'(y_1) as
y_1 <= x_1), so one bracketed root gives the equilibrium. Where S is not convex (a union of
discrete combinations' sets, or a non-concave frontier callable) h can have several roots, one
per stationary pair; the equilibrium reported is then chosen by one rule, here and in the batch
path (``negotiation.batch.stationary_agreement``): the largest root, player 1's best stationary
proposal, found in the last of ``STATIONARY_GRID`` equal cells of [max(d_1, w_1), a_1] where
h >= 0 gives way to h < 0 (a_1 if h(a_1) >= 0; max(d_1, w_1) if h < 0 throughout). Two roots
closer than one cell are not told apart. ``method`` says when another stationary pair was met. With delta_i = exp(-r_i Delta) and
Delta -> 0 both points converge to the asymmetric Nash solution with weight r_2/(r_1 + r_2)
for player 1 (BRW 1986): the two proposals have equal weighted Nash products.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from scipy.optimize import brentq

from negotiation.errors import PayoffError, finite_pair
from negotiation.frontier import ideal_point
from negotiation.problem import BargainingProblem
from negotiation.solutions._contracts import evaluate_all, maximise_each
from negotiation.solutions._envelope import _add_lines, _normal_index, envelope, maximise_on_envelope, ray_bound, ray_score
from negotiation.solutions.nash import nash_solution, supporting_slope, supporting_weight
from negotiation.solutions.result import Solution

ROOT_XTOL = 1e-13
"""Absolute tolerance of the root in x_1, relative to the utility scale of the problem."""
SPE_TOL = 1e-10
"""Contract problems: the pair is converged when the Newton correction is below this (relative)."""
SPE_RESIDUAL = 1e-8
"""Contract problems: a correction that no longer halves is the noise of the Nash solutions the
pair is made of (their accuracy); the pair is then accepted if both stationarity equations hold
to this (relative to the utility scale)."""
SPE_NOISE = 1e-7
"""Contract problems: outside options are checked to this tolerance (relative)."""
SPE_EXACT = 1e-12
"""Contract problems: a final correction below this (relative) leaves the last iterate, an exact
frontier point with its contract, as the agreement; a larger one is evaluated on the frontier."""
SPE_STEPS = 12
"""Contract problems: Newton steps along the frontier's tangents before the bracketed root is used.
The iteration also stops, for the bracketed root, at the first step whose residual is not below the
previous one's or above ``SPE_STALL`` times the one two steps before: on a kinked frontier (the
pair walking vertex to vertex, or towards the end of a combination's part of it) the residual
stalls, while near a smooth stretch it falls at least that fast."""
SPE_STALL = 0.5
TANGENT_NEWTON_STEPS = 6
"""Newton steps on the scalar stationarity equation of the quadratic frontier models."""
ALPHA_MIN = 1e-9
"""Contract problems: the Nash weights of the Newton iterates stay in [ALPHA_MIN, 1 - ALPHA_MIN]."""
STATIONARY_GRID = 32
"""Cells of [max(d1, w1), a1] on which h is scanned, from the top, for its largest root (the rule
shared with ``negotiation.batch.stationary_agreement``, whose constant of the same name must equal it)."""
SHARPEN_STAGES = 3
"""Levels of sharpening of the envelope's bounds on h tried before h is solved (``_residual_bounds``)."""
SHARPEN_AIM = 0.01
"""Level 1 aims a Nash solution this fraction of the way from y1(x1) to a_1, so its point counts at y1."""
LOCAL_MAXITER = 30
LOCAL_FIRST = 1e-3
"""The first secant step of ``_local_root`` goes at least this fraction of the bracket from its left end."""
ROUNDING = 4 * np.finfo(float).eps
"""A known point counts at x1 in the envelope's lower bound on phi if its u1 is below x1 by rounding only."""
SEGMENT_POINTS = 65
SEGMENT_STEPS = 3
"""Contract problems: payoff evaluations on the line of contracts through the Newton pair, lower
bounds on phi (``_segment_bound``): evenly spaced, then interpolated to where a bound is needed."""
JUMP_STEP = 1e-9
"""Contract problems: a jump of h (a combination's part of the frontier ends) is bracketed by the
points this far (relative to the utility scale) on either side of where that part ends."""


def frontier_value(problem: BargainingProblem, u1: float) -> tuple[float, dict | None]:
    """phi(u1) = max {x2 : x in S, x1 >= u1, x2 >= d2}, and the contract attaining it.

    For frontier and point problems phi is the problem's frontier (contract None); for contract
    problems it is one constrained maximisation over the discrete combinations that the cached
    frontier envelope cannot rule out: phi(u1) - d2 is the ray from (u1, d2) along (0, 1).

    References
    ----------
    Osborne & Rubinstein (1990) Bargaining and Markets, ch. 2 (the Pareto frontier of S).

    Examples
    --------
    >>> import negotiation as ng
    >>> p = ng.BargainingProblem.from_frontier(lambda u: 1 - u**2, domain=(0, 1), disagreement=(0, 0))
    >>> frontier_value(p, 0.5)
    (0.75, None)
    """
    if problem.frontier is not None:
        return float(problem.frontier(u1)), None
    d = problem.disagreement
    corner, up = np.array([u1, d[1]]), np.array([0.0, 1.0])
    ray = ray_bound(corner, up)
    best = maximise_on_envelope(problem.space, corner, lambda u: u[:, 1:2], lambda lines: d[1] + ray(lines),
                                lambda u: d[1] + ray_score(corner, up)(u), key=("frontier_value", corner.tobytes()))
    return float(best.value), best.contract


def rubinstein_solution(
    problem: BargainingProblem,
    discount_factors: tuple[float, float],
    proposer: int = 0,
    outside_options: Sequence[float | None] | None = None,
) -> Solution:
    """Subgame-perfect agreement of alternating offers over the problem's utility set.

    Parameters
    ----------
    problem : BargainingProblem
        The feasible set S; its disagreement point is the impasse payoff d earned while talks go on.
    discount_factors : (float, float)
        delta_i in (0, 1): each player's discount factor per round.
    proposer : {0, 1}
        Who makes the first offer; the agreement is that player's proposal.
    outside_options : (float or None, float or None), optional
        w_i, utility of opting out when responding; None for no option. A constraint, never d.

    Returns
    -------
    Solution
        concept ``"rubinstein"``, ``weights`` the discount factors, the agreed utilities and,
        for contract problems, the contract.

    Raises
    ------
    ValueError
        If a discount factor is outside (0, 1), ``proposer`` is not 0 or 1, or the outside
        options leave no agreement that gives both players at least their option.

    References
    ----------
    Rubinstein (1982); Binmore, Rubinstein & Wolinsky (1986); Muthoo (1999), chs. 3-5.

    Examples
    --------
    >>> import negotiation as ng
    >>> pie = ng.BargainingProblem.from_points([(1, 0), (0, 1)], disagreement=(0, 0))
    >>> rubinstein_solution(pie, (0.9, 0.8)).utilities.round(12).tolist()  # (5/7, 2/7)
    [0.714285714286, 0.285714285714]
    >>> space = {"wage": ng.Continuous(0, 1), "bonus": ng.Discrete((False, True))}
    >>> firm = lambda c: 1 - c["wage"] - 0.1 * c["bonus"]
    >>> worker = lambda c: c["wage"] + 0.2 * c["bonus"]
    >>> deal = ng.BargainingProblem.from_contracts(space, (firm, worker), disagreement=(0, 0))
    >>> s = rubinstein_solution(deal, (0.9, 0.8))
    >>> s.utilities.round(9).tolist(), s.contract["bonus"]  # the pie is 1.1: (5/7, 2/7) of it
    ([0.785714286, 0.314285714], True)
    """
    delta = finite_pair("discount_factors", discount_factors)
    if np.any(delta <= 0) or np.any(delta >= 1):
        raise ValueError(f"discount_factors must lie in (0, 1), got {tuple(map(float, delta))}")
    if proposer not in (0, 1):
        raise ValueError(f"proposer must be 0 or 1, got {proposer!r}")
    d = problem.disagreement
    w = _outside_options(outside_options)
    if np.any(np.isfinite(w)):
        _check_options(problem, w)
    responder_1, residual = _stationarity(problem, delta, w)
    pair = _spe_by_tangents(problem, delta, w) if problem.space is not None else None
    ideal = ideal_point(problem)
    lo, hi = max(d[0], w[0]), float(ideal[0])
    scale = 1.0 + float(np.max(np.abs(ideal - d)))
    known = [] if pair is None else [p.utilities[None, :] for p in pair[2]]
    bounds = None if problem.space is None else _residual_bounds(problem, delta, w, responder_1, known, hi, SPE_NOISE * scale,
                                                                None if pair is None else _segment_bound(problem, *pair[2]))
    where, cell, scanned = _last_sign_change(residual, lo, hi, bounds, None if pair is None else pair[0])
    iterations = scanned + (0 if pair is None else pair[1])
    rule = f"the largest stationary x_1 (the last of {STATIONARY_GRID} cells of [max(d1, w1), a1] where h changes sign)"
    bound = hi if where == "top" else lo
    tangent = pair is not None and (cell[0] - ROOT_XTOL * scale <= pair[0] <= cell[1] + ROOT_XTOL * scale if cell is not None
                                    else abs(pair[0] - bound) <= SPE_NOISE * scale)
    if tangent:
        assert pair is not None
        x1, _, proposals = pair
        method = ("alternating offers: Newton on the stationary SPE pair along the frontier's tangents, "
                  f"each point an asymmetric Nash solution, in {rule}; the agreement is the frontier at the corrected x_1")
    else:
        if cell is None:
            x1 = bound
            method = f"alternating offers: x_1 = {'a_1: h(a_1) >= 0' if where == 'top' else 'max(d1, w1): h < 0 throughout'}"
        else:
            x1, calls, jump = _root_in_cell(problem, delta, w, responder_1, residual, cell, ROOT_XTOL * scale, scale)
            iterations += calls
            how = ("at a jump of h, where a combination's part of the frontier ends" if jump else
                   "brentq on h" + ("" if problem.space is None else " (jumps of h located where a combination ends)"))
            method = f"alternating offers: {how}, in {rule}"
        if pair is not None:
            method += (f"; several stationary pairs: the Newton path from the BRW point met another at x_1 = {pair[0]!r}, "
                       f"the rule reports x_1 = {x1!r}")
    agreement_1 = x1 if proposer == 0 else responder_1(x1)
    iterate = proposals[proposer] if tangent else None
    if iterate is not None and abs(iterate.utilities[0] - agreement_1) <= SPE_EXACT * (1.0 + np.max(np.abs(iterate.utilities))):
        utilities, contract = iterate.utilities, iterate.contract
    else:
        agreement_2, contract = (frontier_value(problem, agreement_1) if iterate is None
                                 else _frontier_near(problem, agreement_1, iterate))
        utilities = np.array([agreement_1, agreement_2])
    return Solution(
        utilities=utilities,
        concept="rubinstein",
        weights=(float(delta[0]), float(delta[1])),
        method=method,
        status="converged",
        iterations=iterations,
        contract=contract,
    )


def _stationarity(problem: BargainingProblem, delta: np.ndarray, w: np.ndarray
                  ) -> tuple[Callable[[float], float], Callable[[float], float]]:
    """The responder's acceptance level y_1(x_1) = max(w_1, d_1 + delta_1 (x_1 - d_1)) and the
    residual h(x_1) = phi(x_1) - max(w_2, d_2 + delta_2 (phi(y_1(x_1)) - d_2)), phi by :func:`frontier_value`."""
    d = problem.disagreement

    def responder_1(x1: float) -> float:
        return max(w[0], d[0] + delta[0] * (x1 - d[0]))

    def residual(x1: float) -> float:
        y2 = frontier_value(problem, responder_1(x1))[0]
        return frontier_value(problem, x1)[0] - max(w[1], d[1] + delta[1] * (y2 - d[1]))

    return responder_1, residual


def _last_sign_change(residual: Callable[[float], float], lo: float, hi: float,
                      bounds: Callable[..., tuple[float, float]] | None = None, guess: float | None = None
                      ) -> tuple[str, tuple[float, float, float, float] | None, int]:
    """Where the largest root of h lies: ("top", None, n) if h(a_1) >= 0, ("bottom", None, n) if h < 0 at
    every grid point, else ("cell", (a, b, h(a), h(b)), n) for the last of the ``STATIONARY_GRID`` cells
    of [lo, hi] where h >= 0 gives way to h < 0; n evaluations of h, scanning down from the top.

    The grid and the rule are those of ``negotiation.batch.stationary_agreement``, point for point.
    ``bounds(x1)``, if given, returns bounds (low, high) on h(x1) from what is already known of the
    frontier; a grid point where they settle the sign of h is not evaluated (h is then reported as
    -inf, or as its lower bound >= 0). ``guess``, a likely root (the Newton pair's), has the grid
    points above it settled first, upwards; the answer is the same.
    """
    grid = lo + (hi - lo) * np.linspace(0.0, 1.0, STATIONARY_GRID + 1)
    calls = 0

    def sign_known(x1: float) -> float | None:
        if bounds is None:
            return None
        for level in range(SHARPEN_STAGES + 1):
            low, high = bounds(x1, level)
            if high < 0 or low >= 0:
                return -np.inf if high < 0 else low
        return None

    def value_at(x1: float) -> float:
        nonlocal calls
        known = sign_known(x1)
        if known is not None:
            return known
        calls += 1
        return residual(x1)

    values: dict[int, float] = {}
    if guess is not None and lo < guess < hi:  # first the grid points above the guess, upwards: their
        # signs are needed whatever the answer, and the sharpening of each helps the next one's bounds
        first = min(int((guess - lo) / (hi - lo) * STATIONARY_GRID) + 1, STATIONARY_GRID)
        for k in range(first, STATIONARY_GRID + 1):
            values[k] = value_at(float(grid[k]))
            if values[k] >= 0:
                break
    above = values[STATIONARY_GRID] if STATIONARY_GRID in values else value_at(float(grid[-1]))
    if above >= 0:
        return "top", None, calls
    for k in range(STATIONARY_GRID - 1, -1, -1):
        value = values[k] if k in values else value_at(float(grid[k]))
        if value >= 0:
            return "cell", (float(grid[k]), float(grid[k + 1]), value, above), calls
        above = value
    return "bottom", None, calls


def _residual_bounds(problem: BargainingProblem, delta: np.ndarray, w: np.ndarray, responder_1: Callable[[float], float],
                     known: Sequence[np.ndarray], ideal_1: float, margin: float,
                     segment: Callable[[float], float] | None = None) -> Callable[..., tuple[float, float]]:
    """Bounds (low, high) on h(x1) from what the envelope of a contract problem holds, without solving phi.

    Upper bounds on phi(x1) = max {u2 : u in S, u1 >= x1, u2 >= d2}, the least of:

    - d2 + max_k t_k, t_k the bound of the ray from (x1, d2) along (0, 1) on combination k from its
      supporting lines (``ray_bound``; +inf where a combination has none);
    - each Nash solution N_a at this d kept on the envelope: no point of S lies above its level
      curve, so phi(x1) <= d2 + exp((V - a log(x1 - d1)) / (1 - a)), V = a log g1 + (1 - a) log g2 at N_a;
    - phi at any x' <= x1 already solved (phi does not increase).

    Lower bound: phi(x1) >= max {p2 : p a known point of S, p1 >= x1, p2 >= d2} (the envelope's
    points, every optimum it keeps, and ``known``). Each upper bound is raised by ``margin`` (the
    solves' accuracy). Then h(x1) <= high = phi_upper(x1) - max(w2, d2 + delta2 (phi_lower(y1) - d2)),
    and low is the same with the bounds swapped.

    ``bounds(x1, level)`` first sharpens them: levels 1 and 2, a Nash solution aimed (by
    interpolating the weights of those solved) at u1 = x1, then just right of y1(x1): a level curve
    and a frontier point where these bounds need them (a Nash solve is a barrier Newton method, far
    cheaper than the constrained solve of phi); level 3 (once), one supporting line on each
    combination without any, normal to the known hull at u1 = ``ideal_1``, where level curves are loose.
    """
    d = problem.disagreement
    env = envelope(problem.space)
    up = np.array([0.0, 1.0])
    prefix = d.tobytes()
    lined = False
    state: dict[str, Any] = {}

    def gather() -> None:  # what the envelope holds now: Nash solutions, solved phi, known points
        nash = sorted((float(np.frombuffer(key[2])[0]), o.utilities) for key, o in env.solved.items()
                      if key[0] == "nash" and key[1] == prefix and np.all(o.utilities > d))
        state["nash"] = [(a, float(u[0])) for a, u in nash if 0.0 < a < 1.0]
        state["levels"] = [(a, a * np.log(u[0] - d[0]) + (1.0 - a) * np.log(u[1] - d[1])) for a, u in nash if 0.0 < a < 1.0]
        state["solved"] = sorted((np.frombuffer(key[1])[0], o.value) for key, o in env.solved.items()
                                 if key[0] == "frontier_value" and np.frombuffer(key[1])[1] == d[1] and np.isfinite(o.value))
        state["points"] = np.vstack([env.points, *known, *[o.utilities[None, :] for o in env.solved.values()
                                                           if np.all(np.isfinite(o.utilities))]])

    def nash_at(target: float) -> None:
        ladder = state["nash"] + [(1.0, ideal_1)]
        below, above = [p for p in ladder if p[1] <= target], [p for p in ladder if p[1] > target]
        if not below or not above:
            return
        (a0, u0), (a1, u1) = max(below, key=lambda p: p[1]), min(above, key=lambda p: p[1])
        a = a0 + (a1 - a0) * (target - u0) / (u1 - u0)
        if ALPHA_MIN < a < 1.0 - ALPHA_MIN:
            nash_solution(problem, (a, 1.0 - a))

    def phi_upper(x1: float) -> float:
        t = ray_bound(np.array([x1, d[1]]), up)(env.lines)
        best = float(d[1] + np.max(t)) if len(t) else -np.inf
        if x1 > d[0]:
            with np.errstate(over="ignore"):  # a level curve far above the frontier bounds nothing: exp -> inf
                for a, value in state["levels"]:
                    best = min(best, float(d[1] + np.exp((value - a * np.log(x1 - d[0])) / (1.0 - a))))
        for x, value in state["solved"]:
            if x <= x1:
                best = min(best, float(value))
        return best + margin

    def phi_lower(x1: float) -> float:  # the ideal point's own contract counts at a_1 despite rounding in d1 + t
        points = state["points"]
        feasible = points[(points[:, 0] >= x1 - ROUNDING * (1.0 + abs(x1))) & (points[:, 1] >= d[1])]
        best = float(feasible[:, 1].max()) if len(feasible) else -np.inf
        if segment is not None:
            on_segment = segment(x1)
            if on_segment >= d[1]:
                best = max(best, on_segment)
        return best

    def bounds(x1: float, level: int = 0) -> tuple[float, float]:
        nonlocal lined
        y1 = responder_1(x1)
        if level in (1, 2):
            nash_at(x1 if level == 1 else y1 + SHARPEN_AIM * (ideal_1 - y1))
            gather()
        elif level >= 3 and not lined:
            lined = True
            bare = np.flatnonzero(np.all(np.isnan(env.lines), axis=1))
            if bare.size:
                _add_lines(problem.space, env, _normal_index(env, np.array([ideal_1, d[1]])), bare)
        high = phi_upper(x1) - max(w[1], d[1] + delta[1] * (phi_lower(y1) - d[1]))
        low = phi_lower(x1) - max(w[1], d[1] + delta[1] * (phi_upper(y1) - d[1]))
        return low, high

    gather()
    return bounds


def _segment_bound(problem: BargainingProblem, x: Solution, y: Solution) -> Callable[[float], float] | None:
    """A lower bound on phi(u1) from points of S on the line of contracts through the Newton pair.

    The contracts on the line through the continuous terms of the pair's iterates x and y (one
    combination), clipped to the box, are points of S where they satisfy the space's contract
    constraints, so phi(u1) >= p2 for each such point p with p1 >= u1 (phi does not increase).
    ``lower(u1)`` returns the best such p2 among ``SEGMENT_POINTS`` evenly spaced contracts and up to
    ``SEGMENT_STEPS`` more placed, by interpolation in p1, where p1 crosses u1 (-inf if none):
    payoff evaluations only, no solve. Where the frontier near the pair is the image of a straight
    segment of contracts (a term that transfers utility, as a wage) the bound is phi itself; elsewhere
    it is looser, never wrong. None if the iterates differ in combination or continuous terms.
    """
    space = problem.space
    if x.contract is None or y.contract is None or _combo(space, x.contract) != _combo(space, y.contract):
        return None
    combo = _combo(space, x.contract)
    start = np.array([y.contract[name] for name in space.continuous_names], dtype=float)
    step = np.array([x.contract[name] for name in space.continuous_names], dtype=float) - start
    moving = step != 0
    if not np.any(moving):
        return None
    lo, hi = space.bounds[:, 0], space.bounds[:, 1]
    with np.errstate(divide="ignore", invalid="ignore"):
        ends = np.stack([(lo - start) / step, (hi - start) / step])
    t_min, t_max = float(np.max(np.min(ends, axis=0)[moving])), float(np.min(np.max(ends, axis=0)[moving]))
    if not t_min < t_max:
        return None

    def points_at(t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:  # the feasible ones, with their t
        try:
            u = evaluate_all(space, combo, np.clip(start + t[:, None] * step, lo, hi))
        except PayoffError:  # a payoff that fails somewhere on the line: those points give no bound
            return t[:0], np.zeros((0, 2))
        feasible = np.all(u[:, 2:] >= 0, axis=1)
        return t[feasible], u[feasible, :2]

    ts, us = points_at(np.linspace(t_min, t_max, SEGMENT_POINTS))

    def lower(u1: float) -> float:
        at = u1 - ROUNDING * (1.0 + abs(u1))
        best = float(np.max(us[us[:, 0] >= at, 1], initial=-np.inf))
        left, right = us[:-1, 0] < at, us[1:, 0] >= at  # consecutive samples where p1 rises across u1
        for i in np.flatnonzero(left & right)[:1]:
            (t_a, p_a), (t_b, p_b) = (ts[i], us[i, 0]), (ts[i + 1], us[i + 1, 0])
            for _ in range(SEGMENT_STEPS):
                t_new, p = points_at(np.array([t_a + (t_b - t_a) * (u1 - p_a) / (p_b - p_a)]))
                if not len(t_new):
                    break
                if p[0, 0] >= at:
                    best = max(best, float(p[0, 1]))
                    break
                t_a, p_a = float(t_new[0]), float(p[0, 0])
        return best

    return lower


def _root_in_cell(problem: BargainingProblem, delta: np.ndarray, w: np.ndarray, responder_1: Callable[[float], float],
                  residual: Callable[[float], float], cell: tuple[float, float, float, float], xtol: float,
                  scale: float) -> tuple[float, int, bool]:
    """A root of h in the cell (a, b, h(a) >= 0, h(b) < 0): (x_1, evaluations of h, found at a jump).

    Frontier and point problems: brentq. Contract problems: h jumps down where the combination
    attaining phi(x_1) (or phi(y_1(x_1))) reaches the end of its part of the frontier,
    E_k = max {u1 : u in S_k, u >= d}, and a bracketed root would bisect its way to that jump
    (some 45 evaluations, each two branch-and-bound solves). Here each step first looks for such an
    end inside the bracket, from the combinations attaining phi at its left end (one solve of that
    combination, kept), and brackets it by the points ``JUMP_STEP`` (relative) either side; if h
    changes sign there the jump is the answer (the end with the smaller |h|, as brentq); else the
    bracket shrinks to one side of it and the search goes on. Where no combination attaining phi
    at the left end ends inside the bracket, brentq (Brent 1973) finds the root to ``xtol``: first
    on h with phi replaced by the combinations attaining it at the left end (``_local_root``, one
    kernel solve per evaluation), kept if a full evaluation there finds the same combinations and
    h within ``SPE_NOISE``; else on h itself.
    """
    a, b, h_a, h_b = cell
    if problem.space is None:
        x1, info = brentq(residual, a, b, xtol=xtol, full_output=True)
        return float(x1), int(info.function_calls), False
    space, d = problem.space, problem.disagreement
    step = JUMP_STEP * scale
    ends: dict[tuple, float] = {}
    tried: set[float] = set()
    calls = 0

    def evaluate(x1: float) -> tuple[float, dict | None, dict | None]:
        nonlocal calls
        calls += 1
        y2, at_y = frontier_value(problem, responder_1(x1))
        x2, at_x = frontier_value(problem, x1)
        return x2 - max(w[1], d[1] + delta[1] * (y2 - d[1])), at_x, at_y

    def end_of(contract: dict | None) -> float:
        if contract is None:
            return np.inf
        combo = tuple(contract[name] for name in space.discrete_names)
        if combo not in ends:
            ends[combo] = float(maximise_each(space, d, lambda u: u[:, 0:1], subset={combo})[combo].value)
        return ends[combo]

    def jumps(x1: float, at_x: dict | None, at_y: dict | None) -> list[float]:
        found = [end_of(at_x)]
        if d[0] + delta[0] * (x1 - d[0]) >= w[0]:  # y_1 moves with x_1
            found.append(d[0] + (end_of(at_y) - d[0]) / delta[0])
        return [j for j in found if a < j < b and j not in tried]

    h_a, at_x, at_y = evaluate(a)  # kept on the envelope if the scan solved it
    while h_a != 0:
        candidates = jumps(a, at_x, at_y)
        if not candidates:
            break
        jump = min(candidates)
        tried.add(jump)
        left, right = max(a, jump - step), min(b, jump + step)
        h_left, x_left, y_left = evaluate(left)
        if h_left < 0:
            b, h_b = left, h_left
            continue
        a, h_a, at_x, at_y = left, h_left, x_left, y_left
        h_right, x_right, y_right = evaluate(right)
        if h_right < 0:
            return (a if abs(h_a) <= abs(h_right) else right), calls, True
        a, h_a, at_x, at_y = right, h_right, x_right, y_right
    if h_a == 0 or b - a <= xtol:
        return (a if abs(h_a) <= abs(h_b) else b), calls, False
    local = _local_root(problem, delta, w, responder_1, at_x, at_y, a, b, h_a, h_b, xtol)
    if local is not None:  # checked: the same combinations attain phi there, and h is (nearly) zero
        h_local, x_at, y_at = evaluate(local)
        if (_combo(space, x_at) == _combo(space, at_x) and _combo(space, y_at) == _combo(space, at_y)
                and abs(h_local) <= SPE_NOISE * scale):
            return local, calls, False
    try:
        x1, info = brentq(residual, a, b, xtol=xtol, full_output=True)
    except ValueError:
        h_low, h_high = residual(a), residual(b)
        if not np.sign(h_low) == np.sign(h_high) != 0:
            raise
        # The scan read the sign at an end of the cell from a bound or a rounding-level value (h = -inf
        # just at the top of the bracket) that the exact residual does not confirm: h keeps one sign on
        # the closed cell, so its root there is an end: b (player 1's best proposal in the cell is
        # accepted) when h > 0 throughout, a when h < 0.
        return (b if h_high > 0 else a), calls + 2, False
    return float(x1), calls + int(info.function_calls), False


def _combo(space: Any, contract: dict | None) -> tuple | None:
    return None if contract is None else tuple(contract[name] for name in space.discrete_names)


def _local_root(problem: BargainingProblem, delta: np.ndarray, w: np.ndarray, responder_1: Callable[[float], float],
                at_x: dict | None, at_y: dict | None, a: float, b: float, h_a: float, h_b: float,
                xtol: float) -> float | None:
    """The root in (a, b) of h with phi replaced by the combinations attaining phi(a) and phi(y_1(a)).

    phi_k(x1) = max {u2 : u in S_k, u1 >= x1, u2 >= d2} of one combination is one kernel solve from
    the contract attaining it at a (``_frontier_near``), instead of a branch and bound over every
    combination, each started from the last. Secant steps from a (the first towards the regula falsi
    point of the full h values ``h_a``, ``h_b``), kept in [a, b], to ``xtol``. phi >= phi_k, with
    equality as long as k attains phi, which the caller checks at the root found (one full
    evaluation of h). None if a local solve fails or the steps do not settle in ``LOCAL_MAXITER``.
    """
    if at_x is None or at_y is None:
        return None
    d, space = problem.disagreement, problem.space
    starts = {}

    def phi_k(x1: float, contract: dict) -> float:
        combo = _combo(space, contract)
        start = starts.get(combo, np.array([contract[name] for name in space.continuous_names], dtype=float))
        corner = np.array([x1, d[1]])
        best = maximise_each(space, corner, lambda u: u[:, 1:2], starts={combo: start})[combo]
        if not best.status.startswith(("converged", "grid point")) or not np.isfinite(best.value):
            return np.nan  # the caller falls back to the full h
        starts[combo] = np.array([best.contract[name] for name in space.continuous_names], dtype=float)
        return float(best.value)

    def h_local(x1: float) -> float:
        counter = d[1] + delta[1] * (phi_k(responder_1(x1), at_y) - d[1])
        return phi_k(x1, at_x) - max(w[1], counter)

    x_old, h_old = a, h_local(a)
    x = a + (b - a) * min(0.5, max(LOCAL_FIRST, h_a / (h_a - h_b)))
    for _ in range(LOCAL_MAXITER):
        h_x = h_local(x)
        if not (np.isfinite(h_x) and np.isfinite(h_old)):
            return None
        if h_x == 0 or h_x == h_old:
            return x
        x_new = min(max(x - h_x * (x - x_old) / (h_x - h_old), a), b)
        if abs(x_new - x) <= xtol:
            return x_new
        x_old, h_old, x = x, h_x, x_new
    return None


def _frontier_near(problem: BargainingProblem, u1: float, iterate: Solution) -> tuple[float, dict | None]:
    """phi(u1) on the discrete combination of a nearby frontier point ``iterate``, from its terms.

    The tangent pair converged, so the frontier is smooth between the iterate and u1 (a correction
    of the order of a Nash solve's misplacement) and no other combination takes over there: one
    local solve from the iterate's contract, not the branch and bound of :func:`frontier_value`
    over every combination, which it falls back to if that solve does not converge.
    """
    space = problem.space
    combo = tuple(iterate.contract[name] for name in space.discrete_names)
    start = np.array([iterate.contract[name] for name in space.continuous_names], dtype=float)
    corner = np.array([u1, problem.disagreement[1]])
    best = maximise_each(space, corner, lambda u: u[:, 1:2], starts={combo: start})[combo]
    if best.status != "converged":
        return frontier_value(problem, u1)
    return float(best.value), best.contract


def _check_options(problem: BargainingProblem, w: np.ndarray) -> None:
    """Raise unless some agreement gives both players at least their outside option."""
    d = problem.disagreement
    ideal = ideal_point(problem)
    if w[0] > ideal[0] or w[1] > ideal[1] or frontier_value(problem, max(w[0], d[0]))[0] < w[1]:
        raise ValueError(
            f"outside_options={tuple(map(float, w))} leave no agreement worth at least both options "
            f"(ideal point {tuple(map(float, ideal))})")


def _spe_by_tangents(
    problem: BargainingProblem, delta: np.ndarray, w: np.ndarray
) -> tuple[float, int, tuple[Solution, Solution]] | None:
    """Player 1's proposal x_1 of the stationary SPE pair (x, y), by Newton along the frontier.

    Every point of the frontier where it is smooth and supported is an asymmetric Nash solution
    N_alpha(S, d), and its slope there is exact from the first-order condition:
    phi' = -alpha g2 / ((1 - alpha) g1), g = u - d. Start at x = y = N_omega with
    omega_1 = log delta_2 / (log delta_1 + log delta_2) (where both proposals converge, BRW 1986).
    Each step replaces phi by its tangents at x and y, solves the two stationarity equations

        y1 - d1 = delta_1 (x1 - d1),   x2 - d2 = delta_2 (y2 - d2)

    for the tangent points x + xi (1, phi'(x1)), y + eta (1, phi'(y1)) (one 2x2 linear system,
    exact on a linear frontier), and moves x and y to the Nash solutions whose weight
    alpha = -phi' g1 / (-phi' g1 + g2) supports those targets. Stops when the correction is below
    ``SPE_TOL`` or no longer halving (the accuracy of the Nash solves), with both equations
    holding to ``SPE_RESIDUAL``; gives up as soon as the residual of the equations stops falling
    (``SPE_STEPS``). From the second step the tangents become
    quadratic models whose curvature is the secant of the slopes of successive iterates, so the
    steps converge superlinearly on a curved frontier.

    Returns x_1 + xi, the last pair moved by its final correction, the number of Nash solves and
    the last iterates (x, y), which the caller reports as they are when xi is below ``SPE_EXACT``.
    The iterates are exact frontier points, but a Nash solve places its point only to the
    flatness of the Nash product at its maximum (about 1e-8 relative), and the stationarity
    equations amplify a misplacement by 1 / (1 - delta_1 delta_2): the last iterate alone can
    miss the equilibrium by ~1e-6 relative, by an amount that depends on the machine's rounding.
    The correction xi solves the equations on the tangent models at the exact iterates, so its
    error is second order in the misplacement. Returns None, and the
    caller falls back to the bracketed root, if the
    iteration does not converge in ``SPE_STEPS`` steps (a kink or non-convex part of the frontier
    near the pair), a weight leaves (0, 1), or an outside option binds.

    On a convex S the stationary pair is unique and both paths find it. On a non-convex S (a union
    of combinations' sets) several pairs can exist; this path returns the one reached from the
    BRW point N_omega, i.e. the pair that tends to the asymmetric Nash solution as delta -> 1.
    """
    d = problem.disagreement
    logs = np.log(delta)
    omega = logs[::-1] / logs.sum()
    x = y = nash_solution(problem, (float(omega[0]), float(omega[1])))
    slopes = np.full(2, supporting_slope(x.utilities, d, omega[0]))
    curvatures = np.zeros(2)
    scale = 1.0 + float(np.max(np.abs(d))) + float(np.max(np.abs(x.utilities - d)))
    previous = np.inf
    residuals = [np.inf, np.inf]
    for solves in range(1, SPE_STEPS + 1):
        r1 = (y.utilities[0] - d[0]) - delta[0] * (x.utilities[0] - d[0])
        r2 = (x.utilities[1] - d[1]) - delta[1] * (y.utilities[1] - d[1])
        residual = max(abs(r1), abs(r2))
        if residual > SPE_RESIDUAL * scale and (residual >= residuals[-1] or residual > SPE_STALL * residuals[-2]):
            return None  # stalled: a kink or the end of a combination's part of the frontier
        residuals.append(residual)
        moves = _tangent_step(r1, r2, delta, slopes, curvatures)
        if moves is None:
            return None
        step = float(np.max(np.abs(moves))) / scale
        if max(abs(r1), abs(r2)) <= SPE_RESIDUAL * scale and (step <= SPE_TOL or step > previous / 2):
            if y.utilities[0] < w[0] - SPE_NOISE * scale or x.utilities[1] < w[1] - SPE_NOISE * scale:
                return None
            return float(x.utilities[0] + moves[0]), 2 * solves - 1, (x, y)
        previous = step
        targets = slopes + curvatures * moves
        weights = [supporting_weight(point.utilities + np.array([move, slope * move + curvature * move**2 / 2]) - d, target)
                   for point, move, slope, curvature, target in zip((x, y), moves, slopes, curvatures, targets)]
        if not all(ALPHA_MIN < a < 1.0 - ALPHA_MIN for a in weights):
            return None
        new = [nash_solution(problem, (a, 1.0 - a)) for a in weights]
        new_slopes = np.array([supporting_slope(n.utilities, d, a) for n, a in zip(new, weights)])
        run = np.array([n.utilities[0] - o.utilities[0] for n, o in zip(new, (x, y))])
        moved = np.abs(run) > SPE_TOL * scale
        curvatures = np.where(moved, np.minimum(0.0, (new_slopes - slopes) / np.where(moved, run, 1.0)), curvatures)
        (x, y), slopes = new, new_slopes
    return None


def _tangent_step(r1: float, r2: float, delta: np.ndarray, slopes: np.ndarray, curvatures: np.ndarray) -> np.ndarray | None:
    """Moves (xi, eta) along the quadratic models phi(u1 + m) = u2 + s m + k m^2 / 2 of the frontier
    at x and y that solve both stationarity equations (Newton on the scalar equation in xi, with
    eta = delta_1 xi - r1 from the first, linear, equation); None if it is singular."""
    xi = 0.0
    for _ in range(TANGENT_NEWTON_STEPS):
        eta = delta[0] * xi - r1
        value = r2 + slopes[0] * xi + curvatures[0] * xi**2 / 2 - delta[1] * (slopes[1] * eta + curvatures[1] * eta**2 / 2)
        slope = slopes[0] + curvatures[0] * xi - delta[1] * delta[0] * (slopes[1] + curvatures[1] * eta)
        if not np.isfinite(slope) or abs(slope) < np.finfo(float).eps:
            return None
        xi -= value / slope
    return np.array([xi, delta[0] * xi - r1])


def _outside_options(outside_options: Sequence[float | None] | None) -> np.ndarray:
    if outside_options is None:
        return np.array([-np.inf, -np.inf])
    if len(outside_options) != 2:
        raise ValueError(f"outside_options must be a pair (w1, w2) with None for no option, got {outside_options!r}")
    w = np.array([-np.inf if v is None else float(v) for v in outside_options])
    if np.any(np.isnan(w)) or np.any(np.isposinf(w)):
        raise ValueError(f"outside_options must be finite numbers or None, got {outside_options!r}")
    return w
