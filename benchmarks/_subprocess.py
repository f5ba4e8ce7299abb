"""Run a command and measure it: wall seconds, CPU seconds of it and its children, peak memory of its largest process."""

from __future__ import annotations

import resource
import subprocess
import time
from collections.abc import Mapping, Sequence
from pathlib import Path


def timed_run(command: Sequence[str], cwd: Path, env: Mapping[str, str] | None = None,
              capture: bool = False) -> tuple[dict[str, float], subprocess.CompletedProcess]:
    """Run ``command`` to completion (raising if it fails) and measure it.

    CPU is the user + system time of the command and every process it waited for
    (``RUSAGE_CHILDREN``, before and after); peak memory is the largest such process's resident
    set (``ru_maxrss``, in MB; the maximum over this benchmark's children so far, so run one
    command per benchmark process).
    """
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(list(command), cwd=cwd, env=None if env is None else dict(env), check=True,
                          capture_output=capture, text=capture)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {"wall_seconds": wall, "cpu_seconds": cpu, "peak_memory_mb": after.ru_maxrss / 1024.0}, done
