"""Recording: the methods of ExperimentStore that write, one transaction each.

Every write is one SQLite transaction (``BEGIN IMMEDIATE`` ... ``COMMIT``): it is
recorded whole or not at all, and a failure (a full disk, an I/O error) rolls it back and
leaves everything recorded before it as it was.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Callable, Collection, Mapping, Sequence
from pathlib import Path
from typing import Any, NamedTuple, TypeVar

from rung.codec import Blob
from rung.domains import Domain
from rung.errors import StoreError
from rung.store._directory import disk_full
from rung.store._files import CheckpointDir, checkpoint_name
from rung.store._payloads import row_crc
from rung.store.events import EventKind, dumps, record_data
from rung.types import JobRecord

__all__ = ["CheckpointRef", "Recorder"]

T = TypeVar("T")
_INSERT_EVENT = (
    "INSERT INTO events (seq, kind, time, trial_id, data, crc) VALUES (?, ?, ?, ?, ?, ?)"
)
_NEXT_SEQ = "SELECT COALESCE(MAX(seq), 0) + 1 FROM events"


class CheckpointRef(NamedTuple):
    """A checkpoint file of the experiment, as the database refers to it."""

    file: str
    size: int
    crc32: int


class Recorder:
    """The writing half of :class:`rung.store.ExperimentStore` (which sets these fields)."""

    directory: Path
    readonly: bool
    keep_checkpoints: bool
    durable: bool
    _db: sqlite3.Connection
    _files: CheckpointDir
    _started: dict[str, Any]
    _trials: set[int]
    _checkpoints: dict[int, CheckpointRef]
    _last_time: float
    _pending_time: float

    def run_resumed(self, time: float, data: Mapping[str, Any]) -> None:
        """Records that the run goes on (RUN_RESUMED), ``time`` on the driver's clock."""
        payload = dumps(dict(data), "data")
        self._transaction(
            "recording the resume",
            lambda db: self._insert(db, EventKind.RUN_RESUMED, time, None, payload),
        )

    def job_started(
        self,
        trial_id: int,
        config: Mapping[str, Any],
        resource_from: int,
        resource_to: int,
        seed: int,
        time: float,
        again: bool = False,
        from_scratch: bool = False,
    ) -> None:
        """Records JOB_STARTED, with the configuration on the trial's first job.

        ``again``: the job runs again (a retry, or after an interruption or a crash) rather
        than being newly issued by the scheduler; a replay must not ask the scheduler for it.
        ``from_scratch``: the job trains from 0 instead of the resource the scheduler gave
        it, because the trial's checkpoint was lost.
        """
        data: dict[str, Any] = {
            "resource_from": resource_from,
            "resource_to": resource_to,
            "seed": seed,
        }
        if again:
            data["again"] = True
        if from_scratch:
            data["from_scratch"] = True
        new = trial_id not in self._trials
        if new:
            data["config"] = dict(config)
        payload = dumps(data, "config")
        self._transaction(
            f"recording the start of a job of trial {trial_id}",
            lambda db: self._insert(db, EventKind.JOB_STARTED, time, trial_id, payload),
        )
        self._trials.add(trial_id)

    def job_reported(
        self,
        trial_id: int,
        resource: int,
        value: float,
        time: float,
        metrics: Mapping[str, float] | None = None,
        checkpoint: Blob | None = None,
    ) -> None:
        """Records a report of ``trial_id``'s running job (JOB_REPORTED), for readers that
        follow the run (``rung show``), with the checkpoint the job passed when it travelled
        along: it becomes the trial's newest, so a job cut by a crash or Ctrl-C continues
        from there. Replay and the job's end do not need the report itself, so its commit
        is flushed to disk only when the store is durable."""
        data: dict[str, Any] = {"resource": resource, "value": value}
        if metrics is not None:
            data["metrics"] = dict(metrics)
        action = f"recording a report of trial {trial_id}"
        name = None
        if checkpoint is not None:
            # Named after the job about to end, which no finished job can have taken.
            name = checkpoint_name(trial_id, self._next_job_index(), resource)
            data["checkpoint"] = name
            try:
                crc = self._files.write(name, checkpoint.data)
            except OSError as err:
                raise self._write_error(action, err) from None
        payload = dumps(data, "value")

        def body(db: sqlite3.Connection) -> None:
            seq = self._insert(db, EventKind.JOB_REPORTED, time, trial_id, payload)
            if name is not None:
                db.execute("DELETE FROM checkpoints WHERE trial_id = ?", (trial_id,))
                row = (trial_id, name, len(checkpoint.data), crc, seq)
                db.execute("INSERT INTO checkpoints VALUES (?, ?, ?, ?, ?)", row)

        try:
            self._transaction(action, body)
        except BaseException:
            if name is not None:
                self._files.remove([name])
            raise
        if name is not None:
            old = self._checkpoints.get(trial_id)
            self._checkpoints[trial_id] = CheckpointRef(name, len(checkpoint.data), crc)
            if old is not None:
                self._files.remove_later([old.file])

    def _next_job_index(self) -> int:
        row = self._db.execute("SELECT coalesce(max(job_index), -1) FROM jobs").fetchone()
        return int(row[0]) + 1

    def job_finished(
        self,
        record: JobRecord,
        checkpoint: Blob | None,
        trial_done: bool,
        stopped: Sequence[int] = (),
        best: int | None = None,
        former_best: int | None = None,
        keep: Collection[int] = (),
        release: Collection[int] = (),
        declared: Mapping[str, Domain] | None = None,
        no_job: Sequence[bool] = (),
    ) -> None:
        """Records a finished job, its checkpoint and the trials it stopped, in one transaction.

        The checkpoint file is written (and flushed) before the commit; the files it
        replaces, and those of finished trials (unless ``keep_checkpoints``), are removed
        after it, but for the best trial's and those in ``keep``: the incumbent's (and the
        Pareto front's) trained state stays, so the best models can be loaded after the
        run. A failure leaves everything recorded before it as it was.

        Args:
            record: The job.
            checkpoint: The checkpoint the job left, or None (the trial keeps its older one).
            trial_done: The trial completed, stopped or failed: it needs no checkpoint.
            stopped: Other trials a synchronous barrier left out (TRIAL_STOPPED each).
            best: The incumbent trial after this job, whose checkpoint is kept.
            former_best: The incumbent this job replaced, whose checkpoint may go now.
            keep: Other trials whose checkpoints are kept (the Pareto front's members).
            release: Trials formerly kept (no longer on the front), whose checkpoints may go.
            declared: The domains a define-by-run job declared that the searcher learned
                from it (a replay learns them there again).
            no_job: ``allow_new_trials`` of each call the scheduler answered with no job
                since the last event that carries them (a replay asks it again here).

        Raises:
            StoreError: the job is already recorded, the disk is full, or a write failed.
            TypeError: the record's configuration holds something JSON cannot hold.
        """
        action = f"recording job {record.index}"
        self._require_writable(action)
        trial, kept = record.trial_id, {best, *keep}
        keep_all = self.keep_checkpoints
        done = trial_done or trial in stopped
        name, blob = None, b""
        if checkpoint is not None and (keep_all or not done or trial in kept):
            name, blob = checkpoint_name(trial, record.index), checkpoint.data
        payload = dumps(record_data(record, name, declared, no_job), "record")
        # trials whose checkpoint row goes: stopped ones and a finished one (unless kept,
        # or the best), the best it replaced, and this trial's older checkpoint when a new
        # one replaces it
        dropped = []
        if not keep_all:
            dropped = [t for t in {*stopped, trial} if (t != trial or done) and t not in kept]
            released = [former_best, *release]
            dropped.extend(t for t in released if t is not None and t not in kept)
        if name is not None:
            dropped.append(trial)
        dropped = [t for t in dict.fromkeys(dropped) if t in self._checkpoints]
        # a file is written before the commit: make sure it cannot overwrite a recorded one
        # (without a file, the primary key of the jobs table refuses a duplicate anyway)
        sql = "SELECT 1 FROM jobs WHERE job_index = ?"
        if name is not None and self._db.execute(sql, (record.index,)).fetchone():
            raise StoreError(
                f"Job {record.index} is already recorded in {str(self.directory)!r}; the "
                "driver must record each job once. Nothing was changed."
            )
        crc = 0
        if name is not None:
            try:
                crc = self._files.write(name, blob)
            except OSError as err:
                raise self._write_error(action, err) from None

        def body(db: sqlite3.Connection) -> None:
            seq = self._insert(db, EventKind.JOB_ENDED, record.end, trial, payload)
            db.execute("INSERT INTO jobs VALUES (?, ?, ?)", (record.index, trial, seq))
            for t in dropped:
                db.execute("DELETE FROM checkpoints WHERE trial_id = ?", (t,))
            if name is not None:
                row = (trial, name, len(blob), crc, seq)
                db.execute("INSERT INTO checkpoints VALUES (?, ?, ?, ?, ?)", row)
            for t in stopped:
                self._insert(db, EventKind.TRIAL_STOPPED, record.end, t, "{}")

        try:
            # flushed, so that nothing finished is lost even to a power cut (and the files
            # removed below are no longer referred to by anything on disk)
            self._transaction(action, body, flush=True)
        except BaseException:
            if name is not None:
                self._files.remove([name])
            raise
        removed = [self._checkpoints.pop(t).file for t in dropped]
        if name is not None:
            self._checkpoints[trial] = CheckpointRef(name, len(blob), crc)
        self._files.remove_later(removed)

    def run_finished(
        self, time: float, stop_reason: str | None = None, no_job: Sequence[bool] = ()
    ) -> None:
        """Records RUN_FINISHED (with the reason, when the run was stopped early, and the
        calls the scheduler answered with no job since the last job ended: ``no_job``,
        as :meth:`job_finished` takes them)."""
        data: dict[str, Any] = {} if stop_reason is None else {"stop_reason": stop_reason}
        if no_job:
            data["no_job"] = list(no_job)
        payload = dumps(data, "reason")
        self._transaction(
            "recording the end of the run",
            lambda db: self._insert(db, EventKind.RUN_FINISHED, time, None, payload),
        )

    def set_final(self, final: Mapping[str, Any]) -> None:
        """Records the final model's figures (FINAL; the newest one counts)."""
        data = dumps(dict(final), "final")
        self._transaction(
            "recording the final model",
            lambda db: self._insert(db, EventKind.FINAL, None, None, data),
        )

    def _insert(
        self,
        db: sqlite3.Connection,
        kind: EventKind,
        time: float | None,
        trial_id: int | None,
        data: str,
    ) -> int:
        """Inserts one event (a None time is the previous event's) with its checksum;
        returns its seq (the next after the last: seqs are consecutive)."""
        time = self._pending_time if time is None else time
        self._pending_time = time
        seq = db.execute(_NEXT_SEQ).fetchone()[0]
        crc = row_crc(seq, kind.name, time, trial_id, data)
        db.execute(_INSERT_EVENT, (seq, kind.name, time, trial_id, data, crc))
        return int(seq)

    def _transaction(
        self, action: str, body: Callable[[sqlite3.Connection], T], *, flush: bool = False
    ) -> T:
        """Runs ``body`` in one transaction: all of it is recorded, or none.

        Args:
            action: What is being recorded, for error messages.
            body: The statements.
            flush: Flush this commit to disk even if the store is not durable: the caller
                removes files the previous state referred to once it returns.

        Raises:
            StoreError: read-only store, disk full, or another write failure.
        """
        self._require_writable(action)
        db = self._db
        sync = flush and not self.durable
        self._pending_time = self._last_time
        try:
            if sync:
                db.execute("PRAGMA synchronous = FULL")
            db.execute("BEGIN IMMEDIATE")
            result = body(db)
            db.execute("COMMIT")
        except BaseException as err:
            if db.in_transaction:
                with contextlib.suppress(sqlite3.Error):  # SQLite may have rolled back itself
                    db.execute("ROLLBACK")
            if isinstance(err, (OSError, sqlite3.Error)):
                raise self._write_error(action, err) from None
            raise
        finally:
            if sync:
                db.execute("PRAGMA synchronous = NORMAL")
        self._last_time = self._pending_time
        return result

    def _require_writable(self, action: str) -> None:
        if self.readonly:
            raise StoreError(
                f"The experiment store in {str(self.directory)!r} was opened read-only; "
                f"{action} needs ExperimentStore.open(directory) without readonly=True."
            )

    def _write_error(self, action: str, err: BaseException) -> StoreError:
        """The StoreError for a failed write; a full disk gets its own message."""
        root = str(self.directory)
        if isinstance(err, sqlite3.IntegrityError):
            return StoreError(
                f"Refused {action} in {root!r}: it is already recorded ({err}); the driver "
                "must record each job once. Nothing was changed."
            )
        if disk_full(err):
            error = StoreError(
                f"disk full while {action} in {root!r}: free space and run `rung resume "
                f"{root}`; nothing recorded was lost."
            )
            error.disk_full = True  # not a usage error: the command line exits with 1
            return error
        return StoreError(
            f"Cannot write to {root!r} while {action} ({type(err).__name__}: {err}): check "
            f"the disk and its permissions, then run `rung resume {root}`; nothing recorded "
            "was lost."
        )
