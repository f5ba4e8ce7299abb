"""The default chunk size follows the executor's workers (issue 27); results never depend on it."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from negotiation.sweep import DEFAULT_CHUNK_SIZE, default_chunk_size, executor_workers, sweep
from test_sweep import N_DRAWS, SEED, Box, Interrupt, assert_identical, model


@pytest.mark.parametrize(("n_draws", "workers", "expected"), [
    (1000, 2, 125), (1001, 2, 126), (1_000_000, 8, DEFAULT_CHUNK_SIZE), (3, 4, 1), (1000, 1, DEFAULT_CHUNK_SIZE),
])
def test_default_chunk_size_gives_each_worker_several_chunks(n_draws, workers, expected):
    assert default_chunk_size(n_draws, workers) == expected


@pytest.mark.parametrize(("n_draws", "workers", "name"), [(0, 2, "n_draws"), (10, 0, "workers")])
def test_default_chunk_size_refuses_bad_counts(n_draws, workers, name):
    with pytest.raises(ValueError, match=name):
        default_chunk_size(n_draws, workers)


def test_a_small_sweep_uses_every_worker_and_gives_the_same_bytes():
    reference = sweep(model, Box(), N_DRAWS, SEED, chunk_size=N_DRAWS)
    with ThreadPoolExecutor(max_workers=3) as pool:
        assert executor_workers(pool, N_DRAWS) == 3
        result = sweep(model, Box(), N_DRAWS, SEED, executor=pool)
    assert result.chunk_size == default_chunk_size(N_DRAWS, 3) == 84  # 12 chunks for 3 workers
    assert_identical(reference, result)


def test_serial_sweep_keeps_one_chunk():
    assert executor_workers(None, N_DRAWS) == 1
    assert sweep(model, Box(), N_DRAWS, SEED).chunk_size == DEFAULT_CHUNK_SIZE


def test_resume_with_the_default_uses_the_manifest_chunk_size(tmp_path):
    with pytest.raises(KeyboardInterrupt), ThreadPoolExecutor(max_workers=1) as pool:
        sweep(Interrupt(2), Box(), N_DRAWS, SEED, chunk_size=250, checkpoint_dir=tmp_path, executor=pool)
    with ThreadPoolExecutor(max_workers=2) as pool:  # another worker count: the default would be 125
        resumed = sweep(Interrupt(None), Box(), N_DRAWS, SEED, checkpoint_dir=tmp_path, resume=True, executor=pool)
    assert resumed.chunk_size == 250
    assert_identical(sweep(model, Box(), N_DRAWS, SEED), resumed)
