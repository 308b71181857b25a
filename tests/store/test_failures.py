"""Failures while recording: a job is recorded whole or not at all, and nothing older changes."""

from __future__ import annotations

import errno
import os
import sqlite3

import pytest

from rung.errors import StoreError
from rung.store import EventKind, ExperimentStore
from tests.store.records import SPEC, blob, files, make_job, record, snapshot


@pytest.fixture
def store_with_history(tmp_path):
    """A store with two recorded jobs, each with a checkpoint (trials 0 and 1)."""
    store = ExperimentStore.create(tmp_path, SPEC)
    record(store, make_job(0, 0), checkpoint=blob(0, 0))
    record(store, make_job(1, 1), checkpoint=blob(1, 1))
    store.job_started(0, {"lr": 0.01}, 1, 3, seed=7, time=2.0)
    yield store
    store.close()


def fail_on(directory, condition: str) -> None:
    """Makes SQLite fail any insert into events that matches ``condition`` (a trigger)."""
    db = sqlite3.connect(directory / "experiment.db")
    db.execute(
        f"CREATE TRIGGER fail AFTER INSERT ON events WHEN {condition} "
        "BEGIN SELECT RAISE(ABORT, 'injected failure'); END"
    )
    db.commit()
    db.close()


def test_a_failure_after_the_job_ended_insert_records_nothing_of_the_job(store_with_history):
    store = store_with_history
    directory = store.directory
    fail_on(directory, "NEW.kind = 'TRIAL_STOPPED'")  # the job's last statement fails
    before = snapshot(directory)
    job = make_job(2, 0, resource_from=1, resource_to=3)
    with pytest.raises(StoreError, match="recording job 2 in .*injected failure"):
        store.job_finished(job, blob(0, 2), trial_done=False, stopped=[1])
    assert snapshot(directory) == before  # no JOB_ENDED, no new checkpoint, no file removed
    assert store.load_checkpoint(0)["job"] == 0 and store.load_checkpoint(1)["job"] == 1
    # the store goes on working, and the same job can be recorded once the cause is gone
    db = sqlite3.connect(directory / "experiment.db")
    db.execute("DROP TRIGGER fail")
    db.commit()
    db.close()
    store.job_finished(job, blob(0, 2), trial_done=False, stopped=[1])
    store.wait_for_removals()
    assert files(directory) == {"trial-0-job-2.ckpt"}
    ended = [e for e in store.events() if e.kind is EventKind.JOB_ENDED]
    assert [e.data["index"] for e in ended] == [0, 1, 2]


def test_disk_full_while_writing_the_checkpoint(store_with_history, monkeypatch):
    store = store_with_history
    before = snapshot(store.directory)

    def full(fd, data):
        raise OSError(errno.ENOSPC, "No space left on device")

    with monkeypatch.context() as patch:
        patch.setattr(os, "write", full)
        with pytest.raises(StoreError) as info:
            store.job_finished(make_job(2, 0), blob(0, 2), trial_done=False)
    assert str(info.value) == (
        f"disk full while recording job 2 in {str(store.directory)!r}: free space and run "
        f"`rung resume {store.directory}`; nothing recorded was lost."
    )
    assert snapshot(store.directory) == before  # no temporary file left either
    store.close()
    with ExperimentStore.open(store.directory) as reopened:
        assert reopened.load_checkpoint(0)["job"] == 0
        assert snapshot(store.directory) == before


def test_disk_full_when_the_rename_fails(store_with_history, monkeypatch):
    store = store_with_history
    before = snapshot(store.directory)

    def full(src, dst):
        raise OSError(errno.EDQUOT, "Disk quota exceeded")

    with monkeypatch.context() as patch:
        patch.setattr(os, "replace", full)
        with pytest.raises(StoreError, match="^disk full while recording job 2 in "):
            store.job_finished(make_job(2, 0), blob(0, 2), trial_done=False)
    assert snapshot(store.directory) == before


def test_disk_full_in_the_database(store_with_history):
    store = store_with_history
    directory = store.directory
    before = snapshot(directory)
    # SQLite's own "database or disk is full": no page may be added to the database
    pages = store._db.execute("PRAGMA page_count").fetchone()[0]
    store._db.execute(f"PRAGMA max_page_count = {pages}")
    big = make_job(2, 0, resource_from=1, resource_to=3, error="x" * 100_000)
    with pytest.raises(StoreError, match="^disk full while recording job 2 in .*nothing recorded"):
        store.job_finished(big, blob(0, 2), trial_done=False, stopped=[1])
    assert snapshot(directory) == before  # the new checkpoint file was removed again
    store.close()
    with ExperimentStore.open(directory) as reopened:
        assert snapshot(directory) == before
        assert reopened.load_checkpoint(1)["job"] == 1
        record(reopened, make_job(2, 0), checkpoint=blob(0, 2))  # and it goes on
        assert reopened.load_checkpoint(0)["job"] == 2


def test_other_write_errors_name_the_error_and_what_to_do(store_with_history, monkeypatch):
    store = store_with_history

    def denied(path, flags, mode=0o777):
        raise PermissionError(errno.EACCES, "Permission denied")

    with monkeypatch.context() as patch:
        patch.setattr(os, "open", denied)
        with pytest.raises(
            StoreError,
            match="Cannot write to .* while recording job 2 "
            r"\(PermissionError: .*Permission denied\): check the disk",
        ):
            store.job_finished(make_job(2, 0), blob(0, 2), trial_done=False)


def test_disk_full_while_creating_leaves_nothing_behind(tmp_path, monkeypatch):
    real_connect = sqlite3.connect

    def tiny(*args, **kwargs):
        db = real_connect(*args, **kwargs)
        db.execute("PRAGMA max_page_count = 1")
        return db

    monkeypatch.setattr(sqlite3, "connect", tiny)
    with pytest.raises(StoreError, match="^disk full while creating the experiment in .*start"):
        ExperimentStore.create(tmp_path, SPEC)
    monkeypatch.undo()
    assert not (tmp_path / "experiment.db").exists()
    ExperimentStore.create(tmp_path, SPEC).close()  # and a retry works
