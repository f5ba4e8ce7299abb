"""The README's benchmark tables (requirements and performance) are generated from the result files, never typed."""

from __future__ import annotations

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _render_table():
    spec = importlib.util.spec_from_file_location("render_table", ROOT / "benchmarks" / "render_table.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_readme_benchmark_blocks_are_what_the_benchmark_files_give():
    render = _render_table()
    readme = (ROOT / "README.md").read_text()
    assert render.with_blocks(readme) == readme, (
        "README.md's benchmark tables differ from benchmarks/results/*.json: "
        "run ./run python benchmarks/render_table.py --write README.md")
