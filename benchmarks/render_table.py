"""Render the README's benchmark tables from the benchmark result files.

Each benchmark writes ``benchmarks/results/<name>.json``; this module turns them into the
README's two generated blocks, so that its numbers are generated, never typed:

- ``requirements``: the "Computational requirements" table (``bench_reproduce``,
  ``bench_reproduce_quick``, ``bench_tests``);
- ``performance``: the "Performance and scaling" table (one row or more per benchmark), then the
  NegMAS table.

``./run python benchmarks/render_table.py`` prints both; ``--write README.md`` puts each between
its markers (``<!-- benchmarks/render_table.py: NAME begin -->`` ... ``end -->``), and
``tests/test_benchmark_table.py`` checks that the README's blocks are what the result files give.
A result timed beside the machine reference of ``benchmarks/machine.py`` ends with it, so that
figures from different machines can be compared.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"
RUN = "./run python benchmarks/"
"""How the README's commands run a benchmark (in ./run's environment, where the package is installed)."""


def _minutes(seconds: float) -> str:
    """``"1 min 6 s"`` or ``"48 s"``."""
    whole = int(round(seconds))
    return f"{whole // 60} min {whole % 60} s" if whole >= 60 else f"{whole} s"


def _memory(mb: float) -> str:
    return f"{mb / 1024:.1f} GB" if mb >= 1024 else f"{mb:.0f} MB"


def engine_row(r: dict) -> str:
    by = {c["concept"]: c for c in r["concepts"]}
    nash = by["nash"]
    others = "; ".join(f"{name.replace('kalai_smorodinsky', 'KS')} {by[name]['engine_cpu_ms']:.1f} ms, {by[name]['ratio_cpu']:.0f}x"
                       for name in ("kalai_smorodinsky", "egalitarian", "utilitarian"))
    return ("| engine vs brute-force grid at equal accuracy (3-term contract space: 2 continuous terms, 1 discrete with 4 values) "
            f"| `{RUN}bench_engine.py` | Nash {nash['engine_cpu_ms']:.1f} ms median CPU per cold solve, "
            f"{nash['ratio_cpu']:.0f}x faster than the grid ({others}) |")


def issue12_rows(r: dict) -> str:
    ratios = "; ".join(f"{row['problem']}: Rubinstein {row['rubinstein_seconds']:.3g} s CPU = {row['ratio']:.1f} Nash solves "
                       f"({row['nash_seconds']:.3g} s)" for row in r["rubinstein_vs_nash"])
    concepts = ", ".join(f"{c['concept']} {c['seconds']:.2f} s" for c in r["predict_seconds"])
    return ("| Rubinstein against Nash on the same contract problem, cold, same run "
            f"| `{RUN}bench_issue12.py` | {ratios} |\n"
            "| every concept one at a time on the case, `predict(concept)` at central values "
            f"| `{RUN}bench_issue12.py` | {r['predict_total_seconds']:.1f} s CPU in total, cold each, medians of "
            f"{r['repeats']} ({concepts}) |\n"
            "| the seven concepts in sequence on the case at central values, sharing one problem and its frontier "
            f"| `{RUN}bench_issue12.py` | {r['predict_in_sequence_seconds']:.1f} s CPU in total |")


def batch_row(r: dict) -> str:
    runs = ", ".join(f"{t:.2f}" for t in r["batch_seconds_runs"])
    return ("| batch path, full case, all seven concepts, against the one-at-a-time engine "
            f"| `{RUN}bench_batch.py --draws {r['draws']} --engine-draws {r['engine_draws']}` "
            f"| {r['draws']:,} draws in {r['batch_seconds_all_concepts']:.1f} s wall on {r['workers']} processes "
            f"(median of {runs} s; {r['draws_per_second_all_concepts']:,.0f} draws/s); the engine takes "
            f"{r['engine_seconds_per_draw_all_concepts']:.1f} s CPU per draw for the seven concepts cold each "
            f"({r['engine_seconds_per_draw_in_sequence']:.1f} s in sequence; medians over the first {r['engine_draws']} draws), "
            f"so engine / batch = {r['speedup_extrapolated']:,.0f} ({r['speedup_per_core_extrapolated']:,.0f} per core; "
            "extrapolated from those draws) |")


def reproduce_row(r: dict) -> str:
    slowest = ", ".join(f"{name} {seconds:.0f} s" for name, seconds in
                        sorted(r["experiments"].items(), key=lambda kv: -kv[1])[:3])
    what = "every experiment, quick parameters" if r["quick"] else "every experiment, figure, table and the paper"
    return (f"| `{r['command']}` from a clean copy ({what}) | `{RUN}bench_reproduce.py"
            f"{' --quick' if r['quick'] else ''}` | {r['wall_seconds']:.0f} s wall on {r['jobs']} processes; the experiments' "
            f"own times sum to {r['experiments_sequential_seconds']:.0f} s (slowest: {slowest}) |")


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
    return (f"| NegMAS {r.get('negmas_version', '')} (grid enumeration) vs ours on the case's Nash point, CPU seconds "
            f"| `EXTRAS=test,dask,bench {RUN}bench_negmas.py --levels {levels} --budget {r['budget_seconds']:.0f}` | {result} |")


def negmas_table(r: dict) -> str:
    """The per-resolution table of ``bench_negmas.json``: outcomes, NegMAS CPU seconds, our speed-ups, the gap."""
    rows = ["| levels | outcomes | NegMAS | engine speed-up | batch speed-up | gap |", "|---:|---:|---:|---:|---:|---:|"]
    rows += [f"| {m['levels']} | {m['outcomes']:,} | {m['seconds']:.1f} s | {m['speedup']:,.1f}x | {m['batch_speedup']:,.0f}x "
             f"| {m['gap']:.1e} |" for m in r["negmas"]]
    return "\n".join(rows)


TIE_BAND_NOTE = ", the engine's tie band"
"""The engine's utilitarian answer on a curved frontier moves ~sqrt(TIE_TOL) along it (solutions/utilitarian.py)."""


