"""Content hashes of the inputs of a run: configuration, calibration data, package source.

The cache stamp of an experiment is the hash of all three; the run is redone when it changes.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from pathlib import Path

import negotiation

__all__ = ["case_source_hash", "files_hash", "input_hash", "package_source_hash"]

_SKIP_DIRS = frozenset({"__pycache__"})
_SKIP_SUFFIXES = frozenset({".pyc", ".pyo"})


def files_hash(paths: Iterable[Path], root: Path | None = None) -> str:
    """SHA-256 over the names (relative to ``root`` if given) and bytes of ``paths``, sorted.

    Raises
    ------
    FileNotFoundError
        If a path does not exist (a declared data file is missing).
    """
    digest = hashlib.sha256()
    for path in sorted(Path(p) for p in paths):
        name = path.relative_to(root).as_posix() if root is not None else path.name
        data = path.read_bytes()
        digest.update(f"{name}\0{len(data)}\0".encode())
        digest.update(data)
    return digest.hexdigest()


def package_source_hash() -> str:
    """Hash of every file of the installed ``negotiation`` package (code and data, no caches)."""
    root = Path(negotiation.__file__).resolve().parent
    files = (
        p
        for p in root.rglob("*")
        if p.is_file() and p.suffix not in _SKIP_SUFFIXES and not _SKIP_DIRS & set(p.relative_to(root).parts)
    )
    return files_hash(files, root)


def case_source_hash(folder: Path) -> str:
    """Hash of every file in a case's folder (code and data, no caches); empty for a case inside the
    package, which :func:`package_source_hash` already covers."""
    folder = Path(folder).resolve()
    package = Path(negotiation.__file__).resolve().parent
    if folder.is_relative_to(package):
        return ""
    files = (p for p in folder.rglob("*")
             if p.is_file() and p.suffix not in _SKIP_SUFFIXES and not _SKIP_DIRS & set(p.relative_to(folder).parts))
    return files_hash(files, folder)


def input_hash(config_hash: str, data_hash: str, source_hash: str) -> str:
    """The cache key of one experiment run (also combines any three hashes into one)."""
    text = json.dumps({"config": config_hash, "data": data_hash, "source": source_hash}, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()
