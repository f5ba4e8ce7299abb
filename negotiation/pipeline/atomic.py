"""Atomic file writes and all-or-nothing experiment output directories.

A file is written to a temporary file in the same directory and moved into place with
:func:`os.replace`, so a reader sees the old file or the new one, never half of one.
An experiment writes into a staging directory next to its final one; only when everything
succeeded does :func:`staged_directory` swap it in, so an exception mid-way leaves the previous
results untouched.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

__all__ = ["atomic_write_bytes", "atomic_write_text", "staged_directory"]


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically (temporary file in the same directory, then replace).

    Parameters
    ----------
    path : Path
        Destination; its parent directory is created if needed.
    data : bytes
        The full content.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def atomic_write_text(path: Path, text: str) -> None:
    """Write UTF-8 ``text`` with ``\\n`` line endings to ``path`` atomically."""
    atomic_write_bytes(path, text.encode("utf-8"))


@contextlib.contextmanager
def staged_directory(final: Path) -> Iterator[Path]:
    """Yield an empty staging directory that replaces ``final`` only on success.

    On normal exit the previous ``final`` (if any) is renamed aside, the staging directory is
    renamed to ``final``, and the old one is deleted; both renames are within one parent
    directory. On an exception the staging directory is deleted and ``final`` is untouched.

    Parameters
    ----------
    final : Path
        The directory the outputs should end up in, e.g. ``results/baseline``.
    """
    final = Path(final)
    created = not final.parent.exists()
    final.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=final.parent, prefix=f".{final.name}.staging-"))
    try:
        yield staging
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        if created and not any(final.parent.iterdir()):  # a failed run leaves no empty output folder
            final.parent.rmdir()
        raise
    os.chmod(staging, 0o755)
    old = None
    if final.exists():
        old = Path(tempfile.mkdtemp(dir=final.parent, prefix=f".{final.name}.old-"))
        os.replace(final, old / final.name)
    os.replace(staging, final)
    if old is not None:
        shutil.rmtree(old)
