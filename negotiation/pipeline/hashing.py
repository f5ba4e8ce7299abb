"""Content hashes of the inputs of a run: configuration, calibration data, package source.

The cache stamp of an experiment is the hash of all three; the run is redone when it changes.

The source hash must be the same in every checkout of one commit (a fresh clone, a working
tree with caches and editor files, a Windows checkout), or the committed stamps look stale
everywhere but on the machine that wrote them. So :func:`package_source_hash` hashes only the
files git tracks in the package, by rule: ``*.py`` and the package's data files
(:data:`SOURCE_SUFFIXES`), skipping ``__pycache__``, ``*.egg-info`` and every file or folder
whose name starts with a dot (``.pytest_cache``, ``.mypy_cache``, ``.DS_Store``, editor swap
files). Text files are hashed with ``\\r\\n`` read as ``\\n`` (git's ``core.autocrlf`` on
Windows), and files are taken in the order of their ``/``-separated relative names, the same
on every platform.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from pathlib import Path

import negotiation

__all__ = ["SOURCE_SUFFIXES", "case_source_hash", "files_hash", "input_hash", "package_source_hash", "source_files"]

SOURCE_SUFFIXES = frozenset({".py", ".toml", ".json", ".csv"})
"""The files of the package that are source: code and data (what git tracks in it)."""

_TEXT_SUFFIXES = frozenset({".py", ".toml", ".json", ".csv", ".txt", ".md", ".tex"})
_SKIP_DIRS = frozenset({"__pycache__"})


def _name(path: Path, root: Path | None) -> str:
    return path.relative_to(root).as_posix() if root is not None else path.name


def files_hash(paths: Iterable[Path], root: Path | None = None) -> str:
    """SHA-256 over the names (relative to ``root`` if given) and bytes of ``paths``.

    Files are taken in the order of their names (then full paths); text files (by suffix)
    are read with ``\\r\\n`` as ``\\n``, so a checkout with Windows line endings hashes the same.

    Raises
    ------
    FileNotFoundError
        If a path does not exist (a declared data file is missing).
    """
    digest = hashlib.sha256()
    for path in sorted((Path(p) for p in paths), key=lambda p: (_name(p, root), p.as_posix())):
        name = _name(path, root)
        data = path.read_bytes()
        if path.suffix in _TEXT_SUFFIXES:
            data = data.replace(b"\r\n", b"\n")
        digest.update(f"{name}\0{len(data)}\0".encode())
        digest.update(data)
    return digest.hexdigest()


def source_files(root: Path) -> list[Path]:
    """The files under ``root`` that :func:`package_source_hash` hashes (see the module docstring)."""
    root = Path(root)
    files = []
    for path in root.rglob("*"):
        parts = path.relative_to(root).parts
        if any(part.startswith(".") or part in _SKIP_DIRS or part.endswith(".egg-info") for part in parts):
            continue
        if path.suffix in SOURCE_SUFFIXES and path.is_file():
            files.append(path)
    return sorted(files, key=lambda p: p.relative_to(root).as_posix())


def package_source_hash() -> str:
    """Hash of the source files of the installed ``negotiation`` package (:func:`source_files`)."""
    root = Path(negotiation.__file__).resolve().parent
    return files_hash(source_files(root), root)


def case_source_hash(folder: Path) -> str:
    """Hash of the source files of a case's folder (:func:`source_files`); empty for a case inside the
    package, which :func:`package_source_hash` already covers."""
    folder = Path(folder).resolve()
    package = Path(negotiation.__file__).resolve().parent
    if folder.is_relative_to(package):
        return ""
    return files_hash(source_files(folder), folder)


def input_hash(config_hash: str, data_hash: str, source_hash: str) -> str:
    """The cache key of one experiment run (also combines any three hashes into one)."""
    text = json.dumps({"config": config_hash, "data": data_hash, "source": source_hash}, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()
