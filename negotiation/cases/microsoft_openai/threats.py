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

from dataclasses import dataclass

import numpy as np

from negotiation.cases.microsoft_openai.parameters import Parameters
from negotiation.cases.microsoft_openai.payoffs import Scenario, status_quo_payoffs

MICROSOFT_ACTIONS = ("withhold_consent", "litigate", "shift_in_house")
OPENAI_ACTIONS = ("comply", "antitrust_complaint", "declare_agi_early", "move_workloads")
#: OpenAI's actions that a court can undo when Microsoft litigates.
REVERSIBLE = ("declare_agi_early", "move_workloads")


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


def threat_game(p: Parameters) -> ThreatGame:
    """``A[i, j], B[i, j] = status_quo_payoffs(p, scenario(p, M_i, O_j))`` (scalars in ``p``)."""
    cells = [[status_quo_payoffs(p, scenario(p, m, o)) for o in OPENAI_ACTIONS] for m in MICROSOFT_ACTIONS]
    A = np.array([[float(u_m) for u_m, _ in row] for row in cells])
    B = np.array([[float(u_o) for _, u_o in row] for row in cells])
    return ThreatGame(A, B)


def outside_options(p: Parameters) -> tuple[float, float]:
    """Outside options for alternating offers (constraints, not the disagreement point).

    Microsoft: its status-quo payoff after shifting to in-house models, OpenAI complying;
    OpenAI: its payoff after moving new workloads to other clouds, Microsoft withholding consent.
    """
    game = threat_game(p)
    w_m = game.A[MICROSOFT_ACTIONS.index("shift_in_house"), OPENAI_ACTIONS.index("comply")]
    w_o = game.B[MICROSOFT_ACTIONS.index("withhold_consent"), OPENAI_ACTIONS.index("move_workloads")]
    return float(w_m), float(w_o)
