"""Resuming a recorded run: replay its events through a fresh scheduler, then go on.

The scheduler and searcher are deterministic given their seeds, so calling them again in
the recorded order (``next_job`` for every job the scheduler issued and for every call it
answered with no job, ``on_result`` for every result it was told) rebuilds exactly the
state they had: rungs, promotions, the GP's observations, the random generators. Every
replayed job is checked against the recorded one; a scheduler that would have acted
differently (another search space, scheduler, seed) is refused before anything runs. A
new trial's configuration is taken from the record even when the searcher would now
propose one a few ulps away (numerical libraries may round differently on another
machine): the record is the truth.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Mapping
from typing import Any

from rung.errors import StoreError
from rung.results.spec import Budget, RunSpec
from rung.results.summary import budget_after
from rung.run.state import RunLoop
from rung.store import EventKind, ExperimentStore, job_record
from rung.store.events import Event, declared_domains, no_job_calls
from rung.task import Outcome
from rung.types import Decision, Job, JobRecord

__all__ = ["check_spec", "replay"]

#: The events that carry the calls the scheduler answered with no job just before them.
_CARRY_NO_JOB = frozenset((EventKind.JOB_ENDED, EventKind.RUN_FINISHED, EventKind.RUN_RESUMED))


def check_spec(ours: RunSpec, recorded: RunSpec, directory: Any) -> None:
    """Refuses to replay a record made with another space, searcher, scheduler or seed.

    Raises:
        StoreError: the specs differ in a field the replay depends on.
    """
    differing = ours.differences(recorded)
    if differing:
        raise StoreError(
            f"The experiment in {str(directory)!r} was recorded with other settings, so it "
            f"cannot be resumed with these ({'; '.join(differing)}). Resume with the "
            "recorded settings, or start a new run in another directory."
        )


def _mismatch(directory: Any, what: str) -> StoreError:
    return StoreError(
        f"The experiment in {str(directory)!r} does not replay with this scheduler: {what}. "
        "It was recorded with another search space, scheduler or seed; resume it with the "
        "recorded settings."
    )


def _same_config(a: Mapping[str, Any], b: Mapping[str, Any]) -> bool:
    if set(a) != set(b):
        return False
    for name in a:
        x, y = a[name], b[name]
        if isinstance(x, float) and isinstance(y, float):
            if not math.isclose(x, y, rel_tol=1e-6, abs_tol=1e-12):
                return False
        elif x != y:
            return False
    return True


def _next_recorded_job(
    loop: RunLoop, trial_id: int, data: Mapping[str, Any], allow_new: bool, directory: Any
) -> Job:
    """Asks the scheduler for its next job, as the original run did, and checks it.

    A job recorded ``from_scratch`` (its trial's checkpoint was lost) trained from 0: the
    scheduler issued it from where the trial had paused, and the record has the job run.
    """
    scheduler = loop.scheduler
    searcher = scheduler.searcher
    new_trial = trial_id not in scheduler.configs
    if new_trial != ("config" in data):
        raise _mismatch(directory, f"trial {trial_id} is not where the record has it")
    recorded_config = (
        searcher.space.from_record(data["config"]) if new_trial else scheduler.configs[trial_id]
    )
    if new_trial:  # the record's configuration wins over a proposal a few ulps away
        searcher.replay_next(recorded_config)
    try:
        job = loop.next_job(allow_new)
    finally:
        searcher.replay_next(None)
    from_scratch = bool(data.get("from_scratch"))
    expected = (trial_id, data["resource_from"], data["resource_to"])
    got = None if job is None else (job.trial_id, job.resource_from, job.resource_to)
    if got is not None and from_scratch:
        got = (job.trial_id, 0, job.resource_to)
    if got != expected:
        raise _mismatch(directory, f"recorded job (trial, from, to) {expected}, now {got}")
    if not _same_config(job.config, recorded_config):
        raise _mismatch(directory, f"trial {trial_id} has another configuration")
    return Job(trial_id, job.config, 0, job.resource_to) if from_scratch else job


def _outcome(
    record: JobRecord,
    config: Mapping[str, Any],
    single_fidelity: bool,
    declared: Mapping[str, Any] | None = None,
) -> Outcome:
    """The outcome a recorded job had, with its ``config`` as the space hands it out and
    the domains it ``declared`` new (a define-by-run objective's); its checkpoint stays in
    the store. A single-fidelity scheduler never stops a trial: a recorded stop is the
    objective's (it raised TrialPruned)."""
    job = Job(record.trial_id, config, record.resource_from, record.resource_to)
    reports = record.reports
    resource = reports[-1].resource if reports else job.resource_from
    return Outcome(
        job,
        record.status,
        reports,
        record.value,
        resource,
        None,
        record.error,
        record.start,
        record.end,
        record.worker,
        space=declared,
        pruned=single_fidelity and record.decision is Decision.STOP,
    )


def replay(loop: RunLoop, store: ExperimentStore, budget_trials: int | None) -> float:
    """Replays ``store``'s events into ``loop``; returns the run's elapsed seconds.

    Args:
        loop: A fresh run state, its scheduler freshly built (its spec checked against
            the record by :func:`check_spec`).
        store: The experiment's store.
        budget_trials: The trial budget the run started with.

    Raises:
        StoreError: the recorded run does not replay with this scheduler.
    """
    directory = store.directory
    scheduler = loop.scheduler
    budget = Budget(max_trials=budget_trials)  # of its limits, the replay reads the trials
    elapsed = 0.0
    for event in store.events():
        elapsed = max(elapsed, event.time)
        data = event.data
        kind = event.kind
        if "no_job" in data and kind in _CARRY_NO_JOB:
            _no_job(loop, event, directory)
        if kind is EventKind.RUN_RESUMED:
            budget = budget_after(budget, event)  # the limits the resumption held it to
            loop.again.clear()  # as the resumption did: rerun what had not ended
            loop.requeue_unfinished()
        elif kind is EventKind.JOB_STARTED:
            trial_id = event.trial_id
            if data.get("again"):
                job = _again(loop, trial_id, data, directory)
            else:
                limit = budget.max_trials
                allow_new = limit is None or len(scheduler.configs) < limit
                job = _next_recorded_job(loop, trial_id, data, allow_new, directory)
            loop.seeds[trial_id] = int(data["seed"])
            loop.started(job, event.time, record=False)
        elif kind is EventKind.JOB_REPORTED and data.get("checkpoint") is not None:
            loop.checkpointed(event.trial_id, int(data["resource"]))
        elif kind is EventKind.JOB_ENDED:
            record = job_record(event)
            config = scheduler.searcher.space.from_record(record.config)
            declared = declared_domains(event)
            outcome = _outcome(record, config, scheduler.max_resource is None, declared)
            elapsed = max(elapsed, outcome.end)
            replayed = loop.finish(outcome, record=False)
            if data.get("checkpoint") is not None:
                loop.checkpointed(record.trial_id, outcome.resource)
            recorded = data.get("decision")
            ours = None if replayed.decision is None else replayed.decision.name
            if recorded != ours:
                raise _mismatch(
                    directory,
                    f"trial {outcome.job.trial_id} was told {recorded} after its job to "
                    f"{outcome.job.resource_to}, now {ours}",
                )
    loop.again.clear()  # rebuilt below: whatever had not ended runs again
    loop.requeue_unfinished()
    return elapsed


def _no_job(loop: RunLoop, event: Event, directory: Any) -> None:
    """Makes again each call the scheduler answered with no job just before ``event``
    (with the recorded ``allow_new_trials``): such a call may change its state, as when a
    synchronous bracket closes its bottom rung at the trials it has.

    Raises:
        StoreError: the scheduler now gives a job there.
    """
    for allow_new_trials in no_job_calls(event):
        job = loop.scheduler.next_job(allow_new_trials=allow_new_trials)
        if job is not None:
            where = (
                f"trial {event.trial_id}'s job ended"
                if event.kind is EventKind.JOB_ENDED
                else f"the run's {event.kind.name}"
            )
            raise _mismatch(
                directory,
                f"the scheduler had no job to give before {where}, now it gives "
                f"(trial, from, to) {(job.trial_id, job.resource_from, job.resource_to)}",
            )


def _again(loop: RunLoop, trial_id: int, data: Mapping[str, Any], directory: Any) -> Job:
    """A job that ran again (a retry, after an interruption or a crash), as recorded."""
    issued = loop.issued.get(trial_id)
    if issued is None:
        raise _mismatch(directory, f"trial {trial_id} ran again without a job to run")
    loop.again = deque(job for job in loop.again if job.trial_id != trial_id)
    return Job(trial_id, issued.config, data["resource_from"], data["resource_to"])
