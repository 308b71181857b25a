"""The executor boundary: the tuner submits tasks, executors hand back outcomes.

An executor runs jobs on workers (in-process, local processes, a cluster) and knows
nothing of schedulers or searchers; everything crossing the boundary is a frozen
dataclass, so it can travel between processes.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from typing import Any

from rung.errors import ConfigError
from rung.task import Outcome, Task
from rung.types import Job, Report

__all__ = ["Executor", "ReportListener"]

#: Hears a running job's report (and the checkpoint that travelled with it, or None).
ReportListener = Callable[[Job, Report, Any], None]


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

    def take_workers(self, workers: int) -> None:
        """Runs ``workers`` jobs at once, as asked beside the executor (``rung.tune``'s
        ``workers=``); an executor with a count of its own keeps it.

        Raises:
            ConfigError: ``workers`` contradicts the executor's own count.
        """
        if workers != self.workers:
            raise ConfigError(
                f"The 'workers' parameter ({workers}) contradicts the executor's own "
                f"({self.workers}); give one of them."
            )

    def release(self, trial_ids: list[int]) -> None:  # noqa: B027 - optional hook
        """Ends the paused calls of ``trial_ids`` (stopped or finished trials), if any.

        The tuner calls it when the scheduler ends a trial; executors that keep paused
        calls free their memory, others have nothing to do.
        """

    def close(self) -> None:  # noqa: B027 - optional hook: in-process executors hold nothing
        """Releases the workers."""
