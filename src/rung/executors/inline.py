"""Runs each job in the tuner's own process, one at a time: simple to debug, no overhead."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from typing import Any

from rung.codec import Blob
from rung.executors._paused import (
    DEFAULT_MAX_CALLS,
    DEFAULT_MAX_MEMORY_MB,
    PausedCalls,
    check_limits,
)
from rung.executors._remote import run_task
from rung.executors.base import Executor, ReportListener
from rung.task import Outcome, Task
from rung.types import Report

__all__ = ["InlineExecutor"]


class InlineExecutor(Executor):
    """One worker: the calling process. A submitted task runs when :meth:`wait` is called.

    Args:
        max_paused_calls: Calls of loops that run from the start kept paused at their
            job's end, to be continued when their trial is promoted (0: none); see
            :mod:`rung.executors._paused`.
        max_paused_memory_mb: Memory those paused calls may hold together, in MiB.
    """

    workers = 1

    def __init__(
        self,
        max_paused_calls: int = DEFAULT_MAX_CALLS,
        max_paused_memory_mb: float = DEFAULT_MAX_MEMORY_MB,
    ) -> None:
        self.max_paused_calls, self.max_paused_memory_mb = check_limits(
            "InlineExecutor", max_paused_calls, max_paused_memory_mb
        )
        self._calls: PausedCalls | None = None
        self._reports: ReportListener | None = None
        self._queue: deque[Task] = deque()
        self._objective: Callable[..., Any] | None = None
        self._clock: Callable[[], float] | None = None

    def start(
        self,
        objective: Callable[..., Any],
        clock: Callable[[], float],
        reports: ReportListener | None = None,
    ) -> None:
        self._reports = reports
        self._objective, self._clock = objective, clock
        self._calls = PausedCalls(self.max_paused_calls, self.max_paused_memory_mb)

    def submit(self, task: Task) -> None:
        if len(self._queue) >= self.workers:
            raise RuntimeError("InlineExecutor runs one task at a time; wait() for it first.")
        self._queue.append(task)

    def wait(self) -> list[Outcome]:
        if self._objective is None or self._clock is None:
            raise RuntimeError("InlineExecutor.start() must be called before wait().")
        if not self._queue:
            return []
        task = self._queue.popleft()
        listener_error: list[BaseException] = []
        on_report = None
        if self._reports is not None:
            reports, job = self._reports, task.job

            def on_report(report: Report, checkpoint: Blob | None) -> None:
                # The listener's failure (the store's disk is full) is the run's, raised
                # from wait() as other executors do, not the objective's.
                if not listener_error:
                    try:
                        reports(job, report, checkpoint)
                    except BaseException as error:
                        listener_error.append(error)

        # Checkpoints have one form outside the objective's call: the codec's bytes.
        outcome = run_task(task, self._objective, self._clock, 0, on_report, self._calls)
        if listener_error:
            raise listener_error[0]
        return [outcome]

    def release(self, trial_ids: list[int]) -> None:
        if self._calls is not None:
            self._calls.release(trial_ids)

    def close(self) -> None:
        """Ends the paused calls: they are not continued after the run."""
        if self._calls is not None:
            self._calls.close()
            self._calls = None
