"""Searchers propose configurations: random search, Gaussian-process BO, multi-fidelity
BO over configuration and resource, expected hypervolume improvement (with constraints)
and ParEGO for several objectives or constraints, and a fixed list."""

from typing import Any

from rung.searchers.base import Observation, Searcher
from rung.searchers.fixed import FixedConfigs
from rung.searchers.random import RandomSearcher

__all__ = [
    "EHVISearcher",
    "FixedConfigs",
    "GPSearcher",
    "MultiFidelityGPSearcher",
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
    if name == "MultiFidelityGPSearcher":
        from rung.searchers.multi_fidelity import MultiFidelityGPSearcher

        return MultiFidelityGPSearcher
    if name == "ParEGOSearcher":
        from rung.searchers.multi_objective import ParEGOSearcher

        return ParEGOSearcher
    if name == "EHVISearcher":
        from rung.searchers.ehvi import EHVISearcher

        return EHVISearcher
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
