"""The ``specification_curve`` experiment: the declared factorial, its overrides, and a quick run."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import numpy as np
import pytest

from negotiation.cases.microsoft_openai import calibration
from negotiation.cases.microsoft_openai.experiments import specification_curve as sc
from negotiation.pipeline import load_config, run_experiment

ROOT = Path(__file__).parents[1]
CONFIG = ROOT / "experiments" / "specification_curve.toml"


def test_the_factorial_is_complete_and_each_override_is_as_declared() -> None:
    params = load_config(CONFIG).effective_parameters(False)
    specs = sc.specifications(params)
    assert len(specs) == np.prod([len(params[c]) for c in sc.CHOICES]) == 128
    assert len({tuple(s.values()) for s in specs}) == len(specs)
    spec = {"valuation_reads": 500.0, "profit_cap_reads": "revenue", "softbank_reads": 20.0, "risk_aversions": 0.0,
            "restrictions": "none", "disagreements": "comply", "price_bases": "expected_deal"}
    fixed = sc.overrides(spec)
    assert {k: v["central"] for k, v in fixed.items()} == {
        "valuation_post_money": 500.0, "softbank_at_risk": 20.0, "profit_cap_on_revenue": 1.0,
        "disagreement_from_equilibrium": 0.0, "price_on_expected_deal": 1.0}
    assert all(v["low"] == v["central"] == v["high"] for v in fixed.values())
    prior = calibration().sample(np.random.default_rng(0), 5)
    draws = sc.specification_draws(prior, spec)
    np.testing.assert_array_equal(draws.valuation_post_money, 500.0)
    np.testing.assert_array_equal(draws.discount_rate, prior.discount_rate)  # common random numbers


def test_the_declaration_predates_its_results() -> None:
    def first_commit(path: str) -> int | None:
        done = subprocess.run(["git", "log", "--diff-filter=A", "--format=%ct", "--", path], cwd=ROOT,
                              capture_output=True, text=True)
        stamps = done.stdout.split()
        return int(stamps[-1]) if done.returncode == 0 and stamps else None

    declared = first_commit("experiments/specification_curve.toml")
    if declared is None:
        pytest.skip("not a git checkout with history")
    results = first_commit("results/specification_curve/results.json")
    assert results is None or declared < results


def test_quick_run_writes_the_curve(tmp_path: Path) -> None:
    out = run_experiment(load_config(CONFIG), tmp_path, quick=True).directory
    values = json.loads((out / "results.json").read_text())
    assert len(values["specifications"]) == 128
    assert (out / "tables" / "curve.csv").is_file() and (out / "tables" / "summary.csv").is_file()
    assert (out / "figures" / "curve.pdf").is_file()
    records = values["specifications"]
    assert all(r["solved"] for r in records)  # CARA specifications too (negotiation.transformed_batch)
    cara = [r for r in records if r["choices"]["risk_aversions"] > 0]
    assert len(cara) == 64 and all(set(r["concepts"]) == set(sc.CONCEPTS) for r in cara)
    assert any(r["concepts"]["nash"]["equity"] is not None for r in cara)
    neutral = {tuple((c, o) for c, o in r["choices"].items() if c != "risk_aversions"): r for r in records
               if r["choices"]["risk_aversions"] == 0}
    moved = [r for r in cara if r["concepts"]["utilitarian"]["equity"]
             != neutral[tuple((c, o) for c, o in r["choices"].items() if c != "risk_aversions")]["concepts"][
                 "utilitarian"]["equity"]]
    assert moved  # risk aversion changes where a concept lands
    macros = (out / "macros.tex").read_text()
    assert "SpecificationCurveNashWithinBand" in macros
