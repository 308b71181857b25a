"""rung: hyperparameter optimization that is fast, light and never loses an experiment."""

from rung.errors import ConfigError, RungError, SpaceExhausted, StoreError, TrialFailed
from rung.schedulers import FIFO, Scheduler
from rung.searchers import RandomSearcher, Searcher
from rung.space import Space, choice, loguniform, randint, uniform
from rung.types import Decision, Direction, Job, JobStatus, Report, TrialStatus

__version__ = "0.1.0"

__all__ = [
    "FIFO",
    "ConfigError",
    "Decision",
    "Direction",
    "Job",
    "JobStatus",
    "RandomSearcher",
    "Report",
    "RungError",
    "Scheduler",
    "Searcher",
    "Space",
    "SpaceExhausted",
    "StoreError",
    "TrialFailed",
    "TrialStatus",
    "choice",
    "loguniform",
    "randint",
    "uniform",
]
