"""Closed-form batch solutions for families of share-affine contract problems.

A share-affine family holds, for every draw n and discrete combination k, a contract problem

    V(y)  = V0 + v . y                        (value shared by the two players)
    u1    = e V(y) + b1 + beta1 . y
    u2    = (1 - e) V(y) + b2 + beta2 . y

with a share e in [e_lo, e_hi] and side terms y in a box. The share is a transfer:
u1 + u2 = J(y) does not depend on e.

Where the optima lie. At a maximiser of any of the criteria below (weighted log-gains, ray
length, weighted sum) with e strictly inside its bounds, y must maximise J over the box: one
can move y in a direction that raises J while adjusting e to hold u1 fixed, which raises u2
(V > 0). J is affine, so a box corner maximises it. Otherwise e sits at a bound, and the map
y -> u is affine: the image of the box is a parallelogram whose Pareto boundary is made of
images of box edges. Every optimum therefore lies on one of a fixed list of segments, the
same in contract space for every draw and combination:

- for each corner c of the box, the share segment (e_lo, c) -> (e_hi, c);
- for each bound e in {e_lo, e_hi}, the image of each box edge.

On a segment u(t) = u_a + t (u_b - u_a), t in [0, 1], every criterion has a closed form
(a concave function of one variable with an explicit stationary point, or a piecewise-linear
one); the best segment over all combinations is the solution. The same criteria, tolerances
and tie-break as the engine (``negotiation.solutions``) are used, so the batch path and the
one-at-a-time solver agree to solver precision (tests check 1e-8 in utilities).

Pruning (``candidates``). Before any concept is solved, each draw drops the segments all of
whose points are beaten in both utilities, by a margin eta = PRUNE_MARGIN (1 + max |u|), by
feasible points: the points of the segments of its combinations of largest joint value
J_k = max (u1 + u2) (``kept``: under transferable utility their lines u1 + u2 = J_k beat the
other combinations; a combination is first tested whole by a region that bounds it). Every criterion here (weighted log-gains, ray length with r >= 0,
weighted sums with positive weights, the frontier value phi of alternating offers, the Nash step
of the threat iteration, the ideal point) is strictly increasing under such a dominance, and
with free disposal a dominating point beats the dominated one in every constraint (u >= d,
u1 >= x1). Dominance chains end (the coordinate sum rises by 2 eta per step), so each pruned
point is beaten by a point of a kept segment: no optimum is lost and no tie is created.
Pruning does not depend on d, so it is done once and shared by all concepts.

All arrays carry the draws on axis 0; memory is O(draws x combinations x segments), so callers
pass chunks of draws (``negotiation.sweep`` does).
"""

from __future__ import annotations

import dataclasses
import functools
import itertools
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from negotiation.games.alternating_offers import ROOT_XTOL
from negotiation.games.threats import _BRACKET_FACTOR, _SLOPE_LIMIT, MAX_ITER, SLOPE_TOL
from negotiation.solutions.utilitarian import TIE_BREAK_WEIGHTS, TIE_TOL

GAIN_TOL = 1e-12
"""A gain counts as non-negative above -GAIN_TOL * (1 + |d|) (matches the engine's feasibility tolerance scale)."""
KERNEL_TOL = 1e-10
"""A Shapley–Snow kernel is optimal when its strategies are >= -KERNEL_TOL and guarantee the value to
within KERNEL_TOL, both relative to 1 + max |M| (tighter than the engine's LP gap certificate, 1e-8)."""
SINGULAR_TOL = 1e-12
"""A square submatrix S is singular when |det S| <= SINGULAR_TOL max|S|^r."""
ROOT_MAX_ITER = 200
"""Most iterations of the vectorised bracketed root finder (bisection alone needs ~45 at the engine's tolerances)."""
STATIONARY_GRID = 32
"""Cells of [max(d1, w1), a1] on which the stationary-SPE residual is scanned for its largest root."""
PRUNE_MARGIN = 1e-9
"""Pruned segments are beaten in both utilities by at least PRUNE_MARGIN (1 + max |u|) (far above rounding)."""
COVER_COMBINATIONS = 1
"""Combinations of largest joint value whose segments are the dominators of ``kept``."""
COVER_LEVELS = 10.0 ** np.linspace(-8.0, 0.0, 17)
"""Joint-value levels J* - (1 + |J*|) c below each draw's largest J* tried by ``kept``: combinations
whose J_k is at most the highest level found covered are dropped without a test of their own."""
PRUNE_BLOCK = 16
"""Draws pruned together by ``kept_in_blocks`` (for ``blocked`` and ``candidates``; ``kept`` works on
(draws, combinations, dominators) arrays: 16 draws keep them in a core's L2 cache: on 512 case
draws 8, 16, 32, 64 draws a block took 0.63, 0.61, 0.63, 0.81 ms a draw)."""


@dataclass(frozen=True)
class ShareAffineFamily:
    """Coefficients of a batch of share-affine contract problems.

    Attributes
    ----------
    value : np.ndarray
        (N, K) intercepts V0 of the shared value.
    value_slope : np.ndarray
        (N, K, m) slopes v of the shared value in the side terms.
    side : np.ndarray
        (N, K, 2) intercepts (b1, b2) of each player's side payoff.
    side_slope : np.ndarray
        (N, K, 2, m) slopes (beta1, beta2).
    share_bounds : tuple of float
        (e_lo, e_hi), the range of player 1's share.
    box : np.ndarray
        (m, 2) bounds of the side terms.
    disagreement : np.ndarray
        (N, 2) disagreement points.
    """

    value: np.ndarray
    value_slope: np.ndarray
    side: np.ndarray
    side_slope: np.ndarray
    share_bounds: tuple[float, float]
    box: np.ndarray
    disagreement: np.ndarray

    def __post_init__(self) -> None:
        n, k = np.shape(self.value)
        m = np.shape(self.box)[0]
        expected = {"value_slope": (n, k, m), "side": (n, k, 2), "side_slope": (n, k, 2, m),
                    "box": (m, 2), "disagreement": (n, 2)}
        for name, shape in expected.items():
            if np.shape(getattr(self, name)) != shape:
                raise ValueError(f"{name} must have shape {shape}, got {np.shape(getattr(self, name))}")
        for name in ("value", *expected):
            if not np.all(np.isfinite(getattr(self, name))):
                raise ValueError(f"{name} must be finite")
        lo, hi = self.share_bounds
        if not 0.0 <= lo < hi <= 1.0:
            raise ValueError(f"share_bounds must satisfy 0 <= lo < hi <= 1, got {self.share_bounds!r}")

    def utilities(self, share: np.ndarray, side_terms: np.ndarray) -> np.ndarray:
        """u at share e (...,) and side terms y (..., m), broadcast against (N, K): shape (N, K, ..., 2).

        The sums over the m side terms are written out (m is small; numpy's einsum is several
        times slower on these shapes).
        """
        e = np.asarray(share, dtype=float)
        y = np.asarray(side_terms, dtype=float).reshape(-1, self.box.shape[0])  # (P, m)
        v = self.value[..., None] + sum(self.value_slope[..., i, None] * y[:, i] for i in range(y.shape[1]))
        b = self.side[..., None] + sum(self.side_slope[..., i, None] * y[:, i] for i in range(y.shape[1]))
        u = np.stack([e.reshape(-1) * v, (1.0 - e.reshape(-1)) * v], axis=2) + b  # (N, K, 2, P)
        return np.moveaxis(u, 2, -1).reshape(v.shape[:2] + e.shape + (2,))


@dataclass(frozen=True)
class Segments:
    """The candidate segments in contract space: share and side terms at both ends.

    ``share`` has shape (S, 2) (start, end) and ``side_terms`` shape (S, 2, m).
    """

    share: np.ndarray
    side_terms: np.ndarray


@dataclass(frozen=True)
class BatchSolution:
    """Solutions of every draw: utilities (N, 2), the chosen combination (N,), share (N,), side terms (N, m)."""

    utilities: np.ndarray
    combination: np.ndarray
    share: np.ndarray
    side_terms: np.ndarray


