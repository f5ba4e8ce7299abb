"""Nash point of the Microsoft-OpenAI case: ours vs NegMAS on a grid (``./run python benchmarks/bench_negmas.py``).

"Ours" is timed twice, as CPU seconds of this process, best of ``REPEATS`` runs: the
one-at-a-time engine (``solve.problem`` + ``ng.nash_solution``: grid starts and local solves
over every discrete combination) and the closed-form batch path (``predict_batch("nash", ...)``
for one draw, ``as_draws`` of the central calibration). Both sides use the same payoff
functions (``payoffs.payoff_functions``) at the central calibration, the same disagreement point
(``solve.disagreement``, the status quo) and the same contract space: ``solve.contract_space()``
with the Azure commitment capped at ``solve.commitment_cap`` as ``solve.problem`` does.

NegMAS (benchmark-only dependency, 0.16) gets a Cartesian outcome space with ``L`` evenly spaced
levels (ends included) for each continuous term (equity, revenue share, Azure commitment) and
every discrete term as a categorical issue, so ``outcomes = L**3 x`` the discrete combinations
(528 in the current space); the payoffs are wrapped in ``MappingUtilityFunction`` objects with
the disagreement utilities as reserved values, then ``pareto_frontier`` + ``nash_points``. Its
CPU time includes building the outcome space and evaluating the utilities, as ours includes
building the problem.

Quality is the Nash objective ``log(u_M - d_M) + log(u_O - d_O)`` (minus infinity when a gain is
not positive); gap = ours minus NegMAS's. NegMAS's ``nash_points`` maximises the product of
gains, which is also positive when both gains are negative (docs style.md); its pick is checked
and the best frontier point by log-gains is reported as well (``filtered_gap``).

The levels are tried in increasing order until the gap is at most ``TARGET_GAP`` (the
resolution where NegMAS first gets there: the speed-ups there are the answer) or the next run,
predicted from the last one's CPU time per outcome, would take the NegMAS total over
``--budget``. A uniform grid's gap is not monotone in ``L``: the optimum is a line of contracts
(equity and revenue share are transfers), and how close the grid comes to it depends on ``L``,
so every level is tried rather than only doubling ones. Writes
``benchmarks/results/bench_negmas.json`` and prints one line per level and a verdict.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import itertools
import json
import math
import platform
import time
from pathlib import Path
from typing import Any, Callable

import numpy as np

import negotiation as ng
from negotiation.cases.microsoft_openai.batch import as_draws, predict_batch
from negotiation.cases.microsoft_openai.parameters import Parameters, calibration
from negotiation.cases.microsoft_openai.payoffs import payoff_functions
from negotiation.cases.microsoft_openai.solve import clear_memo, commitment_cap, contract_space, disagreement, problem
from negotiation.cases.microsoft_openai.space import case_space

from _cli import parser as cli_parser  # benchmarks/_cli.py
from machine import reference_seconds  # benchmarks/machine.py: the machine's speed, timed in the same run

LEVELS = tuple(range(3, 34))
"""Grid levels per continuous term tried by default, in increasing order (until the target or budget)."""
BUDGET_SECONDS = 1000.0
"""Default cap on the total CPU seconds of the NegMAS runs (each next run is predicted before it starts)."""
REPEATS = 3
"""Our two solvers are timed as the best of REPEATS runs."""
TARGET_GAP = 1e-6
"""Log Nash product gap (ours minus NegMAS's) that NegMAS must reach."""
OUT = Path(__file__).parent / "results" / "bench_negmas.json"


def log_gain(u: np.ndarray, d: np.ndarray) -> float:
    """Log Nash product over the disagreement point.

    Parameters
    ----------
    u, d : np.ndarray
        Utilities and disagreement point, shape (2,).

    Returns
    -------
    float
        ``sum_i log(u_i - d_i)``, minus infinity when a gain is not positive.
    """
    gains = np.asarray(u, dtype=float) - d
    return float(np.sum(np.log(gains))) if np.all(gains > 0) else -math.inf


def best_time(solve: Callable[[], Any]) -> tuple[float, Any]:
    """Best-of-``REPEATS`` CPU time of ``solve()`` and its last result."""
    times = []
    for _ in range(REPEATS):
        start = time.process_time()
        result = solve()
        times.append(time.process_time() - start)
    return min(times), result


def case_terms(p: Parameters) -> tuple[dict[str, tuple[float, float]], dict[str, tuple]]:
    """The contract space of ``solve.problem(p)``.

    Returns
    -------
    continuous : dict
        ``name -> (lo, hi)``, the Azure commitment capped at ``commitment_cap(p)``.
    discrete : dict
        ``name -> values``.
    """
    space = contract_space()
    continuous = {n: (t.lo, t.hi) for n, t in space.items() if isinstance(t, ng.Continuous)}
    discrete = {n: tuple(t.values) for n, t in space.items() if isinstance(t, ng.Discrete)}
    lo, _ = continuous["azure_commitment"]
    continuous["azure_commitment"] = (lo, float(commitment_cap(p)))
    return continuous, discrete


def ours(p: Parameters) -> dict:
    """Engine and batch-path CPU times of the Nash solution at ``p``, and the better log-gain of the two."""
    def cold_nash():
        clear_memo()  # a freshly built problem, so its frontier envelope too (as for a new user)
        return ng.nash_solution(problem(p))

    engine_seconds, solution = best_time(cold_nash)
    batch_seconds, fast = best_time(lambda: predict_batch("nash", as_draws(p)))
    d = np.asarray(disagreement(p))
    return {"seconds": engine_seconds, "batch_seconds": batch_seconds,
            "utilities": solution.utilities.tolist(), "batch_utilities": fast.utilities[0].tolist(),
            "contract": {k: _plain(v) for k, v in solution.contract.items()},
            "log_gain": max(log_gain(solution.utilities, d), log_gain(fast.utilities[0], d)),
            "disagreement": d.tolist()}


def negmas_space(levels: int, continuous: dict, discrete: dict):
    """NegMAS outcome space: ``levels`` values per continuous term, discrete values as string labels.

    Returns
    -------
    space : negmas.outcomes.CartesianOutcomeSpace
    contract : callable
        Maps a NegMAS outcome (a tuple in issue order) to our contract dict.
    """
    import negmas

    names = list(continuous) + list(discrete)
    grids = [np.linspace(lo, hi, levels).tolist() for lo, hi in continuous.values()]
    labels = [[str(v) for v in values] for values in discrete.values()]
    decode = [dict(zip(lab, values)) for lab, values in zip(labels, discrete.values())]
    space = negmas.make_os([negmas.make_issue(values=v, name=n) for v, n in zip(grids + labels, names)])
    k = len(continuous)

    def contract(outcome: tuple) -> dict:
        return dict(zip(names, list(outcome[:k]) + [table[v] for table, v in zip(decode, outcome[k:])]))

    return space, contract


def negmas_nash(levels: int, p: Parameters, d: np.ndarray) -> dict:
    """NegMAS's Nash point on a ``levels``-point grid of each continuous term: CPU time and quality."""
    import negmas
    from negmas.preferences import MappingUtilityFunction

    start = time.process_time()
    space, contract = negmas_space(levels, *case_terms(p))
    ufuns = [MappingUtilityFunction(lambda o, f=f: float(f(contract(o))), outcome_space=space, reserved_value=float(r))
             for f, r in zip(payoff_functions(p, 0.0, case_space()), d)]
    outcomes = list(space.enumerate())
    frontier, indices = negmas.pareto_frontier(ufuns, outcomes=outcomes, sort_by_welfare=True)
    # ranges = (d_i, best_i): without them NegMAS replaces a reserved value below a player's worst
    # outcome by that worst outcome (nash_points: ranges[i] = (r, max) only if r >= min), silently
    # solving another problem than the one with disagreement point d.
    ranges = [(float(r), max(float(u[i]) for u in frontier)) for i, r in enumerate(d)]
    picks = negmas.nash_points(ufuns, frontier, ranges=ranges, outcome_space=space)
    seconds = time.process_time() - start
    utilities, where = picks[0]
    best = max(frontier, key=lambda u: log_gain(np.asarray(u), d))
    return {"levels": levels, "outcomes": len(outcomes), "frontier_size": len(frontier), "seconds": seconds,
            "nash_points_utilities": list(map(float, utilities)),
            "nash_points_contract": {k: _plain(v) for k, v in contract(outcomes[indices[where]]).items()},
            "nash_points_log_gain": log_gain(np.asarray(utilities), d),
            "filtered_log_gain": log_gain(np.asarray(best), d)}


def _plain(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value


def n_outcomes(levels: int, discrete: dict) -> int:
    """Size of the NegMAS outcome space: ``levels**3`` times the discrete combinations."""
    return levels ** 3 * math.prod(len(v) for v in discrete.values())


def scored(run: dict, ref: dict) -> dict:
    """``run`` with both speed-ups (NegMAS CPU / ours) and both gaps (our log-gain minus NegMAS's)."""
    return {**run, "speedup": run["seconds"] / ref["seconds"], "batch_speedup": run["seconds"] / ref["batch_seconds"],
            "gap": ref["log_gain"] - run["nash_points_log_gain"],
            "filtered_gap": ref["log_gain"] - run["filtered_log_gain"]}


def report(run: dict) -> None:
    """Print one level's line."""
    print(f"L={run['levels']:3d} outcomes={run['outcomes']:9d}  negmas {run['seconds']:8.2f} s CPU  "
          f"engine x{run['speedup']:7.1f}  batch x{run['batch_speedup']:8.1f}  "
          f"log-Nash gap {run['gap']:.2e} (filtered {run['filtered_gap']:.2e})", flush=True)


def sweep(levels: list[int], budget: float, p: Parameters, ref: dict) -> tuple[list[dict], str]:
    """NegMAS at each level in turn until the gap reaches ``TARGET_GAP`` or the budget would be exceeded.

    Returns
    -------
    rows : list of dict
        One scored run per level tried.
    stop : str
        Why the sweep ended.
    """
    d = np.asarray(ref["disagreement"])
    discrete = case_terms(p)[1]
    rows: list[dict] = []
    for level, following in itertools.zip_longest(levels, levels[1:]):
        rows.append(scored(negmas_nash(level, p, d), ref))
        report(rows[-1])
        if rows[-1]["gap"] <= TARGET_GAP:
            return rows, f"gap {rows[-1]['gap']:.2e} <= {TARGET_GAP:g} at L={level}"
        if following is None:
            return rows, f"levels exhausted at L={level}"
        spent = sum(r["seconds"] for r in rows)
        predicted = rows[-1]["seconds"] / rows[-1]["outcomes"] * n_outcomes(following, discrete)
        if spent + predicted > budget:
            return rows, (f"budget: L={following} predicted {predicted:.0f} s CPU, "
                          f"{spent:.0f} s spent of {budget:.0f} s")
    raise ValueError("levels must not be empty")


def verdict(rows: list[dict]) -> dict:
    """The speed-ups where NegMAS first reaches ``TARGET_GAP``, or the smallest gap reached and where."""
    hit = next((r for r in rows if r["gap"] <= TARGET_GAP), None)
    closest = min(rows, key=lambda r: r["gap"])
    return {"target_gap": TARGET_GAP, "reached": hit is not None,
            "first_levels_within_target": None if hit is None else hit["levels"],
            "engine_speedup_there": None if hit is None else hit["speedup"],
            "batch_speedup_there": None if hit is None else hit["batch_speedup"],
            "smallest_gap": closest["gap"], "smallest_gap_levels": closest["levels"],
            "gap_by_levels": {r["levels"]: r["gap"] for r in rows},
            "engine_faster_at_every_resolution": all(r["speedup"] > 1 for r in rows),
            "batch_faster_at_every_resolution": all(r["batch_speedup"] > 1 for r in rows)}


def verdict_line(v: dict) -> str:
    """One sentence stating the answer, or plainly that the target was not reached."""
    if v["reached"]:
        return (f"NegMAS first gets within {v['target_gap']:g} at L={v['first_levels_within_target']}: "
                f"engine x{v['engine_speedup_there']:.1f}, batch x{v['batch_speedup_there']:.1f}")
    return (f"NegMAS did NOT get within {v['target_gap']:g} at any resolution tried; smallest gap "
            f"{v['smallest_gap']:.2e} at L={v['smallest_gap_levels']}: no speed-up at that accuracy was measured")


def parse_levels(text: str) -> list[int]:
    """Comma-separated levels, each at least 2, in increasing order."""
    levels = [int(x) for x in text.split(",")]
    if not levels or min(levels) < 2 or levels != sorted(set(levels)):
        raise argparse.ArgumentTypeError(f"levels must be distinct integers >= 2 in increasing order, got {text!r}")
    return levels


def main() -> None:
    parser = cli_parser(__doc__, f"{OUT.relative_to(Path(__file__).parent.parent)}",
                        f"about 2 min with the defaults (it stops at the first level whose log-Nash gap is <= "
                        f"{TARGET_GAP:g})", needs="It needs NegMAS: EXTRAS=test,dask,bench ./run python "
                                               "benchmarks/bench_negmas.py installs it into ./run's environment.")
    parser.add_argument("--levels", type=parse_levels, default=argparse.SUPPRESS,
                        help=f"grid levels per continuous term, comma-separated, increasing "
                             f"(default: {LEVELS[0]},...,{LEVELS[-1]}, every one in turn)")
    parser.add_argument("--budget", type=float, default=BUDGET_SECONDS,
                        help="do not start a NegMAS run predicted to take the NegMAS total over this many "
                             "CPU seconds")
    args = parser.parse_args()
    args.levels = getattr(args, "levels", list(LEVELS))
    try:
        negmas_version = importlib.metadata.version("negmas")
    except importlib.metadata.PackageNotFoundError:
        parser.exit(2, "bench_negmas: NegMAS is not installed; run EXTRAS=test,dask,bench ./run python "
                       "benchmarks/bench_negmas.py (or pip install -e \".[bench]\" in your own environment)\n")
    p = calibration().central()
    ref = ours(p)
    print(f"ours: engine {ref['seconds']:.3f} s CPU, batch {ref['batch_seconds']:.4f} s CPU, "
          f"log-gain {ref['log_gain']:.9f}", flush=True)
    rows, stop = sweep(args.levels, args.budget, p, ref)
    result = {"machine": {"python": platform.python_version(), "platform": platform.platform()},
              "negmas_version": negmas_version, "machine_reference_seconds": reference_seconds(),
              "command_levels": args.levels, "budget_seconds": args.budget, "stopped": stop,
              "ours": ref, "negmas": rows, "verdict": verdict(rows)}
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(result, indent=2, default=str) + "\n")
    print(f"stopped: {stop}")
    print(verdict_line(result["verdict"]))
    print(f"ours: u = {np.round(ref['utilities'], 3).tolist()}, contract {ref['contract']}")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
