"""Set-valued predictions: every contract that gives a concept's utilities, and one representative.

Under the case's payoffs (:mod:`.payoffs`: one AGI belief, risk neutrality) equity and the
revenue share are transfers, so a concept's utilities ``u*`` pin the discrete terms and the
commitment only through joint value, and many contracts reach ``u*``. For combination ``k``,
commitment ``a`` and terms ``(e, s)``,

    u_M = e V(s, a) + b_M + beta_Ms s + beta_Ma a,    u_O = (1 - e) V(s, a) + b_O + beta_Os s + beta_Oa a,
    J_k(a) = u_M + u_O,    V(s, a) = V_k + v_s s + v_a a,

and ``J_k`` does not depend on ``e`` or (up to rounding) on ``s``. The **optimal set** is every
contract whose utilities are ``u*`` within ``TIE_TOL (1 + |J*|)``:

- for each combination the commitment maximises ``J_k(a)`` on ``[low, cap]`` (``cap = min(high,
  azure_need)``) among the commitments at which some ``(e, s)`` gives ``u_M = u*_M``: ``cap`` where
  a committed dollar creates joint value, unless even the lowest equity and rate leave Microsoft
  above ``u*_M`` there (then the commitment falls until they do: on that part of the frontier
  the natural floors of the transfers bind and the commitment carries the transfer), else ``low``;
- combination ``k`` is in the set when it reaches ``u*``: ``J_k(a_k) - u*_M >= u*_O - tol`` and
  some ``(e, s)`` in the box gives ``u_M = u*_M`` (``u_M`` is bilinear in ``(e, s)``: an interval
  test on the four corners);
- each term's range (continuous) or options (discrete) is read over the combinations in the set.

The **representative** is the member that changes the status quo least, by this rule: among the
combinations in the set, the one whose terms keep the status-quo option where they can (terms
compared in the contract space's order; among non-status-quo years, the nearest to the status
quo's year; otherwise the first in the file's order); the revenue share at its status-quo rate when some equity in the box then gives
``u*_M``, else the nearest rate that does (equity at its bound); equity solves ``u_M = u*_M``.
The rule uses only ``u*``, the coefficients and the status quo, so every machine that computes
``u*`` to the solvers' precision reports the same representative.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from negotiation.cases.microsoft_openai.payoffs import Coefficients, Combo
from negotiation.cases.microsoft_openai.space import CONTINUOUS_TERMS, DISCRETE_TERMS, CaseSpace

TIE_TOL = 1e-6
"""Contracts within ``TIE_TOL (1 + |J*|)`` of a concept's utilities (in $B) are in its optimal set.

It sits far above the solvers' precision (1e-9 relative) and the effect of a 1e-10 change of any
input (about 1e-8 $B), and far below the joint value of any term that is not a tie (0.01 $B and up)."""


@dataclass(frozen=True)
class ContractSets:
    """Optimal sets and representatives for N draws.

    Attributes
    ----------
    representative : dict
        Every term: float arrays (N,) for continuous terms, object arrays for discrete ones.
    ranges : dict
        Continuous term -> (N, 2) ``[min, max]`` over the optimal set.
    options : dict
        Discrete term -> (N, n_options) bool: which options the optimal set contains.
    members : np.ndarray
        (N, K) bool: the combinations in the optimal set.
    """

    representative: dict[str, np.ndarray]
    ranges: dict[str, np.ndarray]
    options: dict[str, np.ndarray]
    members: np.ndarray


def stack(table: Sequence[Coefficients]) -> dict[str, np.ndarray]:
    """(N, K) arrays of every coefficient: ``V, v_s, v_a, b_M, beta_Ms, beta_Ma, b_O, beta_Os, beta_Oa``."""
    def col(f, j=None):
        return np.stack([np.atleast_1d(f(c) if j is None else f(c)[..., j]) for c in table], axis=1)

    return {"V": col(lambda c: c.V), "v_s": col(lambda c: c.v, 0), "v_a": col(lambda c: c.v, 1),
            "b_M": col(lambda c: c.b_M), "beta_Ms": col(lambda c: c.beta_M, 0), "beta_Ma": col(lambda c: c.beta_M, 1),
            "b_O": col(lambda c: c.b_O), "beta_Os": col(lambda c: c.beta_O, 0), "beta_Oa": col(lambda c: c.beta_O, 1)}


def status_quo_rank(combos: Sequence[Combo], space: CaseSpace, status_quo: Mapping[str, Any]) -> np.ndarray:
    """(K,) rank of each combination under the least-change rule (0 = preferred).

    It depends on the combinations, the options and the status quo's discrete terms only, and
    every concept's contract sets of a chunk ask for the same one, so it is memoised on those,
    each value with its type (``True == 1`` in Python, but they are different options here).
    """
    combos = tuple(combos)
    options = tuple(space.discrete[name].options for name in DISCRETE_TERMS)
    sq = tuple(status_quo[name] for name in DISCRETE_TERMS)
    key = (_typed(tuple(getattr(k, name) for k in combos for name in DISCRETE_TERMS)),
           tuple(map(_typed, options)), _typed(sq))
    return _rank(key, combos, options, sq).copy()


def _typed(values: tuple[Any, ...]) -> tuple[tuple[str, Any], ...]:
    """Each value with its type's name: a hashable key under which ``True`` and ``1`` differ."""
    return tuple((type(v).__name__, v) for v in values)


