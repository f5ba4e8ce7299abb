"""The 2026 Microsoft-OpenAI amendment: the same model, the October 2025 contract as status quo.

``calibration()`` and ``predict`` use inputs dated before 2026-04-27; ``amendment()`` and
:mod:`.compare_2026` are the only readers of the actual terms.
"""

from negotiation.cases.microsoft_openai_2026.case import CASE
from negotiation.cases.microsoft_openai_2026.compare_2026 import amendment, compare
from negotiation.cases.microsoft_openai_2026.model import CONCEPTS, TERMS, calibration, predict

__all__ = ["CASE", "CONCEPTS", "TERMS", "amendment", "calibration", "compare", "predict"]
