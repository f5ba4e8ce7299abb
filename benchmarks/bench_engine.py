"""Benchmark the engine's contract solver against brute-force grid search.

The contract space has the case's shape (docs/DESIGN.md): equity share e in [0.2, 0.6], one
more continuous term y in [0, 1], and a discrete term k with 4 values; payoffs are bilinear in
(e, y), u1 = e V_k(y) + b1_k + beta1_k y, u2 = (1 - e) V_k(y) + b2_k + beta2_k y, with
V_k(y) = V0_k + v_k y - c y^2. For each concept the script times the engine (median over
repeats, one core, each solve on a freshly built problem so that the frontier envelope the engine
caches on a problem is rebuilt: a cold solve) and a brute-force grid search over (e, y) for every k, refining the grid
until its utilities are within ``TARGET`` (relative) of the engine's, and prints the ratio
brute / engine at that accuracy. The engine's own accuracy is printed too: it is far better
than ``TARGET`` (the grid would need ~1/error points per axis to match it).

Run: ``./run python benchmarks/bench_engine.py``; writes ``benchmarks/results/bench_engine.json``.
"""

from __future__ import annotations

import json
import platform
import statistics
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

import negotiation as ng

from _cli import parser as cli_parser  # benchmarks/_cli.py

RESULTS = Path(__file__).resolve().parent / "results" / "bench_engine.json"
REPEATS = 30
TARGET = 1e-4
"""Accuracy (relative to the utility scale) the grid must reach for the comparison."""
TIE_TOL = 1e-12
"""Grid points whose u1 + u2 is this close (relative) to the maximum are tied (utilitarian)."""
MAX_GRID = 2048
"""Largest grid per axis tried (4M points per discrete value)."""

K_VALUES = (0, 1, 2, 3)
V0, V_SLOPE, CURVATURE = (10.0, 11.0, 11.5, 12.5), (5.0, 4.0, 6.0, 3.0), 3.0
B1, BETA1 = (0.0, -0.3, -0.6, -0.9), (0.5, 0.4, 0.2, 0.6)
B2, BETA2 = (0.0, -0.2, -0.8, -1.8), (0.0, 0.3, -0.1, 0.2)
DISAGREEMENT = (2.0, 3.0)


def payoffs() -> tuple[Callable, Callable]:
    """Bilinear payoffs of the benchmark space (broadcast over numpy arrays)."""

    def value(c):
        k = c["k"]
        return V0[k] + V_SLOPE[k] * c["y"] - CURVATURE * c["y"] ** 2

    return (
        lambda c: c["e"] * value(c) + B1[c["k"]] + BETA1[c["k"]] * c["y"],
        lambda c: (1 - c["e"]) * value(c) + B2[c["k"]] + BETA2[c["k"]] * c["y"],
    )


def problem() -> ng.BargainingProblem:
    space = {"e": ng.Continuous(0.2, 0.6), "y": ng.Continuous(0.0, 1.0), "k": ng.Discrete(K_VALUES)}
    return ng.BargainingProblem.from_contracts(space, payoffs(), disagreement=DISAGREEMENT)


CONCEPTS: dict[str, Callable[[ng.BargainingProblem], ng.Solution]] = {
    "nash": ng.nash_solution,
    "kalai_smorodinsky": ng.kalai_smorodinsky_solution,
    "egalitarian": ng.egalitarian_solution,
    "utilitarian": ng.utilitarian_solution,
}


def grid_utilities(n: int) -> np.ndarray:
    """Utilities (4, n*n, 2) on an n x n grid of (e, y) for each k."""
    e, y = (a.ravel() for a in np.meshgrid(np.linspace(0.2, 0.6, n), np.linspace(0.0, 1.0, n), indexing="ij"))
    f1, f2 = payoffs()
    return np.stack([np.column_stack([f1({"e": e, "y": y, "k": k}), f2({"e": e, "y": y, "k": k})]) for k in K_VALUES])


