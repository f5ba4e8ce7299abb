"""Benchmark of the case's batch path: all seven concepts on calibration draws through predict_all_batch.

Usage: ``./run python benchmarks/bench_batch.py [--draws 10000] [--workers 2] [--engine-draws 5] [--seed 0] [--repeats 3]``.
Reports the wall time and draws per second of the batch path (every concept, one call, chunks
of draws on ``--workers`` processes; 1: in this process; the median of ``--repeats`` runs, each
with a new pool, and every run's time), its peak memory (ru_maxrss of this
process and of the largest worker), and the speed-up over the one-at-a-time engine
(``solve.predict``) timed in the same run on ``--engine-draws`` draws (CPU seconds per draw on
one core, the median over those draws, extrapolated to all draws, stated as such; the ratio is
also given per core, divided by the workers). The engine is timed cold for each concept (the
case's memo of problems cleared first, ``solve.clear_memo``) and, as a second reference, the seven
concepts in sequence on each draw, which share one problem and its frontier as a user's calls do.
Writes the numbers to ``benchmarks/results/bench_batch.json``.
"""

from __future__ import annotations

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

from _cli import parser as cli_parser  # benchmarks/_cli.py
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
    """Median CPU seconds per draw of solve.predict for ``concepts`` in sequence over the first n draws,
    each from a cleared memo (one concept: a cold solve). The engine runs on one core."""
    seconds = []
    for i in range(n):
        clear_memo()
        start = time.process_time()
        for concept in concepts:
            predict(concept, cb.draw(parameters, i))
        seconds.append(time.process_time() - start)
    return statistics.median(seconds)


def main() -> None:
    parser = cli_parser(__doc__, "benchmarks/results/bench_batch.json", "about 1 min with the defaults")
    parser.add_argument("--draws", type=int, default=10_000, help="calibration draws solved by the batch path")
    parser.add_argument("--workers", type=int, default=len(os.sched_getaffinity(0)), help="processes (1: this one)")
    parser.add_argument("--engine-draws", type=int, default=5,
                        help="draws timed through the engine, per concept and in sequence; the median is used (0: skip)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the calibration draws")
    parser.add_argument("--repeats", type=int, default=3, help="timed runs of the batch path; the median is reported")
    args = parser.parse_args()
    if args.repeats < 1 or args.draws < 1 or args.workers < 1 or args.engine_draws < 0:
        parser.error("--draws, --workers and --repeats must be at least 1, --engine-draws at least 0")
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
        print(f"{concept:>18}  engine {engine:8.2f} s CPU/draw (median of {args.engine_draws} draw(s))  "
              f"infeasible {rows[-1]['infeasible']}", flush=True)
    engine_total = sum(r["engine_seconds_per_draw"] for r in rows)
    in_sequence = time_engine(CONCEPTS, parameters, args.engine_draws) if args.engine_draws else float("nan")
    speedup = engine_total * args.draws / seconds  # engine on one core, extrapolated, / batch wall on the workers
    memory = {"main_process": peak_memory_mb(resource.RUSAGE_SELF), "largest_worker": peak_memory_mb(resource.RUSAGE_CHILDREN)}
    summary = {"draws": args.draws, "engine_draws": args.engine_draws, "seed": args.seed, "workers": args.workers,
               "chunk": chunk, "block": cb.BLOCK, "batch_seconds_all_concepts": seconds, "batch_seconds_runs": times,
               "draws_per_second_all_concepts": rate, "engine_seconds_per_draw_all_concepts": engine_total,
               "engine_seconds_per_draw_in_sequence": in_sequence,
               "speedup_in_sequence_extrapolated": in_sequence * args.draws / seconds,
               "speedup_extrapolated": speedup, "speedup_per_core_extrapolated": speedup / args.workers,
               "peak_memory_mb": memory, "machine_reference_seconds": reference_seconds(), "machine": platform.platform(),
               "cpus": len(os.sched_getaffinity(0)), "load_average_at_end": os.getloadavg(),
               "note": ("batch: wall seconds on `workers` processes, median of the runs; engine: CPU seconds per draw on "
                        "one core, median over the first engine_draws draws, cold (memo cleared) for each concept, "
                        "and in_sequence the seven concepts on each draw from one cleared memo; speed-up = engine "
                        "seconds per draw x draws / batch seconds (extrapolated), per core: divided by workers"),
               "concepts": rows}
    print(f"{'all seven':>18}  batch {seconds:.2f} s ({rate:,.0f} draws/s), engine {engine_total:.1f} s/draw cold each "
          f"({in_sequence:.1f} s in sequence) -> speed-up x{speedup:,.0f} (x{speedup / args.workers:,.0f} per core; "
          f"extrapolated); peak memory {memory['main_process']:.0f} MB main, "
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
