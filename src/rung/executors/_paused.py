"""Paused calls: a loop that runs from the start is continued, not run again.

An iterative objective written as one loop over all its resources (Optuna's and Keras's
style: ``for epoch in range(1, 101): trial.report(epoch, loss)``) cannot start in the
middle. Rather than ending such a call when its job reaches ``resource_to``, the worker
that runs it keeps it *paused* there: the objective runs in a thread of the worker, and
``trial.report`` blocks at ``resource_to`` after the job's outcome has been handed back.
When the scheduler promotes the trial (ASHA, a synchronous barrier, the stopping
variant's continuation), its next job goes to the same worker, ``report`` returns, and
the loop goes on with its model, optimizer and data still in memory: no epoch is trained
twice and nothing set up before the loop runs again. When the scheduler stops the trial,
``report`` raises a control-flow exception (:meth:`rung.Trial.should_stop` says True)
and the thread ends, running the objective's ``finally`` blocks.

The rule, as measured (``benchmarks/paused_calls.py``, ``docs/objectives.md``):

* A job whose ``resource_to`` is below the scheduler's ``max_resource`` runs in a thread
  and pauses at its end; other jobs run in the worker's own thread, as always.
* A worker keeps at most ``max_calls`` paused calls, holding at most ``max_memory_mb``
  (the growth of the process's resident memory while each call ran, as the operating
  system counts it, plus the CUDA memory torch allocated meanwhile). Past either, the
  call paused longest ago is released (LRU): in ASHA the best trials are promoted
  first, so a call left waiting longest is the least likely to be.
* A continued call that ends without reporting (a loop over
  ``range(trial.resource_from, trial.resource_to)``, or a program run to
  ``resource_to``: it was written to be called again) is called again from its
  checkpoint at once, and the worker stops pausing calls: such objectives gain nothing
  from it. An objective whose ``keep_paused`` attribute is False is never paused.
* A trial whose paused call is gone (released, its worker died, the run was resumed, a
  Dask worker) is called again, from ``trial.checkpoint`` when it passed one; a loop
  from the start then retrains what the trial had, and those reports are not recorded
  (:attr:`~rung.executors.base.Outcome.retrained` counts them, and the run warns).
"""

from __future__ import annotations

import contextlib
import logging
import os
import queue
import sys
import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from rung._checks import Integer, Real, check_all
from rung.codec import Blob
from rung.executors._checkpoints import decode_checkpoint
from rung.task import Outcome, Task
from rung.trial import Trial, _Released, call_objective, execute, new_trial, outcome_of
from rung.types import JobStatus, Report

__all__ = ["DEFAULT_MAX_CALLS", "DEFAULT_MAX_MEMORY_MB", "PausedCalls", "check_limits"]

logger = logging.getLogger(__name__)

DEFAULT_MAX_CALLS = 64
DEFAULT_MAX_MEMORY_MB = 2048.0
_JOIN_S = 10.0  # how long a released call may take to unwind (its finally blocks)

# What the objective's thread tells the worker, and what the worker tells it back.
_REPORTED, _PAUSED, _ENDED, _RAISED = range(4)
_CONTINUE, _RELEASE = range(2)


_LIMITS = {
    "max_paused_calls": Integer(low=0),  # 0 keeps none
    "max_paused_memory_mb": Real(low=0, low_open=True, finite=False),
}


def check_limits(owner: str, max_calls: Any, max_memory_mb: Any) -> tuple[int, float]:
    """Validates the paused-call limits of an executor named ``owner``."""
    check_all(
        owner, _LIMITS, {"max_paused_calls": max_calls, "max_paused_memory_mb": max_memory_mb}
    )
    return max_calls, float(max_memory_mb)


def resident_bytes() -> int | None:
    """This process's resident memory, where the system tells it cheaply (Linux), else
    None; plus the CUDA memory torch has allocated, once torch has started CUDA (GPU
    memory is not resident memory, and paused calls hold their models there)."""
    try:
        with open("/proc/self/statm", "rb") as statm:
            held = int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError, AttributeError):
        return None
    torch = sys.modules.get("torch")
    cuda = getattr(torch, "cuda", None)
    if cuda is not None and cuda.is_initialized():
        held += sum(cuda.memory_allocated(d) for d in range(cuda.device_count()))
    return held


