"""The one path from a run's jobs to its :class:`~rung.results.result.Result`.

A :class:`RunRecorder` folds jobs as they end (and trials a barrier stopped) into trials,
incumbents and the trajectory. A live run feeds it each job it records; reading a store
(:mod:`rung.results.summary`) feeds it each recorded job, in the same order: one
computation, so a run and its record cannot disagree.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from rung.results.front import ParetoFront
from rung.results.result import Incumbent, OpenJob, Result, TrajectoryPoint, TrialRecord
from rung.results.spec import ObjectiveForm, RunSpec
from rung.types import Decision, JobRecord, JobStatus, Report, TrialStatus

__all__ = ["RunRecorder"]

_AFTER = {
    Decision.PAUSE: TrialStatus.PAUSED,
    Decision.COMPLETE: TrialStatus.COMPLETED,
    Decision.STOP: TrialStatus.STOPPED,
    Decision.CONTINUE: TrialStatus.RUNNING,
}


class RunRecorder:
    """Collects a run's records as its jobs end.

    Args:
        spec: The run's spec: its direction (recorded values keep the user's sign, the
            incumbent is chosen on the minimized value), objective form (``f(config)``
            retrains from scratch, so a promoted job costs ``resource_to``, not
            ``resource_to - resource_from``) and full resource; with several objectives
            or constraints, its goals: infeasible results are never the incumbent, and
            the feasible ones at the full resource make the Pareto front.
    """

    def __init__(self, spec: RunSpec) -> None:
        self.spec = spec
        self._sign = spec.direction.sign()
        self._scratch = spec.objective_form is ObjectiveForm.FUNCTION
        self._full = spec.max_resource
        self._configs: dict[int, Mapping[str, Any]] = {}
        self._status: dict[int, TrialStatus] = {}
        self._reports: dict[int, list[Report]] = {}
        self._errors: dict[int, str] = {}
        self.jobs: list[JobRecord] = []
        self._trajectory: list[tuple[float, float, int | None, int | None]] = []
        self.resource_spent: float = 0
        self._best: int | None = None  # index of the incumbent's job (full resource)
        self._best_any: int | None = None  # index of the best job at any resource
        self.n_failed_trials = 0
        self._non_finite = 0  # runs of one plain value (the front counts for the others)
        goals = spec.goals
        self._front = None if goals is None else ParetoFront(goals, spec.max_resource)

    # -- folding ---------------------------------------------------------------------------

    def job_started(self, trial_id: int, config: Mapping[str, Any]) -> None:
        """A job of ``trial_id`` started (its first one brings the configuration)."""
        if trial_id not in self._configs:
            self._configs[trial_id] = config
            self._reports[trial_id] = []
        self._status[trial_id] = TrialStatus.RUNNING

    def job_ended(self, record: JobRecord, again: bool = False) -> None:
        """Records a job that ended, with the scheduler's decision for its trial.

        ``again``: the job runs again (interrupted by the time budget, or failed and
        retried), so no decision was made and the trial waits, resumable.
        """
        # Hot path (every job): enums are compared with `is`, as hashing them runs Python code.
        tid = record.trial_id
        if tid not in self._configs:  # read from a record whose start was not seen
            self.job_started(tid, record.config)
        elif record.config is not self._configs[tid]:  # a define-by-run objective's own
            self._configs[tid] = record.config
        failed = record.status is JobStatus.FAILED
        if failed:
            self._errors[tid] = record.error or ""
        else:  # a retried failure's reports are redone from the checkpoint: not the trial's
            self._reports[tid].extend(record.reports)
        if again:
            status = TrialStatus.PAUSED
        elif failed:
            status = TrialStatus.FAILED
            self.n_failed_trials += 1
        else:
            status = _AFTER[record.decision] if record.decision is not None else TrialStatus.PAUSED
        self._status[tid] = status
        reached = record.reports[-1].resource if record.reports else record.resource_from
        spent = reached - (0 if self._scratch else record.resource_from) + record.retrained
        if spent > 0:
            self.resource_spent += spent
        self.jobs.append(record)
        completed = record.status is JobStatus.COMPLETED
        at_full = self._full is None or reached >= self._full
        usable = completed and math.isfinite(record.value)
        if completed and self._front is not None:  # it counts every result, usable or not
            # with constraints, only feasible results can be the incumbent
            usable = self._front.add(record, at_full) and usable
        elif completed and at_full and not usable and record.decision is not Decision.STOP:
            self._non_finite += 1  # a pruned trial's missing value is not a result
        if usable:
            minimized = self._sign * record.value
            index = len(self.jobs) - 1
            if self._best_any is None or minimized < self._minimized(self._best_any):
                self._best_any = index
            if not at_full:
                pass
            elif self._front is not None:  # the front's member best in the first objective
                self._best = best = self._front.best_job
                if best is not None and self._minimized(best) <= self._minimized(self._best_any):
                    self._best_any = best  # of equals, the one on the front
            elif self._best is None or minimized < self._minimized(self._best):
                self._best = index
                if minimized <= self._minimized(self._best_any):
                    self._best_any = index  # of equals, the incumbent
        self._trajectory.append((record.end, self.resource_spent, self._best, self._best_any))

    def trial_stopped(self, trial_id: int) -> None:
        """A paused trial that the scheduler has ended for good (left out at a barrier)."""
        if self._status.get(trial_id) is TrialStatus.PAUSED:
            self._status[trial_id] = TrialStatus.STOPPED

    # -- reading -------------------------------------------------------------------------

    def _minimized(self, index: int) -> float:
        return self._sign * self.jobs[index].value

    def _incumbent(self, index: int | None) -> Incumbent | None:
        if index is None:
            return None
        job = self.jobs[index]
        resource = job.reached if self._full is not None else None
        return Incumbent(job.trial_id, job.config, job.value, resource, job.index)

    @property
    def best_value(self) -> float:
        """The incumbent's value in the user's sign (NaN before one at the full resource)."""
        return math.nan if self._best is None else self.jobs[self._best].value

    @property
    def best_trial_id(self) -> int | None:
        """The incumbent's trial, or None."""
        return None if self._best is None else self.jobs[self._best].trial_id

    @property
    def front_trials(self) -> frozenset[int]:
        """The trials on the Pareto front (empty for a run of one objective)."""
        return frozenset() if self._front is None else self._front.trials

    @property
    def best_config(self) -> Mapping[str, Any] | None:
        return None if self._best is None else self.jobs[self._best].config

    @property
    def n_trials(self) -> int:
        return len(self._configs)

    @property
    def n_jobs(self) -> int:
        return len(self.jobs)

    def status(self, trial_id: int) -> TrialStatus | None:
        return self._status.get(trial_id)

    def result(
        self,
        wall_time: float,
        workers: int = 1,
        *,
        finished: bool = True,
        stop_reason: str | None = None,
        open_jobs: tuple[OpenJob, ...] = (),
        final: Mapping[str, Any] | None = None,
        directory: Path | None = None,
    ) -> Result:
        """The run's Result as it stands (trials and trajectory built on demand)."""
        configs, status = dict(self._configs), dict(self._status)
        reports = {tid: tuple(r) for tid, r in self._reports.items()}
        errors = dict(self._errors)
        points = list(self._trajectory)
        jobs = tuple(self.jobs)
        front = self._front

        def build_trials() -> tuple[TrialRecord, ...]:
            return tuple(
                TrialRecord(tid, configs[tid], status[tid], reports[tid], errors.get(tid))
                for tid in sorted(configs)
            )

        def value(index: int | None) -> float:
            return math.nan if index is None else jobs[index].value

        def build_trajectory() -> tuple[TrajectoryPoint, ...]:
            return tuple(
                TrajectoryPoint(i, time, resource, value(best), value(best_any))
                for i, (time, resource, best, best_any) in enumerate(points)
            )

        return Result(
            spec=self.spec,
            jobs=jobs,
            incumbent=self._incumbent(self._best),
            best_at_any_resource=self._incumbent(self._best_any),
            total_resource=self.resource_spent,
            wall_time=wall_time,
            workers=workers,
            finished=finished,
            stop_reason=stop_reason,
            open_jobs=open_jobs,
            final=final,
            directory=directory,
            pareto_front=() if front is None else front.points(jobs),
            infeasible=0 if front is None else front.n_infeasible,
            non_finite=self._non_finite if front is None else front.n_non_finite,
            build_trials=build_trials,
            build_trajectory=build_trajectory,
        )
