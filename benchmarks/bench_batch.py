"""Benchmark of the case's batch path: all seven concepts on calibration draws through predict_all_batch.

Usage: ``python benchmarks/bench_batch.py [--draws 10000] [--workers 2] [--engine-draws 1] [--seed 0] [--repeats 3]``.
Reports the wall time and draws per second of the batch path (every concept, one call, chunks
of draws on ``--workers`` processes; 1: in this process; the median of ``--repeats`` runs, each
with a new pool, and every run's time), its peak memory (ru_maxrss of this
process and of the largest worker), and the speed-up over the one-at-a-time engine
(``solve.predict``) timed in the same run on ``--engine-draws`` draws per concept (time per draw
extrapolated to all draws, stated as such). The engine is timed cold for each concept (the
case's memo of problems cleared first, ``solve.clear_memo``) and, as a second reference, the seven
concepts in sequence on each draw, which share one problem and its frontier as a user's calls do.
Writes the numbers to ``benchmarks/results/bench_batch.json``.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import resource
import statistics
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

from negotiation.cases.microsoft_openai import batch as cb
from negotiation.cases.microsoft_openai.parameters import calibration
from negotiation.cases.microsoft_openai.solve import CONCEPTS, clear_memo, predict

from machine import reference_seconds  # benchmarks/machine.py: the machine's speed, timed in the same run

RESULTS = Path(__file__).parent / "results" / "bench_batch.json"


def peak_memory_mb(who: int) -> float:
    """Peak resident set size in MB of ``resource.RUSAGE_SELF`` or of the largest waited-for child."""
    return resource.getrusage(who).ru_maxrss / 1024.0  # Linux reports kB


def time_batch(parameters, workers: int, chunk: int) -> tuple[float, dict]:
    """Wall seconds of predict_all_batch on all concepts, and its predictions."""
    start = time.perf_counter()
    if workers == 1:
        result = cb.predict_all_batch(parameters, chunk=chunk)
    else:
        with ProcessPoolExecutor(workers) as pool:
            result = cb.predict_all_batch(parameters, chunk=chunk, executor=pool)
    return time.perf_counter() - start, result


def time_engine(concepts: tuple[str, ...], parameters, n: int) -> float:
    """Seconds per draw of solve.predict for ``concepts`` in sequence, from a cleared memo on each of the
    first n draws (one concept: a cold solve)."""
    seconds = 0.0
    for i in range(n):
        clear_memo()
        start = time.perf_counter()
        for concept in concepts:
            predict(concept, cb.draw(parameters, i))
        seconds += time.perf_counter() - start
    return seconds / n


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--draws", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=len(os.sched_getaffinity(0)))
    parser.add_argument("--engine-draws", type=int, default=1, help="draws per concept timed through the engine (0: skip)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--repeats", type=int, default=3, help="timed runs of the batch path; the median is reported")
    args = parser.parse_args()
    if args.repeats < 1 or args.draws < 1 or args.workers < 1:
        parser.error("--draws, --workers and --repeats must be at least 1")
    parameters = calibration().sample(np.random.default_rng(args.seed), args.draws)
    rounds = -(-args.draws // (args.workers * cb.CHUNK))
    chunk = -(-args.draws // (args.workers * rounds))  # equal chunks, as many per worker, at most cb.CHUNK
    first, result = time_batch(parameters, args.workers, chunk)  # later runs' results are dropped (memory)
    times = [first] + [time_batch(parameters, args.workers, chunk)[0] for _ in range(args.repeats - 1)]
    seconds = statistics.median(times)
    rate = args.draws / seconds
    print(f"batch, all seven concepts: {args.draws} draws in {seconds:.2f} s (median of {len(times)}: "
          f"{', '.join(f'{t:.2f}' for t in times)}) = {rate:,.0f} draws/s "
          f"({args.workers} process(es), chunk {chunk}, block {cb.BLOCK})", flush=True)
    rows = []
    for concept in CONCEPTS:
        engine = time_engine((concept,), parameters, args.engine_draws) if args.engine_draws else float("nan")
        rows.append({"concept": concept, "engine_seconds_per_draw": engine,
                     "infeasible": int(result[concept].infeasible.sum())})
        print(f"{concept:>18}  engine {engine:8.2f} s/draw (on {args.engine_draws} draw(s))  "
              f"infeasible {rows[-1]['infeasible']}", flush=True)
    engine_total = sum(r["engine_seconds_per_draw"] for r in rows)
    in_sequence = time_engine(CONCEPTS, parameters, args.engine_draws) if args.engine_draws else float("nan")
    speedup = engine_total * args.draws / seconds
    memory = {"main_process": peak_memory_mb(resource.RUSAGE_SELF), "largest_worker": peak_memory_mb(resource.RUSAGE_CHILDREN)}
    summary = {"draws": args.draws, "engine_draws": args.engine_draws, "seed": args.seed, "workers": args.workers,
               "chunk": chunk, "block": cb.BLOCK, "batch_seconds_all_concepts": seconds, "batch_seconds_runs": times,
               "draws_per_second_all_concepts": rate, "engine_seconds_per_draw_all_concepts": engine_total,
               "engine_seconds_per_draw_in_sequence": in_sequence,
               "speedup_in_sequence_extrapolated": in_sequence * args.draws / seconds,
               "speedup_extrapolated": speedup, "peak_memory_mb": memory, "machine_reference_seconds": reference_seconds(), "machine": platform.platform(),
               "cpus": len(os.sched_getaffinity(0)), "load_average_at_end": os.getloadavg(),
               "note": ("engine time per draw measured on engine_draws draws per concept, cold (memo cleared), and "
                        "extrapolated to all draws; in_sequence: the seven concepts on each draw from one cleared "
                        "memo; the batch solves all seven concepts in one call"),
               "concepts": rows}
    print(f"{'all seven':>18}  batch {seconds:.2f} s ({rate:,.0f} draws/s), engine {engine_total:.1f} s/draw cold each "
          f"({in_sequence:.1f} s in sequence) -> speed-up x{speedup:,.0f} (extrapolated); peak memory {memory['main_process']:.0f} MB main, "
          f"{memory['largest_worker']:.0f} MB largest worker")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(_finite(summary), indent=2, allow_nan=False) + "\n")


def _finite(value):
    """``value`` with NaN replaced by None (JSON has no NaN): e.g. no engine draws were timed."""
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_finite(v) for v in value]
    return None if isinstance(value, float) and math.isnan(value) else value


if __name__ == "__main__":
    main()
