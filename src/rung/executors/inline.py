"""Runs each job in the tuner's own process, one at a time: simple to debug, no overhead."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from typing import Any

from rung.codec import Blob
from rung.executors._remote import run_task
from rung.executors.base import Executor, Outcome, ReportListener, Task
from rung.types import Report

__all__ = ["InlineExecutor"]


class InlineExecutor(Executor):
    """One worker: the calling process. A submitted task runs when :meth:`wait` is called."""

    workers = 1

    def __init__(self) -> None:
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
        outcome = run_task(task, self._objective, self._clock, 0, on_report)
        if listener_error:
            raise listener_error[0]
        return [outcome]
