"""Experiment ``revealed_preference``: what the pre-MOU positions reveal about the calibration.

Each party's own offer, put on the table before the MOU (OpenAI's of 2025-06-30 [R26],
Microsoft's of 2025-07-29 [R29]), is taken to be at least as good for it as its disagreement
payoff (:func:`.revealed.admissible`):

    u_O(x_O) >= d_O   and   u_M(x_M) >= d_M,

inequality restrictions on the prior in the spirit of moment inequalities (Pakes, Porter, Ho &
Ishii 2015). The experiment reports the admissible share of the prior, each side's share alone,
every parameter's prior and admissible 5-50-95 % quantiles with a Kolmogorov-Smirnov test of
whether the restriction binds on it (Bonferroni-corrected), and every concept's prediction over
the admissible draws beside the unrestricted one (:func:`.revealed.report`). A PREDICTION: only
pre-MOU facts are read, never the settlement.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from negotiation.cases.microsoft_openai import CONCEPTS, calibration
from negotiation.cases.microsoft_openai.parameters import CALIBRATION_FILE
from negotiation.cases.microsoft_openai.positions import POSITIONS_FILE
from negotiation.cases.microsoft_openai.revealed import QUANTILES, RevealedReport, report
from negotiation.cases.microsoft_openai.space import CONTINUOUS_TERMS, CONTRACT_SPACE_FILE, DISCRETE_TERMS
from negotiation.plots import latex_label
from negotiation.pipeline import Experiment, FigureSpec, Param, Progress, Results, SavedResults, Table
from negotiation.pipeline.latex import camel_case, escape
from negotiation.plots import OKABE_ITO, new_figure, style_of
from negotiation.plots.style import GREY

SCHEMA = {
    "draws": Param(int, "prior draws of the calibration", default=2000, low=10, high=100_000),
}

SIDES = ("openai", "microsoft")
#: The continuous terms drawn in the figure, with their axis labels.
FIGURE_TERMS = {"equity": "Microsoft's equity", "revenue_share": "Revenue share"}
SET_COLOURS = {"all": GREY, "admissible": OKABE_ITO["blue"]}
SET_LABELS = {"all": "Prior (all draws)", "admissible": "Admissible draws"}


def run(parameters: Mapping[str, Any], rng: np.random.Generator, progress: Progress) -> Results:
    """The restriction on ``draws`` prior draws: shares, parameter ranges, predictions with and without it."""
    progress.update("prior draws solved by every concept", 0, 1)
    result = report(calibration(), rng, parameters["draws"], CONCEPTS)
    progress.update("prior draws solved by every concept", 1, 1)
    values = as_values(result)
    return Results(values=values, tables=tables(values), macros=macros(values))


def as_values(result: RevealedReport) -> dict[str, Any]:
    """The report as plain JSON values."""
    return {
        "draws": result.draws,
        "share": result.share,
        "side_shares": dict(result.side_shares),
        "quantiles": list(QUANTILES),
        "ranges": [{"name": r.name, "prior": list(r.prior), "admissible": list(r.admissible), "shrink": r.shrink,
                    "p_value": r.p_value, "binds": r.binds} for r in result.ranges],
        "predictions": {c: {k: {t: (list(v) if isinstance(v, tuple) else v) for t, v in summary.items()}
                            for k, summary in by_set.items()} for c, by_set in result.predictions.items()},
    }


def _interval(q: list[float], scale: float = 1.0) -> str:
    return "--" if np.isnan(q[1]) else f"{scale * q[1]:.1f} [{scale * q[0]:.1f}, {scale * q[2]:.1f}]"


def tables(values: Mapping[str, Any]) -> dict[str, Table]:
    """``shares``; ``ranges`` (every varying parameter; the paper prints the binding ones, ``binding``);
    ``predictions`` (each concept's continuous terms, median [5 %, 95 %], and modal discrete terms)."""
    shares = Table(
        columns=("restriction", "share"),
        rows=(("OpenAI's own offer at least as good as d_O", values["side_shares"]["openai"]),
              ("Microsoft's own offer at least as good as d_M", values["side_shares"]["microsoft"]),
              ("Both (admissible)", values["share"])),
        headers=("Restriction", "Share of prior draws"), formats=("s", ".3f"))
    range_columns = ("parameter", "prior_q05", "prior_q50", "prior_q95", "admissible_q05", "admissible_q50",
                     "admissible_q95", "shrink", "p_value", "binds")
    range_rows = [(r["name"], *r["prior"], *r["admissible"], r["shrink"], r["p_value"], "yes" if r["binds"] else "no")
                  for r in values["ranges"]]
    ranges = Table(columns=range_columns, rows=tuple(range_rows))
    binding = Table(
        columns=("parameter", "prior", "admissible", "shrink", "p_value"),
        rows=tuple((r["name"], f"{r['prior'][1]:.3g} [{r['prior'][0]:.3g}, {r['prior'][2]:.3g}]",
                    f"{r['admissible'][1]:.3g} [{r['admissible'][0]:.3g}, {r['admissible'][2]:.3g}]",
                    r["shrink"], r["p_value"]) for r in values["ranges"] if r["binds"]),
        headers=("Parameter", "Prior: median [5\\%, 95\\%]", "Admissible: median [5\\%, 95\\%]",
                 "Shrink of the 90\\% range", "KS $p$"),
        formats=("s", "s", "s", ".2f", ".1e"))
    prediction_rows = []
    for c in CONCEPTS:
        for key in ("all", "admissible"):
            s = values["predictions"][c][key]
            prediction_rows.append((latex_label(c), SET_LABELS[key], s["draws"], _interval(s["equity"], 100),
                                    _interval(s["revenue_share"], 100), _interval(s["azure_commitment"]),
                                    *(s[t] or "--" for t in DISCRETE_TERMS)))
    predictions = Table(
        columns=("concept", "draws_used", "draws", *CONTINUOUS_TERMS, *DISCRETE_TERMS),
        rows=tuple(prediction_rows),
        headers=("Concept", "Draws used", "$n$", "Equity (\\%)", "Revenue share (\\%)", "Azure (\\$B)",
                 *(escape(t) for t in DISCRETE_TERMS)),
        formats=("s", "s", "d", "s", "s", "s", *("s",) * len(DISCRETE_TERMS)))
    return {"shares": shares, "ranges": ranges, "binding": binding, "predictions": predictions}


def macros(values: Mapping[str, Any]) -> dict[str, str]:
    """Shares (percent), the binding parameters, each concept's median equity with and without the restriction."""
    binding = [r for r in values["ranges"] if r["binds"]]
    out = {"Draws": str(values["draws"]), "AdmissibleShare": f"{100 * values['share']:.0f}",
           "OpenaiShare": f"{100 * values['side_shares']['openai']:.0f}",
           "MicrosoftShare": f"{100 * values['side_shares']['microsoft']:.0f}",
           "BindingCount": str(len(binding)), "VaryingCount": str(len(values["ranges"])),
           "Binding": ", ".join(f"\\texttt{{{escape(r['name'])}}}" for r in binding) or "none"}
    for c in CONCEPTS:
        for key in ("all", "admissible"):
            q = values["predictions"][c][key]["equity"]
            out[f"{camel_case(c)}Equity{camel_case(key)}"] = "--" if np.isnan(q[1]) else f"{100 * q[1]:.1f}"
    return out


def predictions_figure(saved: SavedResults) -> Any:
    """Each concept's median and 90 % interval of equity and revenue share, prior against admissible draws."""
    v = saved.values
    fig, axes = new_figure("double", aspect=0.42, ncols=len(FIGURE_TERMS))
    y = np.arange(len(CONCEPTS))
    for ax, (term, label) in zip(np.atleast_1d(axes), FIGURE_TERMS.items()):
        for offset, key in ((-0.15, "all"), (0.15, "admissible")):
            q = np.array([v["predictions"][c][key][term] for c in CONCEPTS], dtype=float)
            ax.errorbar(q[:, 1], y + offset, xerr=[q[:, 1] - q[:, 0], q[:, 2] - q[:, 1]], linestyle="none",
                        marker="o", markersize=3, color=SET_COLOURS[key], elinewidth=0.8, capsize=1.5,
                        label=SET_LABELS[key])
        ax.set_yticks(y, [style_of(c).label for c in CONCEPTS])
        ax.invert_yaxis()
        ax.set_xlabel(label)
    np.atleast_1d(axes)[0].legend(fontsize=6, frameon=False, loc="lower right")
    return fig


EXPERIMENT = Experiment(
    kind="revealed_preference",
    description="Revealed preference: each side's own pre-MOU offer at least as good for it as d; the admissible "
                "share of the prior, binding parameters, predictions with and without the restriction.",
    schema=SCHEMA,
    run=run,
    figures=(FigureSpec(
        "predictions", predictions_figure,
        "Each concept's predicted equity and revenue share (representative contracts): median and 90\\% interval "
        "over all prior draws (grey) and over the draws under which each side's own pre-MOU offer is at least as "
        "good for it as its disagreement payoff (blue). Only pre-MOU facts are read.", width="double"),),
    data_files=(CALIBRATION_FILE, CONTRACT_SPACE_FILE, POSITIONS_FILE),
)
