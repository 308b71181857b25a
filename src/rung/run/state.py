"""One run's moving parts: what is running, what runs again, and how each outcome lands.

:class:`RunLoop` is the state the tuner's loop and the replay of a recorded run (see
:mod:`rung.run.replay`) share: both hand outcomes to :meth:`RunLoop.finish`, so a resumed
run's scheduler, searcher and records go through exactly the calls of the original.

A scheduler may change its state when it has no job to give (a synchronous bracket told
that no new trial may start, or whose search space ran out, closes its bottom rung at the
trials it has), and when that happens depends on the workers' timing. So each such answer
is recorded (:attr:`RunLoop.no_job`, carried by the next JOB_ENDED, RUN_FINISHED or
RUN_RESUMED event), and the replay asks the scheduler again at the same place.

A job can be run again without asking the scheduler: after a failure that is retried
(``max_retries``), after the time budget interrupted it, and after a crash that killed
it. Such a job continues from the trial's newest checkpoint, but the scheduler is told of
its result as of the job it issued (:attr:`RunLoop.issued`).

Checkpoints have one form here: the bytes of :mod:`rung.codec` (a
:class:`~rung.codec.Blob`), as the executors return them and the store keeps them. A
checkpoint that is lost or damaged (its file deleted, truncated or changed) does not end
the run: the trial trains again from resource 0, and the job's start says so. So does one
whose bytes pass the store's checks but do not decode: the worker finds it and ends the
job unrun (:attr:`~rung.task.Outcome.checkpoint_lost`, recorded INTERRUPTED), and the job
starts again down the same path.
"""

from __future__ import annotations

import logging
import math
from collections import deque
from collections.abc import Mapping, Sequence
from typing import Any

from rung._random import SeedDeriver
from rung.codec import Blob
from rung.errors import CheckpointLost
from rung.results.recorder import RunRecorder
from rung.results.spec import ObjectiveForm, RunSpec
from rung.run.scoring import missing_metrics, score_of
from rung.schedulers.base import Scheduler
from rung.task import Outcome, Task
from rung.types import Decision, Job, JobRecord, JobStatus, Report

__all__ = ["CHECKPOINT_EVERY_S", "RunLoop"]

#: How often (seconds) a running job's checkpoint travels with its report to the store:
#: a crash or Ctrl-C then loses at most this much of the job's work (see Task).
CHECKPOINT_EVERY_S = 2.0

logger = logging.getLogger(__name__)
#: Set on the log record of a failed job, for displays that show failures themselves.
JOB_FAILED = "rung_job_failed"


