"""Monte Carlo sweeps of a vectorised model over calibrated parameter draws.

A sweep evaluates ``evaluate(parameters) -> {name: array}`` on ``n_draws`` draws of a calibration
(any object with ``sample(rng, n)``), chunk by chunk, on any :class:`concurrent.futures.Executor`
(serial, a process pool, or a Dask cluster through ``Client.get_executor()``).

Reproducibility. Draws come in fixed blocks of ``block_size``: block ``b`` is sampled from
``default_rng(SeedSequence(seed, spawn_key=(b,)))``, which is the ``b``-th child of
``SeedSequence(seed).spawn(...)`` (O'Neill 2015; numpy's recommended way to seed parallel
streams). The draws therefore depend on ``(seed, block_size)`` only, not on the chunk size, the
executor, the number of workers or the order in which chunks finish; the first ``n`` draws of a
longer sweep are the draws of the shorter one. Results are bit-for-bit identical across
executors as long as ``evaluate`` is computed draw by draw (elementwise array code is).

Infeasible draws. ``evaluate`` may return a boolean array under :data:`INFEASIBLE` (e.g. a draw
with no contract better than disagreement for both). Such draws never stop the sweep: the
result counts them, keeps their indices and parameter values, and every summary reports
``n_feasible`` of ``n``. Several models evaluated together (outputs ``<prefix>.<name>``, each
with its own ``<prefix>.infeasible``) give one sweep each through :func:`split`.

Interruption. With ``checkpoint_dir`` every finished chunk is written atomically as
``chunk-<index>.npz`` (temporary file, then :func:`os.replace`). An interrupted sweep
(``KeyboardInterrupt`` or any error) keeps those files; the same call with ``resume=True``
evaluates only the missing chunks and returns the same bytes as an uninterrupted run.

References
----------
O'Neill, M. E. (2015). PCG: a family of simple fast space-efficient statistically good
algorithms for random number generation. Technical report HMC-CS-2014-0905.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import sys
import tempfile
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Executor, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any, Protocol

import numpy as np

INFEASIBLE = "infeasible"
"""Output key of the boolean mask of infeasible draws (optional in ``evaluate``'s result)."""

DEFAULT_CHUNK_SIZE = 4096
"""Most draws per task: large enough to amortise task overhead, small enough to checkpoint often."""

CHUNKS_PER_WORKER = 4
"""The default chunk size gives each worker of the executor about this many chunks (load balance)."""

DEFAULT_BLOCK_SIZE = 256
"""Draws per random stream; part of the reproducibility key (changing it changes the draws)."""

SERIAL_MAX_DRAWS = 8192
"""With ``executor=None``, sweeps of at most this many draws run in the calling process."""

DEFAULT_QUANTILES = (0.05, 0.5, 0.95)

CHECKPOINT_FORMAT = 1
_MANIFEST = "manifest.json"

Seed = int | Sequence[int]
Progress = Callable[[int, int], None]
"""``progress(done_draws, total_draws)``, called once per finished chunk."""


class Sampler(Protocol):
    """A calibration: ``sample(rng, n)`` returns a dataclass or mapping of arrays of length ``n``."""

    def sample(self, rng: np.random.Generator, n: int) -> Any:
        """``n`` independent draws."""


@dataclass(frozen=True)
class Chunk:
    """Draws ``[start, stop)`` of a sweep, the ``index``-th task."""

    index: int
    start: int
    stop: int

    @property
    def size(self) -> int:
        """Number of draws."""
        return self.stop - self.start


@dataclass(frozen=True)
class Summary:
    """Statistics of one output over the feasible draws (per trailing element for array outputs)."""

    name: str
    n: int
    n_feasible: int
    mean: np.ndarray
    std: np.ndarray
    quantiles: Mapping[float, np.ndarray]

    def __str__(self) -> str:
        q = ", ".join(f"q{100 * p:g}={np.array2string(np.asarray(v), precision=4)}" for p, v in self.quantiles.items())
        return (
            f"{self.name}: mean={np.array2string(np.asarray(self.mean), precision=4)} "
            f"std={np.array2string(np.asarray(self.std), precision=4)} {q} "
            f"(n_feasible={self.n_feasible} of n={self.n})"
        )


@dataclass(frozen=True)
class SweepResult:
    """Outputs of every draw, in draw order, and the infeasible draws.

    Attributes
    ----------
    outputs : Mapping[str, np.ndarray]
        Each output with the draws on axis 0 (``n_draws`` rows, infeasible ones included as
        ``evaluate`` returned them).
    feasible : np.ndarray
        (n_draws,) bool.
    infeasible_draws : np.ndarray
        Indices of the infeasible draws.
    infeasible_parameters : Mapping[str, np.ndarray]
        Every parameter's values at the infeasible draws (same order as ``infeasible_draws``).
    seed, n_draws, chunk_size, block_size
        How the sweep was run; ``(seed, block_size)`` determine the draws
        (:func:`draws` regenerates them).
    """

    outputs: Mapping[str, np.ndarray]
    feasible: np.ndarray
    infeasible_draws: np.ndarray
    infeasible_parameters: Mapping[str, np.ndarray]
    seed: Seed
    n_draws: int
    chunk_size: int
    block_size: int

    @property
    def n_feasible(self) -> int:
        """Number of feasible draws."""
        return int(np.count_nonzero(self.feasible))

    @property
    def n_infeasible(self) -> int:
        """Number of infeasible draws."""
        return self.n_draws - self.n_feasible

    def summary(self, quantiles: Sequence[float] = DEFAULT_QUANTILES) -> dict[str, Summary]:
        """Mean, standard deviation and quantiles of every output over the feasible draws.

        Non-finite values of feasible draws are not dropped: they make the statistics NaN.
        """
        return {name: summarize(name, values, self.feasible, quantiles) for name, values in self.outputs.items()}


def summarize(name: str, values: np.ndarray, feasible: np.ndarray, quantiles: Sequence[float] = DEFAULT_QUANTILES) -> Summary:
    """:class:`Summary` of ``values[feasible]`` (NaN statistics when no draw is feasible)."""
    kept = np.asarray(values, dtype=float)[feasible]
    if kept.shape[0] == 0:
        empty = np.full(kept.shape[1:], np.nan)
        return Summary(name, len(feasible), 0, empty, empty, MappingProxyType({q: empty for q in quantiles}))
    return Summary(
        name,
        len(feasible),
        kept.shape[0],
        kept.mean(axis=0),
        kept.std(axis=0, ddof=1) if kept.shape[0] > 1 else np.zeros(kept.shape[1:]),
        MappingProxyType({q: np.quantile(kept, q, axis=0) for q in quantiles}),
    )


@dataclass(frozen=True)
class Frequencies:
    """How often each option of a categorical output (codes ``0..k-1``) occurs over the feasible draws."""

    name: str
    n: int
    n_feasible: int
    counts: Mapping[str, int]

    @property
    def shares(self) -> dict[str, float]:
        """``counts`` as fractions of ``n_feasible`` (NaN when no draw is feasible)."""
        return {label: count / self.n_feasible if self.n_feasible else float("nan") for label, count in self.counts.items()}


NO_OPTION = "none (no agreement)"
"""Label of code -1 in :func:`frequencies`: the draw has no agreement for this output."""


def frequencies(name: str, codes: np.ndarray, feasible: np.ndarray, labels: Sequence[str]) -> Frequencies:
    """Counts per option of ``codes[feasible]``, an output coding option ``labels[c]`` as ``c``.

    Code -1 is counted under :data:`NO_OPTION`; it appears only if it occurs.

    Raises
    ------
    ValueError
        If a code is not -1 or an index of ``labels``.
    """
    kept = np.asarray(codes)[feasible]
    valid = np.isin(kept, np.arange(-1, len(labels)))
    if not valid.all():
        raise ValueError(f"{name}: codes must be -1 or 0..{len(labels) - 1} (one per option), got {kept[~valid][0]!r}")
    counts = {label: int(np.count_nonzero(kept == code)) for code, label in enumerate(labels)}
    missing = int(np.count_nonzero(kept == -1))
    return Frequencies(name, len(feasible), int(kept.shape[0]),
                       MappingProxyType(counts | ({NO_OPTION: missing} if missing else {})))


def plan(n_draws: int, chunk_size: int) -> tuple[Chunk, ...]:
    """The chunks of a sweep: consecutive ranges of ``chunk_size`` draws (the last may be shorter)."""
    _positive("n_draws", n_draws)
    _positive("chunk_size", chunk_size)
    starts = range(0, n_draws, chunk_size)
    return tuple(Chunk(i, s, min(s + chunk_size, n_draws)) for i, s in enumerate(starts))


def draws(calibration: Sampler, seed: Seed, start: int, stop: int, block_size: int = DEFAULT_BLOCK_SIZE) -> Any:
    """Draws ``[start, stop)`` of the sweep with ``seed``, of the type ``calibration.sample`` returns.

    Block ``b`` (draws ``[b B, (b + 1) B)``, ``B = block_size``) is
    ``calibration.sample(default_rng(SeedSequence(seed, spawn_key=(b,))), B)``.
    """
    _positive("block_size", block_size)
    if not 0 <= start < stop:
        raise ValueError(f"draw range must satisfy 0 <= start < stop, got [{start}, {stop})")
    first, last = start // block_size, (stop - 1) // block_size
    blocks = [_block(calibration, seed, b, block_size) for b in range(first, last + 1)]
    columns = {k: np.concatenate([_columns(b)[k] for b in blocks]) for k in _columns(blocks[0])}
    offset = first * block_size
    return _rebuild(blocks[0], {k: v[start - offset : stop - offset] for k, v in columns.items()})


def sweep(
    evaluate: Callable[[Any], Mapping[str, np.ndarray]],
    calibration: Sampler,
    n_draws: int,
    seed: Seed,
    chunk_size: int | None = None,
    *,
    block_size: int = DEFAULT_BLOCK_SIZE,
    executor: Executor | None = None,
    checkpoint_dir: Path | str | None = None,
    resume: bool = False,
    progress: Progress | None = None,
    max_in_flight: int | None = None,
) -> SweepResult:
    """Evaluate a vectorised model on ``n_draws`` calibrated draws, chunk by chunk.

    Parameters
    ----------
    evaluate : callable
        ``evaluate(parameters) -> {name: array}``, vectorised over the draws of one chunk (every
        array has the chunk's draws on axis 0). An optional boolean array under
        :data:`INFEASIBLE` flags infeasible draws. Must be picklable for process pools and Dask
        (a module-level function or a :func:`functools.partial` of one).
    calibration : Sampler
        ``calibration.sample(rng, n)``; sampled in the calling process, so it need not pickle.
    n_draws : int
        Number of draws.
    seed : int or sequence of int
        Entropy of the root :class:`numpy.random.SeedSequence`.
    chunk_size : int, optional
        Draws per task (does not change the results). Default: :func:`default_chunk_size` for the
        executor's workers, so a small sweep still uses them all; when resuming, the chunk size
        in ``checkpoint_dir``'s manifest.
    block_size : int
        Draws per random stream (changes the draws; keep the default to reproduce results).
    executor : concurrent.futures.Executor, optional
        Where chunks run, e.g. ``dask.distributed.Client(...).get_executor()``. Default: the
        calling process for at most ``SERIAL_MAX_DRAWS`` draws or a single chunk, else a
        :class:`~concurrent.futures.ProcessPoolExecutor` with one worker per usable CPU,
        shut down before returning.
    checkpoint_dir : path, optional
        Directory for the per-chunk ``.npz`` files and a ``manifest.json`` of the sweep's key.
    resume : bool
        Reuse the chunks in ``checkpoint_dir`` (the manifest must match this call). Without it,
        a directory that already holds chunks is an error.
    progress : callable, optional
        ``progress(done_draws, total_draws)`` after each chunk (see :func:`stderr_progress`).
    max_in_flight : int, optional
        Chunks submitted but not finished (bounds memory); default twice the CPU count.

    Returns
    -------
    SweepResult

    Raises
    ------
    ValueError
        On bad arguments, inconsistent outputs of ``evaluate``, or a checkpoint directory that
        belongs to another sweep.
    KeyboardInterrupt
        Re-raised after the finished chunks were saved.
    """
    if not callable(evaluate):
        raise ValueError(f"evaluate must be callable, got {type(evaluate).__name__}")
    _positive("block_size", block_size)
    if chunk_size is None:
        chunk_size = _resumed_chunk_size(checkpoint_dir) if resume else None
        if chunk_size is None:
            chunk_size = default_chunk_size(n_draws, executor_workers(executor, n_draws))
    chunks = plan(n_draws, chunk_size)
    store = None
    if checkpoint_dir is not None:
        key = _sweep_key(evaluate, calibration, n_draws, seed, chunk_size, block_size)
        store = _Checkpoints.open(Path(checkpoint_dir), key, resume)
    done = {c.index: store.load(c) for c in chunks if store is not None and store.has(c)}
    todo = [c for c in chunks if c.index not in done]
    report = _Reporter(progress, n_draws, sum(chunks[i].size for i in done))
    with _ExecutorScope(executor, todo, n_draws) as pool:
        tasks = ((c, draws(calibration, seed, c.start, c.stop, block_size)) for c in todo)
        for chunk, outputs in _run(evaluate, pool, tasks, max_in_flight or 2 * usable_cpus()):
            if store is not None:
                store.save(chunk, outputs)
            done[chunk.index] = outputs
            report(chunk.size)
    return _assemble(chunks, done, calibration, seed, chunk_size, block_size)


def default_chunk_size(n_draws: int, workers: int) -> int:
    """Draws per task so that each of ``workers`` gets about ``CHUNKS_PER_WORKER`` chunks,

        chunk = min(DEFAULT_CHUNK_SIZE, ceil(n_draws / (workers * CHUNKS_PER_WORKER))),

    and ``DEFAULT_CHUNK_SIZE`` for a single worker (nothing to balance). The chunk size never
    changes the draws or the results (each draw comes from its fixed seed block).

    Raises
    ------
    ValueError
        If ``n_draws`` or ``workers`` is not an integer >= 1.
    """
    _positive("n_draws", n_draws)
    _positive("workers", workers)
    if workers == 1:
        return DEFAULT_CHUNK_SIZE
    return min(DEFAULT_CHUNK_SIZE, -(-n_draws // (workers * CHUNKS_PER_WORKER)))


def executor_workers(executor: Executor | None, n_draws: int) -> int:
    """How many chunks ``executor`` runs at once: a Dask client's threads over all its workers,
    a pool's ``max_workers``, else the usable CPUs; with no executor, what :func:`sweep` would start
    (one process per usable CPU above ``SERIAL_MAX_DRAWS`` draws, else the calling process)."""
    if executor is None:
        return usable_cpus() if n_draws > SERIAL_MAX_DRAWS else 1
    client = getattr(executor, "_client", None)  # dask.distributed's ClientExecutor
    if client is not None and hasattr(client, "nthreads"):
        try:
            return max(1, int(sum(client.nthreads().values())))
        except Exception:  # noqa: BLE001 - a client that cannot say: fall back to the CPUs here
            return usable_cpus()
    workers = getattr(executor, "_max_workers", None)
    return workers if isinstance(workers, int) and workers > 0 else usable_cpus()


def _resumed_chunk_size(checkpoint_dir: Path | str | None) -> int | None:
    """The chunk size recorded in ``checkpoint_dir``'s manifest, if there is one."""
    manifest = None if checkpoint_dir is None else Path(checkpoint_dir) / _MANIFEST
    if manifest is None or not manifest.exists():
        return None
    value = json.loads(manifest.read_text()).get("chunk_size")
    return value if isinstance(value, int) and value >= 1 else None


def stderr_progress(done: int, total: int) -> None:
    """Print ``sweep: done/total draws (pct%)`` to stderr (a ``progress`` callback)."""
    print(f"sweep: {done}/{total} draws ({100 * done / total:.0f}%)", file=sys.stderr, flush=True)


def usable_cpus() -> int:
    """CPUs this process may use (``os.process_cpu_count`` on Python >= 3.13, else affinity/count)."""
    if hasattr(os, "process_cpu_count"):
        return os.process_cpu_count() or 1
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0)) or 1
    return os.cpu_count() or 1


# ----------------------------------------------------------------------------- evaluation
def evaluate_chunk(evaluate: Callable[[Any], Mapping[str, np.ndarray]], parameters: Any, size: int) -> dict[str, np.ndarray]:
    """Run ``evaluate`` on one chunk and check its outputs (runs in the worker)."""
    raw = evaluate(parameters)
    if not isinstance(raw, Mapping) or not raw:
        raise ValueError(f"evaluate must return a non-empty mapping of arrays, got {type(raw).__name__}")
    outputs = {str(k): np.asarray(v) for k, v in raw.items()}
    for name, value in outputs.items():
        if value.ndim == 0 or value.shape[0] != size:
            raise ValueError(f"evaluate output {name!r} must have the {size} draws on axis 0, got shape {value.shape}")
    if INFEASIBLE in outputs and outputs[INFEASIBLE].dtype != bool:
        raise ValueError(f"evaluate output {INFEASIBLE!r} must be boolean, got {outputs[INFEASIBLE].dtype}")
    return outputs


def _run(
    evaluate: Callable[[Any], Mapping[str, np.ndarray]],
    executor: Executor | None,
    tasks: Iterable[tuple[Chunk, Any]],
    window: int,
) -> Iterator[tuple[Chunk, dict[str, np.ndarray]]]:
    """Yield ``(chunk, outputs)`` as chunks finish; at most ``window`` submitted at a time.

    Finished chunks are yielded before a failure of another chunk is raised; on any exit the
    chunks not yet started are cancelled.
    """
    if executor is None:
        for chunk, parameters in tasks:
            yield chunk, evaluate_chunk(evaluate, parameters, chunk.size)
        return
    pending: dict[Future, Chunk] = {}
    queue = iter(tasks)
    try:
        _fill(evaluate, executor, queue, pending, window)
        while pending:
            finished, _ = wait(pending, return_when=FIRST_COMPLETED)
            ordered = sorted(finished, key=lambda f: pending[f].index)
            failures = [f for f in ordered if f.exception() is not None]
            for future in ordered:
                if future.exception() is None:
                    yield pending.pop(future), future.result()
            if failures:
                failures[0].result()
            _fill(evaluate, executor, queue, pending, window)
    finally:
        for future in pending:
            future.cancel()


def _fill(
    evaluate: Callable[[Any], Mapping[str, np.ndarray]],
    executor: Executor,
    queue: Iterator[tuple[Chunk, Any]],
    pending: dict[Future, Chunk],
    window: int,
) -> None:
    for chunk, parameters in queue:
        pending[executor.submit(evaluate_chunk, evaluate, parameters, chunk.size)] = chunk
        if len(pending) >= window:
            return


class _ExecutorScope:
    """Context manager: the caller's executor as is, or one owned (and shut down) by the sweep."""

    def __init__(self, executor: Executor | None, todo: Sequence[Chunk], n_draws: int) -> None:
        self.given = executor
        workers = min(usable_cpus(), len(todo))
        parallel = executor is None and workers > 1 and n_draws > SERIAL_MAX_DRAWS
        self.owned = ProcessPoolExecutor(max_workers=workers) if parallel else None

    def __enter__(self) -> Executor | None:
        return self.given if self.given is not None else self.owned

    def __exit__(self, *exc_info: object) -> None:
        if self.owned is not None:
            self.owned.shutdown(wait=True, cancel_futures=True)


class _Reporter:
    """Calls ``progress(done, total)`` with the running count of finished draws."""

    def __init__(self, progress: Progress | None, total: int, done: int) -> None:
        self.progress, self.total, self.done = progress, total, done

    def __call__(self, size: int) -> None:
        self.done += size
        if self.progress is not None:
            self.progress(self.done, self.total)


# ----------------------------------------------------------------------------- assembly
def _assemble(
    chunks: Sequence[Chunk],
    done: Mapping[int, Mapping[str, np.ndarray]],
    calibration: Sampler,
    seed: Seed,
    chunk_size: int,
    block_size: int,
) -> SweepResult:
    names = set(done[0])
    for chunk in chunks:
        if set(done[chunk.index]) != names:
            raise ValueError(
                f"evaluate returned outputs {sorted(done[chunk.index])} for chunk {chunk.index}, "
                f"but {sorted(names)} for chunk 0"
            )
    n_draws = chunks[-1].stop
    columns = {k: np.concatenate([done[c.index][k] for c in chunks]) for k in sorted(names)}
    infeasible = columns.pop(INFEASIBLE, np.zeros(n_draws, dtype=bool))
    bad = np.flatnonzero(infeasible)
    return SweepResult(
        outputs=MappingProxyType(columns),
        feasible=~infeasible,
        infeasible_draws=bad,
        infeasible_parameters=MappingProxyType(_parameters_at(calibration, seed, chunks, bad, block_size)),
        seed=seed,
        n_draws=n_draws,
        chunk_size=chunk_size,
        block_size=block_size,
    )


def split(result: SweepResult, prefix: str) -> SweepResult:
    """The sweep of one of several models evaluated together: outputs ``prefix.name`` as ``name``.

    A model evaluated with others on the same draws (so that what they share is computed once per
    chunk) flags its own infeasible draws as the boolean output ``prefix.infeasible``, among the
    draws the joint :data:`INFEASIBLE` flags (a draw where any model fails); they become the part's
    ``infeasible_draws``, with their parameters taken from the joint sweep's, so the part equals a
    sweep of that model alone with the same seed, chunks and blocks.

    Raises
    ------
    ValueError
        If ``result`` has no output ``prefix.infeasible``, or it flags a draw the joint sweep does not.
    """
    flag = f"{prefix}.{INFEASIBLE}"
    if flag not in result.outputs:
        raise ValueError(f"the sweep has no output {flag!r} (outputs: {', '.join(sorted(result.outputs))})")
    infeasible = np.asarray(result.outputs[flag], dtype=bool)
    bad = np.flatnonzero(infeasible)
    if not np.all(np.isin(bad, result.infeasible_draws)):
        raise ValueError(f"{flag!r} flags draws that the sweep's {INFEASIBLE!r} does not: it must flag every draw "
                         "where some model fails")
    rows = np.searchsorted(result.infeasible_draws, bad)
    outputs = {k.removeprefix(f"{prefix}."): v for k, v in result.outputs.items() if k.startswith(f"{prefix}.") and k != flag}
    return dataclasses.replace(
        result, outputs=MappingProxyType(outputs), feasible=~infeasible, infeasible_draws=bad,
        infeasible_parameters=MappingProxyType({k: v[rows] for k, v in result.infeasible_parameters.items()}))


def _parameters_at(calibration: Sampler, seed: Seed, chunks: Sequence[Chunk], indices: np.ndarray, block_size: int) -> dict[str, np.ndarray]:
    """Parameter values at the given draws (regenerated chunk by chunk; empty arrays if none)."""
    parts = []
    for chunk in chunks:
        inside = indices[(indices >= chunk.start) & (indices < chunk.stop)]
        if inside.size:
            values = _columns(draws(calibration, seed, chunk.start, chunk.stop, block_size))
            parts.append({k: v[inside - chunk.start] for k, v in values.items()})
    if not parts:
        template = _columns(draws(calibration, seed, 0, 1, block_size))
        return {k: np.empty((0,) + v.shape[1:], dtype=v.dtype) for k, v in template.items()}
    return {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}


def _block(calibration: Sampler, seed: Seed, block: int, block_size: int) -> Any:
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(block,)))
    return calibration.sample(rng, block_size)


