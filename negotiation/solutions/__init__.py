"""Axiomatic bargaining solutions, one module each, and the implied bargaining power.

``nash`` (Nash 1950), ``kalai_smorodinsky`` (Kalai & Smorodinsky 1975), ``egalitarian``
(Kalai 1977), ``utilitarian``, ``inverse`` (implied bargaining power), ``result`` (the result
types) and ``_contracts`` (the contract-space kernel). The public names are re-exported by
``negotiation``; this package imports nothing so that ``negotiation.problem`` can use the kernel.
"""
