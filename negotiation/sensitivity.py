"""Global (Sobol) and one-at-a-time (tornado) sensitivity of a vectorised model to its parameters.

The model is ``model(x) -> {output: array}`` with ``x`` a mapping from every parameter name to an
array of ``N`` values; each output is an array of ``N`` numbers. Parameters vary uniformly on
their ``[low, high]`` range (``scipy.stats.uniform``); a parameter with ``low == high`` is held
fixed, listed in ``fixed``, and has indices zero by definition.

Sobol indices. First-order ``S_i = V(E[Y | X_i]) / V(Y)`` and total-order
``S_Ti = E[V(Y | X_~i)] / V(Y)`` (Sobol 2001) are estimated by
:func:`scipy.stats.sobol_indices` with the Saltelli et al. (2010) estimators on the matrices
``A``, ``B`` and ``AB^(i)`` (``A`` with column ``i`` from ``B``) built from a scrambled Sobol'
sequence of dimension ``2 d`` exactly as scipy builds them, so the indices equal scipy's own
callable path for the same ``rng``; the cost is ``N = n (d + 2)`` model evaluations. The
design is built here only so that the model runs once on all ``N`` points and constant outputs
can be detected before scipy divides by their variance.

Constant outputs (e.g. a discrete term that never changes over the ranges): an output whose
evaluations span at most ``CONSTANT_RTOL`` times their magnitude has zero variance; it is
reported with ``constant = True``, variance 0 and all indices (and intervals) 0, and is not
passed to scipy.

Discrete outputs must arrive as numbers: booleans as 0/1, a categorical term as the index of its
value in the case's tuple of values (an ordinal code). The indices of a binary indicator are
exact variance shares of ``p (1 - p)``; those of a code with three or more levels depend on the
coding, so unordered categories are best analysed as one indicator per level.

References
----------
Saltelli, A., Annoni, P., Azzini, I., Campolongo, F., Ratto, M. and Tarantola, S. (2010).
Variance based sensitivity analysis of model output. Design and estimator for the total
sensitivity index. Computer Physics Communications 181(2), 259-270.

Sobol, I. M. (2001). Global sensitivity indices for nonlinear mathematical models and their
Monte Carlo estimates. Mathematics and Computers in Simulation 55(1-3), 271-280.
"""

from __future__ import annotations

import contextlib
import warnings
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import stats
from scipy.stats import qmc

CONSTANT_RTOL = 1e-12
"""An output is constant when ``max - min <= CONSTANT_RTOL * max|value|`` over all evaluations."""

DEFAULT_CONFIDENCE = 0.95
DEFAULT_RESAMPLES = 999

Model = Callable[[Mapping[str, np.ndarray]], Mapping[str, Any]]


@dataclass(frozen=True)
class Range:
    """A parameter's range and central value, ``low <= central <= high``."""

    low: float
    central: float
    high: float

    def __post_init__(self) -> None:
        if not all(np.isfinite((self.low, self.central, self.high))):
            raise ValueError(f"range must be finite, got {self}")
        if not self.low <= self.central <= self.high:
            raise ValueError(f"range must satisfy low <= central <= high, got {self}")


def ranges_from(specs: Mapping[str, Any]) -> dict[str, Range]:
    """Ranges from objects with ``low``, ``central`` and ``high`` (e.g. a calibration's specs)."""
    return {name: Range(float(s.low), float(s.central), float(s.high)) for name, s in specs.items()}


@dataclass(frozen=True)
class SobolIndices:
    """First- and total-order Sobol indices of each output with respect to each varied parameter.

    Attributes
    ----------
    outputs, parameters : tuple of str
        Row and column labels of the index arrays.
    fixed : tuple of str
        Parameters with ``low == high``: held at their value, indices 0.
    n : int
        Base sample size (model evaluations: ``n (len(parameters) + 2)``).
    first_order, total_order : np.ndarray
        (outputs, parameters).
    variance : np.ndarray
        (outputs,) estimated ``V(Y)`` (from ``A`` and ``B``).
    constant : np.ndarray
        (outputs,) bool: zero variance, indices set to 0.
    first_order_ci, total_order_ci : np.ndarray or None
        (outputs, parameters, 2) bootstrap (BCa) intervals ``[low, high]``; None without bootstrap.
        An index equal in every resample gets ``[index, index]``.
    confidence_level : float or None
    """

    outputs: tuple[str, ...]
    parameters: tuple[str, ...]
    fixed: tuple[str, ...]
    n: int
    first_order: np.ndarray
    total_order: np.ndarray
    variance: np.ndarray
    constant: np.ndarray
    first_order_ci: np.ndarray | None = None
    total_order_ci: np.ndarray | None = None
    confidence_level: float | None = None


