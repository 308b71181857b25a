"""Submitting tasks to an executor by hand, for the executor tests."""

from __future__ import annotations

from typing import Any

from rung.executors import Executor, Outcome, Task
from rung.types import Job


def task(trial_id: int, config: dict[str, Any], resource: tuple[int, int] = (0, 1), **kw) -> Task:
    return Task(Job(trial_id, config, *resource), seed=trial_id, **kw)


def run_all(executor: Executor, tasks: list[Task]) -> list[Outcome]:
    """Submits the tasks, at most ``workers`` at a time; outcomes in completion order."""
    pending, outcomes, running = list(tasks), [], 0
    while pending or running:
        while pending and running < executor.workers:
            executor.submit(pending.pop(0))
            running += 1
        done = executor.wait()
        assert done, "wait() returned nothing while tasks were running"
        outcomes += done
        running -= len(done)
    return outcomes
