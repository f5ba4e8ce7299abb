"""Render the README's performance table rows from the benchmark result files.

Each benchmark writes ``benchmarks/results/<name>.json``; this module turns the ones present into
Markdown rows ``| benchmark | command | result |`` so that the README's numbers are generated,
never typed. ``python benchmarks/render_table.py`` prints the rows.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"


def engine_row(r: dict) -> str:
    by = {c["concept"]: c for c in r["concepts"]}
    nash = by["nash"]
    others = "; ".join(f"{name.replace('kalai_smorodinsky', 'KS')} {by[name]['engine_cpu_ms']:.1f} ms, {by[name]['ratio_cpu']:.0f}x"
                       for name in ("kalai_smorodinsky", "egalitarian", "utilitarian"))
    return ("| engine vs brute-force grid at equal accuracy (3-term contract space: 2 continuous terms, 1 discrete with 4 values) "
            f"| `python benchmarks/bench_engine.py` | Nash {nash['engine_cpu_ms']:.1f} ms median CPU per cold solve, "
            f"{nash['ratio_cpu']:.0f}x faster than the grid ({others}) |")


def issue12_rows(r: dict) -> str:
    ratios = "; ".join(f"{row['problem']}: Rubinstein {row['rubinstein_seconds']:.3g} s CPU = {row['ratio']:.1f} Nash solves "
                       f"({row['nash_seconds']:.3g} s)" for row in r["rubinstein_vs_nash"])
    concepts = ", ".join(f"{c['concept']} {c['seconds']:.2f} s" for c in r["predict_seconds"])
    return ("| Rubinstein against Nash on the same contract problem, cold, same run "
            f"| `python benchmarks/bench_issue12.py` | {ratios} |\n"
            "| every concept one at a time on the case, `predict(concept)` at central values "
            f"| `python benchmarks/bench_issue12.py` | {r['predict_total_seconds']:.1f} s CPU in total ({concepts}) |")


def batch_row(r: dict) -> str:
    return ("| batch path, full case, all seven concepts "
            f"| `python benchmarks/bench_batch.py --draws {r['draws']} --engine-draws {r['engine_draws']}` "
            f"| {r['draws']:,} draws in {r['batch_seconds_all_concepts']:.1f} s ({r['draws_per_second_all_concepts']:.0f} draws/s, "
            f"{r['workers']} processes); the one-at-a-time engine takes {r['engine_seconds_per_draw_all_concepts']:.1f} s per draw "
            "for the seven concepts |")


def reproduce_row(r: dict) -> str:
    slowest = ", ".join(f"{name} {seconds:.0f} s" for name, seconds in
                        sorted(r["experiments"].items(), key=lambda kv: -kv[1])[:3])
    what = "every experiment, quick parameters" if r["quick"] else "every experiment, figure, table and the paper"
    return (f"| `{r['command']}` from a clean copy ({what}) | `python benchmarks/bench_reproduce.py"
            f"{' --quick' if r['quick'] else ''}` | {r['wall_seconds']:.0f} s wall on {r['jobs']} processes; the experiments "
            f"one after another would take {r['experiments_sequential_seconds']:.0f} s (slowest: {slowest}) |")


RENDERERS: dict[str, Callable[[dict], str]] = {
    "bench_engine": engine_row,
    "bench_batch": batch_row,
    "bench_issue12": issue12_rows,
    "bench_reproduce": reproduce_row,
    "bench_reproduce_quick": reproduce_row,
}


def table_rows(results: Path = RESULTS) -> list[str]:
    """The table rows of every benchmark whose result file exists, in ``RENDERERS`` order."""
    return [render(json.loads((results / f"{name}.json").read_text()))
            for name, render in RENDERERS.items() if (results / f"{name}.json").exists()]


if __name__ == "__main__":
    print("| benchmark | command | result |\n|---|---|---|")
    print("\n".join(table_rows()))
