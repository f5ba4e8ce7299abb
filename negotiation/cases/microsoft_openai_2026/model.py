"""The 2026 case: the October 2025 contract as status quo, the five terms of the April 2026 amendment.

Same model as 2025: the payoffs are :mod:`negotiation.cases.microsoft_openai.payoffs` at the
contract in force, changed by the components of :mod:`..microsoft_openai.amendment_terms`. For a
contract ``x`` with revenue-share PV ``RS(x)``, reverse-share PV ``REV(x)``, OpenAI's access-cost
relief ``dC(x)`` and Microsoft's access-value loss ``dB(x)`` against the status quo (equity ``e``):

    u_M(x) = u_M(sq, RS = 0) + e (dC - RS + REV) - dB + RS - REV,
    u_O(x) = u_O(sq, RS = 0) + (1 - e) (dC - RS + REV),

so RS and REV are transfers, and the access terms decide joint value. ``d = u(sq)``: the
conversion is done, so there is no conversion loss. Inputs: the 2025 calibration with the
overrides of ``data/calibration_2026.toml`` (facts dated 2025-09-11 to 2026-04-26), never the
amendment (its own data file, read by the comparison module only).
"""

from __future__ import annotations

import datetime as dt
import itertools
import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import Any, Mapping, NamedTuple

import numpy as np

import negotiation as ng
from negotiation.cases.microsoft_openai import amendment_terms as at
from negotiation.cases.microsoft_openai import parameters as p25
from negotiation.cases.microsoft_openai import solve as s25
from negotiation.cases.microsoft_openai.payoffs import contract_utilities
from negotiation.kit.calibration import active_calibration, parse_spec
from negotiation.kit.predict import solve_concept

DATA_DIR = Path(__file__).parent / "data"
CALIBRATION_FILE = DATA_DIR / "calibration_2026.toml"
SPACE_FILE = DATA_DIR / "contract_space_2026.toml"
#: Date of the amendment: every input must be dated strictly before it.
AMENDMENT_DATE = dt.date(2026, 4, 27)
#: Start of the window in which a fact may replace a 2025 assumption (the MOU).
WINDOW_START = p25.MOU_DATE
CONCEPTS = s25.CONCEPTS
TERMS = ("ip_license", "api_exclusivity", "reverse_revenue_share", "revenue_share_until", "revenue_share_cap")
ACCESS_TERMS = ("ip_license", "api_exclusivity")
TIE_TOL = 1e-6
"""Relative tolerance of the optimal set, as :data:`..microsoft_openai.contract_set.TIE_TOL`."""
WIDEN_YEARS = 3
BISECTION_STEPS = 60


@lru_cache(maxsize=1)
def _data() -> Mapping[str, Any]:
    with open(CALIBRATION_FILE, "rb") as handle:
        return tomllib.load(handle)


def calibration() -> p25.Calibration:
    """The 2025 calibration with the dated overrides of ``calibration_2026.toml`` (2025 ``apply_overrides``),
    or the variant a run made active (:func:`negotiation.kit.calibration.using_calibration`)."""
    data = _data()
    base = p25.calibration()
    sources = {**{s.id: {"title": s.title, "url": s.url, "date": s.date.isoformat()} for s in base.sources.values()},
               **data["sources"]}
    header = {"cutoff": AMENDMENT_DATE.isoformat(), "cutoff_event": "the amendment"}
    document = base.document() | {"calibration": header, "sources": sources}
    merged = p25.parse_calibration(document, "2025 calibration + 2026 sources")
    return active_calibration(merged.origin) or p25.apply_overrides(merged, data["overrides"])


def term_specs() -> dict[str, p25.ParameterSpec]:
    """The amendment terms' own inputs, validated as calibration entries."""
    data = _data()
    sources = p25.parse_sources(data["sources"])
    return {name: parse_spec(name, entry, sources, CALIBRATION_FILE.name)
            for name, entry in data["parameters"].items()}


