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

    The ranking is rebuilt (``O(n^2 m)``) on the first question after a new result, not on
    every question: ASHA asks for a promotion on every ``next_job``.

    Args:
        level: The rung's resource.
        eta: The reduction factor: the top ``floor(n / eta)`` of ``n`` results may go on.

    Attributes:
        values: Trial id -> Score, in arrival order.
        promoted: Trials that went on past this rung; change it only through
            :meth:`mark_promoted`.
    """

    def __init__(self, level: int, eta: float) -> None:
        self.level = level
        self.eta = eta
        self.values: dict[int, Score] = {}
        self.promoted: set[int] = set()
        self._order: list[int] | None = None  # trial ids, best first
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
        self.values[trial_id] = value
        self._order = None

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

    def ranked(self) -> list[int]:
        """Trial ids from best to worst."""
        if self._order is None:
            ids = list(self.values)
            scores = [self.values[tid] for tid in ids]
            self._order = [ids[i] for i in rank_scores(scores)]
            feasible = [tid for tid in ids if self.values[tid].feasible]
            if feasible:
                Y = np.array([self.values[tid].objectives for tid in feasible])
                self._fronts = dict(zip(feasible, non_dominated_ranks(Y).tolist(), strict=True))
            else:
                self._fronts = {}
        return list(self._order)

    def top(self, n: int | None = None) -> list[int]:
        """The best ``n`` trials with finite objectives (default ``floor(len / eta)``)."""
        n = self.quota if n is None else n
        return [tid for tid in self.ranked()[:n] if self.values[tid].finite]

    def promotable(self) -> int | None:
        """The best trial in the top ``floor(n / eta)`` not promoted yet, if any."""
        for trial_id in self.top():
            if trial_id not in self.promoted:
                return trial_id
        return None

    def n_better(self, value: Score) -> int:
        """How many recorded results rank in a strictly better class than ``value``.

        A class is a front of the feasible results (``value``'s front is one more than
        the latest front among those that dominate it), then each level of violation;
        results in ``value``'s own class are ties, not better. Non-finite is worst.
        """
        self.ranked()
        scores = self.values.values()
        if not value.finite:
            return sum(s.finite for s in scores)
        if not value.feasible:
            violation = value.violation
            return sum(s.feasible or (s.finite and s.violation < violation) for s in scores)
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
