"""Every solution concept on any case, with the set of contracts it predicts and one representative.

A concept pins utilities; several contracts may give them (a transfer between two terms, a tie
between options). :func:`predict` therefore returns the *optimal set*: every contract whose
utilities are within ``TIE_TOL`` (relative) of the concept's, as a range per continuous term and
the member options per discrete term, and whether each term is *pinned* (one value). A term that
is not pinned is not predicted, and scores leave it out (:mod:`negotiation.kit.score`).

The optimal set of a discrete combination ``k`` is found by two programs on its continuous terms
``x`` (SLSQP from a grid of starts, the engine's contract among them):

* membership: ``max t  s.t.  u_i(k, x) - u*_i >= t s_i`` (``s_i`` the tolerance of player i); ``k``
  is a member when ``t >= -1``;
* the range of term ``j``: ``min / max x_j  s.t.  u_i(k, x) >= u*_i - s_i``.

The utilitarian solution pins only the sum ``u1 + u2``: its set is every individually rational
contract whose sum is within tolerance of the maximum, so a transfer it leaves free is reported
as not pinned.

Both are exact for the concave payoffs of a contract problem; on non-concave payoffs a range
may be an inner approximation (the starts are a grid), which the docstring of the case should
say. The representative is the engine's contract, or, for a case that declares its status quo,
the member nearest to it: fewest discrete terms changed (ties by the options' file order), then
the continuous terms nearest the status quo's, within the set.

References: Nash (1950); Kalai & Smorodinsky (1975); Kalai (1977); Rubinstein (1982); Nash (1953).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import numpy as np
from scipy.optimize import minimize

import negotiation as ng
from negotiation.errors import PayoffError
from negotiation.kit.case import CONCEPTS, Case, CaseError
from negotiation.kit.space import CaseSpace, same_option

__all__ = ["PIN_TOL", "TIE_TOL", "Prediction", "predict", "predict_all", "pinned_terms", "problem", "solve_concept"]

#: Relative tolerance of the optimal set: a contract is a member when each utility is within
#: ``TIE_TOL * max(1, |u*_i|, |u*_i - d_i|)`` of the concept's.
TIE_TOL = 1e-6
#: A continuous term is pinned when its range in the set is at most this fraction of its box.
PIN_TOL = 1e-4
#: Utilitarian: a stretch of frontier where ``u1 + u2`` is maximal counts as flat (a transfer) when its
#: extent in ``u1`` exceeds this fraction of the gains ``(u1* - d1) + (u2* - d2)``; shorter, it is the
#: neighbourhood of the smooth maximum that the sum's tolerance admits (width of order sqrt(TIE_TOL)).
FLAT_TOL = 1e-2
#: Starts per continuous term of the set's programs (a grid, capped at ``MAX_STARTS`` in all).
GRID = 3
MAX_STARTS = 27


@dataclass(frozen=True)
class Prediction:
    """A concept's prediction on a case.

    Attributes
    ----------
    concept : str
    utilities : np.ndarray
        The concept's utilities ``(u1, u2)``, unique.
    disagreement : np.ndarray
    contract : Mapping or None
        The representative contract (None when asked for none).
    optimal_set : Mapping
        ``(min, max)`` per continuous term, the member options (file order) per discrete term.
    pinned : Mapping
        Per term, True when the set holds one value of it (a prediction that can fail).
    details : Mapping
        The solver's method and status, and its own contract (``solver_contract``).
    """

    concept: str
    utilities: np.ndarray
    disagreement: np.ndarray
    contract: Mapping[str, Any] | None
    optimal_set: Mapping[str, Any]
    pinned: Mapping[str, bool]
    details: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))


def _parameters(case: Case, parameters: Any) -> Any:
    return case.calibration().central() if parameters is None else parameters


def _box(case: Case, p: Any, space: CaseSpace) -> dict[str, ng.Continuous | ng.Discrete]:
    """The engine's terms, each ``at_most`` cap intersected with the box."""
    terms = space.engine_space()
    for name, term in space.continuous.items():
        if term.at_most is not None:
            cap = float(getattr(p, term.at_most))
            if not cap > term.low:
                raise CaseError(f"case {case.name!r}: term {name!r} is capped at {term.at_most} = {cap}, "
                                f"not above its low bound {term.low}")
            terms[name] = ng.Continuous(term.low, min(term.high, cap))
    return terms


