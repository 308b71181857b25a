"""The Scheduler interface: which configuration runs next, and to which resource.

A scheduler owns its searcher. The tuner asks :meth:`Scheduler.next_job` for work and
hands every finished job back through :meth:`Scheduler.on_result`; the scheduler never
sees the executor, the clock or the store. Values are minimized; a failed job reports NaN.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from typing import Any

from rung._checks import InstanceOf, check
from rung.errors import ConfigError, SpaceExhausted
from rung.objectives import Score
from rung.schedulers.rungs import Rung
from rung.searchers.base import Searcher
from rung.space import Space
from rung.types import Decision, Job

__all__ = ["Scheduler"]


class Scheduler(ABC):
    """Base class: trial ids, the searcher, and the rung ladder.

    Attributes:
        searcher: The searcher proposing configurations.
        levels: The resources jobs end at, lowest first.
        max_resource: The full resource, or None for single-fidelity runs.
        scores: True once results are :class:`~rung.objectives.Score` s (several
            objectives or constraints, see :meth:`use_scores`); False while they are
            single values.
    """

    levels: list[int]
    max_resource: int | None
    scores: bool = False

    def __init__(self, searcher: Searcher) -> None:
        check(type(self).__name__, "searcher", searcher, InstanceOf((Searcher,), "a rung Searcher"))
        self.searcher = searcher
        self.configs: dict[int, dict[str, Any]] = {}
        self._exhausted_space: Space | None = None  # the searcher's space when it ran out

    @property
    def space_exhausted(self) -> bool:
        """True while the searcher has no configuration left that it did not suggest.

        A define-by-run objective's running jobs may declare new parameters: the
        searcher's space then grows and holds new configurations, so an exhausted space
        counts as exhausted only while it is the space that ran out. Without running
        jobs nothing can grow it, and the run ends.
        """
        return self._exhausted_space is not None and self._exhausted_space is self.searcher.space

    @abstractmethod
    def next_job(self, allow_new_trials: bool = True) -> Job | None:
        """The next job to run.

        Args:
            allow_new_trials: When False, only jobs of trials that already exist may be
                returned (the tuner's trial budget is spent).

        Returns:
            A job, or None when nothing can start before a running job finishes. None while
            no job is running means the schedule is exhausted. A call that returns None
            may still change the scheduler (a synchronous bracket closes its bottom rung):
            the tuner records each, and a resumed run's replay makes it again.
        """

    @abstractmethod
    def on_result(self, job: Job, value: float, seconds: float | None = None) -> Decision:
        """Records the value ``job`` reached at ``job.resource_to`` (minimized; NaN: failed),
        or its :class:`~rung.objectives.Score` after :meth:`use_scores`.

        ``seconds`` is the job's measured duration (None when unknown); it is passed on
        to the searcher, whose cost model may learn from it.
        """

    def use_scores(self) -> None:
        """Takes :class:`~rung.objectives.Score` s as results from now on: rungs rank them
        by Pareto dominance and feasibility (:mod:`rung.schedulers._pareto`), and the
        searcher hears them as they are. :class:`rung.Tuner` calls it for runs with several
        objectives or constraints, before the first job.

        Raises:
            ConfigError: the scheduler has started trials already.
        """
        if self.configs:
            raise ConfigError(
                f"{type(self).__name__}.use_scores() must come before the first trial; "
                f"{len(self.configs)} were started."
            )
        self.scores = True
        self._rank_by(self._rung_type)

    @property
    def _rung_type(self) -> type:
        """The class of the rungs results are filed in."""
        if self.scores:
            from rung.schedulers._pareto import ParetoRung

            return ParetoRung
        return Rung

    def _rank_by(self, rung_type: type) -> None:  # noqa: B027 - schedulers without rungs
        """Rebuilds the scheduler's (empty) rungs as ``rung_type``."""

    def _value(self, value: float | Score) -> float | Score:
        """``value`` as the rungs take it: a float, or a Score after :meth:`use_scores`.

        Raises:
            TypeError: a Score for a scheduler of single values, or the other way round.
        """
        if self.scores:
            if not isinstance(value, Score):
                raise TypeError(
                    f"{type(self).__name__} ranks Scores (use_scores() was called); got {value!r}."
                )
            return value
        if isinstance(value, Score):
            raise TypeError(
                f"{type(self).__name__} ranks single values: call use_scores() before the "
                f"first job to give it Scores; got {value!r}."
            )
        return float(value)

    def adopt_seed(self, seed: int) -> None:  # noqa: B027 - only random schedulers draw
        """Takes the tuner's ``seed`` if the scheduler draws at random and was built without
        one (see :meth:`rung.searchers.base.Searcher.adopt_seed`)."""

    def adopt_workers(self, workers: int) -> None:  # noqa: B027 - most do not ask
        """Takes the number of workers of the tuner that runs it (before the first trial),
        for a scheduler whose decisions depend on it."""

    def recorded_options(self) -> dict[str, Any]:
        """The settings that shape its decisions beyond the resources and eta, as the run's
        spec records them (:attr:`rung.results.spec.RunSpec.scheduler_options`)."""
        return {
            name: getattr(self, name)
            for name in ("max_brackets", "variant", "n_configs")
            if getattr(self, name, None) is not None
        }

    def adopt_record(self, options: Mapping[str, Any]) -> None:  # noqa: B027 - most have none
        """Before a recorded run is replayed, takes from the record's scheduler options
        (:attr:`rung.results.spec.RunSpec.scheduler_options`) what a record made before an
        option existed implies: that it was off."""

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
            self._exhausted_space = self.searcher.space
            return None
        trial_id = len(self.configs)
        self.configs[trial_id] = config
        return trial_id, config

    def _observe(self, job: Job, value: float, seconds: float | None = None) -> None:
        resource = job.resource_to if self.max_resource else None
        self.searcher.observe(job.config, value, resource, seconds=seconds)

    def _check_job(self, job: Job) -> None:
        if job.trial_id not in self.configs:
            raise ValueError(f"{type(self).__name__} did not create trial {job.trial_id}.")
