"""A task's checkpoint, decoded where its job runs: bytes that do not decode are lost.

The driver hands a worker the trial's checkpoint as the store holds it (a
:class:`~rung.codec.Blob`, whose size, CRC-32 and format byte the store has checked), and
the worker decodes it with the safe decoder of :mod:`rung.codec`, which never runs code
the bytes name. Bytes that pass the store's checks and still do not decode (made by hand,
with a checksum to match, or damaged where no checksum looks) are a lost checkpoint, as a
missing file is: the job does not run, and its outcome says so
(:attr:`~rung.task.Outcome.checkpoint_lost`), so that the driver trains the trial again
from 0 (:meth:`rung.run.state.RunLoop.start`) rather than failing it.
"""

from __future__ import annotations

import dataclasses
import traceback
from collections.abc import Callable

from rung.codec import CheckpointError, decode
from rung.task import Outcome, Task

__all__ = ["decode_checkpoint"]


def decode_checkpoint(
    task: Task, start: float, clock: Callable[[], float], worker: int
) -> Task | Outcome:
    """``task`` with its checkpoint decoded, or the outcome of a job that cannot start.

    Args:
        task: A task whose checkpoint is a :class:`~rung.codec.Blob`.
        start: When the job started (``clock``'s seconds).
        clock: The worker's clock.
        worker: The worker.

    Returns:
        The task with the decoded checkpoint; or, when the decoder refuses the bytes, an
        INTERRUPTED outcome marked ``checkpoint_lost`` whose ``error`` gives the reason; or
        a FAILED one, with the traceback, for any other error.
    """
    try:
        return dataclasses.replace(task, checkpoint=decode(task.checkpoint))
    except CheckpointError as err:
        return Outcome.lost_checkpoint(task.job, str(err), start, clock(), worker)
    except Exception:
        return Outcome.failed(task.job, traceback.format_exc(), start, clock(), worker)