def problem(case: Case, parameters: Any = None, *, space: CaseSpace | None = None) -> ng.BargainingProblem:
    """The engine's contract problem of ``case`` at ``parameters`` (central values if None)."""
    p, space = _parameters(case, parameters), case.space() if space is None else space
    return _problem(case, p, _box(case, p, space))


def _problem(case: Case, p: Any, box: Mapping[str, ng.Continuous | ng.Discrete]) -> ng.BargainingProblem:
    joint = ng.payoff_pair(lambda c: case.utilities(c, p))
    try:
        return ng.BargainingProblem.from_contracts(box, joint, tuple(map(float, case.disagreement(p))))
    except PayoffError as error:
        raise _named(case, error) from None


def _named(case: Case, error: PayoffError) -> CaseError:
    """A payoff error with the players' names (the engine knows them only as players 1 and 2)."""
    return CaseError(f"case {case.name!r} (player 1 = {case.players[0]}, player 2 = {case.players[1]}): {error}")


def solve_concept(concept: str, prob: ng.BargainingProblem, *, weights: tuple[float, float] | None = None,
                  discount_factors: tuple[float, float] | None = None,
                  outside_options: tuple[float, float] | None = None,
                  threats: tuple[np.ndarray, np.ndarray] | None = None) -> tuple[np.ndarray, Mapping[str, Any] | None, dict]:
    """One concept on one contract problem, with the concept's own inputs already evaluated.

    ``nash``; ``asymmetric_nash`` (``weights``); ``kalai_smorodinsky``; ``egalitarian``; ``utilitarian``
    (weights 1, 1); ``rubinstein``: alternating offers over S with ``discount_factors`` per round,
    player 1 proposing first, ``outside_options`` as constraints; ``variable_threat``: Nash (1953)
    NTU threats ``(A, B)`` with the problem as the feasible set.

    Returns
    -------
    (utilities, contract, details)
        ``details`` holds the solver's method and status (and the threats and threat point).
    """
    if concept == "variable_threat":
        A, B = threats
        threat = ng.variable_threat_solution(A, B, transferable=False, feasible=prob)
        return threat.utilities, threat.contract, {"method": threat.method, "threats": threat.threats,
                                                   "threat_point": threat.disagreement}
    if concept == "nash":
        solution = ng.nash_solution(prob)
    elif concept == "asymmetric_nash":
        solution = ng.nash_solution(prob, weights=weights)
    elif concept == "kalai_smorodinsky":
        solution = ng.kalai_smorodinsky_solution(prob)
    elif concept == "egalitarian":
        solution = ng.egalitarian_solution(prob)
    elif concept == "utilitarian":
        solution = ng.utilitarian_solution(prob)
    elif concept == "rubinstein":
        solution = ng.rubinstein_solution(prob, discount_factors, proposer=0, outside_options=outside_options)
    else:
        raise ValueError(f"concept must be one of {CONCEPTS}, got {concept!r}")
    return solution.utilities, solution.contract, {"method": solution.method, "status": solution.status}


def _solve(case: Case, concept: str, prob: ng.BargainingProblem, p: Any) -> tuple[np.ndarray, Mapping[str, Any], dict]:
    """:func:`solve_concept` with the case's inputs at ``p``."""
    pair = lambda f: None if f is None else tuple(map(float, f(p)))  # noqa: E731
    return solve_concept(concept, prob, weights=pair(case.weights) if concept == "asymmetric_nash" else None,
                         discount_factors=pair(case.discount_factors) if concept == "rubinstein" else None,
                         outside_options=pair(case.outside_options) if concept == "rubinstein" else None,
                         threats=case.threat_game(p) if concept == "variable_threat" else None)


