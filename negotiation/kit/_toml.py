"""Reading a case's TOML data file with errors that name the file."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any


def read_toml(path: Path, error: type[ValueError], what: str) -> dict[str, Any]:
    """The parsed ``path``; a missing file or a syntax error raises ``error`` naming the file and ``what`` it is."""
    try:
        return tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise error(f"{path}: cannot read the {what} file ({exc.strerror})") from None
    except tomllib.TOMLDecodeError as exc:
        raise error(f"{path}: not valid TOML: {exc}") from None
