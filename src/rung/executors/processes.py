"""A pool of long-lived worker processes on this machine: the default for ``workers > 1``.

Each worker is spawned once, imports the objective (and so torch and the data) once and
keeps them between jobs: no process and no re-import per trial. Tasks go to a free
worker through its own pipe; outcomes come back as events on those pipes, and a worker
that dies (``os._exit``, a segfault, the OOM killer) is seen through its process
sentinel at once: its job is reported failed and a new worker takes its slot.

A worker that dies while it starts (an out-of-memory kill while torch and the data load
is the likeliest moment) is started again, up to :data:`START_ATTEMPTS` times; a slot that
still cannot start is given up with a warning, and the run goes on with fewer workers
(:attr:`ProcessExecutor.workers` says how many). Only if no worker starts does
:meth:`ProcessExecutor.start` fail.

Checkpoints travel as bytes (:mod:`rung.codec`), so a paused trial resumes
on whichever worker is free.

A loop that runs from the start keeps its call paused in the worker that ran it
(:mod:`rung.executors._paused`), so the trial's next job goes to that worker: at once
when it is free; when it is busy, to a free worker from the trial's checkpoint if it
passed one (the paused call is released), else it waits for that worker, as the paused
call holds training no other worker has. A worker that dies takes its paused calls with
it: their trials continue from their checkpoints, or start over.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import pickle
import sys
import time
from collections.abc import Callable, Sequence
from multiprocessing.connection import wait
from typing import Any

from rung._checks import Integer, OneOf, check_all
from rung.codec import Blob
from rung.executors._gpus import device_of, parse_gpus
from rung.executors._paused import DEFAULT_MAX_CALLS, DEFAULT_MAX_MEMORY_MB, check_limits
from rung.executors._process_worker import (
    _FAILED_START,
    _OUTCOME,
    _RELEASE,
    _RELEASED,
    _REPORT,
    _exit_reason,
    _Worker,
    _worker_main,
)
from rung.executors.base import Executor, ReportListener
from rung.task import Outcome, Task
from rung.trial import timeout_message
from rung.types import Report

__all__ = ["START_ATTEMPTS", "ProcessExecutor"]

logger = logging.getLogger(__name__)

_TIMEOUT_GRACE_S = 1.0

#: How many times a worker slot is started before it is given up.
START_ATTEMPTS = 3


def _dump_objective(objective: Callable[..., Any]) -> bytes:
    """The objective as the workers load it: pickled by name where they can import it,
    else by value (cloudpickle): a notebook's ``__main__`` has no file to import.

    Raises:
        TypeError: it cannot be pickled either way.
    """
    main = sys.modules.get("__main__")
    interactive = main is not None and not getattr(main, "__file__", None)
    error: Exception | None = None
    if not interactive:
        try:
            return pickle.dumps(objective, pickle.HIGHEST_PROTOCOL)
        except Exception as err:  # a lambda, a closure: by value below
            error = err
    try:
        import cloudpickle
    except ImportError:
        reason = error or "it is defined in an interactive session"
        raise TypeError(
            f"The objective cannot be sent to worker processes ({reason}); define it in a "
            "module, or pip install cloudpickle."
        ) from None
    try:
        return cloudpickle.dumps(objective, pickle.HIGHEST_PROTOCOL)
    except Exception as err:
        raise TypeError(
            f"The objective must be picklable to run in worker processes ({err}); it or "
            "something it refers to cannot be sent (an open file, a lock, a connection)."
        ) from None


_RULES = {
    "workers": Integer(low=1),
    "threads_per_worker": Integer(low=1, nullable=True),
}


class ProcessExecutor(Executor):
    """Runs jobs on ``workers`` long-lived local processes.

    Args:
        workers: How many worker processes, and so how many jobs at once.
        threads_per_worker: Threads each worker's numpy/torch may use; by default the CPU
            count split evenly across workers (at least one), so workers do not oversubscribe.
        start_method: The multiprocessing start method; ``"spawn"`` (default) is safe with
            torch and threads, ``"forkserver"`` and ``"fork"`` start faster where available.
        gpus: Give each worker its own GPU through ``CUDA_VISIBLE_DEVICES``: device
            indices or UUIDs (``[0, 1]``, ``"0,1"``), or ``"all"`` (every visible GPU);
            with more workers than GPUs they share them round-robin (see
            :mod:`rung.executors._gpus`). None (default): workers inherit this process's.
        max_paused_calls: Paused calls of loops that run from the start each worker keeps
            (0: none); see :mod:`rung.executors._paused`.
        max_paused_memory_mb: Memory each worker's paused calls may hold, in MiB.

    The objective travels to the workers pickled: a module-level function goes by name;
    one defined in a notebook or an interactive session, a lambda or a closure goes by
    value, with cloudpickle. A script that uses this executor must guard its entry point
    with ``if __name__ == "__main__":``, as for any spawned process.

    Example:
        >>> executor = ProcessExecutor(workers=2)  # doctest: +SKIP
        >>> scheduler = rung.ASHA(searcher, min_resource=1, max_resource=27)  # doctest: +SKIP
        >>> tuner = rung.Tuner(objective, scheduler, executor=executor)  # doctest: +SKIP
        >>> tuner.run(max_trials=50)  # doctest: +SKIP
    """

    def __init__(
        self,
        workers: int = 2,
        threads_per_worker: int | None = None,
        start_method: str = "spawn",
        gpus: str | Sequence[int | str] | None = None,
        max_paused_calls: int = DEFAULT_MAX_CALLS,
        max_paused_memory_mb: float = DEFAULT_MAX_MEMORY_MB,
    ) -> None:
        self._paused = check_limits("ProcessExecutor", max_paused_calls, max_paused_memory_mb)
        self._holder: dict[int, int] = {}  # trial -> the slot that holds its paused call
        self._reports: ReportListener | None = None
        rules = {
            **_RULES,
            "start_method": OneOf(tuple(multiprocessing.get_all_start_methods())),
        }
        check_all("ProcessExecutor", rules, locals())
        if threads_per_worker is None:
            threads_per_worker = max(1, (os.cpu_count() or 1) // workers)
        self.workers = self._requested = workers
        self.threads_per_worker = threads_per_worker
        self.start_method = start_method
        self.gpus = parse_gpus(gpus)
        self._context = multiprocessing.get_context(start_method)
        self._pool: list[_Worker] = []
        self._objective = b""
        self._clock: Callable[[], float] | None = None

    def __repr__(self) -> str:
        return (
            f"ProcessExecutor(workers={self.workers}, "
            f"threads_per_worker={self.threads_per_worker}, start_method={self.start_method!r}"
            + (f", gpus={list(self.gpus)!r})" if self.gpus else ")")
        )

    def start(
        self,
        objective: Callable[..., Any],
        clock: Callable[[], float],
        reports: ReportListener | None = None,
    ) -> None:
        """Spawns the workers and waits until each has loaded the objective.

        A worker that dies while starting is started again (:data:`START_ATTEMPTS` in
        all); a slot that never starts is left out, and :attr:`workers` becomes the number
        that did.

        Raises:
            TypeError: the objective cannot be pickled.
            RuntimeError: a worker could not load the objective (its traceback is included),
                or every worker died while starting.
        """
        self._reports = reports
        self._objective = _dump_objective(objective)
        self._clock = clock
        self.workers = self._requested  # a slot left out last time may start now
        self._pool = [self._spawn(slot) for slot in range(self.workers)]
        try:
            started = [self._start_slot(worker) for worker in list(self._pool)]
        except BaseException:
            self.close()
            raise
        self._pool = [worker for worker in started if isinstance(worker, _Worker)]
        if not self._pool:
            self.close()
            reason = str(started[-1])
            if reason.startswith("killed"):
                hint = (
                    "An out-of-memory kill is the likeliest cause: run fewer workers, or "
                    "give them more memory."
                )
            else:  # an exit with an error, before the objective was even loaded
                hint = (
                    "Each exited with an error before loading the objective (its traceback "
                    "is above): a worker process imports the main script again, so a "
                    "script that starts a run must guard it with "
                    '`if __name__ == "__main__":`, and its main module must be importable.'
                )
            raise RuntimeError(
                f"No worker could start: each of the {len(started)} died while starting, "
                f"{START_ATTEMPTS} times ({reason}). {hint}"
            )
        if len(self._pool) < len(started):
            logger.warning(
                "%d of %d workers could not start; the run goes on with %d.",
                len(started) - len(self._pool),
                len(started),
                len(self._pool),
            )
            self.workers = len(self._pool)

    def _start_slot(self, worker: _Worker) -> _Worker | str:
        """The slot's worker once ready, started again if it dies while starting; the
        reason of its last death if it never starts."""
        for attempt in range(1, START_ATTEMPTS + 1):
            died = self._await_ready(worker)
            if died is None:
                return worker
            if attempt < START_ATTEMPTS:
                logger.warning(
                    "Worker %d died while starting (%s); starting it again (attempt %d of %d).",
                    worker.slot,
                    died,
                    attempt + 1,
                    START_ATTEMPTS,
                )
                worker.conn.close()
                index = self._pool.index(worker)
                worker = self._pool[index] = self._spawn(worker.slot)  # close() must see it
        logger.warning(
            "Worker %d died while starting, %d times (%s); leaving its slot out.",
            worker.slot,
            START_ATTEMPTS,
            died,
        )
        worker.conn.close()
        return died

    def _spawn(self, slot: int) -> _Worker:
        parent, child = self._context.Pipe(duplex=True)
        process = self._context.Process(
            target=_worker_main,
            args=(
                slot,
                child,
                self._objective,
                self.threads_per_worker,
                device_of(self.gpus, slot),
                self._paused,
            ),
            name=f"rung-worker-{slot}",
            daemon=True,
        )
        process.start()
        child.close()
        return _Worker(slot, process, parent)

    def _await_ready(self, worker: _Worker) -> str | None:
        """Waits for the worker's ready message: None once ready, how it ended if it died.

        Raises:
            RuntimeError: the worker could not load the objective (an exception: starting
                it again would fail the same way).
        """
        try:
            message = worker.conn.recv_bytes()
        except (EOFError, OSError):
            worker.process.join(5)
            return _exit_reason(worker.process.exitcode)
        if message[:1] == _FAILED_START:
            raise RuntimeError(
                f"Worker {worker.slot} could not load the objective:\n{message[1:].decode()}"
            )
        return None

    def submit(self, task: Task) -> None:
        if self._clock is None:
            raise RuntimeError("ProcessExecutor.start() must be called before submit().")
        free = next((w for w in self._pool if w.task is None), None)
        if free is None:
            raise RuntimeError(
                f"All {self.workers} workers are busy; wait() for an outcome before submitting."
            )
        holder = self._worker_at(self._holder.get(task.job.trial_id))
        if holder is not None and holder.task is not None:  # its worker is busy
            if task.checkpoint is None:  # only that worker has the training: wait for it
                holder.queued.append(task)
                return
            self.release([task.job.trial_id])  # the checkpoint continues it anywhere
        elif holder is not None:
            free = holder
        self._send(free, task)

    def _worker_at(self, slot: int | None) -> _Worker | None:
        """The worker of ``slot`` (slots that never started are left out of the pool)."""
        if slot is None:
            return None
        return next((w for w in self._pool if w.slot == slot), None)

    def _send(self, worker: _Worker, task: Task) -> None:
        assert self._clock is not None  # noqa: S101 - started
        base = time.monotonic() - self._clock()  # the workers' clock: same origin as ours
        worker.task, worker.submitted = task, self._clock()
        # A dead worker cannot take it: wait() sees its sentinel and reports the job failed.
        with contextlib.suppress(OSError):
            worker.conn.send_bytes(pickle.dumps((task, base), pickle.HIGHEST_PROTOCOL))

    def release(self, trial_ids: list[int]) -> None:
        """Tells the workers holding the paused calls of ``trial_ids`` to end them."""
        for tid in trial_ids:
            worker = self._worker_at(self._holder.pop(tid, None))
            if worker is not None:
                with contextlib.suppress(OSError):
                    message = (_RELEASE, [tid])
                    worker.conn.send_bytes(pickle.dumps(message, pickle.HIGHEST_PROTOCOL))

    def wait(self) -> list[Outcome]:
        while True:
            busy = [w for w in self._pool if w.task is not None]
            if not busy:
                return []
            handles: dict[Any, _Worker] = {}
            for worker in busy:
                handles[worker.conn] = worker
                handles[worker.process.sentinel] = worker
            outcomes: list[Outcome] = []
            seen: set[int] = set()
            for handle in wait(list(handles), self._time_left(busy)):
                worker = handles[handle]
                if worker.slot in seen:
                    continue
                seen.add(worker.slot)
                outcome = self._receive(worker)
                if outcome is not None:
                    outcomes.append(outcome)
            outcomes += self._end_overdue(w for w in busy if w.slot not in seen)
            if outcomes:  # else: only a new worker's ready message came
                return outcomes

    def _expiry(self, worker: _Worker) -> float | None:
        """When a job that never reports in time is ended: its timeout, plus a grace that
        lets an iterative job fail itself at its next report first."""
        timeout = worker.task.timeout if worker.task is not None else None
        if timeout is None:
            return None
        return worker.submitted + timeout + _TIMEOUT_GRACE_S

    def _time_left(self, busy: list[_Worker]) -> float | None:
        expiries = [e for e in map(self._expiry, busy) if e is not None]
        if not expiries or self._clock is None:
            return None
        return max(0.0, min(expiries) - self._clock())

    def _end_overdue(self, workers: Any) -> list[Outcome]:
        """Kills the workers whose job ran past its timeout; their jobs fail."""
        now = self._clock() if self._clock is not None else 0.0
        outcomes = []
        for worker in workers:
            expiry = self._expiry(worker)
            if worker.task is not None and expiry is not None and now >= expiry:
                worker.process.kill()
                outcomes.append(self._replace_dead(worker, timed_out=True))
        return outcomes

    def _receive(self, worker: _Worker) -> Outcome | None:
        """The worker's outcome, or a failed one if it died; None if it is still running.

        Reports that came first go to :attr:`reports`, outside the pipe's error handling:
        a listener's failure (a full disk) is raised, not taken for a dead worker.
        """
        job = worker.task.job if worker.task is not None else None
        reports: list[tuple[Report, Blob | None]] = []
        outcome: Outcome | None = None
        try:
            while outcome is None and worker.conn.poll():
                message = worker.conn.recv_bytes()
                tag = message[:1]
                if tag == _REPORT:
                    resource, value, at, metrics, data = pickle.loads(message[1:])
                    blob = None if data is None else Blob(data)
                    reports.append((Report(resource, value, at, metrics), blob))
                elif tag == _OUTCOME:
                    outcome = pickle.loads(message[1:])
                    worker.task = None
                    self._held(worker, outcome)
                elif tag == _RELEASED:  # its limits released these paused calls
                    for tid in pickle.loads(message[1:]):
                        if self._holder.get(tid) == worker.slot:
                            del self._holder[tid]
                elif tag == _FAILED_START:  # a replacement worker could not start
                    raise RuntimeError(
                        f"Worker {worker.slot} could not load the objective:\n"
                        f"{message[1:].decode()}"
                    )
        except (EOFError, OSError):
            pass
        if self._reports is not None and job is not None:
            for report, blob in reports:
                self._reports(job, report, blob)
        if outcome is not None:
            return outcome
        if worker.process.is_alive():
            return None
        return self._replace_dead(worker)

    def _held(self, worker: _Worker, outcome: Outcome) -> None:
        """Notes where the trial's call is paused; sends the worker its next queued task."""
        tid = outcome.job.trial_id
        if outcome.paused_call:
            self._holder[tid] = worker.slot
        elif self._holder.get(tid) == worker.slot:
            del self._holder[tid]
        if worker.queued:
            self._send(worker, worker.queued.popleft())

    def _replace_dead(self, worker: _Worker, timed_out: bool = False) -> Outcome:
        task = worker.task
        assert task is not None  # only busy workers are waited on
        worker.process.join()
        reason = _exit_reason(worker.process.exitcode)
        if timed_out:
            error = timeout_message(task.timeout or 0.0)
        else:
            error = f"WorkerDied: worker {worker.slot} died while running this job ({reason})."
        worker.conn.close()
        for tid in [t for t, slot in self._holder.items() if slot == worker.slot]:
            del self._holder[tid]  # its paused calls died with it
        # The replacement starts in the background: a task sent before it is ready waits in
        # its pipe, behind the ready message.
        index = self._pool.index(worker)
        replacement = self._pool[index] = self._spawn(worker.slot)
        replacement.queued = worker.queued  # they continue from checkpoints, or start over
        if replacement.queued:
            self._send(replacement, replacement.queued.popleft())
        now = self._clock() if self._clock is not None else worker.submitted
        return Outcome.failed(task.job, error, worker.submitted, now, worker.slot)

    def close(self) -> None:
        """Tells idle workers to exit and ends busy ones (a run cut short)."""
        for worker in self._pool:
            if worker.task is None:
                with contextlib.suppress(OSError):
                    worker.conn.send_bytes(b"")
        for worker in self._pool:
            worker.process.join(2 if worker.task is None else 0)
            if worker.process.is_alive():
                worker.process.terminate()
                worker.process.join(5)
            worker.conn.close()
        self._pool = []
        self._holder = {}
        self._clock = None
