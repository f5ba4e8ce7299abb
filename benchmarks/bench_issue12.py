"""Issue 12 targets: Rubinstein against Nash on the same contract problem, and every concept on the case.

Two contract problems: the case (``negotiation.cases.microsoft_openai.problem()`` at central
values, Rubinstein with the case's discount factors and outside options as in
``predict("rubinstein")``) and a small wage bargain (wage and hours continuous, one binary
pension option). Every solve is timed on a freshly built problem, so the frontier envelope that
the engine caches on a problem's contract space is rebuilt each time (cold, as for a new user;
the case's memo of problems is cleared first). Reported: the median CPU seconds of Nash and
Rubinstein and their ratio (target: at most 10), measured in the same run (wall seconds too);
then the CPU seconds of ``predict(concept)`` for each of the seven concepts, one at a time and
cold each, and their total (target: under 10 s); and the seven in sequence from a cleared memo,
as a researcher runs them, sharing one frontier. Writes ``benchmarks/results/bench_issue12.json``.

Run: ``python benchmarks/bench_issue12.py [--repeats 5]``.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import time
from collections.abc import Callable
from pathlib import Path

import negotiation as ng
from negotiation.cases.microsoft_openai import CONCEPTS, calibration, predict
from negotiation.cases.microsoft_openai import problem as case_problem
from negotiation.cases.microsoft_openai.solve import clear_memo, discount_factors
from negotiation.cases.microsoft_openai.threats import outside_options

from _cli import parser as cli_parser  # benchmarks/_cli.py
from machine import reference_seconds  # benchmarks/machine.py: the machine's speed, timed in the same run

RESULTS = Path(__file__).resolve().parent / "results" / "bench_issue12.json"
WAGE_DISCOUNT_FACTORS = (0.9, 0.8)
SMALL_REPEATS = 20
"""The wage bargain solves in milliseconds: this many times more repeats steady its medians."""


def wage_problem() -> ng.BargainingProblem:
    """Firm and worker bargain over the wage, the hours and a pension (worth 60 to the worker, costs 50)."""
    space = {"wage": ng.Continuous(10.0, 40.0), "hours": ng.Continuous(20.0, 50.0), "pension": ng.Discrete((False, True))}
    firm = lambda c: 30.0 * c["hours"] - c["wage"] * c["hours"] - 50.0 * c["pension"]  # noqa: E731
    worker = lambda c: c["wage"] * c["hours"] - 0.2 * c["hours"] ** 2 + 60.0 * c["pension"]  # noqa: E731
    return ng.BargainingProblem.from_contracts(space, (firm, worker), disagreement=(0.0, 0.0))


def cold_seconds(make: Callable[[], object], solve: Callable[[object], object],
                 repeats: int) -> tuple[float, float]:
    """Median process-CPU and wall-clock seconds of ``solve`` on a fresh argument from ``make``
    (built outside the timing). The engine is single-threaded, so CPU time is the robust measure
    on a machine shared with other jobs; wall time is reported alongside."""
    cpu, wall = [], []
    for _ in range(repeats):
        problem = make()
        start, start_cpu = time.perf_counter(), time.process_time()
        solve(problem)
        cpu.append(time.process_time() - start_cpu)
        wall.append(time.perf_counter() - start)
    return statistics.median(cpu), statistics.median(wall)


def cold_case_problem() -> ng.BargainingProblem:
    """The case's problem at central values, built afresh (the memo cleared)."""
    clear_memo()
    return case_problem()


def cold_concept(concept: str) -> Callable[[], str]:
    """A ``make`` for :func:`cold_seconds` that clears the case's memo and hands on ``concept``."""
    def make() -> str:
        clear_memo()
        return concept
    return make


def in_sequence_seconds(repeats: int) -> tuple[float, float]:
    """Median CPU and wall seconds of the seven concepts in sequence, from a cleared memo each time."""
    return cold_seconds(lambda: clear_memo(), lambda _: [predict(c) for c in CONCEPTS], repeats)


def ratio_row(name: str, make: Callable[[], ng.BargainingProblem], rubinstein: Callable[[ng.BargainingProblem], object],
              repeats: int) -> dict:
    (nash, nash_wall), (alternating, alternating_wall) = (cold_seconds(make, solve, repeats)
                                                           for solve in (ng.nash_solution, rubinstein))
    return {"problem": name, "nash_seconds": nash, "rubinstein_seconds": alternating, "ratio": alternating / nash,
            "nash_wall_seconds": nash_wall, "rubinstein_wall_seconds": alternating_wall}


def main() -> None:
    parser = cli_parser(__doc__, "benchmarks/results/bench_issue12.json", "about 1 min")
    parser.add_argument("--repeats", type=int, default=5, help="cold solves of each kind; medians are reported")
    args = parser.parse_args()
    if args.repeats < 1:
        parser.error("--repeats must be at least 1")
    p = calibration().central()
    delta, options = discount_factors(p), outside_options(p)
    ratios = [
        ratio_row(f"case ({len(case_problem().space.combos)} combinations)", cold_case_problem,
                  lambda q: ng.rubinstein_solution(q, delta, proposer=0, outside_options=options), args.repeats),
        ratio_row("wage bargain (2 terms + 1 binary)", wage_problem,
                  lambda q: ng.rubinstein_solution(q, WAGE_DISCOUNT_FACTORS), SMALL_REPEATS * args.repeats),
    ]
    print(f"{'problem':<36}{'Nash cpu s':>11}{'Rubinstein cpu s':>18}{'ratio':>8}")
    for row in ratios:
        print(f"{row['problem']:<36}{row['nash_seconds']:>11.4f}{row['rubinstein_seconds']:>18.4f}{row['ratio']:>8.2f}")
    concepts = []
    for concept in CONCEPTS:
        cpu, wall = cold_seconds(cold_concept(concept), predict, args.repeats)
        concepts.append({"concept": concept, "seconds": cpu, "wall_seconds": wall})
    total = sum(c["seconds"] for c in concepts)
    print("predict(concept) on the case, median CPU seconds: "
          + ", ".join(f"{c['concept']} {c['seconds']:.2f}" for c in concepts) + f"; total {total:.2f} s"
          + f" (wall {sum(c['wall_seconds'] for c in concepts):.2f} s)")
    sequence, sequence_wall = in_sequence_seconds(args.repeats)
    print(f"the seven in sequence, sharing one frontier: {sequence:.2f} s CPU (wall {sequence_wall:.2f} s)")
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps({
        "repeats": args.repeats,
        "rubinstein_vs_nash": ratios,
        "predict_seconds": concepts,
        "predict_total_seconds": total,
        "predict_in_sequence_seconds": sequence,
        "predict_in_sequence_wall_seconds": sequence_wall,
        "load_average_at_end": list(os.getloadavg()),
        "machine_reference_seconds": reference_seconds(),
        "machine": platform.platform(),
        "python": platform.python_version(),
        "note": "every solve on a freshly built problem (cold frontier cache; the case's memo cleared), "
                "except predict_in_sequence (seven concepts from one cleared memo); medians over repeats; "
                "seconds are process CPU time (wall_seconds alongside)",
    }, indent=2) + "\n")
    print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()