def candidate_segments(share_bounds: tuple[float, float], box: np.ndarray) -> Segments:
    """Share segments at every box corner, then images of every box edge at both share bounds."""
    box = np.asarray(box, dtype=float)
    m = box.shape[0]
    corners = np.array(list(itertools.product(*box)))  # (2^m, m)
    lo, hi = share_bounds
    shares = [(lo, hi)] * len(corners)
    sides = [(c, c) for c in corners]
    for e in (lo, hi):
        for a, b in itertools.combinations(range(len(corners)), 2):
            if np.count_nonzero(corners[a] != corners[b]) == 1:
                shares.append((e, e))
                sides.append((corners[a], corners[b]))
    return Segments(np.array(shares, dtype=float), np.array(sides, dtype=float).reshape(-1, 2, m))


def segment_utilities(family: ShareAffineFamily, segments: Segments) -> tuple[np.ndarray, np.ndarray]:
    """Utilities at the segment ends: (start, end), each of shape (N, K, S, 2).

    Every end is one of few contract vertices (share bound x box corner), so u is evaluated there
    once and gathered.
    """
    vertex_u, index = _vertex_utilities(family, segments)
    u = vertex_u[:, :, index]
    return u[:, :, :, 0], u[:, :, :, 1]


@dataclass(frozen=True)
class Candidates:
    """The candidate segments of every draw in utility space, flattened over (combination, segment).

    Attributes
    ----------
    segments : Segments
        The segments in contract space.
    start, end : np.ndarray
        (N, L, 2) utilities at the segment ends.
    combination, segment : np.ndarray
        (N, L) which combination and which segment of ``segments`` each slot holds.
    """

    segments: Segments
    start: np.ndarray
    end: np.ndarray
    combination: np.ndarray
    segment: np.ndarray

    def take(self, index: np.ndarray) -> Candidates:
        """The slots ``index`` (N, M) of every draw."""
        return Candidates(self.segments, *(np.take_along_axis(a, index[..., None], 1) for a in (self.start, self.end)),
                          *(np.take_along_axis(a, index, 1) for a in (self.combination, self.segment)))

    def rows(self, rows: np.ndarray) -> Candidates:
        """Some draws."""
        return Candidates(self.segments, self.start[rows], self.end[rows], self.combination[rows], self.segment[rows])


def candidates(family: ShareAffineFamily, prune: bool = True, *, keep: np.ndarray | None = None) -> Candidates:
    """Every (combination, segment) of every draw, without the segments pruning shows useless.

    With ``prune`` each draw keeps the segments that are not dominated (module docstring; or
    those of ``keep``, a precomputed ``kept(family)``), in their original order, padded to the
    largest count among the draws with copies of its first kept segment (a copy ties with its
    original, and every selection takes the first maximiser).
    """
    if not prune:
        return _all_candidates(family)
    segments = candidate_segments(family.share_bounds, family.box)
    combination, segment = np.divmod(_compact(kept_in_blocks(family) if keep is None else keep), len(segments.share))
    start, end = (_slot_utilities(family, segments, combination, segment, j) for j in (0, 1))
    return Candidates(segments, start, end, combination, segment)


def _slot_utilities(family: ShareAffineFamily, segments: Segments, combination: np.ndarray, segment: np.ndarray,
                    j: int) -> np.ndarray:
    """(N, M, 2) u at end ``j`` of segment ``segment`` (N, M) of combination ``combination`` (N, M).

    ``ShareAffineFamily.utilities`` on the gathered coefficients, in its operation order (so the
    same bits as ``segment_utilities``): V = V0 + sum_i v_i y_i, b = b0 + sum_i beta_i y_i,
    u = (e V + b1, (1 - e) V + b2).
    """
    rows = np.arange(combination.shape[0])[:, None]
    e, y = segments.share[segment, j], segments.side_terms[segment, j]  # (N, M), (N, M, m)
    value_slope, side_slope = family.value_slope[rows, combination], family.side_slope[rows, combination]
    v = family.value[rows, combination] + sum(value_slope[..., i] * y[..., i] for i in range(y.shape[-1]))
    b = family.side[rows, combination] + sum(side_slope[..., i] * y[..., None, i] for i in range(y.shape[-1]))
    return np.stack([e * v, (1.0 - e) * v], axis=-1) + b


def kept(family: ShareAffineFamily, floor: np.ndarray | None = None) -> np.ndarray:
    """(N, K S) True for the candidate slots pruning keeps (``candidates`` with ``prune``).

    A slot is dropped when the union of the dominator regions (``_Cover``: the down-left closures,
    shifted by -eta, of the segments of each draw's COVER_COMBINATIONS combinations of largest
    joint value J_k = max (u1 + u2)) contains it (``_covered``). Under transferable utility those
    segments carry the lines u1 + u2 = J_k that beat most others. Three passes: the combinations
    with J_k at most the highest joint-value level whose line above the floor is covered are
    dropped (``_covered_level``); then a combination whose bounding region

        R_k = {u : u1 <= max u1, u2 <= max u2, u1 + u2 <= J_k}   (maxima over its vertices)

    is covered is dropped whole (every segment of it lies in R_k: u1 and u2 are multilinear in
    (e, y), so their maxima over the contract box sit at its vertices, and u1 + u2 is affine in y);
    then each segment of the other combinations is tested on its own.

    ``floor`` (N, 2), optional: a point below which no concept looks, at most d and every threat
    point of the draw (every criterion here only weighs u >= d, u >= a threat point, or u1 >= x1 >=
    d1 with u2 >= d2). Each segment is then tested by its part in {u >= floor} (a segment with no
    such part is dropped): points outside it can be neither a solution nor needed to compute one.
    Each draw keeps at least its slot of largest u1 + u2.
    """
    segments = candidate_segments(family.share_bounds, family.box)
    vertex_u, index, joint = _pruning_vertices(family, segments)
    n, k, s = vertex_u.shape[0], vertex_u.shape[1], len(index)
    floor = np.full((n, 2), -np.inf) if floor is None else np.asarray(floor, dtype=float)
    eta = PRUNE_MARGIN * (1.0 + np.abs(vertex_u.reshape(n, -1)).max(axis=1))
    cover = _Cover.of(vertex_u, index, joint, eta)
    alive = joint > _covered_level(cover, joint.max(axis=1), floor)[:, None]
    draws, combos = np.nonzero(alive)
    region_start, region_end, region_empty = _clip(*_bounding_segment(vertex_u[draws, combos, None],
                                                                      joint[draws, combos, None]), floor[draws])
    alive[draws, combos] = ~(region_empty | _covered(region_start, region_end, cover.rows(draws)))[:, 0]
    draws, combos = np.nonzero(alive)
    ends = vertex_u[draws, combos][:, index]  # (P, S, 2 ends, 2)
    start, end, empty = _clip(ends[:, :, 0], ends[:, :, 1], floor[draws])
    keep = np.zeros((n, k * s), dtype=bool)
    keep[draws[:, None], combos[:, None] * s + np.arange(s)] = ~(empty | _covered(start, end, cover.rows(draws)))
    none = np.flatnonzero(~keep.any(axis=1))
    if none.size:
        keep[none, np.argmax(vertex_u[none].sum(axis=-1)[:, :, index].max(axis=-1).reshape(none.size, k * s), axis=1)] = True
    return keep


def kept_in_blocks(family: ShareAffineFamily, floor: np.ndarray | None = None) -> np.ndarray:
    """:func:`kept` computed ``PRUNE_BLOCK`` draws at a time: the same array (each draw is pruned on its
    own), in memory O(PRUNE_BLOCK K S D) instead of O(N K S D), which on many draws is also faster
    (the dominator tests of one block stay in cache)."""
    n = family.value.shape[0]
    if n <= PRUNE_BLOCK:
        return kept(family, floor)
    return np.concatenate([kept(subset(family, rows), None if floor is None else floor[rows])
                           for rows in _slices(n, PRUNE_BLOCK)])