def scale_rows(r: dict) -> str:
    """``bench_scale.json`` (issue 27): the vectorised path against the engine, Rubinstein and utilitarian
    against Nash, and Nash as the combinations grow."""
    problems = r["problems"]
    nash = "; ".join(f"{p['terms']} term{'s' * (p['terms'] != 1)} x {p['combinations']:,} combinations ({p['shape']}) "
                     f"{p['engine_over_vectorised']:.0f}x" for p in problems)
    gap = max(p["max_utility_gap"] for p in problems)
    concepts = "; ".join(f"{c['concept'].replace('kalai_smorodinsky', 'KS')} {c['engine_over_vectorised']:.0f}x "
                         f"(gap {c['max_utility_gap']:.0e}{TIE_BAND_NOTE if c['concept'] == 'utilitarian' else ''})"
                         for c in r.get("concepts", []))
    where = (f" on {r['concepts'][0]['terms']} terms x {r['concepts'][0]['combinations']} combinations: {concepts}"
             if concepts else "")
    ratios = [p["rubinstein_over_nash"] for p in problems]
    utilitarian = [p["utilitarian_over_nash"] for p in problems]
    scaling = r["nash_scaling"]
    return ("| engine at scale: seeded random contract families (1-6 continuous terms, 16-256 combinations), "
            f"vectorised over {r['draws']} draws against the engine per draw (first {r['engine_draws']}) "
            f"| `{RUN}bench_scale.py` | Nash engine / vectorised per draw: {nash} (largest gap in utilities {gap:.0e}); "
            f"other concepts{where}; one cold solve: utilitarian / Nash {min(utilitarian):.1f}-{max(utilitarian):.1f}, "
            f"Rubinstein / Nash {min(ratios):.1f}-{max(ratios):.0f}; Nash at {scaling[1]['combinations']:,} / "
            f"{scaling[0]['combinations']} combinations {r['nash_4096_over_16']:.0f}x "
            f"({scaling[1]['combinations'] // scaling[0]['combinations']} times the combinations) |")


