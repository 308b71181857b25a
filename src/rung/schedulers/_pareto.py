"""A rung that ranks :class:`~rung.objectives.Score` s: Pareto fronts, spread, feasibility.

MO-ASHA (Schmucker, Donini, Zafar, Salinas & Archambeau, *Multi-objective Asynchronous
Successive Halving*, 2021, Algorithm 1) replaces the top-``1/eta`` rule of a rung by a
ranking of vectors: non-dominated sorting (NSGA-II, Deb et al. 2002) orders the fronts,
and within a front an epsilon-net (:func:`rung.pareto.spread_order`) puts first the
results that keep the front spread, so the promoted ``1/eta`` cover it instead of
crowding one end. Constraints rank as in Deb's constrained tournament (Deb 2000, §3.1):
every feasible result before every infeasible one, infeasible ones by their total
violation, results whose objectives are not finite last (never promoted).

:class:`ParetoRung` has the interface of :class:`~rung.schedulers.rungs.Rung`, so the
ASHA and successive-halving brackets run on it unchanged: a scheduler files Scores in
ParetoRungs once told to (:meth:`rung.schedulers.base.Scheduler.use_scores`).
"""

from __future__ import annotations

import bisect
import math

import numpy as np

from rung.objectives import Score
from rung.pareto import dominates, non_dominated_ranks, spread_order

__all__ = ["ParetoRung", "rank_scores"]


def rank_scores(scores: list[Score]) -> list[int]:
    """Indices of ``scores`` from best to worst (the module's ranking); ties by index.

    Example:
        >>> from rung.objectives import Score
        >>> rank_scores([Score((2.0, 2.0)), Score((1.0, 1.0)), Score((0.0, 0.0), (0.5,))])
        [1, 0, 2]
    """
    feasible = [i for i, s in enumerate(scores) if s.feasible]
    infeasible = [i for i, s in enumerate(scores) if s.finite and not s.feasible]
    failed = [i for i, s in enumerate(scores) if not s.finite]
    order: list[int] = []
    if feasible:
        Y = np.array([scores[i].objectives for i in feasible])
        ranks = non_dominated_ranks(Y)
        for front in range(int(ranks.max()) + 1):
            members = np.flatnonzero(ranks == front)
            order.extend(feasible[members[k]] for k in spread_order(Y[members]))
    infeasible.sort(key=lambda i: scores[i].violation)  # stable: ties by index
    return order + infeasible + failed


