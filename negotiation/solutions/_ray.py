"""Shared by Kalai–Smorodinsky and egalitarian: the maximal point of S on a ray from d."""

from __future__ import annotations

import numpy as np

from negotiation.frontier import ray_maximisation
from negotiation.problem import BargainingProblem
from negotiation.solutions.result import Solution


def ray_solution(problem: BargainingProblem, direction: np.ndarray, concept: str) -> Solution:
    """``Solution`` at the maximal point of S on the ray d + t ``direction``, t >= 0."""
    ray = ray_maximisation(problem, direction)
    return Solution(ray.utilities, concept, None, ray.method, ray.status, ray.iterations, ray.contract)
