"""Set-valued predictions: every contract that gives a concept's utilities, and one representative.

Under the case's payoffs (:mod:`.payoffs`: one AGI belief, risk neutrality) equity and the
revenue share are transfers, so a concept's utilities ``u*`` pin the discrete terms and the
commitment only through joint value, and many contracts reach ``u*``. For combination ``k``,
commitment ``a`` and terms ``(e, s)``,

    u_M = e V(s, a) + b_M + beta_Ms s + beta_Ma a,    u_O = (1 - e) V(s, a) + b_O + beta_Os s + beta_Oa a,
    J_k(a) = u_M + u_O,    V(s, a) = V_k + v_s s + v_a a,

and ``J_k`` does not depend on ``e`` or (up to rounding) on ``s``. The **optimal set** is every
contract whose utilities are ``u*`` within ``TIE_TOL (1 + |J*|)``:

- the commitment maximises ``J_k(a)`` on ``[low, cap]`` (``cap = min(high, azure_need)``): ``cap``
  where a committed dollar creates joint value, else ``low``;
- combination ``k`` is in the set when ``J_k >= J* - tol`` (``J* = max_k J_k``) and some
  ``(e, s)`` in the box gives ``u_M = u*_M`` (``u_M`` rises in ``e`` and in ``s``, so this is an
  interval test);
- each term's range (continuous) or options (discrete) is read over the combinations in the set.

The **representative** is the member that changes the status quo least, by this rule: among the
combinations in the set, the one whose terms keep the status-quo option where they can (terms
compared in the contract space's order; among non-status-quo options, the first in the file's
order); the revenue share at its status-quo rate when some equity in the box then gives
``u*_M``, else the nearest rate that does (equity at its bound); equity solves ``u_M = u*_M``.
The rule uses only ``u*``, the coefficients and the status quo, so every machine that computes
``u*`` to the solvers' precision reports the same representative.
"""

from __future__ import annotations

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
    """(K,) rank of each combination under the least-change rule (0 = preferred)."""
    def key(combo: Combo) -> tuple:
        parts = []
        for name in DISCRETE_TERMS:
            value, options = getattr(combo, name), space.discrete[name].options
            parts += [not _same(value, status_quo[name]), options.index(value)]
        return tuple(parts)

    order = sorted(range(len(combos)), key=lambda k: key(combos[k]))
    rank = np.empty(len(combos), dtype=int)
    rank[order] = np.arange(len(combos))
    return rank


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
    a_lo = space.bounds("azure_commitment")[0]
    cap = np.broadcast_to(np.asarray(cap, dtype=float), (n,))[:, None]
    joint_a = c["v_a"] + c["beta_Ma"] + c["beta_Oa"]
    a = np.where(joint_a > 0, cap, a_lo)
    V_a = c["V"] + c["v_a"] * a                        # V at s = 0 and the chosen commitment
    b_M = c["b_M"] + c["beta_Ma"] * a
    J = V_a + b_M + c["b_O"] + c["beta_Oa"] * a        # joint value (s is a transfer)
    J_star = np.max(J, axis=1, keepdims=True)
    tol = TIE_TOL * (1.0 + np.abs(J_star))
    u_M = u[:, :1]

    def u_m(e, s):
        return e * (V_a + c["v_s"] * s) + b_M + c["beta_Ms"] * s

    reach_lo, reach_hi = u_m(e_lo, s_lo), u_m(e_hi, s_hi)
    members = (J >= J_star - tol) & (u_M >= reach_lo - tol) & (u_M <= reach_hi + tol)
    members &= np.isfinite(u).all(axis=1, keepdims=True)

    def e_for(s):                                     # equity giving u*_M at rate s
        return (u_M - b_M - c["beta_Ms"] * s) / (V_a + c["v_s"] * s)

    def s_for(e):                                     # rate giving u*_M at equity e
        return (u_M - e * V_a - b_M) / (e * c["v_s"] + c["beta_Ms"])

    ranges = {
        "equity": _hull(members, np.clip(e_for(s_hi), e_lo, e_hi), np.clip(e_for(s_lo), e_lo, e_hi)),
        "revenue_share": _hull(members, np.clip(s_for(e_hi), s_lo, s_hi), np.clip(s_for(e_lo), s_lo, s_hi)),
        "azure_commitment": _hull(members, a, a),
    }
    indices = {name: np.array([space.discrete[name].options.index(getattr(k, name)) for k in combos])
               for name in DISCRETE_TERMS}
    options = {name: np.stack([(members & (indices[name] == i)).any(axis=1)
                               for i in range(len(space.discrete[name].options))], axis=1)
               for name in DISCRETE_TERMS}
    rank = status_quo_rank(combos, space, status_quo)
    chosen = np.argmin(np.where(members, rank, np.iinfo(int).max), axis=1)
    found = members.any(axis=1)
    rows = np.arange(n)

    def at(x):
        return np.broadcast_to(x, members.shape)[rows, chosen]

    s_sq = float(np.clip(status_quo["revenue_share"], s_lo, s_hi))
    e_at_sq = at(e_for(s_sq))
    s_rep = np.where(e_at_sq > e_hi, at(s_for(e_hi)), np.where(e_at_sq < e_lo, at(s_for(e_lo)), s_sq))
    s_rep = np.clip(s_rep, s_lo, s_hi)
    e_rep = np.clip((u_M[:, 0] - at(b_M) - at(c["beta_Ms"]) * s_rep) / (at(V_a) + at(c["v_s"]) * s_rep), e_lo, e_hi)
    representative = {
        "equity": np.where(found, e_rep, np.nan),
        "revenue_share": np.where(found, s_rep, np.nan),
        "azure_commitment": np.where(found, at(a), np.nan),
    }
    for name in DISCRETE_TERMS:
        values = np.array([getattr(k, name) for k in combos] + [None], dtype=object)
        representative[name] = values[np.where(found, chosen, len(combos))]
    return ContractSets(representative, ranges, options, members)


def _hull(members: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """(N, 2) ``[min lo, max hi]`` over the member combinations (NaN where there are none)."""
    lo = np.where(members, np.broadcast_to(lo, members.shape), np.inf).min(axis=1)
    hi = np.where(members, np.broadcast_to(hi, members.shape), -np.inf).max(axis=1)
    empty = ~members.any(axis=1)
    return np.column_stack([np.where(empty, np.nan, lo), np.where(empty, np.nan, hi)])


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
