"""The ``revealed_preference`` experiment: a quick run writes its shares, ranges and predictions."""

from __future__ import annotations

import json
from pathlib import Path

from negotiation.cases.microsoft_openai import CONCEPTS
from negotiation.pipeline import load_config, run_experiment

ROOT = Path(__file__).parents[1]
CONFIG = ROOT / "experiments" / "revealed_preference.toml"


def test_quick_run_reports_the_restriction_and_both_prediction_sets(tmp_path: Path) -> None:
    out = run_experiment(load_config(CONFIG), tmp_path, quick=True).directory
    values = json.loads((out / "results.json").read_text())
    assert values["draws"] == 200
    sides = values["side_shares"]
    assert 0.0 <= values["share"] <= min(sides["openai"], sides["microsoft"]) <= 1.0  # both <= either
    for name in ("shares", "ranges", "binding", "predictions"):
        assert (out / "tables" / f"{name}.csv").is_file()
    assert (out / "figures" / "predictions.pdf").is_file()
    for concept in CONCEPTS:
        by_set = values["predictions"][concept]
        assert set(by_set) == {"all", "admissible"}
        assert by_set["all"]["draws"] >= by_set["admissible"]["draws"]
    macros = (out / "macros.tex").read_text()
    assert f"\\newcommand{{\\RevealedPreferenceAdmissibleShare}}{{{100 * values['share']:.0f}}}" in macros
    binding = sum(r["binds"] for r in values["ranges"])
    assert f"\\newcommand{{\\RevealedPreferenceBindingCount}}{{{binding}}}" in macros


def test_the_settlement_is_never_read() -> None:
    from negotiation.cases.microsoft_openai.experiments import revealed_preference as rp

    assert not any("settlement" in name or "compare" in name for name in vars(rp))  # a prediction, not a fit
