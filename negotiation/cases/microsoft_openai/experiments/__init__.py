"""Experiment kinds of the 2025 Microsoft-OpenAI case (one module per kind, found from the configs)."""
