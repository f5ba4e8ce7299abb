"""The frontier envelope of contract problems: pruning never changes an answer, the cache is shared,
and Rubinstein's Newton path along the frontier agrees with the bracketed root it replaces."""

from __future__ import annotations

import numpy as np
import pytest
from test_batch import engine_problem, random_family

import negotiation as ng
import negotiation.games.alternating_offers as alternating_offers
from negotiation.solutions._contracts import maximise
from negotiation.solutions._envelope import envelope
from negotiation.solutions.nash import weighted_log_gains

AGREE = 1e-8
"""Engine-vs-engine agreement where the two paths are different algorithms (as in test_batch)."""


def concave_problem(seed: int, values: int = 2) -> ng.BargainingProblem:
    """Payoffs concave in two continuous terms, ``values**2`` discrete combinations (a curved frontier).

    Each combination's utility set is convex; their union need not be (``values > 1``).
    """
    rng = np.random.default_rng(seed)
    scale, bonus = rng.uniform(0.5, 2.0, (values, values, 2)), rng.uniform(0.0, 0.5, (values, values, 2))

    def payoff(i):
        def f(c):
            share, extra = (c["x"], c["y"]) if i == 0 else (1.0 - c["x"], 1.0 - c["y"])
            return scale[c["a"], c["b"], i] * np.sqrt(share + 0.05) + bonus[c["a"], c["b"], i] * np.sqrt(extra + 0.05)
        return f

    space = {"x": ng.Continuous(0.0, 1.0), "y": ng.Continuous(0.0, 1.0),
             "a": ng.Discrete(tuple(range(values))), "b": ng.Discrete(tuple(range(values)))}
    return ng.BargainingProblem.from_contracts(space, (payoff(0), payoff(1)), disagreement=(0.1, 0.1))


PROBLEMS = {
    **{f"share_affine_{n}": (lambda n=n: engine_problem(random_family(11, draws=3, combos=5), n)) for n in range(3)},
    **{f"concave_{s}": (lambda s=s: concave_problem(s)) for s in range(3)},
}
CONVEX = {f"convex_{s}": (lambda s=s: concave_problem(s, values=1)) for s in range(3)}
"""Problems whose utility set S is convex, so the stationary pair is unique (theory.md section 3)."""


@pytest.mark.parametrize("name", sorted(PROBLEMS))
def test_pruned_solutions_equal_the_kernel_over_every_combination(name):
    """The envelope only decides which combinations the unchanged kernel solves: answers are identical."""
    p = PROBLEMS[name]()
    d, space = p.disagreement, p.space
    ones, w = np.array([1.0, 1.0]), np.array([0.3, 0.7])
    reference = {
        "egalitarian": maximise(space, d, lambda u: (u - d)[:, ones > 0] / ones[ones > 0]),
        "nash": maximise(space, d, lambda u: weighted_log_gains(u, d, w)[:, None], barrier=True),
    }
    assert np.array_equal(ng.egalitarian_solution(p).utilities, reference["egalitarian"].utilities)
    assert np.array_equal(ng.nash_solution(p, weights=tuple(w)).utilities, reference["nash"].utilities)
    u1 = float(np.mean([d[0], ng.ideal_point(p)[0]]))
    value, _ = ng.frontier_value(p, u1)
    assert value == maximise(space, np.array([u1, d[1]]), lambda u: u[:, 1:2]).value


def test_envelope_is_cached_on_the_space_and_shared_with_other_disagreement_points():
    p = concave_problem(0)
    q = p.with_disagreement((0.05, 0.05))
    assert envelope(p.space) is envelope(q.space)
    before = ng.nash_solution(q).utilities
    ng.kalai_smorodinsky_solution(p), ng.rubinstein_solution(p, (0.9, 0.8))  # adds lines and points
    assert np.array_equal(ng.nash_solution(q).utilities, before)


def test_envelope_is_freed_with_its_space():
    """The cache's value holds no reference to its weak key, so a dropped problem frees its envelope."""
    import gc

    from negotiation.solutions import _envelope

    gc.collect()
    before = len(_envelope._CACHE)
    p = concave_problem(1)
    ng.nash_solution(p)
    assert len(_envelope._CACHE) == before + 1
    del p
    gc.collect()
    assert len(_envelope._CACHE) == before


@pytest.mark.parametrize("name", sorted(CONVEX))
@pytest.mark.parametrize("delta, proposer", [((0.9, 0.8), 0), ((0.95, 0.9), 1), ((0.995, 0.99), 0)])
def test_rubinstein_newton_along_the_frontier_agrees_with_the_bracketed_root(name, delta, proposer, monkeypatch):
    """On a convex S the stationary pair is unique, and both paths find it."""
    newton = ng.rubinstein_solution(CONVEX[name](), delta, proposer=proposer)
    assert "Newton" in newton.method
    monkeypatch.setattr(alternating_offers, "SPE_STEPS", 0)
    bracketed = ng.rubinstein_solution(CONVEX[name](), delta, proposer=proposer)
    assert "brentq" in bracketed.method
    scale = 1.0 + np.max(np.abs(bracketed.utilities))
    assert np.max(np.abs(newton.utilities - bracketed.utilities)) <= AGREE * scale, (newton.method, newton.utilities, bracketed.utilities)


def test_rubinstein_on_a_transferable_contract_problem_is_the_closed_form():
    """Wage w in [0, 1], a bonus worth 0.2 to the worker and costing 0.1: the pie is 1.1, split 5/7 : 2/7."""
    space = {"wage": ng.Continuous(0, 1), "bonus": ng.Discrete((False, True))}
    p = ng.BargainingProblem.from_contracts(
        space, (lambda c: 1 - c["wage"] - 0.1 * c["bonus"], lambda c: c["wage"] + 0.2 * c["bonus"]), disagreement=(0, 0))
    s = ng.rubinstein_solution(p, (0.9, 0.8))
    assert "Newton" in s.method and s.contract["bonus"] is True
    assert np.allclose(s.utilities, [1.1 * 5 / 7, 1.1 * 2 / 7], rtol=0, atol=1e-9)


@pytest.mark.parametrize("noise", [1e-13, -1e-13])
def test_combinations_equal_up_to_rounding_give_the_first_contract(noise):
    """A term that changes utilities only by rounding noise never flips the reported contract."""
    space = {"wage": ng.Continuous(0, 1), "label": ng.Discrete(("a", "b"))}
    p = ng.BargainingProblem.from_contracts(
        space, (lambda c: 1 - c["wage"] + noise * (c["label"] == "b"), lambda c: c["wage"] ** 0.5), disagreement=(0, 0))
    for solution in (ng.nash_solution(p), ng.egalitarian_solution(p), ng.kalai_smorodinsky_solution(p)):
        assert solution.contract["label"] == "a"


def test_an_optimum_asked_again_is_kept_on_the_envelope_and_copied(monkeypatch):
    """The ideal point and Nash solution asked twice are solved once; the caller's copy is its own."""
    import negotiation.solutions._envelope as _envelope

    p = concave_problem(2)
    first, nash = ng.ideal_point(p), ng.nash_solution(p)
    nash.contract["x"] = -1.0
    solves = []
    kernel = _envelope.maximise_each
    monkeypatch.setattr(_envelope, "maximise_each", lambda *a, **k: solves.append(1) or kernel(*a, **k))
    assert np.array_equal(ng.ideal_point(p), first)
    again = ng.nash_solution(p.with_disagreement(tuple(p.disagreement)))
    assert not solves and again.contract["x"] != -1.0
    ng.nash_solution(p, weights=(0.4, 0.6))  # another criterion is solved
    assert solves
