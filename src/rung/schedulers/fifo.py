"""First in, first out: every trial runs once, to the full resource."""

from __future__ import annotations

from rung._checks import Integer, check
from rung.schedulers.base import Scheduler
from rung.searchers.base import Searcher
from rung.types import Decision, Job

__all__ = ["FIFO"]


class FIFO(Scheduler):
    """Single-fidelity scheduling: each configuration trains once, to ``max_resource``.

    Args:
        searcher: Proposes the configurations.
        max_resource: The resource (e.g. epochs) every trial trains to. None when the
            objective takes no resource: its config then carries no resource key.

    Raises:
        ConfigTypeError: max_resource is not an int.
        ConfigError: max_resource < 1.
    """

    def __init__(self, searcher: Searcher, max_resource: int | None = None) -> None:
        super().__init__(searcher)
        check("FIFO", "max_resource", max_resource, Integer(low=1, nullable=True))
        self.max_resource = max_resource
        self.levels = [max_resource or 1]

    def next_job(self, allow_new_trials: bool = True) -> Job | None:
        if not allow_new_trials:
            return None
        trial = self._new_trial()
        if trial is None:
            return None
        trial_id, config = trial
        return Job.start(trial_id, config, self.levels[-1])

    def on_result(self, job: Job, value: float, seconds: float | None = None) -> Decision:
        self._check_job(job)
        self._observe(job, self._value(value), seconds)
        return Decision.COMPLETE