@dataclass(frozen=True)
class Tornado:
    """One-at-a-time effects: each parameter at its low and high end, the others central.

    ``base`` (outputs,) is the model at the central point; ``low`` and ``high`` (outputs,
    parameters) are the outputs with that parameter moved; ``swing = high - low``.
    """

    outputs: tuple[str, ...]
    parameters: tuple[str, ...]
    base: np.ndarray
    low: np.ndarray
    high: np.ndarray

    @property
    def swing(self) -> np.ndarray:
        """``high - low`` (outputs, parameters)."""
        return self.high - self.low

    def ranking(self, output: str) -> tuple[str, ...]:
        """Parameters by decreasing ``|swing|`` for ``output`` (ties keep the given order)."""
        row = np.abs(self.swing[self.outputs.index(output)])
        return tuple(self.parameters[i] for i in np.argsort(-row, kind="stable"))


def sobol(
    model: Model,
    ranges: Mapping[str, Range],
    n: int,
    seed: int | np.random.Generator | None = None,
    *,
    bootstrap: bool = True,
    confidence_level: float = DEFAULT_CONFIDENCE,
    n_resamples: int = DEFAULT_RESAMPLES,
) -> SobolIndices:
    """Sobol indices (first and total order) of every output of ``model``.

    Parameters
    ----------
    model : callable
        ``model(x) -> {output: array (N,)}``, ``x`` mapping every name in ``ranges`` to (N,).
    ranges : Mapping[str, Range]
        Each parameter uniform on ``[low, high]``; ``low == high`` fixes it.
    n : int
        Base sample size, a power of two (balance of Sobol' points).
    seed : int or Generator, optional
        ``rng`` of the scrambled Sobol' sequence.
    bootstrap : bool
        Add BCa bootstrap intervals (``SobolResult.bootstrap``); costs ``O(n^2 d)`` per output
        for the jackknife, so turn it off for large ``n``.
    confidence_level, n_resamples
        Passed to ``SobolResult.bootstrap``.

    Raises
    ------
    ValueError
        If ``n`` is not a power of two, no parameter varies, or the model returns outputs of
        the wrong shape or non-finite values.
    """
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 2 or n & (n - 1):
        raise ValueError(f"n must be a power of two >= 2, got {n!r}")
    varied = tuple(k for k, r in ranges.items() if r.high > r.low)
    fixed = tuple(k for k in ranges if k not in varied)
    if not varied:
        raise ValueError("ranges must contain at least one parameter with low < high")
    d = len(varied)
    dists = [stats.uniform(loc=ranges[k].low, scale=ranges[k].high - ranges[k].low) for k in varied]
    a_b = qmc.Sobol(d=2 * d, rng=seed, bits=64).random(n).T.reshape(2, d, n)
    for i, dist in enumerate(dists):
        a_b[:, i] = dist.ppf(a_b[:, i])
    a, b = a_b
    ab = np.repeat(a[np.newaxis], d, axis=0)
    ab[np.arange(d), np.arange(d)] = b
    design = np.concatenate([a, b, *ab], axis=1)  # (d, n (d + 2))
    outputs, values = _evaluate(model, ranges, varied, design)
    f_a, f_b = values[:, :n], values[:, n : 2 * n]
    f_ab = np.moveaxis(values[:, 2 * n :].reshape(len(outputs), d, n), 1, 0)
    constant = _is_constant(values)
    variance = np.where(constant, 0.0, np.var(np.concatenate([f_a, f_b], axis=1), axis=1))
    first, total = np.zeros((len(outputs), d)), np.zeros((len(outputs), d))
    ci = (np.zeros((len(outputs), d, 2)), np.zeros((len(outputs), d, 2))) if bootstrap else (None, None)
    live = np.flatnonzero(~constant)
    if live.size:
        result = stats.sobol_indices(func={"f_A": f_a[live], "f_B": f_b[live], "f_AB": f_ab[:, live]}, n=n)
        first[live] = np.reshape(result.first_order, (live.size, d))
        total[live] = np.reshape(result.total_order, (live.size, d))
        if bootstrap:
            with warnings.catch_warnings(), np.errstate(invalid="ignore", divide="ignore"), _seeded_global_rng(seed):
                warnings.simplefilter("ignore", stats.DegenerateDataWarning)  # handled by _interval
                boot = result.bootstrap(confidence_level=confidence_level, n_resamples=n_resamples)
            for target, part, estimate in zip(ci, (boot.first_order, boot.total_order), (first, total)):
                target[live] = _interval(part, estimate[live])
    return SobolIndices(
        outputs, varied, fixed, int(n), first, total, variance, constant, *ci, confidence_level if bootstrap else None
    )


@contextlib.contextmanager
def _seeded_global_rng(seed: int | None) -> Iterator[None]:
    """Seed numpy's global generator for the block, then restore its state.

    ``SobolResult.bootstrap`` resamples with numpy's global generator and takes no ``rng``
    (scipy 1.17), so without this its intervals change from run to run.
    """
    state = np.random.get_state()
    np.random.seed(np.random.SeedSequence(seed).generate_state(1)[0] if seed is not None else None)
    try:
        yield
    finally:
        np.random.set_state(state)


