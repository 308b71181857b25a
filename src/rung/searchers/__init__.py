"""Searchers propose configurations: random search and Gaussian-process BO."""

from rung.searchers.base import Observation, Searcher
from rung.searchers.gp import GPSearcher
from rung.searchers.random import RandomSearcher

__all__ = ["GPSearcher", "Observation", "RandomSearcher", "Searcher"]
