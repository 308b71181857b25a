"""A task's checkpoint, decoded where its job runs: bytes that do not decode end the job
unrun, marked as a lost checkpoint, and nothing they name runs."""

from __future__ import annotations

import os
import pickle
import time
from pathlib import Path
from typing import Any

import pytest

from rung.codec import Blob, encode
from rung.executors._paused import PausedCalls
from rung.executors._remote import run_task
from rung.types import JobStatus
from tests.executors.jobs import task

CALLS: list[tuple[int, Any]] = []


@pytest.fixture(autouse=True)
def _clear() -> None:
    CALLS.clear()


def range_loop(config: dict[str, Any], trial: Any) -> None:
    """Rung-style: trains its range, continuing from its checkpoint."""
    state = trial.checkpoint or 0
    CALLS.append((trial.resource_from, state))
    for epoch in range(trial.resource_from + 1, trial.resource_to + 1):
        state += 1
        trial.report(epoch, config["x"] + 1 / state, checkpoint=state)


class _System:
    def __init__(self, command: str) -> None:
        self.command = command

    def __reduce__(self) -> tuple[Any, ...]:
        return (os.system, (self.command,))


def undecodable(kind: str, marker: Path) -> tuple[Blob, str]:
    """Bytes in rung's checkpoint format that the safe decoder refuses, and why."""
    if kind == "code":
        return Blob(b"R" + pickle.dumps(_System(f"touch {marker}"), protocol=5)), "posix.system"
    return Blob(encode({"epoch": 3, "w": [1.0] * 8}).data[:-7]), "damaged"


@pytest.mark.parametrize("kind", ["code", "truncated"])
@pytest.mark.parametrize("paused", [False, True], ids=["calls-end", "calls-pause"])
def test_a_checkpoint_that_does_not_decode_ends_its_job_unrun(
    tmp_path: Path, kind: str, paused: bool
) -> None:
    marker = tmp_path / "code-ran"
    blob, reason = undecodable(kind, marker)
    calls = PausedCalls() if paused else None
    job = task(4, {"x": 0.5}, (3, 9), checkpoint=blob, iterative=True, max_resource=27)
    outcome = run_task(job, range_loop, time.monotonic, 1, None, calls)
    assert outcome.status is JobStatus.INTERRUPTED and outcome.checkpoint_lost
    assert outcome.job == job.job and outcome.worker == 1
    assert outcome.reports == () and outcome.checkpoint is None
    assert reason in (outcome.error or "")
    assert CALLS == [] and not marker.exists()  # neither the objective nor the bytes ran
    # the same bytes, decodable, reach the objective
    good = task(4, {"x": 0.5}, (3, 9), checkpoint=encode(3), iterative=True, max_resource=27)
    outcome = run_task(good, range_loop, time.monotonic, 1, None, calls)
    assert outcome.status is JobStatus.COMPLETED and not outcome.checkpoint_lost
    assert CALLS == [(3, 3)]
    if calls is not None:
        calls.close()


def test_a_continued_call_that_returns_decodes_its_checkpoint_the_same_way(
    tmp_path: Path,
) -> None:
    calls = PausedCalls()
    first = task(0, {"x": 0.5}, (0, 1), iterative=True, max_resource=9)
    outcome = run_task(first, range_loop, time.monotonic, 0, None, calls)
    assert outcome.paused_call  # held, so the next job's checkpoint is not decoded first
    blob, _ = undecodable("code", tmp_path / "code-ran")
    # continued, the loop is done with its range and returns: it is called again from
    # the checkpoint, which must decode
    second = task(0, {"x": 0.5}, (1, 3), checkpoint=blob, iterative=True, max_resource=9)
    outcome = run_task(second, range_loop, time.monotonic, 0, None, calls)
    assert outcome.status is JobStatus.INTERRUPTED and outcome.checkpoint_lost
    assert CALLS == [(0, 0)] and not (tmp_path / "code-ran").exists()
    calls.close()
