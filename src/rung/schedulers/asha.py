"""Asynchronous successive halving (ASHA): promote as soon as a rung allows it.

Li et al., "A System for Massively Parallel Hyperparameter Tuning" (MLSys 2020),
Algorithm 2. Synchronous successive halving waits until a whole rung is full before it
promotes; ASHA instead promotes a configuration the moment it sits in the top
``1/eta`` of the results its rung has *so far*, and otherwise grows the bottom rung, so
no worker ever idles waiting for stragglers.

:class:`AshaBracket` (:mod:`rung.schedulers._asha_bracket`) is one such set of rungs;
:class:`ASHA` runs one bracket and :class:`rung.schedulers.async_hyperband.AsyncHyperband`
several.
"""

from __future__ import annotations

import enum
from collections import deque

from rung._checks import Boolean, Member, check
from rung.schedulers._asha_bracket import AshaBracket
from rung.schedulers.base import Scheduler
from rung.schedulers.rungs import DEFAULT_ETA, Rung, check_fidelity, rung_levels
from rung.searchers.base import Searcher
from rung.types import Decision, Job

__all__ = ["ASHA", "ASHAVariant", "AshaBracket"]


class ASHAVariant(enum.Enum):
    """How ASHA lets a trial go past a rung.

    PROMOTION: the trial pauses at each rung and is resumed later if it ranks in the top
    ``1/eta`` of its rung (Li et al. 2020, Algorithm 2).
    STOPPING: the trial continues at once if it ranks in the top ``1/eta`` of the results
    its rung has when it arrives, and stops for good otherwise (Syne Tune's "stopping" type).
    """

    PROMOTION = "promotion"
    STOPPING = "stopping"

    @classmethod
    def parse(cls, value: str | ASHAVariant, owner: str = "ASHA") -> ASHAVariant:
        """Turns ``"promotion"``/``"stopping"`` (any case) or an ASHAVariant into an ASHAVariant.

        Raises:
            ConfigTypeError: ``value`` is neither a string nor an ASHAVariant.
            ConfigError: ``value`` names no variant.
        """
        rule = Member(cls, ignore_case=True)
        return rule.parse(check(owner, "variant", value, rule))


class AsyncBracketScheduler(Scheduler):
    """Shared machinery of :class:`ASHA` and AsyncHyperband: brackets, promotions, decisions.

    Subclasses fill :attr:`brackets` and implement :meth:`_draw_bracket`.
    """

    brackets: list[AshaBracket]
    variant: ASHAVariant

    def __init__(
        self,
        searcher: Searcher,
        min_resource: int,
        max_resource: int,
        eta: float,
        eager_promotion: bool = True,
    ) -> None:
        super().__init__(searcher)
        owner = type(self).__name__
        check(owner, "eager_promotion", eager_promotion, Boolean())
        self.eager_promotion = eager_promotion
        self.min_resource, self.max_resource, self.eta = check_fidelity(
            owner, min_resource, max_resource, eta
        )
        self.levels = rung_levels(self.min_resource, self.max_resource, self.eta)
        searcher.set_levels(self.levels)
        self._trial_bracket: dict[int, int] = {}
        self._last_job: dict[int, Job] = {}
        self._continuations: deque[Job] = deque()

    def bracket_of(self, trial_id: int) -> int:
        """The index in :attr:`brackets` of the bracket ``trial_id`` runs in.

        Raises:
            KeyError: the scheduler did not start ``trial_id``.
        """
        return self._trial_bracket[trial_id]

    def _draw_bracket(self) -> int:
        """The bracket a new trial joins."""
        raise NotImplementedError

    def _rank_by(self, rung_type: type) -> None:
        for bracket in self.brackets:
            bracket.rank_by(rung_type)

    def next_job(self, allow_new_trials: bool = True) -> Job | None:
        """Queued continuations first, then the highest promotion, else a new trial.

        Promotions follow Algorithm 2's ``get_job`` in every bracket; across brackets the
        one out of the highest rung level wins (ties: the lower bracket index).
        """
        if self._continuations:
            return self._continuations.popleft()
        if self.variant is ASHAVariant.PROMOTION:
            promotion = self._best_promotion()
            if promotion is not None:
                return promotion
        if not allow_new_trials:
            return None
        trial = self._new_trial()
        if trial is None:
            return None
        trial_id, config = trial
        b = self._draw_bracket()
        self._trial_bracket[trial_id] = b
        return Job.start(trial_id, config, self.brackets[b].start_level)

    def _best_promotion(self) -> Job | None:
        """Makes the promotion out of the highest rung level over all brackets, if any."""
        best: tuple[int, int, int, int] | None = None  # (level, bracket, rung index, trial)
        for b, bracket in enumerate(self.brackets):
            found = bracket.promotable()
            if found is not None:
                k, trial_id = found
                level = bracket.levels[k]
                if best is None or level > best[0]:
                    best = (level, b, k, trial_id)
        if best is not None:
            _, b, k, trial_id = best
            level_to = self.brackets[b].promote(k, trial_id)
            return Job.resume(self._last_job[trial_id], level_to)
        return None

    def on_result(self, job: Job, value: float, seconds: float | None = None) -> Decision:
        """Records ``value`` at the job's rung and decides the trial's fate.

        Returns:
            COMPLETE at ``max_resource``; STOP for a non-finite value below it (it can never
            be promoted) or, in the stopping variant, for a trial outside the top
            ``1/eta``; CONTINUE when the stopping variant queues its next job; PAUSE when
            the trial waits at its rung for a promotion.

        Raises:
            ValueError: the scheduler did not create the trial, ``job.resource_to`` is not a
                rung of its bracket, or the trial already reported at that rung.
        """
        self._check_job(job)
        bracket = self.brackets[self._trial_bracket[job.trial_id]]
        value = self._value(value)
        bracket.record(job.trial_id, job.resource_to, value)
        self._last_job[job.trial_id] = job
        self._observe(job, value, seconds)
        next_level = bracket.next_level(job.resource_to)
        if next_level is None:
            return Decision.COMPLETE
        if not bracket.rung_at(job.resource_to).finite(value):
            return Decision.STOP
        if self.variant is ASHAVariant.PROMOTION:
            return Decision.PAUSE
        if bracket.continues(job.resource_to, value):
            bracket.rung_at(job.resource_to).mark_promoted(job.trial_id)
            self._continuations.append(Job.resume(job, next_level))
            return Decision.CONTINUE
        return Decision.STOP


