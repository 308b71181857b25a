"""Synchronous successive halving (Jamieson & Talwalkar, AISTATS 2016, Algorithm 1).

A *bracket* (a round) starts ``n`` new configurations at its lowest rung, waits until every
one of them has reported, promotes the best ``floor(n / eta)`` to the next rung, waits
again, and so on up to ``max_resource``. :class:`SyncBracket` is one bracket and
:class:`BracketScheduler` runs brackets one after another; :class:`SuccessiveHalving`
repeats one bracket shape, :class:`~rung.schedulers.hyperband.Hyperband` cycles through
several.

Decisions returned by ``on_result``, for a job that ends at a rung below the bracket's top:

* ``PAUSE`` while the trial may still be promoted, and for the trials promoted when the
  job's result completes the rung (their next job is queued);
* ``STOP`` as soon as the trial cannot be promoted any more: its value is NaN or
  infinite, ``floor(n / eta)`` results of the rung already rank ahead of it, or its result
  completed the rung and it was not among the best. A trial that was told ``PAUSE`` and is
  left out when a later result completes the rung gets no further decision.

At the bracket's top rung the decision is ``COMPLETE`` when that rung is ``max_resource``
and ``STOP`` when the bracket ends below it (``floor(n_i / eta)`` reached 0).
"""

from __future__ import annotations

import math
from abc import abstractmethod
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from rung.errors import ConfigError
from rung.schedulers.base import Scheduler
from rung.schedulers.rungs import Rung, check_fidelity, rung_levels
from rung.searchers.base import Searcher
from rung.types import Decision, Job

__all__ = ["BracketPlan", "BracketScheduler", "SuccessiveHalving", "SyncBracket"]

NewTrial = Callable[[], tuple[int, dict[str, Any]] | None]


@dataclass(frozen=True)
class BracketPlan:
    """The shape of one synchronous bracket when every value is finite.

    Attributes:
        n_configs: How many new configurations the bracket starts (Hyperband's ``n``).
        resources: The resource of each step, lowest first (Hyperband's ``r_i``).
        configs_per_step: How many trials train to each step's resource (``n_i``).
    """

    n_configs: int
    resources: tuple[int, ...]
    configs_per_step: tuple[int, ...]

    @classmethod
    def halving(cls, n_configs: int, levels: Sequence[int], eta: float) -> BracketPlan:
        """``n_configs`` trials at ``levels[0]``, keeping ``floor(n_i / eta)`` at each step.

        The plan stops at the last step that keeps at least one trial.

        Example:
            >>> BracketPlan.halving(9, [1, 3, 9], 3)
            BracketPlan(n_configs=9, resources=(1, 3, 9), configs_per_step=(9, 3, 1))
            >>> BracketPlan.halving(3, [5, 10, 20], 2).resources
            (5, 10)
        """
        sizes: list[int] = []
        n = n_configs
        for _ in levels:
            if n < 1:
                break
            sizes.append(n)
            n = math.floor(n / eta)
        return cls(n_configs, tuple(levels[: len(sizes)]), tuple(sizes))


