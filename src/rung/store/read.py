"""Reading an experiment for ``rung show`` and ``rung plot``, while it may still be running."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from rung.report import SETTINGS_FILE, Experiment, job_to_dict, load_experiment, summarize
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
    ``jobs.jsonl``) is read with :func:`rung.report.load_experiment`.

    Returns:
        The settings (with every update applied), the finished jobs in completion order
        as :func:`rung.report.job_to_dict` writes them, the final model's figures (or
        None), whether the run finished (a RUN_FINISHED after its last start or resume)
        and :func:`rung.report.summarize`'s summary.

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
        for event in store.events():
            kind = event.kind
            if kind is EventKind.JOB_ENDED:
                jobs.append(job_to_dict(job_record(event)))
            elif kind is EventKind.RUN_STARTED:
                settings.update(event.data["settings"])
            elif kind is EventKind.SETTINGS_UPDATED:
                settings.update(event.data)
            elif kind is EventKind.FINAL:
                final = dict(event.data)
            if kind in _STARTS:
                finished = False
            elif kind is EventKind.RUN_FINISHED:
                finished = True
    experiment = Experiment(root, settings, jobs, final, finished)
    experiment.summary = summarize(experiment)
    return experiment
