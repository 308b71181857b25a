"""Searchers propose configurations: random search and Gaussian-process BO."""

from rung.searchers.base import Observation, Searcher
from rung.searchers.random import RandomSearcher

__all__ = ["Observation", "RandomSearcher", "Searcher"]
