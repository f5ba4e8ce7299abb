"""Issue 13, points 7, 8, 10: the README's commands go through ./run (a virtual environment),
CI runs the same command with Debian's interpreter first on PATH, and the README's Dask example
runs as written."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
CI = (ROOT / ".ci" / "run").read_text(encoding="utf-8")


def _block(language: str, containing: str) -> str:
    blocks = re.findall(rf"```{language}\n(.*?)```", README, flags=re.S)
    return next(b for b in blocks if containing in b)


def _two_commands() -> list[str]:
    section = README[README.index("## Two commands"):README.index("### Computational requirements")]
    block = re.search(r"```bash\n(.*?)```", section, flags=re.S).group(1)
    return [line for line in block.splitlines() if line and not line.startswith("#")]


def test_the_two_commands_go_through_the_venv_script() -> None:
    reproduce, test = _two_commands()
    assert reproduce.startswith("apt-get install") and "latexmk" in reproduce and reproduce.endswith("./run reproduce --force")
    assert test == "./run test"
    assert "pip install" not in reproduce + test  # a bare pip install fails on an externally managed Python


def test_ci_runs_the_readme_test_command_with_debian_python_first_on_path() -> None:
    assert 'export PATH="/usr/bin:$PATH"' in CI
    assert "NEGOTIATION_REQUIRE_DASK=1 ./run test\n" in CI
    assert "python3 -m pip" not in CI


def test_run_script_refuses_an_unknown_command_before_making_anything(tmp_path) -> None:
    done = subprocess.run(["bash", str(ROOT / "run"), "bogus"], env={"PATH": "/usr/bin:/bin", "VENV": str(tmp_path / "v")},
                          capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 2 and "unknown command 'bogus'" in done.stderr and "./run test" in done.stderr
    assert not (tmp_path / "v").exists()


@pytest.mark.skipif(not Path("/usr/bin/python3").exists(), reason="no system /usr/bin/python3 (not Debian)")
def test_system_python_can_make_a_virtual_environment(tmp_path) -> None:
    """What ./run does first on stock Debian 12 (needs python3-venv, which ./run installs as root)."""
    done = subprocess.run(["/usr/bin/python3", "-m", "venv", str(tmp_path / "v")], capture_output=True, text=True,
                          timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "v" / "bin" / "pip").exists()


def test_readme_names_rubinstein_solution_and_the_frontier_contracts() -> None:
    engine = _block("python", "import negotiation as ng")
    assert "ng.rubinstein_solution(" in engine and "ng.pareto_frontier_contracts(" in engine
    assert "constraints=[" in engine


@pytest.mark.dask
@pytest.mark.slow
def test_readme_dask_example_runs_as_written(tmp_path) -> None:
    """The example, with 600 draws instead of 20,000, as a script (it needs its __main__ guard)."""
    pytest.importorskip("dask.distributed")
    example = _block("python", "from dask.distributed import Client")
    assert 'if __name__ == "__main__":' in example and "Client()" in example and "20_000" in example
    script = tmp_path / "sweep_dask.py"
    script.write_text(example.replace("20_000", "600"))
    done = subprocess.run([sys.executable, str(script)], cwd=tmp_path, capture_output=True, text=True, timeout=300,
                          check=False, env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), "HOME": str(tmp_path)})
    assert done.returncode == 0, done.stderr[-2000:]
    assert "nash.revenue_share: mean=" in done.stdout and "n_feasible=600 of n=600" in done.stdout
