"""One equilibrium rule for alternating offers on a non-convex S: the engine and the batch path agree (issue 27).

Where S is a union of combinations' sets, h(x1) = phi(x1) - d2 - delta2 (phi(y1(x1)) - d2) can
have several roots (several stationary pairs), and it jumps where a combination's part of the
frontier ends. Both paths report the largest root, found in the last cell of the same grid where
h changes sign (``STATIONARY_GRID``), and the engine says in ``method`` when its Newton path from
the BRW point met another stationary pair.
"""

from __future__ import annotations

import numpy as np
import pytest

import negotiation as ng
from negotiation import batch
from negotiation.batch import ShareAffineFamily, rubinstein_batch
from negotiation.games import alternating_offers

AGREE = 1e-8
"""Engine against batch path, relative to the utility scale."""


def two_lines(value, side, side_slope, share_bounds, disagreement):
    """Two combinations: k = 0 the segment u = (e V0, (1 - e) V0) + b0, k = 1 the segment b1 + beta1 y, y in [0, 1]."""
    n = len(disagreement)
    family = ShareAffineFamily(np.tile(value, (n, 1)), np.zeros((n, 2, 1)), np.tile(side, (n, 1, 1)),
                               np.tile(np.asarray(side_slope, dtype=float)[:, :, None], (n, 1, 1, 1)), share_bounds,
                               np.array([[0.0, 1.0]]), np.asarray(disagreement, dtype=float))

    def problem(row):
        def payoff(i):
            def f(c):
                share = c["e"] if i == 0 else 1.0 - c["e"]
                return share * value[c["k"]] + side[c["k"]][i] + side_slope[c["k"]][i] * c["y"]
            return f
        space = {"e": ng.Continuous(*share_bounds), "y": ng.Continuous(0.0, 1.0), "k": ng.Discrete((0, 1))}
        return ng.BargainingProblem.from_contracts(space, (payoff(0), payoff(1)), disagreement[row])

    return family, problem


SEVERAL = dict(value=(1.0, 0.0), side=((0.0, 0.0), (0.0, 0.6)), side_slope=((0.0, 0.0), (1.5, -0.6)), share_bounds=(0.0, 1.0))
"""The envelope of u2 = 1 - u1 (u1 in [0, 1]) and u2 = 0.6 - 0.4 u1 (u1 in [0, 1.5]): with d = 0, h has
three roots, near the split of each line and the kink between them (``test_batch``'s
``test_stationary_agreement_takes_the_largest_of_several_roots``, here as contract problems)."""
JUMP = dict(value=(1.2, 0.0), side=((0.0, 0.0), (0.0, 0.3)), side_slope=((0.0, 0.0), (0.75, -0.3)), share_bounds=(0.0, 0.5))
"""u2 = 1.2 - u1 for u1 in [0, 0.6], then u2 = 0.3 - 0.4 u1 up to u1 = 0.75: phi jumps from 0.6 to 0.06 at
u1 = 0.6. With d = 0 and delta = 0.9, h = 0.12 - 0.19 x1 > 0 just below the jump and h < 0 above it:
the stationary x1 is the jump, where the old bracketed root bisected ~45 times."""


def test_the_grid_is_the_batch_paths():
    assert alternating_offers.STATIONARY_GRID == batch.STATIONARY_GRID


@pytest.mark.parametrize("delta", [0.9, 0.95, 0.99])
@pytest.mark.parametrize("proposer", [0, 1])
def test_several_stationary_pairs_engine_and_batch_report_the_largest(delta, proposer):
    d = [[0.0, 0.0], [1e-10, 0.0], [0.0, 0.05]]
    family, problem = two_lines(disagreement=d, **SEVERAL)
    fast = rubinstein_batch(family, (delta, delta), proposer)
    for row in range(len(d)):
        engine = ng.rubinstein_solution(problem(row), (delta, delta), proposer)
        scale = 1.0 + np.max(np.abs(engine.utilities))
        assert np.max(np.abs(fast.utilities[row] - engine.utilities)) <= AGREE * scale, (row, fast.utilities[row], engine.utilities)
        assert "largest stationary x_1" in engine.method
    x1 = 1.5 / (1 + delta)  # Rubinstein's split of the second line, the largest root (d = 0)
    engine = ng.rubinstein_solution(problem(0), (delta, delta), 0)
    np.testing.assert_allclose(engine.utilities, [x1, 0.6 - 0.4 * x1], rtol=0, atol=AGREE)
    # the Newton path from the BRW point meets the first line's split; the method says so
    assert "several stationary pairs" in engine.method


@pytest.mark.parametrize("proposer", [0, 1])
def test_stationary_pair_at_a_jump_of_the_frontier(proposer):
    d = [[0.0, 0.0], [0.0, 1e-3]]
    family, problem = two_lines(disagreement=d, **JUMP)
    fast = rubinstein_batch(family, (0.9, 0.9), proposer)
    for row in range(len(d)):
        engine = ng.rubinstein_solution(problem(row), (0.9, 0.9), proposer)
        np.testing.assert_allclose(engine.utilities, fast.utilities[row], rtol=0, atol=AGREE * 2.0)
    engine = ng.rubinstein_solution(problem(0), (0.9, 0.9), 0)
    np.testing.assert_allclose(engine.utilities, [0.6, 0.6], rtol=0, atol=AGREE)
    assert "jump" in engine.method