def clear_rank_memo() -> None:
    """Forget the memoised ranks (:func:`.solve.clear_memo` calls this for cold timings)."""
    _rank.cache_clear()


@functools.lru_cache(maxsize=8)
def _rank(key: tuple, combos: tuple[Combo, ...], options: tuple[tuple[Any, ...], ...],
          status_quo: tuple[Any, ...]) -> np.ndarray:
    """The rank of :func:`status_quo_rank`, memoised under its typed ``key`` (a few: one space and status quo per run)."""
    def order_key(combo: Combo) -> tuple:
        parts = []
        for name, opts, sq in zip(DISCRETE_TERMS, options, status_quo):
            value = getattr(combo, name)
            years = _is_year(value) and _is_year(sq)
            parts += [not _same(value, sq), abs(value - sq) if years else 0, opts.index(value)]
        return tuple(parts)

    order = sorted(range(len(combos)), key=lambda k: order_key(combos[k]))
    rank = np.empty(len(combos), dtype=int)
    rank[order] = np.arange(len(combos))
    return rank


def _is_year(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _same(a: Any, b: Any) -> bool:
    return a == b and type(a) is type(b)


def optimal_sets(coef: Mapping[str, np.ndarray], combos: Sequence[Combo], space: CaseSpace, cap: np.ndarray,
                 utilities: np.ndarray, status_quo: Mapping[str, Any]) -> ContractSets:
    """The optimal set and representative of each draw (module docstring).

    Parameters
    ----------
    coef : mapping
        :func:`stack` of the coefficient table of ``combos``.
    combos : sequence of Combo
        The K combinations of ``space``.
    space : CaseSpace
    cap : np.ndarray
        (N,) upper limit of the commitment, ``min(high, azure_need)``.
    utilities : np.ndarray
        (N, 2) risk-neutral ``u*`` of the concept; rows with NaN (no agreement) give NaN / None.
    status_quo : mapping
        The status-quo value of every term (``revenue_share`` and the discrete terms).
    """
    u = np.atleast_2d(np.asarray(utilities, dtype=float))
    n = u.shape[0]
    c = {k: np.broadcast_to(v, (n, v.shape[1])) for k, v in coef.items()}
    e_lo, e_hi = space.bounds("equity")
    s_lo, s_hi = space.bounds("revenue_share")
    cap = np.broadcast_to(np.asarray(cap, dtype=float), (n,))[:, None]
    u_M, u_O = u[:, :1], u[:, 1:]
    a = _commitment(c, u_M, cap, e_lo, s_lo, space.bounds("azure_commitment")[0])
    V_a = c["V"] + c["v_a"] * a                        # V at s = 0 and the chosen commitment
    b_M = c["b_M"] + c["beta_Ma"] * a
    J = V_a + b_M + c["b_O"] + c["beta_Oa"] * a        # joint value (s is a transfer)
    tol = TIE_TOL * (1.0 + np.abs(J).max(axis=1, keepdims=True))
    # the other membership tests, the ranges and the representative only on the (draw, combination)
    # pairs that reach the joint value (few per draw), elementwise as on the full arrays
    rows, cols = np.nonzero((J - u_M >= u_O - tol) & np.isfinite(u).all(axis=1, keepdims=True))
    p = _Pairs.at(c, a, V_a, b_M, u_M, rows, cols)
    corners = np.stack([p.u_m(e, s) for e in (e_lo, e_hi) for s in (s_lo, s_hi)])
    t = tol[rows, 0]
    inside = (p.u_M >= corners.min(axis=0) - t) & (p.u_M <= corners.max(axis=0) + t)
    rows, cols, p = rows[inside], cols[inside], p.take(inside)
    members = np.zeros((n, len(combos)), dtype=bool)
    members[rows, cols] = True
    ranges = {
        "equity": _hull(rows, n, np.clip(p.e_for(s_hi), e_lo, e_hi), np.clip(p.e_for(s_lo), e_lo, e_hi)),
        "revenue_share": _hull(rows, n, np.clip(p.s_for(e_hi), s_lo, s_hi), np.clip(p.s_for(e_lo), s_lo, s_hi)),
        "azure_commitment": _hull(rows, n, p.a, p.a),
    }
    options = {}
    for name in DISCRETE_TERMS:
        index = np.array([space.discrete[name].options.index(getattr(k, name)) for k in combos])
        options[name] = np.zeros((n, len(space.discrete[name].options)), dtype=bool)
        options[name][rows, index[cols]] = True
    rank = status_quo_rank(combos, space, status_quo)
    best = _per_draw(np.minimum, rows, rank[cols], n, len(combos))  # the member of lowest rank
    found = best < len(combos)
    combination = np.argsort(rank)[np.minimum(best, len(combos) - 1)]
    pick = np.flatnonzero(found)
    chosen = _Pairs.at(c, a, V_a, b_M, u_M, pick, combination[pick])
    s_sq = float(np.clip(status_quo["revenue_share"], s_lo, s_hi))
    e_at_sq = chosen.e_for(s_sq)
    s_rep = np.where(e_at_sq > e_hi, chosen.s_for(e_hi), np.where(e_at_sq < e_lo, chosen.s_for(e_lo), s_sq))
    s_rep = np.clip(s_rep, s_lo, s_hi)
    e_rep = np.clip(chosen.e_for(s_rep), e_lo, e_hi)
    representative = {name: np.full(n, np.nan) for name in CONTINUOUS_TERMS}
    for name, value in (("equity", e_rep), ("revenue_share", s_rep), ("azure_commitment", chosen.a)):
        representative[name][pick] = value
    for name in DISCRETE_TERMS:
        values = np.array([getattr(k, name) for k in combos] + [None], dtype=object)
        representative[name] = values[np.where(found, combination, len(combos))]
    return ContractSets(representative, ranges, options, members)


def _commitment(c: Mapping[str, np.ndarray], u_M: np.ndarray, cap: np.ndarray, e_lo: float, s_lo: float,
                a_lo: float) -> np.ndarray:
    """(N, K) the commitment of each combination in the optimal set (module docstring).

    As large as the cap allows where a dollar creates joint value (v_a + beta_Ma + beta_Oa > 0),
    unless even e = s = low leaves Microsoft above u*_M there (then the commitment is the transfer
    to OpenAI): u_M at (e_lo, s_lo) is floor_0 + floor_a a, so a = (u*_M - floor_0) / floor_a,
    clipped to [a_lo, cap]; else a_lo.
    """
    joint_a = c["v_a"] + c["beta_Ma"] + c["beta_Oa"]
    floor_a = c["beta_Ma"] + e_lo * c["v_a"]
    floor_0 = e_lo * (c["V"] + c["v_s"] * s_lo) + c["b_M"] + c["beta_Ms"] * s_lo
    with np.errstate(divide="ignore", invalid="ignore"):
        a_fit = np.where(floor_a > 0, (u_M - floor_0) / floor_a, np.inf)
    return np.where(joint_a > 0, np.clip(a_fit, a_lo, cap), a_lo)


@dataclass(frozen=True)
class _Pairs:
    """Coefficients (``c``), commitment ``a``, V_a = V + v_a a, b_M + beta_Ma a and u*_M of some
    (draw, combination) pairs, 1-d arrays of one length."""

    c: Mapping[str, np.ndarray]
    a: np.ndarray
    V_a: np.ndarray
    b_M: np.ndarray
    u_M: np.ndarray

    @classmethod
    def at(cls, c: Mapping[str, np.ndarray], a: np.ndarray, V_a: np.ndarray, b_M: np.ndarray, u_M: np.ndarray,
           rows: np.ndarray, cols: np.ndarray) -> _Pairs:
        """The pairs (rows, cols) of (N, K) arrays (``u_M`` (N, 1))."""
        return cls({k: v[rows, cols] for k, v in c.items()}, a[rows, cols], V_a[rows, cols], b_M[rows, cols],
                   u_M[rows, 0])

    def take(self, index: np.ndarray) -> _Pairs:
        """Some of the pairs (a mask or indices)."""
        return _Pairs({k: v[index] for k, v in self.c.items()}, self.a[index], self.V_a[index], self.b_M[index],
                      self.u_M[index])

    def u_m(self, e: float, s: float) -> np.ndarray:
        """u_M = e (V_a + v_s s) + b_M + beta_Ms s."""
        return e * (self.V_a + self.c["v_s"] * s) + self.b_M + self.c["beta_Ms"] * s

    def e_for(self, s: float | np.ndarray) -> np.ndarray:
        """The equity giving u*_M at rate s: e = (u*_M - b_M - beta_Ms s) / (V_a + v_s s)."""
        return (self.u_M - self.b_M - self.c["beta_Ms"] * s) / (self.V_a + self.c["v_s"] * s)

    def s_for(self, e: float) -> np.ndarray:
        """The rate giving u*_M at equity e: s = (u*_M - e V_a - b_M) / (e v_s + beta_Ms)."""
        return (self.u_M - e * self.V_a - self.b_M) / (e * self.c["v_s"] + self.c["beta_Ms"])


def _per_draw(reduce: np.ufunc, rows: np.ndarray, values: np.ndarray, n: int, fill: float) -> np.ndarray:
    """(N,) ``reduce`` of ``values`` over the pairs of each draw (``rows`` sorted), ``fill`` where there are none."""
    out = np.full(n, fill, dtype=np.result_type(values, fill))
    if rows.size:
        starts = np.flatnonzero(np.r_[True, rows[1:] != rows[:-1]])
        out[rows[starts]] = reduce.reduceat(values, starts)
    return out


def _hull(rows: np.ndarray, n: int, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """(N, 2) ``[min lo, max hi]`` over the member pairs of each draw (NaN where there are none)."""
    return np.column_stack([_per_draw(np.minimum, rows, lo, n, np.nan), _per_draw(np.maximum, rows, hi, n, np.nan)])


def take(sets: ContractSets, rows: slice | np.ndarray) -> ContractSets:
    """Some draws of ``sets``."""
    return ContractSets({t: v[rows] for t, v in sets.representative.items()}, {t: v[rows] for t, v in sets.ranges.items()},
                        {t: v[rows] for t, v in sets.options.items()}, sets.members[rows])


def draw_set(sets: ContractSets, space: CaseSpace, i: int = 0) -> dict[str, Any]:
    """Draw ``i``'s optimal set as plain values: ``(min, max)`` per continuous term, options per discrete one."""
    out: dict[str, Any] = {t: (float(sets.ranges[t][i, 0]), float(sets.ranges[t][i, 1])) for t in CONTINUOUS_TERMS}
    for name in DISCRETE_TERMS:
        out[name] = tuple(o for o, inside in zip(space.discrete[name].options, sets.options[name][i]) if inside)
    return out


def draw_contract(sets: ContractSets, i: int = 0) -> dict[str, Any]:
    """Draw ``i``'s representative as plain Python values."""
    out: dict[str, Any] = {t: float(sets.representative[t][i]) for t in CONTINUOUS_TERMS}
    out.update({name: sets.representative[name][i] for name in DISCRETE_TERMS})
    return out