def term_parameters(point: str = "central") -> at.TermParameters:
    """The :class:`TermParameters` at ``point`` ("low", "central" or "high")."""
    return at.TermParameters(**{n: getattr(s, point) for n, s in term_specs().items()})


def status_quo() -> dict[str, Any]:
    """The October 2025 contract as in force (``[status_quo]`` of the data)."""
    return {k: v for k, v in _data()["status_quo"].items() if k not in ("source", "date", "note")}


@dataclass(frozen=True)
class Space:
    """The revenue-share rate's bounds and each discrete term's options (file order) and basis."""

    rate: tuple[float, float]
    options: Mapping[str, tuple[Any, ...]]
    basis: Mapping[str, str]

    def combos(self) -> list[dict[str, Any]]:
        """Every combination of the discrete options, as a mapping term -> option."""
        return [dict(zip(TERMS, values)) for values in itertools.product(*(self.options[t] for t in TERMS))]


def space() -> Space:
    """The 2026 contract space of ``contract_space_2026.toml``."""
    with open(SPACE_FILE, "rb") as handle:
        data = tomllib.load(handle)
    missing = [t for t in TERMS if t not in data["discrete"]]
    if missing:
        raise ValueError(f"{SPACE_FILE.name}: term {missing[0]!r} missing")
    rate = data["continuous"]["revenue_share"]
    return Space((float(rate["low"]), float(rate["high"])),
                 {t: tuple(data["discrete"][t]["options"]) for t in TERMS},
                 {t: data["discrete"][t]["basis"] for t in TERMS})


def widened(sp: Space) -> Space:
    """Choice grids moved outwards: years by ``WIDEN_YEARS`` each side, caps by half the lowest and 1.5x the highest."""
    options = dict(sp.options)
    years = [v for v in sp.options["revenue_share_until"] if isinstance(v, int)]
    options["revenue_share_until"] = ("agi", *range(min(years) - WIDEN_YEARS, max(years) + WIDEN_YEARS + 1))
    caps = [v for v in sp.options["revenue_share_cap"] if v != "none"]
    options["revenue_share_cap"] = ("none", 0.5 * min(caps), *caps, 1.5 * max(caps))
    return Space(sp.rate, options, sp.basis)


Value = float | np.ndarray


class Components(NamedTuple):
    """The contract-free parts of :func:`utilities` at one ``(p, q)``, computed once by :func:`components`.

    ``base``: ``(u_M, u_O)`` of the status quo with ``RS = 0``; ``ip``: (value, cost) of the IP
    licence's exclusivity; ``api``: per API option, (value, cost) of what it keeps; ``reverse``: the
    reverse-share PV ``REV``.
    """

    base: tuple[Value, Value]
    ip: tuple[Value, Value]
    api: Mapping[str, tuple[Value, Value]]
    reverse: Value


def components(p: p25.Parameters, q: at.TermParameters) -> Components:
    """The parts of :func:`utilities` that no 2026 term changes (one evaluation of the 2025 payoffs)."""
    sq = status_quo()
    base = {"equity": sq["equity"], "revenue_share": 0.0, "azure_commitment": sq["azure_commitment"],
            "revenue_share_until": "agi", "api_exclusivity": "agi", "ip_rights_until": sq["ip_rights_until"],
            "ip_post_agi": True, "compute_rofr": False, "agi_trigger": "panel"}
    return Components(contract_utilities(p, base), at.ip_exclusivity(p, q, sq["ip_rights_until"]),
                      MappingProxyType({o: at.api_exclusivity(p, q, o) for o in ("azure_until_agi", "any_cloud_azure_first")}),
                      at.reverse_share_pv(p, q))