class _Combination:
    """The continuous programs of one discrete combination.

    ``gap(u)`` is the vector of the set's conditions scaled by their tolerances: a contract is a
    member when every entry is at least -1 (``(u - u*) / s`` for a point of utilities; for a concept
    that pins only ``u1 + u2``, the sum's shortfall and each gain over ``d``).
    """

    def __init__(self, utilities: Callable, fixed: Mapping[str, Any], box: Mapping[str, ng.Continuous],
                 gap: Callable[[np.ndarray], np.ndarray]) -> None:
        self.utilities, self.fixed, self.names = utilities, dict(fixed), tuple(box)
        self.lo = np.array([box[n].lo for n in self.names])
        self.hi = np.array([box[n].hi for n in self.names])
        self.gap = gap

    def u(self, x: np.ndarray) -> np.ndarray:
        contract = {**self.fixed, **{n: float(v) for n, v in zip(self.names, x)}}
        return np.asarray(self.utilities(contract), dtype=float)

    def starts(self, hint: np.ndarray | None) -> list[np.ndarray]:
        levels = [np.linspace(lo, hi, GRID) for lo, hi in zip(self.lo, self.hi)]
        grid = [np.array(x) for x in itertools.islice(itertools.product(*levels), MAX_STARTS)]
        return ([] if hint is None else [hint]) + grid

    def member(self, hint: np.ndarray | None) -> np.ndarray | None:
        """A contract of the set in this combination, or None: ``max t s.t. u_i - u*_i >= t s_i``."""
        if not self.names:
            return np.empty(0) if np.all(self.gap(self.u(np.empty(0))) >= -1.0) else None
        best, best_t = None, -np.inf
        for x0 in self.starts(hint):
            t0 = float(np.min(self.gap(self.u(x0))))
            if t0 > best_t:
                best, best_t = x0, t0
            if best_t >= -1.0:
                return best
            z0 = np.append(x0, t0)
            result = minimize(lambda z: -z[-1], z0, method="SLSQP",
                              bounds=[*zip(self.lo, self.hi), (None, None)],
                              constraints={"type": "ineq", "fun": lambda z: self.gap(self.u(z[:-1])) - z[-1]})
            x = np.clip(result.x[:-1], self.lo, self.hi)
            t = float(np.min(self.gap(self.u(x))))
            if t > best_t:
                best, best_t = x, t
            if best_t >= -1.0:
                return best
        return None

    def _feasible(self, x: np.ndarray) -> bool:
        return bool(np.all(self.gap(self.u(x)) >= -1.0 - 1e-9))

    def extreme(self, x0: np.ndarray, objective: Callable[[np.ndarray], float]) -> np.ndarray:
        """``argmin objective(x) s.t. u_i(x) >= u*_i - s_i`` from a member ``x0`` (kept if no better feasible point)."""
        result = minimize(objective, x0, method="SLSQP", bounds=list(zip(self.lo, self.hi)),
                          constraints={"type": "ineq", "fun": lambda x: self.gap(self.u(x)) + 1.0})
        x = np.clip(result.x, self.lo, self.hi)
        return x if self._feasible(x) and objective(x) <= objective(x0) else x0

    def ranges(self, x0: np.ndarray) -> dict[str, tuple[float, float]]:
        out = {}
        for j, name in enumerate(self.names):
            low = self.extreme(x0, lambda x, j=j: x[j])[j]
            high = self.extreme(x0, lambda x, j=j: -x[j])[j]
            out[name] = (float(low), float(high))
        return out


