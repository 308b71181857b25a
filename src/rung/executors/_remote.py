"""The worker side of every executor: run a task whose checkpoints travel as bytes.

Outside the objective's own call a checkpoint has one form, the bytes of :mod:`rung.codec`
(a :class:`~rung.codec.Blob`): the executors hand them back, the tuner keeps them (in its
store, or in memory), and the next job of the trial decodes them here.
"""

from __future__ import annotations

import dataclasses
import traceback
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from rung.codec import Blob, CheckpointError, encode
from rung.executors._checkpoints import decode_checkpoint
from rung.task import Outcome, Task
from rung.trial import execute
from rung.types import Report

if TYPE_CHECKING:
    from rung.executors._paused import PausedCalls

__all__ = ["failed_outcome", "run_task"]


def failed_outcome(task: Task, error: str, start: float, end: float, worker: int) -> Outcome:
    return Outcome.failed(task.job, error, start, end, worker)


def checkpoint_encoder(task: Task, start: float) -> Callable[[Report, Any], Blob | None]:
    """The checkpoint to send with a report, encoded at most every
    ``task.checkpoint_every_s`` seconds (encoding a large state at every epoch of a fast
    loop would cost more than the work it saves), else None. Runs where the objective
    runs: the state must not change while it is encoded."""
    every = task.checkpoint_every_s
    last = [start]

    def due(report: Report, checkpoint: Any) -> Blob | None:
        if checkpoint is None or every is None or report.time - last[0] < every:
            return None
        last[0] = report.time
        try:
            return encode(checkpoint)
        except CheckpointError:  # the job's outcome fails it with the reason
            return None

    return due


def _reporter(
    task: Task, start: float, on_report: Callable[[Report, Blob | None], None] | None
) -> Callable[[Report, Any], None] | None:
    """Hands each report on, with the checkpoint when it is due (:func:`checkpoint_encoder`)."""
    if on_report is None:
        return None
    due = checkpoint_encoder(task, start)

    def hear(report: Report, checkpoint: Any) -> None:
        on_report(report, due(report, checkpoint))

    return hear


def run_task(
    task: Task,
    objective: Callable[..., Any],
    clock: Callable[[], float],
    worker: int,
    on_report: Callable[[Report, Blob | None], None] | None = None,
    calls: PausedCalls | None = None,
) -> Outcome:
    """Decodes the task's checkpoint, runs the job and encodes the checkpoint it passed.

    Never raises for the objective or its checkpoints: a checkpoint that cannot be decoded
    is lost (see :func:`decode_checkpoint`), one that cannot be stored safely fails the
    job with the reason. ``on_report`` hears each report of a
    running job but the last, with the job's checkpoint encoded when it is due (see
    :attr:`~rung.executors.base.Task.checkpoint_every_s`), else None; an exception it
    raises fails the job. ``calls``: the worker's
    paused calls, which continue the trial's paused call or keep this one paused at its
    end (None: every call ends).
    """
    start = clock()
    # A paused call continues from memory: its checkpoint needs no decoding (yet).
    if isinstance(task.checkpoint, Blob) and not (calls is not None and calls.holds(task)):
        decoded = decode_checkpoint(task, start, clock, worker)
        if isinstance(decoded, Outcome):
            return decoded
        task = decoded
    if calls is not None:
        due = checkpoint_encoder(task, start)
        outcome = calls.run(task, objective, clock, worker, on_report, due)
    else:
        outcome = execute(task, objective, clock, worker, _reporter(task, start, on_report))
    if outcome.checkpoint is None or isinstance(outcome.checkpoint, Blob):
        return outcome
    try:
        blob = encode(outcome.checkpoint)
    except CheckpointError:
        return failed_outcome(task, traceback.format_exc(), outcome.start, clock(), worker)
    return dataclasses.replace(outcome, checkpoint=blob)