class _Call:
    """One objective call running in its own thread, and the channels to it."""

    def __init__(self, task: Task, trial: Trial) -> None:
        self.trial_id = task.job.trial_id
        self.trial = trial
        self.events: queue.SimpleQueue[tuple[int, Any]] = queue.SimpleQueue()
        self.commands: queue.SimpleQueue[int] = queue.SimpleQueue()
        self.thread: threading.Thread | None = None
        self.memory = 0  # bytes the process grew by while the call ran
        self.encode: Callable[[Report, Any], Any] = lambda report, checkpoint: None
        self.abandoned = False  # nobody waits for it: its next report ends it

    def pause(self) -> None:
        """Runs in the objective's thread, inside ``trial.report`` at ``resource_to``."""
        if self.abandoned:
            self.trial._stopped = True
            raise _Released
        self.events.put((_PAUSED, None))
        if self.commands.get() == _RELEASE:
            self.trial._stopped = True
            raise _Released

    def reported(self, report: Report, checkpoint: Any) -> None:
        if self.abandoned:
            self.trial._stopped = True
            raise _Released
        # Encoded here, while the objective waits: its state must not change meanwhile.
        self.events.put((_REPORTED, (report, self.encode(report, checkpoint))))


class PausedCalls:
    """The paused calls of one worker (a worker process, or the inline executor).

    Only the thread that calls :meth:`run` talks to the calls; listeners hear reports in
    that thread too.

    Args:
        max_calls: Paused calls kept at most; 0 keeps none (every job ends its call).
        max_memory_mb: Memory the paused calls may hold together, in MiB.
    """

    def __init__(
        self, max_calls: int = DEFAULT_MAX_CALLS, max_memory_mb: float = DEFAULT_MAX_MEMORY_MB
    ) -> None:
        self.max_calls = max_calls
        self.max_memory = max_memory_mb * 2**20
        self._calls: OrderedDict[int, _Call] = OrderedDict()  # least recently paused first
        self.released: list[int] = []  # trials whose calls were released, not yet told
        self.bounded = False  # the objective returns at resource_to by itself: keep none

    def __len__(self) -> int:
        return len(self._calls)

    def __contains__(self, trial_id: object) -> bool:
        return trial_id in self._calls

    def holds(self, task: Task) -> bool:
        """True when ``task`` continues a call paused here."""
        call = self._calls.get(task.job.trial_id)
        return call is not None and task.iterative and call.trial._last == task.job.resource_from

    @property
    def memory(self) -> int:
        """Bytes the paused calls hold, as measured when each paused."""
        return sum(call.memory for call in self._calls.values())

    def run(
        self,
        task: Task,
        objective: Callable[..., Any],
        clock: Callable[[], float],
        worker: int = 0,
        on_report: Callable[[Report, Any], None] | None = None,
        encode: Callable[[Report, Any], Any] | None = None,
    ) -> Outcome:
        """Runs ``task``: continues the trial's paused call, or calls the objective.

        Never raises for the objective. ``on_report(report, checkpoint)`` hears each
        report of the job but the last, in the calling thread, with the checkpoint that
        ``encode(report, state)`` made of the state the objective passed (None: none).
        """
        encode = encode if encode is not None else (lambda report, checkpoint: None)
        hear = None
        if on_report is not None:

            def hear(report: Report, checkpoint: Any) -> None:
                on_report(report, encode(report, checkpoint))

        tid = task.job.trial_id
        call = self._calls.pop(tid, None)
        if call is not None and (call.trial._last != task.job.resource_from or not task.iterative):
            self._end(call)  # the trial went on elsewhere: this call is behind
            call = None
        if call is None and not self._pauses(task, objective):
            return execute(task, objective, clock, worker, hear)
        start = clock()
        continued = call is not None
        if call is None:
            trial = new_trial(task, clock, start)
            call = _Call(task, trial)
            trial._pause, trial._on_report = call.pause, call.reported
            before = resident_bytes()
            call.thread = threading.Thread(
                target=self._body,
                args=(call, task, objective, clock),
                name=f"rung-trial-{tid}",
                daemon=True,
            )
            call.encode = encode
            call.thread.start()
        else:
            call.encode = encode
            before = resident_bytes()
            self._continue(call, task, clock, start)
        outcome = self._await(call, task, clock, start, worker, on_report, continued)
        if outcome is None:  # a rung-style loop, done with its range: call it again
            self.bounded = True
            if isinstance(task.checkpoint, Blob):
                decoded = decode_checkpoint(task, start, clock, worker)
                if isinstance(decoded, Outcome):
                    return decoded
                task = decoded
            return execute(task, objective, clock, worker, hear)
        if outcome.paused_call:
            after = resident_bytes()
            if before is not None and after is not None:
                call.memory += max(0, after - before)
            self._calls[tid] = call
            self._enforce_limits()
        return outcome

    def _pauses(self, task: Task, objective: Callable[..., Any]) -> bool:
        return (
            self.max_calls > 0
            and not self.bounded
            and task.iterative
            and getattr(objective, "keep_paused", True)
            and task.max_resource is not None
            and task.job.resource_to < task.max_resource
        )

    @staticmethod
    def _body(call: _Call, task: Task, objective: Callable[..., Any], clock: Any) -> None:
        try:
            status, error = call_objective(task, objective, call.trial, clock)
        except BaseException as raised:  # noqa: BLE001 - handed to the waiting thread
            # SystemExit, KeyboardInterrupt...: not the job's failure but the run's end, as
            # when the objective runs in the caller's thread; ended here, it would leave
            # the caller waiting for an event that never comes.
            call.events.put((_RAISED, raised))
            return
        call.events.put((_ENDED, (status, error)))

    @staticmethod
    def _continue(call: _Call, task: Task, clock: Callable[[], float], start: float) -> None:
        trial = call.trial
        trial.resource_from = task.job.resource_from
        trial.resource_to = task.job.resource_to
        trial.reports = []
        trial.checkpoint_out = None
        trial.retrained = 0
        trial._continued = True
        trial._clock = clock
        trial._deadline = task.deadline
        trial._expires = None if task.timeout is None else start + task.timeout
        call.commands.put(_CONTINUE)

    def _await(
        self,
        call: _Call,
        task: Task,
        clock: Callable[[], float],
        start: float,
        worker: int,
        on_report: Callable[[Report, Any], None] | None,
        continued: bool,
    ) -> Outcome | None:
        """Relays the call's reports until its job ends; None: it returned on continuing."""
        try:
            while True:
                kind, payload = call.events.get()
                if kind == _REPORTED:
                    if on_report is not None:
                        on_report(*payload)
                    continue
                if kind == _RAISED:
                    if call.thread is not None:
                        call.thread.join(_JOIN_S)
                    raise payload
                trial = call.trial
                if kind == _PAUSED:
                    return outcome_of(
                        task, trial, JobStatus.COMPLETED, None, start, clock(), worker, True
                    )
                status, error = payload
                if call.thread is not None:
                    call.thread.join(_JOIN_S)
                if (  # continued, it ended without a new report: it was written to
                    continued  # end at resource_to (a loop over its range, a program run
                    and status is not JobStatus.INTERRUPTED  # to it): call it again
                    and not trial.reports
                    and not trial._stopped
                    and trial.retrained == 0
                ):
                    return None
                return outcome_of(task, trial, status, error, start, clock(), worker)
        except BaseException:  # the listener failed, or Ctrl-C: nobody waits for the call
            call.abandoned = True
            raise

    def release(self, trial_ids: list[int] | tuple[int, ...]) -> None:
        """Ends the paused calls of ``trial_ids`` (their trials stopped or ended)."""
        for tid in trial_ids:
            call = self._calls.pop(tid, None)
            if call is not None:
                self._end(call)

    def _enforce_limits(self) -> None:
        while self._calls and (len(self._calls) > self.max_calls or self.memory > self.max_memory):
            tid, call = self._calls.popitem(last=False)
            logger.debug("released the paused call of trial %d (%d bytes)", tid, call.memory)
            self.released.append(tid)
            self._end(call)

    @staticmethod
    def _end(call: _Call) -> None:
        call.commands.put(_RELEASE)
        if call.thread is not None:
            call.thread.join(_JOIN_S)
        with contextlib.suppress(queue.Empty):
            while True:  # what it said while unwinding goes nowhere
                call.events.get_nowait()

    def close(self) -> None:
        """Ends every paused call (the run is over, or the worker stops)."""
        while self._calls:
            _, call = self._calls.popitem(last=False)
            self._end(call)

    def drain_released(self) -> list[int]:
        """The trials whose calls the limits released since the last call."""
        released, self.released = self.released, []
        return released