def _covered_level(cover: _Cover, top: np.ndarray, floor: np.ndarray) -> np.ndarray:
    """(N,) the highest level sigma of COVER_LEVELS below ``top`` (each draw's largest joint value)
    whose line {u1 + u2 = sigma, u >= floor} lies in the dominator regions; -inf where none does.

    Every point above the floor of a combination with J_k <= sigma lies below (same u1, u2 lower) a
    point of that line, so it is covered too (the regions are closed downwards). The level test is
    monotone in sigma (a lower line above the floor is shorter and below the higher one).
    """
    sigma = top[:, None] - (1.0 + np.abs(top))[:, None] * COVER_LEVELS  # (N, J), decreasing
    f1, f2 = floor[:, 0, None], floor[:, 1, None]
    bounded = np.isfinite(floor).all(axis=1)
    start = np.stack([np.broadcast_to(f1, sigma.shape), sigma - f1], axis=-1)
    end = np.stack([sigma - f2, np.broadcast_to(f2, sigma.shape)], axis=-1)
    with np.errstate(invalid="ignore"):
        covered = (sigma - f2 < f1) | _covered(start, end, cover)
    covered &= bounded[:, None]
    first = np.argmax(covered, axis=1)
    return np.where(covered.any(axis=1), sigma[np.arange(len(sigma)), first], -np.inf)


def _pruning_vertices(family: ShareAffineFamily, segments: Segments) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``_vertex_utilities`` for pruning, and each combination's largest joint value J_k (N, K).

    Per box corner y, on contiguous (N, K) planes: V = V0 + sum_i v_i y_i, b_p = b_p0 + sum_i
    beta_pi y_i, then u = (e V + b1, (1 - e) V + b2) at each share bound e, and J_k = max_y
    (V + b1 + b2) (u1 + u2 does not depend on e, and is affine in y). The values are those of
    ``ShareAffineFamily.utilities`` up to rounding, far inside the pruning margin.
    """
    m = segments.side_terms.shape[-1]
    ends = np.concatenate([segments.share.reshape(-1, 1), segments.side_terms.reshape(-1, m)], 1)
    vertices, index = np.unique(ends, axis=0, return_inverse=True)
    corners: dict[tuple[float, ...], tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
    for y in map(tuple, vertices[:, 1:]):
        if y not in corners:
            corners[y] = (family.value + sum(family.value_slope[..., i] * y[i] for i in range(m)),
                          *(family.side[..., p] + sum(family.side_slope[..., p, i] * y[i] for i in range(m))
                            for p in (0, 1)))
    planes = [(e * v + b1, (1.0 - e) * v + b2) for e, (v, b1, b2) in
              ((row[0], corners[tuple(row[1:])]) for row in vertices)]
    vertex_u = np.stack([np.stack(plane, axis=-1) for plane in planes], axis=2)
    joint = functools.reduce(np.maximum, (v + b1 + b2 for v, b1, b2 in corners.values()))
    return vertex_u, index.reshape(-1, 2), joint


def _vertex_utilities(family: ShareAffineFamily, segments: Segments) -> tuple[np.ndarray, np.ndarray]:
    """u at every contract vertex (share bound x box corner) that ends a segment, (N, K, V, 2), and
    which vertices end each segment, (S, 2) (``segment_utilities`` gathers them)."""
    m = segments.side_terms.shape[-1]
    ends = np.concatenate([segments.share.reshape(-1, 1), segments.side_terms.reshape(-1, m)], 1)
    vertices, index = np.unique(ends, axis=0, return_inverse=True)
    return family.utilities(vertices[:, 0], vertices[:, 1:]), index.reshape(-1, 2)


def _bounding_segment(vertex_u: np.ndarray, joint: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(N, K, 2) ends of the Pareto boundary of R_k = {u1 <= a_k, u2 <= b_k, u1 + u2 <= J_k} (``kept``).

    a_k, b_k and J_k (``joint``, (N, K)) are the largest u1, u2 and u1 + u2 over the combination's
    vertices; the boundary runs from (J_k - b_k, b_k) to (a_k, J_k - a_k), or is the corner
    (a_k, b_k) when a_k + b_k <= J_k. Every point of R_k is beaten (weakly, in both utilities) by a
    point of it.
    """
    a, b = vertex_u[..., 0].max(axis=2), vertex_u[..., 1].max(axis=2)
    corner = a + b <= joint
    return (np.stack([np.where(corner, a, joint - b), b], axis=-1),
            np.stack([a, np.where(corner, b, joint - a)], axis=-1))


@dataclass(frozen=True)
class _Cover:
    """Dominator regions of every draw, (N, D) arrays: the down-left closure of each dominator
    segment's profile (``_Profile``) moved by -eta,

        D_P = {q : q1 <= right_1 - eta,  q2 <= left_2 - eta,  w1 (q2 - l2) - w2 (q1 - l1) <= 0},

    with l = left - eta and w = (right_1 - left_1, slope (right_1 - left_1)) the profile's step
    (w = 0 for a corner point; written without the division by w1 so steep profiles keep their
    precision). Every point of D_P is beaten by at least eta in both utilities by a point of P.
    The dominators are whole segments (not clipped to the floor: a point beating one above the
    floor is above it too).
    """

    left_1: np.ndarray
    left_2: np.ndarray
    right_1: np.ndarray
    step_2: np.ndarray

    @classmethod
    def of(cls, vertex_u: np.ndarray, index: np.ndarray, joint: np.ndarray, eta: np.ndarray) -> _Cover:
        """The segments of each draw's COVER_COMBINATIONS combinations of largest joint value (``joint`` (N, K))."""
        n = vertex_u.shape[0]
        top = np.argsort(-joint, axis=1, kind="stable")[:, :COVER_COMBINATIONS]
        ends = vertex_u[np.arange(n)[:, None], top][:, :, index].reshape(n, -1, 2, 2)
        profile = _Profile.of(ends[:, :, 0], ends[:, :, 1])
        e = eta[:, None]
        cover = cls(profile.left_1 - e, profile.left_2 - e, profile.right_1 - e,
                    profile.slope * (profile.right_1 - profile.left_1))
        index = _compact(~cover.subsumed())
        return cls(*(np.take_along_axis(getattr(cover, f.name), index, 1) for f in dataclasses.fields(cover)))

    def rows(self, rows: np.ndarray) -> _Cover:
        """Some draws (repeats allowed)."""
        return _Cover(*(getattr(self, f.name)[rows] for f in dataclasses.fields(self)))

    def contains(self, q1: np.ndarray, q2: np.ndarray) -> np.ndarray:
        """(N, D, P) whether the points (q1, q2) (N, 1, P) lie in each region (N, D, 1)."""
        l1, l2, r1, w2 = (a[:, :, None] for a in (self.left_1, self.left_2, self.right_1, self.step_2))
        return (q1 <= r1) & (q2 <= l2) & ((r1 - l1) * (q2 - l2) - w2 * (q1 - l1) <= 0)

    def subsumed(self) -> np.ndarray:
        """(N, D) True for regions inside another one (the later of two equal ones): both ends of a
        region's profile in a convex region put all of it there."""
        ends = [(self.left_1, self.left_2), (self.right_1, self.left_2 + self.step_2)]
        inside = np.logical_and(*(self.contains(q1[:, None, :], q2[:, None, :]) for q1, q2 in ends))  # [n, j, i]: i in j
        d = inside.shape[1]
        earlier = np.arange(d)[:, None] < np.arange(d)[None, :]
        return np.any(inside & (~np.swapaxes(inside, 1, 2) | earlier) & ~np.eye(d, dtype=bool), axis=1)


def _covered(start: np.ndarray, end: np.ndarray, cover: _Cover) -> np.ndarray:
    """(M, L) True where the segment q(t) = start + t (end - start), t in [0, 1], lies in the union of
    the dominator regions of its draw (``cover`` (M, D)).

    Each region is convex, so it holds an interval [lo, hi] of t (three linear constraints
    f0 + t g <= 0); the union covers [0, 1] when, starting from the intervals with lo <= 0, the
    reach max {hi : lo <= reach} grows to 1.
    """
    qa, dq = start[:, :, None, :], (end - start)[:, :, None, :]
    l1, l2, r1, w2 = (a[:, None, :] for a in (cover.left_1, cover.left_2, cover.right_1, cover.step_2))
    w1 = r1 - l1
    lo = np.zeros(np.broadcast_shapes(l1.shape, qa.shape[:-1]))
    hi = np.ones(lo.shape)
    for f0, g in ((qa[..., 0] - r1, dq[..., 0]), (qa[..., 1] - l2, dq[..., 1]),
                  (w1 * (qa[..., 1] - l2) - w2 * (qa[..., 0] - l1), w1 * dq[..., 1] - w2 * dq[..., 0])):
        with np.errstate(divide="ignore", invalid="ignore"):
            t = -f0 / g
        hi = np.where(g > 0, np.minimum(hi, t), hi)
        lo = np.where(g < 0, np.maximum(lo, t), np.where((g == 0) & (f0 > 0), np.inf, lo))
    hi = np.where(lo <= hi, hi, -np.inf)
    reach = np.max(np.where(lo <= 0.0, hi, -np.inf), axis=-1)
    while True:
        grown = np.max(np.where(lo <= reach[..., None], hi, -np.inf), axis=-1)
        if np.array_equal(grown, reach):
            return reach >= 1.0
        reach = grown