class SyncBracket:
    """One synchronous successive-halving bracket.

    The inner loop of Algorithm 1 of Li et al., "Hyperband", JMLR 2018 (lines 3-8):
    start ``n`` configurations at ``r_0``; at each step ``i`` wait for all ``n_i`` results at
    ``r_i``, then resume the best ``floor(n_i / eta)`` at ``r_{i+1}``. Here ``n_i`` is the
    number of trials that actually ran at step ``i``: non-finite values are never promoted,
    and a bottom rung closed early (no new trials allowed, or the search space exhausted)
    holds only the trials already started.

    Args:
        plan: The bracket's resources and starting size.
        eta: The reduction factor.
        max_resource: The full resource; results there are ``COMPLETE``.
    """

    def __init__(self, plan: BracketPlan, eta: float, max_resource: int) -> None:
        self.plan = plan
        self.eta = eta
        self.max_resource = max_resource
        self.rungs = [Rung(level, eta) for level in plan.resources]
        self.step = 0  # index of the rung whose jobs run now
        self.finished = False
        self._capacity = (
            plan.n_configs
        )  # trials at this step; at step 0 an upper bound until closed
        self._n_started = 0  # new trials started at step 0
        self._queue: deque[Job] = deque()  # promotions not handed out yet, best first
        self._running: dict[int, Job] = {}
        self._ended: dict[int, Job] = {}  # trial id -> its last finished job
        self.left_out: list[int] = []  # trials ended at a barrier, not yet collected

    @property
    def n_running(self) -> int:
        """How many of the bracket's jobs are handed out and not reported yet."""
        return len(self._running)

    def is_running(self, job: Job) -> bool:
        """True when ``job`` was handed out by this bracket and has not reported yet."""
        return self._running.get(job.trial_id) == job

    def next_job(self, new_trial: NewTrial | None) -> Job | None:
        """The next job of the bracket, or None at a barrier or when it is finished.

        Args:
            new_trial: Returns a fresh ``(trial_id, config)``, or None when the search space
                is exhausted; None itself when no new trial may start. Either None closes the
                bottom rung at the trials already started.
        """
        if self.finished:
            return None
        if self.step == 0 and self._n_started < self._capacity:
            trial = None if new_trial is None else new_trial()
            if trial is not None:
                self._n_started += 1
                return self._hand_out(Job.start(trial[0], trial[1], self.rungs[0].level))
            self._capacity = self._n_started  # the round shrinks to the trials it has
            if self._step_done():
                self._advance()
        if self._queue:
            return self._hand_out(self._queue.popleft())
        return None

    def on_result(self, job: Job, value: float) -> Decision:
        """Records ``value`` at ``job.resource_to``; promotes when the rung is complete.

        Raises:
            ValueError: ``job`` is not running in this bracket.
        """
        if not self.is_running(job):
            raise ValueError(f"{job!r} is not a running job of this bracket.")
        del self._running[job.trial_id]
        self._ended[job.trial_id] = job
        rung = self.rungs[self.step]
        rung.add(job.trial_id, value)
        at_top = self.step == len(self.rungs) - 1
        if self._step_done():
            self._advance()
            if not at_top:
                return Decision.PAUSE if job.trial_id in rung.promoted else Decision.STOP
        if at_top:
            return Decision.COMPLETE if job.resource_to == self.max_resource else Decision.STOP
        return Decision.PAUSE if self._may_be_promoted(rung, job.trial_id) else Decision.STOP

    def _hand_out(self, job: Job) -> Job:
        self._running[job.trial_id] = job
        return job

    def _step_done(self) -> bool:
        handed_out = self.step > 0 or self._n_started >= self._capacity
        return handed_out and not self._queue and not self._running

    def _may_be_promoted(self, rung: Rung, trial_id: int) -> bool:
        # The rung will hold at most _capacity trials, so at most floor(_capacity / eta) go on.
        if not math.isfinite(rung.values[trial_id]):
            return False
        return rung.ranked().index(trial_id) < math.floor(self._capacity / self.eta)

    def _advance(self) -> None:
        """Algorithm 1, line 8: ``T = top_k(T, L, floor(n_i / eta))``, then the next step."""
        rung = self.rungs[self.step]
        promoted: list[int] = []
        if self.step + 1 < len(self.rungs):
            promoted = rung.top(math.floor(len(rung) / self.eta))
            kept = set(promoted)
            self.left_out.extend(tid for tid in rung.values if tid not in kept)
        if not promoted:
            self.finished = True
            return
        for trial_id in promoted:
            rung.mark_promoted(trial_id)
        self.step += 1
        self._capacity = len(promoted)
        level = self.rungs[self.step].level
        self._queue.extend(Job.resume(self._ended[tid], level) for tid in promoted)


