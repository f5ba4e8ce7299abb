"""The command line every benchmark shares: its docstring's first line, the defaults, what it writes and how long it runs."""

from __future__ import annotations

import argparse


def parser(doc: str, writes: str, duration: str, needs: str = "") -> argparse.ArgumentParser:
    """An argument parser whose ``--help`` shows the defaults, the result file it overwrites and its run time.

    Parameters
    ----------
    doc : str
        The benchmark's module docstring (its first paragraph is the description).
    writes : str
        The result file(s) it writes, e.g. ``"benchmarks/results/bench_batch.json"``.
    duration : str
        Its run time on the machine of the README's tables, e.g. ``"about 1 min"``.
    needs : str
        What it needs beyond the package, if anything (a sentence).
    """
    return argparse.ArgumentParser(
        description=doc.split("\n\n")[0].replace("``", "'"),
        epilog=f"Writes (overwrites) {writes}. Runs {duration} on the machine of the README's tables "
               "(2 cores; see benchmarks/machine.py to compare yours). Run it with ./run python benchmarks/... "
               f"so that the package is importable.{' ' + needs if needs else ''}",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
