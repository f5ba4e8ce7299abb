"""The case's prediction is a well-defined object (issue 9): it comes from the economics, not from
the box we chose, from ties or from floating-point noise.

- Widening every modelling-choice bound (continuous terms by half their width on each side,
  clipped at natural bounds; year grids by three years on each side) changes no concept's
  central prediction.
- No central representative sits on a choice bound.
- Multiplying every calibration input by ``1 +- 1e-10`` (seeded sign patterns), at central values
  and on 50 draws, changes no representative.
- The contract-space file refuses bad input naming the term.
"""

import dataclasses
import tomllib

import numpy as np
import pytest

from negotiation.cases.microsoft_openai import batch as cb
from negotiation.cases.microsoft_openai import calibration, predict
from negotiation.cases.microsoft_openai.parameters import PARAMETER_NAMES, Parameters
from negotiation.cases.microsoft_openai.solve import CONCEPTS
from negotiation.cases.microsoft_openai.space import (CONTINUOUS_TERMS, CONTRACT_SPACE_FILE, DISCRETE_TERMS, case_space,
                                                      load_space, parse_space, widened)

CONTINUOUS_REL = 1e-6
"""Continuous terms of a representative must agree to this relative tolerance (issue 9)."""
PERTURBATION = 1e-10
PATTERNS = 3
DRAWS = 50
SEED = 20251028


def same_contracts(a, b, rows=None) -> list[str]:
    """The terms on which two batch predictions' representatives differ (None rows: all)."""
    bad = []
    for t in DISCRETE_TERMS:
        if not np.array_equal(a.contract[t], b.contract[t]):
            bad.append(t)
    for t in CONTINUOUS_TERMS:
        x, y = a.contract[t], b.contract[t]
        if not np.allclose(x, y, rtol=CONTINUOUS_REL, atol=1e-9, equal_nan=True):
            bad.append(t)
    return bad


def perturbed(p: Parameters, signs: np.ndarray) -> Parameters:
    return Parameters(**{n: np.asarray(getattr(p, n), dtype=float) * (1.0 + PERTURBATION * s)
                         for n, s in zip(PARAMETER_NAMES, signs)})


@pytest.fixture(scope="module")
def central_batch():
    return cb.predict_all_batch(calibration().central())


def test_widening_every_choice_bound_changes_no_central_prediction(central_batch):
    wide = cb.predict_all_batch(calibration().central(), space=widened(case_space()))
    for concept in CONCEPTS:
        assert not same_contracts(central_batch[concept], wide[concept]), concept
        np.testing.assert_allclose(central_batch[concept].utilities, wide[concept].utilities, rtol=1e-9)


def test_widening_moves_every_choice_bound_and_keeps_natural_ones():
    space, wide = case_space(), widened(case_space())
    for t in space.continuous.values():
        w = wide.continuous[t.name]
        step = 0.5 * (t.high - t.low)
        assert w.low == (t.low - step if t.low_basis == "choice" else t.low)
        assert w.high == (t.high + step if t.high_basis == "choice" else t.high)
    for t in space.discrete.values():
        if t.years and t.basis == "choice":
            years, wide_years = (sorted(v for v in options if isinstance(v, int) and not isinstance(v, bool))
                                 for options in (t.options, wide.discrete[t.name].options))
            assert wide_years == list(range(max(min(years) - 3, 2026), max(years) + 4))
        else:
            assert wide.discrete[t.name].options == t.options


def test_no_central_representative_sits_on_a_choice_bound(central_batch):
    space = case_space()
    for concept, prediction in central_batch.items():
        for t in CONTINUOUS_TERMS:
            term, value = space.continuous[t], float(prediction.contract[t][0])
            for bound, basis in ((term.low, term.low_basis), (term.high, term.high_basis)):
                if basis == "choice":
                    assert abs(value - bound) > 1e-6 * (1 + abs(bound)), (concept, t, value)
        for t in DISCRETE_TERMS:
            term = space.discrete[t]
            if term.years and term.basis == "choice":
                years = [v for v in term.options if isinstance(v, int) and not isinstance(v, bool)]
                assert prediction.contract[t][0] not in (min(years), max(years)), (concept, t)


def test_the_engine_predicts_the_same_on_the_widened_space():
    wide = widened(case_space())
    for concept in ("nash", "utilitarian"):
        a, b = predict(concept), predict(concept, space=wide)
        assert all(a.contract[t] == b.contract[t] for t in DISCRETE_TERMS), concept
        assert all(a.contract[t] == pytest.approx(b.contract[t], rel=CONTINUOUS_REL) for t in CONTINUOUS_TERMS)


@pytest.mark.parametrize("pattern", range(PATTERNS))
def test_a_1e10_change_of_every_input_changes_no_central_representative(central_batch, pattern):
    signs = np.random.default_rng(SEED + pattern).choice([-1.0, 1.0], len(PARAMETER_NAMES))
    moved = cb.predict_all_batch(perturbed(calibration().central(), signs))
    for concept in CONCEPTS:
        assert not same_contracts(central_batch[concept], moved[concept]), (concept, pattern)


@pytest.mark.slow
def test_a_1e10_change_of_every_input_changes_no_representative_on_draws():
    draws = calibration().sample(np.random.default_rng(SEED), DRAWS)
    base = cb.predict_all_batch(draws)
    for pattern in range(PATTERNS):
        signs = np.random.default_rng(SEED + pattern).choice([-1.0, 1.0], len(PARAMETER_NAMES))
        moved = cb.predict_all_batch(perturbed(draws, signs))
        for concept in CONCEPTS:
            assert not same_contracts(base[concept], moved[concept]), (concept, pattern)


