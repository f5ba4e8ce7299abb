"""Threat game of the 2025 talks: what each side could do if talks failed (Nash 1953).

Every cell of the threat matrices is the status-quo payoff model (:func:`.payoffs.status_quo_payoffs`)
under a :class:`.payoffs.Scenario` built from the two actions; each action's effect comes from
calibrated assumption parameters (probabilities and costs, each with a range), never a free number.

Microsoft (rows): ``withhold_consent`` (the status quo: no conversion, contract runs on),
``litigate`` (sue to enforce the contract: both pay ``litigation_cost``; undoes OpenAI's unilateral
move with ``court_reversal_probability``), ``shift_in_house`` (build or buy other models:
``inhouse_capex``; its need for OpenAI's exclusivity and IP falls by ``inhouse_substitution``;
OpenAI loses ``openai_loss_inhouse`` of distribution).

OpenAI (columns): ``comply`` (the status quo), ``antitrust_complaint`` [R28] (both pay
``litigation_cost``, Microsoft ``antitrust_cost_microsoft``; exclusivity and ROFR end with
``antitrust_remedy_probability``), ``declare_agi_early`` under the board trigger [R16] (IP access
ends with ``agi_declaration_upheld_probability`` [R15], OpenAI pays ``agi_declaration_cost_openai``),
``move_workloads`` to other clouds (escapes ``workload_move_success`` of exclusivity and ROFR).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import nashpy
import numpy as np

from negotiation.cases.microsoft_openai.parameters import Parameters, Value
from negotiation.cases.microsoft_openai.payoffs import (Scenario, claim_share_microsoft, shared_present_values,
                                                        status_quo_equity_value, status_quo_payoffs)

MICROSOFT_ACTIONS = ("withhold_consent", "litigate", "shift_in_house")
OPENAI_ACTIONS = ("comply", "antitrust_complaint", "declare_agi_early", "move_workloads")
#: OpenAI's actions that a court can undo when Microsoft litigates.
REVERSIBLE = ("declare_agi_early", "move_workloads")
#: Relative tolerance of a best response in :func:`no_deal_equilibrium`.
EQUILIBRIUM_TOL = 1e-9


@dataclass(frozen=True)
class ThreatGame:
    """Threat matrices ``A`` (Microsoft) and ``B`` (OpenAI), rows Microsoft's actions."""

    A: np.ndarray
    B: np.ndarray
    microsoft_actions: tuple[str, ...] = MICROSOFT_ACTIONS
    openai_actions: tuple[str, ...] = OPENAI_ACTIONS


def scenario(p: Parameters, microsoft: str, openai: str) -> Scenario:
    """The status quo modified by one action of each side (expected effects).

    ``keep = 1 - (probability the term is lost)``; OpenAI's unilateral moves are scaled by
    ``1 - court_reversal_probability`` when Microsoft litigates; lump costs add up.
    """
    if microsoft not in MICROSOFT_ACTIONS:
        raise ValueError(f"microsoft action must be one of {MICROSOFT_ACTIONS}, got {microsoft!r}")
    if openai not in OPENAI_ACTIONS:
        raise ValueError(f"openai action must be one of {OPENAI_ACTIONS}, got {openai!r}")
    litigating = microsoft == "litigate"
    success = 1.0 - p.court_reversal_probability if (litigating and openai in REVERSIBLE) else 1.0
    lose_access = {
        "comply": 0.0,
        "antitrust_complaint": p.antitrust_remedy_probability,
        "declare_agi_early": 0.0,
        "move_workloads": success * p.workload_move_success,
    }[openai]
    lose_ip = success * p.agi_declaration_upheld_probability if openai == "declare_agi_early" else 0.0
    in_house = microsoft == "shift_in_house"
    lawsuits = float(litigating) + float(openai == "antitrust_complaint")
    cost_m = lawsuits * p.litigation_cost + (p.antitrust_cost_microsoft if openai == "antitrust_complaint" else 0.0)
    cost_o = lawsuits * p.litigation_cost + (p.agi_declaration_cost_openai if openai == "declare_agi_early" else 0.0)
    return Scenario(
        keep_exclusivity=1.0 - lose_access,
        keep_rofr=1.0 - lose_access,
        keep_ip=1.0 - lose_ip,
        microsoft_need=1.0 - p.inhouse_substitution if in_house else 1.0,
        cost_microsoft=cost_m + (p.inhouse_capex if in_house else 0.0),
        cost_openai=cost_o + (p.openai_loss_inhouse if in_house else 0.0),
    )


def threat_matrices(p: Parameters) -> tuple[np.ndarray, np.ndarray]:
    """``A[..., i, j], B[..., i, j] = status_quo_payoffs(p, scenario(p, M_i, O_j))``: shape (3, 4), or
    (N, 3, 4) for N draws; the cells share their present values (:func:`.payoffs.shared_present_values`)."""
    with shared_present_values():
        cells = [[status_quo_payoffs(p, scenario(p, m, o)) for o in OPENAI_ACTIONS] for m in MICROSOFT_ACTIONS]
    A = np.stack([np.stack([u_m for u_m, _ in row], axis=-1) for row in cells], axis=-2)
    B = np.stack([np.stack([u_o for _, u_o in row], axis=-1) for row in cells], axis=-2)
    return A, B


def threat_game(p: Parameters) -> ThreatGame:
    """The threat game of one parameter set (scalars in ``p``): :func:`threat_matrices` as floats."""
    A, B = threat_matrices(p)
    return ThreatGame(np.asarray(A, dtype=float), np.asarray(B, dtype=float))


