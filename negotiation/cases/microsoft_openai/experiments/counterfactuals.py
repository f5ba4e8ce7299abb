"""Experiment ``counterfactuals``: the reported pre-MOU positions (and one COMPARISON contract) in the model.

Contracts from ``data/positions.toml`` (dated before the MOU): the status-quo contract as a
deal, OpenAI's proposal (revenue share down to 10 % by 2030, ~33 % equity), Microsoft's ask
(low-to-mid 30s equity, post-AGI IP), and the midpoint of the two (``compare.baselines``). Plus
COMPARISON code: the settlement itself and the settlement WITHOUT the ROFR concession (Microsoft
keeps its right of first refusal) — both read the settlement and are labelled so. For each: its
utilities at central calibration, individual rationality, its radial position relative to the
frontier, its joint shortfall ``J* - (u_M + u_O)`` (J*: the efficient joint value, the utilitarian
optimum's), its Euclidean distance to each concept's prediction, and the share of calibration draws in
which it is individually rational for both parties.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from negotiation.cases.microsoft_openai import CONCEPTS, calibration, compare
from negotiation.cases.microsoft_openai.batch import family, rows_of
from negotiation.cases.microsoft_openai.parameters import CALIBRATION_FILE
from negotiation.cases.microsoft_openai.space import CONTRACT_SPACE_FILE
from negotiation.cases.microsoft_openai.payoffs import claim_share_microsoft, contract_utilities
from negotiation.cases.microsoft_openai.positions import POSITIONS_FILE, midpoint, positions
from negotiation.cases.microsoft_openai.threats import disagreement_payoffs, rational_claim_shares
from negotiation.cases.microsoft_openai.experiments._case_views import (add_legend, central_and_sample, concept_sizes, draw_frontier, frontier_points,
                                                 marker_kwargs, plain_contract,
                                                 radial_positions, solve_concepts, window_around)
from negotiation.pipeline import Experiment, FigureSpec, Param, Progress, Results, SavedResults, Table
from negotiation.pipeline.latex import camel_case
from negotiation.plots import latex_label, new_figure

#: Counterfactual contracts: name -> (legend label, marker, whether it reads the settlement).
CONTRACTS = {
    "status_quo": ("Status-quo contract (as a deal)", "s", False),
    "openai": ("OpenAI's position", "<", False),
    "microsoft": ("Microsoft's position", ">", False),
    "positions_midpoint": ("Midpoint of positions", "d", False),
    "settlement": ("Settlement (COMPARISON)", "*", True),
    "settlement_keeps_rofr": ("Settlement, ROFR kept (COMPARISON)", "p", True),
}

SCHEMA = {
    "draws": Param(int, "calibration draws for the share of draws in which each contract is individually rational",
                   default=400, low=10, high=20_000),
}


def contracts() -> dict[str, dict[str, Any]]:
    """The counterfactual contracts; the last two are COMPARISON contracts built from the settlement."""
    given = {side: dict(contract) for side, contract in positions().items()}
    actual = dict(compare.settlement())
    return {
        "status_quo": given["status_quo"],
        "openai": given["openai"],
        "microsoft": given["microsoft"],
        "positions_midpoint": dict(midpoint()),
        "settlement": actual,
        "settlement_keeps_rofr": {**actual, "compute_rofr": True},
    }


def run(parameters: Mapping[str, Any], rng: np.random.Generator, progress: Progress) -> Results:
    """Each contract's utilities, rationality and position; the concepts' predictions at central values."""
    p = calibration().central()
    fam = family(p)
    d = fam.disagreement[0]
    draws = central_and_sample(rng, parameters["draws"])
    solved = solve_concepts(rows_of(draws, slice(0, 1)), progress=progress)
    concept_u = {c: solved[c].utilities[0] for c in CONCEPTS}
    sample = rows_of(draws, slice(1, None))
    d_sample = np.column_stack(disagreement_payoffs(sample))
    joint = float(concept_u["utilitarian"].sum())  # J*: every efficient contract's u_M + u_O (transferable utility)
    records = {}
    for i, (name, contract) in enumerate(contracts().items(), start=1):
        u = np.array([float(x) for x in contract_utilities(p, contract)])
        pos = radial_positions(fam, u)
        u_sample = np.column_stack(contract_utilities(sample, contract))
        records[name] = {
            "contract": contract,
            "comparison": CONTRACTS[name][2],
            "utilities": u,
            "gains": u - d,
            "individually_rational": {"microsoft": bool(u[0] > d[0]), "openai": bool(u[1] > d[1])},
            "rational_claim_shares": [float(x) for x in rational_claim_shares(p, tuple(u))],
            "radial_factor": None if np.isnan(pos.radial_factor[0]) else float(pos.radial_factor[0]),
            "projection": pos.projection[0],
            "joint_shortfall": joint - float(u.sum()),
            "distance_to_concepts": {c: float(np.linalg.norm(u - concept_u[c])) for c in CONCEPTS},
            "contract_score_to_concepts": {c: compare.score_contract(name, contract, plain_contract(solved[c].contract, 0)).score
                                           for c in CONCEPTS},
            "rational_share": {"microsoft": float(np.mean(u_sample[:, 0] > d_sample[:, 0])),
                               "openai": float(np.mean(u_sample[:, 1] > d_sample[:, 1])),
                               "both": float(np.mean(np.all(u_sample > d_sample, axis=1)))},
        }
        progress.update("contracts", i, len(CONTRACTS))
    values = {"disagreement": d, "claim_share": float(claim_share_microsoft(p)), "contracts": records, "concepts": concept_u, "frontier": frontier_points(fam),
              "draws": parameters["draws"]}
    return Results(values=values, tables=_tables(records), macros=_macros(records) | {"ClaimShare": f"{100 * values['claim_share']:.1f}"})


def _tables(records: Mapping[str, Any]) -> dict[str, Table]:
    position_rows = tuple(
        (name, *r["utilities"], *r["gains"], "yes" if r["individually_rational"]["microsoft"] else "no",
         "yes" if r["individually_rational"]["openai"] else "no", r["rational_share"]["both"], r["radial_factor"],
         r["joint_shortfall"])
        for name, r in records.items()
    )
    positions = Table(
        columns=("contract", "u_M", "u_O", "gain_M", "gain_O", "rational_M", "rational_O", "rational_share_both",
                 "radial_factor", "joint_shortfall"),
        rows=position_rows,
        headers=("Contract", "$u_M$ (\\$B)", "$u_O$ (\\$B)", "$u_M - d_M$", "$u_O - d_O$", "IR $M$", "IR $O$",
                 "Share of draws IR for both", "Radial factor $t$", "Joint shortfall $J^* - u_M - u_O$ (\\$B)"),
        formats=("s", ".1f", ".1f", "+.1f", "+.1f", "s", "s", ".2f", ".3f", ".1f"),
    )
    distances = Table(
        columns=("contract", *CONCEPTS),
        rows=tuple((name, *(r["distance_to_concepts"][c] for c in CONCEPTS)) for name, r in records.items()),
        headers=("Contract", *(latex_label(c) for c in CONCEPTS)),
        formats=("s",) + (".1f",) * len(CONCEPTS),
    )
    claims = Table(
        columns=("contract", "claim_share_openai_rational", "claim_share_microsoft_rational", "rational_for_both"),
        rows=tuple((name, *r["rational_claim_shares"],
                    "yes" if r["rational_claim_shares"][0] <= r["rational_claim_shares"][1] else "no")
                   for name, r in records.items()),
        headers=("Contract", "IR for $O$ if $\\pi \\ge$", "IR for $M$ if $\\pi \\le$", "Some $\\pi$ IR for both"),
        formats=("s", ".3f", ".3f", "s"),
    )
    return {"positions": positions, "distances": distances, "claim_shares": claims}


def _macros(records: Mapping[str, Any]) -> dict[str, str]:
    """Per contract: utilities, gains over d (and their sum) and the joint shortfall; COMPARISON contracts
    carry ``Comparison`` in their names."""
    macros = {}
    for name, r in records.items():
        key = camel_case(name) + ("Comparison" if r["comparison"] else "")
        macros[f"{key}UM"], macros[f"{key}UO"] = (f"{x:.1f}" for x in r["utilities"])
        macros[f"{key}GainM"], macros[f"{key}GainO"] = (f"{x:.1f}" for x in r["gains"])
        macros[f"{key}JointGain"] = f"{sum(r['gains']):.1f}"
        macros[f"{key}JointShortfall"] = f"{r['joint_shortfall']:.1f}"
        macros[f"{key}RationalShare"] = f"{100 * r['rational_share']['both']:.0f}"
        low, high = r["rational_claim_shares"]
        macros[f"{key}ClaimShareOpenAI"], macros[f"{key}ClaimShareMicrosoft"] = f"{100 * low:.1f}", f"{100 * high:.1f}"
        macros[f"{key}RationalForBoth"] = (
            "no claim share makes it individually rational for both" if low > high else
            f"claim shares from {100 * low:.1f}\\,\\% to {100 * high:.1f}\\,\\% make it individually rational for both")
    return macros


def frontier_figure(saved: SavedResults) -> Any:
    """The frontier with the counterfactual contracts, their projections and every concept."""
    v = saved.values
    frontier, d = np.array(v["frontier"]), np.array(v["disagreement"])
    records = v["contracts"]
    concept_u = {c: np.array(u) for c, u in v["concepts"].items()}
    u_all = [np.array(r["utilities"]) for r in records.values()] + list(concept_u.values()) + [d]
    window = window_around(np.vstack(u_all + [np.array(r["projection"]) for r in records.values()]))
    shown = frontier[(frontier[:, 0] >= window[0][0]) & (frontier[:, 1] >= window[0][1])]
    fig, ax = new_figure("single", aspect=1.2)
    draw_frontier(ax, shown, d, window)
    sizes = concept_sizes(CONCEPTS, 7.0, 4.0)
    for z, c in enumerate(CONCEPTS):
        ax.plot(*concept_u[c], **marker_kwargs(c, sizes[c]), zorder=3 + z / 10)
    for name, r in records.items():
        label, marker, comparison = CONTRACTS[name]
        u, proj = np.array(r["utilities"]), np.array(r["projection"])
        ax.plot(*np.column_stack([u, proj]), color="black", linewidth=0.5, linestyle=":", zorder=2)
        face = "black" if comparison else "white"
        ax.plot(*u, marker=marker, markersize=8.0 if marker == "*" else 6.0, markerfacecolor=face,
                markeredgecolor="black", markeredgewidth=0.8, linestyle="none", label=label, zorder=4)
    ax.plot([], [], color="black", linewidth=0.5, linestyle=":", label="Projection to frontier")
    add_legend(fig, ax, ncol=2)
    return fig


EXPERIMENT = Experiment(
    kind="counterfactuals",
    description="Reported pre-MOU positions, and the settlement without the ROFR concession (COMPARISON), in the model.",
    schema=SCHEMA,
    run=run,
    figures=(
        FigureSpec(
            "frontier", frontier_figure,
            "Counterfactual contracts in utility space at central calibration (\\$B): the reported pre-MOU "
            "positions (open markers) and, as COMPARISON contracts built from the settlement (filled), the "
            "settlement and the settlement with Microsoft keeping its ROFR; dotted: projection onto the Pareto "
            "frontier (along $(1,1)$ when the contract is not individually rational). Solution concepts and the "
            "status quo $d$ as in Fig.~\\ref{fig:baseline-frontier}; shaded: individually rational region.",
        ),
    ),
    data_files=(CALIBRATION_FILE, CONTRACT_SPACE_FILE, compare.SETTLEMENT_FILE, POSITIONS_FILE),
)
