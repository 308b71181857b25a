"""A run's budget while it runs: when the loop may start a job, and what a resume inherits.

The limits themselves are a :class:`~rung.results.spec.Budget` (recorded with the run's
spec, and with each resume); :class:`BudgetGate` is the loop's check before each job,
:func:`limits_reached` what a continued run has already used up. The budget a resumed run
inherits is :func:`rung.results.summary.recorded_budget`, the one every reader of the
record shows.
"""

from __future__ import annotations

from collections.abc import Callable

from rung.results.recorder import RunRecorder
from rung.results.spec import Budget

__all__ = ["BudgetGate", "limits_reached"]


class BudgetGate:
    """Says whether the loop may start another job under ``budget``.

    Args:
        budget: The run's limits (each counts the whole run).
        recorder: The run's records (trials, resource charged).
        clock: Seconds since the run began.
    """

    def __init__(self, budget: Budget, recorder: RunRecorder, clock: Callable[[], float]) -> None:
        self.budget = budget
        self._recorder = recorder
        self._clock = clock

    def allows_job(self, submitted: int) -> bool:
        """True while no limit on jobs, time or resource is reached."""
        budget = self.budget
        if budget.max_jobs is not None and submitted >= budget.max_jobs:
            return False
        if budget.time_budget_s is not None and self._clock() >= budget.time_budget_s:
            return False
        limit = budget.resource_budget
        return limit is None or self._recorder.resource_spent < limit

    def allows_new_trials(self, n_trials: int) -> bool:
        """True while the trial limit allows another trial (promotions may go on)."""
        return self.budget.max_trials is None or n_trials < self.budget.max_trials


def limits_reached(
    budget: Budget, recorder: RunRecorder, submitted: int, elapsed: float
) -> list[str]:
    """The limits a run has already reached, as ``name=limit (the run has N)``."""
    used = (
        ("max_trials", budget.max_trials, recorder.n_trials),
        ("max_jobs", budget.max_jobs, submitted),
        ("time_budget_s", budget.time_budget_s, round(elapsed, 3)),
        ("resource_budget", budget.resource_budget, recorder.resource_spent),
    )
    return [
        f"{name}={limit} (the run has {have})"
        for name, limit, have in used
        if limit is not None and have >= limit
    ]