class ASHA(AsyncBracketScheduler):
    """Asynchronous successive halving (Li et al., MLSys 2020, Algorithm 2, with s = 0).

    Rungs sit at ``min_resource * eta**k`` (the paper's ``r η^k``) below ``max_resource``
    (the paper's ``R``), plus ``max_resource``. Whenever a worker is free, :meth:`next_job`
    promotes the best not-yet-promoted trial in the top ``floor(n_k / eta)`` of the highest
    rung ``k`` that has one, and otherwise starts a new trial at the bottom rung. One
    addition, ``eager_promotion`` (on by default): a rung with fewer than ``eta`` results
    promotes its best so far, so that the first trials reach ``max_resource`` at once.

    Args:
        searcher: Proposes the configurations.
        min_resource: The bottom rung's resource (``r``), >= 1.
        max_resource: The full resource (``R``), >= min_resource.
        eta: The reduction factor (``η``), >= 2 (default 3).
        variant: ``"promotion"`` (Algorithm 2) or ``"stopping"`` (a trial continues at once
            if at most ``n / eta`` of the ``n`` values at its rung beat it, else stops), as a
            string or an :class:`ASHAVariant`.
        eager_promotion: In the promotion variant, a rung holding fewer than ``eta``
            results promotes its best so far (Algorithm 2 waits for ``eta`` of them): the
            first configurations reach ``max_resource`` after one full training's time
            instead of ``eta**K`` bottom-rung jobs later, so that a run with many workers has
            a fully trained incumbent early. At most ``eta - 1`` extra promotions per rung.
            On by default; False is Algorithm 2 as published.

    Raises:
        TypeError: a resource is not an int, eta not a number, variant of another type, or
            eager_promotion not a bool.
        ConfigError: min_resource < 1, max_resource < min_resource, eta < 2, or an unknown
            variant.

    Example:
        >>> import rung
        >>> searcher = rung.RandomSearcher({"x": rung.uniform(0, 1)}, seed=0)
        >>> asha = ASHA(searcher, min_resource=1, max_resource=9, eta=3)
        >>> asha.levels
        [1, 3, 9]
        >>> job = asha.next_job()
        >>> (job.resource_from, job.resource_to)
        (0, 1)
        >>> asha.on_result(job, 0.5)
        <Decision.PAUSE: 2>
    """

    def __init__(
        self,
        searcher: Searcher,
        min_resource: int,
        max_resource: int,
        eta: float = DEFAULT_ETA,
        variant: str | ASHAVariant = ASHAVariant.PROMOTION,
        eager_promotion: bool = True,
    ) -> None:
        super().__init__(searcher, min_resource, max_resource, eta, eager_promotion)
        self.variant = ASHAVariant.parse(variant, "ASHA")
        self.brackets = [AshaBracket(self.levels, self.eta, eager_promotion)]

    @property
    def rungs(self) -> list[Rung]:
        """The rungs, lowest first (``rungs[k].level == levels[k]``)."""
        return self.brackets[0].rungs

    def _draw_bracket(self) -> int:
        return 0
