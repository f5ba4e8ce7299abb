"""The 2025 Microsoft-OpenAI renegotiation: calibration, payoffs, predictions, comparison.

``calibration()`` holds the pre-MOU inputs; ``problem`` and ``predict`` never see the settlement;
``settlement()`` and the module :mod:`.compare` (``compare.compare(...)``) are the only readers
of the actual terms.
"""

from negotiation.cases.microsoft_openai import compare
from negotiation.cases.microsoft_openai.case import CASE
from negotiation.cases.microsoft_openai.compare import Comparison, fit_implied_bargaining_power, settlement
from negotiation.cases.microsoft_openai.parameters import Calibration, Parameters, calibration
from negotiation.cases.microsoft_openai.solve import CONCEPTS, Prediction, contract_space, predict, problem

__all__ = [
    "CASE",
    "CONCEPTS",
    "Calibration",
    "Comparison",
    "Parameters",
    "Prediction",
    "calibration",
    "compare",
    "contract_space",
    "fit_implied_bargaining_power",
    "predict",
    "problem",
    "settlement",
]
