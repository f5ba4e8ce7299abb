"""Experiment kinds of the 2026 Microsoft-OpenAI case (one module per kind, found from the configs)."""