def utilities(p: p25.Parameters, q: at.TermParameters, contract: Mapping[str, Any],
              parts: Components | None = None) -> tuple[Value, Value]:
    """``(u_M, u_O)`` of a 2026 contract (module docstring), through the 2025 payoffs.

    ``parts``: :func:`components` of ``(p, q)``, passed when many contracts share them.
    """
    (u_m, u_o), (ip_m, ip_o), api, reverse = components(p, q) if parts is None else parts
    e = status_quo()["equity"]
    keep_ip = contract["ip_license"] == "exclusive"
    api_m, api_o = api[contract["api_exclusivity"]]
    full_m, full_o = api["azure_until_agi"]
    relief = (0.0 if keep_ip else ip_o) + (full_o - api_o)
    loss = (0.0 if keep_ip else ip_m) + (full_m - api_m)
    rs = at.revenue_share_pv(p, contract["revenue_share"], contract["revenue_share_until"], contract["revenue_share_cap"])
    rev = reverse if contract["reverse_revenue_share"] == "pays" else 0.0
    change = relief - rs + rev
    return u_m + e * change - loss + rs - rev, u_o + (1.0 - e) * change


def disagreement(p: p25.Parameters, q: at.TermParameters, parts: Components | None = None) -> tuple[float, float]:
    """``d = u(sq)``: the October 2025 contract runs on."""
    u_m, u_o = utilities(p, q, status_quo(), parts)
    return float(u_m), float(u_o)


def joint_values(p: p25.Parameters, q: at.TermParameters, sp: Space,
                 parts: Components | None = None) -> list[tuple[dict[str, Any], float]]:
    """Every combination of ``sp`` (file order) with its joint value ``u_M + u_O`` at the status quo's rate
    (the rate is a transfer, so any rate gives the same joint value)."""
    parts = components(p, q) if parts is None else parts
    rate = {"revenue_share": status_quo()["revenue_share"]}
    return [(c, float(sum(utilities(p, q, c | rate, parts)))) for c in sp.combos()]


def problem(p: p25.Parameters, q: at.TermParameters, sp: Space, parts: Components | None = None) -> ng.BargainingProblem:
    """The engine's contract problem of the 2026 case.

    The rate and the other transfer terms move utility one for one, so the frontier is reached by
    the best access terms (largest joint value) with the rate as the transfer; the problem holds
    those access terms, the status quo's other transfer terms, and the rate (a smaller problem with
    the same frontier wherever the rate's natural bounds do not bind).
    """
    parts = components(p, q) if parts is None else parts
    sq = status_quo()
    best = max(joint_values(p, q, sp, parts), key=lambda pair: pair[1])[0]
    terms: dict[str, Any] = {"revenue_share": ng.Continuous(*sp.rate)}
    terms.update({t: ng.Discrete((best[t],) if t in ACCESS_TERMS else (sq[t],)) for t in TERMS})
    return ng.BargainingProblem.from_contracts(terms, ng.payoff_pair(lambda c: utilities(p, q, c, parts)),
                                               disagreement(p, q, parts))


@dataclass(frozen=True)
class Prediction:
    """A concept's 2026 prediction: representative contract, utilities and the optimal set per term."""

    concept: str
    contract: Mapping[str, Any]
    utilities: np.ndarray
    optimal_set: Mapping[str, tuple[Any, ...]] = field(default_factory=lambda: MappingProxyType({}))


def _solve(concept: str, p: p25.Parameters, prob: ng.BargainingProblem) -> np.ndarray:
    """The concept's utilities (:func:`negotiation.kit.predict.solve_concept`); the variable threat's only
    threats are the contract in force."""
    alpha = s25.microsoft_weight(p)
    d = np.asarray(prob.disagreement, dtype=float)
    return solve_concept(concept, prob, weights=(alpha, 1.0 - alpha), discount_factors=s25.discount_factors(p),
                         threats=(d[:1, None], d[1:, None]))[0]


def _change_rank(combo: Mapping[str, Any], sp: Space, sq: Mapping[str, Any]) -> tuple:
    """Least-change key: per term (in ``TERMS`` order) whether it leaves the status quo, then its file position."""
    return tuple(x for t in TERMS for x in (combo[t] != sq[t], sp.options[t].index(combo[t])))