class RunLoop:
    """The mutable state of a run.

    Args:
        scheduler: Decides what runs.
        spec: The run's spec (direction, objective form, resource name, seed, retries,
            timeout).
        store: Where the run is recorded (an ``ExperimentStore``), or None.
    """

    def __init__(self, scheduler: Scheduler, spec: RunSpec, store: Any = None) -> None:
        self.scheduler = scheduler
        self.spec = spec
        self.sign = spec.direction.sign()
        self.iterative = spec.objective_form is ObjectiveForm.ITERATIVE
        self.resource_name = spec.resource_name if scheduler.max_resource is not None else None
        self.max_retries = spec.max_retries
        self.timeout = spec.job_timeout_s
        self.metric = spec.metric
        self.goals = spec.goals  # several objectives or constraints: the scheduler gets Scores
        self.store = store
        self.recorder = RunRecorder(spec)
        self.seeds: dict[int, int] = {}
        self._seed_of = SeedDeriver(spec.seed)
        self.issued: dict[int, Job] = {}  # trial -> the scheduler's job it has not heard of
        self.again: deque[Job] = deque()  # jobs to run again before asking the scheduler
        self.retries: dict[int, int] = {}
        self.submitted = 0
        self.completed = 0
        self.first_error: tuple[int, str] | None = None  # (trial, traceback)
        self._checkpoint_at: dict[int, int] = {}  # trial -> resource of its newest checkpoint
        self._checkpoints: dict[int, Blob] = {}  # without a store: trial -> newest checkpoint
        self._undecodable: dict[int, str] = {}  # trial -> why a worker could not decode it
        self._warned_nonfinite = False
        self._warned_retrained = False
        self.ended: list[int] = []  # trials ended since the executor was last told
        # allow_new_trials of each call the scheduler answered with no job since the last
        # event that carries them (recorded: the replay asks again at the same place)
        self.no_job: list[bool] = []

    # -- starting jobs -------------------------------------------------------------------

    def next_job(self, allow_new_trials: bool) -> Job | None:
        """A job to run again, else the scheduler's next one (recorded as issued); a call
        the scheduler answers with no job is noted in :attr:`no_job` for the store."""
        if self.again:
            return self.again.popleft()
        job = self.scheduler.next_job(allow_new_trials=allow_new_trials)
        if job is not None:
            self.issued[job.trial_id] = job
        elif self.store is not None:
            self.no_job.append(allow_new_trials)
        return job

    def take_no_job(self) -> list[bool]:
        """The calls noted in :attr:`no_job`, for the event being recorded; clears them."""
        no_job, self.no_job = self.no_job, []
        return no_job

    def start(self, job: Job, time: float, deadline: float | None) -> Task:
        """Books ``job`` as started, records it, and returns the task to submit.

        The task carries the trial's newest checkpoint; if that is lost or damaged (or a
        worker found that it does not decode), the job trains from resource 0 instead
        (recorded as ``from_scratch``), with a warning.
        """
        tid = job.trial_id
        checkpoint = None
        from_scratch = False
        # a restart after a worker found the checkpoint undecodable is the issued job run
        # again: the replay must not ask the scheduler for it
        again = job is not self.issued.get(tid) or tid in self._undecodable
        if job.resource_from > 0:
            try:
                checkpoint = self._checkpoint(tid)
            except CheckpointLost as err:
                logger.warning("%s The trial trains again from 0.", err)
                self._checkpoint_at.pop(tid, None)
                job, from_scratch = Job(tid, job.config, 0, job.resource_to), True
        self.started(job, time, again=again, from_scratch=from_scratch)
        return Task(
            job,
            self.seeds[tid],
            checkpoint,
            self.iterative,
            self.resource_name,
            deadline,
            self.timeout,
            self.metric,
            # A recorded run keeps a running job's checkpoint, so a crash loses little.
            CHECKPOINT_EVERY_S if self.store is not None else None,
            self.scheduler.max_resource,
        )

    def started(
        self,
        job: Job,
        time: float,
        record: bool = True,
        again: bool | None = None,
        from_scratch: bool = False,
    ) -> None:
        """Books a job as started (and records it, unless it is being replayed).

        ``again``: the job is not the scheduler's (a retry, a rerun after an interruption
        or a crash); by default, when it is not the issued job itself. ``from_scratch``:
        it trains from 0 because the trial's checkpoint was lost.
        """
        tid = job.trial_id
        seed = self.seeds.get(tid)
        if seed is None:
            seed = self.seeds[tid] = self._seed_of(tid)
        self.recorder.job_started(tid, job.config)
        self.submitted += 1
        if record and self.store is not None:
            if again is None:
                again = job is not self.issued.get(tid)
            self.store.job_started(
                tid,
                job.config,
                job.resource_from,
                job.resource_to,
                seed,
                time,
                again=again,
                from_scratch=from_scratch,
            )

    def _checkpoint(self, trial_id: int) -> Blob | None:
        """The trial's newest checkpoint.

        Raises:
            CheckpointLost: it is lost or damaged, or a worker found it does not decode.
        """
        reason = self._undecodable.pop(trial_id, None)
        if reason is not None:
            path = self.store.checkpoint_path(trial_id) if self.store is not None else None
            raise CheckpointLost.undecodable(trial_id, path, reason)
        if self.store is not None:
            return self.store.checkpoint(trial_id)
        return self._checkpoints.get(trial_id)

    def reported(self, job: Job, report: Report, checkpoint: Blob | None = None) -> None:
        """Records a report of a running job as it comes (the executors' listener), and
        the checkpoint that travelled with it as the trial's newest."""
        tid = job.trial_id
        if self.store is not None:
            self.store.job_reported(
                tid, report.resource, report.value, report.time, report.metrics, checkpoint
            )
        elif checkpoint is not None:
            self._checkpoints[tid] = checkpoint
        if checkpoint is not None:
            self._checkpoint_at[tid] = report.resource

    def rerun(self, trial_id: int) -> None:
        """Queues the issued job of ``trial_id`` to run again from the newest checkpoint."""
        job = self.issued[trial_id]
        reached = self._checkpoint_at.get(trial_id)
        if reached is not None and job.resource_from < reached < job.resource_to:
            job = Job(trial_id, job.config, reached, job.resource_to)
        self.again.append(job)

    # -- finishing jobs ------------------------------------------------------------------

    def finish(self, outcome: Outcome, record: bool = True) -> JobRecord:
        """Hands a finished job to the scheduler (unless it runs again) and records it."""
        # Hot path (every job): enums are compared with `is`, as hashing them runs Python code.
        goals = self.goals
        if goals is not None:  # a job that lacks a needed metric fails
            outcome = missing_metrics(outcome, goals)
        tid = outcome.job.trial_id
        status = outcome.status
        # A trial its objective pruned (raise TrialPruned) without a multi-fidelity
        # scheduler ends stopped, not completed: its value (none, or the NaN of a report
        # below the full resource) is no result, and the searcher learns it as the worst.
        pruned = outcome.pruned and self.scheduler.max_resource is None
        again = False
        if status is JobStatus.COMPLETED:
            self.completed += 1
        elif status is JobStatus.INTERRUPTED:
            again = True
            if outcome.checkpoint_lost:  # it did not run: start() restarts it from 0
                self._undecodable[tid] = outcome.error or "it does not decode"
        elif self.retries.get(tid, 0) < self.max_retries:  # FAILED, and runs again
            self.retries[tid] = self.retries.get(tid, 0) + 1
            self._note_failure(outcome, retried=True)
            again = True
        else:
            self._note_failure(outcome, retried=False)
        job = outcome.job
        config = outcome.config if outcome.config is not None else job.config
        issued = self.issued.get(tid)
        declared = None
        if issued is not None and config is not issued.config and config != issued.config:
            declared = self._use_config(tid, issued, config, outcome.space)
        if again:
            decision = None
        else:
            if goals is not None:
                value = score_of(outcome, goals)
            else:
                value = self.sign * outcome.value
                if pruned:
                    value = math.nan
                elif not math.isfinite(value):
                    value = self._nonfinite(outcome)
            decision = self.scheduler.on_result(
                self.issued.pop(tid), value, seconds=outcome.end - outcome.start
            )
            if pruned:
                decision = Decision.STOP
        job_record = JobRecord(
            self.recorder.n_jobs,
            tid,
            config,
            job.resource_from,
            job.resource_to,
            outcome.value,
            status,
            outcome.start,
            outcome.end,
            outcome.worker,
            decision,
            outcome.error,
            outcome.reports,
            outcome.retrained,
        )
        former_best = self.recorder.best_trial_id
        former_front = self.recorder.front_trials
        self.recorder.job_ended(job_record, again)
        best = self.recorder.best_trial_id
        front = self.recorder.front_trials
        stopped = self.scheduler.stopped_trials() if decision is not None else ()
        for stopped_id in stopped:
            self.recorder.trial_stopped(stopped_id)
        checkpoint = outcome.checkpoint if status is not JobStatus.FAILED else None
        done = not again and (
            status is JobStatus.FAILED or decision is Decision.COMPLETE or decision is Decision.STOP
        )
        self._track_checkpoint(tid, outcome.resource if checkpoint is not None else None, done)
        for stopped_id in stopped:
            self._checkpoint_at.pop(stopped_id, None)
        if outcome.paused_call and done:  # the executor frees the paused calls of ended trials
            self.ended.append(tid)
        if stopped:
            self.ended.extend(stopped)
        if outcome.retrained and record:
            self._note_retrained(outcome)
        if self.store is not None:
            if record:
                self.store.job_finished(
                    job_record,
                    checkpoint,
                    trial_done=done,
                    stopped=stopped,
                    best=best,
                    former_best=former_best if former_best != best else None,
                    keep=front,
                    release=former_front - front,
                    declared=declared,
                    no_job=self.take_no_job(),
                )
        elif checkpoint is not None or stopped or (done and self._checkpoints):
            self._keep_checkpoint(tid, checkpoint, done, stopped)
        if again and (status is not JobStatus.INTERRUPTED or outcome.checkpoint_lost):
            self.rerun(tid)
        return job_record

    def _use_config(
        self, tid: int, issued: Job, config: Mapping[str, Any], space: Mapping[str, Any] | None
    ) -> dict[str, Any] | None:
        """A define-by-run objective ran the issued configuration as ``config`` (the
        parameters it asked for): the searcher learns the domains it declared, and the
        trial goes on, and is recorded and observed, with ``config``.

        Returns:
            The domains new to the searcher (recorded, for a replay to learn them at the
            same job), or None.
        """
        searcher = self.scheduler.searcher
        new = None
        if space:
            new = {name: d for name, d in space.items() if name not in searcher.space} or None
            searcher.extend_space(space)
        searcher.used(issued.config, config)
        self.issued[tid] = Job(tid, config, issued.resource_from, issued.resource_to)
        self.scheduler.configs[tid] = dict(config)
        return new

    def _track_checkpoint(self, tid: int, resource: int | None, done: bool) -> None:
        """Where the trial's newest checkpoint is (a rerun continues from there)."""
        if done:
            self._checkpoint_at.pop(tid, None)
        elif resource is not None:
            self._checkpoint_at[tid] = resource

    def checkpointed(self, trial_id: int, resource: int) -> None:
        """A replayed job left a checkpoint at ``resource`` (the store holds it)."""
        self._track_checkpoint(trial_id, resource, done=False)

    def _keep_checkpoint(
        self, tid: int, checkpoint: Blob | None, done: bool, stopped: Sequence[int]
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
        logger.warning(
            "trial %d failed: %s%s",
            outcome.job.trial_id,
            last[0],
            suffix,
            extra={JOB_FAILED: True},  # a live display that shows failures leaves it out
        )

    def _note_retrained(self, outcome: Outcome) -> None:
        job = outcome.job
        log = logger.debug if self._warned_retrained else logger.warning
        self._warned_retrained = True
        log(
            "trial %d: the objective started over and trained resources 1 to %d again "
            "(its call was gone, or it keeps no checkpoint): charged to the budget, not "
            "recorded twice; a checkpoint (trial.report(checkpoint=...), or a program's "
            "RUNG_CHECKPOINT_DIR) continues from there instead (warned once per run)",
            job.trial_id,
            outcome.retrained,
        )

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
