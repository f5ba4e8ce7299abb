"""Experiment ``amendment_2026``: a second observation, the April 2026 amendment, predicted term by term.

The 2026 case (:mod:`negotiation.cases.microsoft_openai_2026`) takes the October 2025 contract as
the status quo and predicts the five terms the amendment of 27 April 2026 fixed (IP licence,
API exclusivity, reverse revenue share, revenue-share sunset and cap) for every solution concept,
from inputs dated before the amendment. This experiment solves every concept at the central
calibration (representative contract and optimal set) and over ``draws`` calibration draws
(modal option, its share, and the share of draws whose representative names the amendment's
option), and scores each term against the amendment with :func:`.compare_2026.term_hit`
beside two naive baselines: "no change" (the October 2025 contract runs on) and "2025 model
carried forward" (:func:`.compare_2026.carried_forward`).

Verdict (:func:`verdict`): a *hit* if some concept's central representative names strictly more
of the five terms than the better naive baseline, a *miss* otherwise. A COMPARISON: it reads the
amendment (role ``"comparison"``); the predictions themselves never do (tests/test_case_2026.py).

References
----------
Nash, J. (1950). The bargaining problem. *Econometrica* 18(2), 155-162.
Makridakis, S., Spiliotis, E. & Assimakopoulos, V. (2018). Statistical and machine learning
forecasting methods: concerns and ways forward. *PLoS ONE* 13(3) (naive baselines as the bar a
forecast must clear).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from matplotlib.patches import Rectangle

from negotiation.cases.microsoft_openai import amendment_terms as at
from negotiation.cases.microsoft_openai.batch import draw
from negotiation.cases.microsoft_openai.parameters import CALIBRATION_FILE, Parameters
from negotiation.cases.microsoft_openai.space import CONTRACT_SPACE_FILE
from negotiation.cases.microsoft_openai_2026 import compare_2026 as cmp
from negotiation.cases.microsoft_openai_2026 import model
from negotiation.plots import latex_label
from negotiation.pipeline import Experiment, FigureSpec, Param, Progress, Results, SavedResults, Table
from negotiation.pipeline.latex import camel_case, escape
from negotiation.plots import OKABE_ITO, new_figure, style_of

SCHEMA = {
    "draws": Param(int, "calibration draws solved by every concept (0: central values only)", default=24, low=0,
                   high=10_000),
}

CONCEPTS = model.CONCEPTS
TERMS = model.TERMS
BASELINES = ("no_change", "carried_forward_2025")
#: Row labels and macro stems of the baselines (macro names are letters only).
BASELINE_LABELS = {"no_change": "No change (Oct 2025 contract)", "carried_forward_2025": "2025 model carried forward"}
BASELINE_MACROS = {"no_change": "NoChange", "carried_forward_2025": "CarriedForward"}
TERM_LABELS = {"ip_license": "IP licence", "api_exclusivity": "API exclusivity",
               "reverse_revenue_share": "Reverse share", "revenue_share_until": "Share until",
               "revenue_share_cap": "Share cap"}
OPTION_LABELS = {"azure_until_agi": "Azure until AGI", "any_cloud_azure_first": "any cloud, Azure first",
                 "non_exclusive": "non-exclusive", "agi": "AGI", "none": "none"}
QUANTILES = (0.05, 0.5, 0.95)
HIT_COLOUR, MISS_COLOUR = OKABE_ITO["bluish_green"], "#EEEEEE"


# ----------------------------------------------------------------------------- inputs and solving
def draw_inputs(rng: np.random.Generator, n: int) -> list[tuple[Parameters, at.TermParameters]]:
    """``n`` independent draws of the 2026 calibration and of the amendment terms' inputs, each
    uniform on its ``[low, high]`` (as :meth:`Calibration.sample`)."""
    if n == 0:
        return []
    sample = model.calibration().sample(rng, n)
    specs = model.term_specs()
    terms = {name: rng.uniform(s.low, s.high, size=n) for name, s in specs.items()}
    return [(draw(sample, i), at.TermParameters(**{k: float(v[i]) for k, v in terms.items()})) for i in range(n)]


def solve_all(inputs: Sequence[tuple[Parameters | None, at.TermParameters | None]], progress: Progress,
              label: str) -> list[dict[str, model.Prediction]]:
    """Every concept's prediction (:func:`model.predict_all`) on each ``(parameters, terms)`` (None: central values)."""
    sp = model.space()
    out = []
    for i, (p, q) in enumerate(inputs, start=1):
        out.append(model.predict_all(p, q, sp=sp))
        progress.update(label, i, len(inputs))
    return out