def no_deal_equilibrium(A: np.ndarray, B: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mixed strategies ``(x, y)`` of a Nash equilibrium of the no-deal game ``(A, B)``, per draw.

    The game is what each side does if talks fail (Microsoft rows, OpenAI columns). A cell is a
    pure equilibrium when each action is a best response to the other, within
    ``EQUILIBRIUM_TOL (1 + max |payoff|)``. Selection rule, when there are several: the one with
    the largest joint payoff ``A + B``, then the first in row-major order. A draw without a pure
    equilibrium takes the mixed equilibrium of largest joint expected payoff among those found by
    support enumeration (``nashpy``; Nash 1951). Shapes: ``A, B`` (..., 3, 4) -> ``x`` (..., 3), ``y`` (..., 4).
    """
    A, B = np.asarray(A, dtype=float), np.asarray(B, dtype=float)
    shape = A.shape[:-2]
    A, B = A.reshape(-1, *A.shape[-2:]), B.reshape(-1, *B.shape[-2:])
    tol = EQUILIBRIUM_TOL * (1.0 + np.maximum(np.abs(A).max(axis=(1, 2)), np.abs(B).max(axis=(1, 2))))[:, None, None]
    pure = (A >= A.max(axis=1, keepdims=True) - tol) & (B >= B.max(axis=2, keepdims=True) - tol)
    joint = np.where(pure, A + B, -np.inf).reshape(len(A), -1)
    cell = np.argmax(joint, axis=1)
    m, n = A.shape[1:]
    x, y = np.eye(m)[cell // n], np.eye(n)[cell % n]
    for k in np.flatnonzero(~pure.any(axis=(1, 2))):
        x[k], y[k] = _mixed_equilibrium(A[k], B[k])
    return x.reshape(*shape, m), y.reshape(*shape, n)


def _mixed_equilibrium(A: np.ndarray, B: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The mixed equilibrium of largest joint payoff: support enumeration, or vertex enumeration when the
    game is degenerate (support enumeration then misses equilibria); rounding below zero is clipped."""
    game = nashpy.Game(A, B)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # nashpy warns of degeneracy; vertex enumeration handles it
        found = list(game.support_enumeration()) or list(game.vertex_enumeration())
    x, y = max(found, key=lambda e: e[0] @ (A + B) @ e[1])
    x, y = np.clip(x, 0.0, None), np.clip(y, 0.0, None)
    return x / x.sum(), y / y.sum()


def disagreement_payoffs(p: Parameters, matrices: tuple[np.ndarray, np.ndarray] | None = None
                         ) -> tuple[np.ndarray, np.ndarray]:
    """The disagreement point ``d = (u_M, u_O)``: the no-deal equilibrium's payoffs, or the status quo.

    With ``disagreement_from_equilibrium`` (the baseline), ``d = (x A y, x B y)`` at the
    :func:`no_deal_equilibrium`; otherwise ``d`` is the untouched status quo, "comply"
    (:func:`.payoffs.status_quo_payoffs`). Scalars or arrays over draws, like ``p``.
    ``matrices``: ``threat_matrices(p)`` when the caller has them already.
    """
    if not np.max(p.disagreement_from_equilibrium) > 0.5:
        return status_quo_payoffs(p)
    A, B = threat_matrices(p) if matrices is None else matrices
    x, y = no_deal_equilibrium(A, B)
    return (np.einsum("...i,...ij,...j->...", x, A, y), np.einsum("...i,...ij,...j->...", x, B, y))


def rational_claim_shares(p: Parameters, utilities: tuple[Value, Value]) -> tuple[np.ndarray, np.ndarray]:
    """The claim shares ``Pi / P`` at which a contract with ``utilities`` is individually rational.

    Microsoft's status-quo claim is ``pi V`` (:func:`.payoffs.status_quo_payoffs`), so with the
    disagreement cell's mixture fixed, ``d_M(pi) = d_M + (pi - pi_0) V_bar`` and
    ``d_O(pi) = d_O - (pi - pi_0) V_bar``, ``V_bar = x V_sq(scenario) y`` the equity value at the
    disagreement point and ``pi_0`` = :func:`.payoffs.claim_share_microsoft`. OpenAI gains iff
    ``pi >= pi_O = pi_0 + (d_O - u_O) / V_bar``; Microsoft iff ``pi <= pi_M = pi_0 + (u_M - d_M) / V_bar``.
    Returns ``(pi_O, pi_M)``: the contract is individually rational for both on ``[pi_O, pi_M]``.
    """
    d_m, d_o = disagreement_payoffs(p)
    if np.max(p.disagreement_from_equilibrium) > 0.5:
        x, y = no_deal_equilibrium(*threat_matrices(p))
        values = np.stack([np.stack([status_quo_equity_value(p, scenario(p, m, o)) for o in OPENAI_ACTIONS], axis=-1)
                           for m in MICROSOFT_ACTIONS], axis=-2)
        value = np.einsum("...i,...ij,...j->...", x, values, y)
    else:
        value = status_quo_equity_value(p)
    pi = claim_share_microsoft(p)
    return pi + (d_o - np.asarray(utilities[1])) / value, pi + (np.asarray(utilities[0]) - d_m) / value


def outside_options(p: Parameters) -> tuple[float, float]:
    """Outside options for alternating offers (constraints, not the disagreement point).

    Microsoft: its status-quo payoff after shifting to in-house models, OpenAI complying;
    OpenAI: its payoff after moving new workloads to other clouds, Microsoft withholding consent.
    """
    game = threat_game(p)
    w_m = game.A[MICROSOFT_ACTIONS.index("shift_in_house"), OPENAI_ACTIONS.index("comply")]
    w_o = game.B[MICROSOFT_ACTIONS.index("withhold_consent"), OPENAI_ACTIONS.index("move_workloads")]
    return float(w_m), float(w_o)
