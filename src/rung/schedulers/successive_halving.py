"""Synchronous successive halving (Jamieson & Talwalkar, AISTATS 2016, Algorithm 1).

:class:`BracketScheduler` runs synchronous brackets
(:class:`~rung.schedulers.sync_bracket.SyncBracket`: start ``n`` configurations, wait for
all, promote the best ``floor(n / eta)``, wait again, ...); :class:`SuccessiveHalving`
repeats one bracket shape, :class:`~rung.schedulers.hyperband.Hyperband` cycles through
several.

With several workers a bracket leaves workers idle at each barrier, while the rung's
last jobs run. Unless told otherwise (``max_brackets``), the scheduler then starts the
next bracket on them, as Syne Tune's synchronous Hyperband and Ray Tune's HyperBand do:
each bracket still makes exactly the decisions it would make alone, and an older
bracket's promotions always go before a newer bracket's jobs.
"""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Mapping
from typing import Any

from rung._checks import Integer, check
from rung.schedulers.base import Scheduler
from rung.schedulers.rungs import DEFAULT_ETA, check_fidelity, rung_levels
from rung.schedulers.sync_bracket import BracketPlan, SyncBracket, reaching_size
from rung.searchers.base import Searcher
from rung.types import Decision, Job

__all__ = ["BracketPlan", "BracketScheduler", "SuccessiveHalving", "SyncBracket"]


def check_max_brackets(owner: str, max_brackets: int | None) -> int | None:
    """``max_brackets`` when it is None or an int >= 1; raises naming ``owner`` otherwise."""
    return check(owner, "max_brackets", max_brackets, Integer(low=1, nullable=True))


class BracketScheduler(Scheduler):
    """Runs synchronous brackets; subclasses choose each bracket's plan.

    ``next_job`` asks the running brackets, oldest first, for a job (a promotion, or a new
    trial at a bracket's bottom rung). When every one of them waits at a barrier, a new
    bracket starts, unless ``max_brackets`` are running already. A bracket ends when its
    top rung has reported (or nothing is left to promote). With ``allow_new_trials=False``
    or an exhausted search space, the newest bracket shrinks to its trials and no further
    bracket starts; while first jobs of a define-by-run objective's trials run, which may
    still grow the space (see :attr:`~rung.schedulers.base.Scheduler.space_exhausted`),
    the bottom rung waits instead. Such a call changes the scheduler even when it gives
    no job (the tuner records it, so that a resumed run's replay makes it again). Asked
    for new trials again later (a continued run with a larger trial budget), the
    scheduler lets the cut bracket finish as cut and starts new brackets for them.

    Args:
        searcher: Proposes the configurations.
        min_resource: The resource of the lowest rung.
        max_resource: The full resource (Hyperband's ``R``).
        eta: The reduction factor, >= 2 (default 3).
        max_brackets: How many brackets may run at once; None (the default) for as many as
            keep the workers busy, 1 for one bracket after another. With one worker it
            makes no difference: a lone worker never waits at a barrier.
    """

    def __init__(
        self,
        searcher: Searcher,
        min_resource: int,
        max_resource: int,
        eta: float,
        max_brackets: int | None = None,
    ) -> None:
        super().__init__(searcher)
        owner = type(self).__name__
        self.min_resource, self.max_resource, self.eta = check_fidelity(
            owner, min_resource, max_resource, eta
        )
        self.max_brackets = check_max_brackets(owner, max_brackets)
        self.levels = rung_levels(self.min_resource, self.max_resource, self.eta)
        searcher.set_levels(self.levels)
        self._running: list[SyncBracket] = []  # oldest first
        self._bracket_of: dict[int, SyncBracket] = {}  # trial id -> bracket running its job
        self._left_out: list[int] = []

    @property
    def running_brackets(self) -> tuple[SyncBracket, ...]:
        """The brackets started and not finished, oldest first."""
        return tuple(self._running)

    def stopped_trials(self) -> list[int]:
        stopped, self._left_out = self._left_out, []
        return stopped

    def _collect(self, bracket: SyncBracket) -> None:
        """Takes over the trials ``bracket`` left out at its barriers; drops it when done."""
        if bracket.left_out:
            self._left_out.extend(bracket.left_out)
            bracket.left_out.clear()
        if bracket.finished and bracket in self._running:
            self._running.remove(bracket)

    @abstractmethod
    def _next_plan(self) -> BracketPlan:
        """The plan of the bracket to start now."""

    def next_job(self, allow_new_trials: bool = True) -> Job | None:
        new_trial = self._new_trial if allow_new_trials else None
        # A define-by-run objective's trials declare their parameters, and with them new
        # configurations, as their first jobs run: while such jobs run (their trials are
        # pending in the searcher), a bottom rung the space ran out for waits rather than
        # close at the trials it has (the bracket keeps its planned size).
        searcher = self.searcher
        wait = (
            allow_new_trials
            and searcher.space.dynamic
            and bool(self._bracket_of)
            and bool(searcher.pending)
        )
        for bracket in list(self._running):
            job = bracket.next_job(new_trial, wait)
            self._collect(bracket)  # a closing bottom rung can end the bracket's step here
            if job is not None:
                return self._hand_out(bracket, job)
        if not allow_new_trials or self.space_exhausted:
            return None
        if self.max_brackets is not None and len(self._running) >= self.max_brackets:
            return None
        bracket = SyncBracket(self._next_plan(), self.eta, self.max_resource, self._rung_type)
        self._running.append(bracket)
        job = bracket.next_job(new_trial, wait)  # None only when the space is exhausted
        self._collect(bracket)
        return None if job is None else self._hand_out(bracket, job)

    def _hand_out(self, bracket: SyncBracket, job: Job) -> Job:
        self._bracket_of[job.trial_id] = bracket
        return job

    def on_result(self, job: Job, value: float, seconds: float | None = None) -> Decision:
        self._check_job(job)
        bracket = self._bracket_of.get(job.trial_id)
        if bracket is None or not bracket.is_running(job):
            raise ValueError(f"{type(self).__name__} has no running job {job!r}.")
        del self._bracket_of[job.trial_id]
        value = self._value(value)
        self._observe(job, value, seconds)
        decision = bracket.on_result(job, value)
        self._collect(bracket)
        return decision


