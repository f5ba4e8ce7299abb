"""Monte Carlo sweeps: reproducible across executors and chunkings, infeasible draws, interrupt/resume."""

from __future__ import annotations

from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from functools import partial

import numpy as np
import pytest

from negotiation.sweep import INFEASIBLE, draws, plan, split, sweep

N_DRAWS = 1000
SEED = 20251028


@dataclass(frozen=True)
class Draws:
    a: np.ndarray
    b: np.ndarray


@dataclass(frozen=True)
class Box:
    """A calibration: a uniform on [0, 1], b uniform on [-1, 1]."""

    def sample(self, rng: np.random.Generator, n: int) -> Draws:
        return Draws(rng.uniform(0.0, 1.0, n), rng.uniform(-1.0, 1.0, n))


def model(p: Draws, threshold: float = -0.8) -> dict[str, np.ndarray]:
    """Transcendental elementwise outputs, a 2-column output, and b < threshold flagged infeasible."""
    y = np.exp(p.a) * np.sin(3 * p.b) + np.log1p(p.a)
    return {"y": y, "pair": np.stack([p.a * p.b, np.sqrt(p.a)], axis=1), INFEASIBLE: p.b < threshold}


class Interrupt:
    """Evaluate ``k`` chunks, then raise KeyboardInterrupt (``k=None``: never); records chunk sizes."""

    def __init__(self, k: int | None) -> None:
        self.k = k
        self.calls: list[int] = []

    def __call__(self, p: Draws) -> dict[str, np.ndarray]:
        if self.k is not None and len(self.calls) == self.k:
            raise KeyboardInterrupt
        self.calls.append(len(p.a))
        return model(p)


def assert_identical(r1, r2) -> None:
    assert r1.outputs.keys() == r2.outputs.keys()
    for name in r1.outputs:
        assert r1.outputs[name].dtype == r2.outputs[name].dtype
        assert r1.outputs[name].tobytes() == r2.outputs[name].tobytes(), name
    assert r1.feasible.tobytes() == r2.feasible.tobytes()
    assert np.array_equal(r1.infeasible_draws, r2.infeasible_draws)


@pytest.fixture(scope="module")
def serial():
    return sweep(model, Box(), N_DRAWS, SEED, chunk_size=250)


def test_plan_covers_draws_once():
    chunks = plan(10, 4)
    assert [(c.start, c.stop) for c in chunks] == [(0, 4), (4, 8), (8, 10)]


def test_blocks_are_spawned_children():
    """Block b is the b-th child of SeedSequence(seed).spawn(...)."""
    child = np.random.SeedSequence(SEED).spawn(3)[2]
    expected = Box().sample(np.random.default_rng(child), 256)
    got = draws(Box(), SEED, 2 * 256, 3 * 256, block_size=256)
    assert np.array_equal(got.a, expected.a) and np.array_equal(got.b, expected.b)


@pytest.mark.parametrize("chunk_size", [1, 7, 256, 999, 5000])
def test_chunk_size_does_not_change_results(serial, chunk_size):
    assert_identical(serial, sweep(model, Box(), N_DRAWS, SEED, chunk_size=chunk_size))


def test_process_pool_equals_serial(serial):
    with ProcessPoolExecutor(max_workers=2) as pool:
        assert_identical(serial, sweep(model, Box(), N_DRAWS, SEED, chunk_size=130, executor=pool, max_in_flight=3))


def test_longer_sweep_extends_shorter_one_on_default_pool():
    big = sweep(model, Box(), 10_000, SEED, chunk_size=2500)  # > SERIAL_MAX_DRAWS: process pool
    small = sweep(model, Box(), N_DRAWS, SEED, chunk_size=N_DRAWS)
    assert big.outputs["y"][:N_DRAWS].tobytes() == small.outputs["y"].tobytes()  # prefix property


def test_other_seed_other_draws(serial):
    assert not np.array_equal(serial.outputs["y"], sweep(model, Box(), N_DRAWS, SEED + 1).outputs["y"])


def test_infeasible_draws_counted_and_reported(serial):
    p = draws(Box(), SEED, 0, N_DRAWS)
    bad = np.flatnonzero(p.b < -0.8)
    assert 0 < bad.size < N_DRAWS
    assert serial.n_infeasible == bad.size and serial.n_feasible == N_DRAWS - bad.size
    assert np.array_equal(serial.infeasible_draws, bad)
    assert np.array_equal(serial.infeasible_parameters["b"], p.b[bad])
    assert np.all(serial.infeasible_parameters["b"] < -0.8)
    assert serial.outputs["y"].shape == (N_DRAWS,)  # infeasible rows kept, not dropped
    summary = serial.summary()["y"]
    assert (summary.n, summary.n_feasible) == (N_DRAWS, N_DRAWS - bad.size)
    assert summary.mean == pytest.approx(np.delete(serial.outputs["y"], bad).mean(), rel=1e-12)
    assert f"n_feasible={N_DRAWS - bad.size} of n={N_DRAWS}" in str(summary)
    assert serial.summary()["pair"].mean.shape == (2,)


