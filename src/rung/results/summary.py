"""Reading a run back from its store: the same :class:`~rung.results.result.Result` a live
run returns, built by the same code.

:func:`read_result` reads an experiment directory once; a :class:`RunReader` follows a run
as it goes, reading only the events recorded since its last read (``rung show``, the
plots and the dashboard use it). Both hand every recorded job to a
:class:`~rung.results.recorder.RunRecorder` in the order the run recorded them, so the
incumbent, the resource spent and the trajectory are those the run computed. Reading
never blocks the run that writes (SQLite WAL readers), nor waits for it.
"""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path
from typing import Any

from rung._checks import InstanceOf, check
from rung.domains import tuples_from_record
from rung.errors import StoreError
from rung.results.recorder import RunRecorder
from rung.results.result import OpenJob, Result
from rung.results.spec import Budget, RunSpec
from rung.results.spec_legacy import spec_from_settings
from rung.store import EventKind, ExperimentStore, job_record
from rung.types import Report

__all__ = ["RunReader", "budget_after", "load_checkpoint", "read_result", "recorded_budget"]

_DIRECTORY = InstanceOf((str, os.PathLike), "an experiment directory (a str or a path)")


def spec_of(started: dict[str, Any]) -> RunSpec:
    """The spec a RUN_STARTED payload records (rung 0.1.0's settings are converted).

    Raises:
        StoreError: the payload holds no spec this rung can read.
    """
    if "spec" in started:
        return RunSpec.from_dict(started["spec"])
    if "settings" in started:
        return spec_from_settings(started["settings"])
    raise StoreError("The record's RUN_STARTED event holds no run spec: the database is damaged.")


def recorded_budget(store: Any, started: Budget) -> Budget:
    """The budget of the run's latest start or resume, as its store recorded it: the
    budget the run is held to now, which a resume inherits and every reader shows (a
    :class:`RunReader` folds the events one at a time with :func:`budget_after`)."""
    budget = started
    for event in store.events():
        budget = budget_after(budget, event)
    return budget


def budget_after(budget: Budget, event: Any) -> Budget:
    """The run's budget once ``event`` is recorded, ``budget`` the one before it: a resume
    that recorded a budget holds the run to that one (a resume recorded without one, by
    an older rung, keeps the budget before it)."""
    if event.kind is EventKind.RUN_RESUMED and "budget" in event.data:
        return Budget.from_dict(event.data["budget"])
    return budget


