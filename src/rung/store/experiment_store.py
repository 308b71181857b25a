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

from rung.codec import Blob, CheckpointError, check_format, decode
from rung.errors import CheckpointLost, StoreError
from rung.store import _schema
from rung.store._directory import (
    clear_stillborn,
    disk_full,
    refuse_existing,
    require_experiment,
)
from rung.store._files import CheckpointDir, is_checkpoint_name
from rung.store._payloads import row_crc
from rung.store._recording import CheckpointRef, Recorder
from rung.store.events import Event, EventKind, dumps, make_event

__all__ = ["ExperimentStore"]

_INSERT_EVENT = (
    "INSERT INTO events (seq, kind, time, trial_id, data, crc) VALUES (?, ?, ?, ?, ?, ?)"
)


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
        self._crc_from = 1  # rows from this seq on carry a checksum (schema version 3)
        self._crc_column = "crc"  # "NULL" in a version 2 store opened read-only

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
                _schema.CRC_FROM_KEY: 1,
            }
            db.executemany("INSERT INTO meta VALUES (?, ?)", [(k, str(v)) for k, v in meta.items()])
            started = EventKind.RUN_STARTED.name
            row = (1, started, 0.0, None, payload, row_crc(1, started, 0.0, None, payload))
            db.execute(_INSERT_EVENT, row)
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
                full = disk_full(err)
                what = "disk full" if full else f"cannot write ({err})"
                error = StoreError(
                    f"{what} while creating the experiment in {str(root)!r}: free space or "
                    "choose another --out, then start again; nothing was recorded."
                )
                error.disk_full = full  # type: ignore[attr-defined]  # exit status 1, not 2
                raise error from None
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
        except StoreError:
            files.close()
            raise
        try:
            _schema.check(db, path)
            if not readonly:
                try:
                    _schema.upgrade(db)
                except sqlite3.Error as err:
                    raise StoreError(
                        f"Cannot upgrade {str(path)!r} to this rung's store format ({err}): "
                        "check the disk and its permissions; `rung show` reads it as it is."
                    ) from None
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
        path = self.directory / self.DB_NAME
        try:
            db.execute("BEGIN")
            meta = dict(db.execute("SELECT key, value FROM meta"))
            columns = {row[1] for row in db.execute("PRAGMA table_info(events)")}
            self._crc_column = "crc" if "crc" in columns else "NULL"
            crc_from = int(meta.get(_schema.CRC_FROM_KEY, 2**62)) if "crc" in columns else 2**62
            first = db.execute(
                f"SELECT seq, kind, time, trial_id, data, {self._crc_column} FROM events "
                "WHERE kind = ? ORDER BY seq LIMIT 1",
                (EventKind.RUN_STARTED.name,),
            ).fetchone()
            trials = db.execute(
                "SELECT DISTINCT trial_id FROM events WHERE kind = ?", (EventKind.JOB_STARTED.name,)
            )
            self._trials = {row[0] for row in trials}
            refs = db.execute("SELECT trial_id, file, size, crc32 FROM checkpoints")
            self._checkpoints = {row[0]: _checkpoint_ref(row, path) for row in refs}
            last = db.execute("SELECT time FROM events ORDER BY seq DESC LIMIT 1").fetchone()
            db.execute("COMMIT")
        except (sqlite3.Error, ValueError) as err:
            raise _schema.damaged(path, err) from None
        self._crc_from = crc_from
        started: dict[str, Any] = {}
        if first is not None:
            try:
                started = dict(_decode(first, type(first[0]) is int and first[0] >= crc_from).data)
            except Exception as err:  # any decoding error is damage, reported once
                raise _schema.damaged_event(path, first[0], err) from None
        if last and not (last[0] is None or type(last[0]) in (int, float)):
            raise _schema.damaged_event(path, "(the last)", f"its time is {last[0]!r}")
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
        sql = (
            f"SELECT seq, kind, time, trial_id, data, {self._crc_column} FROM events "
            "WHERE seq > ? ORDER BY seq"
        )
        path = self.directory / self.DB_NAME
        try:
            rows = self._db.execute(sql, (after,)).fetchall()
        except sqlite3.Error as err:
            raise _schema.damaged(path, err) from None
        expected = after + 1
        for row in rows:
            seq = row[0]
            try:
                checked = type(seq) is int and seq >= self._crc_from
                if checked and seq != expected:
                    raise ValueError(f"the events before it, from {expected}, are missing")
                event = _decode(row, checked)
            except Exception as err:  # any decoding error is damage, reported once
                raise _schema.damaged_event(path, seq, err) from None
            expected = seq + 1
            yield event

    def checkpoint(self, trial_id: int) -> Blob | None:
        """The trial's newest committed checkpoint, read from its file (None if none).

        Raises:
            CheckpointLost: the checkpoint file is missing, unreadable or damaged (the
                message names the file, and the sizes and CRC-32s found and recorded), or
                in a format this rung does not read (an older rung's).
        """
        ref = self._checkpoint_ref(trial_id)
        if ref is None:
            return None
        data = self._files.read(ref.file, ref.size, ref.crc32, trial_id)
        try:  # a format this rung does not read is lost too, found here rather than by a worker
            check_format(data)
        except CheckpointError as err:
            path = str(self._files.path / ref.file)
            raise CheckpointLost(f"{err} ({path!r})", trial_id, path) from None
        return Blob(data)

    def checkpoint_path(self, trial_id: int) -> str | None:
        """The file of the trial's newest committed checkpoint (None if none)."""
        ref = self._checkpoint_ref(trial_id)
        return None if ref is None else str(self._files.path / ref.file)

    def _checkpoint_ref(self, trial_id: int) -> CheckpointRef | None:
        if not self.readonly:
            return self._checkpoints.get(trial_id)
        # a writer elsewhere may have moved on
        sql = "SELECT file, size, crc32 FROM checkpoints WHERE trial_id = ?"
        row = self._db.execute(sql, (trial_id,)).fetchone()
        db_path = self.directory / self.DB_NAME
        return None if row is None else _checkpoint_ref((trial_id, *row), db_path)

    def load_checkpoint(self, trial_id: int) -> Any:
        """The trial's newest checkpoint, decoded safely (containers, arrays, tensors only).

        Raises:
            CheckpointLost: the file is missing or damaged, or names types rung does not load.
        """
        blob = self.checkpoint(trial_id)
        try:
            return None if blob is None else decode(blob)
        except CheckpointError as err:
            path = self.checkpoint_path(trial_id)
            raise CheckpointLost.undecodable(trial_id, path, err) from None

    def wait_for_removals(self) -> None:
        """Returns once the checkpoint files dropped so far are gone from the disk.

        ``job_finished`` removes replaced and finished checkpoints in a background thread
        (freeing a large file can take milliseconds); :meth:`close` waits for it too.
        """
        self._files.wait()

    def being_written(self) -> bool | None:
        """Whether a process writes this experiment now (holds its directory lock); False
        once the writer stopped or was killed; None where the platform cannot tell."""
        return self._files.being_written()

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


def _checkpoint_ref(row: tuple[Any, ...], path: Path) -> CheckpointRef:
    """A row of the checkpoints table, checked: its file must be a name rung writes inside
    ``DIR/checkpoints`` (a path there would make rung read, or remove, another file)."""
    _trial, file, size, crc = row
    if not (is_checkpoint_name(file) and type(size) is int and type(crc) is int):
        raise _schema.damaged_event(path, "(checkpoints table)", f"a row holds {row!r}")
    return CheckpointRef(file, size, crc)


def _decode(row: tuple[Any, ...], checked: bool) -> Event:
    """The event of an events row; ``checked``: the row must carry a matching checksum."""
    if checked and row[5] is None:
        raise ValueError("it has no checksum")
    return make_event(*row[:5], row[5] if checked else None)
