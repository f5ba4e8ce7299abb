"""Experiment ``bargaining_power``: a FIT — Microsoft's weight implied by the settlement.

FIT (reads the settlement): the weight alpha of Microsoft for which asymmetric Nash on the
calibrated problem gives the settlement, projected onto the frontier as
``compare.settlement_position`` does (theory.md §5). alpha-hat falls with d_M and rises with
d_O, so it is reported over the disagreement-point range of ``compare.disagreement_box`` (its
curves), and its identified set over the disagreement points of the calibration draws, which occur
together (not the corners of a box of marginal ranges); where the settlement gives both parties a gain only part of that range
admits a weight at all. Beside it, the PREDICTED weight from the parties' rates (BRW: alpha =
r_O / (r_M + r_O), ``solve.microsoft_weight``): one rate per party, the same for both, so 1/2
over the whole range of ``discount_rate``.
Weights are computed by bisection on the closed-form batch Nash solution
(:func:`._case_views.implied_weights`); with ``engine_check`` the engine's
``compare.fit_implied_bargaining_power`` is run too and reported beside it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import numpy as np

from negotiation.cases.microsoft_openai import calibration, compare
from negotiation.cases.microsoft_openai.batch import family
from negotiation.cases.microsoft_openai.parameters import CALIBRATION_FILE
from negotiation.cases.microsoft_openai.space import CONTRACT_SPACE_FILE
from negotiation.cases.microsoft_openai.payoffs import conversion_loss
from negotiation.cases.microsoft_openai.solve import microsoft_weight
from negotiation.cases.microsoft_openai.threats import disagreement_payoffs
from negotiation.cases.microsoft_openai.experiments._case_views import add_legend, implied_weights, replicate
from negotiation.pipeline import Experiment, FigureSpec, Param, Progress, Results, SavedResults, Table
from negotiation.plots import new_figure, style_of

#: d_M values of the curves: low end, central, high end of the d-box.
D_M_CURVES = ("low", "central", "high")
ENGINE_FIT_DECIMALS = 4
"""Decimals kept of the engine cross-check's weights. Its Nash solves place a point only to the
flatness of the Nash product (about 1e-8 relative), and near the corners of the d-box, where the
weight is close to 0 or 1, that leaves it accurate to about 1e-5: at the central calibration the
root gives 3.9e-7 on one machine and 6.8e-7 on another for the lower bound, where the
first-order formula at the frontier's slope of -1 gives 8.2e-6 (g1 / (g1 + g2)). Four decimals
are beyond that error at every corner."""

SCHEMA = {
    "grid": Param(int, "d_O grid points of the implied-weight curve", default=24, low=3, high=400),
    "draws": Param(int, "calibration draws whose joint (d_M, d_O) the identified set ranges over", default=256,
                   low=2, high=20_000),
    "engine_check": Param(bool, "also run the engine's compare.fit_implied_bargaining_power (about 15-30 s)",
                          default=True),
}


def run(parameters: Mapping[str, Any], rng: np.random.Generator, progress: Progress) -> Results:
    """FIT of the implied weight over the d-box, and the BRW weight over the discount-rate range."""
    cal = calibration()
    p = cal.central()
    fam = family(p)
    d = fam.disagreement[0]
    progress.message("FIT: settlement position (compare.settlement_position, engine)")
    position = compare.settlement_position(p)
    agreement = position.projection
    (m_lo, m_hi), (o_lo, o_hi) = compare.disagreement_box()
    margin = compare.RATIONALITY_MARGIN * (1.0 + float(np.max(np.abs(agreement))))
    o_top = min(o_hi, float(agreement[1]) - margin)
    # the identified set ranges over the disagreement points that occur together (the draws' (d_M, d_O)),
    # not over the corners of a box of marginal ranges
    joint = np.column_stack(disagreement_payoffs(cal.sample(rng, parameters["draws"])))
    d_m = {"low": m_lo, "central": float(d[0]), "high": m_hi}
    grid = np.linspace(o_lo, o_top, parameters["grid"]) if o_top > o_lo else np.empty(0)
    points = np.array([[d_m[k], x] for k in D_M_CURVES for x in grid] + [list(c) for c in joint] + [list(d)])
    lo, hi = implied_weights(replicate(fam, points), agreement)
    progress.update("implied weights", 1, 1)
    alpha = 0.5 * (lo + hi)
    n = len(grid)
    curves = {k: alpha[i * n:(i + 1) * n] for i, k in enumerate(D_M_CURVES)}
    over_draws = alpha[3 * n:3 * n + len(joint)]
    defined = over_draws[~np.isnan(over_draws)]
    loss = float(conversion_loss(p))
    values: dict[str, Any] = {
        "fit_label": "FIT: uses the settlement of 2025-10-28",
        "agreement": agreement,
        "settlement_utilities": position.utilities,
        "projection_method": position.projection_method,
        "disagreement": d,
        "disagreement_box": [[m_lo, m_hi], [o_lo, o_hi]],
        "fit_implied_weight": {
            "central": None if np.isnan(alpha[-1]) else float(alpha[-1]),
            "identified_set": [float(defined.min()), float(defined.max())] if len(defined) else None,
            "draws_with_a_weight": float(len(defined) / len(joint)),
            "exists_for_d_O_below": float(agreement[1]),
            "exists_share_of_d_O_range": float(np.clip((agreement[1] - o_lo) / (o_hi - o_lo), 0.0, 1.0)),
            "rational_at_central": {"microsoft": bool(agreement[0] > d[0]), "openai": bool(agreement[1] > d[1])},
            "conversion_loss_needed": loss + float(d[1] - agreement[1]),
        },
        "curve": {"d_O": grid, **{f"alpha_{k}": [None if np.isnan(a) else float(a) for a in v] for k, v in curves.items()},
                  "d_M": [d_m[k] for k in D_M_CURVES]},
        "conversion_loss_central": loss,
        "brw_weight": _brw(cal),
    }
    if parameters["engine_check"]:
        progress.message("FIT: engine cross-check (compare.fit_implied_bargaining_power)")
        fit = compare.fit_implied_bargaining_power(p)
        values["engine_fit"] = {
            "point": _engine_digits(fit.point),
            "identified_set": None if fit.identified_set is None else [_engine_digits(fit.identified_set.lo),
                                                                       _engine_digits(fit.identified_set.hi)],
            "status": re.sub(r"-?\d+\.\d+(?:e[-+]?\d+)?", lambda m: f"{float(m.group()):.6g}", fit.status),
        }
    return Results(values=values, tables=_tables(values), macros=_macros(values))


def _engine_digits(weight: float | None) -> float | None:
    """The engine's weight to its accuracy, ``ENGINE_FIT_DECIMALS`` decimals (None stays None)."""
    return None if weight is None else round(float(weight), ENGINE_FIT_DECIMALS)


