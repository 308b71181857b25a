"""Simulated time: N workers on a fake clock, for benchmarking schedulers in seconds of CPU.

A discrete-event simulation in the manner of Syne Tune's simulator back-end
(``syne_tune/backend/simulator_backend/simulator_backend.py``; its ``SimulatorCallback``
charges a fixed sleep time per tuner loop, where this executor can charge the tuner's real
decision time) and of the experiments of
Li et al., "A System for Massively Parallel Hyperparameter Tuning" (MLSys 2020), Section
4: the objective does not train anything, it *says* what training would give and how
long it would take. A **simulated objective** is a callable::

    f(config, resource) -> (value, seconds)

giving the metric after epoch ``resource`` (1, 2, ..., the resource is 1-based), or a
mapping of several metrics by name (as a real objective reports them, for several
objectives or constraints), and the simulated seconds that epoch takes.
:class:`SimulatedExecutor` runs a job by asking for epochs ``resource_from + 1, ...,
resource_to`` (a resumed trial continues, as from a checkpoint), adds their seconds to the
job's start time, and files the job in a heap keyed by its end time.
:meth:`SimulatedExecutor.wait` pops the earliest, moves the clock there and hands the
outcome back. The tuner, its scheduler and its searcher are the very code of real runs:
the executor's :attr:`~rung.executors.base.Executor.clock` is the simulated clock, so the
tuner's time budget, deadlines and records are all in simulated seconds.

With ``decision_time=True`` the real time the tuner spends deciding (between
:meth:`~SimulatedExecutor.wait` returning and the next :meth:`~SimulatedExecutor.submit` or
:meth:`~SimulatedExecutor.wait`) is added to the simulated clock, so a slow searcher costs
simulated time as it would cost real time; set it to False for runs that repeat exactly.
"""

from __future__ import annotations

import heapq
import math
import time
import traceback
from collections.abc import Callable, Mapping
from numbers import Real
from typing import Any

from rung._checks import Boolean, Function, Integer, check, check_all
from rung.executors.base import Executor, ReportListener
from rung.task import Outcome, Task
from rung.trial import measure, timeout_message
from rung.types import JobStatus, Report

__all__ = ["SimulatedExecutor", "SimulatedObjective"]

SimulatedObjective = Callable[[Mapping[str, Any], int], tuple[float | Mapping[str, float], float]]
"""``f(config, resource) -> (value, seconds)``: the metric after epoch ``resource`` (1-based),
or several metrics by name, and the simulated seconds that epoch takes."""


def _epoch(
    objective: SimulatedObjective, config: Mapping[str, Any], resource: int, metric: str | None
) -> tuple[float, float, dict[str, float] | None]:
    """One epoch's ``(value, seconds, metrics)``, checked; raises like a failing objective
    would. ``metrics`` is the mapping reported (floats), None for one number."""
    returned = objective(config, resource)
    if not isinstance(returned, tuple) or len(returned) != 2:
        raise TypeError(
            f"A simulated objective must return (value, seconds); got {returned!r} "
            f"at resource {resource}."
        )
    value, seconds = returned
    metrics = None
    if type(value) is not float or type(seconds) is not float:  # the common case skips these
        if isinstance(value, Mapping):  # the tuned metric's value, as a real job takes it
            value, metrics = measure(value, metric, "A simulated objective")
        for name, number in (("value", value), ("seconds", seconds)):
            if isinstance(number, bool) or not isinstance(number, Real):
                raise TypeError(
                    f"The simulated {name} must be a real number"
                    + (" or a mapping of metrics by name" if name == "value" else "")
                    + f"; got {number!r}."
                )
        value, seconds = float(value), float(seconds)
    if not (seconds >= 0 and math.isfinite(seconds)):
        raise ValueError(
            f"The simulated seconds must be finite and >= 0; got {seconds!r} "
            f"at resource {resource}."
        )
    return value, seconds, metrics


_RULES = {"workers": Integer(low=1), "decision_time": Boolean(), "timer": Function()}


