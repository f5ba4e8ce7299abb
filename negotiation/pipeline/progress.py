"""Progress reporting on stderr, throttled, with a silent variant for ``--quiet``.

Experiments receive a :class:`Progress` and call ``progress.update(label, done, total)`` from
their loops; they never print.
"""

from __future__ import annotations

import sys
import time
from typing import Any, Protocol, TextIO, runtime_checkable

__all__ = ["Prefixed", "Progress", "SilentProgress", "StderrProgress"]

DEFAULT_INTERVAL_SECONDS = 1.0
"""Minimum time between two progress lines for the same task."""

_BAR_WIDTH = 24


@runtime_checkable
class Progress(Protocol):
    """What an experiment may call to report progress."""

    def update(self, label: str, done: int, total: int) -> None:
        """Report that ``done`` of ``total`` units of ``label`` are finished."""

    def message(self, text: str) -> None:
        """Report a one-off event (start, skip, finish of a step)."""


class SilentProgress:
    """Report nothing (``--quiet``)."""

    def update(self, label: str, done: int, total: int) -> None:
        """Ignore the update."""

    def message(self, text: str) -> None:
        """Ignore the message."""


class StderrProgress:
    """Print progress lines such as ``draws [######------] 512/2000 (26%)``.

    Lines for one task are throttled to one per ``interval`` seconds, except the first and
    the last (``done == total``), so a long loop prints a handful of lines.

    Parameters
    ----------
    stream : TextIO
        Where to write; standard error by default.
    interval : float
        Minimum seconds between two lines of the same task.
    prefix : str
        Prepended to every line, e.g. the experiment name.
    """

    def __init__(
        self, stream: TextIO | None = None, interval: float = DEFAULT_INTERVAL_SECONDS, prefix: str = ""
    ) -> None:
        self._stream = stream if stream is not None else sys.stderr
        self._interval = interval
        self._prefix = prefix
        self._last: dict[str, float] = {}

    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]:
        """Pickle for a worker process: standard error stays standard error (the worker's own);
        any other stream must itself be picklable."""
        stream = None if self._stream is sys.stderr else self._stream
        return (type(self), (stream, self._interval, self._prefix))

    def update(self, label: str, done: int, total: int) -> None:
        """Print a bar line if the task is new, finished, or the interval has passed."""
        now = time.monotonic()
        last = self._last.get(label)
        if last is not None and done < total and now - last < self._interval:
            return
        self._last[label] = now
        fraction = done / total if total > 0 else 1.0
        filled = round(_BAR_WIDTH * fraction)
        bar = "#" * filled + "-" * (_BAR_WIDTH - filled)
        self._write(f"{label} [{bar}] {done}/{total} ({fraction:.0%})")

    def message(self, text: str) -> None:
        """Print one line."""
        self._write(text)

    def _write(self, text: str) -> None:
        self._stream.write(f"{self._prefix}{text}\n")
        self._stream.flush()


class Prefixed:
    """Forward to another reporter, prefixing labels and messages (e.g. with ``"baseline: "``)."""

    def __init__(self, inner: Progress, prefix: str) -> None:
        self._inner = inner
        self._prefix = prefix

    def update(self, label: str, done: int, total: int) -> None:
        """Forward the update with a prefixed label."""
        self._inner.update(f"{self._prefix}{label}", done, total)

    def message(self, text: str) -> None:
        """Forward the message, prefixed."""
        self._inner.message(f"{self._prefix}{text}")
