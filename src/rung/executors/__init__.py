"""Executors run jobs on workers: in-process today, processes and Dask clusters next."""

from rung.executors.base import Executor, Outcome, Task
from rung.executors.inline import InlineExecutor

__all__ = ["Executor", "InlineExecutor", "Outcome", "Task"]
