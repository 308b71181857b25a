"""One synchronous successive-halving bracket (Jamieson & Talwalkar, AISTATS 2016).

A *bracket* (a round) starts ``n`` new configurations at its lowest rung, waits until every
one of them has reported, promotes the best ``floor(n / eta)`` to the next rung, waits
again, and so on up to ``max_resource``. :class:`BracketPlan` is a bracket's shape and
:class:`SyncBracket` runs one; :class:`~rung.schedulers.successive_halving.BracketScheduler`
runs brackets for :class:`~rung.schedulers.successive_halving.SuccessiveHalving` and
:class:`~rung.schedulers.hyperband.Hyperband`.

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
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from rung.schedulers.rungs import Rung
from rung.types import Decision, Job

__all__ = ["BracketPlan", "NewTrial", "SyncBracket", "reaching_size"]

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


def reaching_size(n_configs: int, steps: int, eta: float) -> int:
    """The fewest configurations, ``n_configs`` or more, whose halving keeps a trial at
    each of ``steps`` steps.

    With an integer eta the sizes of Hyperband's formulas (``eta**s`` or more) always
    do; with another (2.5) ``floor(n_i / eta)`` can reach 0 a step below the top, and the
    bracket would never train a configuration to ``max_resource``.

    Example:
        >>> reaching_size(16, 4, 2.5)  # 16, 6, 2, 0; 20, 8, 3, 1
        20
        >>> reaching_size(27, 4, 3)
        27
    """
    n = n_configs
    while len(BracketPlan.halving(n, range(steps), eta).resources) < steps:
        n += 1
    return n


class SyncBracket:
    """One synchronous successive-halving bracket.

    The inner loop of Algorithm 1 of Li et al., "Hyperband", JMLR 2018 (lines 3-8):
    start ``n`` configurations at ``r_0``; at each step ``i`` wait for all ``n_i`` results at
    ``r_i``, then resume the best ``floor(n_i / eta)`` at ``r_{i+1}``. Here ``n_i`` is the
    number of trials that actually ran at step ``i``: non-finite values are never promoted,
    and a bottom rung closed early (no new trials allowed, or the search space exhausted)
    holds only the trials already started. Such a cut bracket keeps at least one trial at
    each step (``max(1, floor(n_i / eta))``), so that a run whose trial budget ends inside
    a bracket still trains a configuration to the bracket's top resource.

    Args:
        plan: The bracket's resources and starting size.
        eta: The reduction factor.
        max_resource: The full resource; results there are ``COMPLETE``.
        rung_type: The rungs' class: :class:`~rung.schedulers.rungs.Rung` for values,
            :class:`~rung.schedulers._pareto.ParetoRung` for Scores.
    """

    def __init__(
        self, plan: BracketPlan, eta: float, max_resource: int, rung_type: type = Rung
    ) -> None:
        self.plan = plan
        self.eta = eta
        self.max_resource = max_resource
        self.rungs = [rung_type(level, eta) for level in plan.resources]
        self.step = 0  # index of the rung whose jobs run now
        self.finished = False
        self._capacity = (
            plan.n_configs
        )  # trials at this step; at step 0 an upper bound until closed
        self._n_started = 0  # new trials started at step 0
        self._cut = False  # the bottom rung was closed before the plan's n trials started
        self._queue: deque[Job] = deque()  # promotions not handed out yet, best first
        self._running: dict[int, Job] = {}
        self._ended: dict[int, Job] = {}  # trial id -> its last finished job
        self.left_out: list[int] = []  # trials ended at a barrier, not yet collected

    @property
    def n_running(self) -> int:
        """How many of the bracket's jobs are handed out and not reported yet."""
        return len(self._running)

    def is_running(self, job: Job) -> bool:
        """True when ``job`` was handed out by this bracket and has not reported yet.

        The job is matched by trial and resources, not by configuration: a define-by-run
        objective's job comes back with the parameters it asked for, which the bracket's
        copy (the searcher's proposal) may lack.
        """
        running = self._running.get(job.trial_id)
        return running is not None and (running.resource_from, running.resource_to) == (
            job.resource_from,
            job.resource_to,
        )

    def next_job(self, new_trial: NewTrial | None, wait: bool = False) -> Job | None:
        """The next job of the bracket, or None at a barrier or when it is finished.

        Args:
            new_trial: Returns a fresh ``(trial_id, config)``, or None when the search space
                is exhausted; None itself when no new trial may start. Either None closes the
                bottom rung at the trials already started, unless ``wait``.
            wait: The space may still grow (a define-by-run objective's trials are
                running their first jobs): a bottom rung ``new_trial`` found nothing for
                stays open, to ask again.
        """
        if self.finished:
            return None
        if self.step == 0 and self._n_started < self._capacity:
            trial = None if new_trial is None else new_trial()
            if trial is not None:
                self._n_started += 1
                return self._hand_out(Job.start(trial[0], trial[1], self.rungs[0].level))
            if wait:
                return None  # at step 0 no promotion is queued
            self._cut = self._n_started < self.plan.n_configs
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

    def _n_kept(self, n: int) -> int:
        """How many of a step's ``n`` trials go on: ``floor(n / eta)``, at least one in a
        cut bracket (class docstring)."""
        kept = math.floor(n / self.eta)
        return max(kept, 1) if self._cut and n > 0 else kept

    def _may_be_promoted(self, rung: Rung, trial_id: int) -> bool:
        # The rung will hold at most _capacity trials, so at most _n_kept(_capacity) go on.
        return rung.can_rank_in_top(trial_id, self._n_kept(self._capacity))

    def _advance(self) -> None:
        """Algorithm 1, line 8: ``T = top_k(T, L, floor(n_i / eta))``, then the next step."""
        rung = self.rungs[self.step]
        promoted: list[int] = []
        if self.step + 1 < len(self.rungs):
            promoted = rung.top(self._n_kept(len(rung)))
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
