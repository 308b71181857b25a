"""Frozen dataclasses and enums shared by every component.

Data handed from one component to another is never mutated afterwards: a :class:`Job`
built by a scheduler is the same object the executor runs and the tuner records.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Mapping
from dataclasses import field
from typing import Any

from rung._frozen import frozen

__all__ = ["Decision", "Direction", "Job", "JobRecord", "JobStatus", "Report", "TrialStatus"]


class Direction(enum.Enum):
    """Whether the objective is minimized or maximized."""

    MIN = "min"
    MAX = "max"

    @classmethod
    def parse(cls, value: str | Direction) -> Direction:
        """Turns ``"min"``/``"max"`` (or a Direction) into a Direction.

        Raises:
            ConfigError: ``value`` is neither (a ValueError).
        """
        if isinstance(value, Direction):
            return value
        direction = _DIRECTIONS.get(value.lower()) if isinstance(value, str) else None
        if direction is None:
            from rung.errors import ConfigError

            raise ConfigError(
                "The 'direction' parameter must be 'min' or 'max' (or 'minimize', "
                f"'maximize'); got {value!r}."
            )
        return direction

    def sign(self) -> float:
        """+1 for minimization, -1 for maximization: internal values are always minimized."""
        return 1.0 if self is Direction.MIN else -1.0


_DIRECTIONS = {
    "min": Direction.MIN,
    "minimize": Direction.MIN,
    "max": Direction.MAX,
    "maximize": Direction.MAX,
}


class TrialStatus(enum.Enum):
    """Where a trial stands."""

    RUNNING = enum.auto()  # a job of the trial is running
    PAUSED = enum.auto()  # its last job ended at a rung; it may be promoted later
    COMPLETED = enum.auto()  # it reached the maximum resource
    STOPPED = enum.auto()  # the scheduler ended it early
    FAILED = enum.auto()  # its objective raised

    def is_finished(self) -> bool:
        """True for states no scheduler decision can leave."""
        return self in _FINISHED


_FINISHED = frozenset({TrialStatus.COMPLETED, TrialStatus.STOPPED, TrialStatus.FAILED})


class JobStatus(enum.Enum):
    """How a job ended."""

    COMPLETED = enum.auto()  # it reported a value at (or up to) its resource_to
    FAILED = enum.auto()  # the objective raised or reported nothing
    INTERRUPTED = enum.auto()  # the time budget ran out while it ran, or its checkpoint
    # did not decode so it never ran (error says why): either way it runs again


class Decision(enum.Enum):
    """What a scheduler decided for a trial after one of its jobs ended."""

    CONTINUE = enum.auto()  # its next job is queued right away
    PAUSE = enum.auto()  # it waits at its rung; a later promotion may resume it
    STOP = enum.auto()  # it ends here for good
    COMPLETE = enum.auto()  # it reached the maximum resource


@frozen
class Job:
    """One unit of work: train ``config`` of trial ``trial_id`` from one resource to another.

    Attributes:
        trial_id: The trial the job belongs to (0, 1, 2, ... in creation order).
        config: The configuration, without the resource.
        resource_from: The resource the trial already has (0 for a new trial).
        resource_to: The resource the job trains to.
    """

    trial_id: int
    config: Mapping[str, Any]
    resource_from: int
    resource_to: int

    def __post_init__(self) -> None:
        if not 0 <= self.resource_from < self.resource_to:
            raise ValueError(
                "A Job needs 0 <= resource_from < resource_to; got "
                f"resource_from={self.resource_from}, resource_to={self.resource_to}."
            )

    @classmethod
    def start(cls, trial_id: int, config: Mapping[str, Any], resource_to: int) -> Job:
        """A job that starts a new trial from scratch."""
        return cls(trial_id, config, 0, resource_to)

    @classmethod
    def resume(cls, previous: Job, resource_to: int) -> Job:
        """A job that continues ``previous``'s trial from where it ended."""
        return cls(previous.trial_id, previous.config, previous.resource_to, resource_to)

    @property
    def is_new_trial(self) -> bool:
        """True when the job starts its trial."""
        return self.resource_from == 0


@frozen
class Report:
    """One value an objective reported: the metric at ``resource``, ``time`` seconds in.

    Attributes:
        resource: The resource trained so far.
        value: The tuned metric's value there.
        time: Seconds since the run began.
        metrics: Every metric of the report by name (the tuned one included), when the
            objective reported a mapping; None when it reported one number.
    """

    resource: int
    value: float
    time: float = field(default=0.0, compare=False)
    metrics: Mapping[str, float] | None = None

    @property
    def is_finite(self) -> bool:
        return math.isfinite(self.value)


@frozen
class JobRecord:
    """One job as it ran. Values are in the user's direction (not negated).

    Attributes:
        index: The job's position in completion order (0, 1, ...).
        trial_id: Its trial.
        config: The trial's configuration (without the resource).
        resource_from: The resource the trial had when the job started.
        resource_to: The resource the job was scheduled to reach.
        value: The metric at the end of the job (NaN if it failed).
        status: How it ended.
        start: Seconds since the run began.
        end: Seconds since the run began.
        worker: The worker that ran it.
        decision: What the scheduler decided for the trial afterwards (None if interrupted).
        error: The traceback of a failed job.
        reports: Every value the job reported (its learning curve), in order.
        retrained: The resource the job trained again below ``resource_from``, because
            its objective started over from 0 (a loop whose paused call was gone, or a
            program that keeps no checkpoint): charged, though not reported again.
    """

    index: int
    trial_id: int
    config: Mapping[str, Any]
    resource_from: int
    resource_to: int
    value: float
    status: JobStatus
    start: float
    end: float
    worker: int = 0
    decision: Decision | None = None
    error: str | None = field(default=None, repr=False)
    reports: tuple[Report, ...] = field(default=(), repr=False)
    retrained: int = field(default=0, repr=False)

    @property
    def failed(self) -> bool:
        return self.status is JobStatus.FAILED

    @property
    def reached(self) -> int:
        """The resource the job's last report reached (``resource_from`` if none)."""
        return self.reports[-1].resource if self.reports else self.resource_from
