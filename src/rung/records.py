"""In-memory bookkeeping of a run: trials, jobs, checkpoints, the incumbent.

The tuner hands every outcome to a :class:`RunRecorder`; :meth:`RunRecorder.result`
freezes what it holds into a :class:`~rung.result.Result`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from rung.executors.base import Outcome
from rung.result import JobRecord, Result, TrajectoryPoint, TrialRecord
from rung.types import Decision, Direction, JobStatus, Report, TrialStatus

__all__ = ["RunRecorder"]

_STATUS_AFTER = {
    Decision.CONTINUE: TrialStatus.RUNNING,
    Decision.PAUSE: TrialStatus.PAUSED,
    Decision.STOP: TrialStatus.STOPPED,
    Decision.COMPLETE: TrialStatus.COMPLETED,
}


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
        self._scratch = retrains_from_scratch
        self._configs: dict[int, Mapping[str, Any]] = {}
        self._status: dict[int, TrialStatus] = {}
        self._reports: dict[int, list[Report]] = {}
        self._errors: dict[int, str] = {}
        self.checkpoints: dict[int, Any] = {}
        self.jobs: list[JobRecord] = []
        self.trajectory: list[TrajectoryPoint] = []
        self._resource = 0
        self._best: tuple[float, int] | None = None  # (minimized value, trial id)

    def job_started(self, trial_id: int, config: Mapping[str, Any]) -> None:
        if trial_id not in self._configs:
            self._configs[trial_id] = dict(config)
            self._reports[trial_id] = []
        self._status[trial_id] = TrialStatus.RUNNING

    def job_finished(self, outcome: Outcome, decision: Decision | None) -> JobRecord:
        """Records a finished job and the scheduler's decision for its trial."""
        job = outcome.job
        tid = job.trial_id
        self._reports[tid].extend(outcome.reports)
        if outcome.status is JobStatus.FAILED:
            self._status[tid] = TrialStatus.FAILED
            self._errors[tid] = outcome.error or ""
        elif decision is None:  # interrupted by the time budget: resumable from its checkpoint
            self._status[tid] = TrialStatus.PAUSED
        else:
            self._status[tid] = _STATUS_AFTER[decision]
        if outcome.checkpoint is not None:
            self.checkpoints[tid] = outcome.checkpoint
        if self._status[tid].is_finished():
            self.checkpoints.pop(tid, None)

        spent_from = 0 if self._scratch else job.resource_from
        self._resource += max(outcome.resource - spent_from, 0)
        minimized = self.direction.sign() * outcome.value
        if outcome.status is JobStatus.COMPLETED and math.isfinite(minimized) and (
            self._best is None or minimized < self._best[0]
        ):
            self._best = (minimized, tid)
        record = JobRecord(
            index=len(self.jobs), trial_id=tid, config=job.config,
            resource_from=job.resource_from, resource_to=job.resource_to, value=outcome.value,
            status=outcome.status, start=outcome.start, end=outcome.end, worker=outcome.worker,
            decision=decision, error=outcome.error,
        )
        self.jobs.append(record)
        self.trajectory.append(
            TrajectoryPoint(record.index, outcome.end, self._resource, self.best_value)
        )
        return record

    @property
    def best_value(self) -> float:
        """The incumbent's value in the user's sign (NaN before any job completed)."""
        return math.nan if self._best is None else self.direction.sign() * self._best[0]

    @property
    def n_failed_trials(self) -> int:
        return sum(s is TrialStatus.FAILED for s in self._status.values())

    def result(self, wall_time: float) -> Result:
        best_tid = None if self._best is None else self._best[1]
        trials = tuple(
            TrialRecord(tid, self._configs[tid], self._status[tid], tuple(self._reports[tid]),
                        self._errors.get(tid))
            for tid in sorted(self._configs)
        )
        return Result(
            best_value=self.best_value,
            best_config=None if best_tid is None else dict(self._configs[best_tid]),
            best_trial_id=best_tid,
            trials=trials,
            jobs=tuple(self.jobs),
            trajectory=tuple(self.trajectory),
            direction=self.direction,
            wall_time=wall_time,
        )
