"""A job's outcome as the :class:`~rung.objectives.Score` its scheduler ranks.

In a run with several objectives or constraints the scheduler gets, instead of the tuned
value, the score of the job's last report: every objective's value (minimized) and every
constraint's slack. A job that completed without reporting a metric the goals need has
no score; it fails, with an error naming the metric and those it did report, as a job
whose tuned metric is missing does.
"""

from __future__ import annotations

import dataclasses

from rung.objectives import Goals, Score
from rung.task import Outcome
from rung.types import JobStatus

__all__ = ["missing_metrics", "score_of"]


def missing_metrics(outcome: Outcome, goals: Goals) -> Outcome:
    """``outcome``, or a failed copy of it when its last report lacks a needed metric."""
    if outcome.status is not JobStatus.COMPLETED or not outcome.reports:
        return outcome
    metrics = outcome.reports[-1].metrics
    missing = goals.missing(metrics)
    if not missing:
        return outcome
    if metrics is None:
        said = "one value, not a mapping of metrics by name"
    else:
        said = f"the metrics {sorted(metrics)}"
    needs = ", ".join(repr(name) for name in missing)
    error = (
        f"MissingMetric: the run's objectives and constraints ({goals.describe()}) need the "
        f"metric(s) {needs}, but the objective reported {said}."
    )
    return dataclasses.replace(outcome, status=JobStatus.FAILED, value=float("nan"), error=error)


def score_of(outcome: Outcome, goals: Goals) -> Score:
    """The score of a finished job (a failed job's is all NaN: ranked last)."""
    if outcome.status is not JobStatus.COMPLETED or not outcome.reports:
        return goals.failed()
    metrics = outcome.reports[-1].metrics
    if metrics is None or goals.missing(metrics):
        return goals.failed()
    return goals.score(metrics)
