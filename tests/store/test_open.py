"""Creating and opening: each wrong directory or file gets its own clear refusal."""

from __future__ import annotations

import errno
import os
import sqlite3
import threading
from pathlib import Path

import pytest

from rung.errors import StoreError
from rung.store import ExperimentStore
from tests.store.records import SPEC, blob, downgrade, make_job, record, snapshot


def test_create_then_open_gives_back_the_spec(tmp_path):
    directory = tmp_path / "new" / "run"
    with ExperimentStore.create(directory, SPEC, keep_checkpoints=True) as store:
        assert store.directory == directory and store.started["spec"] == SPEC
        assert (directory / "experiment.db").is_file() and (directory / "checkpoints").is_dir()
    with ExperimentStore.open(directory) as store:
        assert store.started["spec"] == SPEC and store.keep_checkpoints and not store.durable
    with ExperimentStore.open(directory, readonly=True) as store:
        assert store.started["spec"] == SPEC


def test_database_is_marked_as_rungs_and_uses_wal(tmp_path):
    ExperimentStore.create(tmp_path, SPEC).close()
    db = sqlite3.connect(tmp_path / "experiment.db")
    assert db.execute("PRAGMA application_id").fetchone()[0] == 0x52554E47
    assert db.execute("PRAGMA user_version").fetchone()[0] == 3
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    columns = [row[1] for row in db.execute("PRAGMA table_info(events)")]
    assert columns == ["seq", "kind", "time", "trial_id", "data", "crc"]
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        db.execute("DELETE FROM events")
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        db.execute("UPDATE events SET kind = 'X'")
    db.close()


def test_create_refuses_a_directory_holding_an_experiment(tmp_path):
    existing = "experiment.db"
    ExperimentStore.create(tmp_path, SPEC).close()
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir() if p.is_file()}
    with pytest.raises(StoreError, match=rf"already holds an experiment \({existing}\); choose "):
        ExperimentStore.create(tmp_path, SPEC)
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir() if p.is_file()} == before


def test_create_refuses_a_file_as_directory(tmp_path):
    (tmp_path / "f").write_text("x")
    with pytest.raises(StoreError, match="is a file, not a directory; choose another --out"):
        ExperimentStore.create(tmp_path / "f", SPEC)


def test_open_refuses_a_missing_or_empty_directory(tmp_path):
    with pytest.raises(StoreError, match="holds no experiment \\(it does not exist\\)"):
        ExperimentStore.open(tmp_path / "nowhere")
    with pytest.raises(StoreError, match="holds no experiment \\(it has no experiment.db\\)"):
        ExperimentStore.open(tmp_path)


def test_open_points_from_a_file_of_an_experiment_to_its_directory(tmp_path):
    ExperimentStore.create(tmp_path / "run", SPEC).close()
    (tmp_path / "notes.txt").write_text("x")
    with pytest.raises(StoreError, match="is a file of the experiment in .*run'"):
        ExperimentStore.open(tmp_path / "run" / "experiment.db")
    with pytest.raises(StoreError, match="holds no experiment \\(it is a file, not a directory"):
        ExperimentStore.open(tmp_path / "notes.txt")


def test_open_refuses_a_corrupt_database(tmp_path):
    (tmp_path / "experiment.db").write_bytes(b"not a database at all " * 200)
    for readonly in (False, True):
        with pytest.raises(StoreError, match="is damaged or is not a SQLite database .*backup"):
            ExperimentStore.open(tmp_path, readonly=readonly)
    assert (tmp_path / "experiment.db").read_bytes() == b"not a database at all " * 200


def test_open_refuses_a_truncated_database(tmp_path):
    with ExperimentStore.create(tmp_path, SPEC) as store:
        for i in range(50):
            record(store, make_job(i, i))
    path = tmp_path / "experiment.db"
    path.write_bytes(path.read_bytes()[:5000])
    with pytest.raises(StoreError, match="is damaged or is not a SQLite database"):
        ExperimentStore.open(tmp_path)


def test_open_refuses_another_applications_database(tmp_path):
    db = sqlite3.connect(tmp_path / "experiment.db")
    db.execute("PRAGMA application_id = 1234")
    db.execute("CREATE TABLE studies (id INTEGER)")
    db.commit()
    db.close()
    with pytest.raises(StoreError, match="of another application \\(application_id 0x000004d2\\)"):
        ExperimentStore.open(tmp_path)
    with pytest.raises(StoreError, match="already holds an experiment"):
        ExperimentStore.create(tmp_path, SPEC)


