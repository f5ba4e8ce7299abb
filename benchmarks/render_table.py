"""Render the README's performance table rows from the benchmark result files.

Each benchmark writes ``benchmarks/results/<name>.json``; this module turns the ones present into
Markdown rows ``| benchmark | command | result |`` so that the README's numbers are generated,
never typed. ``python benchmarks/render_table.py`` prints the rows, then the NegMAS table;
``--write README.md`` puts them between the README's markers (``tests/test_benchmark_table.py``
checks that the README's block is what the result files give). A result timed with the machine
reference of ``benchmarks/machine.py`` ends with it, so that figures from different machines can
be compared.
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
            f"| `python benchmarks/bench_issue12.py` | {r['predict_total_seconds']:.1f} s CPU in total, cold each ({concepts}) |"
            + ("" if "predict_in_sequence_seconds" not in r else
               "\n| the seven concepts in sequence on the case, sharing one problem and its frontier "
               f"| `python benchmarks/bench_issue12.py` | {r['predict_in_sequence_seconds']:.1f} s CPU in total |"))


def batch_row(r: dict) -> str:
    return ("| batch path, full case, all seven concepts "
            f"| `python benchmarks/bench_batch.py --draws {r['draws']} --engine-draws {r['engine_draws']}` "
            f"| {r['draws']:,} draws in {r['batch_seconds_all_concepts']:.1f} s ({r['draws_per_second_all_concepts']:,.0f} draws/s, "
            f"{r['workers']} processes); the one-at-a-time engine takes {r['engine_seconds_per_draw_all_concepts']:.1f} s per draw "
            "for the seven concepts cold each"
            + ("" if "engine_seconds_per_draw_in_sequence" not in r else
               f", {r['engine_seconds_per_draw_in_sequence']:.1f} s in sequence") + " |")


def reproduce_row(r: dict) -> str:
    slowest = ", ".join(f"{name} {seconds:.0f} s" for name, seconds in
                        sorted(r["experiments"].items(), key=lambda kv: -kv[1])[:3])
    what = "every experiment, quick parameters" if r["quick"] else "every experiment, figure, table and the paper"
    return (f"| `{r['command']}` from a clean copy ({what}) | `python benchmarks/bench_reproduce.py"
            f"{' --quick' if r['quick'] else ''}` | {r['wall_seconds']:.0f} s wall on {r['jobs']} processes; the experiments "
            f"one after another would take {r['experiments_sequential_seconds']:.0f} s (slowest: {slowest}) |")


def negmas_row(r: dict) -> str:
    v = r["verdict"]
    levels = ",".join(str(level) for level in r["command_levels"])
    if v["reached"]:
        result = (f"NegMAS first gets within {v['target_gap']:.0e} of our log Nash product at {v['first_levels_within_target']} "
                  f"levels per continuous term: there the engine is {v['engine_speedup_there']:,.0f}x and the batch path "
                  f"{v['batch_speedup_there']:,.0f}x faster (table below)")
    else:
        result = (f"NegMAS did not get within {v['target_gap']:.0e} up to {max(int(k) for k in v['gap_by_levels'])} levels "
                  f"(smallest gap {v['smallest_gap']:.1e}; table below)")
    return (f"| NegMAS (grid enumeration) vs ours on the case's Nash point | `python benchmarks/bench_negmas.py --levels {levels} "
            f"--budget {r['budget_seconds']:.0f}` | {result} |")


def negmas_table(r: dict) -> str:
    """The per-resolution table of ``bench_negmas.json``: outcomes, NegMAS CPU seconds, our speed-ups, the gap."""
    rows = ["| levels | outcomes | NegMAS | engine speed-up | batch speed-up | gap |", "|---:|---:|---:|---:|---:|---:|"]
    rows += [f"| {m['levels']} | {m['outcomes']:,} | {m['seconds']:.1f} s | {m['speedup']:,.1f}x | {m['batch_speedup']:,.0f}x "
             f"| {m['gap']:.1e} |" for m in r["negmas"]]
    return "\n".join(rows)


RENDERERS: dict[str, Callable[[dict], str]] = {
    "bench_engine": engine_row,
    "bench_batch": batch_row,
    "bench_issue12": issue12_rows,
    "bench_reproduce": reproduce_row,
    "bench_reproduce_quick": reproduce_row,
    "bench_negmas": negmas_row,
}


def with_reference(rows: str, r: dict) -> str:
    """``rows`` with the machine reference of the run (``benchmarks/machine.py``) at the end of each result cell."""
    if "machine_reference_seconds" not in r:
        return rows
    note = f"; machine reference {r['machine_reference_seconds']:.2f} s |"
    return "\n".join(row[:-2] + note for row in rows.split("\n"))


def table_rows(results: Path = RESULTS) -> list[str]:
    """The table rows of every benchmark whose result file exists, in ``RENDERERS`` order."""
    rows = []
    for name, render in RENDERERS.items():
        if (results / f"{name}.json").exists():
            r = json.loads((results / f"{name}.json").read_text())
            rows.append(with_reference(render(r), r))
    return rows


BEGIN, END = "<!-- benchmarks/render_table.py: begin -->", "<!-- benchmarks/render_table.py: end -->"
"""The README's generated block lies between these two lines."""


def block(results: Path = RESULTS) -> str:
    """The README's generated block: the table of every benchmark, then the NegMAS table."""
    lines = ["| benchmark | command | result |", "|---|---|---|", *table_rows(results)]
    if (results / "bench_negmas.json").exists():
        lines += ["", negmas_table(json.loads((results / "bench_negmas.json").read_text()))]
    return "\n".join(lines)


def with_block(readme: str, results: Path = RESULTS) -> str:
    """``readme`` with the text between BEGIN and END replaced by :func:`block`."""
    if BEGIN not in readme or END not in readme:
        raise ValueError(f"the README has no generated block: add the lines {BEGIN!r} and {END!r}")
    head, rest = readme.split(BEGIN, 1)
    return f"{head}{BEGIN}\n{block(results)}\n{END}{rest.split(END, 1)[1]}"


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description="Print the README's performance tables from benchmarks/results/*.json, "
                                                 "or (--write) put them into the README between its markers.")
    parser.add_argument("--write", type=Path, metavar="README", help="rewrite this file's generated block in place")
    args = parser.parse_args()
    if args.write is None:
        print(block())
    else:
        args.write.write_text(with_block(args.write.read_text()))
        print(f"wrote the performance tables into {args.write}")
