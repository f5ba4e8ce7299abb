"""The second worked case (the 2023 UAW-GM contract) obeys the kit's rules.

Its inputs are dated before the strike, its actual outcome parses and only comparison code reads
it, every concept solves, no choice bound decides a prediction, a 1e-10 change of the inputs moves
no pinned term, and its module stays thin.
"""

from __future__ import annotations

import ast
from pathlib import Path

import numpy as np
import pytest

from negotiation.kit.calibration import check_prediction_inputs, replace_values
from negotiation.kit.case import load_case
from negotiation.kit.predict import TIE_TOL, predict, predict_all
from negotiation.kit.space import widened

CASE = load_case("negotiation.cases.uaw_gm_2023")
MODULE = Path(CASE.folder) / "__init__.py"
#: Relative change of every input, and how far a pinned term may move under it.
NUDGE = 1e-10
PINNED_TOL = 1e-6
MAX_LINES = 200
#: The utilitarian solution on a contract problem maximises the sum, then breaks ties by the Nash
#: product within the engine's tolerance band of that sum. At a strictly concave maximum (this case:
#: the sum is flat to second order at today's wage under a COLA) the band resolves the contract, and
#: so each utility, only to about the square root of that tolerance; the sum itself is pinned to TIE_TOL.
SQRT_BAND = 1e-4


@pytest.fixture(scope="module")
def central():
    return predict_all(CASE)


def _same(a, b, atol: float = PINNED_TOL) -> bool:
    if isinstance(a, tuple) and a and isinstance(a[0], float):
        return np.allclose(a, b, rtol=0, atol=atol)
    return a == b


def test_calibration_loads_and_every_input_is_dated_before_the_cutoff():
    calibration = CASE.calibration()
    assert calibration.cutoff is not None and calibration.cutoff.isoformat() == "2023-09-15"
    check_prediction_inputs(calibration)
    assert all(spec.note.strip() for spec in calibration.specs.values())


def test_the_actual_outcome_parses_and_gives_every_term():
    actual = CASE.actual_outcome()
    assert set(actual["terms"]) == set(CASE.space().terms)
    assert actual["date"] >= CASE.calibration().cutoff


def test_every_concept_solves_with_a_pinned_contract(central):
    assert set(central) == set(CASE.concepts)
    for concept, prediction in central.items():
        assert np.all(np.isfinite(prediction.utilities)), concept
        assert np.all(prediction.utilities >= prediction.disagreement - 1e-9), concept
        assert set(prediction.optimal_set) == set(CASE.space().terms), concept


def test_no_choice_bound_decides_a_prediction(central):
    wide = widened(CASE.space())
    assert wide.bounds("wage_increase") != CASE.space().bounds("wage_increase")
    for concept, prediction in central.items():
        other = predict(CASE, concept, space=wide)
        u, d = prediction.utilities, prediction.disagreement
        tie = TIE_TOL * np.maximum(1.0, np.maximum(np.abs(u), np.abs(u - d)))  # the kit's own tie
        atol = PINNED_TOL
        if concept == "utilitarian":  # the sum is pinned; each utility only within the band
            assert abs(other.utilities.sum() - u.sum()) <= tie.sum(), concept
            tie, atol = np.full(2, SQRT_BAND), SQRT_BAND
        assert np.all(np.abs(other.utilities - u) <= tie), concept
        assert dict(other.pinned) == dict(prediction.pinned), concept
        for term, value in prediction.optimal_set.items():
            assert _same(value, other.optimal_set[term], atol), (concept, term, value, other.optimal_set[term])


def test_a_tiny_change_of_every_input_moves_no_pinned_term(central):
    p = CASE.calibration().central()
    nudged = replace_values(p, **{name: value * (1 + NUDGE) for name, value in p.items()})
    for concept, prediction in central.items():
        other = predict(CASE, concept, nudged)
        for term, pinned in prediction.pinned.items():
            if pinned:
                assert other.pinned[term], (concept, term)
                assert _same(prediction.optimal_set[term], other.optimal_set[term]), (concept, term)


def test_the_module_is_thin_and_never_reads_the_actual_outcome():
    source = MODULE.read_text(encoding="utf-8")
    assert len(source.splitlines()) <= MAX_LINES
    tree = ast.parse(source)
    names = {node.attr for node in ast.walk(tree) if isinstance(node, ast.Attribute)}
    names |= {node.id for node in ast.walk(tree) if isinstance(node, ast.Name)}
    docstring = tree.body[0].value  # the module docstring may name the file it never reads
    strings = [node.value for node in ast.walk(tree)
               if isinstance(node, ast.Constant) and isinstance(node.value, str) and node is not docstring]
    assert "actual_outcome" not in names and "actual_file" not in names
    assert not any("actual" in text for text in strings)
