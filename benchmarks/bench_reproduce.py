"""Benchmark of ``negotiation reproduce --force``: every experiment and the paper, from a clean copy.

Usage: ``./run python benchmarks/bench_reproduce.py [--jobs 2] [--quick]``.

Copies the checkout's tracked files (``git ls-files``) to a temporary folder, so that nothing in
the working tree is touched, and times ``negotiation reproduce --force`` there (the paper
included, unless ``--quick``). The reference, measured in the same run, is the sequential cost:
the sum of the experiments' own wall times (``run.json`` of the fresh results), so the
ratio says what running experiments in parallel saves (an estimate: each experiment was timed
while others ran beside it). CPU seconds and the peak memory of the largest process are
recorded too (``_subprocess.timed_run``). Writes ``benchmarks/results/
bench_reproduce.json`` (``bench_reproduce_quick.json`` with ``--quick``).
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from _cli import parser as cli_parser  # benchmarks/_cli.py
from _subprocess import timed_run  # benchmarks/_subprocess.py
from machine import reference_seconds  # benchmarks/machine.py: the machine's speed, timed in the same run

ROOT = Path(__file__).resolve().parents[1]
RESULTS = Path(__file__).parent / "results"


def copy_checkout(target: Path) -> None:
    """The tracked files of the checkout (committed or not) under ``target``."""
    files = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout.split(b"\0")
    for name in filter(None, files):
        source = ROOT / os.fsdecode(name)
        if source.is_file():
            (target / os.fsdecode(name)).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / os.fsdecode(name))


def main() -> None:
    parser = cli_parser(__doc__, "benchmarks/results/bench_reproduce.json (bench_reproduce_quick.json with --quick)",
                        "about 70 s (20 s with --quick)",
                        needs="Without --quick it builds the paper, so it needs TeX (latexmk; README, 'Quick start').")
    parser.add_argument("--jobs", type=int, default=len(os.sched_getaffinity(0)), help="experiments at once")
    parser.add_argument("--quick", action="store_true", help="the [quick] parameters, no paper")
    args = parser.parse_args()
    if args.jobs < 1:
        parser.error("--jobs must be at least 1")
    with tempfile.TemporaryDirectory(prefix="bench-reproduce-") as tmp:
        root = Path(tmp)
        copy_checkout(root)
        command = [sys.executable, "-m", "negotiation", "reproduce", "--force", "--quiet", "--jobs", str(args.jobs),
                   "--root", str(root), *(["--quick"] if args.quick else [])]
        measured, _ = timed_run(command, root, {**os.environ, "PYTHONPATH": str(root)})
        wall = measured["wall_seconds"]
        results = root / ("results-quick" if args.quick else "results")
        experiments = {p.parent.name: json.loads(p.read_text())["wall_time_seconds"]
                       for p in sorted(results.glob("*/run.json"))}
    sequential = sum(experiments.values())
    record = {
        "command": " ".join(["negotiation", "reproduce", "--force", "--jobs", str(args.jobs), *(["--quick"] if args.quick else [])]),
        "jobs": args.jobs, "quick": args.quick, "wall_seconds": wall, "cpu_seconds": measured["cpu_seconds"],
        "peak_memory_mb": measured["peak_memory_mb"], "experiments_sequential_seconds": sequential,
        "ratio_wall_to_sequential": wall / sequential if sequential else None, "experiments": experiments,
        "note": ("experiments_sequential_seconds is the sum of each experiment's own wall time in this run (with "
                 "--jobs at once), an estimate of running them one after another; figures and the paper are not in it"),
        "paper_built": not args.quick, "machine_reference_seconds": reference_seconds(), "machine": platform.platform(),
        "cpus": len(os.sched_getaffinity(0)),
    }
    out = RESULTS / ("bench_reproduce_quick.json" if args.quick else "bench_reproduce.json")
    out.write_text(json.dumps(record, indent=2) + "\n")
    print(f"reproduce --force{' --quick' if args.quick else ''} -j {args.jobs}: {wall:.1f} s wall, "
          f"{measured['cpu_seconds']:.0f} s CPU, peak {measured['peak_memory_mb']:.0f} MB; the experiments' own times sum "
          f"to {sequential:.1f} s (ratio {record['ratio_wall_to_sequential']:.2f}); wrote {out}")
    for name, seconds in sorted(experiments.items(), key=lambda kv: -kv[1]):
        print(f"  {name:22s} {seconds:7.1f} s")


if __name__ == "__main__":
    main()
