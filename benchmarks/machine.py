"""A fixed workload that measures the machine, not the package: its time makes benchmark figures comparable.

Single-core speed differs several-fold between machines of the same kind (2 cores of an AMD
EPYC: the amendment experiment took 9.2 s on one and 38.7 s on another). The benchmarks that
report absolute times (``bench_reproduce.py``, ``bench_batch.py``, ``bench_issue12.py``) also time
:func:`reference_seconds` in the same run and store it as ``machine_reference_seconds``, so a
figure measured elsewhere can be scaled by the ratio of the two references. The workload
mixes what the package spends its time on: interpreted Python, numpy operations on small
arrays (per-call overhead) and on larger ones, and scalar root finding (scipy's ``brentq``). It
never changes, and it imports nothing from the package.
"""

from __future__ import annotations

import statistics
import time

import numpy as np
from scipy.optimize import brentq

REPEATS = 5


def workload() -> float:
    """One run of the fixed workload (0.18 s of CPU on the machine of the README's tables); returns a checksum so nothing
    is optimised away."""
    total = 0.0
    for i in range(500_000):  # interpreted Python
        total += (i % 7) * 0.5
    rng = np.random.default_rng(0)
    small = rng.random((64, 40, 2))
    for _ in range(4_000):  # small arrays: call overhead
        step = small[..., 1] - small[..., 0]
        total += float(np.max(np.where(step > 0, step, -step), axis=1).sum())
    large = rng.random((2_000, 2_000))
    total += float(np.sort(large, axis=1)[:, 0].sum() + np.exp(-large).sum())  # larger arrays (no BLAS: one thread)
    for k in range(1, 500):  # scalar root finding
        total += brentq(lambda x, k=k: x ** 3 - k, 0.0, 10.0, xtol=1e-12)
    return total


def reference_seconds(repeats: int = REPEATS) -> float:
    """Median CPU seconds of :func:`workload` over ``repeats`` runs (after one warm-up run)."""
    workload()
    times = []
    for _ in range(repeats):
        start = time.process_time()
        workload()
        times.append(time.process_time() - start)
    return statistics.median(times)


if __name__ == "__main__":
    import argparse

    cli = argparse.ArgumentParser(description=__doc__.split("\n\n")[0].replace("``", "'"),
                                  epilog="Prints the median CPU seconds; writes nothing.",
                                  formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    cli.add_argument("--repeats", type=int, default=REPEATS, help="timed runs (after one warm-up run)")
    args = cli.parse_args()
    if args.repeats < 1:
        cli.error("--repeats must be at least 1")
    print(f"machine reference: {reference_seconds(args.repeats):.3f} s CPU (median of {args.repeats})")
