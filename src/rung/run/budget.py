"""A run's limits: ``max_trials``, ``max_jobs`` and ``time_budget_s``, checked and recorded.

:class:`_Budget` holds them for :class:`~rung.run.tuner.Tuner`, which checks them when a run
starts, records them with the run (:meth:`_Budget.as_settings`) and reads them back when
it resumes (:meth:`_Budget.from_settings`). :func:`_check_limit` is the rule for each.
"""

from __future__ import annotations

import math
from typing import Any

from rung.errors import ConfigError

__all__ = ["_Budget", "_check_limit"]


def _check_limit(name: str, value: Any, integral: bool) -> None:
    if value is None:
        return
    kinds = (int,) if integral else (int, float)
    if isinstance(value, bool) or not isinstance(value, kinds):
        kind = "an int" if integral else "a number"
        raise TypeError(f"The {name!r} parameter must be {kind} or None; got {value!r}.")
    if not (value > 0 and math.isfinite(value)):
        raise ConfigError(f"The {name!r} parameter must be > 0; got {value!r}.")


class _Budget:
    """A run's limits, checked."""

    def __init__(self, max_trials: Any, max_jobs: Any, time_budget_s: Any) -> None:
        self.max_trials, self.max_jobs, self.time_budget_s = max_trials, max_jobs, time_budget_s

    @classmethod
    def check(cls, max_trials: Any, max_jobs: Any, time_budget_s: Any) -> _Budget:
        _check_limit("max_trials", max_trials, integral=True)
        _check_limit("max_jobs", max_jobs, integral=True)
        _check_limit("time_budget_s", time_budget_s, integral=False)
        if max_trials is None and max_jobs is None and time_budget_s is None:
            raise ConfigError(
                "Tuner.run() needs a budget: give max_trials, max_jobs or time_budget_s."
            )
        return cls(max_trials, max_jobs, time_budget_s)

    @classmethod
    def from_settings(cls, settings: dict[str, Any]) -> _Budget:
        return cls(
            settings.get("max_trials"), settings.get("max_jobs"), settings.get("time_budget_s")
        )

    def as_settings(self) -> dict[str, Any]:
        return {
            "max_trials": self.max_trials,
            "max_jobs": self.max_jobs,
            "time_budget_s": self.time_budget_s,
        }
