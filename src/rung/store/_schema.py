"""The database: its schema, opening it, and refusing files that are not a rung store.

Tables (schema version 3, in ``PRAGMA user_version``; ``PRAGMA application_id`` marks the
file as rung's). Version 1 had no JOB_REPORTED events and version 2 no ``crc`` column;
both are read as they are, and become version 3 when opened for writing (the column is
added, and rows written from then on carry a checksum):

* ``meta(key, value)``: ``schema_version``, ``created`` (unix time), ``rung_version``,
  ``keep_checkpoints`` and ``durable`` as chosen when the run was created, and
  ``events_crc_from``: the first seq whose row carries a checksum (1, or the first row
  written after an upgrade).
* ``events(seq, kind, time, trial_id, data, crc)``: the append-only log (triggers refuse
  UPDATE and DELETE); ``kind`` is an :class:`~rung.store.EventKind` name, ``data`` a JSON
  object, ``crc`` the CRC-32 of the other columns (:func:`rung.store._payloads.row_crc`),
  so that damage inside a value is found when the row is read. Seqs are consecutive
  (1, 2, ...): a gap is damage too. No secondary index: each one costs a page write per
  commit, and readers scan the log in order anyway.
* ``jobs(job_index, trial_id, seq)``: one row per JOB_ENDED event; its primary key makes
  recording a job twice an error.
* ``checkpoints(trial_id, file, size, crc32, seq)``: each trial's newest kept checkpoint,
  a file in ``DIR/checkpoints/``.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from rung.errors import StoreError

__all__ = [
    "APPLICATION_ID",
    "DB_NAME",
    "SCHEMA_VERSION",
    "check",
    "connect",
    "create_schema",
    "upgrade",
]

DB_NAME = "experiment.db"
APPLICATION_ID = 0x52554E47  # "RUNG"
SCHEMA_VERSION = 3
CRC_FROM_KEY = "events_crc_from"
TABLES = frozenset({"meta", "events", "jobs", "checkpoints"})
# Each table's INTEGER PRIMARY KEY: events are read in seq order (a seq that is not the
# key reads as NULL, and no event would be found), jobs and checkpoints are one per key.
_KEYS = {"events": "seq", "jobs": "job_index", "checkpoints": "trial_id"}
BUSY_TIMEOUT_S = 10.0
_SQLITE_CANTOPEN = 14

_SCHEMA = (
    "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    "CREATE TABLE events (seq INTEGER PRIMARY KEY, kind TEXT NOT NULL, time REAL, "
    "trial_id INTEGER, data TEXT NOT NULL, crc INTEGER)",
    "CREATE TABLE jobs (job_index INTEGER PRIMARY KEY, trial_id INTEGER NOT NULL, "
    "seq INTEGER NOT NULL)",
    "CREATE TABLE checkpoints (trial_id INTEGER PRIMARY KEY, file TEXT NOT NULL, "
    "size INTEGER NOT NULL, crc32 INTEGER NOT NULL, seq INTEGER NOT NULL)",
    "CREATE TRIGGER events_no_update BEFORE UPDATE ON events "
    "BEGIN SELECT RAISE(ABORT, 'rung events are append-only'); END",
    "CREATE TRIGGER events_no_delete BEFORE DELETE ON events "
    "BEGIN SELECT RAISE(ABORT, 'rung events are append-only'); END",
    f"PRAGMA application_id = {APPLICATION_ID}",
    f"PRAGMA user_version = {SCHEMA_VERSION}",
)


def connect(path: Path, *, readonly: bool) -> sqlite3.Connection:
    """Opens ``path`` in autocommit mode (transactions are explicit BEGIN/COMMIT).

    A read-only connection (``mode=ro``) never writes the database; in WAL mode it neither
    blocks a writer in another process nor waits for one. In a directory the reader cannot
    write (an archive, a read-only share, another user's folder) SQLite cannot create the
    log's index (``-shm``) that WAL mode reads through; if no write-ahead log holds events
    beyond the file, the file is then read as it is (``immutable``: no index, no locks).

    Raises:
        sqlite3.Error: SQLite cannot open the file.
        StoreError: the directory is read-only and its write-ahead log holds events that
            SQLite can read only through an index it cannot create there.
    """
    if not readonly:
        return sqlite3.connect(path, isolation_level=None, timeout=BUSY_TIMEOUT_S)
    uri = path.resolve().as_uri()
    db = sqlite3.connect(uri + "?mode=ro", uri=True, isolation_level=None, timeout=BUSY_TIMEOUT_S)
    try:
        db.execute("PRAGMA application_id").fetchone()  # opens the log and its index
    except sqlite3.OperationalError as err:
        if not _cannot_open(err):
            return db  # damage: check() reports it
        db.close()
        wal = path.with_name(path.name + "-wal")
        if wal.exists() and wal.stat().st_size > 0:
            raise StoreError(
                f"{str(path)!r} cannot be read where it is: its directory is not writable, "
                f"and SQLite must create {path.name}-shm there to read the events in "
                f"{wal.name}. Copy the directory somewhere you can write and read the copy."
            ) from None
        uri += "?mode=ro&immutable=1"
        return sqlite3.connect(uri, uri=True, isolation_level=None, timeout=BUSY_TIMEOUT_S)
    return db


def _cannot_open(err: sqlite3.Error) -> bool:
    """True for SQLITE_CANTOPEN (a file SQLite cannot open or create), not damage."""
    code = getattr(err, "sqlite_errorcode", None)  # Python >= 3.11
    return code == _SQLITE_CANTOPEN if code is not None else "unable to open" in str(err)


def create_schema(db: sqlite3.Connection) -> None:
    """Creates the tables in the current transaction of an empty database."""
    for statement in _SCHEMA:
        db.execute(statement)


def damaged(path: Path, err: BaseException | str) -> StoreError:
    """The error for a file SQLite cannot read (or, not damage, cannot open there)."""
    if isinstance(err, sqlite3.OperationalError) and _cannot_open(err):
        return StoreError(
            f"{str(path)!r} cannot be opened ({err}): the file or its directory cannot be "
            "read or written by you here; check their permissions (`rung show` needs to read "
            "them, `rung resume` to write), or copy the directory somewhere you can write."
        )
    return StoreError(
        f"{str(path)!r} is damaged or is not a SQLite database ({err}), so the experiment "
        "cannot be read: restore the file from a backup, or give rung another directory."
    )


def damaged_event(path: Path, seq: object, problem: object) -> StoreError:
    """The error for an events row that does not hold what rung writes."""
    return StoreError(
        f"{str(path)!r} is damaged: event {seq} cannot be read ({problem}), so rung can "
        "neither show nor resume this experiment; restore the file from a backup."
    )


def check(db: sqlite3.Connection, path: Path) -> None:
    """Refuses anything but a rung store this rung can read.

    Raises:
        StoreError: ``path`` is not a SQLite database (or is damaged), is another
            application's database, holds no experiment, or was written by a newer rung.
    """
    try:
        app_id = db.execute("PRAGMA application_id").fetchone()[0]
        version = db.execute("PRAGMA user_version").fetchone()[0]
        tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master")}
    except sqlite3.DatabaseError as err:
        raise damaged(path, err) from None
    if app_id != APPLICATION_ID:
        if app_id == 0 and not tables:
            raise StoreError(
                f"{str(path)!r} holds no experiment: the run that created it stopped before "
                "recording anything. Remove the file (or the directory) and start again."
            )
        owner = f"application_id {app_id:#010x}" if app_id else f"tables {sorted(tables)}"
        raise StoreError(
            f"{str(path)!r} is a SQLite database of another application ({owner}), not a "
            f"rung experiment store (application_id {APPLICATION_ID:#010x}); rung leaves it "
            "untouched: give rung a directory of its own."
        )
    if version > SCHEMA_VERSION:
        raise StoreError(
            f"{str(path)!r} was written by a newer rung (store schema version {version}; "
            f"this rung reads versions up to {SCHEMA_VERSION}). Upgrade rung "
            "(pip install -U rung) to read or resume it."
        )
    if version < 1 or not tables >= TABLES:
        missing = sorted(TABLES - tables)
        raise damaged(path, f"schema version {version}, missing tables {missing}")
    for table, key in _KEYS.items():  # a damaged schema would read or write every row wrong
        try:
            columns = {row[1]: row for row in db.execute(f"PRAGMA table_info({table})")}
        except sqlite3.DatabaseError as err:
            raise damaged(path, err) from None
        column = columns.get(key)
        if column is None or column[2].upper() != "INTEGER" or column[5] != 1:
            raise damaged(path, f"the schema of table {table} lost its key {key}")


def upgrade(db: sqlite3.Connection) -> None:
    """Brings an older store (checked by :func:`check`) to this version before it is
    written, in one transaction: version 2 gains the events' ``crc`` column (its rows keep
    none; rows from ``events_crc_from`` on carry one), and both are marked version 3,
    which an older rung refuses (it would not write checksums)."""
    version = db.execute("PRAGMA user_version").fetchone()[0]
    if version >= SCHEMA_VERSION:
        return
    db.execute("BEGIN IMMEDIATE")
    try:
        if version < 3:
            db.execute("ALTER TABLE events ADD COLUMN crc INTEGER")
            first = db.execute("SELECT COALESCE(MAX(seq), 0) + 1 FROM events").fetchone()[0]
            db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (CRC_FROM_KEY, str(first)))
        db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        db.execute("COMMIT")
    except BaseException:
        db.execute("ROLLBACK")
        raise
