"""One experiment followed as it runs: the rows the dashboard serves, kept up to date.

A :class:`RunFeed` owns a :class:`~rung.results.summary.RunReader` in a thread of its
own (an SQLite connection belongs to the thread that opened it). The thread looks at the
database's files every ``interval`` seconds and reads only when they changed, so an
idle dashboard costs a ``stat`` a second, and reading never blocks or slows the run that
writes (SQLite WAL readers). What the thread read is kept as append-only lists (job
rows, trials, status changes): a page holding the first ``n`` of each asks for the rest
(:meth:`RunFeed.updates`), so an update carries only what is new.
"""

from __future__ import annotations

import logging
import os
import secrets
import threading
from pathlib import Path
from typing import Any

from rung._checks import Real, check
from rung.dashboard.logs import logged_trials, trial_logs
from rung.dashboard.payload import TrajectoryFold, jsonable, run_meta, summary, trial_row
from rung.errors import StoreError
from rung.results.result import Result
from rung.results.spec import RunSpec
from rung.results.summary import RunReader
from rung.store import ExperimentStore

__all__ = ["MIN_INTERVAL", "RunFeed"]

logger = logging.getLogger(__name__)

#: The shortest ``interval``: a look costs a ``stat`` of the database's files, and a
#: shorter wait would only keep a core busy looking (a page polls about once a second).
MIN_INTERVAL = 0.1
#: The rule of ``interval`` (seconds), for :class:`RunFeed` and the dashboard.
INTERVAL = Real(low=MIN_INTERVAL)