def _brw(cal: Any) -> dict[str, Any]:
    """PREDICTION: BRW weight alpha = r_O / (r_M + r_O) at central and at the ends of ``discount_rate``
    (one rate per party, the same for both: 1/2 throughout)."""
    spec = cal.specs["discount_rate"]
    ends = [microsoft_weight(cal.with_values(discount_rate=r)) for r in (spec.low, spec.high)]
    return {"central": microsoft_weight(cal.central()), "interval": [min(ends), max(ends)],
            "discount_rate_range": [spec.low, spec.high]}


def _fmt(x: float | None, spec: str = ".3f") -> str:
    return "--" if x is None else format(x, spec)


def _tables(values: Mapping[str, Any]) -> dict[str, Table]:
    fit, brw = values["fit_implied_weight"], values["brw_weight"]
    ident = fit["identified_set"] or [None, None]
    rows = [
        ("FIT: implied weight at central d", fit["central"], None, None),
        ("FIT: implied weight over the draws' d (identified set)", None, ident[0], ident[1]),
        ("Prediction: BRW weight (one rate per party)", brw["central"], *brw["interval"]),
    ]
    if "engine_fit" in values:
        e = values["engine_fit"]
        rows.append(("FIT (engine cross-check): identified set", e["point"], *(e["identified_set"] or [None, None])))
    return {"weights": Table(columns=("quantity", "point", "low", "high"), rows=tuple(rows),
                             headers=("Microsoft's bargaining weight $\\alpha$", "Point", "Low", "High"),
                             formats=("s", ".3f", ".3f", ".3f"))}


