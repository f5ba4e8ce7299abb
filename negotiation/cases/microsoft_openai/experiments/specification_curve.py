"""Experiment ``specification_curve``: every declared specification, solved by every concept (COMPARISON).

A specification curve (Simonsohn, Simmons & Nelson 2020, *Nature Human Behaviour* 4, 1208-1214)
reports the result under every defensible combination of modelling choices, declared before the
results (``experiments/specification_curve.toml``, whose first commit precedes its results'). A
specification is one option of each choice, the full factorial. Its calibration is the case's
with the chosen reads held fixed (:func:`overrides`: low = central = high, through
:func:`.parameters.apply_overrides`), and it is solved on common random numbers: the same prior
draws for every specification, with the chosen fields replaced (:func:`specification_draws`).

For each specification and concept: the predictive distribution of equity over the draws
(median and 90 % interval of the representative), the proper score of the optimal sets
(:func:`.score.set_samples`, :func:`.score.skill`: skill over a random contract), the admissible
share under the revealed-preference restriction (:func:`.revealed.admissible`), and whether the
median equity lies within ``equity_band`` of the settled stake. The restriction keeps the
admissible draws of the same solve, so it costs no extra solving.

Risk. A CARA specification (coefficient rho for both parties) values every payoff through
phi(x) = (1 - exp(-rho x)) / rho, as :func:`.solve.predict` does with ``risk_aversion``: contracts,
the disagreement point, threat payoffs and outside options. phi is increasing, so the Pareto set is
the risk-neutral one and only each concept's point on it moves; the batch path solves it in
utility on the same candidate segments (:mod:`negotiation.transformed_batch`,
:func:`.batch_cara.predict_all_batch_risks`, equal to the engine to 1e-8 in utilities). Every
specification, risk-neutral or CARA, is solved; the model, threat game and pruned candidates of a
specification's draws are computed once and shared by its risk aversions, and the sets of draws
are solved on WORKERS processes.
"""

from __future__ import annotations

import dataclasses
import itertools
import os
from collections.abc import Mapping
from concurrent.futures import ProcessPoolExecutor
from contextlib import nullcontext
from functools import partial
from typing import Any

import numpy as np

from negotiation.cases.microsoft_openai import CONCEPTS, calibration, compare, score
from negotiation.cases.microsoft_openai.batch_cara import predict_all_batch_risks
from negotiation.cases.microsoft_openai.contract_set import take
from negotiation.cases.microsoft_openai.parameters import CALIBRATION_FILE, Parameters, apply_overrides
from negotiation.cases.microsoft_openai.positions import POSITIONS_FILE
from negotiation.cases.microsoft_openai.revealed import admissible
from negotiation.cases.microsoft_openai.space import CONTRACT_SPACE_FILE
from negotiation.plots import latex_label
from negotiation.pipeline import Experiment, FigureSpec, Param, Progress, Results, SavedResults, Table
from negotiation.plots import OKABE_ITO, new_figure, style_of

SCHEMA = {
    "draws": Param(int, "prior draws per specification (common random numbers)", default=200, low=2, high=20_000),
    "valuation_reads": Param(list, "valuation_post_money reads ($B)", default=[300.0, 500.0], item=float, low=1.0),
    "profit_cap_reads": Param(list, "reading of the $92B cap", default=["profit", "revenue"], item=str,
                              choices=("profit", "revenue")),
    "softbank_reads": Param(list, "softbank_at_risk reads ($B)", default=[10.0, 20.0], item=float, low=0.0),
    "risk_aversions": Param(list, "CARA coefficients (1/$B); 0 is risk neutral", default=[0.0, 0.002], item=float,
                            low=0.0),
    "restrictions": Param(list, "prior restrictions", default=["none", "revealed_preference"], item=str,
                          choices=("none", "revealed_preference")),
    "disagreements": Param(list, "disagreement point", default=["no_deal_equilibrium", "comply"], item=str,
                           choices=("no_deal_equilibrium", "comply")),
    "price_bases": Param(list, "what the round's price conditions on", default=["terms_in_force", "expected_deal"],
                         item=str, choices=("terms_in_force", "expected_deal")),
    "equity_band": Param(float, "half-width of the band around the settled equity", default=0.03, low=0.0, high=0.5),
}

#: The choices in the order of the declaration file, and the parameter each one names.
CHOICES = ("valuation_reads", "profit_cap_reads", "softbank_reads", "risk_aversions", "restrictions",
           "disagreements", "price_bases")
