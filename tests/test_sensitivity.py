"""Sobol indices (Ishigami, linear, constant and discrete outputs) and the one-at-a-time tornado."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from negotiation.sensitivity import Range, convergence_table, sobol, sobol_convergence, tornado

ISHIGAMI_A, ISHIGAMI_B = 7.0, 0.1
ISHIGAMI_TOL = 0.03  # absolute, at n = 2^12 (estimator error ~ 1 / sqrt(n))
LINEAR_TOL = 0.01
PI = float(np.pi)


def ishigami(x):
    x1, x2, x3 = x["x1"], x["x2"], x["x3"]
    return {"y": np.sin(x1) + ISHIGAMI_A * np.sin(x2) ** 2 + ISHIGAMI_B * x3**4 * np.sin(x1)}


def ishigami_indices():
    """Analytic indices (Ishigami & Homma 1990; scipy.stats.sobol_indices docs)."""
    a, b = ISHIGAMI_A, ISHIGAMI_B
    v1 = 0.5 * (1 + b * PI**4 / 5) ** 2
    v2 = a**2 / 8
    v13 = b**2 * PI**8 / 2 * (1 / 9 - 1 / 25)
    v = v1 + v2 + v13
    return np.array([v1, v2, 0.0]) / v, np.array([v1 + v13, v2, v13]) / v


LINEAR_COEFFS = {"p": 2.0, "q": -1.0, "r": 0.5}
LINEAR_RANGES = {"p": Range(0.0, 0.5, 1.0), "q": Range(-2.0, 0.0, 2.0), "r": Range(1.0, 2.0, 5.0), "s": Range(3.0, 3.0, 3.0)}


def linear(x):
    y = sum(c * x[k] for k, c in LINEAR_COEFFS.items()) + x["s"]
    return {"y": y, "flag": x["p"] > 0.5, "level": np.full_like(y, 2.0)}


ISHIGAMI_RANGES = {k: Range(-PI, 0.0, PI) for k in ("x1", "x2", "x3")}


def test_ishigami_within_tolerance():
    first, total = ishigami_indices()
    res = sobol(ishigami, ISHIGAMI_RANGES, 2**12, seed=1, bootstrap=False)
    assert res.outputs == ("y",) and res.parameters == ("x1", "x2", "x3")
    np.testing.assert_allclose(res.first_order[0], first, atol=ISHIGAMI_TOL)
    np.testing.assert_allclose(res.total_order[0], total, atol=ISHIGAMI_TOL)


def test_matches_scipy_callable_path():
    """The design is scipy's own: identical indices for the same rng."""
    res = sobol(ishigami, ISHIGAMI_RANGES, 256, seed=7, bootstrap=False)
    ref = stats.sobol_indices(
        func=lambda x: ishigami({"x1": x[0], "x2": x[1], "x3": x[2]})["y"],
        n=256, dists=[stats.uniform(-PI, 2 * PI)] * 3, rng=7,
    )
    np.testing.assert_allclose(res.first_order[0], ref.first_order, rtol=1e-12)
    np.testing.assert_allclose(res.total_order[0], ref.total_order, rtol=1e-12)


def test_linear_first_equals_total_equals_variance_share():
    var = {k: (r.high - r.low) ** 2 / 12 for k, r in LINEAR_RANGES.items() if k in LINEAR_COEFFS}
    share = np.array([LINEAR_COEFFS[k] ** 2 * var[k] for k in var])
    share /= share.sum()
    res = sobol(linear, LINEAR_RANGES, 2**11, seed=3, bootstrap=False)
    assert res.parameters == ("p", "q", "r") and res.fixed == ("s",)
    row = res.outputs.index("y")
    np.testing.assert_allclose(res.first_order[row], share, atol=LINEAR_TOL)
    np.testing.assert_allclose(res.total_order[row], share, atol=LINEAR_TOL)
    assert res.variance[row] == pytest.approx(sum(LINEAR_COEFFS[k] ** 2 * var[k] for k in var), rel=0.02)


def test_constant_and_boolean_outputs():
    res = sobol(linear, LINEAR_RANGES, 256, seed=3, n_resamples=99)
    level, flag = res.outputs.index("level"), res.outputs.index("flag")
    assert res.constant[level] and not res.constant[flag] and res.variance[level] == 0.0
    assert np.all(res.first_order[level] == 0) and np.all(res.total_order[level] == 0)
    assert np.all(res.first_order_ci[level] == 0)
    # the indicator 1{p > 0.5} depends on p only
    assert res.total_order[flag, 0] == pytest.approx(1.0, abs=0.05)
    np.testing.assert_allclose(res.total_order[flag, 1:], 0.0, atol=1e-12)
    np.testing.assert_allclose(res.total_order_ci[flag, 1:], 0.0, atol=1e-12)  # degenerate bootstrap: no NaN