class BracketScheduler(Scheduler):
    """Runs synchronous brackets one at a time; subclasses choose each bracket's plan.

    A bracket starts when the previous one has finished (every job reported and nothing
    left to promote). With ``allow_new_trials=False`` or an exhausted search space, the
    current bracket shrinks to its trials, finishes, and no further bracket starts.

    Args:
        searcher: Proposes the configurations.
        min_resource: The resource of the lowest rung.
        max_resource: The full resource (Hyperband's ``R``).
        eta: The reduction factor, >= 2.

    Attributes:
        bracket: The bracket now running (or the last one), None before the first job.
    """

    def __init__(
        self, searcher: Searcher, min_resource: int, max_resource: int, eta: float
    ) -> None:
        super().__init__(searcher)
        self.min_resource, self.max_resource, self.eta = check_fidelity(
            type(self).__name__, min_resource, max_resource, eta
        )
        self.levels = rung_levels(self.min_resource, self.max_resource, self.eta)
        self.bracket: SyncBracket | None = None
        self._left_out: list[int] = []

    def stopped_trials(self) -> list[int]:
        stopped, self._left_out = self._left_out, []
        return stopped

    def _collect(self) -> None:
        """Takes over the trials the current bracket left out at its barriers."""
        if self.bracket is not None and self.bracket.left_out:
            self._left_out.extend(self.bracket.left_out)
            self.bracket.left_out.clear()

    @abstractmethod
    def _next_plan(self) -> BracketPlan:
        """The plan of the bracket to start now."""

    def next_job(self, allow_new_trials: bool = True) -> Job | None:
        while True:
            if self.bracket is None or self.bracket.finished:
                if not allow_new_trials or self.space_exhausted:
                    return None
                self.bracket = SyncBracket(self._next_plan(), self.eta, self.max_resource)
            job = self.bracket.next_job(self._new_trial if allow_new_trials else None)
            self._collect()  # a closing bottom rung can end the bracket's step here
            if job is not None or not self.bracket.finished:
                return job

    def on_result(self, job: Job, value: float) -> Decision:
        self._check_job(job)
        if self.bracket is None or not self.bracket.is_running(job):
            raise ValueError(f"{type(self).__name__} has no running job {job!r}.")
        self._observe(job, value)
        decision = self.bracket.on_result(job, float(value))
        self._collect()
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
        eta: The reduction factor, >= 2.
        n_configs: New configurations per round; default ``round(eta**K)`` with ``K`` the
            number of rungs minus one, so that one trial reaches ``max_resource``.

    Raises:
        TypeError: a resource or n_configs is not an int, or eta not a number.
        ConfigError: min_resource < 1, max_resource < min_resource, eta < 2 or n_configs < 1.

    Example:
        >>> import rung
        >>> sh = SuccessiveHalving(rung.RandomSearcher({"x": rung.uniform(0, 1)}, seed=0), 5, 20)
        >>> sh.levels, sh.n_configs, sh.plan.configs_per_step
        ([5, 10, 20], 4, (4, 2, 1))
    """

    def __init__(
        self,
        searcher: Searcher,
        min_resource: int,
        max_resource: int,
        eta: float = 2,
        n_configs: int | None = None,
    ) -> None:
        super().__init__(searcher, min_resource, max_resource, eta)
        if n_configs is None:
            n_configs = max(1, round(self.eta ** (len(self.levels) - 1)))
        elif isinstance(n_configs, bool) or not isinstance(n_configs, int):
            raise TypeError(
                f"The 'n_configs' parameter of SuccessiveHalving must be an int or None; "
                f"got {n_configs!r}."
            )
        elif n_configs < 1:
            raise ConfigError(
                f"The 'n_configs' parameter of SuccessiveHalving must be >= 1; got {n_configs!r}."
            )
        self.n_configs = n_configs
        self._plan = BracketPlan.halving(n_configs, self.levels, self.eta)

    @property
    def plan(self) -> BracketPlan:
        """The shape of every round when all values are finite."""
        return self._plan

    def _next_plan(self) -> BracketPlan:
        return self._plan