def _members(utilities: Callable, discrete: Mapping[str, tuple], continuous: Mapping[str, ng.Continuous],
             gap: Callable, solver_contract: Mapping[str, Any] | None) -> list[tuple[dict[str, Any], _Combination, np.ndarray]]:
    """Every discrete combination with a contract in the set, its program and that contract."""
    members = []
    for values in itertools.product(*discrete.values()):
        combo = dict(zip(discrete, values))
        program = _Combination(utilities, combo, continuous, gap)
        same = solver_contract is not None and all(solver_contract[t] == v for t, v in combo.items())
        hint = np.array([solver_contract[n] for n in continuous], dtype=float) if same else None
        x = program.member(hint)
        if x is not None:
            members.append((combo, program, x))
    return members


def _flat(members: list, u: np.ndarray, d: np.ndarray) -> bool:
    """Whether the set of maximal sums stretches over more than ``FLAT_TOL`` of the gains in ``u1``."""
    extent = []
    for _, program, x in members:
        if program.names:
            extent += [program.u(program.extreme(x, lambda z: program.u(z)[0]))[0],
                       program.u(program.extreme(x, lambda z: -program.u(z)[0]))[0]]
        else:
            extent.append(program.u(x)[0])
    return bool(extent) and max(extent) - min(extent) > FLAT_TOL * float(np.sum(u - d))


def _gap(concept: str, u: np.ndarray, d: np.ndarray, tol: np.ndarray) -> Callable[[np.ndarray], np.ndarray]:
    """The set's conditions scaled by their tolerances (see :class:`_Combination`).

    Utilitarian pins only the sum ``u1 + u2`` (every split of a maximal sum is optimal): its set is
    every individually rational contract whose sum is within the sum's tolerance of the maximum.
    Every other concept pins its utilities.
    """
    if concept == "utilitarian":
        total, scale = float(u.sum()), float(tol.sum())
        return lambda v: np.array([(v[0] + v[1] - total) / scale, (v[0] - d[0]) / tol[0] + 1.0, (v[1] - d[1]) / tol[1] + 1.0])
    return lambda v: (v - u) / tol


def pinned_terms(optimal_set: Mapping[str, Any], widths: Mapping[str, float]) -> dict[str, bool]:
    """Whether the set holds one value of each term: a continuous term (a key of ``widths``, its box
    width) when its range is at most ``PIN_TOL`` of the width, a discrete term when one option is left."""
    return {n: (value[1] - value[0] <= PIN_TOL * widths[n]) if n in widths else len(value) == 1
            for n, value in optimal_set.items()}


def _changes(combo: Mapping[str, Any], status_quo: Mapping[str, Any]) -> int:
    return sum(1 for t, v in combo.items() if t in status_quo and not same_option(v, status_quo[t]))


def predict(case: Case, concept: str, parameters: Any = None, *, space: CaseSpace | None = None,
            representative: bool = True) -> Prediction:
    """Solve ``case`` by ``concept`` at ``parameters`` (the central calibration if None).

    Parameters
    ----------
    case : Case
    concept : str
        One of ``case.concepts``.
    parameters : parameter set or None
    space : CaseSpace or None
        Another contract space with the same terms (e.g. :func:`negotiation.kit.space.widened`).
    representative : bool
        False: no representative contract (``contract`` is None), only the set.

    Raises
    ------
    ValueError
        If the case does not offer ``concept``.
    """
    if concept not in case.concepts:
        raise ValueError(f"concept must be one of {case.concepts} for case {case.name!r}, got {concept!r}")
    if case.predict is not None:
        return case.predict(concept, parameters, space=space, representative=representative)
    p, space = _parameters(case, parameters), case.space() if space is None else space
    box = _box(case, p, space)
    return _predict(case, concept, p, box, _problem(case, p, box), representative)


