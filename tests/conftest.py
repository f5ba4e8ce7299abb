"""Shared hypothesis strategies for random bargaining problems and a deterministic profile.

Strategies return small frozen descriptions (with their closed forms) so tests can build the
problem, transform it, and compare with the formula. Import them as ``from conftest import ...``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

import negotiation as ng

settings.register_profile(
    "engine", derandomize=True, deadline=None, max_examples=30, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile("engine")


@dataclass(frozen=True)
class Superellipse:
    """S = {x >= 0 : (x1/a)^p + (x2/b)^p <= 1}, d = 0, with closed-form solutions (theory.md §1)."""

    a: float
    b: float
    p: float

    def phi(self, u1):
        return self.b * (1.0 - np.clip(np.asarray(u1) / self.a, 0.0, 1.0) ** self.p) ** (1.0 / self.p)

    def problem(self, disagreement=(0.0, 0.0)) -> ng.BargainingProblem:
        return ng.BargainingProblem.from_frontier(self.phi, domain=(0.0, self.a), disagreement=disagreement)

    def nash(self, alpha: float = 0.5) -> np.ndarray:
        """x_i = a_i w_i^(1/p): with s_i = (x_i/a_i)^p the problem is max sum w_i log s_i, s1 + s2 = 1."""
        return np.array([self.a * alpha ** (1 / self.p), self.b * (1 - alpha) ** (1 / self.p)])

    def kalai_smorodinsky(self) -> np.ndarray:
        return np.array([self.a, self.b]) * 2 ** (-1 / self.p)

    def egalitarian(self) -> np.ndarray:
        return np.full(2, (self.a ** -self.p + self.b ** -self.p) ** (-1 / self.p))

    def utilitarian(self) -> np.ndarray:
        """p > 1: x_i = a_i^q / (a^q + b^q)^(1/p), q = p / (p - 1)."""
        q = self.p / (self.p - 1)
        return np.array([self.a**q, self.b**q]) / (self.a**q + self.b**q) ** (1 / self.p)


@dataclass(frozen=True)
class LinearTransfer:
    """Contract space with a transfer t (valued linearly by both) plus a quality q and a discrete k.

    u1 = t + a1 q - c1 q^2 + b1 k,  u2 = -t + a2 q - c2 q^2 + b2 k,  d = 0: transferable utility,
    so the asymmetric Nash solution is u1 = alpha sigma with sigma = max (u1 + u2) (theory.md §4).
    """

    a: tuple[float, float]
    c: tuple[float, float]
    b: tuple[float, float]
    transfer: float = 20.0

    def payoffs(self):
        (a1, a2), (c1, c2), (b1, b2) = self.a, self.c, self.b
        return (
            lambda x: x["t"] + a1 * x["q"] - c1 * x["q"] ** 2 + b1 * x["k"],
            lambda x: -x["t"] + a2 * x["q"] - c2 * x["q"] ** 2 + b2 * x["k"],
        )

    def problem(self, disagreement=(0.0, 0.0)) -> ng.BargainingProblem:
        space = {"t": ng.Continuous(-self.transfer, self.transfer), "q": ng.Continuous(0.0, 1.0), "k": ng.Discrete((0, 1))}
        return ng.BargainingProblem.from_contracts(space, self.payoffs(), disagreement=disagreement)

    def surplus(self) -> float:
        """sigma = max_{q in [0, 1], k} (a1 + a2) q - (c1 + c2) q^2 + (b1 + b2) k."""
        a, c, b = sum(self.a), sum(self.c), sum(self.b)
        q = min(max(a / (2 * c), 0.0), 1.0)
        return a * q - c * q**2 + max(b, 0.0)


shrinks = st.floats(0.0, 0.9)
"""Disagreement d = shrink * (componentwise min of a point set): every point is >> d."""
weights = st.floats(0.05, 0.95)
superellipses = st.builds(Superellipse, a=st.floats(0.5, 3.0), b=st.floats(0.5, 3.0), p=st.floats(1.2, 5.0))
symmetric_superellipses = st.builds(lambda a, p: Superellipse(a, a, p), st.floats(0.5, 3.0), st.floats(1.2, 5.0))
point_sets = st.lists(st.tuples(st.floats(0.1, 1.0), st.floats(0.1, 1.0)), min_size=3, max_size=12, unique=True).map(np.array)
linear_transfers = st.builds(
    LinearTransfer,
    a=st.tuples(st.floats(0.5, 2.0), st.floats(0.5, 2.0)),
    c=st.tuples(st.floats(0.1, 1.0), st.floats(0.1, 1.0)),
    b=st.tuples(st.floats(-1.0, 1.0), st.floats(-1.0, 1.0)),
)
affine_maps = st.tuples(st.floats(0.2, 5.0), st.floats(0.2, 5.0), st.floats(-3.0, 3.0), st.floats(-3.0, 3.0))
"""(a1, a2, b1, b2) of L(x) = (a1 x1 + b1, a2 x2 + b2)."""
