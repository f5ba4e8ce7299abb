"""The ``negotiation`` command line: list, run and reproduce experiments, check results.

Errors in configurations, the calibration or the paper build are reported as one ``error:`` line (exit 2);
``reproduce --check`` exits 1 when results differ, printing one line per difference.
"""

from __future__ import annotations

import argparse
import io
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from negotiation.kit.calibration import CalibrationError
from negotiation.kit.case import CaseError
from negotiation.kit.space import SpaceError
from negotiation.pipeline.compare import ATOL, RTOL
from negotiation.pipeline.config import load_config, scan_configs
from negotiation.pipeline.paper import PaperError
from negotiation.pipeline.progress import DEFAULT_INTERVAL_SECONDS, Progress, SilentProgress, StderrProgress
from negotiation.pipeline.reproduction import Layout, check, reproduce
from negotiation.pipeline.runner import run_experiment
from negotiation.pipeline.schema import ConfigError
from negotiation.sweep import NO_OPTION

__all__ = ["build_parser", "main"]

EXIT_OK, EXIT_DIFFERENT, EXIT_ERROR, EXIT_INTERRUPTED = 0, 1, 2, 130
DEFAULT_JOBS = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
"""Experiments ``reproduce`` runs at once: the CPUs this process may use."""


def positive_int(text: str) -> int:
    """argparse type: an integer >= 1 (``--jobs``)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be an integer >= 1, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be an integer >= 1, got {value}")
    return value
LOG_INTERVAL_SECONDS = 10.0
"""Seconds between two progress lines of one task when standard error is not a terminal."""
SCHEDULER_TIMEOUT = 5.0
"""Seconds ``negotiation sweep --scheduler`` waits for the Dask scheduler before giving up."""

_EPILOG = """\
examples:
  negotiation list
  negotiation run experiments/baseline.toml --seed 7 --out /tmp/results
  negotiation reproduce                 # changed experiments, figures, tables, paper/main.pdf
  negotiation reproduce --force         # everything, ignoring the input-hash stamps
  negotiation reproduce --check         # rerun into a temporary folder, compare with results/
  negotiation reproduce --check --quick # the same with the [quick] parameters (CI)