def test_all_infeasible_gives_nan_statistics():
    result = sweep(partial(model, threshold=2.0), Box(), 50, SEED)
    assert result.n_feasible == 0 and np.isnan(result.summary()["y"].mean)
    assert result.infeasible_parameters["a"].shape == (50,)


def test_no_mask_means_all_feasible():
    result = sweep(lambda p: {"a": p.a}, Box(), 10, SEED)
    assert result.n_feasible == 10 and result.infeasible_parameters["a"].shape == (0,)


def test_progress_reports_every_chunk():
    seen = []
    sweep(model, Box(), 100, SEED, chunk_size=30, progress=lambda done, total: seen.append((done, total)))
    assert seen == [(30, 100), (60, 100), (90, 100), (100, 100)]


def test_interrupt_keeps_done_chunks_and_resume_is_identical(serial, tmp_path):
    with pytest.raises(KeyboardInterrupt):
        sweep(Interrupt(2), Box(), N_DRAWS, SEED, chunk_size=250, checkpoint_dir=tmp_path)
    saved = sorted(p.name for p in tmp_path.glob("chunk-*.npz"))
    assert saved == ["chunk-000000.npz", "chunk-000001.npz"]
    assert not list(tmp_path.glob(".*.tmp"))
    evaluate = Interrupt(None)
    resumed = sweep(evaluate, Box(), N_DRAWS, SEED, chunk_size=250, checkpoint_dir=tmp_path, resume=True)
    assert evaluate.calls == [250, 250]  # only the missing chunks ran
    assert_identical(serial, resumed)


def test_interrupt_in_process_pool_keeps_finished_chunks(serial, tmp_path):
    with ProcessPoolExecutor(max_workers=2) as pool, pytest.raises(KeyboardInterrupt):
        sweep(interrupt_after_first_chunk, Box(), N_DRAWS, SEED, chunk_size=250, checkpoint_dir=tmp_path,
              executor=pool, max_in_flight=1)
    assert [p.name for p in tmp_path.glob("chunk-*.npz")] == ["chunk-000000.npz"]


def interrupt_after_first_chunk(p: Draws) -> dict[str, np.ndarray]:
    first = draws(Box(), SEED, 0, 250)
    if not np.array_equal(p.a, first.a):
        raise KeyboardInterrupt
    return model(p)


def test_checkpoint_dir_guards(tmp_path):
    sweep(model, Box(), 100, SEED, chunk_size=50, checkpoint_dir=tmp_path)
    with pytest.raises(ValueError, match="resume=True"):
        sweep(model, Box(), 100, SEED, chunk_size=50, checkpoint_dir=tmp_path)
    with pytest.raises(ValueError, match="another sweep"):
        sweep(model, Box(), 100, SEED + 1, chunk_size=50, checkpoint_dir=tmp_path, resume=True)
    again = sweep(model, Box(), 100, SEED, chunk_size=50, checkpoint_dir=tmp_path, resume=True)
    assert_identical(again, sweep(model, Box(), 100, SEED))


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"n_draws": 0}, "n_draws"),
        ({"chunk_size": 0}, "chunk_size"),
        ({"block_size": -1}, "block_size"),
        ({"evaluate": lambda p: {"y": p.a[:1]}}, "axis 0"),
        ({"evaluate": lambda p: {INFEASIBLE: p.a}}, "boolean"),
        ({"evaluate": 3}, "callable"),
    ],
)
def test_bad_input(kwargs, match):
    args = {"evaluate": model, "calibration": Box(), "n_draws": 10, "seed": SEED} | kwargs
    with pytest.raises(ValueError, match=match):
        sweep(**args)


def _two_models(p: Draws) -> dict[str, np.ndarray]:
    """``model`` at two thresholds, prefixed, as one evaluation (the OR of their flags overall)."""
    first, second = model(p, -0.8), model(p, 0.5)
    outputs = {f"low.{k}": v for k, v in first.items()} | {f"high.{k}": v for k, v in second.items()}
    return outputs | {INFEASIBLE: first[INFEASIBLE] | second[INFEASIBLE]}


def test_split_of_a_joint_sweep_is_the_sweep_of_each_model_alone() -> None:
    joint = sweep(_two_models, Box(), N_DRAWS, SEED, chunk_size=300)
    for prefix, threshold in (("low", -0.8), ("high", 0.5)):
        part, alone = split(joint, prefix), sweep(partial(model, threshold=threshold), Box(), N_DRAWS, SEED, chunk_size=300)
        assert_identical(part, alone)
        assert part.infeasible_parameters.keys() == alone.infeasible_parameters.keys()
        for k in alone.infeasible_parameters:
            assert part.infeasible_parameters[k].tobytes() == alone.infeasible_parameters[k].tobytes()
    with pytest.raises(ValueError, match="no output 'other.infeasible'"):
        split(joint, "other")
