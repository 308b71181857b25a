"""The record of what a run was asked to do: a frozen, typed :class:`RunSpec`.

A run writes its spec once, when it starts (the store's RUN_STARTED event); a resumed run
compares the spec it would write with the recorded one (:meth:`RunSpec.differences`)
before it replays anything, and every reader of the record (``rung show``, the plots,
the dashboard) reads the direction, the resource and the levels from it, never from
settings a caller happened to write. What the command line adds (the model, the data,
the metric's name) travels in :attr:`RunSpec.extra`, a mapping the library does not
interpret.

A larger budget given to a resumed run is recorded with the resume (RUN_RESUMED), not by
changing the recorded spec: RUN_STARTED keeps what the run started with. A spec read back
(``read_result``, ``rung show``, ``results.json``, the dashboard) carries the budget the
run is held to now, that of its latest start or resume
(:func:`rung.results.summary.recorded_budget`).
"""

from __future__ import annotations

import dataclasses
import enum
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from rung._checks import Integer, Real, check
from rung.errors import ConfigError, StoreError
from rung.objectives import Constraint, Goals, Objective
from rung.types import Direction

__all__ = ["Budget", "ObjectiveForm", "RunSpec", "SPEC_VERSION"]

#: The layout of :meth:`RunSpec.to_dict`; a record with another one is read through
#: :meth:`RunSpec.from_dict`'s conversion or refused.
SPEC_VERSION = 1


class ObjectiveForm(enum.Enum):
    """How the objective is called (see :mod:`rung.trial`)."""

    FUNCTION = "function"  # f(config) -> value, trained from scratch to config[resource_name]
    ITERATIVE = "iterative"  # f(config, trial), reporting as it goes, resumable


_LIMITS = {
    "max_trials": Integer(low=1, nullable=True),
    "max_jobs": Integer(low=1, nullable=True),
    "time_budget_s": Real(low=0, low_open=True, nullable=True),
    "resource_budget": Real(low=0, low_open=True, nullable=True),
}


@dataclass(frozen=True)
class Budget:
    """When a run stops starting jobs (the first limit reached wins).

    Every limit counts the whole run, from its first start, across resumes.

    Attributes:
        max_trials: Trials started (failed ones count).
        max_jobs: Jobs started (failed ones count).
        time_budget_s: Seconds since the workers were ready; running iterative jobs stop
            at their next report, resumable.
        resource_budget: Resource charged, in the resource's unit (epochs): every job
            pays what it trained, a promoted trial only its extra resource (an
            ``f(config)`` objective, which retrains from scratch, pays it all again, as
            does a loop or a program that started over for want of a checkpoint).
            Jobs running when it is reached finish.
    """

    max_trials: int | None = None
    max_jobs: int | None = None
    time_budget_s: float | None = None
    resource_budget: float | None = None

    def __post_init__(self) -> None:
        for name, rule in _LIMITS.items():
            check("the budget", name, getattr(self, name), rule)

    @property
    def is_set(self) -> bool:
        """True when at least one limit is given."""
        return any(getattr(self, name) is not None for name in _LIMITS)

    def extended(self, **limits: Any) -> Budget:
        """This budget with the given limits replaced (None keeps the recorded one)."""
        given = {name: value for name, value in limits.items() if value is not None}
        return dataclasses.replace(self, **given)

    def to_dict(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in _LIMITS}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Budget:
        return cls(**{name: data.get(name) for name in _LIMITS})


#: Fields a resumed run must share with the recorded one (the rest may change).
_REPLAYED = (
    "direction",
    "metric",
    "objective_form",
    "resource_name",
    "space",
    "searcher",
    "scheduler",
    "levels",
    "min_resource",
    "max_resource",
    "eta",
    "scheduler_options",
    "seed",
    "objectives",
    "constraints",
)


def _frozen_mapping(value: Mapping[str, Any] | None) -> Mapping[str, Any]:
    return MappingProxyType(dict(value or {}))


