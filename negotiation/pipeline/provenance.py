"""The provenance of a run: ``provenance.json`` (what produced the result) and ``run.json`` (this run).

``provenance.json`` is committed beside the result and is the same for the same inputs: the
experiment, its seed, the package version, the hashes of configuration, data and source, the
library versions, the calibration's record, and the git commit of the *inputs* (the last commit
that changed the package, the experiment files or ``pyproject.toml``, and whether they had
uncommitted changes), so that a fresh clone that reruns a commit's experiments writes the same
file. ``run.json`` holds what changes from run to run (wall time, platform, the checkout's HEAD)
and is not committed.
"""

from __future__ import annotations

import importlib.metadata
import platform
import subprocess
from pathlib import Path
from typing import Any

__all__ = ["INPUT_PATHS", "git_state", "library_versions", "provenance_record", "run_record"]

#: The paths of a checkout whose last commit identifies a result's inputs.
INPUT_PATHS = ("negotiation", "experiments", "pyproject.toml")

_LIBRARIES = ("numpy", "scipy", "nashpy", "matplotlib")


def library_versions() -> dict[str, str]:
    """Versions of Python and the numerical libraries."""
    versions = {"python": platform.python_version()}
    for name in _LIBRARIES:
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def _git(args: list[str], cwd: Path) -> str | None:
    try:
        done = subprocess.run(
            ["git", "--no-optional-locks", *args], cwd=cwd, capture_output=True, text=True, timeout=30, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done.stdout.strip() if done.returncode == 0 else None


def git_state(cwd: Path, paths: tuple[str, ...] = ()) -> dict[str, Any]:
    """Read-only git facts: ``commit`` (the last commit that changed ``paths``, HEAD if none are
    given; None outside a repository or before the first commit) and ``dirty`` (uncommitted changes,
    tracked or untracked, under ``paths``; None if unknown)."""
    commit = _git(["log", "-1", "--format=%H", "--", *paths], cwd) if paths else _git(["rev-parse", "HEAD"], cwd)
    status = _git(["status", "--porcelain", "--", *paths], cwd)
    return {"commit": commit or None, "dirty": None if status is None else bool(status)}


def provenance_record(
    *,
    name: str,
    kind: str,
    seed: int,
    quick: bool,
    config_path: Path,
    config_hash: str,
    data_hash: str,
    source_hash: str,
    input_hash: str,
    cwd: Path,
    calibration: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Everything needed to say how a result was produced, the same for the same inputs.

    ``calibration`` (for kinds that read the case's calibration) is
    ``Calibration.provenance()``: the file and its SHA-256, exactly what was overridden, and
    the SHA-256 of the effective calibration.
    """
    try:
        version = importlib.metadata.version("negotiation")
    except importlib.metadata.PackageNotFoundError:
        version = "unknown"
    return {
        "experiment": name,
        "kind": kind,
        "config_file": config_path.as_posix(),
        "seed": seed,
        "quick": quick,
        "package_version": version,
        "git_inputs": git_state(cwd, INPUT_PATHS),
        "hashes": {"config": config_hash, "calibration_data": data_hash, "package_source": source_hash, "inputs": input_hash},
        "versions": library_versions(),
    } | ({} if calibration is None else {"calibration": calibration})


def run_record(*, wall_time_seconds: float, cwd: Path) -> dict[str, Any]:
    """What changes from run to run (``run.json``, not committed): wall time, platform, the checkout's HEAD."""
    return {"wall_time_seconds": round(wall_time_seconds, 3), "platform": platform.platform(), "git": git_state(cwd)}