def _columns(sample: Any) -> dict[str, np.ndarray]:
    """The arrays of a sampled dataclass or mapping, by name."""
    if dataclasses.is_dataclass(sample):
        return {f.name: np.asarray(getattr(sample, f.name)) for f in dataclasses.fields(sample)}
    if isinstance(sample, Mapping):
        return {str(k): np.asarray(v) for k, v in sample.items()}
    raise ValueError(f"calibration.sample must return a dataclass or a mapping of arrays, got {type(sample).__name__}")


def _rebuild(template: Any, columns: Mapping[str, np.ndarray]) -> Any:
    """An object of ``template``'s kind holding ``columns``."""
    return dataclasses.replace(template, **columns) if dataclasses.is_dataclass(template) else dict(columns)


def _positive(name: str, value: int) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{name} must be an integer >= 1, got {value!r}")


# ----------------------------------------------------------------------------- checkpoints
def _sweep_key(
    evaluate: Callable[..., Any], calibration: Sampler, n_draws: int, seed: Seed, chunk_size: int, block_size: int
) -> dict[str, Any]:
    """What a checkpoint directory must match to be resumed.

    ``draws_sha256`` hashes the first draw, so a changed calibration is caught; ``evaluate`` is
    identified by its qualified name only (a changed body under the same name is not detected).
    """
    first = _columns(draws(calibration, seed, 0, 1, block_size))
    digest = hashlib.sha256()
    for name in sorted(first):
        digest.update(name.encode())
        digest.update(np.ascontiguousarray(first[name]).tobytes())
    func = getattr(evaluate, "func", evaluate)
    return {
        "format": CHECKPOINT_FORMAT,
        "evaluate": f"{getattr(func, '__module__', '?')}.{getattr(func, '__qualname__', type(func).__name__)}",
        "n_draws": int(n_draws),
        "seed": seed if isinstance(seed, int) else [int(s) for s in seed],
        "chunk_size": int(chunk_size),
        "block_size": int(block_size),
        "draws_sha256": digest.hexdigest(),
    }


