"""The closed-form batch path agrees with the one-at-a-time engine on share-affine problems."""

import numpy as np
import pytest

import negotiation as ng
from negotiation.batch import (ShareAffineFamily, _clip, _fields, blocked, bracketed_root, candidates,
                               egalitarian_batch, ideal_point_batch, kalai_smorodinsky_batch, nash_batch, rubinstein_batch,
                               kept, stationary_agreement, utilitarian_batch, variable_threat_batch,
                               zero_sum_batch)

AGREE = 1e-8
"""Agreement required between the batch path and the engine, relative to the utility scale."""
SHARE_BOUNDS = (0.15, 0.49)
BOX = np.array([[0.0, 0.2], [0.0, 4.0]])


def random_family(seed: int, draws: int = 6, combos: int = 3) -> ShareAffineFamily:
    rng = np.random.default_rng(seed)
    value = rng.uniform(5.0, 10.0, (draws, combos))
    value_slope = rng.normal(0.0, 1.0, (draws, combos, 2)) * np.array([10.0, 0.3])
    side = rng.normal(0.0, 1.0, (draws, combos, 2))
    side_slope = rng.normal(0.0, 1.0, (draws, combos, 2, 2)) * np.array([10.0, 0.3])
    family = ShareAffineFamily(value, value_slope, side, side_slope, SHARE_BOUNDS, BOX, np.zeros((draws, 2)))
    # put d strictly inside each draw's utility set: a fraction of the way to a feasible contract
    anchor = family.utilities(np.array([0.3]), np.array([[0.1, 2.0]]))[:, :, 0, :].min(axis=1)
    floor = family.utilities(np.array([0.3]), np.array([[0.1, 2.0]]))[:, :, 0, :].min(axis=1) - 3.0
    d = floor + rng.uniform(0.0, 0.5, (draws, 1)) * (anchor - floor)
    return ShareAffineFamily(value, value_slope, side, side_slope, SHARE_BOUNDS, BOX, d)


def engine_problem(family: ShareAffineFamily, n: int) -> ng.BargainingProblem:
    def payoff(i):
        def f(c):
            y = np.stack([np.asarray(c["y0"], float), np.asarray(c["y1"], float)], axis=-1)
            k = c["k"]
            v = family.value[n, k] + y @ family.value_slope[n, k]
            share = c["e"] if i == 0 else 1.0 - np.asarray(c["e"])
            return share * v + family.side[n, k, i] + y @ family.side_slope[n, k, i]
        return f
    space = {"e": ng.Continuous(*SHARE_BOUNDS), "y0": ng.Continuous(*BOX[0]), "y1": ng.Continuous(*BOX[1]),
             "k": ng.Discrete(tuple(range(family.value.shape[1])))}
    return ng.BargainingProblem.from_contracts(space, (payoff(0), payoff(1)), disagreement=tuple(family.disagreement[n]))


CONCEPTS = {
    "nash": (nash_batch, ng.nash_solution),
    "asymmetric_nash": (lambda f: nash_batch(f, (0.7, 0.3)), lambda p: ng.nash_solution(p, (0.7, 0.3))),
    "kalai_smorodinsky": (kalai_smorodinsky_batch, ng.kalai_smorodinsky_solution),
    "egalitarian": (egalitarian_batch, ng.egalitarian_solution),
    "utilitarian": (utilitarian_batch, ng.utilitarian_solution),
    "utilitarian_weighted": (lambda f: utilitarian_batch(f, (1.0, 2.0)), lambda p: ng.utilitarian_solution(p, (1.0, 2.0))),
}


TIE_BREAK_AGREE = 1e-6
"""Utilitarian with w1 = w2 on a transferable segment: the maximisers form a segment and the
symmetric-Nash tie-break is a smooth maximum over it. The engine selects it by the objective's
value (SLSQP, ftol 1e-14), which pins the point only to about sqrt(1e-14) = 1e-7; the batch path
uses the exact stationary point. The weighted sum itself agrees to AGREE (checked below)."""


