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
from multiprocessing.connection import Connection
from typing import Any

from rung.codec import Blob
from rung.executors._remote import run_task
from rung.executors.base import Task
from rung.types import Report

__all__ = [
    "_FAILED_START",
    "_OUTCOME",
    "_READY",
    "_REPORT",
    "_Worker",
    "_exit_reason",
    "_worker_main",
]

# The first byte of each message a worker sends: ready, could not start, an outcome, a
# report of the running job.
_READY, _FAILED_START, _OUTCOME, _REPORT = b"R", b"E", b"O", b"P"
_THREAD_VARIABLES = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS")


def _worker_main(
    slot: int, conn: Connection, objective: bytes, threads: int, device: str | None = None
) -> None:
    """A worker's life: set its thread count (and GPU), load the objective, run tasks."""
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

    while True:
        try:
            message = conn.recv_bytes()
        except (EOFError, OSError):  # the driver is gone
            return
        if not message:
            return
        task, base = pickle.loads(message)
        outcome = run_task(
            task, function, lambda base=base: time.monotonic() - base, slot, send_report
        )
        conn.send_bytes(_OUTCOME + pickle.dumps(outcome, pickle.HIGHEST_PROTOCOL))


class _Worker:
    """The driver's handle on one worker process and the task it runs."""

    def __init__(self, slot: int, process: Any, conn: Connection) -> None:
        self.slot, self.process, self.conn = slot, process, conn
        self.task: Task | None = None
        self.submitted = 0.0


def _exit_reason(code: int | None) -> str:
    if code is not None and code < 0:
        try:
            return f"killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"killed by signal {-code}"
    return f"exit code {code}"