@dataclass(frozen=True)
class RunSpec:
    """What a run was asked to do, as recorded when it started.

    Attributes:
        direction: Whether values are minimized or maximized.
        objective_form: ``f(config)`` or ``f(config, trial)``.
        resource_name: What the resource is called (``"epochs"``); ``f(config)``
            objectives find it in their config.
        metric: The metric tuned when the objective reports several by name, or None.
        space: Each parameter's domain, as text (``repr``), for comparing on resume.
        searcher: The searcher's class name.
        scheduler: The scheduler's class name.
        levels: The resources jobs end at, lowest first (empty for single fidelity).
        min_resource: The lowest level, or None.
        max_resource: The full resource, or None for single-fidelity runs: the best
            configuration is the best value measured at this resource.
        eta: The reduction factor of successive-halving schedulers, or None.
        scheduler_options: The scheduler's other settings that shape its decisions
            (``max_brackets``, ``variant`` ...).
        seed: The tuner's seed.
        workers: Jobs at once when the run started.
        budget: Its limits: when it started as recorded; read back, those of its latest
            start or resume (see :func:`rung.results.summary.recorded_budget`).
        max_retries: How often a failed job runs again before its trial fails.
        job_timeout_s: Seconds a job may run, or None.
        keep_checkpoints: Whether finished trials keep their last checkpoint.
        extra: What the caller recorded beside (the command line's model and data
            settings, the metric's name); JSON-ready, not interpreted by the library.
        objectives: In a run with several objectives or constraints, every objective
            (the first is ``metric``, in ``direction``); empty otherwise.
        constraints: The bounds results must respect to be feasible.
    """

    direction: Direction
    objective_form: ObjectiveForm
    resource_name: str
    space: Mapping[str, str]
    searcher: str
    scheduler: str
    metric: str | None = None
    levels: tuple[int, ...] = ()
    min_resource: int | None = None
    max_resource: int | None = None
    eta: float | None = None
    scheduler_options: Mapping[str, Any] = field(default_factory=dict)
    seed: int = 0
    workers: int = 1
    budget: Budget = field(default_factory=Budget)
    max_retries: int = 1
    job_timeout_s: float | None = None
    keep_checkpoints: bool = False
    extra: Mapping[str, Any] = field(default_factory=dict)
    objectives: tuple[Objective, ...] = ()
    constraints: tuple[Constraint, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "objectives", tuple(self.objectives))
        object.__setattr__(self, "constraints", tuple(self.constraints))
        object.__setattr__(self, "space", _frozen_mapping(self.space))
        # JSON-ready from the start, so a spec equals the one read back from its record
        object.__setattr__(
            self, "scheduler_options", _frozen_mapping(_jsonable(self.scheduler_options))
        )
        object.__setattr__(self, "extra", _frozen_mapping(_jsonable(self.extra)))
        object.__setattr__(self, "levels", tuple(self.levels))

    @property
    def multi_fidelity(self) -> bool:
        """True when trials are trained to several levels of the resource."""
        return self.max_resource is not None and len(self.levels) > 1

    @property
    def goals(self) -> Goals | None:
        """The objectives and constraints of a run that has several or any constraint
        (its results are :class:`~rung.objectives.Score` s), else None."""
        if not self.objectives:
            return None
        return Goals(self.objectives, self.constraints)

    @property
    def value_name(self) -> str:
        """What the values are called: the tuned metric's name, else the caller's
        ``extra["metric"]`` (the command line's "validation error"), else "value"."""
        return self.metric or str(self.extra.get("metric", "value"))

    def __reduce__(self) -> tuple[Any, ...]:
        # Its read-only mappings do not pickle; the JSON form reads back equal.
        return (RunSpec.from_dict, (self.to_dict(),))

    def differences(self, other: RunSpec) -> list[str]:
        """What differs from ``other`` in the fields a replay depends on, as text."""
        mine, theirs = self.to_dict(), other.to_dict()
        return [
            f"{name}: recorded {theirs[name]!r}, now {mine[name]!r}"
            for name in _REPLAYED
            if mine[name] != theirs[name]
        ]

    def to_dict(self) -> dict[str, Any]:
        """The spec as JSON-ready values (what the store records)."""
        return {
            "version": SPEC_VERSION,
            "direction": self.direction.value,
            "objective_form": self.objective_form.value,
            "resource_name": self.resource_name,
            "metric": self.metric,
            "space": dict(self.space),
            "searcher": self.searcher,
            "scheduler": self.scheduler,
            "levels": list(self.levels),
            "min_resource": self.min_resource,
            "max_resource": self.max_resource,
            "eta": self.eta,
            "scheduler_options": _jsonable(self.scheduler_options),
            "seed": self.seed,
            "workers": self.workers,
            "budget": self.budget.to_dict(),
            "max_retries": self.max_retries,
            "job_timeout_s": self.job_timeout_s,
            "keep_checkpoints": self.keep_checkpoints,
            "extra": _jsonable(self.extra),
            "objectives": [] if self.goals is None else self.goals.objectives_dicts(),
            "constraints": [] if self.goals is None else self.goals.constraints_dicts(),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RunSpec:
        """The spec :meth:`to_dict` wrote.

        Raises:
            StoreError: ``data`` is not a spec this rung can read.
        """
        try:
            if data.get("version") != SPEC_VERSION:
                raise ValueError(f"spec version {data.get('version')!r}")
            return cls(
                direction=Direction.parse(data["direction"]),
                objective_form=ObjectiveForm(data["objective_form"]),
                resource_name=str(data["resource_name"]),
                metric=None if data.get("metric") is None else str(data["metric"]),
                space={str(k): str(v) for k, v in data["space"].items()},
                searcher=str(data["searcher"]),
                scheduler=str(data["scheduler"]),
                levels=tuple(int(level) for level in data["levels"]),
                min_resource=_optional_int(data["min_resource"]),
                max_resource=_optional_int(data["max_resource"]),
                eta=None if data["eta"] is None else float(data["eta"]),
                scheduler_options=dict(data["scheduler_options"]),
                seed=int(data["seed"]),
                workers=int(data["workers"]),
                budget=Budget.from_dict(data["budget"]),
                max_retries=int(data["max_retries"]),
                job_timeout_s=data["job_timeout_s"],
                keep_checkpoints=bool(data["keep_checkpoints"]),
                extra=dict(data["extra"]),
                **_goals_fields(data),
            )
        except (KeyError, TypeError, ValueError, AttributeError, ConfigError) as err:
            raise StoreError(
                f"The recorded run spec cannot be read ({type(err).__name__}: {err}); the "
                "experiment was written by another rung, or its database is damaged."
            ) from None


def _goals_fields(data: Mapping[str, Any]) -> dict[str, Any]:
    """The objectives and constraints of a recorded spec (records before them have none)."""
    goals = Goals.from_dicts(data.get("objectives") or [], data.get("constraints") or [])
    if goals is None:
        return {}
    return {"objectives": goals.objectives, "constraints": goals.constraints}


def _optional_int(value: Any) -> int | None:
    return None if value is None else int(value)


def _jsonable(value: Any) -> Any:
    """Mappings and sequences as dicts and lists, enums by name, the rest as is."""
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, enum.Enum):
        return value.name
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value
