"""A pool of long-lived worker processes on this machine: the default for ``workers > 1``.

Each worker is spawned once, imports the objective (and so torch and the data) once and
keeps them between jobs: no process and no re-import per trial. Tasks go to a free
worker through its own pipe; outcomes come back as events on those pipes, and a worker
that dies (``os._exit``, a segfault, the OOM killer) is seen through its process
sentinel at once: its job is reported failed and a new worker takes its slot.

Checkpoints travel as bytes (:mod:`rung.codec`), so a paused trial resumes
on whichever worker is free.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import pickle
import time
from collections.abc import Callable, Sequence
from multiprocessing.connection import wait
from typing import Any

from rung.codec import Blob
from rung.errors import ConfigError
from rung.executors._gpus import device_of, parse_gpus
from rung.executors._process_worker import (
    _FAILED_START,
    _OUTCOME,
    _REPORT,
    _exit_reason,
    _Worker,
    _worker_main,
)
from rung.executors.base import Executor, Outcome, ReportListener, Task
from rung.trial import timeout_message
from rung.types import Report

__all__ = ["ProcessExecutor"]

_TIMEOUT_GRACE_S = 1.0


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

    The objective must be picklable: a module-level function or an instance of a
    module-level class, not a lambda or a closure. A script that uses this executor must
    guard its entry point with ``if __name__ == "__main__":``, as for any spawned process.

    Example:
        >>> executor = ProcessExecutor(workers=2)  # doctest: +SKIP
        >>> tuner = rung.Tuner(objective, rung.ASHA(searcher), executor=executor)  # doctest: +SKIP
        >>> tuner.run(max_trials=50)  # doctest: +SKIP
    """

    def __init__(
        self,
        workers: int = 2,
        threads_per_worker: int | None = None,
        start_method: str = "spawn",
        gpus: str | Sequence[int | str] | None = None,
    ) -> None:
        self._reports: ReportListener | None = None
        if isinstance(workers, bool) or not isinstance(workers, int):
            raise TypeError(f"The 'workers' parameter must be an int; got {workers!r}.")
        if workers < 1:
            raise ConfigError(f"The 'workers' parameter must be >= 1; got {workers!r}.")
        if threads_per_worker is None:
            threads_per_worker = max(1, (os.cpu_count() or 1) // workers)
        elif isinstance(threads_per_worker, bool) or not isinstance(threads_per_worker, int):
            raise TypeError(
                f"The 'threads_per_worker' parameter must be an int or None; "
                f"got {threads_per_worker!r}."
            )
        elif threads_per_worker < 1:
            raise ConfigError(
                f"The 'threads_per_worker' parameter must be >= 1; got {threads_per_worker!r}."
            )
        methods = multiprocessing.get_all_start_methods()
        if start_method not in methods:
            raise ConfigError(
                f"The 'start_method' parameter must be one of {methods}; got {start_method!r}."
            )
        self.workers = workers
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

        Raises:
            TypeError: the objective cannot be pickled.
            RuntimeError: a worker could not load the objective (its traceback is included).
        """
        self._reports = reports
        try:
            self._objective = pickle.dumps(objective, pickle.HIGHEST_PROTOCOL)
        except Exception as error:
            raise TypeError(
                f"The objective must be picklable to run in worker processes ({error}); "
                "define it at module level, not as a lambda or a nested function."
            ) from None
        self._clock = clock
        self._pool = [self._spawn(slot) for slot in range(self.workers)]
        try:
            for worker in self._pool:
                self._await_ready(worker)
        except BaseException:
            self.close()
            raise

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
            ),
            name=f"rung-worker-{slot}",
            daemon=True,
        )
        process.start()
        child.close()
        return _Worker(slot, process, parent)

    def _await_ready(self, worker: _Worker) -> None:
        try:
            message = worker.conn.recv_bytes()
        except (EOFError, OSError):
            worker.process.join(5)
            raise RuntimeError(
                f"Worker {worker.slot} died while starting "
                f"({_exit_reason(worker.process.exitcode)})."
            ) from None
        if message[:1] == _FAILED_START:
            raise RuntimeError(
                f"Worker {worker.slot} could not load the objective:\n{message[1:].decode()}"
            )

    def submit(self, task: Task) -> None:
        if self._clock is None:
            raise RuntimeError("ProcessExecutor.start() must be called before submit().")
        free = next((w for w in self._pool if w.task is None), None)
        if free is None:
            raise RuntimeError(
                f"All {self.workers} workers are busy; wait() for an outcome before submitting."
            )
        base = time.monotonic() - self._clock()  # the workers' clock: same origin as ours
        free.task, free.submitted = task, self._clock()
        # A dead worker cannot take it: wait() sees its sentinel and reports the job failed.
        with contextlib.suppress(OSError):
            free.conn.send_bytes(pickle.dumps((task, base), pickle.HIGHEST_PROTOCOL))

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
        # The replacement starts in the background: a task sent before it is ready waits in
        # its pipe, behind the ready message.
        self._pool[worker.slot] = self._spawn(worker.slot)
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
        self._clock = None