def test_bootstrap_intervals_cover_estimates():
    res = sobol(ishigami, ISHIGAMI_RANGES, 512, seed=2, n_resamples=199)
    assert res.confidence_level == 0.95 and res.first_order_ci.shape == (1, 3, 2)
    lo, hi = res.total_order_ci[0, :, 0], res.total_order_ci[0, :, 1]
    assert np.all(lo <= hi) and np.all((lo <= res.total_order[0]) & (res.total_order[0] <= hi))


def test_convergence_by_doubling():
    results = sobol_convergence(ishigami, ISHIGAMI_RANGES, 2**9, doublings=3, seed=5, bootstrap=False)
    assert [r.n for r in results] == [512, 1024, 2048, 4096]
    _, total = ishigami_indices()
    errors = [np.abs(r.total_order[0] - total).max() for r in results]
    assert errors[-1] < ISHIGAMI_TOL
    rows = convergence_table(results)
    assert len(rows) == 4 * 3 and {r["n"] for r in rows} == {512, 1024, 2048, 4096}


def test_tornado_linear_exact():
    t = tornado(linear, LINEAR_RANGES)
    row = t.outputs.index("y")
    central = sum(c * LINEAR_RANGES[k].central for k, c in LINEAR_COEFFS.items()) + 3.0
    assert t.base[row] == central
    for j, name in enumerate(t.parameters):
        r, c = LINEAR_RANGES[name], LINEAR_COEFFS.get(name, 1.0)
        assert t.low[row, j] == pytest.approx(central + c * (r.low - r.central), abs=1e-12)
        assert t.swing[row, j] == pytest.approx(c * (r.high - r.low), abs=1e-12)
    assert t.ranking("y") == ("q", "p", "r", "s")


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"n": 100}, "power of two"),
        ({"ranges": {"s": Range(1.0, 1.0, 1.0)}}, "at least one"),
        ({"model": lambda x: {"y": np.full(3, 1.0)}}, "shape"),
        ({"model": lambda x: {"y": np.where(x["p"] > 0.5, np.nan, x["p"])}}, "not finite"),
    ],
)
def test_bad_input(kwargs, match):
    args = {"model": linear, "ranges": LINEAR_RANGES, "n": 64, "bootstrap": False} | kwargs
    with pytest.raises(ValueError, match=match):
        sobol(**args)


def test_range_validation():
    with pytest.raises(ValueError, match="low <= central <= high"):
        Range(1.0, 0.0, 2.0)


def test_bootstrap_intervals_are_reproducible_and_leave_global_state_alone():
    """scipy's bootstrap takes no rng: the same seed must still give the same intervals."""
    from negotiation.sensitivity import Range, sobol

    ranges = {"x": Range(0.0, 0.5, 1.0), "y": Range(0.0, 0.5, 1.0)}
    model = lambda p: {"f": p["x"] + 0.3 * p["y"] ** 2}  # noqa: E731
    before = np.random.get_state()[1].copy()
    first, second = (sobol(model, ranges, 64, seed=11, n_resamples=99) for _ in range(2))
    assert np.array_equal(first.total_order_ci, second.total_order_ci)
    assert np.array_equal(first.first_order_ci, second.first_order_ci)
    assert np.array_equal(np.random.get_state()[1], before)


def test_sobol_intervals_do_not_move_with_rounding_at_the_quick_size() -> None:
    """Rule 4 at the quick configuration's smallest Sobol size (n = 16): a 1e-15 relative change of
    every output leaves the BCa intervals unchanged (at n = 4 a tenth of the resamples are
    permutations of the sample whose index ties the estimate, and the intervals move)."""
    ranges = {f"x{i}": Range(0.0, 0.5, 1.0) for i in range(5)}

    def model(x, eps=0.0):
        y = x["x0"] + 0.3 * x["x1"] ** 2 + 0.1 * x["x2"] * x["x3"] + 0.0 * x["x4"]
        return {"y": y * (1.0 + eps * np.sin(1e3 * y))}

    exact = sobol(model, ranges, 16, seed=3, n_resamples=99)
    rounded = sobol(lambda x: model(x, 1e-15), ranges, 16, seed=3, n_resamples=99)
    np.testing.assert_allclose(rounded.first_order_ci, exact.first_order_ci, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(rounded.total_order_ci, exact.total_order_ci, rtol=1e-9, atol=1e-12)
