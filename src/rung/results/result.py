"""What a tuning run produced: trials, jobs, the incumbent and its trajectory."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from rung._frozen import frozen
from rung.types import Decision, Direction, JobStatus, Report, TrialStatus

__all__ = ["JobRecord", "Result", "TrajectoryPoint", "TrialRecord"]


@frozen
class JobRecord:
    """One job as it ran. Values are in the user's direction (not negated).

    Attributes:
        index: The job's position in completion order (0, 1, ...).
        trial_id: Its trial.
        config: The trial's configuration (without the resource).
        resource_from: The resource the trial had when the job started.
        resource_to: The resource the job was scheduled to reach.
        value: The metric at the end of the job (NaN if it failed).
        status: How it ended.
        start: Seconds since the run began.
        end: Seconds since the run began.
        worker: The worker that ran it.
        decision: What the scheduler decided for the trial afterwards (None if interrupted).
        error: The traceback of a failed job.
        reports: Every value the job reported (its learning curve), in order.
    """

    index: int
    trial_id: int
    config: Mapping[str, Any]
    resource_from: int
    resource_to: int
    value: float
    status: JobStatus
    start: float
    end: float
    worker: int = 0
    decision: Decision | None = None
    error: str | None = field(default=None, repr=False)
    reports: tuple[Report, ...] = field(default=(), repr=False)


@frozen
class TrialRecord:
    """One trial: its configuration, status and every value it reported."""

    trial_id: int
    config: Mapping[str, Any]
    status: TrialStatus
    reports: tuple[Report, ...]
    error: str | None = field(default=None, repr=False)

    @property
    def resource(self) -> int:
        """The highest resource the trial reached."""
        return self.reports[-1].resource if self.reports else 0


@frozen
class TrajectoryPoint:
    """The incumbent after a job: its value, the time and the resource spent so far."""

    job: int
    time: float
    resource: int
    best_value: float


@dataclass(frozen=True)
class Result:
    """The outcome of :meth:`rung.Tuner.run`.

    ``trials`` and ``trajectory`` are built on first access, so a run pays for them only
    when they are read.

    Attributes:
        best_value: The best value reported at the end of any job (the incumbent rule of
            the seed notebook), NaN when no job completed.
        best_config: Its configuration, without the resource.
        best_trial_id: Its trial, or None.
        jobs: Every job, in completion order.
        direction: Whether values were minimized or maximized.
        wall_time: Seconds the run took.
        workers: How many jobs could run at once.
        trials: Every trial, by id.
        trajectory: The best value after each job.
    """

    best_value: float
    best_config: Mapping[str, Any] | None
    best_trial_id: int | None
    jobs: tuple[JobRecord, ...]
    direction: Direction = Direction.MIN
    wall_time: float = 0.0
    workers: int = 1
    build_trials: Callable[[], tuple[TrialRecord, ...]] = field(
        default=tuple, repr=False, compare=False
    )
    build_trajectory: Callable[[], tuple[TrajectoryPoint, ...]] = field(
        default=tuple, repr=False, compare=False
    )

    @cached_property
    def trials(self) -> tuple[TrialRecord, ...]:
        """Every trial, by id."""
        return self.build_trials()

    @cached_property
    def trajectory(self) -> tuple[TrajectoryPoint, ...]:
        """The incumbent after each job, with the time and resource spent so far."""
        return self.build_trajectory()

    @property
    def n_trials(self) -> int:
        return len(self.trials)

    @property
    def n_jobs(self) -> int:
        return len(self.jobs)

    @property
    def total_resource(self) -> int:
        """The resource spent by all jobs (the trajectory's last cumulative resource)."""
        return self.trajectory[-1].resource if self.trajectory else 0

    def busy_time(self) -> dict[int, float]:
        """Seconds each worker spent running jobs, by worker id."""
        busy = dict.fromkeys(range(self.workers), 0.0)
        for job in self.jobs:
            busy[job.worker] = busy.get(job.worker, 0.0) + max(0.0, job.end - job.start)
        return busy

    @property
    def utilization(self) -> float:
        """Busy time over ``workers x wall_time``: 1.0 when no worker was ever idle."""
        if self.wall_time <= 0:
            return math.nan
        return sum(self.busy_time().values()) / (self.workers * self.wall_time)

    def rung_counts(self) -> dict[int, int]:
        """How many jobs ended at each resource level."""
        counts: dict[int, int] = {}
        for job in self.jobs:
            counts[job.resource_to] = counts.get(job.resource_to, 0) + 1
        return dict(sorted(counts.items()))

    def to_dataframe(self, kind: str = "jobs") -> Any:
        """The jobs (or ``kind="trials"``, one row per report) as a pandas DataFrame.

        Raises:
            ImportError: pandas is not installed.
            ValueError: unknown ``kind``.
        """
        try:
            import pandas as pd
        except ImportError as err:
            raise ImportError("Result.to_dataframe() needs pandas: pip install pandas") from err
        if kind == "jobs":
            rows = [
                {
                    "job": j.index,
                    "trial_id": j.trial_id,
                    **dict(j.config),
                    "resource_from": j.resource_from,
                    "resource_to": j.resource_to,
                    "value": j.value,
                    "status": j.status.name,
                    "start": j.start,
                    "end": j.end,
                    "worker": j.worker,
                    "decision": j.decision.name if j.decision else None,
                }
                for j in self.jobs
            ]
        elif kind == "trials":
            rows = [
                {
                    "trial_id": t.trial_id,
                    **dict(t.config),
                    "status": t.status.name,
                    "resource": r.resource,
                    "value": r.value,
                    "time": r.time,
                }
                for t in self.trials
                for r in t.reports
            ]
        else:
            raise ValueError(f"The 'kind' parameter must be 'jobs' or 'trials'; got {kind!r}.")
        return pd.DataFrame(rows)

    def __repr__(self) -> str:
        best = "none" if math.isnan(self.best_value) else f"{self.best_value:.6g}"
        return (
            f"Result(best_value={best}, best_config={dict(self.best_config or {})}, "
            f"trials={self.n_trials}, jobs={self.n_jobs}, wall_time={self.wall_time:.2f}s)"
        )