def _reaches(p, q, parts: Components, combo, target: float, sp: Space) -> bool:
    """Whether some rate in the box gives Microsoft ``target`` (``u_M`` rises with the rate)."""
    tol = TIE_TOL * (1.0 + abs(target))
    low, high = (float(utilities(p, q, combo | {"revenue_share": s}, parts)[0]) for s in sp.rate)
    return low - tol <= target <= high + tol


def _rate_for(p, q, parts: Components, combo, target: float, sp: Space) -> float:
    """The rate in the box giving Microsoft ``target`` (bisection; ``u_M`` rises with the rate)."""
    lo, hi = sp.rate
    f = lambda s: float(utilities(p, q, combo | {"revenue_share": s}, parts)[0]) - target  # noqa: E731
    for _ in range(BISECTION_STEPS):
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if f(mid) < 0 else (lo, mid)
    return 0.5 * (lo + hi)


def predict(concept: str, parameters: p25.Parameters | None = None, terms: at.TermParameters | None = None, *,
            sp: Space | None = None) -> Prediction:
    """The 2026 prediction of one concept: all five amendment terms (and the rate).

    The concept pins ``u*``; the optimal set is every combination whose joint value is within
    ``TIE_TOL (1 + |J*|)`` of ``u*_M + u*_O`` and some rate gives ``u*_M``; the representative is the
    member that changes the status quo least (:func:`_change_rank`), with its rate. When no
    contract gives both parties more than ``d`` (the contract in force is on the frontier), every
    concept gives ``d`` and the set is the contracts that give ``d``.

    Raises
    ------
    ValueError
        If ``concept`` is not one of ``CONCEPTS``.
    """
    return predict_all(parameters, terms, sp=sp, concepts=(concept,))[concept]


def predict_all(parameters: p25.Parameters | None = None, terms: at.TermParameters | None = None, *,
                sp: Space | None = None, concepts: tuple[str, ...] = CONCEPTS) -> dict[str, Prediction]:
    """:func:`predict` for each of ``concepts``, sharing one evaluation of :func:`components`, the joint
    values and the contract problem (the same predictions, computed once).

    Raises
    ------
    ValueError
        If a concept is not one of ``CONCEPTS``.
    """
    unknown = [c for c in concepts if c not in CONCEPTS]
    if unknown:
        raise ValueError(f"concept must be one of {CONCEPTS}, got {unknown[0]!r}")
    p = calibration().central() if parameters is None else parameters
    q = term_parameters() if terms is None else terms
    sp = space() if sp is None else sp
    sq = status_quo()
    parts = components(p, q)
    d = np.asarray(disagreement(p, q, parts))
    pairs = joint_values(p, q, sp, parts)
    best = max(joint for _, joint in pairs)
    gains = best > d.sum() + TIE_TOL * (1.0 + abs(d.sum()))
    prob = problem(p, q, sp, parts) if gains else None
    out = {}
    for concept in concepts:
        # no contract gains for both: every concept gives d, the contract in force
        u = np.asarray(_solve(concept, p, prob), dtype=float) if gains else d
        target = float(u.sum())
        members = [combo for combo, joint in pairs if joint >= target - TIE_TOL * (1.0 + abs(target))
                   and _reaches(p, q, parts, combo, float(u[0]), sp)]
        if not members:
            raise RuntimeError(f"{concept}: no contract reaches the concept's utilities {u}")
        combo = min(members, key=lambda m: _change_rank(m, sp, sq))
        rate = _rate_for(p, q, parts, combo, float(u[0]), sp)
        optimal = {t: tuple(o for o in sp.options[t] if any(m[t] == o for m in members)) for t in TERMS}
        out[concept] = Prediction(concept, MappingProxyType(combo | {"revenue_share": rate}), u,
                                  MappingProxyType(optimal))
    return out
