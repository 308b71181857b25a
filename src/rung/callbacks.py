"""Callbacks: code of the user's that hears a run as it goes, through named hooks.

Subclass :class:`Callback` and override the hooks you need; the others do nothing::

    class StopAtTarget(rung.Callback):
        def on_job_end(self, job, run):
            if run.best_value < 0.05:
                run.stop("reached the target")

A callback hears the jobs of the whole run: after a resume, :meth:`Callback.on_run_start`
sees what the record already holds (``run.n_trials``, ``run.best_value``) before the first
new job. :meth:`RunState.stop` ends the run cleanly: no job starts after it, running
iterative jobs stop at their next report (resumable from their checkpoint, as when a time
budget runs out), everything is recorded, and :meth:`~rung.Tuner.run` returns the
:class:`~rung.Result` with its ``stop_reason``. Model: Syne Tune's ``TunerCallback``
(named no-op hooks) and its stopping criteria.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from rung.types import Job, JobRecord, Report

if TYPE_CHECKING:  # only for annotations: results sit above this module
    from rung.results.result import Result

__all__ = ["Callback", "RunState"]


class RunState:
    """What a callback sees of the run while it goes on (read-only, but for :meth:`stop`).

    Attributes:
        best_value: The incumbent's value: the best measured at the full resource (NaN
            before one is).
        best_config: Its configuration, or None.
        n_trials: Trials started so far (in the whole run, resumes included).
        n_jobs: Jobs ended so far.
        resource_spent: Resource charged so far (see :class:`rung.Budget`).
        elapsed: Seconds the run has gone on (across resumes).
        stop_reason: Why :meth:`stop` was called, or None.
    """

    def __init__(self) -> None:
        self.best_value = math.nan
        self.best_config: Mapping[str, Any] | None = None
        self.n_trials = 0
        self.n_jobs = 0
        self.resource_spent = 0.0
        self.elapsed = 0.0
        self.stop_reason: str | None = None

    def stop(self, reason: str = "stopped by a callback") -> None:
        """Ends the run once the hook returns; what ran so far is kept (see the module)."""
        if self.stop_reason is None:
            self.stop_reason = str(reason)

    @property
    def stopping(self) -> bool:
        return self.stop_reason is not None

    def __repr__(self) -> str:
        return (
            f"RunState(best_value={self.best_value:.6g}, n_trials={self.n_trials}, "
            f"n_jobs={self.n_jobs}, elapsed={self.elapsed:.1f})"
        )


class Callback:
    """Base class of callbacks: each hook does nothing unless overridden."""

    def on_run_start(self, run: RunState) -> None:
        """The run starts (or resumes, with the recorded jobs already counted in ``run``)."""

    def on_job_end(self, job: JobRecord, run: RunState) -> None:
        """A job ended (completed, failed or interrupted) and was recorded; ``job.reports``
        holds every value it reported, the one that ended it included."""

    def on_report(self, job: Job, report: Report) -> None:
        """A running job reported a value and goes on (from executors that send reports
        as they come: inline, processes, Dask): the job's progress.

        The report that ends the job is not heard here but with the job's end, in
        :meth:`on_job_end`'s ``job.reports`` (as are all the others): the report at the
        job's ``resource_to`` (or at its rung, where the trial pauses), the report after
        which the time budget interrupted the job, and the value an objective returns
        (a single-fidelity objective's only one). A curve drawn from every value reads
        ``job.reports`` in :meth:`on_job_end`; this hook says how far running jobs are.
        """

    def on_run_end(self, result: Result) -> None:
        """The run ended (its budget, its schedule, a stop, or an error after the record
        was closed); ``result`` is what :meth:`rung.Tuner.run` returns."""
