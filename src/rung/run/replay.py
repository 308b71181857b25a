"""Resuming a recorded run: replay its events through a fresh scheduler, then go on.

The scheduler and searcher are deterministic given their seeds, so calling them again in
the recorded order (``next_job`` for every job the scheduler issued, ``on_result`` for
every result it was told) rebuilds exactly the state they had: rungs, promotions, the
GP's observations, the random generators. Every replayed job is checked against the
recorded one; a scheduler that would have acted differently (another search space,
scheduler, seed) is refused before anything runs. A new trial's configuration is taken
from the record even when the searcher would now propose one a few ulps away (numerical
libraries may round differently on another machine): the record is the truth.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from rung.errors import StoreError
from rung.executors.base import Outcome
from rung.results.result import JobRecord
from rung.run.state import RunLoop
from rung.types import Job

if TYPE_CHECKING:
    from rung.run.tuner import Tuner

__all__ = ["fingerprint", "replay"]


def fingerprint(tuner: Tuner) -> dict[str, Any]:
    """What must not change between a run and its resumption, as JSON-ready values."""
    scheduler, searcher = tuner.scheduler, tuner.scheduler.searcher
    return {
        "space": {name: repr(domain) for name, domain in searcher.space.items()},
        "searcher": type(searcher).__name__,
        "scheduler": type(scheduler).__name__,
        "levels": list(getattr(scheduler, "levels", []) or []),
        "max_resource": scheduler.max_resource,
        "eta": getattr(scheduler, "eta", None),
        "max_brackets": getattr(scheduler, "max_brackets", None),
        "direction": tuner.direction.name.lower(),
        "seed": tuner.seed,
        "objective_form": "iterative" if tuner.iterative else "function",
        "resource_name": tuner.resource_name,
    }


def _check_fingerprint(tuner: Tuner, settings: Mapping[str, Any], directory: Any) -> None:
    ours = fingerprint(tuner)
    recorded = settings.get("fingerprint") or {}
    differing = [
        f"{key}: recorded {recorded.get(key)!r}, now {value!r}"
        for key, value in ours.items()
        if key in recorded and _jsonish(recorded[key]) != _jsonish(value)
    ]
    if differing:
        raise StoreError(
            f"The experiment in {str(directory)!r} was recorded with other settings, so it "
            f"cannot be resumed with these ({'; '.join(differing)}). Resume with the "
            "recorded settings, or start a new run in another directory."
        )


def _jsonish(value: Any) -> Any:
    """``value`` as it reads back from JSON (tuples become lists, keys strings)."""
    if isinstance(value, (tuple, list)):
        return [_jsonish(v) for v in value]
    if isinstance(value, Mapping):
        return {str(k): _jsonish(v) for k, v in value.items()}
    return value


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
    """Asks the scheduler for its next job, as the original run did, and checks it."""
    scheduler = loop.scheduler
    searcher = scheduler.searcher
    new_trial = trial_id not in scheduler.configs
    if new_trial != ("config" in data):
        raise _mismatch(directory, f"trial {trial_id} is not where the record has it")
    recorded_config = dict(data["config"]) if new_trial else scheduler.configs[trial_id]
    if new_trial:  # the record's configuration wins over a proposal a few ulps away
        searcher.replay_next(recorded_config)
    try:
        job = loop.next_job(allow_new)
    finally:
        searcher.replay_next(None)
    expected = (trial_id, data["resource_from"], data["resource_to"])
    if job is None or (job.trial_id, job.resource_from, job.resource_to) != expected:
        got = None if job is None else (job.trial_id, job.resource_from, job.resource_to)
        raise _mismatch(directory, f"recorded job (trial, from, to) {expected}, now {got}")
    if not _same_config(job.config, recorded_config):
        raise _mismatch(directory, f"trial {trial_id} has another configuration")
    return job


def _outcome(record: JobRecord, checkpoint: str | None) -> Outcome:
    """The outcome a recorded job had; its checkpoint stays in the store (its file name)."""
    job = Job(record.trial_id, record.config, record.resource_from, record.resource_to)
    reports = record.reports
    resource = reports[-1].resource if reports else job.resource_from
    return Outcome(
        job,
        record.status,
        reports,
        record.value,
        resource,
        checkpoint,
        record.error,
        record.start,
        record.end,
        record.worker,
    )


def replay(tuner: Tuner, loop: RunLoop, store: Any) -> float:
    """Replays ``store``'s events into ``loop``; returns the run's elapsed seconds.

    Raises:
        StoreError: the recorded run does not match ``tuner`` (settings or replay).
    """
    from rung.store import EventKind, job_record

    directory = store.directory
    _check_fingerprint(tuner, store.settings, directory)
    scheduler = loop.scheduler
    max_trials = None
    elapsed = 0.0
    for event in store.events():
        elapsed = max(elapsed, event.time)
        data = event.data
        kind = event.kind
        if kind is EventKind.RUN_STARTED:
            max_trials = data["settings"].get("max_trials")
        elif kind is EventKind.RUN_RESUMED:
            max_trials = data.get("max_trials", max_trials)
            loop.again.clear()  # as the resumption did: rerun what had not ended
            loop.requeue_unfinished()
        elif kind is EventKind.JOB_STARTED:
            trial_id = event.trial_id
            if data.get("again"):
                job = _again(loop, trial_id, data, directory)
            else:
                allow_new = max_trials is None or len(scheduler.configs) < max_trials
                job = _next_recorded_job(loop, trial_id, data, allow_new, directory)
            loop.seeds[trial_id] = int(data["seed"])
            loop.started(job, event.time, record=False)
        elif kind is EventKind.JOB_ENDED:
            outcome = _outcome(job_record(event), data.get("checkpoint"))
            elapsed = max(elapsed, outcome.end)
            replayed = loop.finish(outcome, record=False)
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


def _again(loop: RunLoop, trial_id: int, data: Mapping[str, Any], directory: Any) -> Job:
    """A job that ran again (a retry, after an interruption or a crash), as recorded."""
    issued = loop.issued.get(trial_id)
    if issued is None:
        raise _mismatch(directory, f"trial {trial_id} ran again without a job to run")
    loop.again = deque(job for job in loop.again if job.trial_id != trial_id)
    return Job(trial_id, issued.config, data["resource_from"], data["resource_to"])
