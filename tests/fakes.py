"""Test doubles shared by several test modules."""

from __future__ import annotations

from rung.schedulers.base import Scheduler
from rung.types import Decision, Job


class FakeClock:
    """A clock that moves only when told to: objectives call ``advance`` to spend time."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class TwoStepScheduler(Scheduler):
    """Runs each trial to ``first``, then resumes it to ``second`` before starting the next."""

    def __init__(self, searcher, first: int = 2, second: int = 5) -> None:
        super().__init__(searcher)
        self.levels = [first, second]
        self.max_resource = second
        self._queued: Job | None = None
        self.results: list[tuple[Job, float]] = []

    def next_job(self, allow_new_trials: bool = True) -> Job | None:
        if self._queued is not None:
            job, self._queued = self._queued, None
            return job
        if not allow_new_trials:
            return None
        trial = self._new_trial()
        return None if trial is None else Job.start(*trial, self.levels[0])

    def on_result(self, job: Job, value: float, seconds: float | None = None) -> Decision:
        self.results.append((job, value))
        self._observe(job, value, seconds)
        if job.resource_to == self.levels[0]:
            self._queued = Job.resume(job, self.levels[1])
            return Decision.PAUSE
        return Decision.COMPLETE
