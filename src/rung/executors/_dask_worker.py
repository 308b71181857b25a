"""The Dask worker's side of :class:`~rung.executors.dask.DaskExecutor`: the objective,
loaded once per worker process, and the task that runs one job with it."""

from __future__ import annotations

import ctypes
import os
import pickle
import sys
import threading
import time
import traceback
from collections.abc import Callable
from typing import Any

import distributed
from distributed.diagnostics.plugin import WorkerPlugin

from rung.executors._remote import failed_outcome, run_task
from rung.task import Outcome, Task
from rung.types import Report

__all__ = ["ObjectivePlugin", "run_on_worker"]


def _undo_malloc_trimming() -> None:
    """Gives a Dask worker glibc's default heap behaviour back.

    Dask's nanny starts workers with ``MALLOC_TRIM_THRESHOLD_=65536``, which also fixes
    glibc's mmap threshold: every large tensor a training step allocates is then mapped
    and unmapped afresh, and LeNet trains 2.5 times slower (17 s/epoch against 6.5).
    Raising both thresholds back to glibc's own dynamic maximum undoes it.
    """
    if not os.environ.get("MALLOC_TRIM_THRESHOLD_") or not sys.platform.startswith("linux"):
        return
    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:  # not glibc (musl): no such setting to undo
        return
    m_trim_threshold, m_mmap_threshold, limit = -1, -3, 32 * 1024 * 1024
    libc.mallopt(m_trim_threshold, limit)
    libc.mallopt(m_mmap_threshold, limit)


class ObjectivePlugin(WorkerPlugin):
    """Carries the pickled objective to each worker; unpickles it there once, on first use."""

    def __init__(self, payload: bytes) -> None:
        self.payload = payload

    def setup(self, worker: Any) -> None:
        _undo_malloc_trimming()
        self._lock = threading.Lock()
        self._objective: Callable[..., Any] | None = None

    def teardown(self, worker: Any) -> None:
        self._objective = None

    def objective(self) -> Callable[..., Any]:
        with self._lock:  # a worker with several threads unpickles it once
            if self._objective is None:
                self._objective = pickle.loads(self.payload)
                self.payload = b""  # the objective is all this worker keeps
            return self._objective


def run_on_worker(
    plugin_name: str, task: Task, base: float, topic: str | None = None, key: str = ""
) -> tuple[str, Outcome]:
    """The Dask task: runs one job with the worker's copy of the objective.

    Args:
        plugin_name: The name the objective's plugin is registered under.
        task: The job; its checkpoint, if any, is a :class:`~rung.codec.Blob`.
        base: The wall time (``time.time()``) at which the run's clock read 0.
        topic: Where to log each report of the running job (``(key, resource, value,
            time)``, as a Dask event the driver subscribed to), or None.
        key: The task's key, which the driver knows the job by.

    Returns:
        The worker's address and the outcome (with worker id 0: the driver sets it).
    """
    worker = distributed.get_worker()

    def clock() -> float:  # wall time: workers may be other machines
        return time.time() - base

    start = clock()
    try:
        plugin = worker.plugins.get(plugin_name)
        if plugin is None:
            raise RuntimeError(f"This Dask worker lacks the objective {plugin_name!r}.")
        objective = plugin.objective()
    except Exception:  # e.g. the objective's module cannot be imported on this worker
        return worker.address, failed_outcome(task, traceback.format_exc(), start, clock(), 0)
    on_report = None
    if topic is not None:

        def on_report(report: Report, checkpoint: Any) -> None:
            # A running job's checkpoint stays on the worker: Dask's events are small.
            metrics = None if report.metrics is None else dict(report.metrics)
            worker.log_event(topic, (key, report.resource, report.value, report.time, metrics))

    return worker.address, run_task(task, objective, clock, 0, on_report)
