"""Input validation: every helper raises ``ValueError`` naming the argument and the allowed range;
``PayoffError`` (a ``ValueError``) names a user payoff or constraint and the contract where it failed."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np


class PayoffError(ValueError):
    """A user payoff or constraint raised, returned a non-number or a non-finite value at a contract."""


class NoGainError(ValueError):
    """No feasible agreement gives both players more than the disagreement point: nothing to bargain over."""


def finite_array(name: str, value: Any, *, ndim: int | None = None) -> np.ndarray:
    """Return ``value`` as a float array, rejecting NaN, inf and non-numeric input.

    Raises
    ------
    ValueError
        If ``value`` is not numeric, has ``ndim`` other than requested, or holds NaN/inf.
    """
    try:
        array = np.asarray(value, dtype=float)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must be numeric, got {value!r}") from exc
    if ndim is not None and array.ndim != ndim:
        raise ValueError(f"{name} must be a {ndim}-d array, got shape {array.shape}")
    if not np.all(np.isfinite(array)):
        raise ValueError(f"{name} must be finite (no NaN or inf), got {value!r}")
    return array


def finite_pair(name: str, value: Any) -> np.ndarray:
    """Return ``value`` as a finite float array of shape (2,), read-only."""
    array = finite_array(name, value)
    if array.shape != (2,):
        raise ValueError(f"{name} must have shape (2,), got shape {array.shape}")
    array = array.copy()
    array.setflags(write=False)
    return array


def interval_bounds(name: str, value: Any) -> tuple[float, float]:
    """Return ``(lo, hi)`` from a finite pair with ``lo < hi``."""
    lo, hi = (float(v) for v in finite_pair(name, value))
    if not lo < hi:
        raise ValueError(f"{name} must satisfy lo < hi, got ({lo!r}, {hi!r})")
    return lo, hi


WEIGHT_SUM_TOL = 1e-12
"""Weights that must sum to one may miss by this much (rounding of e.g. (1/3, 2/3))."""


def positive_weights(name: str, value: Any, *, sum_to_one: bool, tol: float = WEIGHT_SUM_TOL) -> np.ndarray:
    """Return a pair of strictly positive weights, optionally summing to one within ``tol``."""
    weights = finite_pair(name, value)
    plain = plain_numbers(weights)
    if np.any(weights <= 0):
        raise ValueError(f"{name} must be strictly positive (each in (0, inf)), got {plain}")
    if sum_to_one and abs(weights.sum() - 1.0) > tol:
        raise ValueError(f"{name} must sum to one (each in (0, 1)), got {plain} summing to {float(weights.sum())!r}")
    return weights


def plain_numbers(array: np.ndarray) -> tuple[float, ...]:
    """The entries of a 1-d array as Python floats, so messages print ``(2.0, 1.0)``, not numpy reprs."""
    return tuple(float(v) for v in array)


def require_callable(name: str, value: Any) -> None:
    """Reject a non-callable ``value``."""
    if not callable(value):
        raise ValueError(f"{name} must be callable, got {type(value).__name__}")


def contract_inputs(space: Any, payoffs: Any, constraints: Any, signature: str = "contract") -> None:
    """Validate the parts of a contract problem: a non-empty ``space`` of named terms, a pair of payoff
    callables and a sequence of constraint callables (``signature`` names their argument list in
    the messages: ``contract`` or ``contract, parameters``).

    Raises
    ------
    ValueError
        Naming the argument and what it must be.
    """
    from negotiation.problem import Continuous, Discrete  # the term types live with the problem

    if not isinstance(space, Mapping) or not space:
        raise ValueError(f"space must be a non-empty mapping name -> Continuous | Discrete, got {space!r}")
    for name, term in space.items():
        if not isinstance(name, str) or not isinstance(term, (Continuous, Discrete)):
            raise ValueError(f"space[{name!r}] must be Continuous or Discrete under a str name, got {term!r}")
    if isinstance(payoffs, (str, bytes)) or not isinstance(payoffs, Sequence) or len(payoffs) != 2:
        raise ValueError(f"payoffs must be a pair (f1, f2) of callables f({signature}), got {payoffs!r}")
    for i, f in enumerate(payoffs):
        require_callable(f"payoffs[{i}]", f)
    if isinstance(constraints, (str, bytes)) or not isinstance(constraints, Sequence):
        raise ValueError(f"constraints must be a sequence of callables g({signature}) >= 0, got {constraints!r}")
    for j, g in enumerate(constraints):
        require_callable(f"constraints[{j}]", g)