def _macros(values: Mapping[str, Any]) -> dict[str, str]:
    """FIT macros carry ``Fit`` in their names; BRW ones ``Brw``."""
    fit, brw = values["fit_implied_weight"], values["brw_weight"]
    ident = fit["identified_set"] or [None, None]
    engine = (values.get("engine_fit") or {}).get("identified_set") or [None, None]
    return {
        "FitEngineWeightLow": _fmt(engine[0]),
        "FitEngineWeightHigh": _fmt(engine[1]),
        "FitWeightCentral": _fmt(fit["central"]) if fit["central"] is not None else "undefined",
        "FitWeightLow": _fmt(ident[0]),
        "FitWeightHigh": _fmt(ident[1]),
        "FitExistsBelowDO": f"{fit['exists_for_d_O_below']:.1f}",
        "FitExistsShare": f"{100 * fit['exists_share_of_d_O_range']:.0f}",
        "FitDrawsWithWeight": f"{100 * fit['draws_with_a_weight']:.0f}",
        "FitConversionLossNeeded": f"{fit['conversion_loss_needed']:.1f}",
        "FitSettlementGainO": f"{values['agreement'][1] - values['disagreement'][1]:.1f}",
        "ConversionLossCentral": f"{values['conversion_loss_central']:.1f}",
        "DisagreementUO": f"{values['disagreement'][1]:.1f}",
        "DORangeLow": f"{values['disagreement_box'][1][0]:.1f}",
        "DORangeHigh": f"{values['disagreement_box'][1][1]:.1f}",
        "BrwWeight": f"{brw['central']:.3f}",
        "BrwWeightLow": f"{brw['interval'][0]:.3f}",
        "BrwWeightHigh": f"{brw['interval'][1]:.3f}",
    }


def weight_figure(saved: SavedResults) -> Any:
    """FIT: implied weight vs d_O for three d_M, with the BRW band and where no weight exists."""
    v = saved.values
    c, brw = v["curve"], v["brw_weight"]
    d, box = np.array(v["disagreement"]), v["disagreement_box"]
    fig, ax = new_figure("single", aspect=0.85)
    ax.axhspan(*brw["interval"], color=style_of("asymmetric_nash").color, alpha=0.25, linewidth=0,
               label="BRW weight $r_O/(r_M+r_O)$, range")
    ax.axhline(brw["central"], color=style_of("asymmetric_nash").color, linewidth=1.0, label="BRW weight, central")
    styles = {"low": ":", "central": "-", "high": "--"}
    for k, d_m in zip(D_M_CURVES, c["d_M"]):
        ax.plot(c["d_O"], np.array(c[f"alpha_{k}"], dtype=float), color="black", linestyle=styles[k], linewidth=1.1,
                label=f"FIT $\\hat\\alpha$, $d_M$ = {d_m:.0f} ({k})")
    ax.axvspan(v["fit_implied_weight"]["exists_for_d_O_below"], box[1][1], color="#E0E0E0", linewidth=0,
               label="No weight: settlement below $d_O$")
    ax.axvline(d[1], color=style_of("status_quo").color, linewidth=0.8, linestyle="--", label="Central $d_O$")
    ax.set_xlim(*box[1])
    ax.set_ylim(0.4, 1.02)
    ax.set_xlabel(r"OpenAI's disagreement payoff $d_O$ (\$B)")
    ax.set_ylabel(r"Microsoft's weight $\alpha$")
    shift = v["conversion_loss_central"] + d[1]
    top = ax.secondary_xaxis("top", functions=(lambda x: shift - x, lambda y: shift - y))
    top.set_xlabel(r"OpenAI's conversion loss (\$B)")
    add_legend(fig, ax, ncol=2)
    return fig


EXPERIMENT = Experiment(
    kind="bargaining_power",
    description="FIT: Microsoft's bargaining weight implied by the settlement over the d-range, beside the BRW weight.",
    role="fit",
    schema=SCHEMA,
    run=run,
    figures=(
        FigureSpec(
            "implied-weight", weight_figure,
            "FIT (uses the settlement): Microsoft's weight $\\hat\\alpha$ for which asymmetric Nash gives the "
            "settlement (projected onto the frontier), against OpenAI's disagreement payoff $d_O$ (top axis: the "
            "conversion loss that moves $d_O$), for $d_M$ at the low, central and high end of its range. Shaded "
            "grey: $d_O$ above the settlement's $u_O$, where no weight exists (this includes the central $d_O$). "
            "Band: the predicted BRW weight $r_O/(r_M+r_O)$ with one rate per party "
            "(\\BargainingPowerBrwWeightLow--\\BargainingPowerBrwWeightHigh).",
        ),
    ),
    data_files=(CALIBRATION_FILE, CONTRACT_SPACE_FILE, compare.SETTLEMENT_FILE),
)
