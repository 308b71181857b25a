"""Warm start: a searcher learns from another experiment's results before it suggests.

``rung.tune(..., warm_start="runs/old")`` reads the earlier run's record and hands its
searcher every job that completed at that run's full resource, as if observed in this
run: BO models them from the first suggestion, and no configuration among them is
suggested again. The space must be the same (each parameter's domain, as recorded), and
so must the direction and the tuned metric; the schedulers start afresh (the earlier run's
rungs are its own). A run with several objectives or constraints learns the
:class:`~rung.objectives.Score` of each earlier result under its own objectives and
constraints, from the metrics that result reported (whatever the earlier run optimized);
results that lack one are left out.
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
        ConfigError: the earlier run searched another space; or, for one tuned metric,
            tuned another or in the other direction; or, with several objectives or
            constraints, reported none of its results' needed metrics.
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
    if goals is None:
        if spec.direction is not direction:
            raise ConfigError(
                f"The 'warm_start' run was tuned with direction={spec.direction.value!r}, "
                f"this one with {direction.value!r}: its values would mean the opposite."
            )
        if metric is not None and spec.metric is not None and metric != spec.metric:
            raise ConfigError(
                f"The 'warm_start' run tuned the metric {spec.metric!r}, this one "
                f"{metric!r}: its values measure something else."
            )
    sign = direction.sign()
    full = spec.max_resource
    observed = 0
    lacking: set[str] = set()
    for job in result.jobs:
        if job.status is not JobStatus.COMPLETED or (full is not None and job.resource_to < full):
            continue
        config = searcher.space.from_record(job.config)
        if goals is None:
            searcher.observe(config, sign * job.value, max_resource)
        else:  # this run's score of what the job reported, whatever that run optimized
            score = score_of_record(job, goals)
            if score is None:
                lacking.update(goals.missing(job.reports[-1].metrics if job.reports else None))
                continue
            searcher.observe(config, score, max_resource)
        observed += 1
    if lacking and not observed:
        names = ", ".join(repr(name) for name in sorted(lacking))
        raise ConfigError(
            f"The 'warm_start' run's results do not report {names}, which this run's "
            f"objectives and constraints ({goals.describe() if goals else ''}) need: none "
            "could be learnt."
        )
    return observed