@pytest.mark.parametrize("concept", sorted(CONCEPTS))
@pytest.mark.parametrize("seed", [0, 1])
def test_batch_agrees_with_engine(concept, seed):
    family = random_family(seed)
    batch, engine = CONCEPTS[concept]
    fast = batch(family)
    tolerance = TIE_BREAK_AGREE if concept == "utilitarian" else AGREE
    for n in range(family.value.shape[0]):
        reference = engine(engine_problem(family, n))
        scale = 1.0 + np.max(np.abs(reference.utilities))
        assert np.max(np.abs(fast.utilities[n] - reference.utilities)) <= tolerance * scale, (n, fast.utilities[n], reference.utilities)
        if concept == "utilitarian":
            assert abs(np.sum(fast.utilities[n]) - np.sum(reference.utilities)) <= AGREE * scale


def test_ideal_point_agrees_with_engine():
    family = random_family(3)
    fast = ideal_point_batch(family)
    for n in range(family.value.shape[0]):
        assert np.allclose(fast[n], ng.ideal_point(engine_problem(family, n)), rtol=AGREE, atol=AGREE)


def test_contract_reproduces_utilities():
    family = random_family(4)
    s = nash_batch(family)
    u = family.utilities(s.share, s.side_terms)  # (N, K, N, 2): every draw's contract under every draw
    rows = np.arange(len(s.share))
    picked = u[rows, s.combination, rows]
    assert np.allclose(picked, s.utilities, rtol=1e-12, atol=1e-12)


def test_bad_shapes_are_named():
    family = random_family(0)
    with pytest.raises(ValueError, match="disagreement"):
        ShareAffineFamily(family.value, family.value_slope, family.side, family.side_slope, SHARE_BOUNDS, BOX, np.zeros(3))


# ----------------------------------------------------------------------------- alternating offers
RUBINSTEIN_CASES = {
    "plain": dict(discount_factors=(0.9, 0.8), proposer=0, outside_options=None),
    "player_2_proposes": dict(discount_factors=(0.95, 0.9), proposer=1, outside_options=None),
    "fine_grid": dict(discount_factors=(0.995, 0.99), proposer=0, outside_options=None),
}


def _engine_options(family, n, options):
    return None if options is None else tuple(options[n])


@pytest.mark.parametrize("case", sorted(RUBINSTEIN_CASES))
def test_rubinstein_batch_agrees_with_engine(case):
    family = random_family(5, draws=4)
    kwargs = RUBINSTEIN_CASES[case]
    fast = rubinstein_batch(family, **kwargs)
    for n in range(family.value.shape[0]):
        reference = ng.rubinstein_solution(engine_problem(family, n), kwargs["discount_factors"], kwargs["proposer"],
                                           kwargs["outside_options"])
        scale = 1.0 + np.max(np.abs(reference.utilities))
        assert np.max(np.abs(fast.utilities[n] - reference.utilities)) <= AGREE * scale, (n, fast.utilities[n], reference.utilities)


def test_rubinstein_batch_binding_outside_option_and_per_draw_inputs():
    family = random_family(6, draws=4)
    plain = rubinstein_batch(family, (0.9, 0.9))
    # player 2's option a little above its Rubinstein share binds; player 1 has none
    options = np.column_stack([np.full(4, np.nan), plain.utilities[:, 1] + 0.1])
    delta = np.tile([0.9, 0.9], (4, 1))
    fast = rubinstein_batch(family, delta, 0, options)
    for n in range(4):
        reference = ng.rubinstein_solution(engine_problem(family, n), (0.9, 0.9), 0, (None, float(options[n, 1])))
        scale = 1.0 + np.max(np.abs(reference.utilities))
        assert np.max(np.abs(fast.utilities[n] - reference.utilities)) <= AGREE * scale
    assert np.all(fast.utilities[:, 1] >= options[:, 1] - AGREE)


