"""The case kit: what makes a negotiation a case, as data and one thin module.

A case is a calibration file (:mod:`.calibration`), a contract-space file (:mod:`.space`), a
:class:`~negotiation.kit.case.Case` that names its payoffs and disagreement point, and an actual
outcome read only by comparison code. Nothing here names a case.
"""