class SuccessiveHalving(BracketScheduler):
    """Synchronous successive halving, one round after another.

    Each round is Algorithm 1 of Jamieson & Talwalkar (AISTATS 2016) on the rung ladder
    ``rung_levels(min_resource, max_resource, eta)``: ``n_configs`` new configurations train
    to the lowest rung; once all have reported, the best ``floor(n / eta)`` finite ones go on
    to the next rung, and so on. The round ends at ``max_resource`` or at the first rung
    where ``floor(n / eta)`` is 0; then a new round starts.

    Args:
        searcher: Proposes the configurations.
        min_resource: The resource of the lowest rung.
        max_resource: The full resource.
        eta: The reduction factor, >= 2 (default 3).
        n_configs: New configurations per round; default ``round(eta**K)`` with ``K`` the
            number of rungs minus one, so that one trial reaches ``max_resource`` (raised
            for a non-integer eta where its floors would end a step below).
        max_brackets: How many rounds may run at once: None (default) starts the next
            round on workers that would wait at a barrier, 1 runs one round after another.

    Raises:
        ConfigTypeError: a resource, n_configs or max_brackets is not an int, or eta not a
            number.
        ConfigError: min_resource < 1, max_resource < min_resource, eta < 2, n_configs < 1
            or max_brackets < 1.

    Example:
        >>> import rung
        >>> searcher = rung.RandomSearcher({"x": rung.uniform(0, 1)}, seed=0)
        >>> sh = SuccessiveHalving(searcher, 5, 20, eta=2)
        >>> sh.levels, sh.n_configs, sh.plan.configs_per_step
        ([5, 10, 20], 4, (4, 2, 1))
    """

    def __init__(
        self,
        searcher: Searcher,
        min_resource: int,
        max_resource: int,
        eta: float = DEFAULT_ETA,
        n_configs: int | None = None,
        max_brackets: int | None = None,
    ) -> None:
        super().__init__(searcher, min_resource, max_resource, eta, max_brackets)
        check("SuccessiveHalving", "n_configs", n_configs, Integer(low=1, nullable=True))
        self._n_configs_given = n_configs is not None
        if n_configs is None:
            n_configs = reaching_size(self._former_default(), len(self.levels), self.eta)
        self.n_configs = n_configs
        self._plan = BracketPlan.halving(n_configs, self.levels, self.eta)

    def _former_default(self) -> int:
        """``round(eta**K)``: the default round size before it was raised for a
        non-integer eta (:func:`~rung.schedulers.sync_bracket.reaching_size`)."""
        return max(1, round(self.eta ** (len(self.levels) - 1)))

    def adopt_record(self, options: Mapping[str, Any]) -> None:
        """A round size not given (``n_configs=None``) is the record's when the record
        holds the former default (``round(eta**K)``, before a non-integer eta raised it):
        a run recorded then resumes with the rounds it was made with."""
        former = self._former_default()
        if not self._n_configs_given and options.get("n_configs") == former:
            self.n_configs = former
            self._plan = BracketPlan.halving(former, self.levels, self.eta)

    @property
    def plan(self) -> BracketPlan:
        """The shape of every round when all values are finite."""
        return self._plan

    def _next_plan(self) -> BracketPlan:
        return self._plan
