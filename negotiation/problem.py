"""What a bargaining problem is: a feasible utility set S and a disagreement point d.

Three ways to give S (Osborne & Rubinstein 1990, ch. 2; Muthoo 1999, ch. 2):

- ``from_frontier``: S = {x : x1 <= hi, x2 <= phi(max(x1, lo))}, the free-disposal hull of the
  graph of a concave, non-increasing ``phi`` on ``[lo, hi]``;
- ``from_points``: S = conv(points) - R^2_+ (lotteries and free disposal), stored exactly as
  the piecewise-linear upper-right hull, i.e. a frontier whose ``phi`` interpolates its vertices;
- ``from_contracts``: S = {u(x) : x in X} - R^2_+ for a contract space X of continuous and
  discrete terms and payoffs u = (f1, f2); no lotteries over contracts.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from negotiation.errors import NoGainError, contract_inputs, finite_array, finite_pair, interval_bounds, require_callable
from negotiation.solutions._contracts import ContractSpace, best_each, build_space, maximise
from negotiation.solutions._envelope import known_gain

SHAPE_TOL = 1e-9
"""Tolerance, relative to the scale of phi, for the concavity and monotonicity checks."""
SHAPE_GRID = 257
"""Grid on which a frontier callable is checked."""
FEASIBILITY_TOL = 1e-12
"""Tolerance, relative to the utility scale, for d in S and for a strict gain."""

Kind = Literal["frontier", "points", "contracts"]


@dataclass(frozen=True)
class Continuous:
    """A continuous contract term taking values in ``[lo, hi]`` (finite, ``lo < hi``)."""

    lo: float
    hi: float

    def __post_init__(self) -> None:
        lo, hi = interval_bounds("Continuous(lo, hi)", (self.lo, self.hi))
        object.__setattr__(self, "lo", lo)
        object.__setattr__(self, "hi", hi)


@dataclass(frozen=True)
class Discrete:
    """A discrete contract term taking one of ``values`` (a non-empty tuple of hashables)."""

    values: tuple[Any, ...]

    def __post_init__(self) -> None:
        if isinstance(self.values, (str, bytes)) or not isinstance(self.values, Sequence):
            raise ValueError(f"Discrete(values) must be a sequence of values, got {self.values!r}")
        values = tuple(self.values)
        if not values:
            raise ValueError("Discrete(values) must hold at least one value, got an empty sequence")
        for v in values:
            hash(v)
            if isinstance(v, float) and not np.isfinite(v):
                raise ValueError(f"Discrete(values) must be finite, got {v!r}")
        object.__setattr__(self, "values", values)


@dataclass(frozen=True, eq=False)
class Frontier:
    """The Pareto frontier u2 = phi(u1) on ``[lo, hi]``, concave and non-increasing.

    ``vertices`` (shape (m, 2), sorted by u1) is set for point problems, where phi is the exact
    piecewise-linear interpolation of the vertices; None for a frontier callable.
    """

    phi: Callable[[np.ndarray], np.ndarray]
    lo: float
    hi: float
    vertices: np.ndarray | None = None

    def __call__(self, u1: float) -> float:
        """phi(u1), extended by phi(lo) to the left of the domain (free disposal)."""
        return float(self.phi(np.asarray(max(min(u1, self.hi), self.lo))))


@dataclass(frozen=True, eq=False)
class BargainingProblem:
    """A two-player bargaining problem (S, d). Build it with a ``from_*`` constructor.

    Attributes
    ----------
    kind : {"frontier", "points", "contracts"}
    disagreement : np.ndarray
        d, shape (2,), read-only; some x in S with x >> d exists.
    frontier : Frontier or None
        For ``"frontier"`` and ``"points"`` problems.
    space : ContractSpace or None
        For ``"contracts"`` problems.
    """

    kind: Kind
    disagreement: np.ndarray
    frontier: Frontier | None = None
    space: ContractSpace | None = None

    @classmethod
    def from_frontier(
        cls,
        frontier: Callable[[float], float],
        domain: tuple[float, float],
        disagreement: tuple[float, float],
    ) -> BargainingProblem:
        """S bounded by u2 = frontier(u1), u1 in ``domain``, with free disposal.

        Raises
        ------
        ValueError
            If ``frontier`` is not callable, not finite, not concave or not non-increasing on a
            grid of ``domain`` (within ``SHAPE_TOL``); if ``domain`` is not finite with lo < hi;
            if ``disagreement`` is not in S or no x >> d is in S.
        """
        require_callable("frontier", frontier)
        lo, hi = interval_bounds("domain", domain)
        phi = _vectorise(frontier)
        grid = np.linspace(lo, hi, SHAPE_GRID)
        values = finite_array("frontier values on domain", phi(grid))
        if values.shape != grid.shape:
            raise ValueError(f"frontier must return one float per u1, got shape {values.shape}")
        scale = SHAPE_TOL * (1.0 + np.abs(values).max() + (hi - lo))
        if np.any(np.diff(values) > scale):
            at = grid[np.argmax(np.diff(values))]
            raise ValueError(f"frontier must be non-increasing on domain=({lo}, {hi}); it increases near u1={at:.6g}")
        if np.any(np.diff(values, 2) > scale):
            at = grid[1 + np.argmax(np.diff(values, 2))]
            raise ValueError(f"frontier must be concave on domain=({lo}, {hi}); it is convex near u1={at:.6g}")
        return cls._with_checked_d("frontier", disagreement, frontier=Frontier(phi, lo, hi))

    @classmethod
    def from_points(cls, points: Any, disagreement: tuple[float, float]) -> BargainingProblem:
        """S = conv(points) - R^2_+ (lotteries over the points, free disposal).

        Raises
        ------
        ValueError
            If ``points`` is not a finite (n, 2) array with at least two distinct rows, or
            ``disagreement`` is not in S or no x >> d is in S.
        """
        array = finite_array("points", points)
        if array.ndim != 2 or array.shape[1] != 2:
            raise ValueError(f"points must have shape (n, 2), got shape {array.shape}")
        if len(np.unique(array, axis=0)) < 2:
            raise ValueError(f"points must hold at least two distinct rows, got {len(np.unique(array, axis=0))}")
        vertices = upper_right_hull(array)
        vertices.setflags(write=False)
        phi = _interpolator(vertices)
        return cls._with_checked_d(
            "points", disagreement, frontier=Frontier(phi, float(vertices[0, 0]), float(vertices[-1, 0]), vertices)
        )

    @classmethod
    def from_contracts(
        cls,
        space: Mapping[str, Continuous | Discrete],
        payoffs: Sequence[Callable[[Mapping[str, Any]], float]],
        disagreement: tuple[float, float],
        constraints: Sequence[Callable[[Mapping[str, Any]], float]] = (),
    ) -> BargainingProblem:
        """S = {u(x) : x in the contract space, g(x) >= 0 for every g in constraints} - R^2_+.

        u = (payoffs[0], payoffs[1]). Each payoff and constraint is a plain function of the
        contract (a mapping name -> value) returning a float; it may also accept numpy arrays for
        the continuous terms, which is then used for speed where it gives the same numbers
        (checked per discrete combination, see ``negotiation.solutions._contracts.evaluate_all``).
        Every solution concept maximises over the contracts that satisfy the constraints.

        Raises
        ------
        ValueError
            If ``space`` is empty or holds something other than ``Continuous``/``Discrete`` under
            string names, ``payoffs`` is not two callables, ``constraints`` is not a sequence of
            callables, or no feasible contract gives both players more than ``disagreement``
            (the message gives the best each player can get).
        PayoffError
            (a ``ValueError``) If a payoff or constraint raises, returns a non-number, or returns
            NaN or inf at a contract: the message names it (``payoffs[0] (player 1)``, ...,
            ``constraints[j]``) and the contract. A NaN payoff is refused, not read as infeasible.
        """
        contract_inputs(space, payoffs, constraints)
        contract_space = build_space(
            {n: (t.lo, t.hi) for n, t in space.items() if isinstance(t, Continuous)},
            {n: t.values for n, t in space.items() if isinstance(t, Discrete)},
            (payoffs[0], payoffs[1]),
            tuple(constraints),
        )
        return cls._with_checked_d("contracts", disagreement, space=contract_space)

    def with_disagreement(self, disagreement: tuple[float, float]) -> BargainingProblem:
        """The same feasible set with another disagreement point (validated)."""
        return BargainingProblem._with_checked_d(self.kind, disagreement, frontier=self.frontier, space=self.space)

    @classmethod
    def _with_checked_d(cls, kind: Kind, disagreement: Any, **parts: Any) -> BargainingProblem:
        d = finite_pair("disagreement", disagreement)
        problem = cls(kind, d, **parts)
        (_check_on_frontier if problem.space is None else _check_on_contracts)(problem)
        return problem


def payoff_pair(joint: Callable[[Mapping[str, Any]], tuple[Any, Any]]) -> tuple[Callable, Callable]:
    """``(f1, f2)`` for ``from_contracts`` from one function returning both payoffs, evaluated once per contract.

    The engine calls ``f1`` and then ``f2`` on the same contract; ``f2`` reuses the value ``f1``
    computed. The memo holds one entry keyed by the contract's values (per term its name, dtype,
    shape and bytes), so a contract changed in place is evaluated afresh; what each ``f`` returns
    is a copy. The pair is the map u = (f1, f2) of S = u(X) - R^2_+ (``from_contracts``).

    References
    ----------
    Osborne & Rubinstein (1990) Bargaining and Markets, ch. 2; Muthoo (1999) Bargaining Theory with
    Applications, ch. 2 (a bargaining problem as the utility image of a set of agreements).

    Examples
    --------
    >>> f1, f2 = payoff_pair(lambda c: (c["x"], 1.0 - c["x"]))
    >>> float(f1({"x": 0.25})), float(f2({"x": 0.25}))
    (0.25, 0.75)
    """
    require_callable("joint", joint)
    memo: dict[tuple, tuple[np.ndarray, np.ndarray]] = {}

    def both(contract: Mapping[str, Any]) -> tuple[np.ndarray, np.ndarray]:
        key = tuple((name, a.dtype.str, a.shape, a.tobytes()) for name, a in
                    ((name, np.asarray(value)) for name, value in contract.items()))
        if key not in memo:
            first, second = joint(contract)
            memo.clear()
            memo[key] = np.asarray(first, dtype=float), np.asarray(second, dtype=float)
        return memo[key]

    return (lambda contract: both(contract)[0].copy()), (lambda contract: both(contract)[1].copy())


def upper_right_hull(points: np.ndarray) -> np.ndarray:
    """Vertices of the Pareto frontier of conv(points) - R^2_+, sorted by u1, collinear ones dropped.

    Monotone-chain upper hull (Andrew 1979) of the points between the top point (max u2,
    ties max u1) and the right point (max u1, ties max u2).
    """
    top = points[np.lexsort((points[:, 0], points[:, 1]))[-1]]
    right = points[np.lexsort((points[:, 1], points[:, 0]))[-1]]
    keep = points[(points[:, 0] >= top[0]) & (points[:, 1] >= right[1])]
    ordered = keep[np.lexsort((-keep[:, 1], keep[:, 0]))]
    hull: list[np.ndarray] = []
    for p in ordered:
        while len(hull) >= 2 and _cross(hull[-2], hull[-1], p) >= 0:
            hull.pop()
        if not hull or not np.array_equal(hull[-1], p):
            hull.append(p)
    return np.array(hull, dtype=float)


def _cross(o: np.ndarray, a: np.ndarray, b: np.ndarray) -> float:
    return float((a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0]))


def _interpolator(vertices: np.ndarray) -> Callable[[np.ndarray], np.ndarray]:
    xs, ys = vertices[:, 0].copy(), vertices[:, 1].copy()
    return lambda u1: np.interp(u1, xs, ys)


def _vectorise(frontier: Callable[[float], float]) -> Callable[[np.ndarray], np.ndarray]:
    """Wrap ``frontier`` so it maps arrays to arrays, looping if it does not broadcast."""
    probe = np.array([0.0, 0.5])

    def looped(u1: np.ndarray) -> np.ndarray:
        u1 = np.asarray(u1, dtype=float)
        return np.array([float(frontier(float(v))) for v in u1.ravel()]).reshape(u1.shape)

    try:
        out = np.asarray(frontier(probe), dtype=float)
        broadcasts = out.shape == probe.shape and np.allclose(out, looped(probe), equal_nan=True)
    except Exception:  # noqa: BLE001 - any failure means the callable does not broadcast
        broadcasts = False
    if not broadcasts:
        return looped
    return lambda u1: np.asarray(frontier(np.asarray(u1, dtype=float)), dtype=float)


def _check_on_frontier(problem: BargainingProblem) -> None:
    fr, d = problem.frontier, problem.disagreement
    assert fr is not None
    ceiling = fr(d[0])
    tol = FEASIBILITY_TOL * (1.0 + abs(ceiling) + abs(fr.hi))
    if d[0] > fr.hi + tol or d[1] > ceiling + tol:
        raise ValueError(
            f"disagreement={tuple(map(float, d))} must lie in the feasible set: d1 <= {fr.hi!r} and d2 <= phi(d1) = {ceiling!r}"
        )
    if not (d[0] < fr.hi - tol and d[1] < ceiling - tol):
        raise NoGainError(
            f"disagreement={tuple(map(float, d))} leaves no gain for both players: need d1 < {fr.hi!r} and d2 < phi(d1) = {ceiling!r}"
        )


def _check_on_contracts(problem: BargainingProblem) -> None:
    space, d = problem.space, problem.disagreement
    assert space is not None
    tol = FEASIBILITY_TOL * (1.0 + np.abs(d).max())
    if known_gain(space, d) > tol or maximise(space, d, lambda u: u - d).value > tol:
        return
    best = best_each(space)
    raise NoGainError(
        f"disagreement={tuple(map(float, d))} leaves no gain for both players: no contract gives both more than d. "
        f"The best player 1 can get is {float(best[0].utilities[0])!r} (at {best[0].contract}), "
        f"the best player 2 can get is {float(best[1].utilities[1])!r} (at {best[1].contract})"
    )
