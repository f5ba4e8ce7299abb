"""The concepts under a concave utility transform (negotiation.transformed_batch) and the case's CARA batch path."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import negotiation.batch as nb
import negotiation.transformed_batch as tb
from negotiation.cases.microsoft_openai.space import case_space
from negotiation.batch import ShareAffineFamily, candidates
from negotiation.cases.microsoft_openai import CONCEPTS, calibration, predict
from negotiation.cases.microsoft_openai.batch import _floor, as_draws, chunk_model, draw, predict_all_batch
from negotiation.cases.microsoft_openai.batch_cara import predict_all_batch_cara

RHO = 0.002
ENGINE_TOL = 1e-8
"""Batch = engine to this, relative to 1 + max |U|, in utility units (the engine's)."""


def _case(n: int, seed: int = 1):
    p = as_draws(calibration().sample(np.random.default_rng(seed), n))
    inputs, _, _, fam = chunk_model(CONCEPTS, p, case_space())
    return p, fam, inputs, candidates(fam, keep=nb.kept(fam, _floor(fam.disagreement, inputs)))


def _relative(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.max(np.abs(a - b) / (1.0 + np.max(np.abs(b), axis=-1, keepdims=True))))


def test_cara_transform_is_stable_and_inverts() -> None:
    t = tb.CARA(RHO)
    x = np.array([-300.0, -1.0, 0.0, 1e-9, 50.0, 400.0])
    np.testing.assert_allclose(t.inverse(t.phi(x)), x, rtol=1e-13, atol=1e-13)
    np.testing.assert_allclose(t.difference(x, 50.0), t.phi(x) - t.phi(50.0), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(t.derivative(x), np.exp(-RHO * x))
    assert tb.CARA(0.0).phi(3.0) == 3.0 and tb.CARA(0.0).inverse(3.0) == 3.0
    with pytest.raises(ValueError):
        tb.CARA(-1.0)


def test_vanishing_risk_aversion_is_the_risk_neutral_batch() -> None:
    p, fam, inputs, among = _case(12)
    t = tb.CARA(1e-12)
    pairs = [
        (tb.nash_batch(fam, t, among=among), nb.nash_batch(fam, among=among)),
        (tb.kalai_smorodinsky_batch(fam, t, among=among), nb.kalai_smorodinsky_batch(fam, among=among)),
        (tb.egalitarian_batch(fam, t, among=among), nb.egalitarian_batch(fam, among=among)),
        (tb.utilitarian_batch(fam, t, among=among), nb.utilitarian_batch(fam, among=among)),
        (tb.rubinstein_batch(fam, t, inputs["discount_factors"], 0, inputs["outside_options"], among=among),
         nb.rubinstein_batch(fam, inputs["discount_factors"], 0, inputs["outside_options"], among=among)),
        (tb.variable_threat_batch(fam, t, inputs["A"], inputs["B"], among=among).solution,
         nb.variable_threat_batch(fam, inputs["A"], inputs["B"], among=among).solution),
    ]
    for ours, neutral in pairs:
        np.testing.assert_array_equal(np.isnan(ours.utilities), np.isnan(neutral.utilities))
        ok = ~np.isnan(neutral.utilities[:, 0])
        assert _relative(ours.utilities[ok], neutral.utilities[ok]) < 1e-8
    cara, neutral = predict_all_batch_cara(p, CONCEPTS, 1e-12), predict_all_batch(p, CONCEPTS)
    for c in CONCEPTS:
        np.testing.assert_array_equal(cara[c].infeasible, neutral[c].infeasible)
        ok = ~neutral[c].infeasible
        assert _relative(cara[c].utilities[ok], neutral[c].utilities[ok]) < 1e-8, c


@pytest.fixture(scope="module")
def engine_cases():
    """Three prior draws and the central values: the batch's CARA predictions and the parameter sets."""
    prior = calibration().sample(np.random.default_rng(1), 3)
    sets = [draw(prior, i) for i in range(3)] + [calibration().central()]
    batch = [predict_all_batch_cara(prior, CONCEPTS, RHO), predict_all_batch_cara(calibration().central(), CONCEPTS, RHO)]
    rows = [(batch[0], i) for i in range(3)] + [(batch[1], 0)]
    return sets, rows


@pytest.mark.slow
@pytest.mark.parametrize("concept", CONCEPTS)
def test_cara_batch_agrees_with_the_engine(engine_cases, concept: str) -> None:
    sets, rows = engine_cases
    for p, (batch, i) in zip(sets, rows):
        engine = predict(concept, p, risk_aversion=RHO)
        ours = batch[concept].details["transformed_utilities"][i]  # the engine's units: U = phi(x)
        assert _relative(ours, engine.utilities) < ENGINE_TOL, (concept, i, ours, engine.utilities)
        np.testing.assert_allclose(tb.CARA(RHO).phi(batch[concept].utilities[i]), ours)


def test_central_values_match_the_engine_reference() -> None:
    """The engine's central CARA utilities (measured once with predict(..., risk_aversion=0.002), 4 decimals)."""
    reference = {"nash": (115.1181, 188.1811), "kalai_smorodinsky": (115.1181, 188.1811),
                 "egalitarian": (113.3660, 189.5942), "utilitarian": (131.0997, 174.6724),
                 "rubinstein": (115.2515, 188.0730), "variable_threat": (113.6647, 189.3542)}
    batch = predict_all_batch_cara(calibration().central(), tuple(reference), RHO)
    for concept, u in reference.items():
        np.testing.assert_allclose(batch[concept].details["transformed_utilities"][0], u, atol=6e-5, err_msg=concept)


@dataclass(frozen=True)
class _Affine:
    """a phi + b for a CARA phi, a > 0: the same preferences in other units."""

    inner: tb.CARA
    scale: float
    shift: float

    def phi(self, x):
        return self.scale * self.inner.phi(x) + self.shift

    def inverse(self, v):
        return self.inner.inverse((np.asarray(v) - self.shift) / self.scale)

    def derivative(self, x):
        return self.scale * self.inner.derivative(x)

    def second_derivative(self, x):
        return self.scale * self.inner.second_derivative(x)

    def difference(self, x, y):
        return self.scale * self.inner.difference(x, y)


def _random_family(seed: int) -> ShareAffineFamily:
    """Two draws, three combinations, two side terms: positive shared value, d below every contract."""
    rng = np.random.default_rng(seed)
    n, k, m = 2, 3, 2
    fam = ShareAffineFamily(rng.uniform(50, 300, (n, k)), rng.normal(0, 40, (n, k, m)), rng.normal(0, 30, (n, k, 2)),
                            rng.normal(0, 30, (n, k, 2, m)), (0.1, 0.9), np.array([[0.0, 1.0], [0.0, 1.0]]),
                            np.zeros((n, 2)))
    corners = fam.utilities(np.full(4, 0.5), np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float))
    return dataclasses.replace(fam, disagreement=corners.min(axis=(1, 2)) - rng.uniform(1, 20, (n, 2)))


@given(seed=st.integers(0, 10_000), rho=st.floats(1e-4, 5e-3), scale=st.floats(0.05, 20.0),
       shift=st.floats(-200.0, 200.0), weight=st.floats(0.2, 0.8))
def test_nash_is_invariant_to_affine_units_and_every_concept_is_pareto_efficient(seed, rho, scale, shift, weight):
    fam = _random_family(seed)
    among = candidates(fam)
    cara = tb.CARA(rho)
    w = np.array([weight, 1.0 - weight])
    nash = tb.nash_batch(fam, cara, w, among=among)
    rescaled = tb.nash_batch(fam, _Affine(cara, scale, shift), w, among=among)
    assert _relative(rescaled.utilities, nash.utilities) < 1e-9
    everything = candidates(fam, prune=False)
    solutions = [nash, tb.kalai_smorodinsky_batch(fam, cara, among=among), tb.egalitarian_batch(fam, cara, among=among),
                 tb.utilitarian_batch(fam, cara, among=among), tb.rubinstein_batch(fam, cara, (0.9, 0.95), among=among)]
    for s in solutions:
        u = s.utilities
        assert np.all(u >= fam.disagreement - 1e-9 * (1 + np.abs(fam.disagreement)))
        better = u + 1e-9 * (1.0 + np.abs(u))  # a dominating candidate point would exceed this in both
        lo, hi = nb._feasible_interval(everything.start - better[:, None, :], everything.end - everything.start,
                                       np.zeros_like(everything.start))
        assert not np.any(lo <= hi)


@given(seed=st.integers(0, 10_000), rho=st.floats(1e-3, 2e-2))
def test_utilitarian_takes_the_best_nash_point_of_its_tie_band(seed, rho):
    """Under CARA the tie band {W >= W* - TIE_TOL (1 + |W*|)} has width ~ sqrt(TIE_TOL) in money, so the
    tie-break moves the point; the batch must sit in the band and beat every sampled band point on Nash."""
    from negotiation.solutions.utilitarian import TIE_TOL

    fam = _random_family(seed)
    cara = tb.CARA(rho)
    u = tb.utilitarian_batch(fam, cara).utilities
    everything = candidates(fam, prune=False)
    t = np.linspace(0.0, 1.0, 2001)
    points = everything.start[:, :, None, :] + t[:, None] * (everything.end - everything.start)[:, :, None, :]
    points = points.reshape(len(u), -1, 2)
    d = fam.disagreement[:, None, :]
    points = np.where(np.all(points >= d, axis=-1, keepdims=True), points, np.nan)
    welfare = cara.phi(points).sum(axis=-1)
    ours = cara.phi(u).sum(axis=-1)
    best = np.nanargmax(welfare, axis=1) // len(t)  # the segment of the best sample: W* on it exactly
    top = np.array([_segment_maximum(cara, everything.start[n, j], everything.end[n, j]) for n, j in enumerate(best)])
    top = np.maximum(np.maximum(top, np.nanmax(welfare, axis=1)), ours)
    floor = top - TIE_TOL * (1.0 + np.abs(top))
    assert np.all(ours >= floor - 1e-12 * (1.0 + np.abs(top)))
    gains = cara.phi(points) - cara.phi(fam.disagreement)[:, None, :]
    with np.errstate(invalid="ignore", divide="ignore"):
        nash = np.where((welfare >= floor[:, None]) & np.all(gains > 0, axis=-1), np.log(gains).sum(axis=-1), -np.inf)
    ours_nash = np.log(cara.phi(u) - cara.phi(fam.disagreement)).sum(axis=-1)
    assert np.all(ours_nash >= nash.max(axis=1) - 1e-10)


def _segment_maximum(cara: tb.CARA, a: np.ndarray, b: np.ndarray) -> float:
    """max over t in [0, 1] of phi(x1(t)) + phi(x2(t)) (concave) by bounded scalar minimisation."""
    from scipy.optimize import minimize_scalar

    found = minimize_scalar(lambda t: -cara.phi(a + t * (b - a)).sum(), bounds=(0.0, 1.0), method="bounded",
                            options={"xatol": 1e-13})
    return float(-found.fun)
