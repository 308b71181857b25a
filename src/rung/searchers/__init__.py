"""Searchers propose configurations: random search, Gaussian-process BO, and for several
objectives or constraints ParEGO and constrained EI."""

from typing import Any

from rung.searchers.base import Observation, Searcher
from rung.searchers.random import RandomSearcher

__all__ = [
    "ConstrainedGPSearcher",
    "GPSearcher",
    "Observation",
    "ParEGOSearcher",
    "RandomSearcher",
    "Searcher",
]


def __getattr__(name: str) -> Any:
    # The model-based searchers need scipy.optimize, whose import takes most of a second:
    # only on use.
    if name == "GPSearcher":
        from rung.searchers.gp import GPSearcher

        return GPSearcher
    if name == "ParEGOSearcher":
        from rung.searchers.multi_objective import ParEGOSearcher

        return ParEGOSearcher
    if name == "ConstrainedGPSearcher":
        from rung.searchers.constrained import ConstrainedGPSearcher

        return ConstrainedGPSearcher
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
