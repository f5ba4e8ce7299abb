"""Experiment kind ``calibration``: the model's inputs as the paper's tables.

Every calibrated parameter with its range, the date of the information and its source (or
``assumption``), and the list of sources, read from the case's calibration file, and the size of
the contract space (bounds of the continuous terms, options of the discrete ones). Nothing is
solved: the point is that every input in the paper is printed from the files and constants the
predictions use, never retyped.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from negotiation.cases.microsoft_openai.parameters import CALIBRATION_FILE, calibration
from negotiation.cases.microsoft_openai.space import CONTRACT_SPACE_FILE, case_space
from negotiation.cases.microsoft_openai.payoffs import COMBOS, DISCRETE_OPTIONS
from negotiation.pipeline import Experiment, Results, Table
from negotiation.pipeline.latex import camel_case
from negotiation.pipeline.progress import Progress

MOU_DATE = "2025-09-11"
"""The information-set cut-off: predictions use only facts dated before the MOU."""


def run(parameters: Mapping[str, Any], rng: np.random.Generator, progress: Progress) -> Results:
    """Tabulate the calibration: parameters (range, date, source) and sources (title, date)."""
    del parameters, rng, progress
    cal = calibration()
    specs = sorted(cal.specs.values(), key=lambda s: (s.is_assumption, s.name))
    rows = tuple((s.name.replace("_", " "), s.unit, s.low, s.central, s.high, s.date.isoformat(), s.source)
                 for s in specs)
    used = {s.source for s in specs if not s.is_assumption}
    sources = tuple((k, src.title, src.date.isoformat()) for k, src in sorted(cal.sources.items()) if k in used)
    latest = max(s.date for s in specs).isoformat()
    n_assumptions = sum(s.is_assumption for s in specs)
    return Results(
        values={
            "parameters": {s.name: {"unit": s.unit, "low": s.low, "central": s.central, "high": s.high,
                                    "date": s.date.isoformat(), "source": s.source, "note": s.note}
                           for s in specs},
            "latest_date": latest,
            "mou_date": MOU_DATE,
        },
        tables={
            "parameters": Table(
                columns=("parameter", "unit", "low", "central", "high", "date", "source"),
                rows=rows,
                headers=("Parameter", "Unit", "Low", "Central", "High", "Dated", "Source"),
                formats=("s", "s", ".4g", ".4g", ".4g", "s", "s"),
            ),
            "sources": Table(columns=("id", "title", "date"), rows=sources,
                             headers=("Id", "Source", "Dated"), formats=("s", "s", "s")),
        },
        macros={
            "Parameters": str(len(specs)),
            "Assumptions": str(n_assumptions),
            "Sourced": str(len(specs) - n_assumptions),
            "LatestDate": latest,
            "MouDate": MOU_DATE,
            **contract_space_macros(),
            **parameter_macros(calibration().specs),
        },
    )


def parameter_macros(specs: Mapping[str, Any]) -> dict[str, str]:
    """Every input's low, central and high value, e.g. ``AzureNeedCentral`` (digits spelled: ``RevenueTwoZeroTwoFiveLow``)."""
    digits = dict(zip("0123456789", ("Zero", "One", "Two", "Three", "Four", "Five", "Six", "Seven", "Eight", "Nine")))
    out = {}
    for name, spec in specs.items():
        camel = "".join(digits.get(ch, ch) for ch in camel_case(name))
        for level in ("low", "central", "high"):
            out[f"{camel}{level.capitalize()}"] = f"{getattr(spec, level):g}"
    return out


def contract_space_macros() -> dict[str, str]:
    """The contract space as the paper states it: bounds, IP years, options per discrete term, their product."""
    ip_years = DISCRETE_OPTIONS["ip_rights_until"]
    equity, share, azure = (case_space().bounds(t) for t in ("equity", "revenue_share", "azure_commitment"))
    return {
        "EquityLow": f"{equity[0]:g}", "EquityHigh": f"{equity[1]:g}",
        "RevenueShareLow": f"{share[0]:g}", "RevenueShareHigh": f"{share[1]:g}",
        "AzureLow": f"{azure[0]:g}", "AzureHigh": f"{azure[1]:,.0f}",
        "IpFirstYear": str(min(ip_years)), "IpLastYear": str(max(ip_years)),
        "CombinationFactors": r"\times".join(str(len(v)) for v in DISCRETE_OPTIONS.values()),
        "Combinations": str(len(COMBOS)),
    }


EXPERIMENT = Experiment(
    kind="calibration",
    description="The calibrated inputs with ranges, dates and sources, and the contract space, for the paper.",
    schema={},
    run=run,
    figures=(),
    data_files=(CALIBRATION_FILE, CONTRACT_SPACE_FILE),
)
