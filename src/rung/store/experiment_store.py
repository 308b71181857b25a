"""ExperimentStore: an experiment directory's database, written one transaction per step.

See :mod:`rung.store` for the layout, the durability choice and its cost.
"""

from __future__ import annotations

import os
import sqlite3
import time as _time
from collections.abc import Iterator, Mapping
from pathlib import Path
from types import TracebackType
from typing import Any

from rung.codec import Blob, CheckpointError, decode
from rung.errors import StoreError
from rung.store import _schema
from rung.store._directory import (
    clear_stillborn,
    disk_full,
    refuse_existing,
    require_experiment,
)
from rung.store._files import CheckpointDir
from rung.store._recording import CheckpointRef, Recorder
from rung.store.events import Event, EventKind, dumps, loads, make_event

__all__ = ["ExperimentStore"]

_INSERT_EVENT = "INSERT INTO events (kind, time, trial_id, data) VALUES (?, ?, ?, ?)"


class ExperimentStore(Recorder):
    """The experiment directory ``DIR``: ``DIR/experiment.db`` and ``DIR/checkpoints/``.

    Build one with :meth:`create` (a new run) or :meth:`open` (resume, or read). Every
    method that writes is one transaction: it is recorded whole or not at all.

    Attributes:
        directory: The experiment directory.
        keep_checkpoints: Whether finished and stopped trials keep their last checkpoint.
        durable: Whether every commit is flushed to disk (see :mod:`rung.store`).
        readonly: Whether the store was opened for reading only.
    """

    DB_NAME = _schema.DB_NAME

    def __init__(
        self, directory: Path, db: sqlite3.Connection, files: CheckpointDir, readonly: bool
    ) -> None:
        """Use :meth:`create` or :meth:`open`."""
        self.directory = directory
        self.readonly = readonly
        self.keep_checkpoints = False
        self.durable = False
        self._db = db
        self._files = files
        self._started: dict[str, Any] = {}
        self._trials: set[int] = set()
        self._checkpoints: dict[int, CheckpointRef] = {}
        self._last_time = self._pending_time = 0.0

    @classmethod
    def create(
        cls,
        directory: str | os.PathLike[str],
        spec: Mapping[str, Any],
        *,
        keep_checkpoints: bool = False,
        durable: bool = False,
    ) -> ExperimentStore:
        """Starts a new experiment in ``directory`` (created if missing): RUN_STARTED.

        Args:
            directory: The experiment directory (``--out DIR``).
            spec: What the run was asked to do, JSON-ready (a
                :meth:`rung.results.spec.RunSpec.to_dict`).
            keep_checkpoints: Keep the last checkpoint of finished and stopped trials.
            durable: Flush every commit to disk (survives a power cut, not only a crash).

        Raises:
            StoreError: ``directory`` already holds an experiment, or cannot be written.
            TypeError: ``spec`` holds something JSON cannot hold.
        """
        root = Path(directory)
        created = _time.time()
        payload = dumps(
            {"spec": dict(spec), "created": created, "keep_checkpoints": keep_checkpoints},
            "spec",
        )
        clear_stillborn(root)
        refuse_existing(root)
        try:
            root.mkdir(parents=True, exist_ok=True)
        except OSError as err:
            raise StoreError(
                f"Cannot create the output directory {str(root)!r} ({err}); choose another --out."
            ) from None
        files = CheckpointDir(root, writable=True)
        path = root / _schema.DB_NAME
        db = None
        try:
            refuse_existing(root)  # again, under the lock: another process may have won
            files.sweep(set())  # a removed database's checkpoints are nobody's
            db = _schema.connect(path, readonly=False)
            db.execute("PRAGMA journal_mode = WAL")
            db.execute("BEGIN IMMEDIATE")
            _schema.create_schema(db)
            meta = {
                "schema_version": _schema.SCHEMA_VERSION,
                "created": created,
                "rung_version": _rung_version(),
                "keep_checkpoints": int(keep_checkpoints),
                "durable": int(durable),
            }
            db.executemany("INSERT INTO meta VALUES (?, ?)", [(k, str(v)) for k, v in meta.items()])
            db.execute(_INSERT_EVENT, (EventKind.RUN_STARTED.name, 0.0, None, payload))
            db.execute("COMMIT")
        except BaseException as err:
            if db is not None:
                db.close()
            files.close()
            if isinstance(err, StoreError):
                raise
            for suffix in ("", "-wal", "-shm"):  # we made it and nothing was recorded
                CheckpointDir.remove_path(path.with_name(path.name + suffix))
            if isinstance(err, (OSError, sqlite3.Error)):
                what = "disk full" if disk_full(err) else f"cannot write ({err})"
                raise StoreError(
                    f"{what} while creating the experiment in {str(root)!r}: free space or "
                    "choose another --out, then start again; nothing was recorded."
                ) from None
            raise
        store = cls(root, db, files, readonly=False)
        store._load(durable)
        return store

    @classmethod
    def open(
        cls,
        directory: str | os.PathLike[str],
        *,
        readonly: bool = False,
        durable: bool | None = None,
    ) -> ExperimentStore:
        """Opens the experiment in ``directory``, to resume it or (``readonly``) to read it.

        A writable open takes the directory's lock and removes checkpoint files that no
        commit refers to (written just before a crash, or replaced just before one). A
        read-only open neither blocks nor waits for a writer in another process.

        Args:
            directory: The experiment directory.
            readonly: Only read (``rung show``, ``rung plot``).
            durable: Override the durability chosen at creation (None keeps it).

        Raises:
            StoreError: there is no experiment in ``directory``; its database is damaged,
                another application's, or from a newer rung; another process writes it.
        """
        root = Path(directory)
        path = require_experiment(root)
        files = CheckpointDir(root, writable=not readonly)
        try:
            db = _schema.connect(path, readonly=readonly)
        except sqlite3.Error as err:
            files.close()
            raise _schema.damaged(path, err) from None
        try:
            _schema.check(db, path)
            if not readonly:
                _schema.upgrade(db)
            store = cls(root, db, files, readonly=readonly)
            store._load(durable)
        except BaseException:
            db.close()
            files.close()
            raise
        if not readonly:
            files.sweep({ref.file for ref in store._checkpoints.values()})
        return store

    def _load(self, durable: bool | None) -> None:
        """Reads the run's start, known trials and checkpoint references from one snapshot."""
        db = self._db
        try:
            db.execute("BEGIN")
            meta = dict(db.execute("SELECT key, value FROM meta"))
            row = db.execute(
                "SELECT data FROM events WHERE kind = ? ORDER BY seq LIMIT 1",
                (EventKind.RUN_STARTED.name,),
            ).fetchone()
            started = loads(row[0]) if row is not None else {}
            trials = db.execute(
                "SELECT DISTINCT trial_id FROM events WHERE kind = ?", (EventKind.JOB_STARTED.name,)
            )
            self._trials = {row[0] for row in trials}
            refs = db.execute("SELECT trial_id, file, size, crc32 FROM checkpoints")
            self._checkpoints = {row[0]: CheckpointRef(*row[1:]) for row in refs}
            last = db.execute("SELECT time FROM events ORDER BY seq DESC LIMIT 1").fetchone()
            db.execute("COMMIT")
        except (sqlite3.Error, KeyError, ValueError, TypeError) as err:
            raise _schema.damaged(self.directory / self.DB_NAME, err) from None
        if not isinstance(started, dict):
            raise _schema.damaged(self.directory / self.DB_NAME, "RUN_STARTED is not an object")
        self._started = started
        self._last_time = last[0] if last and last[0] is not None else 0.0
        self.keep_checkpoints = meta.get("keep_checkpoints") == "1"
        self.durable = (meta.get("durable") == "1") if durable is None else durable
        if not self.readonly:
            db.execute(f"PRAGMA synchronous = {'FULL' if self.durable else 'NORMAL'}")

    # -- reading --------------------------------------------------------------------------

    @property
    def started(self) -> dict[str, Any]:
        """The payload of RUN_STARTED: ``spec`` (what the run was asked to do; ``settings``
        in stores written by rung 0.1.0 before the spec), ``created``, ``keep_checkpoints``
        (a copy)."""
        return dict(self._started)

    def events(self, after: int = 0) -> Iterator[Event]:
        """The events after sequence number ``after`` (all by default), in order.

        Raises:
            StoreError: the database cannot be read.
        """
        sql = "SELECT seq, kind, time, trial_id, data FROM events WHERE seq > ? ORDER BY seq"
        try:
            rows = self._db.execute(sql, (after,)).fetchall()
        except sqlite3.Error as err:
            raise _schema.damaged(self.directory / self.DB_NAME, err) from None
        for row in rows:
            yield make_event(*row)

    def checkpoint(self, trial_id: int) -> Blob | None:
        """The trial's newest committed checkpoint, read from its file (None if none).

        Raises:
            StoreError: the checkpoint file is missing or damaged.
        """
        ref = self._checkpoints.get(trial_id)
        if self.readonly:  # a writer elsewhere may have moved on
            sql = "SELECT file, size, crc32 FROM checkpoints WHERE trial_id = ?"
            row = self._db.execute(sql, (trial_id,)).fetchone()
            ref = None if row is None else CheckpointRef(*row)
        if ref is None:
            return None
        return Blob(self._files.read(ref.file, ref.size, ref.crc32, trial_id))

    def load_checkpoint(self, trial_id: int) -> Any:
        """The trial's newest checkpoint, decoded safely (containers, arrays, tensors only).

        Raises:
            StoreError: the file is missing or damaged, or names types rung does not load.
        """
        blob = self.checkpoint(trial_id)
        try:
            return None if blob is None else decode(blob)
        except CheckpointError as err:
            raise StoreError(
                f"The checkpoint of trial {trial_id} cannot be loaded: {err}"
            ) from None

    def wait_for_removals(self) -> None:
        """Returns once the checkpoint files dropped so far are gone from the disk.

        ``job_finished`` removes replaced and finished checkpoints in a background thread
        (freeing a large file can take milliseconds); :meth:`close` waits for it too.
        """
        self._files.wait()

    def close(self) -> None:
        """Closes the database and releases the directory lock (idempotent)."""
        self._db.close()
        self._files.close()

    def __enter__(self) -> ExperimentStore:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        mode = "read-only" if self.readonly else "writable"
        return f"ExperimentStore({str(self.directory)!r}, {mode})"


def _rung_version() -> str:
    try:
        from importlib.metadata import version

        return version("rung")
    except Exception:
        return "unknown"
