"""Searchers propose configurations: random search, Gaussian-process BO, multi-fidelity
BO over configuration and resource, and a fixed list."""

from typing import Any

from rung.searchers.base import Observation, Searcher
from rung.searchers.fixed import FixedConfigs
from rung.searchers.random import RandomSearcher

__all__ = [
    "FixedConfigs",
    "GPSearcher",
    "MultiFidelityGPSearcher",
    "Observation",
    "RandomSearcher",
    "Searcher",
]


def __getattr__(name: str) -> Any:
    # GPSearcher needs scipy.optimize, whose import takes most of a second: only on use.
    if name == "GPSearcher":
        from rung.searchers.gp import GPSearcher

        return GPSearcher
    if name == "MultiFidelityGPSearcher":
        from rung.searchers.multi_fidelity import MultiFidelityGPSearcher

        return MultiFidelityGPSearcher
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
