"""The Scheduler interface: which configuration runs next, and to which resource.

A scheduler owns its searcher. The tuner asks :meth:`Scheduler.next_job` for work and
hands every finished job back through :meth:`Scheduler.on_result`; the scheduler never
sees the executor, the clock or the store. Values are minimized; a failed job reports NaN.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any

from rung.errors import SpaceExhausted
from rung.searchers.base import Searcher
from rung.types import Decision, Job

__all__ = ["Scheduler"]


class Scheduler(ABC):
    """Base class: trial ids, the searcher, and the rung ladder.

    Attributes:
        searcher: The searcher proposing configurations.
        levels: The resources jobs end at, lowest first.
        max_resource: The full resource, or None for single-fidelity runs.
    """

    levels: list[int]
    max_resource: int | None

    def __init__(self, searcher: Searcher) -> None:
        if not isinstance(searcher, Searcher):
            raise TypeError(
                f"The 'searcher' parameter of {type(self).__name__} must be a rung Searcher; "
                f"got {searcher!r}."
            )
        self.searcher = searcher
        self.configs: dict[int, dict[str, Any]] = {}
        self.space_exhausted = False

    @abstractmethod
    def next_job(self, allow_new_trials: bool = True) -> Job | None:
        """The next job to run.

        Args:
            allow_new_trials: When False, only jobs of trials that already exist may be
                returned (the tuner's trial budget is spent).

        Returns:
            A job, or None when nothing can start before a running job finishes. None while
            no job is running means the schedule is exhausted.
        """

    @abstractmethod
    def on_result(self, job: Job, value: float) -> Decision:
        """Records the value ``job`` reached at ``job.resource_to`` (minimized; NaN: failed)."""

    def adopt_seed(self, seed: int) -> None:  # noqa: B027 - only random schedulers draw
        """Takes the tuner's ``seed`` if the scheduler draws at random and was built without
        one (see :meth:`rung.searchers.base.Searcher.adopt_seed`)."""

    def stopped_trials(self) -> list[int]:
        """Trials told PAUSE earlier that the scheduler has since ended for good.

        Synchronous schedulers decide at a rung's barrier; a trial paused before it and
        then left out is reported here once (the tuner records it as stopped).
        """
        return []

    @property
    def n_trials(self) -> int:
        """How many trials the scheduler has started."""
        return len(self.configs)

    def _new_trial(self) -> tuple[int, dict[str, Any]] | None:
        """A fresh trial id and configuration, or None when the search space is exhausted."""
        if self.space_exhausted:
            return None
        try:
            config = self.searcher.suggest()
        except SpaceExhausted:
            self.space_exhausted = True
            return None
        trial_id = len(self.configs)
        self.configs[trial_id] = config
        return trial_id, config

    def _observe(self, job: Job, value: float) -> None:
        self.searcher.observe(job.config, value, job.resource_to if self.max_resource else None)

    def _check_job(self, job: Job) -> None:
        if job.trial_id not in self.configs:
            raise ValueError(f"{type(self).__name__} did not create trial {job.trial_id}.")
