"""The README's performance tables are generated from the benchmark result files, never typed."""

from __future__ import annotations

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _render_table():
    spec = importlib.util.spec_from_file_location("render_table", ROOT / "benchmarks" / "render_table.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_readme_performance_block_is_what_the_benchmark_files_give():
    render = _render_table()
    readme = (ROOT / "README.md").read_text()
    assert render.with_block(readme) == readme, (
        "README.md's performance tables differ from benchmarks/results/*.json: "
        "run python benchmarks/render_table.py --write README.md")
