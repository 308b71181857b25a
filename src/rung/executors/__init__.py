"""Executors run jobs on workers: in this process, local processes, Dask, simulated time."""

from typing import Any

from rung.executors.base import Executor
from rung.executors.factory import ExecutorName, make_executor
from rung.executors.inline import InlineExecutor
from rung.executors.processes import ProcessExecutor
from rung.executors.simulated import SimulatedExecutor, SimulatedObjective
from rung.task import Outcome, Task

__all__ = [
    "DaskExecutor",
    "Executor",
    "ExecutorName",
    "InlineExecutor",
    "Outcome",
    "ProcessExecutor",
    "SimulatedExecutor",
    "SimulatedObjective",
    "Task",
    "make_executor",
]


def __getattr__(name: str) -> Any:
    # Imported on first use: dask.distributed takes seconds to import.
    if name == "DaskExecutor":
        from rung.executors.dask import DaskExecutor

        return DaskExecutor
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
