"""The Pareto front of a run, kept up to date job by job.

:class:`ParetoFront` is the one computation of the front: the
:class:`~rung.results.recorder.RunRecorder` feeds it every completed job, live or read
back from a store, and the :class:`~rung.results.result.Result` (hence ``rung show``,
``results.json``, the plots and the dashboard) lists what it holds.
"""

from __future__ import annotations

from collections.abc import Sequence

from rung.objectives import Goals, Score
from rung.pareto import dominates
from rung.results.result import ParetoPoint
from rung.types import JobRecord

__all__ = ["ParetoFront", "score_of_record"]


def score_of_record(record: JobRecord, goals: Goals) -> Score | None:
    """The score of a completed job's last report, or None when it lacks a needed metric."""
    if not record.reports:
        return None
    metrics = record.reports[-1].metrics
    if metrics is None or goals.missing(metrics):
        return None
    return goals.score(metrics)


class ParetoFront:
    """The non-dominated feasible results at the full resource, updated one job at a time.

    Each new result is compared with the current front only (``O(front)`` per job): it
    joins unless a member dominates it, and evicts the members it dominates. Results with
    equal objectives all stay.

    Args:
        goals: The run's objectives and constraints.
        max_resource: The full resource (None for single-fidelity runs).

    Attributes:
        n_infeasible: Results at the full resource that violated a constraint.
        n_non_finite: Results at the full resource within the constraints but with a NaN
            or infinite objective: ranked last like failed jobs, so neither infeasible nor
            on the front.
    """

    def __init__(self, goals: Goals, max_resource: int | None = None) -> None:
        self.goals = goals
        self.max_resource = max_resource
        self.n_infeasible = 0
        self.n_non_finite = 0
        self._members: dict[int, tuple[tuple[float, ...], int]] = {}  # job -> (y, trial)

    def add(self, record: JobRecord, at_full: bool) -> bool:
        """Folds a completed job in; returns whether its result is feasible.

        Args:
            record: A completed job.
            at_full: Whether it reached the full resource (only those join the front).
        """
        score = score_of_record(record, self.goals)
        if score is None or not score.feasible:
            if at_full and score is not None and score.violation > 0:
                self.n_infeasible += 1
            elif at_full:  # no constraint broken: a non-finite objective is no violation
                self.n_non_finite += 1
            return False
        if at_full:
            y = score.objectives
            members = self._members
            if not any(dominates(other, y) for other, _ in members.values()):
                for job in [j for j, (other, _) in members.items() if dominates(y, other)]:
                    del members[job]
                members[record.index] = (y, record.trial_id)
        return True

    @property
    def best_job(self) -> int | None:
        """The member best in the first objective (then the others, then the earliest)."""
        if not self._members:
            return None
        return min(self._members.items(), key=lambda item: (item[1][0], item[0]))[0]

    @property
    def trials(self) -> frozenset[int]:
        """The trials on the front."""
        return frozenset(trial for _, trial in self._members.values())

    def points(self, jobs: Sequence[JobRecord]) -> tuple[ParetoPoint, ...]:
        """The front as records, ordered by the first objective (then by job).

        Args:
            jobs: The run's jobs by index (the records the front was fed).
        """
        names = [objective.name for objective in self.goals.objectives]
        points = []
        order = sorted(self._members.items(), key=lambda item: (item[1][0], item[0]))
        for index, _ in order:
            job = jobs[index]
            metrics = dict(job.reports[-1].metrics or {})
            points.append(
                ParetoPoint(
                    job.trial_id,
                    job.config,
                    {name: metrics[name] for name in names},
                    metrics,
                    job.reached if self.max_resource is not None else None,
                    index,
                )
            )
        return tuple(points)
