"""A case: a negotiation declared as data files and one thin module.

A case is a folder with a module that defines ``CASE = Case(...)``: two players, their payoffs over
a contract (:meth:`Case.utilities`), a disagreement point, and the files that hold the rest as
data (a calibration, a contract space, and the actual outcome, which only comparison code reads).
Everything else (reading and validating the data, the honesty cut-off, overrides, every solution
concept, optimal sets, scores, sensitivity, sweeps, experiment kinds and the pipeline) is the
kit's, so the module stays short. See docs/writing-a-case.md.

A case is found by :func:`load_case` from a dotted module path (``negotiation.cases.my_case``) or
from a file path (``cases/my_case/case.py``, relative to an experiment file), so a case may live
outside the package: the pipeline hashes its folder into each result's stamp.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import re
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from types import MappingProxyType, ModuleType
from typing import Any

import numpy as np

from negotiation.kit._toml import read_toml
from negotiation.kit.calibration import (
    Calibration,
    active_calibration,
    apply_overrides,
    load_calibration,
    parse_date,
    parse_sources,
)
from negotiation.kit.space import CaseSpace, load_space, same_option

__all__ = ["CONCEPTS", "Case", "CaseError", "case_module", "import_file", "is_file_reference", "load_case"]

#: The solution concepts the kit solves; a case offers those whose inputs it declares
#: (:attr:`Case.concepts`).
CONCEPTS = ("nash", "asymmetric_nash", "kalai_smorodinsky", "egalitarian", "utilitarian", "rubinstein",
            "variable_threat")
_NAME = re.compile(r"^[a-z][a-z0-9_]*$")

Utilities = Callable[[Mapping[str, Any], Any], tuple[float, float]]


class CaseError(ValueError):
    """A case cannot be found or is malformed: one line naming the module or file and the rule."""


@dataclass(frozen=True)
class Case:
    """A negotiation between two players, as data and functions of a parameter set ``p``.

    Parameters
    ----------
    name : str
        Lower-case identifier (``[a-z][a-z0-9_]*``).
    title : str
        One line, e.g. "The 2023 UAW-GM contract".
    players : (str, str)
        Player 1 and player 2, in the order of every utility pair.
    folder : Path
        The case's folder; data file names below are relative to it, and the pipeline hashes
        every file in it into a result's stamp.
    utilities : callable
        ``utilities(contract, p) -> (u1, u2)``: the players' payoffs of a contract (a mapping of
        term -> value) at parameters ``p`` (attributes named as in the calibration).
    disagreement : callable
        ``disagreement(p) -> (d1, d2)``: the payoffs if no agreement is reached.
    calibration_file, space_file : str
        Relative to ``folder``.
    actual_file : str or None
        The actual outcome (relative to ``folder``), read only by :meth:`actual_outcome`, which
        comparison code alone calls.
    positions_file : str or None
        The parties' stated positions before the cut-off (relative to ``folder``; optional, read by
        :meth:`positions` when the file exists): informed baselines of a comparison.
    utility_unit : str
        The unit of both utilities, for tables and figures (e.g. "$B").
    parameters_type : type or None
        A frozen dataclass of the parameters (the calibration must declare exactly its fields);
        None: the calibration's parameters, as a :class:`~negotiation.kit.calibration.ParameterSet`.
    space_rules : Mapping
        Extra rules for :func:`~negotiation.kit.space.parse_space` (``continuous_terms``,
        ``discrete_terms``, ``mechanisms``, ``check_option``).
    weights : callable or None
        ``weights(p) -> (w1, w2)``: bargaining weights of ``asymmetric_nash`` (offered only if given).
    discount_factors : callable or None
        ``discount_factors(p) -> (delta1, delta2)`` per offer round, for ``rubinstein``.
    outside_options : callable or None
        ``outside_options(p) -> (w1, w2)`` of ``rubinstein`` (default: none).
    threat_game : callable or None
        ``threat_game(p) -> (A, B)``: payoff matrices of the threats, for ``variable_threat``.
    status_quo : callable or None
        ``status_quo(p) -> contract``: the contract in force; the representative of an optimal set
        is then the member nearest to it (:func:`negotiation.kit.predict.predict`).
    predict : callable or None
        A case's own solver with the signature of :func:`negotiation.kit.predict.predict` less
        the case (a closed form, say); the kit's generic one otherwise.
    calibration_loader : callable or None
        ``calibration_loader() -> Calibration``: how a case that derives its calibration (from
        another case's, say) builds it; ``calibration_file`` is read by the kit otherwise.
    evaluate : callable or None
        A case's own Monte Carlo model ``evaluate(parameters, concepts) -> {output: array}`` with
        the outputs of :func:`negotiation.kit.monte_carlo.evaluate` (a batch path, say).
    """

    name: str
    title: str
    players: tuple[str, str]
    folder: Path
    utilities: Utilities
    disagreement: Callable[[Any], tuple[float, float]]
    calibration_file: str = "data/calibration.toml"
    space_file: str = "data/contract_space.toml"
    actual_file: str | None = "data/actual.toml"
    positions_file: str | None = "data/positions.toml"
    utility_unit: str = ""
    parameters_type: type | None = None
    space_rules: Mapping[str, Any] = field(default_factory=dict)
    weights: Callable[[Any], tuple[float, float]] | None = None
    discount_factors: Callable[[Any], tuple[float, float]] | None = None
    outside_options: Callable[[Any], tuple[float, float]] | None = None
    threat_game: Callable[[Any], tuple[np.ndarray, np.ndarray]] | None = None
    status_quo: Callable[[Any], Mapping[str, Any]] | None = None
    predict: Callable[..., Any] | None = None
    evaluate: Callable[..., dict[str, np.ndarray]] | None = None
    calibration_loader: Callable[[], Calibration] | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not _NAME.match(self.name):
            raise CaseError(f"case name must match {_NAME.pattern}, got {self.name!r}")
        if len(tuple(self.players)) != 2 or not all(isinstance(p, str) and p for p in self.players):
            raise CaseError(f"case {self.name!r}: players must be two names, got {self.players!r}")
        object.__setattr__(self, "folder", Path(self.folder).resolve())
        object.__setattr__(self, "players", tuple(self.players))
        for attribute in ("utilities", "disagreement"):
            if not callable(getattr(self, attribute)):
                raise CaseError(f"case {self.name!r}: {attribute} must be a function of the parameters")

    def __reduce_ex__(self, protocol: Any) -> Any:
        """A case loaded by :func:`load_case` pickles as its reference (worker processes load it anew)."""
        reference = self.__dict__.get("_reference")
        return (load_case, reference) if reference is not None else super().__reduce_ex__(protocol)

    @property
    def concepts(self) -> tuple[str, ...]:
        """The concepts this case can be solved by: the symmetric ones, and those whose inputs it declares."""
        needs = {"asymmetric_nash": self.weights, "rubinstein": self.discount_factors,
                 "variable_threat": self.threat_game}
        return tuple(c for c in CONCEPTS if needs.get(c, True) is not None)

    def path(self, relative: str) -> Path:
        """A file of the case's folder."""
        return self.folder / relative

    @property
    def data_files(self) -> tuple[Path, ...]:
        """Every data file the case declares (hashed into a run's provenance and stamp)."""
        names = (self.calibration_file, self.space_file, self.actual_file, self.positions_file)
        return tuple(self.path(n) for n in names if n is not None and self.path(n).is_file())

    @cached_property
    def _canonical(self) -> Calibration:
        if self.calibration_loader is not None:
            return self.calibration_loader()
        return load_calibration(self.path(self.calibration_file), parameters_type=self.parameters_type)

    def calibration(self, overrides: Mapping[str, Mapping[str, Any]] | None = None) -> Calibration:
        """The case's calibration (its file, validated once), the active variant inside a run, or a variant.

        Raises
        ------
        CalibrationError
            Naming the file, the parameter and the rule.
        """
        base = active_calibration(self._canonical.origin) or self._canonical
        return base if not overrides else apply_overrides(base, overrides)

    @cached_property
    def _space(self) -> CaseSpace:
        return load_space(self.path(self.space_file), **{"parameter_names": self._canonical.names, **self.space_rules})

    def space(self) -> CaseSpace:
        """The case's contract space (its file, validated once)."""
        return self._space

    def _terms(self, path: Path, table: Any, where: str) -> Mapping[str, Any]:
        """A full contract of the space: every term, each value in its range or among its options."""
        space = self.space()
        if not isinstance(table, Mapping):
            raise CaseError(f"{path}: {where} must be a table of every term of the space")
        unknown = sorted(set(table) - set(space.terms))
        missing = [t for t in space.terms if t not in table]
        if unknown or missing:
            raise CaseError(f"{path}: {where} must give every term of the space: "
                            + (f"unknown {unknown[0]!r}" if unknown else f"{missing[0]!r} missing"))
        for name, term in space.continuous.items():
            value = table[name]
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not term.low <= value <= term.high:
                raise CaseError(f"{path}: {where} {name} must be a number in [{term.low}, {term.high}], got {value!r}")
        for name, term in space.discrete.items():
            if not any(same_option(table[name], o) for o in term.options):
                raise CaseError(f"{path}: {where} {name} must be one of {list(term.options)}, got {table[name]!r}")
        return MappingProxyType({t: table[t] for t in space.terms})

    def actual_outcome(self) -> Mapping[str, Any]:
        """The actual outcome: ``{"date", "source", "terms"}``. COMPARISON ONLY: no prediction may call this.

        The file has ``[outcome]`` (``date``, ``source``), ``[sources]`` and ``[terms]`` (every term of the
        space, each value inside the term's range or among its options), dated on or after the cut-off.

        Raises
        ------
        CaseError
            If the case declares no actual outcome, or the file breaks a rule (naming the file and term).
        """
        if self.actual_file is None:
            raise CaseError(f"case {self.name!r} declares no actual outcome (actual_file)")
        path = self.path(self.actual_file)
        data = read_toml(path, CaseError, "actual-outcome")
        for table in ("outcome", "sources", "terms"):
            if not isinstance(data.get(table), Mapping):
                raise CaseError(f"{path}: missing table [{table}]")
        sources = parse_sources(data["sources"], str(path))
        source = data["outcome"].get("source")
        if source not in sources:
            raise CaseError(f"{path}: [outcome] source must be an id of [sources], got {source!r}")
        date = parse_date(data["outcome"].get("date"), f"{path}: [outcome]")
        cutoff = self.calibration().cutoff
        if cutoff is not None and date < cutoff:
            raise CaseError(f"{path}: [outcome] date {date.isoformat()} is before the calibration's cut-off "
                            f"({cutoff.isoformat()}): a prediction's information would include the outcome")
        return MappingProxyType({"date": date, "source": sources[source],
                                 "terms": self._terms(path, data["terms"], "[terms]")})

    def positions(self) -> Mapping[str, Mapping[str, Any]]:
        """The parties' stated positions: ``{name: {"party", "date", "source", "terms"}}`` (empty without a file).

        The file has ``[sources]`` and ``[positions.<name>]`` tables (``party``, ``date``, ``source``,
        ``terms``: every term of the space). A position is information before the cut-off, so one
        dated (or citing a source dated) on or after it is refused.

        Raises
        ------
        CaseError
            Naming the file, the position and the rule.
        """
        if self.positions_file is None or not self.path(self.positions_file).is_file():
            return MappingProxyType({})
        path = self.path(self.positions_file)
        data = read_toml(path, CaseError, "positions")
        if not isinstance(data.get("positions"), Mapping) or not data["positions"]:
            raise CaseError(f"{path}: missing table [positions.<name>]")
        sources = parse_sources(data.get("sources", {}), str(path))
        cutoff, out = self.calibration().cutoff, {}
        for name, entry in data["positions"].items():
            where = f"[positions.{name}]"
            if not isinstance(entry, Mapping) or set(entry) != {"party", "date", "source", "terms"}:
                raise CaseError(f"{path}: {where} needs exactly party, date, source and terms")
            if entry["party"] not in self.players:
                raise CaseError(f"{path}: {where} party must be one of {list(self.players)}, got {entry['party']!r}")
            if entry["source"] not in sources:
                raise CaseError(f"{path}: {where} source must be an id of [sources], got {entry['source']!r}")
            date = parse_date(entry["date"], f"{path}: {where}")
            if cutoff is not None and max(date, sources[entry["source"]].date) >= cutoff:
                raise CaseError(f"{path}: {where} is dated on or after the cut-off ({cutoff.isoformat()}): "
                                "a position is information before it")
            out[name] = MappingProxyType({"party": entry["party"], "date": date, "source": sources[entry["source"]],
                                          "terms": self._terms(path, entry["terms"], f"{where} terms")})
        return MappingProxyType(out)


def is_file_reference(reference: str) -> bool:
    """Whether a case reference names a file (``.py``, or a path) rather than a dotted module."""
    return reference.endswith(".py") or "/" in reference or "\\" in reference


def import_file(path: Path, name: str) -> ModuleType:
    """The module of the Python file ``path``, imported once under ``name`` (kept in ``sys.modules``).

    Raises
    ------
    Exception
        Whatever the file raises on import; the module is not kept then.
    """
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        try:
            spec.loader.exec_module(module)
        except BaseException:
            del sys.modules[name]
            raise
    return sys.modules[name]


def case_module(reference: str, base: Path | None = None) -> ModuleType:
    """The module a case reference names: a dotted module path, or a ``.py`` file (relative to ``base``).

    Raises
    ------
    CaseError
        If the module cannot be found or imported.
    """
    if is_file_reference(reference):
        path = (Path(reference) if base is None else Path(base) / reference).resolve()
        if not path.is_file():
            raise CaseError(f"case {reference!r}: no such file {path}")
        try:
            return import_file(path, "negotiation_case_" + hashlib.sha256(str(path).encode()).hexdigest()[:12])
        except Exception as error:
            raise CaseError(f"case {reference!r}: importing {path} failed: {type(error).__name__}: {error}") from error
    try:
        return importlib.import_module(reference)
    except ImportError as error:
        raise CaseError(f"case {reference!r}: no such module ({error})") from None


def load_case(reference: str, base: Path | None = None) -> Case:
    """The :class:`Case` defined as ``CASE`` by the module that ``reference`` names (:func:`case_module`).

    Raises
    ------
    CaseError
        If the module cannot be imported or defines no ``CASE``.
    """
    case = getattr(case_module(reference, base), "CASE", None)
    if not isinstance(case, Case):
        raise CaseError(f"case {reference!r}: the module must define CASE = negotiation.kit.Case(...)")
    if "_reference" not in case.__dict__:
        resolved = str((Path(base or ".") / reference).resolve()) if is_file_reference(reference) else reference
        object.__setattr__(case, "_reference", (resolved,))
    return case
