"""rung: hyperparameter optimization that is fast, light and never loses an experiment.

Example:
    >>> import rung
    >>> result = rung.tune(lambda c: (c["x"] - 2) ** 2, {"x": rung.uniform(-10, 10)},
    ...                    searcher="random", max_trials=100, seed=0)
    >>> result.best_value < 0.1
    True
"""

from typing import Any

from rung.callbacks import Callback, RunState
from rung.compat.optuna import TrialPruned
from rung.errors import (
    CheckpointLost,
    ConfigError,
    ConfigTypeError,
    DataError,
    RungError,
    SpaceExhausted,
    StoreError,
    TrialFailed,
)
from rung.executors import Executor, InlineExecutor, ProcessExecutor, SimulatedExecutor
from rung.reporting import report
from rung.results.result import Incumbent, OpenJob, Result, TrajectoryPoint, TrialRecord
from rung.results.spec import Budget, RunSpec
from rung.results.summary import load_checkpoint, read_result
from rung.run.factory import tune
from rung.run.tuner import Tuner
from rung.schedulers import (
    ASHA,
    FIFO,
    ASHAVariant,
    AsyncHyperband,
    Hyperband,
    Scheduler,
    SuccessiveHalving,
)
from rung.searchers import FixedConfigs, RandomSearcher, Searcher
from rung.space import Space, choice, loguniform, randint, uniform
from rung.trial import Trial
from rung.types import Decision, Direction, Job, JobRecord, JobStatus, Report, TrialStatus

__version__ = "0.1.0"


def __getattr__(name: str) -> Any:
    # Imported on first use: scipy.optimize alone takes most of a second to import.
    if name in ("GPSearcher", "MultiFidelityGPSearcher", "ParEGOSearcher", "EHVISearcher"):
        import rung.searchers

        return getattr(rung.searchers, name)
    if name == "DaskExecutor":  # dask.distributed takes seconds to import
        from rung.executors.dask import DaskExecutor

        return DaskExecutor
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "ASHA",
    "FIFO",
    "ASHAVariant",
    "AsyncHyperband",
    "Budget",
    "Callback",
    "CheckpointLost",
    "ConfigError",
    "ConfigTypeError",
    "DaskExecutor",
    "DataError",
    "Decision",
    "Direction",
    "EHVISearcher",
    "Executor",
    "FixedConfigs",
    "GPSearcher",
    "MultiFidelityGPSearcher",
    "Hyperband",
    "Incumbent",
    "InlineExecutor",
    "Job",
    "JobRecord",
    "JobStatus",
    "OpenJob",
    "ParEGOSearcher",
    "ProcessExecutor",
    "RandomSearcher",
    "Report",
    "Result",
    "RunSpec",
    "RunState",
    "RungError",
    "Scheduler",
    "Searcher",
    "SimulatedExecutor",
    "Space",
    "SpaceExhausted",
    "StoreError",
    "SuccessiveHalving",
    "TrajectoryPoint",
    "Trial",
    "TrialFailed",
    "TrialPruned",
    "TrialRecord",
    "TrialStatus",
    "Tuner",
    "choice",
    "load_checkpoint",
    "loguniform",
    "randint",
    "read_result",
    "report",
    "tune",
    "uniform",
]
