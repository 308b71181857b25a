"""One run's moving parts: what is running, what runs again, and how each outcome lands.

:class:`RunLoop` is the state the tuner's loop and the replay of a recorded run (see
:mod:`rung.run.replay`) share: both hand outcomes to :meth:`RunLoop.finish`, so a resumed
run's scheduler, searcher and records go through exactly the calls of the original.

A job can be run again without asking the scheduler: after a failure that is retried
(``max_retries``), after the time budget interrupted it, and after a crash that killed
it. Such a job continues from the trial's newest checkpoint, but the scheduler is told of
its result as of the job it issued (:attr:`RunLoop.issued`).
"""

from __future__ import annotations

import dataclasses
import logging
import math
import traceback
from collections import deque
from collections.abc import Sequence
from typing import Any

from rung._random import SeedDeriver
from rung.codec import Blob, CheckpointError, encode
from rung.executors.base import Outcome, Task
from rung.results.recorder import RunRecorder
from rung.results.result import JobRecord
from rung.schedulers.base import Scheduler
from rung.types import Decision, Direction, Job, JobStatus, Report

__all__ = ["RunLoop"]

logger = logging.getLogger(__name__)


class RunLoop:
    """The mutable state of a run.

    Args:
        scheduler: Decides what runs.
        direction: The user's direction (the scheduler always minimizes).
        seed: The tuner's seed, from which every trial's seed derives.
        iterative: True for ``f(config, trial)`` objectives.
        resource_name: Config key for the resource of ``f(config)`` objectives, or None.
        max_retries: How often a failed job is run again before its trial fails.
        store: Where the run is recorded (an ``ExperimentStore``), or None.
        timeout: Seconds a job may run before it fails, or None.
    """

    def __init__(
        self,
        scheduler: Scheduler,
        direction: Direction,
        seed: int,
        iterative: bool,
        resource_name: str | None,
        max_retries: int,
        store: Any = None,
        timeout: float | None = None,
    ) -> None:
        self.scheduler = scheduler
        self.sign = direction.sign()
        self.iterative = iterative
        self.resource_name = resource_name
        self.max_retries = max_retries
        self.store = store
        self.timeout = timeout
        self.recorder = RunRecorder(direction, retrains_from_scratch=not iterative)
        self.seeds: dict[int, int] = {}
        self._seed_of = SeedDeriver(seed)
        self.issued: dict[int, Job] = {}  # trial -> the scheduler's job it has not heard of
        self.again: deque[Job] = deque()  # jobs to run again before asking the scheduler
        self.retries: dict[int, int] = {}
        self.submitted = 0
        self.completed = 0
        self.first_error: tuple[int, str] | None = None  # (trial, traceback)
        self._checkpoints: dict[int, Any] = {}  # without a store: trial -> newest checkpoint
        self._warned_nonfinite = False

    # -- starting jobs -------------------------------------------------------------------

    def next_job(self, allow_new_trials: bool) -> Job | None:
        """A job to run again, else the scheduler's next one (recorded as issued)."""
        if self.again:
            return self.again.popleft()
        job = self.scheduler.next_job(allow_new_trials=allow_new_trials)
        if job is not None:
            self.issued[job.trial_id] = job
        return job

    def started(self, job: Job, time: float, record: bool = True) -> None:
        """Books a job as started (and records it, unless it is being replayed)."""
        tid = job.trial_id
        seed = self.seeds.get(tid)
        if seed is None:
            seed = self.seeds[tid] = self._seed_of(tid)
        self.recorder.job_started(tid, job.config)
        self.submitted += 1
        if record and self.store is not None:
            again = job is not self.issued.get(tid)
            self.store.job_started(
                tid, job.config, job.resource_from, job.resource_to, seed, time, again=again
            )

    def reported(self, job: Job, report: Report) -> None:
        """Records a report of a running job as it comes (the executor's ``reports``)."""
        if self.store is not None:
            self.store.job_reported(job.trial_id, report.resource, report.value, report.time)

    def task(self, job: Job, deadline: float | None) -> Task:
        tid = job.trial_id
        if self.store is not None:
            checkpoint = self.store.checkpoint(tid)
        else:
            checkpoint = self._checkpoints.get(tid) if self._checkpoints else None
        return Task(
            job,
            self.seeds[tid],
            checkpoint,
            self.iterative,
            self.resource_name,
            deadline,
            self.timeout,
        )

    def rerun(self, trial_id: int) -> None:
        """Queues the issued job of ``trial_id`` to run again from the newest checkpoint."""
        job = self.issued[trial_id]
        reached = self.recorder.checkpoint_resource(trial_id)
        if reached is not None and job.resource_from < reached < job.resource_to:
            job = Job(trial_id, job.config, reached, job.resource_to)
        self.again.append(job)

    # -- finishing jobs ------------------------------------------------------------------

    def finish(self, outcome: Outcome, record: bool = True) -> JobRecord:
        """Hands a finished job to the scheduler (unless it runs again) and records it."""
        # Hot path (every job): enums are compared with `is`, as hashing them runs Python code.
        if record and self.store is not None and outcome.checkpoint is not None:
            outcome = self._encoded(outcome)
        tid = outcome.job.trial_id
        status = outcome.status
        again = False
        if status is JobStatus.COMPLETED:
            self.completed += 1
        elif status is JobStatus.INTERRUPTED:
            again = True
        elif self.retries.get(tid, 0) < self.max_retries:  # FAILED, and runs again
            self.retries[tid] = self.retries.get(tid, 0) + 1
            self._note_failure(outcome, retried=True)
            again = True
        else:
            self._note_failure(outcome, retried=False)
        if again:
            decision = None
        else:
            value = self.sign * outcome.value
            if not math.isfinite(value):
                value = self._nonfinite(outcome)
            decision = self.scheduler.on_result(
                self.issued.pop(tid), value, seconds=outcome.end - outcome.start
            )
        job_record = self.recorder.job_finished(outcome, decision, again)
        stopped = self.scheduler.stopped_trials() if decision is not None else ()
        for stopped_id in stopped:
            self.recorder.trial_stopped(stopped_id)
        checkpoint = outcome.checkpoint if status is not JobStatus.FAILED else None
        done = not again and (
            status is JobStatus.FAILED or decision is Decision.COMPLETE or decision is Decision.STOP
        )
        if self.store is not None:
            if record:
                self.store.job_finished(job_record, checkpoint, trial_done=done, stopped=stopped)
        elif checkpoint is not None or stopped or (done and self._checkpoints):
            self._keep_checkpoint(tid, checkpoint, done, stopped)
        if again and status is not JobStatus.INTERRUPTED:
            self.rerun(tid)
        return job_record

    @staticmethod
    def _encoded(outcome: Outcome) -> Outcome:
        """The outcome with its checkpoint as bytes for the store; failed if it cannot be
        stored safely (as a remote worker fails such a job)."""
        if isinstance(outcome.checkpoint, Blob):
            return outcome
        try:
            return dataclasses.replace(outcome, checkpoint=encode(outcome.checkpoint))
        except CheckpointError:
            return Outcome.failed(
                outcome.job, traceback.format_exc(), outcome.start, outcome.end, outcome.worker
            )

    def _keep_checkpoint(
        self, tid: int, checkpoint: Any, done: bool, stopped: Sequence[int]
    ) -> None:
        if done:
            self._checkpoints.pop(tid, None)
        elif checkpoint is not None:
            self._checkpoints[tid] = checkpoint
        for stopped_id in stopped:
            self._checkpoints.pop(stopped_id, None)

    def _note_failure(self, outcome: Outcome, retried: bool) -> None:
        error = (outcome.error or "").strip()
        if self.first_error is None:
            self.first_error = (outcome.job.trial_id, error or "unknown error")
        last = error.splitlines()[-1:] or ["unknown error"]
        suffix = " (running it again)" if retried else ""
        logger.warning("trial %d failed: %s%s", outcome.job.trial_id, last[0], suffix)

    def _nonfinite(self, outcome: Outcome) -> float:
        """Non-finite values rank last: the scheduler gets NaN (-inf would rank first)."""
        if outcome.status is JobStatus.COMPLETED and not self._warned_nonfinite:
            self._warned_nonfinite = True
            logger.warning(
                "trial %d reported %r: recorded, and ranked last (warned once per run)",
                outcome.job.trial_id,
                outcome.value,
            )
        return math.nan

    def requeue_unfinished(self) -> None:
        """After a replay: every issued job whose end was never recorded runs again."""
        queued = {job.trial_id for job in self.again}
        for trial_id in self.issued:
            if trial_id not in queued:
                self.rerun(trial_id)