class RunFeed:
    """Follows the experiment in ``directory`` for the dashboard.

    Args:
        directory: The experiment directory.
        run_id: The run's number on the page (its position on the command line).
        interval: Seconds between looks at the database's files.

    Raises:
        StoreError: from :meth:`start`: no experiment there, or its database is
            damaged, foreign or newer (the message ``rung show`` prints).
    """

    def __init__(
        self, directory: str | os.PathLike[str], run_id: int = 0, *, interval: float = 1.0
    ) -> None:
        check("RunFeed", "interval", interval, INTERVAL)
        self.directory = Path(directory)
        self.run_id = run_id
        self.interval = float(interval)
        self.meta: dict[str, Any] = {}
        self._meta_spec: RunSpec | None = None  # the spec self.meta was made from
        self.error: str | None = None  # why the last read failed, while it fails
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._ready = threading.Event()
        self._failure: BaseException | None = None
        self._thread = threading.Thread(
            target=self._run, name=f"rung-dashboard-feed-{run_id}", daemon=True
        )
        self._rows: list[list[Any]] = []
        self._trials: list[list[Any]] = []
        self._changes: list[list[Any]] = []
        self._status: dict[int, str] = {}
        self._jobs_of: dict[int, list[int]] = {}
        self._summary: dict[str, Any] = {}
        self._result: Result | None = None
        self._signature: tuple[Any, ...] | None = None
        self._writing: bool | None = None
        # Names this feed in its cursors: another server's cursor counts other lists.
        self.token = secrets.token_hex(8)

    # -- the thread ------------------------------------------------------------------

    def start(self) -> RunFeed:
        """Opens the store and reads it once (in the feed's thread); then follows it.

        Raises:
            StoreError: the experiment cannot be read.
        """
        self._thread.start()
        self._ready.wait()
        if self._failure is not None:
            self._thread.join()
            raise self._failure
        return self

    def close(self) -> None:
        """Stops following the run (the reader is closed by the thread)."""
        self._stop.set()
        self._wake.set()
        if self._thread.is_alive() and threading.current_thread() is not self._thread:
            self._thread.join(timeout=10)

    def poke(self) -> None:
        """Asks the thread to look at the files now rather than at its next interval."""
        self._wake.set()

    def _files_signature(self) -> tuple[Any, ...]:
        """Size and modification time of the database and its write-ahead log."""
        signature = []
        for suffix in ("", "-wal"):
            try:
                info = os.stat(self.directory / (ExperimentStore.DB_NAME + suffix))
                signature.append((info.st_size, info.st_mtime_ns))
            except OSError:
                signature.append(None)
        return tuple(signature)

    def _run(self) -> None:
        try:
            reader = RunReader(self.directory)
        except BaseException as err:  # noqa: BLE001 - handed to start()'s caller
            self._failure = err
            self._ready.set()
            return
        try:
            name = self.directory.resolve().name or str(self.directory)
            fold = TrajectoryFold(reader.spec)
            try:
                self._signature = self._files_signature()
                self._writing = reader.being_written()
                self._fold_in(fold, reader.read(), reader.last_seq)
                self._meta_of(reader, name)
            except BaseException as err:  # noqa: BLE001 - handed to start()'s caller
                self._failure = err
                self._ready.set()
                return
            self._ready.set()
            while not self._stop.is_set():
                self._wake.wait(self.interval)
                self._wake.clear()
                if self._stop.is_set():
                    break
                self._look_at_writer(reader)
                signature = self._files_signature()
                if signature == self._signature:
                    continue
                self._signature = signature
                try:
                    self._fold_in(fold, reader.read(), reader.last_seq)
                    self._meta_of(reader, name)
                    self.error = None
                except StoreError as err:  # shown on the page; the last rows stay
                    self.error = str(err)
                    logger.warning("%s", err)
                except Exception as err:  # a defect: said on the page, not a silent freeze
                    name = type(err).__name__
                    self.error = f"The dashboard could not read this run: {name}: {err}"
                    logger.exception("reading %s", self.directory)
        finally:
            reader.close()

    def _meta_of(self, reader: RunReader, name: str) -> None:
        """Makes :attr:`meta` from the reader's spec, again when a resume the reader
        folded changed it (the budget the run is held to now)."""
        if self._meta_spec is reader.spec:
            return
        meta = run_meta(reader.spec, self.run_id, name, str(self.directory))
        with self._lock:
            self.meta, self._meta_spec = meta, reader.spec

    def _look_at_writer(self, reader: RunReader) -> None:
        """Notes whether a process still writes an unfinished run: a killed driver
        leaves its last records as they were, which alone look like a run going on."""
        if self._summary.get("finished"):
            return
        writing = reader.being_written()
        if writing != self._writing:
            with self._lock:
                self._writing = writing
                self._summary = {**self._summary, "writing": writing}

    def _fold_in(self, fold: TrajectoryFold, result: Result, seq: int) -> None:
        """Adds what ``result`` holds beyond the rows already made."""
        new_rows = [fold.row(job) for job in result.jobs[len(self._rows) :]]
        new_trials: list[list[Any]] = []
        changes: list[list[Any]] = []
        if self._summary.get("seq") != seq:
            for trial in result.trials:
                status = trial.status.name
                old = self._status.get(trial.trial_id)
                if old is None:
                    new_trials.append(trial_row(trial))
                if old != status:
                    changes.append([trial.trial_id, status])
        figures = summary(result, seq)
        figures["writing"] = self._writing
        with self._lock:
            for position, row in enumerate(new_rows, start=len(self._rows)):
                self._jobs_of.setdefault(row[1], []).append(position)
            self._rows.extend(new_rows)
            self._trials.extend(new_trials)
            self._changes.extend(changes)
            for tid, status in changes:
                self._status[tid] = status
            self._summary = figures
            self._result = result

    # -- what the server asks --------------------------------------------------------

    def version(self) -> tuple[Any, ...]:
        """Changes whenever what :meth:`snapshot` returns changes."""
        with self._lock:
            return (
                len(self._rows),
                len(self._changes),
                self._summary.get("seq"),
                id(self._summary),
                self.error,
            )

    def state(self) -> dict[str, Any]:
        """The run's figures as they stand, and why the last read failed (or None)."""
        with self._lock:
            return {"summary": self._summary, "error": self.error}

    def snapshot(self) -> dict[str, Any]:
        """Everything read so far, with the cursor for :meth:`updates`."""
        with self._lock:
            rows, trials, changes = list(self._rows), list(self._trials), len(self._changes)
            status = [[tid, st] for tid, st in self._status.items()]
            state = {"summary": self._summary, "error": self.error}
        return {
            "meta": self.meta,
            **state,
            "jobs": rows,
            "trials": trials,
            "status": status,
            "cursor": {
                "jobs": len(rows),
                "trials": len(trials),
                "changes": changes,
                "feed": self.token,
            },
        }

    def updates(
        self, jobs: int, trials: int, changes: int, feed: str | None = None
    ) -> dict[str, Any]:
        """What was read after a page's cursor: new job rows, trials and status changes.

        A cursor of another feed (``feed``, a page from an earlier server: it counted
        its status changes its own way) or beyond what was read gets everything again,
        with ``"reset": true``.
        """
        with self._lock:
            if (
                (feed is not None and feed != self.token)
                or jobs > len(self._rows)
                or trials > len(self._trials)
                or changes > len(self._changes)
            ):
                reset = True
                jobs = trials = changes = 0
            else:
                reset = False
            rows = self._rows[jobs:]
            new_trials = self._trials[trials:]
            new_changes = self._changes[changes:]
            cursor = {
                "jobs": len(self._rows),
                "trials": len(self._trials),
                "changes": len(self._changes),
                "feed": self.token,
            }
            state = {"summary": self._summary, "error": self.error}
        return {
            **state,
            "reset": reset,
            "jobs": rows,
            "trials": new_trials,
            "status": new_changes,
            "cursor": cursor,
        }

    def trial(self, trial_id: int) -> dict[str, Any] | None:
        """A trial's page: its config, status, every job with its whole error, its logs."""
        with self._lock:
            result = self._result
            indices = list(self._jobs_of.get(trial_id, ()))
            rows = [self._rows[i] for i in indices]
            status = self._status.get(trial_id)
        if result is None or status is None:
            return None
        record = next((t for t in result.trials if t.trial_id == trial_id), None)
        if record is None:
            return None
        errors = [{"job": i, "text": result.jobs[i].error} for i in indices if result.jobs[i].error]
        return {
            "run": self.run_id,
            "trial_id": trial_id,
            "config": jsonable(dict(record.config)),
            "status": status,
            "error": record.error,
            "jobs": rows,
            "errors": errors,
            "logs": trial_logs(self.directory, trial_id),
        }

    def details(self, log_cap: int) -> dict[str, Any]:
        """Every trial's whole errors and logs (each trial's logs cut to ``log_cap`` bytes),
        for trials that have either: what an exported page shows on trial pages."""
        with self._lock:
            result = self._result
        if result is None:
            return {}
        details: dict[str, Any] = {}
        for trial in result.trials:
            if trial.error:
                details[str(trial.trial_id)] = {"error": trial.error, "errors": [], "logs": []}
        for position, job in enumerate(result.jobs):
            if job.error:
                entry = details.setdefault(
                    str(job.trial_id), {"error": None, "errors": [], "logs": []}
                )
                entry["errors"].append({"job": position, "text": job.error})
        for trial_id in sorted(logged_trials(self.directory)):
            logs = trial_logs(self.directory, trial_id, total_cap=log_cap)
            if logs:
                entry = details.setdefault(str(trial_id), {"error": None, "errors": [], "logs": []})
                entry["logs"] = logs
        return details