def test_the_engine_representative_survives_a_1e10_change():
    signs = np.random.default_rng(SEED).choice([-1.0, 1.0], len(PARAMETER_NAMES))
    p = calibration().central()
    q = Parameters(**{n: float(getattr(p, n)) * (1.0 + PERTURBATION * s) for n, s in zip(PARAMETER_NAMES, signs)})
    for concept in ("nash", "asymmetric_nash"):
        a, b = predict(concept, p), predict(concept, q)
        assert all(a.contract[t] == b.contract[t] for t in DISCRETE_TERMS), concept
        assert all(a.contract[t] == pytest.approx(b.contract[t], rel=CONTINUOUS_REL) for t in CONTINUOUS_TERMS)


def test_the_optimal_set_holds_the_representative_and_the_solvers_own_contract():
    prediction = predict("nash")
    for source in (prediction.contract, prediction.details["solver_contract"]):
        for t in CONTINUOUS_TERMS:
            lo, hi = prediction.optimal_set[t]
            assert lo - 1e-6 <= source[t] <= hi + 1e-6, t
        for t in DISCRETE_TERMS:
            assert source[t] in prediction.optimal_set[t], t


def test_predict_takes_a_calibration_and_refuses_other_types():
    a, b = predict("nash", calibration()), predict("nash")
    assert dict(a.contract) == dict(b.contract)
    with pytest.raises(TypeError, match="Parameters, a Calibration"):
        predict("nash", {"agi_hazard": 0.1})
    with pytest.raises(TypeError, match="space must be a CaseSpace"):
        predict("nash", space={"equity": (0, 1)})


def raw_space() -> dict:
    with open(CONTRACT_SPACE_FILE, "rb") as handle:
        return tomllib.load(handle)


@pytest.mark.parametrize(("edit", "message"), [
    (lambda d: d["continuous"]["equity"].pop("high"), "'equity': missing bound 'high'"),
    (lambda d: d["continuous"]["revenue_share"].update(low=0.5, high=0.5), "'revenue_share': low must be < high"),
    (lambda d: d["continuous"]["azure_commitment"].pop("high_basis"), "'azure_commitment': missing 'high_basis'"),
    (lambda d: d["continuous"]["equity"].update(low_basis="obvious"), "'equity': low_basis must be one of"),
    (lambda d: d["discrete"]["api_exclusivity"].update(options=[]), "'api_exclusivity': options must be a non-empty"),
    (lambda d: d["discrete"]["agi_trigger"].update(options=["board", "ceo"]), "'agi_trigger': option 'ceo'"),
    (lambda d: d["discrete"].update(royalty={"options": [1], "basis": "choice", "why": "x"}), "unknown term"),
    (lambda d: d["discrete"].pop("compute_rofr"), "term 'compute_rofr' missing"),
    (lambda d: d["continuous"]["azure_commitment"].update(at_most="azure_needs"), "at_most must name"),
    (lambda d: d["discrete"]["ip_post_agi"].pop("why"), "'ip_post_agi': missing 'why'"),
    (lambda d: d["continuous"]["equity"].update(hi=0.4), "'equity': unknown field"),
])
def test_bad_contract_space_input_is_refused_naming_the_term(edit, message):
    data = raw_space()
    edit(data)
    with pytest.raises(ValueError, match=message.replace("(", r"\(")):
        parse_space(data)


def test_the_data_file_is_the_space_the_case_uses():
    assert load_space() == case_space()
    assert set(case_space().engine_space()) == {*CONTINUOUS_TERMS, *DISCRETE_TERMS}
    assert dataclasses.is_dataclass(case_space())


def test_a_space_goes_to_worker_processes_and_chunks_on_a_pool_equal_one_process():
    import pickle
    from concurrent.futures import ProcessPoolExecutor

    space = widened(case_space())
    assert pickle.loads(pickle.dumps(space)) == space
    draws = calibration().sample(np.random.default_rng(SEED), 4)
    with ProcessPoolExecutor(2) as pool:
        pooled = cb.predict_all_batch(draws, ("nash",), chunk=2, executor=pool, space=space)
    alone = cb.predict_all_batch(draws, ("nash",), space=space)
    assert np.array_equal(pooled["nash"].utilities, alone["nash"].utilities)


def test_mechanisms_are_tested_jointly_and_ties_left_out():
    from negotiation.cases.microsoft_openai import compare
    from negotiation.cases.microsoft_openai.space import MECHANISMS

    p = calibration().central()
    r = predict("nash", p)
    # the representative is one member of the set: jointly in it on every term
    assert compare.jointly_in_set(p, r.utilities, r.optimal_set, dict(r.contract))
    moved = {**r.contract, "equity": r.contract["equity"] + 0.01}  # the same split terms but one: not a member
    assert not compare.jointly_in_set(p, r.utilities, r.optimal_set, moved)
    # the representative's own terms hit every mechanism that is not a tie
    outcomes = compare.mechanism_outcomes(p, r.utilities, r.optimal_set, dict(r.contract))
    assert set(outcomes) == set(MECHANISMS) and set(outcomes.values()) <= {"hit", "tie"}
    # a value outside the set misses its mechanism, whatever the per-term ranges say
    split_miss = {**r.contract, "equity": r.optimal_set["equity"][1] - 1e-3, "revenue_share": r.contract["revenue_share"]}
    assert compare.mechanism_outcomes(p, r.utilities, r.optimal_set, split_miss)["split"] == "miss"
    all_options = {t: ("none", 2030, "agi") if t == "api_exclusivity" else v for t, v in r.optimal_set.items()}
    assert compare.mechanism_outcomes(p, r.utilities, all_options, dict(r.contract))["value_against_cost"] != "tie"

