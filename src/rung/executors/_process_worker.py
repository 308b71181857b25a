"""A worker process of :class:`~rung.executors.processes.ProcessExecutor`, both sides of it.

:func:`_worker_main` is what runs in the process: it loads the objective once, then runs
tasks sent through its pipe until told to stop, answering with one-byte-tagged messages.
:class:`_Worker` is the driver's handle on such a process, and :func:`_exit_reason`
says how one ended.
"""

from __future__ import annotations

import os
import pickle
import signal
import sys
import time
import traceback
from collections import deque
from multiprocessing.connection import Connection
from typing import Any

from rung.codec import Blob
from rung.executors._paused import PausedCalls
from rung.executors._remote import run_task
from rung.task import Task
from rung.types import Report

__all__ = [
    "_FAILED_START",
    "_OUTCOME",
    "_READY",
    "_RELEASE",
    "_RELEASED",
    "_REPORT",
    "_Worker",
    "_exit_reason",
    "_worker_main",
]

# The first byte of each message a worker sends: ready, could not start, an outcome, a
# report of the running job, trials whose paused calls it released.
_READY, _FAILED_START, _OUTCOME, _REPORT, _RELEASED = b"R", b"E", b"O", b"P", b"L"
# What the driver sends: a pickled (task, clock base), or (_RELEASE, trial ids); b"": stop.
_RELEASE = "release"
_THREAD_VARIABLES = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS")


def _worker_main(
    slot: int,
    conn: Connection,
    objective: bytes,
    threads: int,
    device: str | None = None,
    paused: tuple[int, float] = (0, 1.0),
) -> None:
    """A worker's life: set its thread count (and GPU), load the objective, run tasks.

    ``paused``: the limits of the paused calls it keeps (max calls, max MiB).
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the driver's to handle
    if device is not None:  # before anything initializes CUDA; programs inherit it
        os.environ["CUDA_VISIBLE_DEVICES"] = device
    for variable in _THREAD_VARIABLES:  # before numpy or torch load their thread pools
        os.environ[variable] = str(threads)
    try:
        function = pickle.loads(objective)
        torch = sys.modules.get("torch")
        if torch is not None:
            torch.set_num_threads(threads)
    except BaseException:
        conn.send_bytes(_FAILED_START + traceback.format_exc().encode())
        return
    conn.send_bytes(_READY)

    def send_report(report: Report, checkpoint: Blob | None) -> None:
        data = None if checkpoint is None else checkpoint.data
        message = (report.resource, report.value, report.time, report.metrics, data)
        conn.send_bytes(_REPORT + pickle.dumps(message, pickle.HIGHEST_PROTOCOL))

    calls = PausedCalls(*paused)
    try:
        while True:
            try:
                message = conn.recv_bytes()
            except (EOFError, OSError):  # the driver is gone
                return
            if not message:
                return
            task, base = pickle.loads(message)
            if task == _RELEASE:
                calls.release(base)
                continue
            outcome = run_task(
                task,
                function,
                lambda base=base: time.monotonic() - base,
                slot,
                send_report,
                calls,
            )
            released = calls.drain_released()
            if released:
                conn.send_bytes(_RELEASED + pickle.dumps(released, pickle.HIGHEST_PROTOCOL))
            conn.send_bytes(_OUTCOME + pickle.dumps(outcome, pickle.HIGHEST_PROTOCOL))
    except (BrokenPipeError, ConnectionResetError):  # the driver died mid-task: nobody to tell
        return
    finally:
        calls.close()


class _Worker:
    """The driver's handle on one worker process and the task it runs."""

    def __init__(self, slot: int, process: Any, conn: Connection) -> None:
        self.slot, self.process, self.conn = slot, process, conn
        self.task: Task | None = None
        self.submitted = 0.0
        self.queued: deque[Task] = deque()  # promotions waiting for this worker's paused call


def _exit_reason(code: int | None) -> str:
    if code is not None and code < 0:
        try:
            return f"killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"killed by signal {-code}"
    return f"exit code {code}"
