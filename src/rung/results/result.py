"""What a tuning run produced: trials, jobs, the incumbent and its trajectory.

A :class:`Result` is the one shape of a run's outcome: :meth:`rung.Tuner.run` returns it,
and :func:`rung.results.summary.read_result` rebuilds the same from a store, through the
same code (:class:`rung.results.recorder.RunRecorder`).

The incumbent (``best_value``, ``best_config``) is the best value **measured at the full
resource**: under a multi-fidelity scheduler, a value reached after one epoch by a trial
never trained further is not the winner, however good it looks. The best value at any
resource is kept apart, as :attr:`Result.best_at_any_resource`.

A run with several objectives has no single winner: its result is the Pareto front
(:attr:`Result.pareto_front`), the feasible results at the full resource that no other
beats in every objective. Its incumbent is the feasible result best in the first
objective; a result that violates a constraint is never the incumbent nor on the front.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from rung._frozen import frozen
from rung.results.spec import RunSpec
from rung.types import Direction, JobRecord, Report, TrialStatus

__all__ = ["Incumbent", "OpenJob", "ParetoPoint", "Result", "TrajectoryPoint", "TrialRecord"]

# The columns of Result.to_dataframe() besides the parameters, by kind.
_JOB_COLUMNS = frozenset(
    (
        "job",
        "trial_id",
        "resource_from",
        "resource_to",
        "value",
        "status",
        "start",
        "end",
        "worker",
        "decision",
    )
)
_TRIAL_COLUMNS = frozenset(("trial_id", "status", "resource", "value", "time"))


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
class Incumbent:
    """The best value of a run, where and when it was measured (values in the user's sign).

    Attributes:
        trial_id: Its trial.
        config: Its configuration, without the resource.
        value: The value.
        resource: The resource it was measured at (None for single-fidelity runs).
        job: The index of the job that measured it.
    """

    trial_id: int
    config: Mapping[str, Any]
    value: float
    resource: int | None
    job: int


@frozen
class ParetoPoint:
    """A result on the Pareto front of a run with several objectives (or constraints).

    Attributes:
        trial_id: Its trial.
        config: Its configuration, without the resource.
        values: Each objective's value by name, in the user's sign.
        metrics: Every metric of the report that measured it.
        resource: The resource it was measured at (None for single-fidelity runs).
        job: The index of the job that measured it.
    """

    trial_id: int
    config: Mapping[str, Any]
    values: Mapping[str, float]
    metrics: Mapping[str, float]
    resource: int | None
    job: int


@frozen
class TrajectoryPoint:
    """The incumbents after a job, with the time and the resource spent so far.

    Attributes:
        job: The job's index.
        time: When it ended, seconds since the run began.
        resource: Resource charged by all jobs so far.
        best_value: The best value at the full resource so far (NaN before one).
        best_any_value: The best value at any resource so far (NaN before one).
    """

    job: int
    time: float
    resource: float
    best_value: float
    best_any_value: float = math.nan


@frozen
class OpenJob:
    """A job started and not ended: running now, or cut short if its run stopped.

    Attributes:
        trial_id: Its trial.
        resource_from: Where it started.
        resource_to: Where it ends.
        start: When it started, seconds since the run began.
        last_report: Its latest report, once it has reported.
    """

    trial_id: int
    resource_from: int
    resource_to: int
    start: float
    last_report: Report | None = None


@dataclass(frozen=True)
class Result:
    """The outcome of a run: what :meth:`rung.Tuner.run` returns and a store reads back as.

    ``trials`` and ``trajectory`` are built on first access, so a run pays for them only
    when they are read.

    Attributes:
        spec: What the run was asked to do.
        jobs: Every job, in completion order.
        incumbent: The best value measured at the full resource, or None.
        best_at_any_resource: The best value measured at any resource, or None.
        total_resource: Resource charged by all jobs (see :class:`rung.Budget`).
        wall_time: Seconds the run took (across resumes).
        workers: How many jobs could run at once.
        finished: False for a run read while it goes on, or cut short by a crash.
        stop_reason: Why the run stopped early (a callback's :meth:`~rung.RunState.stop`),
            or None.
        open_jobs: Jobs started and not ended (read from a store).
        final: The final model's figures recorded with the run (the command line's), or None.
        directory: The experiment directory, or None.
        pareto_front: With several objectives or constraints: the non-dominated feasible
            results at the full resource, ordered by the first objective; else empty.
        infeasible: How many results at the full resource violated a constraint.
        non_finite: How many results at the full resource broke no constraint but had a
            NaN or infinite objective (never the best, never on the front).
    """

    spec: RunSpec
    jobs: tuple[JobRecord, ...]
    incumbent: Incumbent | None
    best_at_any_resource: Incumbent | None
    total_resource: float = 0
    wall_time: float = 0.0
    workers: int = 1
    finished: bool = True
    stop_reason: str | None = None
    open_jobs: tuple[OpenJob, ...] = ()
    final: Mapping[str, Any] | None = None
    directory: Path | None = None
    pareto_front: tuple[ParetoPoint, ...] = ()
    infeasible: int = 0
    non_finite: int = 0
    build_trials: Callable[[], tuple[TrialRecord, ...]] = field(
        default=tuple, repr=False, compare=False
    )
    build_trajectory: Callable[[], tuple[TrajectoryPoint, ...]] = field(
        default=tuple, repr=False, compare=False
    )

    @property
    def best_value(self) -> float:
        """The incumbent's value (NaN when no trial was measured at the full resource)."""
        return math.nan if self.incumbent is None else self.incumbent.value

    @property
    def best_config(self) -> Mapping[str, Any] | None:
        """The incumbent's configuration, or None."""
        return None if self.incumbent is None else dict(self.incumbent.config)

    @property
    def best_trial_id(self) -> int | None:
        """The incumbent's trial, or None."""
        return None if self.incumbent is None else self.incumbent.trial_id

    @property
    def direction(self) -> Direction:
        return self.spec.direction

    @cached_property
    def trials(self) -> tuple[TrialRecord, ...]:
        """Every trial, by id."""
        return self.build_trials()

    @cached_property
    def trajectory(self) -> tuple[TrajectoryPoint, ...]:
        """The incumbents after each job, with the time and resource spent so far."""
        return self.build_trajectory()

    @property
    def n_trials(self) -> int:
        return len(self.trials)

    @property
    def n_jobs(self) -> int:
        return len(self.jobs)

    @property
    def n_failed_jobs(self) -> int:
        return sum(job.failed for job in self.jobs)

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

    def to_dataframe(self, kind: str = "jobs", param_prefix: str | None = None) -> Any:
        """The jobs (or ``kind="trials"``, one row per report) as a pandas DataFrame.

        Columns: ``job``, ``trial_id``, the parameters, ``resource_from``,
        ``resource_to``, ``value``, ``status``, ``start``, ``end``, ``worker`` and
        ``decision`` for jobs; ``trial_id``, the parameters, ``status``, ``resource``,
        ``value`` and ``time`` for trials. Parameters are columns of their own names,
        or of ``param_prefix`` and their names (``param_prefix="params_"`` names them
        as Optuna's ``trials_dataframe`` does). A parameter named as one of the other
        columns (a parameter ``value``, say) is not overwritten by it nor renamed
        behind the caller's back: the call is refused, naming the prefix to give.

        Args:
            kind: ``"jobs"`` or ``"trials"``.
            param_prefix: A prefix for the parameters' columns, or None for none.

        Raises:
            ImportError: pandas is not installed.
            ConfigError: unknown ``kind``, or a parameter's column is another column's.
        """
        from rung._checks import OneOf, Text, check
        from rung.errors import ConfigError

        check("Result.to_dataframe()", "kind", kind, OneOf(("jobs", "trials")))
        check("Result.to_dataframe()", "param_prefix", param_prefix, Text(nullable=True))
        try:
            import pandas as pd
        except ImportError as err:
            raise ImportError("Result.to_dataframe() needs pandas: pip install pandas") from err
        prefix = param_prefix or ""
        columns = _JOB_COLUMNS if kind == "jobs" else _TRIAL_COLUMNS
        names = {name for t in self.trials for name in t.config}
        clashes = sorted(name for name in names if prefix + name in columns)
        if clashes:
            name = clashes[0]
            raise ConfigError(
                f"Result.to_dataframe(): the parameter {name!r} would be the column "
                f"{prefix + name!r}, which the {kind} already have: pass a param_prefix "
                f"that sets the parameters apart (param_prefix='params_' makes it "
                f"'params_{name}'); got param_prefix={param_prefix!r}."
            )

        def params(config: Mapping[str, Any]) -> dict[str, Any]:
            return {prefix + name: value for name, value in config.items()}

        if kind == "jobs":
            rows = [
                {
                    "job": j.index,
                    "trial_id": j.trial_id,
                    **params(j.config),
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
        else:
            rows = [
                {
                    "trial_id": t.trial_id,
                    **params(t.config),
                    "status": t.status.name,
                    "resource": r.resource,
                    "value": r.value,
                    "time": r.time,
                }
                for t in self.trials
                for r in t.reports
            ]
        return pd.DataFrame(rows)

    def __repr__(self) -> str:
        best = "none" if math.isnan(self.best_value) else f"{self.best_value:.6g}"
        return (
            f"Result(best_value={best}, "
            f"best_config={None if self.best_config is None else dict(self.best_config)}, "
            f"trials={self.n_trials}, jobs={self.n_jobs}, wall_time={self.wall_time:.2f}s)"
        )