def test_rubinstein_batch_infeasible_options_give_nan_not_an_error():
    family = random_family(7, draws=3)
    ideal = ideal_point_batch(family)
    options = np.array([[ideal[0, 0] + 1.0, np.nan], [np.nan, np.nan], [np.nan, ideal[2, 1] + 1.0]])
    fast = rubinstein_batch(family, (0.9, 0.9), 0, options)
    assert np.isnan(fast.utilities[[0, 2]]).all() and np.isfinite(fast.utilities[1]).all()
    assert list(fast.combination[[0, 2]]) == [-1, -1]
    with pytest.raises(ValueError, match="outside_options"):
        ng.rubinstein_solution(engine_problem(family, 0), (0.9, 0.9), 0, (float(options[0, 0]), None))


def test_rubinstein_batch_rejects_bad_inputs():
    family = random_family(0, draws=2)
    with pytest.raises(ValueError, match="discount_factors"):
        rubinstein_batch(family, (1.0, 0.5))
    with pytest.raises(ValueError, match="proposer"):
        rubinstein_batch(family, (0.9, 0.5), proposer=2)


def test_bracketed_root_matches_brentq_and_handles_flat_ends():
    from scipy.optimize import brentq
    shifts = np.array([0.1, 0.5, 2.0, 7.0])
    f = lambda x, rows: np.tanh(x - shifts[rows]) + 0.01 * (x - shifts[rows]) ** 3  # noqa: E731
    every = np.arange(4)
    root, iterations = bracketed_root(f, np.full(4, -10.0), np.full(4, 10.0), f(np.full(4, -10.0), every),
                                      f(np.full(4, 10.0), every), 1e-13)
    expected = [brentq(lambda x, s=s: np.tanh(x - s) + 0.01 * (x - s) ** 3, -10, 10, xtol=1e-13) for s in shifts]
    assert np.allclose(root, expected, atol=1e-12) and iterations < 60
    no_change = bracketed_root(f, np.full(4, 8.0), np.full(4, 9.0), f(np.full(4, 8.0), every), f(np.full(4, 9.0), every),
                               1e-13)[0]
    assert np.isnan(no_change).all()


# ----------------------------------------------------------------------------- variable threats
def random_games(seed: int, draws: int, shape: tuple[int, int]) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return rng.normal(0.0, 1.0, (draws,) + shape)


@pytest.mark.parametrize("shape", [(1, 1), (2, 2), (3, 4), (4, 3), (2, 5)])
def test_zero_sum_batch_matches_nashpy_linear_program(shape):
    import nashpy
    games = random_games(sum(shape), 30, shape)
    x, y, value = zero_sum_batch(games)
    for M, xs, ys, v in zip(games, x, y, value):
        lx, ly = nashpy.Game(M).linear_program()
        assert np.isclose(v, lx @ M @ ly, atol=1e-9)
        # optimal: x guarantees v against every column, y holds every row to v
        assert np.min(xs @ M) >= v - 1e-9 and np.max(M @ ys) <= v + 1e-9
        assert np.all(xs >= 0) and np.all(ys >= 0) and np.isclose(xs.sum(), 1) and np.isclose(ys.sum(), 1)


def test_zero_sum_batch_degenerate_games():
    constant = np.zeros((1, 3, 4))
    dominated = np.array([[[1.0, 1.0], [1.0, 1.0], [0.0, 2.0]]])  # ties and a redundant row
    for M in (constant, dominated, np.array([[[1.0, -1.0], [-1.0, 1.0]]]), np.array([[[2.0, 2.0], [1.0, 3.0]]])):
        import nashpy
        x, y, value = zero_sum_batch(M)
        lx, ly = nashpy.Game(M[0]).linear_program()
        assert np.isclose(value[0], lx @ M[0] @ ly, atol=1e-9)
        assert np.min(x[0] @ M[0]) >= value[0] - 1e-9 and np.max(M[0] @ y[0]) <= value[0] + 1e-9
    # tie-break: the smallest-support kernel first (a pure saddle of the constant game)
    x, y, _ = zero_sum_batch(constant)
    assert x[0].tolist() == [1.0, 0.0, 0.0] and y[0].tolist() == [1.0, 0.0, 0.0, 0.0]


