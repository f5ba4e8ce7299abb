"""The reproducible-research pipeline: experiment configs -> results -> figures -> paper.

See docs/DESIGN.md, "Adding an experiment". The public names below are imported lazily
(PEP 562), so that :mod:`negotiation.plots` can use :mod:`negotiation.pipeline.atomic`
without importing the whole pipeline.
"""

from __future__ import annotations

import importlib
from typing import Any

_SOURCES = {
    "ATOL": "compare",
    "ConfigError": "schema",
    "Difference": "compare",
    "Experiment": "registry",
    "ExperimentConfig": "config",
    "FigureSpec": "registry",
    "Layout": "reproduction",
    "PaperError": "paper",
    "Param": "schema",
    "Progress": "progress",
    "RTOL": "compare",
    "ReproduceSummary": "reproduction",
    "Results": "results",
    "RunSummary": "runner",
    "SavedResults": "results",
    "SilentProgress": "progress",
    "StderrProgress": "progress",
    "Table": "results",
    "assemble_generated": "paper",
    "build_paper": "paper",
    "check": "reproduction",
    "compare_directories": "compare",
    "get_experiment": "registry",
    "known_kinds": "registry",
    "load_config": "config",
    "load_configs": "config",
    "load_results": "results",
    "register": "registry",
    "reproduce": "reproduction",
    "run_experiment": "runner",
    "unregister": "registry",
}

__all__ = sorted(_SOURCES)


def __getattr__(name: str) -> Any:
    """Import a public name from its module on first use."""
    if name not in _SOURCES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{_SOURCES[name]}"), name)


def __dir__() -> list[str]:
    return __all__
