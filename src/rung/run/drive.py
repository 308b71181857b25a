"""The loop of a run: submit jobs while workers are free and the budget allows, then wait.

:class:`Driver` runs one start (or resumption, or continuation) of a run: it starts the
executor with the listener of running jobs' reports, asks the run's state
(:class:`~rung.run.state.RunLoop`) for jobs while :class:`~rung.run.budget.BudgetGate`
allows, hands every outcome back to it, tells the callbacks, and records the end.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from rung.callbacks import Callback, RunState
from rung.errors import TrialFailed
from rung.executors.base import Executor, ReportListener
from rung.results.result import Result
from rung.results.spec import Budget
from rung.run.budget import BudgetGate, limits_reached
from rung.run.state import RunLoop
from rung.types import Job, Report

__all__ = ["Driver"]

logger = logging.getLogger(__name__)


class Driver:
    """Drives ``loop`` on ``executor`` (see the module).

    Args:
        loop: The run's state.
        executor: Where jobs run.
        objective: The user's function.
        callbacks: The user's callbacks.
        clock: Seconds, monotonic (the executor's own clock wins when it has one).

    Attributes:
        elapsed: The run's seconds when the drive stopped (across resumes), also when it
            stopped with an error.
    """

    def __init__(
        self,
        loop: RunLoop,
        executor: Executor,
        objective: Callable[..., Any],
        callbacks: Sequence[Callback],
        clock: Callable[[], float],
    ) -> None:
        self.loop, self.executor, self.objective = loop, executor, objective
        self.callbacks = list(callbacks)
        self._clock = clock
        self.elapsed = 0.0

    def _report_listener(self) -> ReportListener | None:
        """What hears a running job's reports: the run's state (and store), the callbacks."""
        loop = self.loop
        callbacks = [c.on_report for c in self.callbacks if _overrides(c, "on_report")]
        if loop.store is None and not callbacks:
            return None
        reported = loop.reported

        def hear(job: Job, report: Report, checkpoint: Any) -> None:
            reported(job, report, checkpoint)
            for on_report in callbacks:
                on_report(job, report)

        return hear

    def run(self, budget: Budget, elapsed: float, directory: Path | None) -> Result:
        """Runs until a limit of ``budget`` is reached, the schedule is exhausted or a
        callback stops the run; ``elapsed``: the run's seconds so far.

        Raises:
            TrialFailed: the first trials all failed.
        """
        loop, executor = self.loop, self.executor
        now = executor.clock if executor.clock is not None else self._clock
        origin = now()

        def clock() -> float:
            return now() - origin + elapsed

        deadline = budget.time_budget_s
        scheduler, recorder, store = loop.scheduler, loop.recorder, loop.store
        gate = BudgetGate(budget, recorder, clock)
        running = 0
        state = RunState()
        callbacks = self.callbacks
        # Hot path: bound methods and locals, as the loop costs microseconds per job.
        next_job, start, finish = loop.next_job, loop.start, loop.finish
        submit, wait = executor.submit, executor.wait
        configs = scheduler.configs
        allows_job, allows_new_trials = gate.allows_job, gate.allows_new_trials
        if loop.recorder.n_jobs and not loop.again:  # a continued run: anything left?
            reached = limits_reached(budget, recorder, loop.submitted, elapsed)
            if reached:
                logger.warning(
                    "Nothing to run: the run has already reached %s. Every limit counts the "
                    "whole run; give a larger one to continue it.",
                    ", ".join(reached),
                )
        result: Result | None = None
        try:
            executor.start(self.objective, clock, reports=self._report_listener())
            origin = now()  # the run's time starts once the workers are ready
            # known once started: a cluster's size, or fewer processes if some cannot start
            workers = executor.workers
            give_up_after = 3 + workers  # failed trials, none completed: a broken objective
            if callbacks:
                _update(state, recorder, clock())
                for callback in callbacks:
                    callback.on_run_start(state)
            while True:
                while running < workers and state.stop_reason is None:
                    if not allows_job(loop.submitted):
                        break
                    job = next_job(allows_new_trials(len(configs)))
                    if job is None:
                        break
                    submit(start(job, clock() if store is not None else 0.0, deadline))
                    running += 1
                if running == 0:
                    break
                for outcome in wait():
                    running -= 1
                    record = finish(outcome)
                    if loop.ended:  # stopped trials' paused calls can go
                        executor.release(loop.ended)
                        loop.ended = []
                    if callbacks:
                        _update(state, recorder, clock())
                        for callback in callbacks:
                            callback.on_job_end(record, state)
                if loop.completed == 0 and recorder.n_failed_trials >= give_up_after:
                    trial_id, error = loop.first_error or (0, "")
                    raise TrialFailed(
                        trial_id,
                        error,
                        f"The first {recorder.n_failed_trials} trials all failed, so the run "
                        "stopped early: fix the objective and resume or rerun.",
                    )
            self.elapsed = clock()
            if store is not None:
                store.run_finished(self.elapsed, state.stop_reason, loop.take_no_job())
            result = recorder.result(
                self.elapsed,
                executor.workers,
                stop_reason=state.stop_reason,
                directory=directory,
            )
        finally:
            self.elapsed = clock()
            executor.close()
            if store is not None:
                store.close()
                loop.store = None
        for callback in callbacks:
            callback.on_run_end(result)
        return result


def _overrides(callback: Callback, hook: str) -> bool:
    return getattr(type(callback), hook) is not getattr(Callback, hook)


def _update(state: RunState, recorder: Any, elapsed: float) -> None:
    state.best_value = recorder.best_value
    state.best_config = recorder.best_config
    state.n_trials = recorder.n_trials
    state.n_jobs = recorder.n_jobs
    state.resource_spent = recorder.resource_spent
    state.elapsed = elapsed