def threat_matrices_inside(family: ShareAffineFamily, seed: int, shape=(3, 4)) -> tuple[np.ndarray, np.ndarray]:
    """Threat payoffs below each draw's disagreement point: every threat point leaves gains."""
    rng = np.random.default_rng(seed)
    n = family.value.shape[0]
    spread = rng.uniform(0.0, 1.5, (n, 2) + shape)
    return (family.disagreement[:, 0, None, None] - spread[:, 0],
            family.disagreement[:, 1, None, None] - spread[:, 1])


@pytest.mark.parametrize("seed", [0, 1])
def test_variable_threat_batch_agrees_with_engine(seed):
    family = random_family(seed + 10, draws=3)
    A, B = threat_matrices_inside(family, seed)
    fast = variable_threat_batch(family, A, B)
    assert fast.converged.all()
    for n in range(3):
        reference = ng.variable_threat_solution(A[n], B[n], transferable=False, feasible=engine_problem(family, n))
        scale = 1.0 + np.max(np.abs(reference.utilities))
        assert np.max(np.abs(fast.solution.utilities[n] - reference.utilities)) <= AGREE * scale, (
            n, fast.solution.utilities[n], reference.utilities)
        assert np.isclose(fast.value[n], reference.value, rtol=1e-6, atol=1e-8 * scale)


def test_variable_threat_batch_rejects_bad_shapes():
    family = random_family(0, draws=2)
    with pytest.raises(ValueError, match="A and B"):
        variable_threat_batch(family, np.zeros((2, 3, 4)), np.zeros((2, 4, 3)))


def test_blocked_returns_draws_in_order_like_one_call():
    """Blocks of draws sorted by kept count, solved apart and put back in order: bit-identical to one call."""
    family = crowded_family(2, draws=7)
    whole = rubinstein_batch(family, (0.9, 0.8))
    seen = []

    def solve(rows, block, among):
        seen.append(rows)
        assert np.array_equal(block.value, family.value[rows])
        return rubinstein_batch(block, (0.9, 0.8), among=among)

    parts = blocked(family, solve, 3)
    assert [len(rows) for rows in seen] == [3, 3, 1]
    counts = kept(family).sum(axis=1)
    assert np.all(np.diff(counts[np.concatenate(seen)]) >= 0)  # blocks of similar widths
    for a, b in zip(_fields(whole), _fields(parts)):
        assert np.array_equal(a, b)


# ----------------------------------------------------------------------------- pruning
def crowded_family(seed: int, draws: int = 40, combos: int = 30) -> ShareAffineFamily:
    """Many combinations close to each other (most segments dominated, some nearly tied)."""
    rng = np.random.default_rng(seed)
    base = random_family(seed, draws, 1)
    near = lambda a: np.repeat(a, combos, axis=1) * rng.uniform(0.97, 1.0, (draws, combos) + a.shape[2:])  # noqa: E731
    return ShareAffineFamily(near(base.value), near(base.value_slope), near(base.side), near(base.side_slope),
                             SHARE_BOUNDS, BOX, base.disagreement)


PRUNED_CONCEPTS = {
    "nash": lambda f, c: nash_batch(f, among=c),
    "asymmetric_nash": lambda f, c: nash_batch(f, np.tile([0.7, 0.3], (len(f.value), 1)), among=c),
    "ideal_point": lambda f, c: ideal_point_batch(f, among=c),
    "kalai_smorodinsky": lambda f, c: kalai_smorodinsky_batch(f, among=c),
    "egalitarian": lambda f, c: egalitarian_batch(f, among=c),
    "utilitarian": lambda f, c: utilitarian_batch(f, among=c),
    "utilitarian_weighted": lambda f, c: utilitarian_batch(f, (1.0, 2.0), among=c),
    "rubinstein": lambda f, c: rubinstein_batch(f, (0.9, 0.8), among=c),
    "rubinstein_options": lambda f, c: rubinstein_batch(f, (0.95, 0.9), 1, f.disagreement + [0.5, 0.2], among=c),
    "variable_threat": lambda f, c: variable_threat_batch(f, *threat_matrices_inside(f, 0), among=c).solution,
}


