"""Builders shared by the store's tests."""

from __future__ import annotations

import contextlib
import os
import signal
import sqlite3
import time
from pathlib import Path
from typing import Any

import rung
from rung.codec import Blob, encode
from rung.errors import StoreError
from rung.store import ExperimentStore
from rung.store._directory import driving
from rung.types import Decision, JobRecord, JobStatus, Report


def _spec() -> dict[str, Any]:
    """What a real tuner records as its spec (the producer makes the fixture)."""
    space = {"lr": rung.loguniform(1e-4, 1e-1), "layers": rung.randint(0, 3)}
    scheduler = rung.ASHA(rung.RandomSearcher(space), min_resource=1, max_resource=9)
    tuner = rung.Tuner(lambda c, trial: 0.0, scheduler, seed=3, extra={"model": "mlp"})
    return tuner.spec(rung.Budget(max_trials=20)).to_dict()


SPEC = _spec()


def make_job(
    index: int,
    trial_id: int,
    *,
    value: float = 0.5,
    resource_from: int = 0,
    resource_to: int = 1,
    decision: Decision | None = Decision.PAUSE,
    status: JobStatus = JobStatus.COMPLETED,
    error: str | None = None,
) -> JobRecord:
    """A job of ``trial_id`` that ran from ``index`` to ``index + 1`` seconds."""
    return JobRecord(
        index=index,
        trial_id=trial_id,
        config={"lr": 0.01 * (trial_id + 1), "layers": trial_id % 3},
        resource_from=resource_from,
        resource_to=resource_to,
        value=value,
        status=status,
        start=float(index),
        end=index + 1.0,
        worker=index % 2,
        decision=decision,
        error=error,
        reports=tuple(
            Report(r, value, index + r / resource_to)
            for r in range(resource_from + 1, resource_to + 1)
        ),
    )


def blob(trial_id: int, index: int, size: int = 0) -> Blob:
    """A checkpoint that says which job of which trial left it."""
    return encode({"trial": trial_id, "job": index, "pad": b"\0" * size})


def record(store: ExperimentStore, job: JobRecord, **kwargs: Any) -> None:
    """Records a job's start and end."""
    store.job_started(job.trial_id, job.config, job.resource_from, job.resource_to, 7, job.start)
    store.job_finished(
        job, kwargs.pop("checkpoint", None), kwargs.pop("trial_done", False), **kwargs
    )


def files(directory: Path) -> set[str]:
    """The names in DIR/checkpoints."""
    return {p.name for p in (directory / "checkpoints").iterdir()}


def snapshot(directory: Path) -> tuple[dict[str, list[Any]], set[str]]:
    """Every row of every table, and every checkpoint file: what a failure must not change."""
    uri = (directory / ExperimentStore.DB_NAME).resolve().as_uri() + "?mode=ro"
    db = sqlite3.connect(uri, uri=True)
    try:
        tables = {
            name: db.execute(f"SELECT * FROM {name}").fetchall()  # noqa: S608 - our names
            for name in ("meta", "events", "jobs", "checkpoints")
        }
    finally:
        db.close()
    return tables, files(directory)


def downgrade(path: Path, version: int) -> None:
    """Turns the store database at ``path`` into what an older rung wrote: version 2 had
    no checksum column (and version 1 the same tables as 2)."""
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("ALTER TABLE events DROP COLUMN crc")
    db.execute("DELETE FROM meta WHERE key = 'events_crc_from'")
    db.execute(f"PRAGMA user_version = {version}")
    db.close()


class Driver:
    """Another process that holds ``root``'s driver lock as a command does (its run, or
    the final model after it) until :meth:`kill` kills it."""

    def __init__(self, root: Path) -> None:
        read_end, write_end = os.pipe()
        self.pid = os.fork()
        if self.pid == 0:  # pragma: no cover - runs in the child
            os.close(read_end)
            with driving(root):
                os.write(write_end, b"held")
                time.sleep(60)
            os._exit(0)
        os.close(write_end)
        try:
            assert os.read(read_end, 4) == b"held"  # noqa: S101 - the child holds it now
        finally:
            os.close(read_end)

    def kill(self) -> None:
        """Kills the holder (SIGKILL: it releases nothing itself) and reaps it."""
        with contextlib.suppress(ProcessLookupError, ChildProcessError):
            os.kill(self.pid, signal.SIGKILL)
            os.waitpid(self.pid, 0)


def taken_elsewhere(root: Path) -> bool:
    """Whether another process (forked now) can take ``root``'s driver lock, joining
    like the Python tuner does."""
    pid = os.fork()
    if pid == 0:  # pragma: no cover - runs in the child
        try:
            with driving(root, join=True):
                os._exit(0)
        except StoreError:
            os._exit(1)
        os._exit(2)
    return os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]) == 0