def test_open_refuses_a_database_without_application_id(tmp_path):
    db = sqlite3.connect(tmp_path / "experiment.db")
    db.execute("CREATE TABLE trials (id INTEGER)")
    db.commit()
    db.close()
    with pytest.raises(
        StoreError, match=r"another application \(tables \['trials'\]\).*untouched"
    ) as err:
        ExperimentStore.open(tmp_path, readonly=True)
    assert "--out" not in str(err.value)  # read by rung show and rung plot, which have none


def test_open_refuses_an_empty_database(tmp_path):
    (tmp_path / "experiment.db").write_bytes(b"")
    with pytest.raises(StoreError, match="holds no experiment: the run that created it stopped"):
        ExperimentStore.open(tmp_path)


def test_open_refuses_a_newer_schema_and_changes_nothing(tmp_path):
    with ExperimentStore.create(tmp_path, SPEC) as store:
        record(store, make_job(0, 0))
    db = sqlite3.connect(tmp_path / "experiment.db")
    db.execute("PRAGMA user_version = 7")
    db.close()
    before = snapshot(tmp_path)
    for readonly in (False, True):
        with pytest.raises(StoreError, match="newer rung \\(store schema version 7; this rung"):
            ExperimentStore.open(tmp_path, readonly=readonly)
    assert snapshot(tmp_path) == before


@pytest.mark.parametrize("old", [1, 2])
def test_an_older_store_is_read_as_it_is_and_upgraded_when_written(tmp_path, old):
    with ExperimentStore.create(tmp_path, SPEC) as store:
        record(store, make_job(0, 0))
    downgrade(tmp_path / "experiment.db", old)

    def version():
        db = sqlite3.connect(tmp_path / "experiment.db")
        try:
            return db.execute("PRAGMA user_version").fetchone()[0]
        finally:
            db.close()

    with ExperimentStore.open(tmp_path, readonly=True) as reader:
        assert [e.kind.name for e in reader.events()][-1] == "JOB_ENDED"
    assert version() == old
    with ExperimentStore.open(tmp_path) as writer:
        writer.job_started(1, {"lr": 0.1}, 0, 3, 7, time=2.0)
        writer.job_reported(1, 1, 0.5, time=2.5)
    assert version() == 3
    db = sqlite3.connect(tmp_path / "experiment.db")
    crcs = [row[0] for row in db.execute("SELECT crc FROM events ORDER BY seq")]
    assert crcs[:3] == [None] * 3 and None not in crcs[3:]  # rows since the upgrade carry one
    db.close()
    with ExperimentStore.open(tmp_path, readonly=True) as reader:
        assert [e.kind.name for e in reader.events()][-2:] == ["JOB_STARTED", "JOB_REPORTED"]


def test_a_second_writer_is_refused_but_readers_are_not(tmp_path):
    with ExperimentStore.create(tmp_path, SPEC) as store:
        with pytest.raises(StoreError, match="being written by another rung process"):
            ExperimentStore.open(tmp_path)
        with ExperimentStore.open(tmp_path, readonly=True) as reader:
            assert reader.started["spec"] == SPEC
        record(store, make_job(0, 0))
    ExperimentStore.open(tmp_path).close()  # the lock went with the writer


def test_a_reader_asking_whether_a_run_is_written_never_turns_a_writer_away(tmp_path):
    fcntl = pytest.importorskip("fcntl")  # elsewhere being_written() cannot tell: None
    ExperimentStore.create(tmp_path, SPEC).close()
    with ExperimentStore.open(tmp_path, readonly=True) as reader:
        assert reader.being_written() is False
        with ExperimentStore.open(tmp_path) as writer:
            assert reader.being_written() is True and writer.being_written() is True
        assert reader.being_written() is False
    # A reader's question holds a shared lock for an instant; a writer opening then waits.
    fd = os.open(tmp_path / "checkpoints", os.O_RDONLY)
    fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    threading.Timer(0.05, os.close, [fd]).start()
    ExperimentStore.open(tmp_path).close()


