"""rung: hyperparameter optimization that is fast, light and never loses an experiment.

Example:
    >>> import rung
    >>> result = rung.tune(lambda c: (c["x"] - 2) ** 2, {"x": rung.uniform(-10, 10)},
    ...                    searcher="random", max_trials=50, seed=0)
    >>> result.best_value < 0.1
    True
"""

from rung.api import tune
from rung.errors import (
    ConfigError,
    DataError,
    RungError,
    SpaceExhausted,
    StoreError,
    TrialFailed,
)
from rung.result import JobRecord, Result, TrajectoryPoint, TrialRecord
from rung.schedulers import (
    ASHA,
    FIFO,
    ASHAVariant,
    AsyncHyperband,
    Hyperband,
    Scheduler,
    SuccessiveHalving,
)
from rung.searchers import GPSearcher, RandomSearcher, Searcher
from rung.space import Space, choice, loguniform, randint, uniform
from rung.trial import Trial
from rung.tuner import Tuner
from rung.types import Decision, Direction, Job, JobStatus, Report, TrialStatus

__version__ = "0.1.0"

__all__ = [
    "ASHA",
    "FIFO",
    "ASHAVariant",
    "AsyncHyperband",
    "ConfigError",
    "DataError",
    "Decision",
    "Direction",
    "GPSearcher",
    "Hyperband",
    "Job",
    "JobRecord",
    "JobStatus",
    "RandomSearcher",
    "Report",
    "Result",
    "RungError",
    "Scheduler",
    "Searcher",
    "Space",
    "SpaceExhausted",
    "StoreError",
    "SuccessiveHalving",
    "TrajectoryPoint",
    "Trial",
    "TrialFailed",
    "TrialRecord",
    "TrialStatus",
    "Tuner",
    "choice",
    "loguniform",
    "randint",
    "tune",
    "uniform",
]
