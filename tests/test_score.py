"""Proper scores (negotiation.cases.microsoft_openai.score): known answers, propriety, the random
baseline's zero skill, and the baseline experiment's proper-score table and sentences generated from them."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from negotiation.cases.microsoft_openai import CONCEPTS, compare, score
from negotiation.cases.microsoft_openai.experiments import baseline
from negotiation.pipeline.latex import camel_case


def test_crps_of_a_point_is_the_absolute_error() -> None:
    assert score.crps([0.3], 0.5) == pytest.approx(0.2)
    assert score.crps([2031], 2032) < score.crps([2035], 2032)


def test_crps_of_uniform_at_its_centre_is_one_twelfth() -> None:
    assert score.crps_uniform(0.0, 1.0, 0.5) == pytest.approx(1 / 12)
    assert score.crps(np.linspace(0.0, 1.0, 100_001), 0.5) == pytest.approx(1 / 12, abs=1e-6)
    assert score.crps_uniform(0.0, 1.0, 2.0) == pytest.approx(1.0 + score.crps_uniform(0.0, 1.0, 1.0))


def test_crps_of_normal_samples_matches_the_closed_form() -> None:
    from math import erf, exp, pi, sqrt
    y = 0.7
    phi, cdf = exp(-y * y / 2) / sqrt(2 * pi), 0.5 * (1 + erf(y / sqrt(2)))
    exact = y * (2 * cdf - 1) + 2 * phi - 1 / sqrt(pi)  # Gneiting & Raftery 2007, eq. 22
    samples = np.random.default_rng(1).standard_normal(200_000)
    assert score.crps(samples, y) == pytest.approx(exact, abs=5e-3)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(1, 20), min_size=2, max_size=4), st.lists(st.integers(1, 20), min_size=2, max_size=4))
def test_expected_scores_are_minimised_by_the_true_distribution(true_w: list[int], other_w: list[int]) -> None:
    k = min(len(true_w), len(other_w))
    p, q = np.array(true_w[:k], float), np.array(other_w[:k], float)
    p, q = p / p.sum(), q / q.sum()
    support = np.arange(k, dtype=float)

    def expected(forecast: np.ndarray, rule: str) -> float:
        if rule == "brier":
            return sum(p[j] * score.brier(forecast, j) for j in range(k))
        ensemble = np.repeat(support, np.round(forecast * 840).astype(int))  # 840 = lcm(1..8): exact-ish weights
        return sum(p[j] * score.crps(ensemble, support[j]) for j in range(k))

    assert expected(p, "brier") <= expected(q, "brier") + 1e-12
    assert expected(p, "crps") <= expected(q, "crps") + 5e-3


def test_brier_and_log_known_answers() -> None:
    assert score.brier([1.0, 0.0], 0) == 0.0
    assert score.brier([0.0, 1.0], 0) == 2.0
    assert score.brier([0.5, 0.5], 1) == pytest.approx(0.5)
    assert score.brier([1 / 3] * 3, 2) == pytest.approx(2 / 3)
    assert score.log_score([0.25, 0.75], 1) == pytest.approx(-np.log(0.75))
    assert score.log_score([1.0, 0.0], 1) == float("inf")
    with pytest.raises(ValueError, match="sum to 1"):
        score.brier([0.5, 0.6], 0)
    with pytest.raises(ValueError, match="actual_option"):
        score.brier([0.5, 0.5], 2)


def test_random_contract_has_zero_skill_and_perfect_has_one() -> None:
    actual = compare.settlement()
    random = score.skill(score.random_contracts(20_000, np.random.default_rng(3)), actual)
    assert abs(random["total"]) < 0.03
    for term in score.BRIER_TERMS + ("ip_rights_until",):
        options = list(score.case_space().discrete[term].options)
        assert score.term_score(term, options, actual[term], score.case_space()) == pytest.approx(
            score.random_score(term, actual[term], score.case_space()))
    perfect = score.skill({t: [actual[t]] for t in score.TERMS}, actual)
    assert perfect == pytest.approx({k: 1.0 for k in perfect})


def test_bad_input_names_the_field() -> None:
    actual = compare.settlement()
    with pytest.raises(ValueError, match="equity"):
        score.skill({t: [actual[t]] for t in score.TERMS if t != "equity"}, actual)
    with pytest.raises(ValueError, match="options"):
        score.skill({**{t: [actual[t]] for t in score.TERMS}, "agi_trigger": ["court"]}, actual)


def test_informed_midpoint_takes_the_unopposed_ask() -> None:
    b = score.informed_baselines()
    assert b["positions_midpoint"]["equity"] == pytest.approx((b["openai"]["equity"] + b["microsoft"]["equity"]) / 2)
    assert b["positions_midpoint"]["ip_post_agi"] is True  # Microsoft asked, OpenAI not reported to oppose


def _values(first: str) -> dict:
    """Proper scores with every concept perfect except the first, which predicts ``first``'s position."""
    actual = compare.settlement()
    samples = {c: {t: [actual[t]] for t in score.TERMS} for c in CONCEPTS}
    if first != "settlement":
        samples[CONCEPTS[0]] = {t: [v] for t, v in score.positions()[first].items()}
    return baseline._proper_scores(samples, actual, 500, np.random.default_rng(0), {c: (samples[c], None) for c in CONCEPTS})


