"""Experiment ``fit`` (FIT: reads the actual outcome): a case's free parameters fitted to its actual contract.

Generic: the case comes from the configuration. The free parameters (``free``) are fitted so that
``concept``'s prediction reproduces the actual outcome on the terms the concept pins
(:func:`negotiation.kit.fit.fit`): the estimate, the identified set (the values that reproduce it,
empty for a miss), and the interval of the estimate over draws of the other parameters. The search
box defaults to each parameter's calibration range; ``low`` / ``high`` widen it, and the table
reports whether the estimate lies inside the prior range. A fit is labelled as such wherever it is
reported, and a prediction may use it only as a labelled fit.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from negotiation.kit.case import Case
from negotiation.kit.fit import IDENTIFIED_LOSS, fit
from negotiation.pipeline import Experiment, FigureSpec, Param, Results, Table
from negotiation.pipeline.latex import escape
from negotiation.pipeline.schema import ConfigError
from negotiation.plots import new_figure, style_of

#: Smallest loss drawn on the log axis (a grid point that hits the outcome exactly is drawn there).
FLOOR = 1e-12

SCHEMA = {
    "concept": Param(str, "the concept whose prediction is fitted", default="nash"),
    "free": Param(list, "calibration parameters to fit (one or two)", item=str),
    "low": Param(list, "lower ends of the search box, one per free parameter (default: the calibration's)", item=float,
                 default=[]),
    "high": Param(list, "upper ends of the search box, one per free parameter (default: the calibration's)", item=float,
                  default=[]),
    "points": Param(int, "grid points per free parameter", default=21, low=3),
    "nuisance_draws": Param(int, "draws of the other parameters for the estimate's interval", default=20, low=0),
}


def _box(parameters: Mapping[str, Any]) -> dict[str, tuple[float, float]] | None:
    free, low, high = parameters["free"], parameters["low"], parameters["high"]
    if not low and not high:
        return None
    if len(low) != len(free) or len(high) != len(free):
        raise ConfigError(f"[parameters] low and high must give one value per free parameter ({len(free)}), "
                          f"got {len(low)} and {len(high)}")
    return {n: (lo, hi) for n, lo, hi in zip(free, low, high)}


def run(parameters: Mapping[str, Any], rng: np.random.Generator, progress: Any, case: Case) -> Results:
    """FIT: reads the actual outcome."""
    if parameters["concept"] not in case.concepts:
        raise ConfigError(f"[parameters] concept must be one of {list(case.concepts)}, got {parameters['concept']!r}")
    actual = case.actual_outcome()["terms"]
    try:
        result = fit(case, parameters["concept"], parameters["free"], actual, bounds=_box(parameters),
                     points=parameters["points"], nuisance_draws=parameters["nuisance_draws"], rng=rng, progress=progress)
    except ValueError as error:
        raise ConfigError(f"[parameters]: {error}") from None
    specs = case.calibration().specs
    rows, macros = [], {}
    for name, value in result.estimate.items():
        spec, found, spread = specs[name], result.identified[name], result.nuisance[name]
        rows.append((name, spec.unit, spec.low, spec.high, value, "yes" if spec.low <= value <= spec.high else "no",
                     *(found or (None, None)), *(spread or (None, None))))
        key = "".join(w.capitalize() for w in name.split("_"))
        macros[f"{key}Estimate"] = f"{value:.3g}"
        macros[f"{key}InPrior"] = "inside" if spec.low <= value <= spec.high else "outside"
        macros[f"{key}PriorLow"], macros[f"{key}PriorHigh"] = f"{spec.low:.3g}", f"{spec.high:.3g}"
        macros[f"{key}SearchLow"], macros[f"{key}SearchHigh"] = (f"{b:.3g}" for b in result.bounds[name])
        if found:
            macros[f"{key}IdentifiedLow"], macros[f"{key}IdentifiedHigh"] = f"{found[0]:.3g}", f"{found[1]:.3g}"
        if spread:
            macros[f"{key}OthersLow"], macros[f"{key}OthersHigh"] = f"{spread[0]:.3g}", f"{spread[1]:.3g}"
    fitted = [(term, str(result.contract[term]), str(actual[term])) for term in result.terms]
    macros["Loss"] = f"{result.loss:.2g}"
    macros["Reproduced"] = "yes" if result.loss <= 1e-6 else "no"
    return Results(
        values={"concept": result.concept, "estimate": dict(result.estimate), "loss": result.loss,
                "grid": result.grid.tolist(), "grid_loss": result.grid_loss.tolist(),
                "bounds": {n: list(b) for n, b in result.bounds.items()},
                "prior": {n: [specs[n].low, specs[n].central, specs[n].high] for n in result.estimate}},
        tables={
            "estimates": Table(
                columns=("parameter", "unit", "prior_low", "prior_high", "estimate", "in_prior", "identified_low",
                         "identified_high", "others_q05", "others_q95"),
                rows=tuple(rows),
                headers=("Parameter", "Unit", "Prior low", "Prior high", "Estimate", "In prior", "Identified low",
                         "Identified high", "5\\%, others drawn", "95\\%, others drawn"),
                formats=("s", "s", ".4g", ".4g", ".4g", "s", ".4g", ".4g", ".4g", ".4g")),
            "fitted": Table(columns=("term", "fitted", "actual"), rows=tuple(fitted),
                            headers=("Term", f"Fitted {escape(style_of(result.concept).label)}", "Actual"),
                            formats=("s", "s", "s")),
        },
        macros=macros,
    )


def loss_profile(saved: Any) -> Any:
    """The fit's loss over the grid of the first free parameter, with the prior range shaded."""
    v = saved.values
    name = next(iter(v["estimate"]))
    grid, loss = np.asarray(v["grid"])[:, 0], np.maximum(np.asarray(v["grid_loss"]), FLOOR)
    fig, ax = new_figure("single")
    low, _, high = v["prior"][name]
    ax.axvspan(low, high, color="0.9", label="Prior range")
    ax.plot(grid, loss, color=style_of(v["concept"]).color, marker="o", markersize=3, lw=1.0, label="Loss on the grid")
    ax.axvline(v["estimate"][name], color="0.3", ls="--", lw=0.8, label="Estimate")
    ax.set_yscale("log")
    ax.set_ylim(bottom=max(FLOOR, float(loss.min()) / 10))
    ax.axhline(IDENTIFIED_LOSS, color="0.5", ls=":", lw=0.8, label="Reproduces the outcome below")
    ax.set_xlabel(name.replace("_", " "))
    ax.set_ylabel("Loss (mean squared error, box units)")
    ax.legend(fontsize="x-small", frameon=False)
    return fig


EXPERIMENT = Experiment(
    kind="fit",
    description="FIT: a case's free parameters fitted so that a concept reproduces the actual outcome (estimate, "
                "identified set, interval over the other inputs).",
    schema=SCHEMA,
    run=run,
    figures=(FigureSpec("loss-profile", loss_profile,
                        "FIT: the loss of the fitted concept's prediction against the actual outcome over the grid "
                        "of the first free parameter, the others central; the prior range is shaded."),),
    role="fit",
    uses_case=True,
)