@pytest.mark.parametrize("concept", sorted(PRUNED_CONCEPTS))
@pytest.mark.parametrize("make", [random_family, crowded_family])
@pytest.mark.parametrize("below", [None, 2.0])
def test_pruning_is_exact(concept, make, below):
    """Every concept gives bit-identical results on the pruned and on all candidate segments, also
    when pruning only looks above a floor d - below (below every threat payoff of the tests)."""
    family = make(11)
    solve = PRUNED_CONCEPTS[concept]
    keep = None if below is None else kept(family, family.disagreement - below)
    pruned, full = candidates(family, keep=keep), candidates(family, prune=False)
    assert pruned.start.shape[1] < full.start.shape[1]
    fast, slow = solve(family, pruned), solve(family, full)
    for a, b in zip(*(_fields(s) if not isinstance(s, np.ndarray) else (s,) for s in (fast, slow))):
        assert np.array_equal(a, b, equal_nan=a.dtype.kind == "f")


@pytest.mark.parametrize("below", [None, 0.5])
def test_pruned_segments_are_dominated_by_kept_points(below):
    """Each pruned segment's ends (its part above the floor, d - below, when there is one) are
    beaten in both utilities by a point of a kept segment."""
    family = crowded_family(12, draws=5)
    full = candidates(family, prune=False)
    floor = None if below is None else family.disagreement - below
    out = ~kept(family, floor)
    start, end, empty = (full.start, full.end, np.zeros(out.shape, dtype=bool)) if floor is None else _clip(
        full.start, full.end, floor)
    assert out.sum() > out.size / 2
    for n in range(5):
        kept_s, kept_e = start[n, ~out[n]], end[n, ~out[n]]
        pruned = out[n] & ~empty[n]
        for q in np.concatenate([start[n, pruned], end[n, pruned]]):
            # the best kept u2 among points with u1 >= q1 (ends, or the crossing u1 = q1)
            with np.errstate(divide="ignore", invalid="ignore"):
                t = np.clip((q[0] - kept_s[:, 0]) / (kept_e[:, 0] - kept_s[:, 0]), 0.0, 1.0)
            points = np.concatenate([kept_s, kept_e, kept_s + np.nan_to_num(t)[:, None] * (kept_e - kept_s)])
            assert np.max(points[points[:, 0] >= q[0], 1], initial=-np.inf) > q[1]


@pytest.mark.parametrize("delta", [0.9, 0.95, 0.99])
def test_stationary_agreement_takes_the_largest_of_several_roots(delta):
    """A non-concave frontier (the envelope of u2 = 1 - u1 and u2 = 0.6 - 0.4 u1) where h has three
    roots, near the two local maxima of the Nash product and the kink between them. The rule picks
    the largest, Rubinstein's split of the second line, 1.5 / (1 + delta), whatever a 1e-10 change
    of the disagreement point (a bracket on the whole interval met the smallest, 1 / (1 + delta))."""
    def phi(x1, rows):
        return np.maximum(np.where(x1 <= 1, 1 - x1, -np.inf), np.where(x1 <= 1.5, 0.6 - 0.4 * x1, -np.inf))

    w, ideal, pair = np.full((3, 2), -np.inf), np.tile([1.5, 1.0], (3, 1)), np.full((3, 2), delta)
    d = np.array([[0.0, 0.0], [1e-10, 0.0], [0.0, 1e-10]])
    x1, valid = stationary_agreement(phi, d, w, pair, ideal, 0)
    assert valid.all()
    np.testing.assert_allclose(x1, 1.5 / (1 + delta), rtol=0, atol=1e-9)
