"""Warm start: a searcher learns from another experiment's results before it suggests.

``rung.tune(..., warm_start="runs/old")`` reads the earlier run's record and hands its
searcher every job that completed at that run's full resource, as if observed in this
run: BO models them from the first suggestion, and no configuration among them is
suggested again. The space must be the same (each parameter's domain, as recorded), and
so must the direction and the tuned metric; the schedulers start afresh (the earlier run's
rungs are its own). A run with several objectives or constraints learns from the earlier
run's :class:`~rung.objectives.Score` s, so that run must have had the same objectives and
constraints; a run of one metric learns that metric's values from any run that tuned it.
"""

from __future__ import annotations

import os

from rung.errors import ConfigError
from rung.objectives import Goals
from rung.results.front import score_of_record
from rung.results.result import Result
from rung.searchers.base import Searcher
from rung.types import Direction, JobStatus

__all__ = ["warm_start"]


def warm_start(
    searcher: Searcher,
    source: str | os.PathLike[str] | Result,
    direction: Direction,
    max_resource: int | None,
    goals: Goals | None = None,
    metric: str | None = None,
) -> int:
    """Observes ``source``'s full-resource results in ``searcher``; returns how many.

    Args:
        searcher: The new run's searcher (seeded, nothing suggested yet).
        source: An experiment directory, or the :class:`~rung.Result` of a run.
        direction: The new run's direction.
        max_resource: The new scheduler's full resource (None: single fidelity): the
            resource the observations are made at.
        goals: The new run's objectives and constraints when its results are Scores
            (several objectives, or constraints), else None.
        metric: The new run's tuned metric (None: the objective's one value).

    Raises:
        ConfigError: the earlier run searched another space, in the other direction, tuned
            another metric, or had other objectives or constraints.
        StoreError: ``source`` holds no experiment.
    """
    if isinstance(source, Result):
        result = source
    else:
        from rung.results.summary import read_result

        result = read_result(source)
    spec = result.spec
    ours = {name: repr(domain) for name, domain in searcher.space.items()}
    if dict(spec.space) != ours:
        differing = sorted(
            name for name in set(ours) | set(spec.space) if ours.get(name) != spec.space.get(name)
        )
        details = "; ".join(
            f"{n}: {spec.space.get(n, 'absent')} there, {ours.get(n, 'absent')} here"
            for n in differing
        )
        raise ConfigError(
            f"The 'warm_start' run searched another space ({details}); warm start needs the "
            "same search space."
        )
    if spec.direction is not direction:
        raise ConfigError(
            f"The 'warm_start' run was tuned with direction={spec.direction.value!r}, this "
            f"one with {direction.value!r}: its values would mean the opposite."
        )
    if goals is not None:
        # Scores are learnt only from the very objectives and constraints they were made of.
        if goals != spec.goals:
            there = "one objective" if spec.goals is None else spec.goals.describe()
            raise ConfigError(
                f"The 'warm_start' run had other objectives or constraints ({there}) than "
                f"this one ({goals.describe()}); warm start needs the same."
            )
    elif metric is not None and spec.metric is not None and metric != spec.metric:
        raise ConfigError(
            f"The 'warm_start' run tuned the metric {spec.metric!r}, this one {metric!r}: "
            "its values measure something else."
        )
    sign = direction.sign()
    full = spec.max_resource
    observed = 0
    for job in result.jobs:
        if job.status is not JobStatus.COMPLETED or (full is not None and job.resource_to < full):
            continue
        config = searcher.space.from_record(job.config)
        if goals is None:
            searcher.observe(config, sign * job.value, max_resource)
        else:
            score = score_of_record(job, goals)
            searcher.observe(config, goals.failed() if score is None else score, max_resource)
        observed += 1
    return observed
