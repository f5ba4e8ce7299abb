"""Alternating offers: Rubinstein's subgame perfect equilibrium and its extensions.

Two players split a surplus of size 1 by alternating offers (Rubinstein 1982). Player ``i``
discounts one bargaining round by ``delta_i``. After every rejection the talks break down
with probability ``p``, paying ``b = (b_1, b_2)`` (Binmore, Rubinstein & Wolinsky 1986); and a
player who receives an offer may instead opt out with an outside option ``w_i``
(Shaked & Sutton 1984; Binmore, Shaked & Sutton 1989; Muthoo 1999, ch. 5).

Timing of one round: the proposer offers a split; the responder accepts (agreement, payoffs
now), opts out (``w_responder`` now), or rejects. After a rejection the talks break down with
probability ``p`` (payoffs ``b`` without further delay) and otherwise continue one period
later, discounted by ``delta``, with the roles swapped.

Stationary equilibrium. Let ``x_i`` be player ``i``'s share when ``i`` proposes. A
responder ``j`` accepts exactly when offered at least
``y_j = max(w_j, p b_j + (1 - p) delta_j x_j)``, so

    x_1 = 1 - max(w_2, p b_2 + (1 - p) delta_2 x_2)
    x_2 = 1 - max(w_1, p b_1 + (1 - p) delta_1 x_1).

This map is a contraction with modulus ``(1 - p)^2 delta_1 delta_2 < 1``; its unique fixed point
is the unique SPE (the Shaked-Sutton sup/inf argument; Muthoo 1999, chs. 3-5).
Writing ``q_i = (1 - p) delta_i``, ``c_i = p b_i``, the four closed forms are

    neither binds: x_1 = (1 - c_2 - q_2 (1 - c_1)) / (1 - q_1 q_2)      (and symmetrically)
    only w_2 binds: x_1 = 1 - w_2,  x_2 = 1 - c_1 - q_1 (1 - w_2)
    only w_1 binds: x_2 = 1 - w_1,  x_1 = 1 - c_2 - q_2 (1 - w_1)
    both bind:      x_1 = 1 - w_2,  x_2 = 1 - w_1,

and ``w_j`` binds exactly when it beats what ``j`` would get by rejecting,
``w_j > c_j + q_j x_j`` (the outside-option principle: an outside option is a constraint, never
a disagreement point). With ``p = 0`` and no outside options this is Rubinstein's
``x_1 = (1 - delta_2) / (1 - delta_1 delta_2)``; with ``delta = 1`` and ``p -> 0`` it tends to
the Nash solution with disagreement point ``b``; with ``delta_i = exp(-r_i Delta)`` and
``Delta -> 0`` it tends to the asymmetric Nash solution with weight ``r_2 / (r_1 + r_2)``
(Binmore, Rubinstein & Wolinsky 1986).

References
----------
Rubinstein, A. (1982). Perfect equilibrium in a bargaining model. Econometrica 50, 97-110.
Shaked, A. & Sutton, J. (1984). Involuntary unemployment as a perfect equilibrium in a
bargaining model. Econometrica 52, 1351-1364.
Binmore, K., Rubinstein, A. & Wolinsky, A. (1986). The Nash bargaining solution in economic
modelling. RAND Journal of Economics 17, 176-188.
Binmore, K., Shaked, A. & Sutton, J. (1989). An outside option experiment. QJE 104, 753-770.
Muthoo, A. (1999). Bargaining Theory with Applications. Cambridge University Press, ch. 3-5.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from negotiation.errors import finite_pair

__all__ = ["RubinsteinResult", "rubinstein", "brw_weight", "brw_discount_factors"]


@dataclass(frozen=True, eq=False)
class RubinsteinResult:
    """The SPE of the alternating-offers game: an immediate agreement on ``shares``.

    Attributes
    ----------
    shares : numpy.ndarray
        ``(x_1, x_2)``, the split of the unit surplus agreed in the first round (read-only).
    proposer : int
        Who makes the first offer (0 = player 1, 1 = player 2).
    binding_outside_options : tuple of bool
        ``(w_1 binds, w_2 binds)``: whether each player's outside option, rather than the value
        of rejecting, pins down what that player accepts as a responder.
    proposer_shares : tuple of float
        ``(x_1, x_2)``: each player's own share in the subgame where that player proposes.
    discount_factors, breakdown_probability, breakdown_payoffs, outside_options
        The (validated) inputs, kept for provenance; ``None`` marks an absent outside option.
    method : str
        How the result was computed.
    """

    shares: np.ndarray
    proposer: int
    binding_outside_options: tuple[bool, bool]
    proposer_shares: tuple[float, float]
    discount_factors: tuple[float, float]
    breakdown_probability: float
    breakdown_payoffs: tuple[float, float]
    outside_options: tuple[float | None, float | None]
    method: str


def _pair(value: Sequence[float], name: str) -> tuple[float, float]:
    first, second = finite_pair(name, value)
    return float(first), float(second)


def _validate_probability(breakdown_probability: float) -> float:
    try:
        p = float(breakdown_probability)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"breakdown_probability must be a number in [0, 1), got {breakdown_probability!r}") from exc
    if not (0.0 <= p < 1.0):
        raise ValueError(f"breakdown_probability must lie in [0, 1), got {breakdown_probability!r}")
    return p


def _validate_discount_factors(
    discount_factors: Sequence[float], breakdown_probability: float
) -> tuple[float, float]:
    deltas = _pair(discount_factors, "discount_factors")
    if not all(0.0 < d <= 1.0 for d in deltas):
        raise ValueError(f"discount_factors must lie in (0, 1], got {discount_factors!r}")
    if breakdown_probability == 0.0 and max(deltas) == 1.0:
        raise ValueError(
            "discount_factors must lie in (0, 1) when breakdown_probability is 0 "
            f"(a patient player needs a risk of breakdown to settle), got {discount_factors!r}"
        )
    return deltas


def _validate_breakdown_payoffs(breakdown_payoffs: Sequence[float]) -> tuple[float, float]:
    b = _pair(breakdown_payoffs, "breakdown_payoffs")
    if min(b) < 0.0 or sum(b) >= 1.0:
        raise ValueError(
            "breakdown_payoffs must be non-negative with b_1 + b_2 < 1 (shares of a unit surplus "
            f"that agreement beats), got {breakdown_payoffs!r}"
        )
    return b


def _validate_outside_options(
    outside_options: Sequence[float | None] | None,
) -> tuple[float | None, float | None]:
    if outside_options is None:
        return None, None
    try:
        first, second = outside_options
    except (TypeError, ValueError) as exc:
        raise ValueError(
            f"outside_options must be None or a pair (w_1, w_2), got {outside_options!r}"
        ) from exc
    options = []
    for w in (first, second):
        if w is None:
            options.append(None)
            continue
        try:
            value = float(w)
        except (TypeError, ValueError) as exc:
            raise ValueError(f"outside_options must be numbers or None, got {outside_options!r}") from exc
        if not math.isfinite(value) or value < 0.0:
            raise ValueError(
                f"outside_options must be finite and non-negative, got {outside_options!r}"
            )
        options.append(value)
    if sum(w for w in options if w is not None) >= 1.0:
        raise ValueError(
            "outside_options must sum to less than 1 (otherwise no agreement beats opting out), "
            f"got {outside_options!r}"
        )
    return options[0], options[1]


def _proposer_shares(
    q: tuple[float, float],
    k: tuple[float, float],
    c: tuple[float, float],
    w: tuple[float | None, float | None],
) -> tuple[tuple[float, float], tuple[bool, bool]]:
    """Solve ``x_i = 1 - max(w_j, c_j + q_j x_j)`` in closed form (see the module docstring).

    Each binding pattern gives a candidate in closed form; the map is a contraction, so exactly
    one candidate is its fixed point (candidates coincide at ties). The candidate with the
    smallest residual ``|x - T(x)|`` is taken, which is robust to rounding at ties; an option
    binds when it strictly beats the value of rejecting (ties are reported as not binding).
    ``k_i = 1 - q_i`` is passed separately, computed as ``p + (1 - p)(1 - delta_i)``, so that the
    limits ``p -> 0`` and ``delta -> 1`` lose no digits to cancellation.
    """
    q1, q2 = q
    k1, k2 = k
    c1, c2 = c
    w1 = -math.inf if w[0] is None else w[0]
    w2 = -math.inf if w[1] is None else w[1]
    candidates = [
        ((k2 - c2 + q2 * c1) / (k1 + q1 * k2), (k1 - c1 + q1 * c2) / (k2 + q2 * k1)),  # neither
        (1.0 - w2, 1.0 - c1 - q1 * (1.0 - w2)),  # only w_2 binds
        (1.0 - c2 - q2 * (1.0 - w1), 1.0 - w1),  # only w_1 binds
        (1.0 - w2, 1.0 - w1),  # both bind
    ]

    def residual(x: tuple[float, float]) -> float:
        if not all(math.isfinite(v) for v in x):
            return math.inf
        return max(abs(x[0] - 1.0 + max(w2, c2 + q2 * x[1])), abs(x[1] - 1.0 + max(w1, c1 + q1 * x[0])))

    x1, x2 = min(candidates, key=residual)
    return (x1, x2), (w1 > c1 + q1 * x1, w2 > c2 + q2 * x2)


def rubinstein(
    discount_factors: Sequence[float],
    proposer: int = 0,
    outside_options: Sequence[float | None] | None = None,
    breakdown_probability: float = 0.0,
    breakdown_payoffs: Sequence[float] = (0.0, 0.0),
) -> RubinsteinResult:
    """Subgame perfect equilibrium split of a unit surplus under alternating offers.

    With ``p`` the breakdown probability, ``q_i = (1 - p) delta_i`` and ``c_i = p b_i``, the
    proposer's share with no binding outside option is

        x_1 = (1 - c_2 - q_2 (1 - c_1)) / (1 - q_1 q_2),

    i.e. Rubinstein's ``(1 - delta_2) / (1 - delta_1 delta_2)`` when ``p = 0``; an outside option
    ``w_j`` replaces the responder's value of rejecting, ``c_j + q_j x_j``, only when it exceeds
    it (outside-option principle). The module docstring gives the game, the timing and all four
    closed forms.

    Parameters
    ----------
    discount_factors : pair of float
        ``(delta_1, delta_2)`` per round, in (0, 1); 1 is allowed when ``breakdown_probability``
        is positive.
    proposer : {0, 1}
        The player who makes the first offer.
    outside_options : pair of (float or None), optional
        ``(w_1, w_2)``, the payoff of opting out when receiving an offer; ``None`` (or a ``None``
        entry) means no outside option. Non-negative, summing to less than 1.
    breakdown_probability : float
        ``p`` in [0, 1): the chance that the talks break down after each rejection.
    breakdown_payoffs : pair of float
        ``(b_1, b_2)`` paid on breakdown; non-negative, summing to less than 1.

    Returns
    -------
    RubinsteinResult
        ``.shares`` is the first-round agreement ``(x_1, x_2)``.

    Raises
    ------
    ValueError
        Naming the offending argument and its allowed range.

    References
    ----------
    Rubinstein (1982); Shaked & Sutton (1984); Binmore, Rubinstein & Wolinsky (1986);
    Muthoo (1999), chs. 3 (discounting), 4 (risk of breakdown) and 5 (outside options).

    Examples
    --------
    >>> rubinstein((0.9, 0.8)).shares.round(10).tolist()
    [0.7142857143, 0.2857142857]
    """
    if isinstance(proposer, bool) or proposer not in (0, 1):
        raise ValueError(f"proposer must be 0 or 1, got {proposer!r}")
    proposer = int(proposer)
    p = _validate_probability(breakdown_probability)
    deltas = _validate_discount_factors(discount_factors, p)
    b = _validate_breakdown_payoffs(breakdown_payoffs)
    w = _validate_outside_options(outside_options)

    q = ((1.0 - p) * deltas[0], (1.0 - p) * deltas[1])
    k = (p + (1.0 - p) * (1.0 - deltas[0]), p + (1.0 - p) * (1.0 - deltas[1]))
    c = (p * b[0], p * b[1])
    (x1, x2), binding = _proposer_shares(q, k, c, w)
    shares = np.array([x1, 1.0 - x1] if proposer == 0 else [1.0 - x2, x2])
    shares.setflags(write=False)

    features = ["Rubinstein (1982) stationary SPE, closed form"]
    if p > 0.0:
        features.append("breakdown risk (Binmore-Rubinstein-Wolinsky 1986)")
    if w != (None, None):
        features.append("outside-option principle (Shaked-Sutton 1984)")
    return RubinsteinResult(
        shares=shares,
        proposer=proposer,
        binding_outside_options=binding,
        proposer_shares=(x1, x2),
        discount_factors=deltas,
        breakdown_probability=p,
        breakdown_payoffs=b,
        outside_options=w,
        method="; ".join(features),
    )


def _validate_rates(rates: Sequence[float]) -> tuple[float, float]:
    r = _pair(rates, "rates")
    if min(r) <= 0.0:
        raise ValueError(f"rates must be positive, got {rates!r}")
    return r


def brw_weight(rates: Sequence[float]) -> float:
    """Bargaining weight of player 1 in the Binmore-Rubinstein-Wolinsky limit.

    With ``delta_i = exp(-r_i Delta)`` and ``Delta -> 0`` the Rubinstein split converges to the
    asymmetric Nash solution with weight

        alpha_1 = r_2 / (r_1 + r_2):

    the more patient player (smaller ``r_i``) gets more.

    Parameters
    ----------
    rates : pair of float
        Positive, finite discount rates ``(r_1, r_2)`` per unit of time.

    Returns
    -------
    float
        ``alpha_1``; player 2's weight is ``1 - alpha_1``.

    References
    ----------
    Binmore, Rubinstein & Wolinsky (1986), Section 3.

    Examples
    --------
    >>> round(brw_weight((0.05, 0.10)), 12)
    0.666666666667
    """
    r1, r2 = _validate_rates(rates)
    return r2 / (r1 + r2)


def brw_discount_factors(rates: Sequence[float], interval: float) -> tuple[float, float]:
    """Per-round discount factors ``delta_i = exp(-r_i Delta)`` for a time between offers ``Delta``.

    Parameters
    ----------
    rates : pair of float
        Positive, finite discount rates ``(r_1, r_2)``.
    interval : float
        ``Delta > 0``, the time between two offers.

    Returns
    -------
    tuple of float
        ``(exp(-r_1 Delta), exp(-r_2 Delta))``.

    References
    ----------
    Binmore, Rubinstein & Wolinsky (1986).

    Examples
    --------
    >>> [round(x, 12) for x in brw_discount_factors((0.1, 0.2), 1.0)]  # exp(-0.1), exp(-0.2)
    [0.904837418036, 0.818730753078]
    """
    r1, r2 = _validate_rates(rates)
    delta_t = float(interval)
    if not (math.isfinite(delta_t) and delta_t > 0.0):
        raise ValueError(f"interval must be positive and finite, got {interval!r}")
    return math.exp(-r1 * delta_t), math.exp(-r2 * delta_t)