class CheckpointsExist(ValueError):
    """``checkpoint_dir`` already holds chunks and ``resume`` was not asked for."""

    def __init__(self, directory: Path, n_chunks: int) -> None:
        self.directory, self.n_chunks = directory, n_chunks
        super().__init__(f"checkpoint_dir {str(directory)!r} already holds {n_chunks} chunks; "
                         "pass resume=True to continue that sweep or use an empty directory")


@dataclass(frozen=True)
class _Checkpoints:
    """One ``chunk-<index>.npz`` per finished chunk, next to the sweep's ``manifest.json``."""

    directory: Path

    @classmethod
    def open(cls, directory: Path, key: Mapping[str, Any], resume: bool) -> _Checkpoints:
        directory.mkdir(parents=True, exist_ok=True)
        manifest = directory / _MANIFEST
        existing = sorted(directory.glob("chunk-*.npz"))
        found = json.loads(manifest.read_text()) if manifest.exists() else None
        if existing and not resume:
            raise CheckpointsExist(directory, len(existing))
        if (existing or (resume and found is not None)) and found != dict(key):
            raise ValueError(
                f"checkpoint_dir {str(directory)!r} belongs to another sweep: manifest {found} != {dict(key)}"
            )
        _atomic_write(manifest, lambda handle: handle.write(json.dumps(dict(key), indent=2).encode()))
        return cls(directory)

    def path(self, chunk: Chunk) -> Path:
        return self.directory / f"chunk-{chunk.index:06d}.npz"

    def has(self, chunk: Chunk) -> bool:
        return self.path(chunk).exists()

    def load(self, chunk: Chunk) -> dict[str, np.ndarray]:
        with np.load(self.path(chunk), allow_pickle=False) as data:
            return {name: data[name] for name in data.files}

    def save(self, chunk: Chunk, outputs: Mapping[str, np.ndarray]) -> None:
        _atomic_write(self.path(chunk), lambda handle: np.savez(handle, **outputs))


def _atomic_write(path: Path, write: Callable[[Any], object]) -> None:
    """``write(handle)`` into a temporary file beside ``path``, fsync, then :func:`os.replace`."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            write(handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
