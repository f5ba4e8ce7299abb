"""Benchmark of the README's test command: the whole suite, timed, with its counts.

Usage: ``./run python benchmarks/bench_tests.py [pytest args]``.

Runs ``python -m pytest -q -p no:cacheprovider`` with this interpreter in the checkout (the
suite's own settings: one pytest-xdist worker per core, ``pyproject.toml``), and records the
wall seconds, the CPU seconds of pytest and its workers, the peak memory of the largest process
(``_subprocess.timed_run``), the passed / skipped / failed counts from pytest's summary line, and
the machine reference (``machine.py``). Writes ``benchmarks/results/bench_tests.json``; a failing
suite is reported and nothing is written.
"""

from __future__ import annotations

import json
import os
import platform
import re
import subprocess
import sys
from pathlib import Path

from _cli import parser as cli_parser  # benchmarks/_cli.py
from _subprocess import timed_run  # benchmarks/_subprocess.py
from machine import reference_seconds  # benchmarks/machine.py: the machine's speed, timed in the same run

ROOT = Path(__file__).resolve().parents[1]
RESULTS = Path(__file__).parent / "results" / "bench_tests.json"
COUNTS = ("passed", "skipped", "failed", "errors", "deselected")


def counts(summary: str) -> dict[str, int]:
    """``{"passed": n, ...}`` from pytest's last line, e.g. ``"781 passed, 3 skipped, 1 warning in 81.12s"``."""
    found = {word: int(n) for n, word in re.findall(r"(\d+) (passed|skipped|failed|errors?|deselected)", summary)}
    found["errors"] = found.pop("error", 0) + found.get("errors", 0)
    return {word: found.get(word, 0) for word in COUNTS}


def main() -> None:
    parser = cli_parser(__doc__, "benchmarks/results/bench_tests.json", "about 80 s")
    parser.add_argument("pytest_args", nargs="*", help="extra pytest arguments (e.g. -n 0 for one process)")
    args = parser.parse_args()
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *args.pytest_args]
    try:
        measured, done = timed_run(command, ROOT, os.environ, capture=True)
    except subprocess.CalledProcessError as failure:
        print(failure.stdout[-3000:], file=sys.stderr)
        sys.exit(f"bench_tests: the suite failed (exit {failure.returncode}); nothing written")
    summary = [line for line in done.stdout.splitlines() if re.search(r"\d+ passed", line)][-1]
    record = {"command": "python -m pytest (./run test)", "extra_args": args.pytest_args, **measured,
              "counts": counts(summary), "summary": summary.strip("= "),
              "machine_reference_seconds": reference_seconds(), "machine": platform.platform(),
              "python": platform.python_version(), "cpus": len(os.sched_getaffinity(0))}
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(record, indent=2) + "\n")
    print(f"tests: {record['summary']}; {measured['wall_seconds']:.0f} s wall, {measured['cpu_seconds']:.0f} s CPU, "
          f"peak {measured['peak_memory_mb']:.0f} MB; wrote {RESULTS}")


if __name__ == "__main__":
    main()
