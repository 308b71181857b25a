"""In-memory bookkeeping of a run: trials, jobs, checkpoints, the incumbent.

The tuner hands every outcome to a :class:`RunRecorder`; :meth:`RunRecorder.result`
freezes what it holds into a :class:`~rung.results.result.Result`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from rung.executors.base import Outcome
from rung.results.result import JobRecord, Result, TrajectoryPoint, TrialRecord
from rung.types import Decision, Direction, JobStatus, Report, TrialStatus

__all__ = ["RunRecorder"]


def _status_after(decision: Decision) -> TrialStatus:
    """The status a scheduler's decision leaves its trial in."""
    if decision is Decision.PAUSE:
        return TrialStatus.PAUSED
    if decision is Decision.COMPLETE:
        return TrialStatus.COMPLETED
    if decision is Decision.STOP:
        return TrialStatus.STOPPED
    return TrialStatus.RUNNING  # CONTINUE


class RunRecorder:
    """Collects a run's records as jobs finish.

    Args:
        direction: The user's direction; recorded values stay in the user's sign, the
            incumbent is chosen on the minimized (sign-flipped) value.
        retrains_from_scratch: True for ``f(config)`` objectives, whose promoted jobs train
            from zero again: they cost ``resource_to``, not ``resource_to - resource_from``.
    """

    def __init__(self, direction: Direction, retrains_from_scratch: bool) -> None:
        self.direction = direction
        self._sign = direction.sign()
        self._scratch = retrains_from_scratch
        self._configs: dict[int, Mapping[str, Any]] = {}
        self._status: dict[int, TrialStatus] = {}
        self._reports: dict[int, list[Report]] = {}
        self._errors: dict[int, str] = {}
        self._checkpoint_at: dict[int, int] = {}  # trial -> resource of its newest checkpoint
        self.jobs: list[JobRecord] = []
        self._trajectory: list[tuple[float, int, tuple[float, int] | None]] = []
        self._resource = 0
        self._best: tuple[float, int] | None = None  # (minimized value, trial id)

    def job_started(self, trial_id: int, config: Mapping[str, Any]) -> None:
        if trial_id not in self._configs:
            self._configs[trial_id] = dict(config)
            self._reports[trial_id] = []
        self._status[trial_id] = TrialStatus.RUNNING

    def job_finished(
        self, outcome: Outcome, decision: Decision | None, again: bool = False
    ) -> JobRecord:
        """Records a finished job and the scheduler's decision for its trial.

        ``again``: the job runs again (interrupted by the time budget, or failed and
        retried), so the scheduler made no decision and the trial waits, resumable.
        """
        # Hot path (every job): enums are compared with `is`, as hashing them runs Python code.
        job = outcome.job
        tid = job.trial_id
        failed = outcome.status is JobStatus.FAILED
        if failed:
            self._errors[tid] = outcome.error or ""
        else:  # a retried failure's reports are redone from the checkpoint: not the trial's
            self._reports[tid].extend(outcome.reports)
        if again:  # resumable from its checkpoint
            status = TrialStatus.PAUSED
        elif failed:
            status = TrialStatus.FAILED
        else:
            status = _status_after(decision)  # type: ignore[arg-type]
        self._status[tid] = status
        if status is TrialStatus.PAUSED or status is TrialStatus.RUNNING:
            if outcome.checkpoint is not None and not failed:
                self._checkpoint_at[tid] = outcome.resource
        elif self._checkpoint_at:
            self._checkpoint_at.pop(tid, None)

        spent_from = 0 if self._scratch else job.resource_from
        spent = outcome.resource - spent_from
        if spent > 0:
            self._resource += spent
        minimized = self._sign * outcome.value
        if (
            outcome.status is JobStatus.COMPLETED
            and (self._best is None or minimized < self._best[0])
            and math.isfinite(minimized)
        ):
            self._best = (minimized, tid)
        record = JobRecord(
            len(self.jobs),
            tid,
            job.config,
            job.resource_from,
            job.resource_to,
            outcome.value,
            outcome.status,
            outcome.start,
            outcome.end,
            outcome.worker,
            decision,
            outcome.error,
            outcome.reports,
        )
        self.jobs.append(record)
        self._trajectory.append((outcome.end, self._resource, self._best))
        return record

    def trial_stopped(self, trial_id: int) -> None:
        """A paused trial that the scheduler has ended for good (left out at a barrier)."""
        if self._status.get(trial_id) is TrialStatus.PAUSED:
            self._status[trial_id] = TrialStatus.STOPPED
            self._checkpoint_at.pop(trial_id, None)

    def trial_finished(self, trial_id: int) -> bool:
        """True once the trial completed, stopped or failed: its checkpoint can go."""
        status = self._status.get(trial_id)
        return status is not None and status.is_finished()

    def checkpoint_resource(self, trial_id: int) -> int | None:
        """The resource of the trial's newest checkpoint, or None."""
        return self._checkpoint_at.get(trial_id)

    @property
    def best_value(self) -> float:
        """The incumbent's value in the user's sign (NaN before any job completed)."""
        return self._user_value(self._best)

    def _user_value(self, best: tuple[float, int] | None) -> float:
        return math.nan if best is None else self._sign * best[0]

    @property
    def n_failed_trials(self) -> int:
        return sum(s is TrialStatus.FAILED for s in self._status.values())

    def result(self, wall_time: float, workers: int = 1) -> Result:
        """The run's Result, built once the run is over (trials and trajectory on demand)."""
        best_tid = None if self._best is None else self._best[1]

        def build_trials() -> tuple[TrialRecord, ...]:
            return tuple(
                TrialRecord(
                    tid,
                    self._configs[tid],
                    self._status[tid],
                    tuple(self._reports[tid]),
                    self._errors.get(tid),
                )
                for tid in sorted(self._configs)
            )

        def build_trajectory() -> tuple[TrajectoryPoint, ...]:
            return tuple(
                TrajectoryPoint(i, time, resource, self._user_value(best))
                for i, (time, resource, best) in enumerate(self._trajectory)
            )

        return Result(
            best_value=self.best_value,
            best_config=None if best_tid is None else dict(self._configs[best_tid]),
            best_trial_id=best_tid,
            jobs=tuple(self.jobs),
            direction=self.direction,
            wall_time=wall_time,
            workers=workers,
            build_trials=build_trials,
            build_trajectory=build_trajectory,
        )