def test_sentences_and_table_come_from_the_scores() -> None:
    good, bad = _values("settlement"), _values("status_quo")
    assert baseline._proper_macros(good)["ProperBeatsRandomCount"] == str(len(CONCEPTS))
    m = baseline._proper_macros(bad)
    assert m["ProperBeatsRandomCount"] == str(len(CONCEPTS) - 1)
    assert m["ProperNotBeatsRandom"] == baseline.latex_label(CONCEPTS[0])
    assert m[f"{camel_case(CONCEPTS[0])}Skill"] == f"{bad['skills'][CONCEPTS[0]]['total']:+.2f}"
    table = baseline._proper_table(bad)
    assert len(table.rows) == len(CONCEPTS) + 1 + len(baseline.INFORMED)
    assert table.rows[0][-2:] == ("no", "no") and baseline._proper_table(good).rows[0][-2:] == ("yes", "yes")
    assert baseline._proper_table(bad, "set_").rows[0][-2:] == ("no", "no")
    assert m["ProperSetBeatsRandomCount"] == str(len(CONCEPTS) - 1)


def test_experiment_writes_the_proper_scores(tmp_path: Path) -> None:
    from negotiation.pipeline import load_config, run_experiment
    out = run_experiment(load_config(Path(__file__).resolve().parents[1] / "experiments" / "baseline.toml"), tmp_path,
                         quick=True).directory
    assert (out / "tables" / "proper_scores.csv").is_file()
    macros = (out / "macros.tex").read_text()
    assert "ProperBeatsRandomCount" in macros and "ProperBeatsInformedCount" in macros


def test_weighted_crps_matches_repeated_samples():
    # a weight of 2/3 on one value is that value listed twice
    assert score.crps([0.1, 0.4], 0.3, weights=[2 / 3, 1 / 3]) == pytest.approx(score.crps([0.1, 0.1, 0.4], 0.3), abs=1e-14)


def test_set_samples_spread_each_draw_over_its_set():
    from negotiation.cases.microsoft_openai.batch import predict_batch
    from negotiation.cases.microsoft_openai.parameters import calibration
    prediction = predict_batch("nash", calibration().sample(np.random.default_rng(3), 4))
    samples, weights = score.set_samples(prediction.sets)
    for term in score.TERMS:
        assert weights[term].sum() == pytest.approx(1.0, abs=1e-12) and len(samples[term]) == len(weights[term])
    lo, hi = prediction.sets.ranges["equity"][0]
    first = samples["equity"][:score.SET_POINTS]
    assert lo <= first.min() <= first.max() <= hi


def test_random_reference_is_computed_once_and_follows_the_calibration() -> None:
    """The default Monte Carlo reference of a capped term is memoised on everything it reads."""
    from negotiation.cases.microsoft_openai.parameters import apply_overrides, calibration, using_calibration
    from negotiation.cases.microsoft_openai.space import case_space

    space = case_space()
    term = next(t for t, spec in space.continuous.items() if spec.at_most is not None)
    actual = compare.settlement()[term]
    first = score.random_score(term, actual, space)
    assert score.random_score(term, actual, space) == first
    assert first == score.random_score(term, actual, space, np.random.default_rng(0))  # what it stands for
    cap = space.continuous[term].at_most
    spec = calibration().specs[cap]
    narrow = apply_overrides(calibration(), {cap: {"low": spec.low, "central": spec.low, "high": spec.low}})
    with using_calibration(narrow):
        assert score.random_score(term, actual, space) != first


def test_status_quo_rank_is_memoised_as_a_copy_and_keeps_true_apart_from_one() -> None:
    from negotiation.cases.microsoft_openai import contract_set
    from negotiation.cases.microsoft_openai.parameters import calibration
    from negotiation.cases.microsoft_openai.payoffs import combos
    from negotiation.cases.microsoft_openai.solve import status_quo_contract
    from negotiation.cases.microsoft_openai.space import case_space

    space = case_space()
    every = list(combos(space))
    sq = dict(status_quo_contract(calibration().central()))
    fresh = contract_set._rank.__wrapped__
    first = contract_set.status_quo_rank(every, space, sq)
    first[:] = -1  # a caller's change does not reach the memo
    assert sorted(contract_set.status_quo_rank(every, space, sq)) == list(range(len(every)))
    # Two combinations that differ only by compute_rofr, as bools and as ints (0 == False, 1 == True). Against a
    # status quo of False the bools rank False first; the ints are both "changed" and rank by option order. The
    # pairs compare and hash equal, so a memo keyed on them alone would hand the second the first's rank.
    sq["compute_rofr"] = False
    base = every[0]
    as_bool = [dataclasses.replace(base, compute_rofr=v) for v in (False, True)]
    as_int = [dataclasses.replace(base, compute_rofr=v) for v in (0, 1)]
    options = tuple(space.discrete[n].options for n in contract_set.DISCRETE_TERMS)
    status = tuple(sq[n] for n in contract_set.DISCRETE_TERMS)
    expected = [fresh(None, tuple(pair), options, status) for pair in (as_bool, as_int)]
    assert not np.array_equal(*expected)
    for pair, rank in zip((as_bool, as_int), expected):
        assert np.array_equal(contract_set.status_quo_rank(pair, space, sq), rank)