class SimulatedExecutor(Executor):
    """``workers`` simulated workers sharing one process and a fake clock.

    Each submitted job goes to the lowest-numbered free worker and runs from the current
    simulated time for the sum of its epochs' seconds. :meth:`wait` returns every job
    ending at the earliest end time (ties in submission order), so a run is a
    deterministic function of its seeds when ``decision_time`` is False. A job running
    past its task's ``deadline`` stops at the end of its next epoch, INTERRUPTED, as
    :func:`rung.trial.execute` stops a real one; an objective that raises gives a FAILED
    outcome with the traceback, ending when the failing epoch would have started.

    Args:
        workers: How many jobs run at once, >= 1.
        decision_time: Add the real time the tuner spends between :meth:`wait` returning
            and its next call (searcher, scheduler, records) to the simulated clock.
        timer: The real clock measuring decision time (seconds); injectable for tests.

    Raises:
        TypeError: workers is not an int, decision_time not a bool, or timer not callable.
        ConfigError: workers < 1.

    Example:
        >>> import rung
        >>> def objective(config, resource):  # value falls with epochs, 1 s per epoch
        ...     return config["x"] / resource, 1.0
        >>> searcher = rung.RandomSearcher({"x": rung.uniform(0, 1)}, seed=0)
        >>> executor = SimulatedExecutor(workers=4, decision_time=False)
        >>> tuner = rung.Tuner(objective, rung.ASHA(searcher, 1, 9, eta=3), executor=executor)
        >>> result = tuner.run(time_budget_s=60)
        >>> round(result.wall_time)  # simulated seconds: the budget plus the last epochs
        60
    """

    def __init__(
        self,
        workers: int,
        decision_time: bool = True,
        timer: Callable[[], float] = time.perf_counter,
    ) -> None:
        self._reports: ReportListener | None = None
        check_all("SimulatedExecutor", _RULES, locals())
        self.workers = workers
        self.decision_time = decision_time
        self._timer = timer
        self._now = 0.0  # simulated seconds since the executor was built
        self._deciding = False  # True while the tuner decides and decision time counts
        self._mark = 0.0  # the timer's reading when decision time was last folded in
        self._objective: SimulatedObjective | None = None
        self._run_clock: Callable[[], float] = self._clock  # the tuner's, set by start()
        self._running: list[tuple[float, int, Outcome]] = []  # heap: (end, sequence, outcome)
        self._free: list[int] = list(range(workers))  # heap of idle worker slots
        self._sequence = 0
        self.clock = self._clock

    def _clock(self) -> float:
        """The simulated time, with the decision time so far when it counts."""
        if self._deciding:
            return self._now + (self._timer() - self._mark)
        return self._now

    def _settle(self) -> None:
        """Folds the decision time spent so far into the simulated time."""
        if self._deciding:
            mark = self._timer()
            self._now += mark - self._mark
            self._mark = mark

    def start(
        self,
        objective: Callable[..., Any],
        clock: Callable[[], float],
        reports: ReportListener | None = None,
    ) -> None:
        """Prepares to run ``objective``, a simulated objective ``f(config, resource)``.

        ``clock`` is the tuner's view of :attr:`clock` (seconds since the run began); the
        outcomes' times are given on it.
        """
        self._reports = reports
        check("SimulatedExecutor.start()", "objective", objective, Function())
        self.close()
        self._objective, self._run_clock = objective, clock
        self._deciding, self._mark = self.decision_time, self._timer()

    def submit(self, task: Task) -> None:
        """Runs ``task``'s job in simulation, starting now on the lowest free worker.

        Raises:
            RuntimeError: start() was not called, or every worker is busy.
        """
        if self._objective is None:
            raise RuntimeError("SimulatedExecutor.start() must be called before submit().")
        if not self._free:
            raise RuntimeError(
                f"All {self.workers} simulated workers are busy; wait() for one first."
            )
        self._settle()
        self._deciding = False  # the clock stands still while the job is simulated
        worker = heapq.heappop(self._free)
        outcome = _simulate(self._objective, task, self._run_clock(), worker)
        end = self._now + (outcome.end - outcome.start)
        heapq.heappush(self._running, (end, self._sequence, outcome))
        self._sequence += 1
        self._deciding, self._mark = self.decision_time, self._timer()

    def wait(self) -> list[Outcome]:
        """Moves the clock to the earliest end time; returns the jobs ended by then.

        Jobs that ended while the tuner was deciding (with ``decision_time``) are all
        returned at once, as a real executor would find them done.
        """
        self._settle()
        self._deciding = False
        if not self._running:
            return []
        self._now = max(self._now, self._running[0][0])
        outcomes: list[Outcome] = []
        while self._running and self._running[0][0] <= self._now:
            _, _, outcome = heapq.heappop(self._running)
            heapq.heappush(self._free, outcome.worker)
            outcomes.append(outcome)
        self._deciding, self._mark = self.decision_time, self._timer()
        return outcomes

    def close(self) -> None:
        """Drops unfinished jobs and frees every worker; the clock keeps its time."""
        self._running.clear()
        self._free = list(range(self.workers))
        self._deciding = False


def _simulate(objective: SimulatedObjective, task: Task, start: float, worker: int) -> Outcome:
    """The whole job, epoch by epoch, on the tuner's clock starting at ``start``."""
    job = task.job
    deadline, timeout = task.deadline, task.timeout
    reports: list[Report] = []
    now = start
    status, error = JobStatus.COMPLETED, None
    config = dict(job.config)  # a copy: the objective may change it
    try:
        for resource in range(job.resource_from + 1, job.resource_to + 1):
            value, seconds, metrics = _epoch(objective, config, resource, task.metric)
            if timeout is not None and now + seconds - start > timeout:
                # A real worker would be stopped at the timeout, in the middle of this epoch.
                status, error = JobStatus.FAILED, timeout_message(timeout)
                now = start + timeout
                break
            now += seconds
            reports.append(Report(resource, value, now, metrics))
            if resource < job.resource_to and deadline is not None and now >= deadline:
                status = JobStatus.INTERRUPTED
                break
    except Exception:  # the objective's own failure is recorded, the run goes on
        status, error = JobStatus.FAILED, traceback.format_exc()
    last = reports[-1] if reports else None
    value = last.value if last is not None and status is not JobStatus.FAILED else math.nan
    return Outcome(
        job=job,
        status=status,
        reports=tuple(reports),
        value=value,
        resource=last.resource if last is not None else job.resource_from,
        checkpoint=None,
        error=error,
        start=start,
        end=now,
        worker=worker,
    )
