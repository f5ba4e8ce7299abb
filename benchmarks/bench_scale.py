"""Issue 27: the engine at scale, on a seeded random family of contract problems.

Each problem has 1-6 continuous terms in [0, 1] and 16-4,096 discrete combinations (binary terms),
with linear payoffs (u1 = a + b1 . k + s l1 . y, u2 = a + b2 . k + r l2 . (1 - y)) or concave ones
(u1 loses 0.2 y_j^2, u2 has log1p(r l2_j (1 - y_j)) for the linear side terms), parameters
(a, s, r) drawn per Monte Carlo draw, and a random disagreement point. Per problem, on the first
draw and cold each (a freshly built problem, so the frontier envelope is rebuilt): the CPU seconds
of Nash, utilitarian (weights (1, 1)) and Rubinstein (discount factors (0.9, 0.8)) and the ratios
utilitarian / Nash and Rubinstein / Nash; then Nash per draw by the vectorised path
(``negotiation.vectorised``, all draws at once) against the engine (one ``nash_solution`` per
draw, on ``--engine-draws`` draws), their ratio, and the largest gap in utilities between the two.
Then, on the concave 3-term 64-combination problem, Kalai-Smorodinsky, egalitarian and utilitarian the same
way (``negotiation.vectorised_concepts`` against ``kalai_smorodinsky_solution`` etc. per draw).
Last, Nash on the same concave 3-term family at 16 and at 4,096 combinations, and their ratio.
Writes ``benchmarks/results/bench_scale.json`` (with the machine reference, timed in the same run).

Run: ``./run python benchmarks/bench_scale.py [--draws 256] [--engine-draws 2]``.
"""

from __future__ import annotations

import json
import os
import platform
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

import negotiation as ng
from negotiation.families import random_family
from negotiation.vectorised import nash_vectorised
from negotiation.vectorised_concepts import egalitarian_vectorised, kalai_smorodinsky_vectorised, utilitarian_vectorised

from _cli import parser as cli_parser  # benchmarks/_cli.py
from machine import reference_seconds  # benchmarks/machine.py: the machine's speed, timed in the same run

RESULTS = Path(__file__).resolve().parent / "results" / "bench_scale.json"
SEED = 27
PROBLEMS = (  # (continuous terms, binary terms -> 2^binary combinations, shape)
    (1, 4, "linear"),
    (3, 6, "concave"),
    (6, 4, "concave"),
    (2, 8, "linear"),
    (3, 8, "concave"),
)
SCALING = ((3, 4, "concave"), (3, 12, "concave"))
"""Nash on the same concave family at 16 and 4,096 combinations."""
DISCOUNT_FACTORS = (0.9, 0.8)
CONCEPTS_PROBLEM = 1
"""Index in PROBLEMS of the problem on which the other concepts are timed vectorised against the engine."""
CONCEPTS = {"kalai_smorodinsky": (kalai_smorodinsky_vectorised, ng.kalai_smorodinsky_solution),
            "egalitarian": (egalitarian_vectorised, ng.egalitarian_solution),
            "utilitarian": (utilitarian_vectorised, ng.utilitarian_solution)}


def family(terms: int, binary: int, shape: str, draws: int, seed: int) -> tuple[dict, tuple[Callable, Callable], dict, np.ndarray]:
    """A seeded family: the space, payoffs f(contract, parameters) that broadcast, parameters and d per draw."""
    return random_family(terms, binary, shape, draws, seed)


def engine_problem(space: dict, payoffs: tuple[Callable, Callable], parameters: dict, d: np.ndarray, draw: int) -> ng.BargainingProblem:
    """The contract problem of one draw, built afresh (cold frontier envelope)."""
    theta = {k: float(v[draw]) for k, v in parameters.items()}
    return ng.BargainingProblem.from_contracts(space, tuple((lambda c, f=f: f(c, theta)) for f in payoffs), d[draw])


def cpu(solve: Callable[[], object]) -> tuple[float, object]:
    start = time.process_time()
    out = solve()
    return time.process_time() - start, out


def row(terms: int, binary: int, shape: str, draws: int, engine_draws: int, seed: int) -> dict:
    space, payoffs, parameters, d = family(terms, binary, shape, draws, seed)
    make = lambda draw=0: engine_problem(space, payoffs, parameters, d, draw)  # noqa: E731
    nash, _ = cpu(lambda: ng.nash_solution(make()))
    utilitarian, _ = cpu(lambda: ng.utilitarian_solution(make()))
    rubinstein, _ = cpu(lambda: ng.rubinstein_solution(make(), DISCOUNT_FACTORS))
    vectorised, batch = cpu(lambda: nash_vectorised(space, payoffs, parameters, d))
    engine, gap = 0.0, 0.0
    for draw in range(engine_draws):
        seconds, solution = cpu(lambda draw=draw: ng.nash_solution(make(draw)))
        engine += seconds
        gap = max(gap, float(np.abs(solution.utilities - batch.utilities[draw]).max()))
    per_draw_engine, per_draw_vectorised = engine / engine_draws, vectorised / draws
    return {"terms": terms, "combinations": 2**binary, "shape": shape,
            "nash_seconds": nash, "utilitarian_seconds": utilitarian, "rubinstein_seconds": rubinstein,
            "utilitarian_over_nash": utilitarian / nash, "rubinstein_over_nash": rubinstein / nash,
            "engine_seconds_per_draw": per_draw_engine, "vectorised_seconds_per_draw": per_draw_vectorised,
            "engine_over_vectorised": per_draw_engine / per_draw_vectorised,
            "max_utility_gap": gap, "vectorised_draws_by_engine": int(batch.engine.sum())}


