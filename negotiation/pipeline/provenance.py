"""The provenance record of a run (``provenance.json``): who, what, with which versions.

Kept in its own file because it changes from run to run (wall time, commit); every other
output file is byte-identical for identical inputs.
"""

from __future__ import annotations

import importlib.metadata
import platform
import subprocess
from pathlib import Path
from typing import Any

__all__ = ["git_state", "library_versions", "provenance_record"]

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


def git_state(cwd: Path) -> dict[str, Any]:
    """Read-only git facts: ``commit`` (None outside a repository or before the first commit)
    and ``dirty`` (uncommitted changes to tracked or untracked files; None if unknown)."""
    commit = _git(["rev-parse", "HEAD"], cwd)
    status = _git(["status", "--porcelain"], cwd)
    return {"commit": commit, "dirty": None if status is None else bool(status)}


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
    wall_time_seconds: float,
    cwd: Path,
    calibration: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Everything needed to say how a result was produced.

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
        "git": git_state(cwd),
        "hashes": {"config": config_hash, "calibration_data": data_hash, "package_source": source_hash, "inputs": input_hash},
        "versions": library_versions(),
        "platform": platform.platform(),
        "wall_time_seconds": round(wall_time_seconds, 3),
    } | ({} if calibration is None else {"calibration": calibration})