# ----------------------------------------------------------------------------- values
def plain(value: Any) -> Any:
    """A term's option as a JSON builtin (numpy scalars unwrapped)."""
    return value.item() if isinstance(value, np.generic) else value


def terms_of(contract: Mapping[str, Any]) -> dict[str, Any]:
    """The five amendment terms of a contract, as JSON builtins."""
    return {t: plain(contract[t]) for t in TERMS}


def central_values(prediction: model.Prediction) -> dict[str, Any]:
    """One concept at central values: its representative, rate, optimal set, point and set hits."""
    contract = terms_of(prediction.contract)
    return {"contract": contract, "revenue_share": float(prediction.contract["revenue_share"]),
            "optimal_set": {t: [plain(v) for v in prediction.optimal_set[t]] for t in TERMS},
            "hits": cmp.hits(contract), "set_hits": cmp.set_hits(prediction.optimal_set)}


def modal(values: Sequence[Any], options: Sequence[Any]) -> tuple[Any, float]:
    """The most frequent of ``values`` (ties: first in ``options``) and its share."""
    counts = Counter(values)
    best = max(options, key=lambda o: (counts[o], -list(options).index(o)))
    return plain(best), counts[best] / len(values)


def sampled_values(contracts: Sequence[Mapping[str, Any]], actual: Mapping[str, Any]) -> dict[str, Any]:
    """One concept over the draws: per term the modal option, its share and the hit share; each
    draw's hit count; the rate's 5-50-95 % quantiles."""
    options = model.space().options
    per_term = {}
    for t in TERMS:
        column = [c[t] for c in contracts]
        mode, share = modal(column, options[t])
        per_term[t] = {"modal": mode, "modal_share": share,
                       "hit_share": float(np.mean([cmp.term_hit(t, v, actual) for v in column]))}
    counts = [sum(cmp.term_hit(t, c[t], actual) for t in TERMS) for c in contracts]
    rate = np.quantile([float(c["revenue_share"]) for c in contracts], QUANTILES).tolist()
    return {"terms": per_term, "hit_counts": counts, "revenue_share": rate}


def verdict(concept_hits: Mapping[str, int], baseline_hits: Mapping[str, int]) -> str:
    """``"hit"`` if the best concept names strictly more terms than the best naive baseline, else ``"miss"``."""
    return "hit" if max(concept_hits.values()) > max(baseline_hits.values()) else "miss"


def as_values(central: Mapping[str, model.Prediction], sampled: Sequence[Mapping[str, model.Prediction]]) -> dict[str, Any]:
    """Everything the tables, macros and figure show, as plain JSON values."""
    actual = cmp.amendment()
    concepts = {c: central_values(pr) for c, pr in central.items()}
    baselines = {name: {"contract": terms_of(contract), "hits": cmp.hits(contract)}
                 for name, contract in cmp.baselines().items()}
    concept_hits = {c: sum(v["hits"].values()) for c, v in concepts.items()}
    baseline_hits = {b: sum(v["hits"].values()) for b, v in baselines.items()}
    draws = {c: sampled_values([s[c].contract for s in sampled], actual) for c in CONCEPTS} if sampled else {}
    return {
        "terms": list(TERMS), "concepts": list(CONCEPTS), "amendment": {t: actual[t] for t in TERMS},
        "status_quo": terms_of(model.status_quo()), "central": concepts, "baselines": baselines,
        "draws": len(sampled), "sampled": draws,
        "summary": {"concept_hits": concept_hits, "concept_set_hits": {c: sum(v["set_hits"].values()) for c, v in concepts.items()},
                    "baseline_hits": baseline_hits, "best_concept_hits": max(concept_hits.values()),
                    "best_baseline_hits": max(baseline_hits.values()), "verdict": verdict(concept_hits, baseline_hits),
                    "missed_by_every_concept": [t for t in TERMS if not any(v["hits"][t] for v in concepts.values())]},
    }