#: The calibration switch behind each categorical option (a declared modelling choice, kind "switch").
SWITCHES = {"profit_cap_reads": ("profit_cap_on_revenue", {"profit": 0.0, "revenue": 1.0}),
            "disagreements": ("disagreement_from_equilibrium", {"no_deal_equilibrium": 1.0, "comply": 0.0}),
            "price_bases": ("price_on_expected_deal", {"terms_in_force": 0.0, "expected_deal": 1.0})}
#: The calibration parameter a numeric read fixes.
READS = {"valuation_reads": "valuation_post_money", "softbank_reads": "softbank_at_risk"}
QUANTILES = (0.05, 0.5, 0.95)
WORKERS = min(2, os.cpu_count() or 1)
"""Processes solving the sets of draws (each is solved on its own, so the results do not depend on it)."""


def specifications(parameters: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The full factorial of the declared options: one dict ``{choice: option}`` per specification."""
    return [dict(zip(CHOICES, options)) for options in itertools.product(*(parameters[c] for c in CHOICES))]


def overrides(spec: Mapping[str, Any]) -> dict[str, dict[str, float]]:
    """The calibration overrides of a specification: each read or switch held at its option (low = central = high)."""
    fixed = {READS[c]: float(spec[c]) for c in READS}
    fixed |= {name: values[spec[c]] for c, (name, values) in SWITCHES.items()}
    return {name: {"low": value, "central": value, "high": value} for name, value in fixed.items()}


def specification_draws(prior: Parameters, spec: Mapping[str, Any]) -> Parameters:
    """The prior draws with the specification's fields replaced (common random numbers across specifications).

    The variant calibration is built and validated (:func:`.parameters.apply_overrides`) so that a
    declared option outside its allowed range fails with the parameter named.
    """
    fixed = overrides(spec)
    apply_overrides(calibration(), fixed)
    n = len(np.atleast_1d(prior.discount_rate))
    return dataclasses.replace(prior, **{name: np.full(n, f["central"]) for name, f in fixed.items()})


def _quantiles(x: np.ndarray) -> list[float] | None:
    x = x[~np.isnan(x)]
    return [float(q) for q in np.quantile(x, QUANTILES)] if len(x) else None


def _solve(p: Parameters, solved: Mapping[str, Any], actual: Mapping[str, Any]) -> dict[str, Any]:
    """All concepts' predictions ``solved`` on the draws ``p``, unrestricted and restricted to the admissible draws."""
    keep = admissible(p)
    out: dict[str, Any] = {"admissible_share": float(np.mean(keep))}
    for restriction, mask in (("none", np.ones_like(keep)), ("revealed_preference", keep)):
        rows = {}
        for c in CONCEPTS:
            b = solved[c]
            use = mask & ~b.infeasible
            if not use.any():
                rows[c] = {"equity": None, "skill": None}
                continue
            samples, weights = score.set_samples(take(b.sets, use))
            rows[c] = {"equity": _quantiles(np.asarray(b.contract["equity"], dtype=float)[use]),
                       "skill": score.skill(samples, actual, weights=weights)["total"]}
        out[restriction] = {"draws": int(mask.sum()), "concepts": rows}
    return out


def _solve_key(prior: Parameters, risks: tuple[float, ...], actual: Mapping[str, Any], key: tuple) -> dict[float, Any]:
    """One set of draws (the choices ``key``): every risk aversion's predictions, summarised by :func:`_solve`."""
    p = specification_draws(prior, dict(key))
    return {rho: _solve(p, solved, actual) for rho, solved in predict_all_batch_risks(p, CONCEPTS, risks).items()}


def run(parameters: Mapping[str, Any], rng: np.random.Generator, progress: Progress) -> Results:
    """Every specification: the solves it needs (all risk aversions of one set of draws at once; the
    restriction reuses them), then the curve."""
    actual = compare.settlement()
    prior = calibration().sample(rng, parameters["draws"])
    specs = specifications(parameters)
    risks = tuple(dict.fromkeys(float(r) for r in parameters["risk_aversions"]))
    solves: dict[tuple, dict[str, Any]] = {}
    keys = sorted({tuple((c, s[c]) for c in CHOICES if c not in ("restrictions", "risk_aversions")) for s in specs})
    work = partial(_solve_key, prior, risks, dict(actual))
    with ProcessPoolExecutor(WORKERS) if WORKERS > 1 else nullcontext() as pool:
        for i, (key, by_risk) in enumerate(zip(keys, map(work, keys) if pool is None else pool.map(work, keys)), 1):
            solves |= {key + (("risk_aversions", rho),): result for rho, result in by_risk.items()}
            progress.update("specifications solved", i, len(keys))
    target, band = float(actual["equity"]), parameters["equity_band"]
    records = []
    for number, spec in enumerate(specs):
        key = tuple((c, spec[c]) for c in CHOICES if c not in ("restrictions", "risk_aversions"))
        key += (("risk_aversions", float(spec["risk_aversions"])),)
        solved = True
        result = solves[key][spec["restrictions"]]
        concepts = {} if result is None else result["concepts"]
        records.append({
            "number": number, "choices": spec, "solved": solved,
            "admissible_share": solves[key]["admissible_share"],
            "draws": None if result is None else result["draws"],
            "concepts": concepts,
            "within_band": {c: (None if not solved or concepts[c]["equity"] is None
                                else bool(abs(concepts[c]["equity"][1] - target) <= band)) for c in CONCEPTS},
        })
    values = {"specifications": records, "settled_equity": target, "equity_band": band, "draws": parameters["draws"],
              "choices": {c: list(parameters[c]) for c in CHOICES}}
    return Results(values=values, tables=_tables(values), macros=_macros(values))


def _label(choice: str, option: Any) -> str:
    return f"{option:g}" if isinstance(option, float) else str(option).replace("_", " ")


def _tables(values: Mapping[str, Any]) -> dict[str, Table]:
    """``curve``: every specification, its options, admissible share and each concept's median equity and skill."""
    rows = []
    for r in values["specifications"]:
        cells: list[Any] = [r["number"], *(_label(c, r["choices"][c]) for c in CHOICES), r["admissible_share"],
                            "yes" if r["solved"] else "no"]
        for c in CONCEPTS:
            q = r["concepts"].get(c, {}).get("equity") if r["solved"] else None
            cells += [None if q is None else q[1], r["concepts"][c]["skill"] if r["solved"] else None]
        rows.append(tuple(cells))
    columns = ("specification", *CHOICES, "admissible_share", "solved",
               *itertools.chain.from_iterable((f"{c}_equity", f"{c}_skill") for c in CONCEPTS))
    curve = Table(columns=columns, rows=tuple(rows))
    summary_rows = []
    for c in CONCEPTS:
        solved = [r for r in values["specifications"] if r["solved"] and r["concepts"][c]["equity"] is not None]
        medians = np.array([r["concepts"][c]["equity"][1] for r in solved])
        skills = np.array([r["concepts"][c]["skill"] for r in solved])
        summary_rows.append((latex_label(c), len(solved), sum(bool(r["within_band"][c]) for r in solved),
                             float(medians.min()), float(medians.max()), float(np.mean(skills > 0.0))))
    summary = Table(
        columns=("concept", "specifications_solved", "within_band", "equity_min", "equity_max", "share_beating_random"),
        rows=tuple(summary_rows),
        headers=("Concept", "Specifications solved", "Equity within band", "Median equity, min", "Median equity, max",
                 "Share with skill $>0$"),
        formats=("s", "d", "d", ".3f", ".3f", ".2f"),
    )
    return {"curve": curve, "summary": summary}


def _macros(values: Mapping[str, Any]) -> dict[str, str]:
    specs = values["specifications"]
    solved = [r for r in specs if r["solved"]]
    nash = [r for r in solved if r["concepts"]["nash"]["equity"] is not None]
    within = sum(bool(r["within_band"]["nash"]) for r in nash)
    any_within = sum(any(bool(v) for v in r["within_band"].values()) for r in solved)
    shares = [r["admissible_share"] for r in specs]
    unrestricted = [r for r in nash if r["choices"]["restrictions"] == "none"]
    by_cap = {read: [r["admissible_share"] for r in specs if r["choices"]["profit_cap_reads"] == read]
              for read in values["choices"]["profit_cap_reads"]}
    return {
        "NashWithinBandUnrestricted": str(sum(bool(r["within_band"]["nash"]) for r in unrestricted)),
        "NashEquityMaxUnrestricted": f"{100 * max(r['concepts']['nash']['equity'][1] for r in unrestricted):.1f}",
        "AdmissibleShareMaxProfitCap": f"{100 * max(by_cap.get('profit', [float('nan')])):.0f}",
        "AdmissibleShareMaxRevenueCap": f"{100 * max(by_cap.get('revenue', [float('nan')])):.0f}",
        "Specifications": str(len(specs)), "Solved": str(len(solved)), "Unsolved": str(len(specs) - len(solved)),
        "NashWithinBand": str(within), "NashSolved": str(len(nash)), "AnyWithinBand": str(any_within),
        "Band": f"{100 * values['equity_band']:.0f}", "SettledEquity": f"{100 * values['settled_equity']:.0f}",
        "NashEquityMin": f"{100 * min(r['concepts']['nash']['equity'][1] for r in nash):.1f}",
        "NashEquityMax": f"{100 * max(r['concepts']['nash']['equity'][1] for r in nash):.1f}",
        "NashBeatsRandom": str(sum(r["concepts"]["nash"]["skill"] > 0.0 for r in nash)),
        "AdmissibleShareMin": f"{100 * min(shares):.0f}", "AdmissibleShareMax": f"{100 * max(shares):.0f}",
        "Draws": str(values["draws"]),
    }


def curve_figure(saved: SavedResults) -> Any:
    """Simonsohn-Simmons-Nelson layout: Nash's equity (90 % band) and skill by specification, sorted by
    equity, the other concepts as small markers; below, a dot matrix of each specification's options."""
    v = saved.values
    solved = [r for r in v["specifications"] if r["solved"] and r["concepts"]["nash"]["equity"] is not None]
    solved.sort(key=lambda r: r["concepts"]["nash"]["equity"][1])
    x = np.arange(len(solved))
    fig, axes = new_figure("double", aspect=0.9, nrows=3)
    top, middle, bottom = axes
    low, mid, high = (np.array([r["concepts"]["nash"]["equity"][k] for r in solved]) for k in range(3))
    top.fill_between(x, low, high, color=style_of("nash").color, alpha=0.18, linewidth=0, label="Nash, 90% of draws")
    for c in CONCEPTS:
        if c == "nash":
            continue
        y = [r["concepts"][c]["equity"][1] if r["concepts"][c]["equity"] else np.nan for r in solved]
        top.plot(x, y, linestyle="none", marker=style_of(c).marker, markersize=2.5, color=style_of(c).color,
                 label=style_of(c).label)
    top.plot(x, mid, color=style_of("nash").color, marker="o", markersize=3, linewidth=0.8, label="Nash, median")
    top.axhspan(v["settled_equity"] - v["equity_band"], v["settled_equity"] + v["equity_band"], color="#DDDDDD",
                linewidth=0, zorder=0, label="Settled equity $\\pm$ band (comparison)")
    top.set_ylabel("Microsoft's equity")
    top.legend(fontsize=6, ncol=4, loc="upper left", frameon=False)
    skill = [r["concepts"]["nash"]["skill"] for r in solved]
    middle.plot(x, skill, color=style_of("nash").color, marker="o", markersize=3, linewidth=0.8)
    middle.axhline(0.0, color="black", linewidth=0.6)
    middle.set_ylabel("Skill vs random\n(Nash, sets)")
    rows = [(c, o) for c in CHOICES for o in v["choices"][c]]
    for j, (c, o) in enumerate(rows):
        on = [i for i, r in enumerate(solved) if r["choices"][c] == o]
        bottom.plot(on, [j] * len(on), linestyle="none", marker="s", markersize=2.2, color=OKABE_ITO["black"])
    bottom.set_yticks(range(len(rows)), [f"{c.replace('_reads', '').replace('_', ' ')}: {_label(c, o)}" for c, o in rows],
                      fontsize=6)
    bottom.invert_yaxis()
    bottom.set_xlabel("Specification (risk-neutral and CARA), sorted by Nash's median equity")
    for ax in axes:
        ax.set_xlim(-0.5, len(solved) - 0.5)
    return fig


EXPERIMENT = Experiment(
    kind="specification_curve",
    description="COMPARISON: every declared specification (2^7) solved by all seven concepts; equity and the "
                "proper score, sorted, choices marked below.",
    schema=SCHEMA,
    run=run,
    figures=(FigureSpec(
        "curve", curve_figure,
        "Specification curve (comparison: the band marks the settled equity). Top: Nash's median equity over the "
        "prior draws (line) with its 90\\% band, and the other concepts' medians (markers), for every "
        "specification (risk-neutral and CARA), sorted. Middle: the proper-score skill of Nash's optimal sets "
        "over a random contract. Bottom: the options of each specification.", width="double"),),
    data_files=(CALIBRATION_FILE, CONTRACT_SPACE_FILE, POSITIONS_FILE, compare.SETTLEMENT_FILE),
    role="comparison",
)
