"""The executor boundary: the tuner submits tasks, executors hand back outcomes.

An executor runs jobs on workers (in-process, local processes, a cluster) and knows
nothing of schedulers or searchers; everything crossing the boundary is a frozen
dataclass, so it can travel between processes.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from collections.abc import Callable
from typing import Any

from rung._frozen import frozen
from rung.types import Job, JobStatus, Report

__all__ = ["Executor", "Outcome", "ReportListener", "Task"]

#: Hears a running job's report (and the checkpoint that travelled with it, or None).
ReportListener = Callable[[Job, Report, Any], None]


@frozen
class Task:
    """A job with everything a worker needs to run it.

    Attributes:
        job: What to run.
        seed: The trial's seed.
        checkpoint: State the trial paused with, or None.
        iterative: True for ``f(config, trial)`` objectives.
        resource_name: Config key carrying the resource for ``f(config)`` objectives, or
            None for single-fidelity runs.
        deadline: Clock time after which an iterative job stops at its next report.
        timeout: Seconds a job may run before it fails (None: no limit). Iterative jobs
            fail at their first report past it; executors that can (processes) end a job
            that does not report in time.
        metric: The metric tuned when the objective reports a mapping of metrics (None:
            it reports one number, or a mapping of one).
        checkpoint_every_s: A running job's checkpoint travels with its report (so a
            crash or Ctrl-C loses at most this much of its work) at most this often, in
            seconds; None: only with the job's outcome.
    """

    job: Job
    seed: int
    checkpoint: Any = None
    iterative: bool = False
    resource_name: str | None = None
    deadline: float | None = None
    timeout: float | None = None
    metric: str | None = None
    checkpoint_every_s: float | None = None


@frozen
class Outcome:
    """How a job ended.

    Attributes:
        job: The job.
        status: COMPLETED, FAILED or INTERRUPTED.
        reports: Every value the job reported, in order (times in seconds since the run began).
        value: The last reported value (NaN if the job failed).
        resource: The resource the job reached.
        checkpoint: The newest checkpoint the job passed, or None.
        error: The traceback of a failed job.
        start: When the job started, seconds since the run began.
        end: When it ended.
        worker: The worker that ran it.
    """

    job: Job
    status: JobStatus
    reports: tuple[Report, ...]
    value: float
    resource: int
    checkpoint: Any
    error: str | None
    start: float
    end: float
    worker: int = 0

    @classmethod
    def failed(cls, job: Job, error: str, start: float, end: float, worker: int = 0) -> Outcome:
        """A job that failed before reporting anything (``error``: its traceback or reason)."""
        return cls(
            job, JobStatus.FAILED, (), math.nan, job.resource_from, None, error, start, end, worker
        )


class Executor(ABC):
    """Runs tasks on workers.

    Attributes:
        workers: How many tasks may run at once.
        clock: The executor's own clock (seconds), for executors that keep their own time
            (simulation); the tuner then measures the run with it. None: real time.
    """

    workers: int = 1
    clock: Callable[[], float] | None = None

    @abstractmethod
    def start(
        self,
        objective: Callable[..., Any],
        clock: Callable[[], float],
        reports: ReportListener | None = None,
    ) -> None:
        """Prepares the workers to run ``objective``.

        Args:
            objective: The user's function.
            clock: Seconds since the run started.
            reports: Hears the reports of running jobs (None: nobody listens). Executors
                that can (inline, processes, Dask) call ``reports(job, report, checkpoint)``
                (the job's checkpoint as a :class:`~rung.codec.Blob` when it travelled with
                the report, see :attr:`Task.checkpoint_every_s`; else None) with each
                report of a running job that goes on after it, in the tuner's thread,
                during :meth:`wait` and before the job's outcome; the outcome still
                carries every report. Dask drops a report that arrives after its job's
                outcome; the simulated executor hands reports over with the outcome only.
                An exception it raises is raised from :meth:`wait`.
        """

    @abstractmethod
    def submit(self, task: Task) -> None:
        """Queues a task; at most ``workers`` are outstanding at once."""

    @abstractmethod
    def wait(self) -> list[Outcome]:
        """Blocks until at least one submitted task ends and returns the outcomes."""

    def close(self) -> None:  # noqa: B027 - optional hook: in-process executors hold nothing
        """Releases the workers."""