def run(parameters: Mapping[str, Any], rng: np.random.Generator, progress: Progress) -> Results:
    """Every concept at central values and over ``draws`` calibration draws, scored against the amendment."""
    central = solve_all([(None, None)], progress, "central values solved by every concept")[0]
    sampled = solve_all(draw_inputs(rng, parameters["draws"]), progress, "calibration draws solved by every concept")
    values = as_values(central, sampled)
    return Results(values=values, tables=tables(values), macros=macros(values))


# ----------------------------------------------------------------------------- tables and macros
def option_label(value: Any) -> str:
    """A term's option as printed: ``any_cloud_azure_first`` -> ``any cloud, Azure first``, a cap as ``$38B``."""
    if isinstance(value, str):
        return OPTION_LABELS.get(value, value.replace("_", " "))
    return f"${value:g}B" if isinstance(value, float) else str(value)


def _mark(hit: bool) -> str:
    return "hit" if hit else "miss"


def row_names(values: Mapping[str, Any]) -> list[tuple[str, str, Mapping[str, Any]]]:
    """(key, label, entry) of every scored row: the concepts, then the baselines."""
    return ([(c, latex_label(c), values["central"][c]) for c in values["concepts"]]
            + [(b, BASELINE_LABELS[b], values["baselines"][b]) for b in BASELINES])


def tables(values: Mapping[str, Any]) -> dict[str, Table]:
    """``predictions`` (the five terms of the amendment, each concept's representative and each baseline),
    ``hits`` (term by term, the count of five, set consistency) and ``draws`` (modal option, its share,
    the hit share over the calibration draws)."""
    term_headers = tuple(TERM_LABELS[t] for t in TERMS)
    rows = [("Amendment (actual)", *(option_label(values["amendment"][t]) for t in TERMS), None)]
    rows += [(label, *(option_label(e["contract"][t]) for t in TERMS),
              100 * e["revenue_share"] if "revenue_share" in e else None) for _, label, e in row_names(values)]
    predictions = Table(columns=("contract", *TERMS, "revenue_share_pct"), rows=tuple(rows),
                        headers=("", *term_headers, "Rate (\\%)"), formats=("s", *("s",) * len(TERMS), ".1f"))
    hit_rows = []
    for key, label, e in row_names(values):
        set_hits = sum(e["set_hits"].values()) if "set_hits" in e else None
        mean = float(np.mean(values["sampled"][key]["hit_counts"])) if key in values["sampled"] else None
        hit_rows.append((label, *(_mark(e["hits"][t]) for t in TERMS), sum(e["hits"].values()), set_hits, mean))
    hits = Table(columns=("contract", *TERMS, "hits", "set_hits", "mean_hits_over_draws"), rows=tuple(hit_rows),
                 headers=("", *term_headers, "Hits of 5", "Set contains", "Mean hits (draws)"),
                 formats=("s", *("s",) * len(TERMS), "d", "d", ".2f"))
    draw_rows = [(latex_label(c), *(f"{option_label(s['terms'][t]['modal'])} ({100 * s['terms'][t]['modal_share']:.0f}%; "
                                    f"hit {100 * s['terms'][t]['hit_share']:.0f}%)" for t in TERMS))
                 for c, s in values["sampled"].items()]
    draws = Table(columns=("concept", *TERMS), rows=tuple(draw_rows) or (("--", *("--",) * len(TERMS)),),
                  headers=("Concept", *term_headers))
    return {"predictions": predictions, "hits": hits, "draws": draws}