class RunReader:
    """Follows the experiment in ``directory``: each :meth:`read` folds the new events.

    Args:
        directory: The experiment directory.

    Raises:
        StoreError: no experiment there, or its database is damaged, foreign or newer.
    """

    def __init__(self, directory: str | os.PathLike[str]) -> None:
        check("RunReader", "directory", directory, _DIRECTORY)
        self.directory = Path(directory)
        self._store = ExperimentStore.open(self.directory, readonly=True)
        try:
            self.spec = spec_of(self._store.started)
        except BaseException:
            self._store.close()
            raise
        self._recorder = RunRecorder(self.spec)
        # A choice among tuples is recorded as JSON lists: read back as the tuples.
        self._choices = [n for n, d in self.spec.space.items() if d.startswith("choice(")]
        self._seq = 0
        self._open: dict[int, OpenJob] = {}
        self._final: dict[str, Any] | None = None
        self._finished = False
        self._stop_reason: str | None = None
        self._workers = self.spec.workers
        self._wall = 0.0

    @property
    def last_seq(self) -> int:
        """The sequence number of the last event read."""
        return self._seq

    def being_written(self) -> bool | None:
        """Whether a process writes the run now (a run not finished and not written was
        stopped or killed); None where the platform cannot tell. See
        :meth:`rung.store.ExperimentStore.being_written`."""
        return self._store.being_written()

    def read(self) -> Result:
        """Folds the events recorded since the last read; returns the run as it stands.

        Raises:
            StoreError: the database cannot be read, or an event is damaged.
        """
        recorder = self._recorder
        for event in self._store.events(after=self._seq):
            self._seq = event.seq
            kind, data, tid = event.kind, event.data, event.trial_id
            try:
                if kind is EventKind.JOB_ENDED:
                    record = job_record(event)
                    if self._choices:
                        record = replace(record, config=self._config(record.config))
                    recorder.job_ended(record, again=record.decision is None)
                    self._open.pop(record.trial_id, None)
                elif kind is EventKind.JOB_STARTED and tid is not None:
                    if "config" in data:
                        recorder.job_started(tid, self._config(data["config"]))
                    self._open[tid] = OpenJob(
                        tid, int(data["resource_from"]), int(data["resource_to"]), event.time
                    )
                elif kind is EventKind.JOB_REPORTED and tid in self._open:
                    metrics = data.get("metrics")
                    report = Report(
                        int(data["resource"]),
                        float(data["value"]),
                        event.time,
                        None if metrics is None else {k: float(v) for k, v in metrics.items()},
                    )
                    opened = self._open[tid]
                    self._open[tid] = OpenJob(
                        tid, opened.resource_from, opened.resource_to, opened.start, report
                    )
                elif kind is EventKind.TRIAL_STOPPED and tid is not None:
                    recorder.trial_stopped(tid)
                elif kind is EventKind.RUN_RESUMED:
                    self._finished = False
                    self._stop_reason = None
                    self._open.clear()  # the jobs a stopped run left open run again now
                    self._workers = int(data.get("workers", self._workers))
                    budget = budget_after(self.spec.budget, event)
                    if budget != self.spec.budget:  # the limits the run is held to now
                        self.spec = replace(self.spec, budget=budget)
                        recorder.spec = self.spec
                elif kind is EventKind.RUN_FINISHED:
                    self._finished = True
                    self._stop_reason = data.get("stop_reason")
                elif kind is EventKind.FINAL:
                    self._final = dict(data)
            except (KeyError, TypeError, ValueError) as err:
                raise StoreError(
                    f"Event {event.seq} of {str(self.directory / ExperimentStore.DB_NAME)!r} "
                    f"is damaged ({type(err).__name__}: {err}): restore the file from a "
                    "backup, or start a new run."
                ) from None
            if event.time == event.time:  # not NaN
                self._wall = max(self._wall, event.time)
        return recorder.result(
            self._wall,
            self._workers,
            finished=self._finished,
            stop_reason=self._stop_reason,
            open_jobs=tuple(self._open.values()),
            final=self._final,
            directory=self.directory,
        )

    def _config(self, config: Any) -> dict[str, Any]:
        restored = dict(config)
        for name in self._choices:
            if name in restored:
                restored[name] = tuples_from_record(restored[name])
        return restored

    def close(self) -> None:
        self._store.close()

    def __enter__(self) -> RunReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def read_result(directory: str | os.PathLike[str]) -> Result:
    """The run recorded in ``directory``, as it stands (finished, running or cut short).

    Raises:
        StoreError: no experiment there, or its database is damaged, foreign or newer.

    Example:
        >>> import rung, tempfile
        >>> directory = tempfile.mkdtemp()
        >>> searcher = rung.RandomSearcher({"x": rung.uniform(-1, 1)})
        >>> tuner = rung.Tuner(lambda c: c["x"] ** 2, rung.FIFO(searcher), directory=directory)
        >>> live = tuner.run(max_trials=5)
        >>> read_result(directory).best_value == live.best_value
        True
    """
    with RunReader(directory) as reader:
        return reader.read()


def load_checkpoint(directory: str | os.PathLike[str], trial_id: int | None = None) -> Any:
    """The newest checkpoint of ``trial_id`` (default: the best trial's), decoded safely.

    The store keeps the best trial's checkpoint (its trained state at the full resource)
    after the run, so the best model can be rebuilt without training it again.

    Raises:
        StoreError: no experiment there, no best trial (none at the full resource yet,
            or none feasible: the message says which), or no checkpoint kept for it.
    """
    check("load_checkpoint()", "directory", directory, _DIRECTORY)
    with ExperimentStore.open(directory, readonly=True) as store:
        if trial_id is None:
            from rung.results.report import no_best_reason

            with RunReader(directory) as reader:
                result = reader.read()
            if result.incumbent is None:  # why: not there yet, infeasible, or not finite
                raise StoreError(
                    f"The experiment in {str(directory)!r} has no best trial, so no best "
                    f"checkpoint: {no_best_reason(result)}."
                )
            trial_id = result.incumbent.trial_id
        state = store.load_checkpoint(trial_id)
    if state is None:
        raise StoreError(
            f"No checkpoint of trial {trial_id} is kept in {str(directory)!r} (its objective "
            "passed none, or the trial is not the best and finished)."
        )
    return state