def sobol_convergence(
    model: Model, ranges: Mapping[str, Range], n: int, doublings: int, seed: int | None = None, **options: Any
) -> tuple[SobolIndices, ...]:
    """Sobol indices at ``n, 2n, ..., 2^doublings n`` (nested designs: same scrambled sequence).

    Indices that still move between the last two sizes by more than their interval width have
    not converged. ``options`` go to :func:`sobol`.
    """
    if isinstance(doublings, bool) or not isinstance(doublings, int) or doublings < 0:
        raise ValueError(f"doublings must be an integer >= 0, got {doublings!r}")
    return tuple(sobol(model, ranges, n * 2**k, seed, **options) for k in range(doublings + 1))


def convergence_table(results: Sequence[SobolIndices]) -> list[dict[str, Any]]:
    """Rows ``{output, parameter, n, first_order, total_order[, *_ci]}`` for every size in ``results``."""
    rows = []
    for res in results:
        for i, output in enumerate(res.outputs):
            for j, parameter in enumerate(res.parameters):
                row = {"output": output, "parameter": parameter, "n": res.n,
                       "first_order": float(res.first_order[i, j]), "total_order": float(res.total_order[i, j])}
                if res.first_order_ci is not None and res.total_order_ci is not None:
                    row["first_order_ci"] = tuple(map(float, res.first_order_ci[i, j]))
                    row["total_order_ci"] = tuple(map(float, res.total_order_ci[i, j]))
                rows.append(row)
    return rows


def tornado(model: Model, ranges: Mapping[str, Range]) -> Tornado:
    """Each parameter at ``low`` then ``high`` with the others central (one model call, 2d + 1 points)."""
    names = tuple(ranges)
    if not names:
        raise ValueError("ranges must not be empty")
    d = len(names)
    central = np.array([ranges[k].central for k in names])
    design = np.repeat(central[:, np.newaxis], 2 * d + 1, axis=1)
    design[np.arange(d), 1 + np.arange(d)] = [ranges[k].low for k in names]
    design[np.arange(d), 1 + d + np.arange(d)] = [ranges[k].high for k in names]
    outputs, values = _evaluate(model, ranges, names, design)
    return Tornado(outputs, names, values[:, 0], values[:, 1 : 1 + d], values[:, 1 + d :])


def _evaluate(
    model: Model, ranges: Mapping[str, Range], varied: Sequence[str], design: np.ndarray
) -> tuple[tuple[str, ...], np.ndarray]:
    """Run ``model`` on the design columns (fixed parameters at their value): names, (outputs, N)."""
    n_points = design.shape[1]
    x = {k: np.full(n_points, ranges[k].central) for k in ranges}
    x.update(zip(varied, design))
    raw = model(x)
    if not isinstance(raw, Mapping) or not raw:
        raise ValueError(f"model must return a non-empty mapping of arrays, got {type(raw).__name__}")
    names = tuple(raw)
    values = np.empty((len(names), n_points))
    for row, name in enumerate(names):
        value = np.asarray(raw[name])
        if value.shape != (n_points,):
            raise ValueError(f"model output {name!r} must have shape ({n_points},), got {value.shape}")
        if not np.issubdtype(value.dtype, np.number) and value.dtype != bool:
            raise ValueError(f"model output {name!r} must be numeric (encode discrete terms), got {value.dtype}")
        values[row] = value
        bad = np.count_nonzero(~np.isfinite(values[row]))
        if bad:
            raise ValueError(f"model output {name!r} is not finite at {bad} of {n_points} points")
    return names, values


def _interval(part: Any, estimate: np.ndarray) -> np.ndarray:
    """(outputs, parameters, 2) interval; ``[estimate, estimate]`` where every resample agrees.

    BCa is undefined for a degenerate bootstrap distribution (scipy returns NaN), e.g. an index
    that is exactly 0 in every resample because the output does not depend on that parameter.
    """
    shape = estimate.shape
    low = np.reshape(part.confidence_interval.low, shape)
    high = np.reshape(part.confidence_interval.high, shape)
    spread = np.reshape(np.ptp(part.bootstrap_distribution, axis=-1), shape)
    degenerate = np.isnan(low) & (spread == 0)
    return np.stack([np.where(degenerate, estimate, low), np.where(degenerate, estimate, high)], axis=-1)


def _is_constant(values: np.ndarray) -> np.ndarray:
    """(outputs,) True where all evaluations agree to ``CONSTANT_RTOL`` of their magnitude."""
    return np.ptp(values, axis=1) <= CONSTANT_RTOL * np.max(np.abs(values), axis=1)