def concepts_rows(draws: int, engine_draws: int) -> list[dict]:
    """Kalai-Smorodinsky, egalitarian and utilitarian: vectorised over the draws against the engine per draw."""
    terms, binary, shape = PROBLEMS[CONCEPTS_PROBLEM]
    space, payoffs, parameters, d = family(terms, binary, shape, draws, SEED + CONCEPTS_PROBLEM)
    rows = []
    for name, (vectorised, engine_solve) in CONCEPTS.items():
        seconds, batch = cpu(lambda vectorised=vectorised: vectorised(space, payoffs, parameters, d))
        engine, gap = 0.0, 0.0
        for draw in range(engine_draws):
            spent, solution = cpu(lambda draw=draw, solve=engine_solve: solve(engine_problem(space, payoffs, parameters, d, draw)))
            engine += spent
            gap = max(gap, float(np.abs(solution.utilities - batch.utilities[draw]).max()))
        per_draw_engine, per_draw_vectorised = engine / engine_draws, seconds / draws
        rows.append({"concept": name, "terms": terms, "combinations": 2**binary, "shape": shape,
                     "engine_seconds_per_draw": per_draw_engine, "vectorised_seconds_per_draw": per_draw_vectorised,
                     "engine_over_vectorised": per_draw_engine / per_draw_vectorised, "max_utility_gap": gap})
    return rows


def main() -> None:
    parser = cli_parser(__doc__, "benchmarks/results/bench_scale.json", "about 30 s")
    parser.add_argument("--draws", type=int, default=256, help="Monte Carlo draws solved by the vectorised path")
    parser.add_argument("--engine-draws", type=int, default=2, help="of those, draws also solved by the engine, one at a time")
    args = parser.parse_args()
    if args.draws < 1 or not 1 <= args.engine_draws <= args.draws:
        parser.error("need --draws >= 1 and 1 <= --engine-draws <= --draws")
    rows = []
    print(f"{'terms':>5}{'combos':>7}{'shape':>9}{'Nash s':>9}{'util/Nash':>10}{'Rub/Nash':>9}"
          f"{'engine s/draw':>14}{'vect s/draw':>12}{'engine/vect':>12}{'max gap':>10}")
    for i, (terms, binary, shape) in enumerate(PROBLEMS):
        r = row(terms, binary, shape, args.draws, args.engine_draws, SEED + i)
        rows.append(r)
        print(f"{terms:>5}{r['combinations']:>7}{shape:>9}{r['nash_seconds']:>9.3f}{r['utilitarian_over_nash']:>10.2f}"
              f"{r['rubinstein_over_nash']:>9.2f}{r['engine_seconds_per_draw']:>14.4f}{r['vectorised_seconds_per_draw']:>12.5f}"
              f"{r['engine_over_vectorised']:>12.0f}{r['max_utility_gap']:>10.1e}", flush=True)
    concepts = concepts_rows(args.draws, args.engine_draws)
    for r in concepts:
        print(f"{r['concept']} ({r['terms']} terms, {r['combinations']} combinations): engine {r['engine_seconds_per_draw']:.4f} s/draw, "
              f"vectorised {r['vectorised_seconds_per_draw']:.5f} s/draw, engine/vectorised {r['engine_over_vectorised']:.0f}, "
              f"max gap {r['max_utility_gap']:.1e}", flush=True)
    scaling = []
    for terms, binary, shape in SCALING:
        space, payoffs, parameters, d = family(terms, binary, shape, 1, SEED + 100)
        seconds, _ = cpu(lambda: ng.nash_solution(engine_problem(space, payoffs, parameters, d, 0)))
        scaling.append({"terms": terms, "combinations": 2**binary, "shape": shape, "nash_seconds": seconds})
    ratio = scaling[1]["nash_seconds"] / scaling[0]["nash_seconds"]
    print(f"Nash on one concave 3-term family: {scaling[0]['nash_seconds']:.3f} s at 16 combinations, "
          f"{scaling[1]['nash_seconds']:.3f} s at 4,096: ratio {ratio:.1f} (256 times the combinations)")
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps({
        "seed": SEED, "draws": args.draws, "engine_draws": args.engine_draws,
        "problems": rows, "concepts": concepts, "nash_scaling": scaling, "nash_4096_over_16": ratio,
        "load_average_at_end": list(os.getloadavg()),
        "machine_reference_seconds": reference_seconds(),
        "machine": platform.platform(), "python": platform.python_version(),
        "note": "process CPU seconds; engine solves on freshly built problems (cold frontier envelope); "
                "the vectorised path solves all draws at once, its time divided by the draws",
    }, indent=2) + "\n")
    print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()
