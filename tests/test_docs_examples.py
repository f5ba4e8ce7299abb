"""The documentation is tested: every Python example in README.md and docs/*.md runs, and every
value its comments state holds; the docstring examples of the public functions run as doctests.

A statement followed by a comment that evaluates to numbers (``ng.rubinstein(...).shares  # (5/7, 2/7)``)
is checked against it to ``TOL``; other comments are prose. A block is not run only if it is listed
in ``NOT_RUN`` with the reason, by a line it contains.
"""

from __future__ import annotations

import ast
import doctest
import importlib
import math
import re
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCUMENTS = (ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md")))
TOL = 1e-9
NOT_RUN = {
    "    with Client() as client:": "starts a local Dask cluster from a script (__main__ guard): tests/test_install.py runs it as written",
    "ng.Continuous(lo, hi)                 # frozen; lo < hi, finite": "an API summary whose arguments are placeholders",
    "def run(parameters, rng, progress) -> Results:": "a template for a new experiment kind (placeholders such as CALIBRATION_TOML)",
}
DOCTEST_MODULES = (
    "negotiation.problem",
    "negotiation.frontier",
    "negotiation.frontier_contracts",
    "negotiation.solutions.nash",
    "negotiation.solutions.kalai_smorodinsky",
    "negotiation.solutions.egalitarian",
    "negotiation.solutions.utilitarian",
    "negotiation.solutions.inverse",
    "negotiation.games.rubinstein",
    "negotiation.games.alternating_offers",
    "negotiation.games.threats",
    "negotiation.states",
    "negotiation.risk",
    "negotiation.families",
    "negotiation.kit.calibration",
    "negotiation.kit.space",
    "negotiation.kit.score",
    "negotiation.kit.specifications",
)
FENCE = re.compile(r"^(?P<indent>[ \t]*)```python[ \t]*\n(?P<code>.*?)^(?P=indent)```", re.M | re.S)


def python_blocks() -> list[tuple[str, str]]:
    blocks = []
    for path in DOCUMENTS:
        for n, match in enumerate(FENCE.finditer(path.read_text())):
            indent = match["indent"]
            code = "\n".join(line[len(indent):] if line.startswith(indent) else line for line in match["code"].splitlines())
            blocks.append((f"{path.relative_to(ROOT)}#{n}", code))
    return blocks


BLOCKS = python_blocks()


def stated_value(comment: str):
    """The numbers a comment states (a number or a tuple of numbers), or None if it is prose."""
    try:
        value = eval(comment, {"__builtins__": {}}, {"sqrt": math.sqrt, "pi": math.pi})  # noqa: S307 - our own docs
        array = np.asarray(value, dtype=float)
    except Exception:  # noqa: BLE001 - anything else is prose
        return None
    return array


def run_checked(code: str) -> int:
    """Run ``code`` statement by statement; return how many stated values were checked."""
    lines = code.splitlines()
    namespace: dict = {"__name__": "__docs__"}
    checked = 0
    for statement in ast.parse(code).body:
        source = ast.get_source_segment(code, statement)
        comment = lines[statement.end_lineno - 1].partition("#")[2].strip()
        if isinstance(statement, ast.Expr):
            value = eval(compile(ast.Expression(statement.value), "<docs>", "eval"), namespace)  # noqa: S307
            expected = stated_value(comment) if comment else None
            if expected is not None:
                actual = np.asarray(value, dtype=float)
                assert actual.shape == expected.shape and np.allclose(actual, expected, rtol=0, atol=TOL), (source, value, comment)
                checked += 1
        else:
            exec(compile(ast.Module([statement], []), "<docs>", "exec"), namespace)  # noqa: S102
    return checked


def test_every_block_is_found_and_every_skip_is_used():
    assert len(BLOCKS) >= 4
    for marker in NOT_RUN:
        assert any(marker in code for _, code in BLOCKS), f"NOT_RUN entry matches no block any more: {marker!r}"


@pytest.mark.parametrize("name, code", BLOCKS, ids=[name for name, _ in BLOCKS])
def test_documented_example_runs_and_its_values_hold(name, code):
    skip = next((reason for marker, reason in NOT_RUN.items() if marker in code), None)
    if skip:
        pytest.skip(skip)
    run_checked(code)


def test_the_engine_example_states_values_that_are_checked():
    readme_engine = next(code for name, code in BLOCKS if name.startswith("README") and "nash_solution" in code)
    assert run_checked(readme_engine) >= 4


@pytest.mark.parametrize("module", DOCTEST_MODULES)
def test_docstring_examples_run(module):
    result = doctest.testmod(importlib.import_module(module), optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0 and result.failed == 0


def test_public_functions_show_formula_reference_and_example():
    import inspect

    import negotiation as ng

    public = [name for name in dir(ng) if not name.startswith("_") and inspect.isfunction(getattr(ng, name))]
    assert len(public) >= 14  # every public function of the package namespace, not a hand-kept list
    for name in public:
        doc = getattr(ng, name).__doc__ or ""
        assert ">>>" in doc, f"{name}: no runnable example"
        assert "Reference" in doc, f"{name}: no References section"