class ParetoRung:
    """The results recorded at one rung, ranked as Scores (see the module docstring).

    The ranking is rebuilt (non-dominated sorting, ``O(n log n)`` for two objectives and
    ``O(n^2 m)`` for more) on the first question after a new feasible result, not on
    every question (ASHA asks for a promotion on every ``next_job``); an infeasible or
    failed result is filed in place. Only the front that the top ``floor(n / eta)``
    cuts through is put in its spread order: fronts wholly inside go on whatever their
    order, fronts wholly outside never do.

    Args:
        level: The rung's resource.
        eta: The reduction factor: the top ``floor(n / eta)`` of ``n`` results may go on.
        eager: While the rung holds fewer than ``eta`` results (its quota is 0), its best
            result may go on when no result already promoted beats it (a new member of
            the front): the first results reach the full resource early, as the scalar
            rung's eager promotion does.

    Attributes:
        values: Trial id -> Score, in arrival order.
        promoted: Trials that went on past this rung; change it only through
            :meth:`mark_promoted`.
    """

    def __init__(self, level: int, eta: float, eager: bool = False) -> None:
        self.level = level
        self.eta = eta
        self.eager = eager
        self.values: dict[int, Score] = {}
        self.promoted: set[int] = set()
        self._feasible: list[int] | None = None  # feasible trial ids, best first
        self._spread_upto = 0  # the feasible ones up to here are in their final order
        # infeasible and failed: sorted (violation, failed, arrival, id)
        self._others: list[tuple[float, bool, int, int]] = []
        self._fronts: dict[int, int] = {}  # feasible trial -> its front index

    def __repr__(self) -> str:
        n, promoted = len(self.values), len(self.promoted)
        return f"ParetoRung(level={self.level}, n={n}, promoted={promoted})"

    @staticmethod
    def finite(value: Score) -> bool:
        """True when ``value`` may ever be promoted (its objectives are finite)."""
        return value.finite

    def add(self, trial_id: int, value: Score) -> None:
        """Records ``trial_id``'s score at this rung (once per trial).

        Raises:
            TypeError: ``value`` is not a Score.
            ValueError: the trial already has a value here.
        """
        if not isinstance(value, Score):
            raise TypeError(
                f"A ParetoRung ranks Scores (several objectives or constraints); got {value!r}."
            )
        if trial_id in self.values:
            raise ValueError(f"Trial {trial_id} already reported a value at rung {self.level}.")
        arrival = len(self.values)
        self.values[trial_id] = value
        if value.feasible:
            self._feasible = None
        else:  # infeasible (by violation) or failed (last), in place
            failed = not value.finite
            key = math.inf if failed else value.violation
            bisect.insort(self._others, (key, failed, arrival, trial_id))
            n_feasible = len(self.values) - len(self._others)
            if self.quota > self._spread_upto and self.quota < n_feasible:
                self._feasible = None  # the cut moved into a front not in spread order

    def mark_promoted(self, trial_id: int) -> None:
        """Records that ``trial_id`` went on past this rung."""
        if trial_id not in self.values:
            raise ValueError(f"Trial {trial_id} has no value at rung {self.level} to promote.")
        self.promoted.add(trial_id)

    def __len__(self) -> int:
        return len(self.values)

    @property
    def quota(self) -> int:
        """How many of the rung's results may be promoted: ``floor(n / eta)``."""
        return math.floor(len(self.values) / self.eta)

    def _rank_feasible(self) -> list[int]:
        if self._feasible is None:
            ids = [tid for tid, score in self.values.items() if score.feasible]
            order: list[int] = []
            self._fronts, self._spread_upto = {}, 0
            if ids:
                Y = np.array([self.values[tid].objectives for tid in ids])
                ranks = non_dominated_ranks(Y)
                self._fronts = dict(zip(ids, ranks.tolist(), strict=True))
                members_of = np.argsort(ranks, kind="stable")  # by front, then arrival
                bounds = np.searchsorted(ranks[members_of], np.arange(ranks.max() + 2))
                quota = self.quota
                for front in range(int(ranks.max()) + 1):
                    members = members_of[bounds[front] : bounds[front + 1]]
                    if len(order) < quota < len(order) + len(members):
                        members = members[spread_order(Y[members])]
                        self._spread_upto = len(order) + len(members)
                    order.extend(ids[k] for k in members)
                self._spread_upto = max(self._spread_upto, min(quota, len(order)))
            self._feasible = order
        return self._feasible

    def ranked(self) -> list[int]:
        """Trial ids from best to worst (the front the quota cuts in its spread order)."""
        return self._rank_feasible() + [tid for *_, tid in self._others]

    def top(self, n: int | None = None) -> list[int]:
        """The best ``n`` trials with finite objectives (default ``floor(len / eta)``)."""
        n = self.quota if n is None else n
        return [tid for tid in self.ranked()[:n] if self.values[tid].finite]

    def promotable(self) -> int | None:
        """The best trial in the top ``floor(n / eta)`` not promoted yet, if any."""
        quota = self.quota
        if not quota and self.eager and self.values:
            return self._eager_candidate()
        for trial_id in self.top(quota):
            if trial_id not in self.promoted:
                return trial_id
        return None

    def _eager_candidate(self) -> int | None:
        best = self.ranked()[0]
        value = self.values[best]
        if best in self.promoted or not value.finite:
            return None
        for trial_id in self.promoted:
            other = self.values[trial_id]
            if (other.feasible and not value.feasible) or (
                other.feasible and dominates(other.objectives, value.objectives)
            ):
                return None
            if not other.feasible and not value.feasible and other.violation <= value.violation:
                return None
        return best

    def n_better(self, value: Score) -> int:
        """How many recorded results rank in a strictly better class than ``value``.

        A class is a front of the feasible results (``value``'s front is one more than
        the latest front among those that dominate it), then each level of violation;
        results in ``value``'s own class are ties, not better. Non-finite is worst.
        """
        n_feasible = len(self.values) - len(self._others)
        if not value.finite:
            return n_feasible + sum(not failed for _, failed, _, _ in self._others)
        if not value.feasible:
            return n_feasible + bisect.bisect_left(self._others, (value.violation, False, -1, -1))
        self._rank_feasible()
        front = 0
        for tid, other_front in self._fronts.items():
            if other_front >= front and dominates(self.values[tid].objectives, value.objectives):
                front = other_front + 1
        return sum(f < front for f in self._fronts.values())

    def can_rank_in_top(self, trial_id: int, n: int) -> bool:
        """False once ``trial_id`` can never be among the best ``n`` of this rung, however
        the rung fills: its value is not finite, or ``n`` results already beat it for good
        (dominate it, are feasible while it is not, or violate less)."""
        value = self.values[trial_id]
        if not value.finite:
            return False
        beaten_by = 0
        for other_id, other in self.values.items():
            if other_id == trial_id or not other.finite:
                continue
            if value.feasible:
                beaten_by += other.feasible and dominates(other.objectives, value.objectives)
            else:
                beaten_by += other.feasible or other.violation < value.violation
        return beaten_by < n
