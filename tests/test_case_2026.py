"""The 2026 case: honest inputs, the amendment read only by comparison code, every term predicted, well posed."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from negotiation.cases import microsoft_openai_2026 as case
from negotiation.cases.microsoft_openai import parameters as p25
from negotiation.cases.microsoft_openai_2026 import model

PACKAGE = Path(model.__file__).parent


def test_no_input_dated_on_or_after_the_amendment():
    p25.check_prediction_inputs(case.calibration(), model.AMENDMENT_DATE)
    for spec in model.term_specs().values():
        assert spec.date < model.AMENDMENT_DATE, spec.name


def test_the_amendment_is_read_only_by_comparison_code():
    readers = [f.name for f in PACKAGE.glob("*.py") if "amendment_2026" in f.read_text() or "AMENDMENT_FILE" in f.read_text()]
    assert readers == ["compare_2026.py"]
    assert "compare_2026" not in (PACKAGE / "model.py").read_text()


def test_shared_assumptions_equal_2025_unless_a_dated_source_in_the_window():
    base, new = p25.calibration(), case.calibration()
    for name, spec in new.specs.items():
        if dataclasses.astuple(spec) == dataclasses.astuple(base.specs[name]):
            continue
        assert spec.source != p25.ASSUMPTION, name
        assert model.WINDOW_START <= new.sources[spec.source].date < model.AMENDMENT_DATE, name
        assert model.WINDOW_START <= spec.date < model.AMENDMENT_DATE, name


@pytest.fixture(scope="module")
def predictions():
    return {c: case.predict(c) for c in case.CONCEPTS}


def test_predict_returns_all_five_terms_for_every_concept(predictions):
    for concept, prediction in predictions.items():
        for term in case.TERMS:
            assert prediction.contract[term] in model.space().options[term], (concept, term)
            assert prediction.contract[term] in prediction.optimal_set[term], (concept, term)


def test_no_term_sits_on_a_chosen_bound(predictions):
    wide = model.widened(model.space())
    for concept, prediction in predictions.items():
        assert dict(case.predict(concept, sp=wide).contract) == pytest.approx(dict(prediction.contract)), concept


def test_a_tiny_perturbation_changes_no_representative(predictions):
    p = case.calibration().central()
    bumped = p25.Parameters(**{n: v * (1 + 1e-10) for n, v in dataclasses.asdict(p).items()})
    q = model.term_parameters()
    q_bumped = type(q)(**{n: v * (1 + 1e-10) for n, v in dataclasses.asdict(q).items()})
    for concept, prediction in predictions.items():
        moved = case.predict(concept, bumped, q_bumped).contract
        assert {t: moved[t] for t in case.TERMS} == {t: prediction.contract[t] for t in case.TERMS}, concept


def test_compare_scores_every_term_and_both_baselines(predictions):
    rows = case.compare({c: pr.contract for c, pr in predictions.items()})
    assert set(rows) == {*case.CONCEPTS, "no_change", "carried_forward_2025"}
    assert all(set(r) == set(case.TERMS) for r in rows.values())


def test_bad_concept_names_the_allowed_values():
    with pytest.raises(ValueError, match="concept must be one of"):
        case.predict("nope")
