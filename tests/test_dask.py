"""A sweep on a real Dask cluster equals the serial sweep bit for bit (marker: ``dask``)."""

from __future__ import annotations

import os

import pytest

if os.environ.get("NEGOTIATION_REQUIRE_DASK"):  # CI (.ci/run) installs the extra: a missing dask fails there
    import dask.distributed as distributed
else:
    distributed = pytest.importorskip("dask.distributed", reason="dask[distributed] not installed (optional extra 'dask')")

from test_sweep import SEED, Box, assert_identical, model  # noqa: E402

from negotiation.sweep import sweep  # noqa: E402

pytestmark = pytest.mark.dask


def test_dask_cluster_equals_serial(tmp_path):
    serial = sweep(model, Box(), 600, SEED, chunk_size=600)
    with distributed.LocalCluster(n_workers=1, threads_per_worker=2, processes=False, dashboard_address=None) as cluster:
        with distributed.Client(cluster) as client:
            result = sweep(model, Box(), 600, SEED, chunk_size=75, executor=client.get_executor(),
                           checkpoint_dir=tmp_path)
    assert_identical(serial, result)
    assert len(list(tmp_path.glob("chunk-*.npz"))) == 8