def _predict(case: Case, concept: str, p: Any, box: Mapping[str, ng.Continuous | ng.Discrete],
             prob: ng.BargainingProblem, representative: bool) -> Prediction:
    """:func:`predict` on the problem ``prob`` of the contract box ``box`` at ``p``."""
    try:
        u, solver_contract, details = _solve(case, concept, prob, p)
    except PayoffError as error:
        raise _named(case, error) from None
    u = np.asarray(u, dtype=float)
    d = prob.disagreement.copy()
    tol = TIE_TOL * np.maximum(1.0, np.maximum(np.abs(u), np.abs(u - d)))
    gap = _gap(concept, u, d, tol)
    continuous = {n: t for n, t in box.items() if isinstance(t, ng.Continuous)}
    discrete = {n: t.values for n, t in box.items() if isinstance(t, ng.Discrete)}
    utilities = lambda c: case.utilities(c, p)  # noqa: E731
    members = _members(utilities, discrete, continuous, gap, solver_contract)
    if concept == "utilitarian" and not _flat(members, u, d):
        members = _members(utilities, discrete, continuous, _gap("point", u, d, tol), solver_contract)
    if not members:
        raise CaseError(f"case {case.name!r}, {concept}: no contract reaches the concept's utilities {u.tolist()} "
                        "within TIE_TOL (payoffs not continuous?)")
    ranges = [program.ranges(x) for _, program, x in members]
    optimal_set: dict[str, Any] = {n: (min(r[n][0] for r in ranges), max(r[n][1] for r in ranges)) for n in continuous}
    optimal_set.update({n: tuple(o for o in options if any(same_option(c[n], o) for c, _, _ in members))
                        for n, options in discrete.items()})
    pinned = pinned_terms(optimal_set, {n: t.hi - t.lo for n, t in continuous.items()})
    contract = None
    if representative:
        contract = _representative(case, p, members, solver_contract, continuous)
    details["solver_contract"] = None if solver_contract is None else MappingProxyType(dict(solver_contract))
    return Prediction(concept, u, d, None if contract is None else MappingProxyType(contract),
                      MappingProxyType(optimal_set), MappingProxyType(pinned), MappingProxyType(details))


def _representative(case: Case, p: Any, members: list, solver_contract: Mapping[str, Any] | None,
                    continuous: Mapping[str, ng.Continuous]) -> dict[str, Any]:
    """The status quo's nearest member (fewest discrete changes, then nearest continuous terms), else the solver's."""
    if case.status_quo is None:
        if solver_contract is not None:
            return {k: (float(v) if k in continuous else v) for k, v in solver_contract.items()}
        combo, program, x = members[0]
        return {**combo, **{n: float(v) for n, v in zip(program.names, x)}}
    status_quo = case.status_quo(p)
    combo, program, x = min(members, key=lambda m: _changes(m[0], status_quo))
    anchored = [j for j, n in enumerate(program.names) if n in status_quo]
    if anchored:
        width = program.hi - program.lo
        goal = np.array([float(status_quo[program.names[j]]) for j in anchored])
        x = program.extreme(x, lambda z: float(np.sum(((z[anchored] - goal) / width[anchored]) ** 2)))
    return {**combo, **{n: float(v) for n, v in zip(program.names, x)}}


def predict_all(case: Case, parameters: Any = None, *, space: CaseSpace | None = None,
                concepts: tuple[str, ...] | None = None) -> dict[str, Prediction]:
    """:func:`predict` by each of ``concepts`` (every concept the case offers, in its order, if None), on one problem.

    The concepts share one contract problem and so one frontier envelope (built once); each answer is
    still the kernel's from its usual start, the same as :func:`predict` of that concept alone.
    """
    concepts = case.concepts if concepts is None else concepts
    unknown = [c for c in concepts if c not in case.concepts]
    if unknown:
        raise ValueError(f"concept must be one of {case.concepts} for case {case.name!r}, got {unknown[0]!r}")
    if case.predict is not None:
        return {c: case.predict(c, parameters, space=space) for c in concepts}
    p, space = _parameters(case, parameters), case.space() if space is None else space
    box = _box(case, p, space)
    prob = _problem(case, p, box)
    return {c: _predict(case, c, p, box, prob, True) for c in concepts}
