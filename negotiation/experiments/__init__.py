"""Experiment kinds of the Microsoft-OpenAI case, one module each (see docs/DESIGN.md)."""