PERFORMANCE: dict[str, Callable[[dict], str]] = {
    "bench_engine": engine_row,
    "bench_batch": batch_row,
    "bench_issue12": issue12_rows,
    "bench_scale": scale_rows,
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


def _load(name: str, results: Path) -> dict | None:
    path = results / f"{name}.json"
    return json.loads(path.read_text()) if path.exists() else None


def table_rows(results: Path = RESULTS) -> list[str]:
    """The performance rows of every benchmark whose result file exists, in ``PERFORMANCE`` order."""
    return [with_reference(render(r), r) for name, render in PERFORMANCE.items()
            if (r := _load(name, results)) is not None]


def performance(results: Path = RESULTS) -> str:
    """The "Performance and scaling" block: the benchmark table, then the NegMAS table."""
    lines = ["| benchmark | command | result |", "|---|---|---|", *table_rows(results)]
    if (negmas := _load("bench_negmas", results)) is not None:
        lines += ["", negmas_table(negmas)]
    return "\n".join(lines)


def requirements(results: Path = RESULTS) -> str:
    """The "Computational requirements" block: the README's two commands (and the quick variant), measured."""
    lines = ["| command | wall time | CPU time | peak memory (largest process) | what it does | measured by |",
             "|---|---|---|---|---|---|"]
    for name, command, what in (
            ("bench_reproduce", "./run reproduce --force",
             "{n} experiments, every figure, the tables and macros, `paper/main.pdf`"),
            ("bench_reproduce_quick", "./run reproduce --quick --force",
             "the same with the `[quick]` sizes of each experiment, into `results-quick/`, no paper")):
        if (r := _load(name, results)) is not None:
            lines.append(f"| `{command}` | {_minutes(r['wall_seconds'])} ({r['jobs']} experiments at once) "
                         f"| {_minutes(r['cpu_seconds'])} | {_memory(r['peak_memory_mb'])} | {what.format(n=len(r['experiments']))} "
                         f"| `{RUN}bench_reproduce.py{' --quick' if r['quick'] else ''}` |")
    if (r := _load("bench_tests", results)) is not None:
        c = r["counts"]
        lines.append(f"| `./run test` | {_minutes(r['wall_seconds'])} (one pytest-xdist worker per core) "
                     f"| {_minutes(r['cpu_seconds'])} | {_memory(r['peak_memory_mb'])} "
                     f"| {c['passed'] + c['skipped']} tests ({c['passed']} passed, {c['skipped']} skipped): property-based "
                     "axiom tests, the well-posedness checks of the case, engine-vs-batch agreement on draws of the case "
                     f"and the quick runs of every experiment | `{RUN}bench_tests.py` |")
    references = sorted({f"{r['machine_reference_seconds']:.2f} s" for name in ("bench_reproduce", "bench_reproduce_quick",
                                                                                 "bench_tests")
                         if (r := _load(name, results)) is not None and "machine_reference_seconds" in r})
    if references:
        lines += ["", f"Machine reference of these runs (`{RUN}machine.py`): {', '.join(references)} of CPU."]
    return "\n".join(lines)


BLOCKS: dict[str, Callable[[Path], str]] = {"requirements": requirements, "performance": performance}


def markers(name: str) -> tuple[str, str]:
    """The lines between which the README holds the block ``name``."""
    return f"<!-- benchmarks/render_table.py: {name} begin -->", f"<!-- benchmarks/render_table.py: {name} end -->"


def with_blocks(readme: str, results: Path = RESULTS) -> str:
    """``readme`` with the text between each block's markers replaced by the block (:data:`BLOCKS`)."""
    for name, render in BLOCKS.items():
        begin, end = markers(name)
        if begin not in readme or end not in readme:
            raise ValueError(f"the README has no generated block {name!r}: add the lines {begin!r} and {end!r}")
        head, rest = readme.split(begin, 1)
        readme = f"{head}{begin}\n{render(results)}\n{end}{rest.split(end, 1)[1]}"
    return readme


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description="Print the README's benchmark tables from benchmarks/results/*.json, "
                                                 "or (--write) put them into the README between its markers.")
    parser.add_argument("--write", type=Path, metavar="README", help="rewrite this file's generated blocks in place")
    args = parser.parse_args()
    if args.write is None:
        print("\n\n".join(render(RESULTS) for render in BLOCKS.values()))
    else:
        args.write.write_text(with_blocks(args.write.read_text()))
        print(f"wrote the benchmark tables into {args.write}")