"""


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (exposed for documentation and tests)."""
    parser = argparse.ArgumentParser(
        prog="negotiation",
        description="Reproduce the experiments, figures, tables and paper of the negotiation package.",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("-q", "--quiet", action="store_true", help="print no progress (errors still go to stderr)")
    common.add_argument(
        "--root", type=Path, default=Path("."), help="project checkout with experiments/, results/, paper/ (default: .)"
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    listing = commands.add_parser(
        "list", parents=[common], help="list the experiments in experiments/*.toml, one per line"
    )
    listing.add_argument("-v", "--verbose", action="store_true", help="also show each experiment's parameters")

    run = commands.add_parser(
        "run",
        parents=[common],
        help="run one experiment",
        description="Run one experiment and write its results, tables, figures and provenance to OUT/<name>/.",
    )
    run.add_argument("config", type=Path, help="experiment file, e.g. experiments/baseline.toml")
    run.add_argument("--seed", type=int, help="override the seed of the [experiment] table")
    run.add_argument("--out", type=Path, help="results root (default: ROOT/results, or ROOT/results-quick with --quick)")
    run.add_argument("--quick", action="store_true", help="use the [quick] parameters (fewer Monte-Carlo draws)")

    repro = commands.add_parser(
        "reproduce",
        parents=[common],
        help="every experiment, figure and table, then the paper PDF",
        description=(
            "Run every experiment in experiments/ whose inputs (configuration, calibration data, package "
            "source) changed since its last run, then assemble paper/generated/ and build paper/main.pdf "
            "with latexmk. With --check, rerun everything into a temporary folder and compare with the "
            f"committed results: numbers agree when |committed - new| <= atol + rtol*|committed| "
            f"(defaults rtol={RTOL:g}, atol={ATOL:g}); exit 1 and print each difference otherwise."
        ),
    )
    repro.add_argument("--force", action="store_true", help="rerun every experiment, ignoring the stamps")
    repro.add_argument("--check", action="store_true", help="rerun into a temporary folder and compare; write nothing")
    repro.add_argument(
        "--quick", action="store_true", help="use the [quick] parameters and results-quick/ (no paper); for CI"
    )
    repro.add_argument("--no-paper", action="store_true", help="skip assembling and building the paper")
    repro.add_argument(
        "-j", "--jobs", type=positive_int, default=DEFAULT_JOBS,
        help=f"experiments run at once, each in its own process (default {DEFAULT_JOBS}: this machine's CPUs); "
             "the results do not depend on it",
    )
    repro.add_argument("--rtol", type=float, default=RTOL, help=f"relative tolerance of --check (default {RTOL:g})")
    repro.add_argument("--atol", type=float, default=ATOL, help=f"absolute tolerance of --check (default {ATOL:g})")
    sweep = commands.add_parser(
        "sweep",
        parents=[common],
        help="Monte Carlo of a case's predictions over its calibration ranges (resumable)",
        description=(
            "Solve the case named by --case for N parameter draws (uniform on the calibration ranges), "
            "with the case's own batch path if it has one, else one draw at a time through the engine, "
            "in chunks on a process pool or a Dask cluster. Finished chunks "
            "are checkpointed under OUT/checkpoints; after an interruption (Ctrl-C) rerun the same "
            "command with --resume to finish. Writes OUT/draws.npz (every output, one row per draw, "
            "the feasibility mask, and codes.<term>: the option each code of a discrete term stands for) "
            "and OUT/summary.json (over feasible draws: mean, sd and quantiles of continuous outputs, "
            "counts and frequencies per option of discrete terms; n_feasible of n; the infeasible draws' "
            "parameters; the calibration's provenance)."
        ),
    )
    sweep.add_argument("--case", required=True,
                       help="the case: a module path (e.g. negotiation.cases.uaw_gm_2023) or a case.py file")
    sweep.add_argument("--draws", type=int, required=True, help="number of parameter draws (>= 1)")
    sweep.add_argument("--out", type=Path, required=True, help="output folder (created)")
    sweep.add_argument("--seed", type=int, default=2025, help="seed of the draws (default %(default)s)")
    sweep.add_argument("--concepts", help="comma-separated solution concepts (default: every concept the case offers)")
    sweep.add_argument("--chunk", type=int, default=4096, help="draws per task (does not change results; default %(default)s)")
    sweep.add_argument("--workers", type=int, help="processes of a local pool (default: one per CPU for large sweeps)")
    sweep.add_argument("--scheduler", help=f"address of a running Dask scheduler, e.g. tcp://host:8786 (needs the 'dask' extra; "
                       f"gives up after {SCHEDULER_TIMEOUT:g} s)")
    sweep.add_argument("--resume", action="store_true", help="finish an interrupted sweep in OUT with the same arguments")
    return parser


def _sweep(args: argparse.Namespace) -> int:
    import json
    from concurrent.futures import ProcessPoolExecutor

    import numpy as np

    from negotiation.kit import monte_carlo
    from negotiation.kit.case import load_case
    from negotiation.pipeline.atomic import atomic_write_bytes, atomic_write_text
    from negotiation.sweep import CheckpointsExist, stderr_progress, sweep

    case = load_case(args.case)
    try:
        requested = None if args.concepts is None else tuple(c.strip() for c in args.concepts.split(",") if c.strip())
        concepts = monte_carlo.check_concepts(case, requested)
    except ValueError as error:
        raise ConfigError(f"--concepts: {error}") from None
    for name, value in (("--draws", args.draws), ("--chunk", args.chunk), ("--workers", args.workers or 1)):
        if value < 1:
            raise ConfigError(f"{name} must be a whole number >= 1, got {value}")
    request = {"case": args.case, "draws": args.draws, "seed": args.seed, "concepts": list(concepts), "chunk": args.chunk}
    record = args.out / "sweep.json"
    if args.resume and record.is_file() and json.loads(record.read_text()) != request:
        raise ConfigError(f"{record}: --resume needs the same arguments as the interrupted sweep: {record.read_text().strip()}")
    client = _dask_client(args.scheduler) if args.scheduler else None
    atomic_write_text(record, json.dumps(request, indent=2) + "\n")
    if client is not None:
        executor = client.get_executor()
    else:
        executor = ProcessPoolExecutor(max_workers=args.workers) if args.workers else None
    try:
        result = sweep(monte_carlo.model(case, concepts), case.calibration(), args.draws, args.seed,
                       args.chunk, executor=executor, checkpoint_dir=args.out / "checkpoints", resume=args.resume,
                       progress=None if args.quiet else stderr_progress)
    except CheckpointsExist as error:
        raise ConfigError(f"{error.directory} already holds {error.n_chunks} chunks of an earlier sweep: rerun the same "
                          "command with --resume to finish it (finished chunks are reused), or choose an empty --out") from None
    except ValueError as error:  # e.g. OUT/checkpoints holds another sweep's chunks
        raise ConfigError(str(error)) from None
    except KeyboardInterrupt:
        print(f"negotiation: interrupted; finished chunks are kept in {args.out / 'checkpoints'}: "
              f"rerun the same command with --resume to finish", file=sys.stderr)
        return EXIT_INTERRUPTED
    finally:
        if executor is not None:
            executor.shutdown()
        if client is not None:
            client.close()
    labels = {term: tuple(str(v) for v in values) for term, values in monte_carlo.option_codes(case).items()}
    options = {f"{concept}.{term}": names for concept in concepts for term, names in labels.items()}
    codes = {f"codes.{term}": np.array(names) for term, names in labels.items()}
    atomic_write_bytes(args.out / "draws.npz", _npz_bytes({"feasible": result.feasible, **result.outputs, **codes}))
    summary = {
        "n": result.n_draws, "n_feasible": result.n_feasible, "seed": args.seed, "concepts": list(concepts),
        "infeasible_draws": result.infeasible_draws.tolist(),
        "infeasible_parameters": {k: np.asarray(v).tolist() for k, v in result.infeasible_parameters.items()},
        "case": args.case, "calibration": case.calibration().provenance(),
        "codes": {term: {str(code): name for code, name in enumerate(names)} | {"-1": NO_OPTION} for term, names in labels.items()},
        "outputs": {name: _output_summary(result, name, options.get(name)) for name in result.outputs},
    }
    atomic_write_text(args.out / "summary.json", json.dumps(summary, indent=2, sort_keys=True) + "\n")
    print(args.out / "summary.json")
    return EXIT_OK


def _dask_client(address: str) -> Any:
    """A ``dask.distributed.Client`` connected to ``address`` within ``SCHEDULER_TIMEOUT`` seconds.

    Raises
    ------
    ConfigError
        If dask is not installed, or no scheduler answered at ``address`` in time.
    """
    try:
        from dask.distributed import Client
    except ImportError:
        raise ConfigError("--scheduler needs dask[distributed]: pip install -e '.[dask]' (./run installs it)") from None
    try:
        return Client(address, timeout=SCHEDULER_TIMEOUT)
    except (OSError, TimeoutError, ValueError) as error:
        reason = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise ConfigError(f"--scheduler: could not reach a Dask scheduler at {address} within "
                          f"{SCHEDULER_TIMEOUT:g} s ({reason})") from None


def _output_summary(result: Any, name: str, labels: tuple[str, ...] | None) -> dict[str, Any]:
    """Frequencies per option for a discrete term, mean/sd/quantiles for anything else."""
    from negotiation.sweep import frequencies, summarize

    if labels is not None:
        counted = frequencies(name, result.outputs[name], result.feasible, labels)
        return {"n_feasible": counted.n_feasible, "counts": dict(counted.counts), "frequencies": counted.shares}
    s = summarize(name, result.outputs[name], result.feasible)
    return {"n_feasible": s.n_feasible, "mean": float(s.mean), "sd": float(s.std),
            "quantiles": {str(q): float(v) for q, v in s.quantiles.items()}}


def _npz_bytes(arrays: dict) -> bytes:
    """An ``.npz`` archive (``numpy.load`` reads it) with fixed zip timestamps: same arrays, same bytes."""
    import zipfile

    import numpy as np

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        for name in sorted(arrays):
            with archive.open(zipfile.ZipInfo(f"{name}.npy", date_time=(1980, 1, 1, 0, 0, 0)), "w") as member:
                np.lib.format.write_array(member, np.asarray(arrays[name]), allow_pickle=False)
    return buffer.getvalue()


_LIST_HEADER = ("EXPERIMENT (KIND if other)", "ROLE", "CASE", "FILE", "DESCRIPTION")


def _list(args: argparse.Namespace) -> int:
    configs, problems = scan_configs(args.root / "experiments")
    for problem in problems:
        print(f"negotiation: skipped: {problem}", file=sys.stderr)
    if not configs:
        print(f"no experiments in {args.root / 'experiments'}", file=sys.stderr)
        return EXIT_OK
    rows = [(config.name if config.kind == config.name else f"{config.name} ({config.kind.rsplit('.', 1)[-1]})",
             config.experiment.role, config.case.name if config.case is not None else "-", config.path.as_posix())
            for config in configs]
    widths = [max(len(header), *(len(row[i]) for row in rows)) for i, header in enumerate(_LIST_HEADER[:-1])]
    line = lambda cells, description: "  ".join(c.ljust(w) for c, w in zip(cells, widths)) + "  " + description  # noqa: E731
    print(line(_LIST_HEADER[:-1], _LIST_HEADER[-1]))
    for config, row in zip(configs, rows):
        print(line(row, config.description))
        if args.verbose:
            for key, value in config.parameters.items():
                print(f"    {key} = {value!r}  # {config.experiment.schema[key].doc}")
    return EXIT_OK


def _run(args: argparse.Namespace, progress: Progress) -> int:
    config = load_config(args.config)
    if args.seed is not None:
        config = config.with_seed(args.seed)
    out = args.out if args.out is not None else Layout(args.root).results(args.quick)
    summary = run_experiment(config, out, quick=args.quick, progress=progress, cwd=args.root)
    print(summary.directory)
    return EXIT_OK


def _reproduce(args: argparse.Namespace, progress: Progress) -> int:
    layout = Layout(args.root)
    if args.check:
        differences = check(layout, quick=args.quick, rtol=args.rtol, atol=args.atol, progress=progress,
                            jobs=args.jobs)
        for difference in differences:
            print(difference)
        if differences:
            print(f"check FAILED: {len(differences)} difference(s) (rtol={args.rtol:g}, atol={args.atol:g})", file=sys.stderr)
            return EXIT_DIFFERENT
        print(f"check passed: results agree within rtol={args.rtol:g}, atol={args.atol:g}", file=sys.stderr)
        return EXIT_OK
    summary = reproduce(layout, force=args.force, quick=args.quick, paper=not args.no_paper, progress=progress,
                        jobs=args.jobs)
    progress.message(f"ran {len(summary.ran)}, skipped {len(summary.skipped)} (up to date)"
                     + (f", {len(summary.problems)} invalid configuration(s) skipped" if summary.problems else ""))
    return EXIT_ERROR if summary.problems else EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``negotiation`` script; returns the exit status."""
    args = build_parser().parse_args(argv)
    # A log file or a pipe gets a line every LOG_INTERVAL seconds per task, a terminal every second.
    interval = DEFAULT_INTERVAL_SECONDS if sys.stderr.isatty() else LOG_INTERVAL_SECONDS
    progress: Progress = SilentProgress() if args.quiet else StderrProgress(interval=interval)
    try:
        if args.command == "list":
            return _list(args)
        if args.command == "run":
            return _run(args, progress)
        if args.command == "sweep":
            return _sweep(args)
        return _reproduce(args, progress)
    except (ConfigError, CalibrationError, CaseError, SpaceError, PaperError) as error:
        print(f"negotiation: error: {error}", file=sys.stderr)
        return EXIT_ERROR
