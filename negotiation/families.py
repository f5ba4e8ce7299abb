"""Seeded random families of contract problems whose payoffs broadcast over parameter draws.

One generator serves the tests of the vectorised path and the scale benchmark, so both measure the
same problems: ``terms`` continuous terms in [0, 1] and ``binary`` binary terms (2^binary
combinations); player 1 gains linearly in each continuous term (minus a quadratic cost when
``shape = "concave"``), player 2 loses linearly (or gains ``log1p`` of what is left, concave); each
combination shifts both payoffs; per draw the parameters ``a`` (a level), ``s`` and ``r`` (the two
sides' stakes) and the disagreement point are uniform on fixed ranges, balanced so that rays from
``d`` meet the Pareto part of the frontier.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from negotiation.problem import Continuous, Discrete

__all__ = ["SHAPES", "random_family"]

SHAPES = ("linear", "concave")


def random_family(terms: int, binary: int, shape: str, draws: int, seed: int
                  ) -> tuple[dict, tuple[Callable, Callable], dict[str, np.ndarray], np.ndarray]:
    """``(space, (f1, f2), parameters, d)``: payoffs ``f(contract, parameters)``, ``parameters[name]`` of
    shape ``(draws,)`` and ``d`` of shape ``(draws, 2)``.

    Examples
    --------
    >>> space, payoffs, parameters, d = random_family(2, 1, "concave", draws=3, seed=0)
    >>> sorted(space), d.shape
    (['k0', 'y0', 'y1'], (3, 2))
    """
    if shape not in SHAPES:
        raise ValueError(f"shape must be one of {SHAPES}, got {shape!r}")
    if terms < 1 or binary < 0 or draws < 1:
        raise ValueError(f"need terms >= 1, binary >= 0 and draws >= 1, got {terms}, {binary}, {draws}")
    rng = np.random.default_rng(seed)
    space: dict = {f"y{j}": Continuous(0.0, 1.0) for j in range(terms)}
    space.update({f"k{i}": Discrete((0, 1)) for i in range(binary)})
    lin, disc = rng.uniform(0.2, 1.0, (2, terms)), rng.normal(0.0, 0.3, (2, binary))
    concave = shape == "concave"

    def f1(c, p):
        total = p["a"] + sum(disc[0, i] * c[f"k{i}"] for i in range(binary))
        return total + sum(p["s"] * lin[0, j] * c[f"y{j}"] - concave * 0.2 * c[f"y{j}"] ** 2 for j in range(terms))

    def f2(c, p):
        total = p["a"] + sum(disc[1, i] * c[f"k{i}"] for i in range(binary))
        return total + sum(np.log1p(p["r"] * lin[1, j] * (1.0 - c[f"y{j}"])) if concave
                           else p["r"] * lin[1, j] * (1.0 - c[f"y{j}"]) for j in range(terms))

    parameters = {"a": rng.uniform(1.0, 2.0, draws), "s": rng.uniform(0.5, 1.5, draws), "r": rng.uniform(0.5, 2.0, draws)}
    return space, (f1, f2), parameters, rng.uniform(0.0, 0.5, (draws, 2))