def macros(values: Mapping[str, Any]) -> dict[str, str]:
    """Hit counts (central representative and optimal set) per concept and baseline, mean hits over the
    draws, the best of each, the terms every concept misses, and the verdict."""
    s = values["summary"]
    out = {"Terms": str(len(values["terms"])), "Draws": str(values["draws"]), "Verdict": s["verdict"],
           "BestConceptHits": str(s["best_concept_hits"]), "BestBaselineHits": str(s["best_baseline_hits"]),
           "MissedByEveryConcept": ", ".join(f"\\texttt{{{escape(t)}}}" for t in s["missed_by_every_concept"]) or "none",
           "MissedByEveryConceptCount": str(len(s["missed_by_every_concept"]))}
    for c in values["concepts"]:
        out[f"{camel_case(c)}Hits"] = str(s["concept_hits"][c])
        out[f"{camel_case(c)}SetHits"] = str(s["concept_set_hits"][c])
        counts = values["sampled"].get(c, {}).get("hit_counts")
        out[f"{camel_case(c)}MeanHits"] = f"{np.mean(counts):.2f}" if counts else "--"
    for b in BASELINES:
        out[f"{BASELINE_MACROS[b]}Hits"] = str(s["baseline_hits"][b])
    return out


# ----------------------------------------------------------------------------- figure
def _wrapped(value: Any) -> str:
    return option_label(value).replace(", ", ",\n")


def _cell_text(key: str, term: str, entry: Mapping[str, Any], values: Mapping[str, Any]) -> str:
    text = _wrapped(entry["contract"][term])
    if key in values["sampled"]:
        text += f"\ndraws hit: {100 * values['sampled'][key]['terms'][term]['hit_share']:.0f}%"
    return text


def comparison_figure(saved: SavedResults) -> Any:
    """Term by term: each concept's central representative and each baseline against the amendment
    (filled: names the amendment's option), with the share of calibration draws that hit."""
    v = saved.values
    rows = row_names(v)
    fig, ax = new_figure("double", aspect=0.5)
    for i, (key, _, entry) in enumerate(rows):
        for j, term in enumerate(TERMS):
            hit = entry["hits"][term]
            ax.add_patch(_patch(j, i, HIT_COLOUR if hit else MISS_COLOUR))
            ax.text(j, i, _cell_text(key, term, entry, v), ha="center", va="center", fontsize=5.5,
                    color="white" if hit else "black", linespacing=1.1)
        ax.text(len(TERMS) - 0.4, i, f"{sum(entry['hits'].values())}/{len(TERMS)}", ha="left", va="center", fontsize=7)
    ax.axhline(len(CONCEPTS) - 0.5, color="black", linewidth=0.6)
    ax.set_xlim(-0.5, len(TERMS) - 0.1)
    ax.set_ylim(len(rows) - 0.5, -0.5)
    ax.set_xticks(range(len(TERMS)), [f"{TERM_LABELS[t]}\n(actual: {_wrapped(v['amendment'][t])})" for t in TERMS],
                  fontsize=6.5)
    ax.xaxis.tick_top()
    ax.set_yticks(range(len(rows)), [style_of(k).label if k in CONCEPTS else BASELINE_LABELS[k] for k, _, _ in rows])
    ax.tick_params(length=0)
    for side in ("left", "bottom", "top", "right"):
        ax.spines[side].set_visible(False)
    return fig


def _patch(x: float, y: float, colour: str) -> Rectangle:
    """A cell of the comparison grid centred on ``(x, y)``."""
    return Rectangle((x - 0.48, y - 0.46), 0.96, 0.92, facecolor=colour, edgecolor="none")


EXPERIMENT = Experiment(
    kind="amendment_2026",
    description="A second observation (COMPARISON, reads the April 2026 amendment): every concept's prediction of "
                "its five terms from pre-amendment inputs, at central values and over calibration draws, scored term "
                "by term beside the no-change and 2025-carried-forward baselines.",
    schema=SCHEMA,
    run=run,
    figures=(FigureSpec(
        "comparison", comparison_figure,
        "The April 2026 amendment, term by term: each concept's representative contract at central values and the "
        "two naive baselines (rows), against the amendment's option (column heads). A filled cell names the "
        "amendment's option (a cap within one \\$25B grid step); for the concepts the share of calibration draws "
        "whose representative does so is printed below. The right margin counts hits of five.", width="double"),),
    data_files=(CALIBRATION_FILE, CONTRACT_SPACE_FILE, model.CALIBRATION_FILE, model.SPACE_FILE, cmp.AMENDMENT_FILE),
    role="comparison",
)
