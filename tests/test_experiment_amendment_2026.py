"""The ``amendment_2026`` experiment: a quick run scores all five terms for every concept and both baselines."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest

from negotiation.cases import microsoft_openai_2026 as case
from negotiation.cases.microsoft_openai_2026.experiments import amendment_2026 as exp
from negotiation.pipeline import load_config, run_experiment
from negotiation.pipeline.latex import camel_case

ROOT = Path(__file__).parents[1]
CONFIG = ROOT / "experiments" / "amendment_2026.toml"


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return run_experiment(load_config(CONFIG), tmp_path_factory.mktemp("amendment"), quick=True).directory


def _macros(out: Path) -> dict[str, str]:
    return dict(re.findall(r"\\newcommand\{\\Amendment([A-Za-z]+)\}\{(.*)\}", (out / "macros.tex").read_text()))


def test_quick_run_writes_the_comparison_tables_and_figure(run: Path) -> None:
    for name in ("predictions", "hits", "draws"):
        assert (run / "tables" / f"{name}.csv").is_file() and (run / "tables" / f"{name}.tex").is_file()
    assert (run / "figures" / "comparison.pdf").is_file()


def test_all_five_terms_for_every_concept_and_both_baselines(run: Path) -> None:
    values = json.loads((run / "results.json").read_text())
    assert values["draws"] == 2
    assert set(values["central"]) == set(case.CONCEPTS) == set(values["sampled"])
    assert set(values["baselines"]) == {"no_change", "carried_forward_2025"}
    for entry in [*values["central"].values(), *values["baselines"].values()]:
        assert set(entry["contract"]) == set(entry["hits"]) == set(case.TERMS)
    assert values["baselines"]["no_change"]["contract"] == values["status_quo"]
    for concept, sampled in values["sampled"].items():
        assert set(sampled["terms"]) == set(case.TERMS) and len(sampled["hit_counts"]) == 2, concept


def test_macros_equal_values_recomputed_from_results(run: Path) -> None:
    values = json.loads((run / "results.json").read_text())
    macros = _macros(run)
    concept_hits = {c: sum(e["hits"].values()) for c, e in values["central"].items()}
    baseline_hits = {b: sum(e["hits"].values()) for b, e in values["baselines"].items()}
    for concept, hits in concept_hits.items():
        stem = camel_case(concept)
        assert macros[f"{stem}Hits"] == str(hits)
        assert macros[f"{stem}SetHits"] == str(sum(values["central"][concept]["set_hits"].values()))
        assert macros[f"{stem}MeanHits"] == f"{np.mean(values['sampled'][concept]['hit_counts']):.2f}"
    assert macros["NoChangeHits"] == str(baseline_hits["no_change"])
    assert macros["CarriedForwardHits"] == str(baseline_hits["carried_forward_2025"])
    best, bar = max(concept_hits.values()), max(baseline_hits.values())
    assert (macros["BestConceptHits"], macros["BestBaselineHits"]) == (str(best), str(bar))
    assert macros["Verdict"] == ("hit" if best > bar else "miss")


def test_hits_agree_with_the_case_comparison(run: Path) -> None:
    values = json.loads((run / "results.json").read_text())
    rows = case.compare({c: e["contract"] for c, e in values["central"].items()})
    for name, entry in [*values["central"].items(), *values["baselines"].items()]:
        assert entry["hits"] == rows[name], name


def test_verdict_is_a_miss_unless_a_concept_beats_the_better_baseline() -> None:
    assert exp.verdict({"nash": 2}, {"no_change": 0, "carried_forward_2025": 2}) == "miss"
    assert exp.verdict({"nash": 3}, {"no_change": 0, "carried_forward_2025": 2}) == "hit"


def test_modal_breaks_ties_by_the_option_order() -> None:
    assert exp.modal(["b", "a"], ("a", "b")) == ("a", 0.5)
    assert exp.modal([2030, 2030, "agi"], ("agi", 2030)) == (2030, pytest.approx(2 / 3))