def _clip(start: np.ndarray, end: np.ndarray, floor: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each segment's part in {u >= floor}: its new ends, and where that part is empty. Shapes (N, L, 2), (N, L)."""
    step = end - start
    lo, hi = np.zeros(start.shape[:2]), np.ones(start.shape[:2])
    for i in range(2):
        f, s, g = floor[:, None, i], start[..., i], step[..., i]
        with np.errstate(divide="ignore", invalid="ignore"):
            t = (f - s) / g
        lo = np.where(g > 0, np.maximum(lo, t), np.where((g == 0) & (s < f), np.inf, lo))
        hi = np.where(g < 0, np.minimum(hi, t), hi)
    empty = lo > hi
    lo, hi = np.clip(lo, 0.0, 1.0), np.clip(hi, 0.0, 1.0)
    return start + lo[..., None] * step, start + hi[..., None] * step, empty


def _all_candidates(family: ShareAffineFamily) -> Candidates:
    segments = candidate_segments(family.share_bounds, family.box)
    start, end = segment_utilities(family, segments)
    n, k, s = start.shape[:3]
    return Candidates(segments, start.reshape(n, k * s, 2), end.reshape(n, k * s, 2),
                      np.broadcast_to(np.repeat(np.arange(k), s), (n, k * s)),
                      np.broadcast_to(np.tile(np.arange(s), k), (n, k * s)))


@dataclass(frozen=True)
class _Profile:
    """What matters of a segment for dominance: the part of it no other point of it dominates.

    A segment whose u2 falls as u1 rises is kept whole, from its upper-left end ``left`` to its
    lower-right end (u1 = ``right_1``) with ``slope`` = du2/du1 < 0; any other segment is
    dominated by (and contains) its upper corner max(u_a, u_b), so it becomes that point
    (left = corner, right_1 = corner u1, slope 0). The left end is held as two contiguous
    (N, L) arrays ``left_1``, ``left_2`` (u1, u2).
    """

    left_1: np.ndarray
    left_2: np.ndarray
    right_1: np.ndarray
    slope: np.ndarray

    @classmethod
    def of(cls, start: np.ndarray, end: np.ndarray) -> _Profile:
        step = end - start
        falling = (step[..., 0] * step[..., 1] < 0)[..., None]
        rightward = (step[..., 0] >= 0)[..., None]
        corner = np.maximum(start, end)
        with np.errstate(divide="ignore", invalid="ignore"):
            slope = np.where(falling[..., 0], step[..., 1] / step[..., 0], 0.0)
        left = np.where(falling, np.where(rightward, start, end), corner)
        return cls(np.ascontiguousarray(left[..., 0]), np.ascontiguousarray(left[..., 1]),
                   np.where(falling, np.where(rightward, end, start), corner)[..., 0], slope)


def _compact(keep: np.ndarray) -> np.ndarray:
    """(N, M) indices of the True slots of each row, in order, padded with the row's first True slot."""
    width = int(keep.sum(axis=1).max())
    order = np.argsort(~keep, axis=1, kind="stable")[:, :width]
    return np.where(np.take_along_axis(keep, order, 1), order, order[:, :1])


def nash_batch(family: ShareAffineFamily, weights: tuple[float, float] | np.ndarray = (0.5, 0.5), *,
               among: Candidates | None = None) -> BatchSolution:
    """Asymmetric Nash solution of every draw: argmax w1 log(u1 - d1) + w2 log(u2 - d2).

    ``weights`` has shape (2,), or (N, 2) for each draw's own weights. ``among``: precomputed
    ``candidates(family)`` (shared between concepts).
    """
    return _nash(among or candidates(family), family.disagreement, np.asarray(weights, dtype=float))


def _nash(among: Candidates, disagreement: np.ndarray, w: np.ndarray) -> BatchSolution:
    """``nash_batch`` on given candidates, with per-draw disagreement points (N, 2)."""
    gain0, step = among.start - disagreement[:, None, :], among.end - among.start
    t, value = _log_gain_maximum(gain0, step, w, np.zeros(gain0.shape[:-1]), np.ones(gain0.shape[:-1]))
    return _select(among, t, value)


def ray_batch(family: ShareAffineFamily, direction: np.ndarray, *, among: Candidates | None = None) -> BatchSolution:
    """Largest t with u >= d + t r over each draw's contracts (r >= 0 of shape (2,) or (N, 2)).

    Kalai–Smorodinsky (r = a - d), egalitarian (r = (1, 1)) and the ideal point (r = e_i).
    Returns the maximising contract's utilities, as the engine does.
    """
    among = among or candidates(family)
    r = np.broadcast_to(np.asarray(direction, dtype=float), family.disagreement.shape)
    gain0, step = _gains(family, among)
    rr = r[:, None, :]
    positive = rr > 0
    scaled0 = np.where(positive, gain0 / np.where(positive, rr, 1.0), np.inf)
    scaled_step = np.where(positive, step / np.where(positive, rr, 1.0), 0.0)
    lo, hi = _feasible_interval(gain0, step, _tolerance(family))
    # candidates: both ends of the feasible interval and the crossing of the two scaled gains
    with np.errstate(divide="ignore", invalid="ignore"):
        cross = (scaled0[..., 0] - scaled0[..., 1]) / (scaled_step[..., 1] - scaled_step[..., 0])
    cross = np.clip(np.nan_to_num(cross, nan=0.0, posinf=0.0, neginf=0.0), lo, hi)
    ts = np.clip(np.stack([lo, hi, cross], axis=-1), 0.0, 1.0)  # a no-op unless the interval is empty (masked below)
    values = np.minimum(scaled0[..., None, 0] + ts * scaled_step[..., None, 0],
                        scaled0[..., None, 1] + ts * scaled_step[..., None, 1])
    values = np.where((lo <= hi)[..., None], values, -np.inf)
    best = np.argmax(values, axis=-1)
    t = np.take_along_axis(ts, best[..., None], -1)[..., 0]
    value = np.take_along_axis(values, best[..., None], -1)[..., 0]
    return _select(among, t, value)


def ideal_point_batch(family: ShareAffineFamily, *, among: Candidates | None = None) -> np.ndarray:
    """a(S, d) of every draw, shape (N, 2): max u_i over contracts with u >= d."""
    among = among or candidates(family)
    return np.column_stack([ray_batch(family, np.array(e), among=among).utilities[:, i]
                            for i, e in enumerate(([1.0, 0.0], [0.0, 1.0]))])


def kalai_smorodinsky_batch(family: ShareAffineFamily, *, among: Candidates | None = None,
                            ideal: np.ndarray | None = None) -> BatchSolution:
    """Kalai–Smorodinsky (1975): the ray from d to the ideal point (``ideal``, computed if not given)."""
    among = among or candidates(family)
    ideal = ideal_point_batch(family, among=among) if ideal is None else ideal
    return ray_batch(family, ideal - family.disagreement, among=among)


def egalitarian_batch(family: ShareAffineFamily, *, among: Candidates | None = None) -> BatchSolution:
    """Egalitarian (Kalai 1977): equal gains, the ray along (1, 1)."""
    return ray_batch(family, np.array([1.0, 1.0]), among=among)


def utilitarian_batch(family: ShareAffineFamily, weights: tuple[float, float] = (1.0, 1.0), *,
                      among: Candidates | None = None) -> BatchSolution:
    """argmax w . u over u >= d; among maximisers within TIE_TOL, the symmetric Nash solution.

    The same two passes as the engine: W* = max w . u, then maximise the symmetric log-gains
    subject to w . u >= W* - TIE_TOL (1 + |W*|); where no maximiser gives both a positive gain
    the first pass's point is kept.
    """
    among = among or candidates(family)
    w = np.asarray(weights, dtype=float)
    gain0, step = _gains(family, among)
    lo, hi = _feasible_interval(gain0, step, _tolerance(family))
    level0 = among.start @ w
    slope = step @ w
    ends = np.stack([lo, hi], axis=-1)
    sums = np.where((lo <= hi)[..., None], level0[..., None] + ends * slope[..., None], -np.inf)
    first_pick = np.argmax(sums, axis=-1)
    first = _select(among, np.take_along_axis(ends, first_pick[..., None], -1)[..., 0],
                    np.take_along_axis(sums, first_pick[..., None], -1)[..., 0])
    top = (first.utilities @ w)[:, None]
    floor = top - TIE_TOL * (1.0 + np.abs(top))
    # sub-interval of [lo, hi] where level0 + t slope >= floor
    with np.errstate(divide="ignore", invalid="ignore"):
        root = (floor - level0) / slope
    band_lo = np.where(slope > 0, np.maximum(lo, root), lo)
    band_hi = np.where(slope < 0, np.minimum(hi, root), hi)
    flat_out = (slope == 0) & (level0 < floor)
    band_lo = np.where(flat_out, np.inf, band_lo)
    t, value = _log_gain_maximum(gain0, step, TIE_BREAK_WEIGHTS, band_lo, band_hi)
    second = _select(among, t, value)
    keep = np.isfinite(np.max(value, axis=1))
    return BatchSolution(*(np.where(keep.reshape((-1,) + (1,) * (np.ndim(a) - 1)), a, b)
                           for a, b in zip(_fields(second), _fields(first))))


def _fields(s: BatchSolution) -> tuple[np.ndarray, ...]:
    return s.utilities, s.combination, s.share, s.side_terms


def _tolerance(family: ShareAffineFamily) -> np.ndarray:
    return (GAIN_TOL * (1.0 + np.abs(family.disagreement)))[:, None, :]


def _gains(family: ShareAffineFamily, among: Candidates) -> tuple[np.ndarray, np.ndarray]:
    return among.start - family.disagreement[:, None, :], among.end - among.start


def _feasible_interval(gain0: np.ndarray, step: np.ndarray, tol: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """[lo, hi] within [0, 1] where both gains are >= -tol (lo > hi when empty)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        root = (-tol - gain0) / step
    lower = np.where(step > 0, root, -np.inf)
    upper = np.where(step < 0, root, np.inf)
    lo = np.clip(np.maximum(lower[..., 0], lower[..., 1]), 0.0, None)
    hi = np.clip(np.minimum(upper[..., 0], upper[..., 1]), None, 1.0)
    short = ((step == 0) & (gain0 < -tol)).any(axis=-1)  # a constant gain below -tol: empty
    lo[short], hi[short] = np.inf, -np.inf
    return lo, hi


def _log_gain_maximum(gain0: np.ndarray, step: np.ndarray, w: np.ndarray,
                      t_lo: np.ndarray, t_hi: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """max over t in [t_lo, t_hi] of w1 log g1(t) + w2 log g2(t), -inf where a gain is <= 0.

    On the interval where both gains are positive the objective is concave with stationary point
    t* = -(w1 s1 g2 + w2 s2 g1) / ((w1 + w2) s1 s2); the maximum is at t*, clipped, or an end.
    """
    g1, g2 = gain0[..., 0], gain0[..., 1]
    s1, s2 = step[..., 0], step[..., 1]
    w1, w2 = (w[..., i].reshape(w.shape[:-1] + (1,) * (g1.ndim - w.ndim + 1)) for i in (0, 1))
    with np.errstate(divide="ignore", invalid="ignore"):
        stationary = -(w1 * s1 * g2 + w2 * s2 * g1) / ((w1 + w2) * s1 * s2)
    stationary = np.clip(np.nan_to_num(stationary, nan=0.0, posinf=0.0, neginf=0.0), t_lo, t_hi)
    empty = ~(t_lo <= t_hi)
    best_t, best = np.minimum(t_lo, 1.0), None
    for t in (best_t, t_hi, stationary):  # the first maximiser, as argmax over the three would take
        h1, h2 = g1 + t * s1, g2 + t * s2
        with np.errstate(divide="ignore", invalid="ignore"):
            value = w1 * np.log(np.where(h1 > 0, h1, 1.0)) + w2 * np.log(np.where(h2 > 0, h2, 1.0))
        value = np.where((h1 > 0) & (h2 > 0) & ~empty, value, -np.inf)
        if best is None:
            best = value
            continue
        better = value > best
        best_t, best = np.where(better, t, best_t), np.where(better, value, best)
    return best_t, best


def _select(among: Candidates, t: np.ndarray, value: np.ndarray) -> BatchSolution:
    """The best slot (first maximiser of ``value``, (N, L)) and its t of every draw: utilities and contract."""
    rows = np.arange(value.shape[0])
    best = np.argmax(value, axis=1)
    tt = t[rows, best]
    a, b = among.start[rows, best], among.end[rows, best]
    utilities = a + tt[:, None] * (b - a)
    seg = among.segment[rows, best]
    share, side = among.segments.share[seg], among.segments.side_terms[seg]
    return BatchSolution(utilities, among.combination[rows, best], share[:, 0] + tt * (share[:, 1] - share[:, 0]),
                         side[:, 0] + tt[:, None] * (side[:, 1] - side[:, 0]))


# ----------------------------------------------------------------------------- alternating offers
def rubinstein_batch(family: ShareAffineFamily, discount_factors: np.ndarray, proposer: int = 0,
                     outside_options: np.ndarray | None = None, *, among: Candidates | None = None,
                     ideal: np.ndarray | None = None) -> BatchSolution:
    """Stationary SPE of alternating offers (``rubinstein_solution``) for every draw.

    With phi(x1) = max {u2 : u1 >= x1, u2 >= d2} over the candidate segments of every
    combination (on one segment u(t) = u_a + t (u_b - u_a) the constraints cut an interval of t
    and u2 is linear, so the maximum sits at an end of that interval), the proposal x of
    player 1 solves

        h(x1) = phi(x1) - max(w2, d2 + delta2 (phi(y1(x1)) - d2)) = 0,
        y1(x1) = max(w1, d1 + delta1 (x1 - d1)),

    on [max(d1, w1), a1] (a the ideal point). As in the engine: x1 = a1 if h(a1) >= 0, else
    max(d1, w1) if h there is <= 0, else the root (``bracketed_root`` to ROOT_XTOL (1 + max|a - d|);
    the largest one where h has several, :func:`stationary_agreement`).
    The agreement is (x1, phi(x1)) when player 1 proposes, (y1, phi(y1)) otherwise, with the
    contract attaining phi. Draws whose outside options leave no agreement worth both options
    (where the engine raises) get NaN.

    Parameters
    ----------
    family : ShareAffineFamily
        The feasible sets; ``disagreement`` holds the impasse payoffs d.
    discount_factors : array_like, shape (2,) or (N, 2)
        delta_i in (0, 1) per round.
    proposer : {0, 1}
        Who makes the first offer.
    outside_options : array_like, shape (2,) or (N, 2), optional
        w_i, constraints on the responder (-inf or NaN for no option).
    among, ideal : optional
        Precomputed ``candidates(family)`` and ideal point (shared between concepts).

    Returns
    -------
    BatchSolution

    References
    ----------
    Rubinstein (1982); Shaked & Sutton (1984); Binmore, Rubinstein & Wolinsky (1986); Muthoo (1999), chs. 3-5.
    """
    n = family.value.shape[0]
    delta = np.broadcast_to(np.asarray(discount_factors, dtype=float), (n, 2))
    if not np.all((delta > 0) & (delta < 1)):
        raise ValueError("discount_factors must lie in (0, 1)")
    if proposer not in (0, 1):
        raise ValueError(f"proposer must be 0 or 1, got {proposer!r}")
    w = np.full((n, 2), -np.inf) if outside_options is None else np.broadcast_to(
        np.nan_to_num(np.asarray(outside_options, dtype=float), nan=-np.inf), (n, 2))
    d = family.disagreement
    among = among or candidates(family)

    ideal = ideal_point_batch(family, among=among) if ideal is None else ideal
    agreement_1, valid = stationary_agreement(frontier_function(among, d[:, 1]), d, w, delta, ideal, proposer)
    found = _select(among, *_frontier_value(among.start, among.end, d[:, 1], agreement_1))
    utilities = np.column_stack([agreement_1, found.utilities[:, 1]])
    return _mask(BatchSolution(utilities, found.combination, found.share, found.side_terms), valid)


def stationary_agreement(phi: Callable[[np.ndarray, np.ndarray], np.ndarray], d: np.ndarray, w: np.ndarray,
                         delta: np.ndarray, ideal: np.ndarray, proposer: int) -> tuple[np.ndarray, np.ndarray]:
    """Player 1's utility at the stationary SPE agreement on the frontier ``phi(x1, rows)``, and where it exists.

    Solves h(x1) = phi(x1) - max(w2, d2 + delta2 (phi(y1(x1)) - d2)) = 0 with
    y1(x1) = max(w1, d1 + delta1 (x1 - d1)) on [max(d1, w1), a1] (``rubinstein_batch``), in
    whatever utility units ``phi``, d, w and the ideal point a share (money for the share-affine
    path, transformed utility in :mod:`negotiation.transformed_batch`). Returns x1 when player 1
    proposes, y1 otherwise, and the (N,) mask of draws with an agreement worth both options.

    On a concave frontier h is non-increasing and has one root. On the envelope of several
    combinations' curves (a non-concave S, as under a concave utility transform) it can have
    several, and a bracket on [max(d1, w1), a1] converges to whichever one its path meets, so a
    change of 1e-10 in an input could move the answer to another root. The representative is
    therefore chosen by a rule: h is evaluated on ``STATIONARY_GRID`` + 1 equally spaced points,
    and the root is the largest one, in the last cell where h >= 0 gives way to h < 0 (player 1's
    best stationary proposal; a1 itself when h(a1) >= 0, max(d1, w1) when h < 0 throughout).
    Two roots closer than one cell are not told apart.
    """
    everyone = np.arange(len(d))

    def responder(x1: np.ndarray, rows: np.ndarray) -> np.ndarray:
        return np.maximum(w[rows, 0], d[rows, 0] + delta[rows, 0] * (x1 - d[rows, 0]))

    def residual(x1: np.ndarray, rows: np.ndarray) -> np.ndarray:
        counter = d[rows, 1] + delta[rows, 1] * (phi(responder(x1, rows), rows) - d[rows, 1])
        return phi(x1, rows) - np.maximum(w[rows, 1], counter)

    lo = np.maximum(d[:, 0], w[:, 0])
    valid = (w[:, 0] <= ideal[:, 0]) & (w[:, 1] <= ideal[:, 1]) & (phi(lo, everyone) >= w[:, 1])
    hi = ideal[:, 0]
    lo = np.where(valid, lo, hi)
    grid = lo[:, None] + (hi - lo)[:, None] * np.linspace(0.0, 1.0, STATIONARY_GRID + 1)[None, :]
    h = np.column_stack([residual(grid[:, k], everyone) for k in range(STATIONARY_GRID + 1)])
    nonnegative = h[:, :-1] >= 0
    last = np.where(nonnegative.any(axis=1), STATIONARY_GRID - 1 - np.argmax(nonnegative[:, ::-1], axis=1), 0)
    cell = np.column_stack([last, last + 1])
    a, b = np.take_along_axis(grid, cell, axis=1).T
    h_a, h_b = np.take_along_axis(h, cell, axis=1).T
    root, _ = bracketed_root(residual, a, b, h_a, h_b, ROOT_XTOL * (1.0 + np.max(np.abs(ideal - d), axis=1)))
    x1 = np.where(h[:, -1] >= 0, hi, np.where(~nonnegative.any(axis=1), lo, root))
    return (x1 if proposer == 0 else responder(x1, everyone)), valid


def frontier_function(among: Candidates, d2: np.ndarray) -> Callable[[np.ndarray, np.ndarray], np.ndarray]:
    """The frontier phi(x1, rows) = max over the slots of draws ``rows`` of :func:`_frontier_value`.

    phi(x1) = max {u2 : u1 >= x1, u2 >= d2} over the candidate segments (-inf where none is
    feasible), each cut with :func:`_frontier_value`'s slack (u_i >= floor_i - GAIN_TOL (1 +
    |floor_i|)): the function whose fixed point :func:`stationary_agreement` finds. It is evaluated
    dozens of times on the same candidates, so the part that does not depend on x1 (the
    segments' steps and the cut u2 >= d2 of their parameter t) is computed once here; each call
    then cuts t by u1 >= x1. The values are those of :func:`_frontier_value`, bit for bit (the
    same operations on the same numbers).
    """
    start1, start2 = among.start[..., 0], among.start[..., 1]
    with np.errstate(divide="ignore", invalid="ignore"):  # no warnings for infinite inputs (the values are unchanged)
        step = among.end - among.start
        step1, step2 = step[..., 0], step[..., 1]
        gain2 = start2 - d2[:, None]
        tol2 = GAIN_TOL * (1.0 + np.abs(d2[:, None]))
        root2 = (-tol2 - gain2) / step2
    lower2, upper2 = np.where(step2 > 0, root2, -np.inf), np.where(step2 < 0, root2, np.inf)
    short2, rising2 = (step2 == 0) & (gain2 < -tol2), step2 > 0

    def phi(x1: np.ndarray, rows: np.ndarray) -> np.ndarray:
        s1, ds1 = start1[rows], step1[rows]
        gain1 = s1 - x1[:, None]
        tol1 = GAIN_TOL * (1.0 + np.abs(x1[:, None]))
        with np.errstate(divide="ignore", invalid="ignore"):
            root1 = (-tol1 - gain1) / ds1
        lo = np.clip(np.maximum(np.where(ds1 > 0, root1, -np.inf), lower2[rows]), 0.0, None)
        hi = np.clip(np.minimum(np.where(ds1 < 0, root1, np.inf), upper2[rows]), None, 1.0)
        short = ((ds1 == 0) & (gain1 < -tol1)) | short2[rows]
        lo[short], hi[short] = np.inf, -np.inf
        t = np.where(rising2[rows], hi, lo)
        with np.errstate(invalid="ignore"):  # inf * 0 only where lo > hi, which the where discards
            return np.max(np.where(lo <= hi, start2[rows] + t * step2[rows], -np.inf), axis=1)

    return phi


def _frontier_value(start: np.ndarray, end: np.ndarray, d2: np.ndarray, x1: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per segment: t and value of max {u2(t) : u1(t) >= x1, u2(t) >= d2, t in [0, 1]} (-inf if empty)."""
    floor = np.stack([x1, d2], axis=-1)[:, None, :]
    step = end - start
    lo, hi = _feasible_interval(start - floor, step, GAIN_TOL * (1.0 + np.abs(floor)))
    t = np.where(step[..., 1] > 0, hi, lo)
    with np.errstate(invalid="ignore"):  # inf * 0 only where lo > hi, which the where discards
        return t, np.where(lo <= hi, start[..., 1] + t * step[..., 1], -np.inf)


def _mask(solution: BatchSolution, keep: np.ndarray) -> BatchSolution:
    """NaN utilities and continuous terms (combination -1) where ``keep`` is False."""
    return BatchSolution(np.where(keep[:, None], solution.utilities, np.nan), np.where(keep, solution.combination, -1),
                         np.where(keep, solution.share, np.nan), np.where(keep[:, None], solution.side_terms, np.nan))


def bracketed_root(f: Callable[[np.ndarray, np.ndarray], np.ndarray], lo: np.ndarray, hi: np.ndarray, f_lo: np.ndarray,
                   f_hi: np.ndarray, xtol: float | np.ndarray, max_iter: int = ROOT_MAX_ITER) -> tuple[np.ndarray, int]:
    """Roots of a batch of scalar functions, each bracketed by a sign change: Illinois with a bisection safeguard.

    Every iteration evaluates ``f(x, rows)`` once on the draws still searching (``rows``, indices
    into the N draws; x and the result have their length), so finished draws cost nothing. A draw takes the
    regula falsi point x = b - f(b) (b - a) / (f(b) - f(a)), with the Illinois rule (the end kept
    twice in a row has its value halved; Dowell & Jarratt 1971), or the midpoint when the
    previous step did not halve its bracket or the falsi point leaves it, so the bracket at
    least halves every two iterations. A draw stops when f is exactly 0 or its bracket is
    narrower than ``xtol``; like brentq it then returns the end with the smaller |f| (at a jump
    of f, e.g. a vertex of a frontier, the side the function is nearly zero on). Draws without a sign change return
    the end where f is 0, else NaN (callers handle them first, as the engine does before brentq).

    Returns
    -------
    (np.ndarray, int)
        The roots (N,) (NaN where not converged within ``max_iter``) and the iterations used.
    """
    a, b, fa, fb = (np.array(v, dtype=float) for v in (lo, hi, f_lo, f_hi))
    true_a, true_b = fa.copy(), fb.copy()  # f at the ends, before Illinois halving
    xtol = np.broadcast_to(np.asarray(xtol, dtype=float), a.shape)
    x = np.where(fa == 0, a, np.where(fb == 0, b, 0.5 * (a + b)))
    done = (fa == 0) | (fb == 0) | (np.sign(fa) == np.sign(fb)) | (np.abs(b - a) <= xtol)
    x = np.where(done & (fa != 0) & (fb != 0) & (np.sign(fa) == np.sign(fb)), np.nan, x)
    last = np.zeros(a.shape, dtype=int)  # 1: a was replaced last step, 2: b was
    bisect = np.zeros(a.shape, dtype=bool)
    iterations = 0
    while not np.all(done) and iterations < max_iter:
        iterations += 1
        with np.errstate(divide="ignore", invalid="ignore"):
            falsi = b - fb * (b - a) / (fb - fa)
        inside = np.isfinite(falsi) & (falsi > np.minimum(a, b)) & (falsi < np.maximum(a, b))
        trial = np.where(bisect | ~inside, 0.5 * (a + b), falsi)
        active = ~done
        rows = np.flatnonzero(active)
        ft = np.zeros_like(a)
        ft[rows] = f(trial[rows], rows)
        width = np.abs(b - a)
        replace_a = np.sign(ft) == np.sign(fa)
        new_a, new_fa = np.where(replace_a, trial, a), np.where(replace_a, ft, fa)
        new_b, new_fb = np.where(replace_a, b, trial), np.where(replace_a, fb, ft)
        new_fb = np.where(replace_a & (last == 1), 0.5 * new_fb, new_fb)
        new_fa = np.where(~replace_a & (last == 2), 0.5 * new_fa, new_fa)
        true_a = np.where(active & replace_a, ft, true_a)
        true_b = np.where(active & ~replace_a, ft, true_b)
        a, b = np.where(active, new_a, a), np.where(active, new_b, b)
        fa, fb = np.where(active, new_fa, fa), np.where(active, new_fb, fb)
        last = np.where(active, np.where(replace_a, 1, 2), last)
        bisect = np.abs(b - a) > 0.5 * width
        hit = active & (ft == 0)
        narrow = active & (np.abs(b - a) <= xtol)
        x = np.where(hit, trial, np.where(narrow, np.where(np.abs(true_a) <= np.abs(true_b), a, b), x))
        done = done | hit | narrow
    return np.where(done, x, np.nan), iterations


# ----------------------------------------------------------------------------- variable threats
@dataclass(frozen=True)
class ThreatBatch:
    """Nash (1953) NTU variable-threat solutions of every draw.

    Attributes
    ----------
    solution : BatchSolution
        The Nash solution of (S, threat point): utilities, combination and contract.
    threats : (np.ndarray, np.ndarray)
        Optimal threats x (N, p) and y (N, q) of the game m A - B.
    disagreement : np.ndarray
        (N, 2) threat points (x'Ay, x'By).
    slope : np.ndarray
        (N,) the fixed point m = g(m).
    value : np.ndarray
        (N,) value of m A - B.
    converged : np.ndarray
        (N,) False where no m in [1/_SLOPE_LIMIT, _SLOPE_LIMIT] brackets the fixed point or the
        search ran out of iterations (the engine raises there); those draws hold NaN.
    """

    solution: BatchSolution
    threats: tuple[np.ndarray, np.ndarray]
    disagreement: np.ndarray
    slope: np.ndarray
    value: np.ndarray
    converged: np.ndarray


def zero_sum_batch(M: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Optimal strategies and values of a batch of zero-sum games M (N, p, q) by Shapley–Snow kernels.

    With P = M + c, c = 1 - min M (so the value of P is >= 1), every game has a kernel: a
    nonsingular square submatrix S (rows R, columns C) with

        v = 1 / (1' S^-1 1),   x_R = v 1' S^-1,   y_C = v S^-1 1,

    x, y >= 0 and x'P >= v, P y <= v (Shapley & Snow 1950). Kernels are tried by size, then rows,
    then columns in lexicographic order, and each draw takes the first optimal one (to
    KERNEL_TOL): an extreme optimal pair of smallest support, a deterministic tie-break for
    degenerate games whose optimal strategies are not unique. Exact for small games: the work
    grows as sum_r C(p, r) C(q, r).

    Returns
    -------
    (x, y, value)
        x (N, p), y (N, q) on the simplex and value = x'My (N,).

    Raises
    ------
    RuntimeError
        If some game has no kernel within tolerance (not expected for finite M).

    References
    ----------
    Shapley, L. S. & Snow, R. N. (1950). Basic solutions of discrete games. Annals of Mathematics
    Studies 24, 27-35. Owen (2013), Game Theory, Section II.5.
    """
    M = np.asarray(M, dtype=float)
    n, p, q = M.shape
    P = M + (1.0 - M.min(axis=(1, 2)))[:, None, None]
    tol = (KERNEL_TOL * (1.0 + np.max(np.abs(M), axis=(1, 2))))[:, None]
    x, y, found = _pure_saddles(P, tol)
    for rows, cols in _kernel_supports(p, q)[p * q:]:
        todo = np.flatnonzero(~found)  # a draw keeps its first optimal kernel, so later ones skip it
        if todo.size == 0:
            break
        kx, ky, ok = _kernel(P[todo], rows, cols, tol[todo])
        take = todo[ok]
        x[take], y[take], found[take] = kx[ok], ky[ok], True
    if not np.all(found):
        raise RuntimeError(f"zero_sum_batch: no optimal kernel within tolerance for draws {np.flatnonzero(~found)[:10]}")
    x, y = (np.clip(s, 0.0, None) / np.clip(s, 0.0, None).sum(axis=1, keepdims=True) for s in (x, y))
    return x, y, np.einsum("np,npq,nq->n", x, M, y)


def _pure_saddles(P: np.ndarray, tol: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The 1 x 1 kernels of every game at once: the first (row-major) cell that is a saddle point to ``tol``.

    Cell (i, j) is an optimal kernel when x = e_i guarantees P_ij - tol against every column
    (min_j' P_ij' >= P_ij - tol) and y = e_j holds every row to P_ij + tol (max_i' P_i'j <= P_ij + tol),
    the checks of ``_kernel`` for r = 1 (P >= 1, so the 1 x 1 kernel is never singular).
    Returns x (N, p), y (N, q) (unit vectors where found) and the found mask (N,).
    """
    n, p, q = P.shape
    t = tol[:, :, None]
    saddle = (P.min(axis=2, keepdims=True) >= P - t) & (P.max(axis=1, keepdims=True) <= P + t)
    first = np.argmax(saddle.reshape(n, p * q), axis=1)
    found = saddle.reshape(n, p * q)[np.arange(n), first]
    i, j = np.divmod(first, q)
    x, y = np.zeros((n, p)), np.zeros((n, q))
    x[found, i[found]], y[found, j[found]] = 1.0, 1.0
    return x, y, found


def _kernel_supports(p: int, q: int) -> list[tuple[list[int], list[int]]]:
    """Candidate kernels (rows, columns) by size, then rows, then columns in lexicographic order."""
    return [(list(rows), list(cols)) for r in range(1, min(p, q) + 1)
            for rows in itertools.combinations(range(p), r) for cols in itertools.combinations(range(q), r)]


def _kernel(P: np.ndarray, rows: list[int], cols: list[int], tol: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The strategies of one candidate kernel (rows, cols) of every game and whether they are optimal."""
    n, p, q = P.shape
    S = P[:, rows][:, :, cols]
    r = len(rows)
    nonsingular = np.abs(np.linalg.det(S)) > SINGULAR_TOL * np.max(np.abs(S), axis=(1, 2)) ** r
    safe = np.where(nonsingular[:, None, None], S, np.eye(r))
    ones = np.ones((n, r, 1))
    column = np.linalg.solve(safe, ones)[..., 0]                  # S^-1 1
    row = np.linalg.solve(np.swapaxes(safe, 1, 2), ones)[..., 0]  # (1' S^-1)'
    total = column.sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        value = np.where(total > 0, 1.0 / total, np.nan)
    x, y = np.zeros((n, p)), np.zeros((n, q))
    x[:, rows], y[:, cols] = row * value[:, None], column * value[:, None]
    v = value[:, None]
    ok = (nonsingular & (total > 0) & np.all(x >= -tol, axis=1) & np.all(y >= -tol, axis=1)
          & np.all(np.einsum("np,npq->nq", x, P) >= v - tol, axis=1)
          & np.all(np.einsum("npq,nq->np", P, y) <= v + tol, axis=1))
    return x, y, ok


def variable_threat_batch(family: ShareAffineFamily, A: np.ndarray, B: np.ndarray, *, tol: float = SLOPE_TOL,
                          max_iter: int = MAX_ITER, among: Candidates | None = None) -> ThreatBatch:
    """Nash (1953) NTU variable threats (``variable_threat_solution(A, B, False, feasible)``) for every draw.

    For a slope m the threats solve the zero-sum game m A - B (``zero_sum_batch``), the threat
    point is d(m) = (x'Ay, x'By) and P(m) the Nash solution of (S, d(m)) (``nash_batch`` with
    each draw's own d). The solution has g(m) = (P2 - d2) / (P1 - d1) = m; as in the engine the
    residual (m g1 - g2) / (m g1 + g2) (0 when m g1 + g2 <= 0) is bracketed in log m from
    [-log 10, log 10], widened by log 10 up to log _SLOPE_LIMIT, and its sign change located to
    ``tol`` in log m (``bracketed_root``, in place of brentq).

    Parameters
    ----------
    family : ShareAffineFamily
        The feasible sets S (their own disagreement points are ignored).
    A, B : array_like, shape (N, p, q)
        Threat payoffs of player 1 (rows) and player 2, per draw.
    tol : float
        Tolerance on log m.
    max_iter : int
        Most iterations of the root search.
    among : Candidates, optional
        Precomputed ``candidates(family)`` (pruning does not depend on d).

    Returns
    -------
    ThreatBatch

    References
    ----------
    Nash (1953), Section 7; Owen (2013), Section VII.4; ``negotiation.games.threats``.
    """
    A, B = np.asarray(A, dtype=float), np.asarray(B, dtype=float)
    n = family.value.shape[0]
    if A.ndim != 3 or A.shape != B.shape or A.shape[0] != n:
        raise ValueError(f"A and B must have the same shape (N={n}, p, q), got {A.shape} and {B.shape}")
    if not (np.all(np.isfinite(A)) and np.all(np.isfinite(B))):
        raise ValueError("A and B must be finite")
    among = among or candidates(family)
    half = np.array([0.5, 0.5])

    def outcome(log_m: np.ndarray, rows: np.ndarray) -> tuple[np.ndarray, ...]:
        m = np.exp(log_m)
        a, b = A[rows], B[rows]
        x, y, value = zero_sum_batch(m[:, None, None] * a - b)
        d = np.column_stack([np.einsum("np,npq,nq->n", x, a, y), np.einsum("np,npq,nq->n", x, b, y)])
        return x, y, value, d, _nash(among.rows(rows), d, half)

    def residual(log_m: np.ndarray, rows: np.ndarray) -> np.ndarray:
        *_, d, solution = outcome(log_m, rows)
        m = np.exp(log_m)
        gain = solution.utilities - d
        total = m * gain[:, 0] + gain[:, 1]
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(total <= 0, 0.0, (m * gain[:, 0] - gain[:, 1]) / total)

    lo, hi, f_lo, f_hi = _slope_bracket(residual, n)
    bracketed = (f_lo <= 0) & (f_hi >= 0)
    log_m, _ = bracketed_root(residual, lo, hi, np.where(bracketed, f_lo, 1.0), np.where(bracketed, f_hi, 1.0),
                              tol, max_iter)
    converged = bracketed & np.isfinite(log_m)
    x, y, value, d, solution = outcome(np.where(converged, log_m, 0.0), np.arange(n))
    nan = np.where(converged, 1.0, np.nan)
    return ThreatBatch(_mask(solution, converged), (x * nan[:, None], y * nan[:, None]), d * nan[:, None],
                       np.exp(log_m) * nan, value * nan, converged)


def _slope_bracket(residual: Callable[[np.ndarray, np.ndarray], np.ndarray], n: int
                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The engine's bracket search in log m, per draw: step log _BRACKET_FACTOR, limit log _SLOPE_LIMIT."""
    step, limit = np.log(_BRACKET_FACTOR), np.log(_SLOPE_LIMIT)
    everyone = np.arange(n)
    lo, hi = np.full(n, -step), np.full(n, step)
    f_lo, f_hi = residual(lo, everyone), residual(hi, everyone)
    while np.any(move := (f_lo > 0) & (lo > -limit)):
        hi, f_hi, lo = np.where(move, lo, hi), np.where(move, f_lo, f_hi), np.where(move, lo - step, lo)
        rows = np.flatnonzero(move)
        f_lo[rows] = residual(lo[rows], rows)
    while np.any(move := (f_hi < 0) & (hi < limit)):
        lo, f_lo, hi = np.where(move, hi, lo), np.where(move, f_hi, f_lo), np.where(move, hi + step, hi)
        rows = np.flatnonzero(move)
        f_hi[rows] = residual(hi[rows], rows)
    return lo, hi, f_lo, f_hi


def blocked(family: ShareAffineFamily, solve: Callable[[np.ndarray, ShareAffineFamily, Candidates], object],
            size: int, floor: np.ndarray | None = None):
    """Solve the draws of ``family`` in blocks of ``size`` on their pruned candidates; results in draw order.

    Pruning (``kept``) runs block by block on the draws in order; the draws are then sorted by
    how many slots they keep and solved in blocks of that order, so a block is padded only to
    the widest of similar draws (the kept counts of one chunk of the case range over an order of
    magnitude). ``solve(rows, block_family, among)`` gets the block's draw indices, the family
    restricted to them and their candidates, and returns a frozen dataclass, dict or tuple whose
    arrays carry the block's draws on axis 0. Every concept here solves each draw on its own
    (padding ties, and the first maximiser is taken), so the result does not depend on the
    blocking. Memory is O(size x combinations x segments). ``floor``: (N, 2) of :func:`kept`.
    """
    if size < 1:
        raise ValueError(f"size must be >= 1, got {size}")
    n = family.value.shape[0]
    keep = kept_in_blocks(family, floor)
    blocks = _slices(n, size)
    order = np.argsort(keep.sum(axis=1), kind="stable")
    parts = []
    for rows in (order[b] for b in blocks):
        part = subset(family, rows)
        parts.append(solve(rows, part, candidates(part, keep=keep[rows])))
    return _tree_map(lambda a: a[np.argsort(order)], _join(parts))


def _slices(n: int, size: int) -> list[slice]:
    """Consecutive slices of ``size`` (the last one shorter) covering range(n)."""
    return [slice(i, min(i + size, n)) for i in range(0, n, size)]


def _join(parts: list):
    """Concatenate like results (frozen dataclasses, dicts, tuples of arrays) along axis 0."""
    return _tree_map(lambda *arrays: np.concatenate(arrays), *parts)


def _tree_map(function: Callable[..., np.ndarray], *trees):
    """``function`` of the corresponding arrays of like results, in a result of the same structure."""
    first = trees[0]
    if dataclasses.is_dataclass(first):
        return type(first)(*(_tree_map(function, *(getattr(t, f.name) for t in trees))
                             for f in dataclasses.fields(first)))
    if isinstance(first, dict):
        return {key: _tree_map(function, *(t[key] for t in trees)) for key in first}
    if isinstance(first, tuple):
        return tuple(_tree_map(function, *items) for items in zip(*trees))
    return function(*trees)


def subset(family: ShareAffineFamily, rows: slice | np.ndarray) -> ShareAffineFamily:
    """The family restricted to some draws."""
    return dataclasses.replace(family, value=family.value[rows], value_slope=family.value_slope[rows],
                               side=family.side[rows], side_slope=family.side_slope[rows],
                               disagreement=family.disagreement[rows])