def test_whether_a_run_is_written_is_unknown_where_locks_do_not_work(tmp_path, monkeypatch):
    fcntl = pytest.importorskip("fcntl")
    ExperimentStore.create(tmp_path, SPEC).close()

    def no_locks(fd, operation):
        raise OSError(errno.ENOLCK, "No locks available")

    with ExperimentStore.open(tmp_path, readonly=True) as reader:
        monkeypatch.setattr(fcntl, "flock", no_locks)
        assert reader.being_written() is None  # not False: that would say "interrupted"


def test_a_readonly_store_refuses_writes(tmp_path):
    ExperimentStore.create(tmp_path, SPEC).close()
    with ExperimentStore.open(tmp_path, readonly=True) as store:
        with pytest.raises(StoreError, match="opened read-only; recording job 0 needs"):
            store.job_finished(make_job(0, 0), None, trial_done=False)
        with pytest.raises(StoreError, match="read-only; recording the end of the run"):
            store.run_finished(1.0)


def test_a_job_is_recorded_once(tmp_path):
    with ExperimentStore.create(tmp_path, SPEC) as store:
        record(store, make_job(0, 0))
        before = snapshot(tmp_path)
        with pytest.raises(StoreError, match="already recorded .*Nothing was changed"):
            store.job_finished(make_job(0, 0), None, trial_done=False)
        assert snapshot(tmp_path) == before
        with pytest.raises(StoreError, match="Job 0 is already recorded"):
            store.job_finished(make_job(0, 0), blob(0, 0), trial_done=False)
        assert snapshot(tmp_path) == before


def test_durable_is_remembered_and_can_be_overridden(tmp_path):
    ExperimentStore.create(tmp_path, SPEC, durable=True).close()
    with ExperimentStore.open(tmp_path) as store:
        assert store.durable
        assert store._db.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    with ExperimentStore.open(tmp_path, durable=False) as store:
        assert not store.durable
        assert store._db.execute("PRAGMA synchronous").fetchone()[0] == 1  # NORMAL


def _no_writing_in(directory: Path) -> None:
    """Makes ``directory`` a place where SQLite cannot create the database's ``-shm``:
    read-only for the user; for root, whom permissions do not stop, a link to nowhere
    stands where the file would be created."""
    directory.chmod(0o555)
    try:
        (directory / "probe").touch()
    except PermissionError:
        return
    (directory / "probe").unlink()
    directory.chmod(0o755)
    (directory / "experiment.db-shm").symlink_to(directory / "nowhere" / "shm")


def _only_the_database(directory: Path) -> None:
    """Leaves the database file without its (empty) log and index, as a copy of the file
    alone, or a run whose last connection closed, does."""
    assert not (directory / "experiment.db-wal").stat().st_size
    for suffix in ("-wal", "-shm"):
        (directory / f"experiment.db{suffix}").unlink()


def test_a_store_in_a_directory_the_reader_cannot_write_is_read_as_it_is(tmp_path):
    with ExperimentStore.create(tmp_path, SPEC) as store:
        record(store, make_job(0, 0))
        record(store, make_job(1, 1))
    with ExperimentStore.open(tmp_path, readonly=True) as store:
        before = list(store.events())
    _only_the_database(tmp_path)
    _no_writing_in(tmp_path)
    try:
        with ExperimentStore.open(tmp_path, readonly=True) as store:
            assert list(store.events()) == before and store.started["spec"] == SPEC
        with pytest.raises(StoreError, match="cannot be opened .*check their permissions"):
            ExperimentStore.open(tmp_path)  # not "damaged": nothing is wrong with the file
    finally:
        tmp_path.chmod(0o755)


def test_a_log_that_cannot_be_read_in_a_read_only_directory_is_said_so(tmp_path):
    copy = tmp_path / "copy"
    copy.mkdir()
    with ExperimentStore.create(tmp_path / "run", SPEC) as store:
        record(store, make_job(0, 0))  # in the write-ahead log, not yet in the file
        for name in ("experiment.db", "experiment.db-wal"):
            (copy / name).write_bytes((tmp_path / "run" / name).read_bytes())
    assert (copy / "experiment.db-wal").stat().st_size > 0
    _no_writing_in(copy)
    try:
        with pytest.raises(StoreError, match="cannot be read where it is: its directory is not "):
            ExperimentStore.open(copy, readonly=True)  # not read without the log's events
    finally:
        copy.chmod(0o755)