def brute_force(concept: str, n: int) -> np.ndarray:
    """The concept's own criterion maximised over the grid (u >= d); returns the utilities."""
    u = grid_utilities(n).reshape(-1, 2)
    d = np.asarray(DISAGREEMENT)
    gains = u - d
    feasible = np.all(gains > 0, axis=1)
    if concept == "nash":
        score = np.where(feasible, np.log(np.where(feasible[:, None], gains, 1.0)).sum(axis=1), -np.inf)
    elif concept == "egalitarian":
        score = np.where(feasible, gains.min(axis=1), -np.inf)
    elif concept == "kalai_smorodinsky":
        ideal = np.where(feasible[:, None], gains, -np.inf).max(axis=0)
        score = np.where(feasible, (gains / ideal).min(axis=1), -np.inf)
    else:  # the engine's tie-break: the Nash product among maximisers of u1 + u2
        total = np.where(feasible, u.sum(axis=1), -np.inf)
        ties = total >= total.max() - TIE_TOL * (1.0 + abs(total.max()))
        score = np.where(ties, np.log(np.where(ties[:, None], gains, 1.0)).sum(axis=1), -np.inf)
    return u[np.argmax(score)]


def median_ms(run: Callable[[object], object], repeats: int, setup: Callable[[], object] = lambda: None) -> tuple[float, float]:
    """Median wall-clock and CPU (process) milliseconds per call ``run(setup())``, after one warm-up
    call; ``setup`` runs outside the timing."""
    run(setup())
    wall, cpu = [], []
    for _ in range(repeats):
        argument = setup()
        start, start_cpu = time.perf_counter(), time.process_time()
        run(argument)
        wall.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    return 1e3 * statistics.median(wall), 1e3 * statistics.median(cpu)


def main() -> None:
    cli_parser(__doc__, "benchmarks/results/bench_engine.json", "about 15 s").parse_args()
    p = problem()
    scale = float(np.abs(ng.ideal_point(p)).max())
    print(f"contract space: e in [0.2, 0.6], y in [0, 1], k in {K_VALUES}; d = {DISAGREEMENT}; target accuracy {TARGET:g}")
    header = (f"{'concept':<18}{'engine ms':>10}{'(cpu)':>8}{'grid n':>8}{'grid err':>10}{'brute ms':>10}"
              f"{'(cpu)':>8}{'ratio':>8}  engine status")
    print(header)
    print("-" * len(header))
    rows = []
    for name, solve in CONCEPTS.items():
        solution = solve(p)
        engine, engine_cpu = median_ms(solve, REPEATS, problem)
        n, error = 8, np.inf
        while n <= MAX_GRID:
            error = float(np.abs(brute_force(name, n) - solution.utilities).max()) / scale
            if error <= TARGET:
                break
            n *= 2
        reached = error <= TARGET
        n = min(n, MAX_GRID)
        brute, brute_cpu = median_ms(lambda _: brute_force(name, n), max(3, REPEATS // 10))
        ratio = f"{'' if reached else '>'}{brute_cpu / engine_cpu:.1f}"
        rows.append({"concept": name, "engine_ms": engine, "engine_cpu_ms": engine_cpu, "grid_per_axis": n,
                     "grid_error": error, "grid_reached_target": reached, "brute_ms": brute, "brute_cpu_ms": brute_cpu,
                     "ratio_cpu": brute_cpu / engine_cpu, "engine_status": solution.status})
        print(f"{name:<18}{engine:>10.2f}{engine_cpu:>8.2f}{n:>8d}{error:>10.1e}{brute:>10.1f}{brute_cpu:>8.1f}{ratio:>8}"
              f"  {solution.status}")
    print("ms = median wall clock per solve, (cpu) = median process CPU time; ratio = brute-force CPU ms at the")
    print("target accuracy / engine CPU ms ('>': grid capped before reaching the target)")
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps({"target": TARGET, "repeats": REPEATS, "concepts": rows, "machine": platform.platform(),
                                   "python": platform.python_version(),
                                   "note": "engine: cold solves (fresh problem each); ratio = brute-force CPU / engine CPU"},
                                  indent=2) + "\n")
    print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()
