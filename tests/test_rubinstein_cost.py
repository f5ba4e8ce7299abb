"""The cost of Rubinstein's equilibrium rule on contract problems, in Nash solves (deterministic counts)."""

from __future__ import annotations

import numpy as np
import pytest

import negotiation as ng
import negotiation.games.alternating_offers as ao


def wage_problem() -> ng.BargainingProblem:
    """The wage bargain of ``benchmarks/bench_issue12.py``: wage, hours and a pension option."""
    space = {"wage": ng.Continuous(10.0, 40.0), "hours": ng.Continuous(20.0, 50.0), "pension": ng.Discrete((False, True))}
    firm = lambda c: 30.0 * c["hours"] - c["wage"] * c["hours"] - 50.0 * c["pension"]  # noqa: E731
    worker = lambda c: c["wage"] * c["hours"] - 0.2 * c["hours"] ** 2 + 60.0 * c["pension"]  # noqa: E731
    return ng.BargainingProblem.from_contracts(space, (firm, worker), disagreement=(0.0, 0.0))


def curved_problem() -> ng.BargainingProblem:
    space = {"x": ng.Continuous(0, 1), "y": ng.Continuous(0, 2), "b": ng.Discrete((0, 1, 2))}
    f1 = lambda c: np.sqrt(c["x"] + 0.1) * (1 + 0.3 * c["b"]) - 0.2 * c["y"]  # noqa: E731
    f2 = lambda c: (1 - c["x"]) ** 1.5 + 0.1 * c["y"] * (2 - c["b"])  # noqa: E731
    return ng.BargainingProblem.from_contracts(space, (f1, f2), disagreement=(0.1, 0.05))


@pytest.fixture
def nash_count(monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    """Counts the Nash solves of alternating offers (the Newton iterates and the scan's sharpening)."""
    count = {"nash": 0}
    solve = ao.nash_solution

    def counted(*args, **kwargs):
        count["nash"] += 1
        return solve(*args, **kwargs)

    monkeypatch.setattr(ao, "nash_solution", counted)
    return count


def test_wage_bargain_scan_is_settled_by_the_pairs_contract_line(nash_count: dict[str, int]) -> None:
    # On the pension's stretch the frontier is u1 + u2 = 1010, the image of the wage: the line of
    # contracts through the Newton pair bounds phi(y1) exactly, so the grid points above the pair
    # need at most one sharpening Nash solve (they needed seven), beside the pair's five.
    s = ng.rubinstein_solution(wage_problem(), (0.9, 0.8))
    assert s.utilities[0] == pytest.approx(1010 * 0.2 / 0.28, rel=1e-9)
    assert s.utilities.sum() == pytest.approx(1010, rel=1e-9)
    assert s.contract["pension"] is True
    assert "Newton" in s.method and "several stationary pairs" not in s.method
    assert nash_count["nash"] <= 6


def test_segment_bound_is_a_lower_bound_on_phi() -> None:
    # Points of S on the line of contracts through the pair: never above the frontier, wherever asked.
    p = curved_problem()
    delta = np.array([0.9, 0.8])
    pair = ao._spe_by_tangents(p, delta, np.array([-np.inf, -np.inf]))
    assert pair is not None
    lower = ao._segment_bound(p, *pair[2])
    assert lower is not None
    for u1 in np.linspace(p.disagreement[0], float(ng.ideal_point(p)[0]), 17):
        bound = lower(float(u1))
        if np.isfinite(bound):
            assert bound <= ao.frontier_value(p, float(u1))[0] + 1e-9


def test_segment_bound_needs_one_combination() -> None:
    p = wage_problem()
    x = ng.rubinstein_solution(p, (0.9, 0.8))
    other = ng.Solution(utilities=x.utilities, concept="rubinstein", weights=None, method="", contract={**x.contract, "pension": False})
    assert ao._segment_bound(p, x, other) is None
