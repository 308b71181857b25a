"""Reading an experiment for ``rung show`` and ``rung plot``, while it may still be running."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from rung.results.report import SETTINGS_FILE, Experiment, job_to_dict, load_experiment, summarize
from rung.store._schema import DB_NAME
from rung.store.events import EventKind, job_record
from rung.store.experiment_store import ExperimentStore

__all__ = ["read_experiment"]

_STARTS = (EventKind.RUN_STARTED, EventKind.RUN_RESUMED)


def read_experiment(directory: str | os.PathLike[str]) -> Experiment:
    """Reads the experiment in ``directory`` without blocking (or waiting for) its writer.

    The store is opened read-only and read in one snapshot: a run writing in another
    process goes on undisturbed, and the result holds exactly the jobs committed when the
    read began. A directory written by an older rung (``experiment.json`` and
    ``jobs.jsonl``) is read with :func:`rung.results.report.load_experiment`.

    Returns:
        The settings (with every update applied), the finished jobs in completion order
        as :func:`rung.results.report.job_to_dict` writes them, the final model's figures (or
        None), whether the run finished (a RUN_FINISHED after its last start or resume),
        :func:`rung.results.report.summarize`'s summary, and the jobs started and not ended since
        the last start or resume (running, or cut short by a stop), each with its latest
        report (``last_report``: resource and value) once it has reported.

    Raises:
        StoreError: no experiment there, or its database is damaged, foreign or newer.
    """
    root = Path(directory)
    if not (root / DB_NAME).exists() and (root / SETTINGS_FILE).exists():
        return load_experiment(root)
    with ExperimentStore.open(root, readonly=True) as store:
        settings: dict[str, Any] = {}
        jobs: list[dict[str, Any]] = []
        final: dict[str, Any] | None = None
        finished = False
        open_jobs: dict[int, dict[str, Any]] = {}  # trial id -> its job started, not ended
        for event in store.events():
            kind = event.kind
            if kind is EventKind.JOB_STARTED and event.trial_id is not None:
                data = event.data
                open_jobs[event.trial_id] = {
                    "trial_id": event.trial_id,
                    "resource_from": data["resource_from"],
                    "resource_to": data["resource_to"],
                    "start": event.time,
                }
            elif kind is EventKind.JOB_REPORTED and event.trial_id in open_jobs:
                open_jobs[event.trial_id]["last_report"] = [
                    event.data["resource"],
                    event.data["value"],
                ]
            elif kind is EventKind.JOB_ENDED:
                jobs.append(job_to_dict(job_record(event)))
                open_jobs.pop(event.trial_id, None)
            elif kind is EventKind.RUN_STARTED:
                settings.update(event.data["settings"])
            elif kind is EventKind.SETTINGS_UPDATED:
                settings.update(event.data)
            elif kind is EventKind.FINAL:
                final = dict(event.data)
            if kind in _STARTS:
                finished = False
                open_jobs.clear()  # the jobs a stopped run left open run again after this
            elif kind is EventKind.RUN_FINISHED:
                finished = True
    experiment = Experiment(root, settings, jobs, final, finished)
    experiment.open_jobs = list(open_jobs.values())
    experiment.summary = summarize(experiment)
    return experiment
