"""The peers' simulated clock: N workers running ask/tell optimizers on the task's clock.

The same discrete-event rule as :class:`rung.executors.simulated.SimulatedExecutor`: a
free worker asks the optimizer for a run, the run's epochs take the objective's seconds,
the earliest end moves the clock, the optimizer is told, and the freed worker asks again;
no run starts once the budget is spent. A run is ``(config, epochs)`` trained from
scratch (peers keep no checkpoints: a configuration run again at a higher fidelity pays
all its epochs again). An :class:`Agent` whose runs can stop early (Optuna's pruners)
sees every epoch: its runs advance one epoch per event, so its decisions at time t see
exactly the reports made before t, by every worker.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from _quality.tasks import Task, Trace


@dataclass
class Run:
    """A peer's request: train ``config`` from scratch to ``epochs``.

    Attributes:
        config: The configuration, in rung's space.
        epochs: The resource to train to.
        handle: The optimizer's own record of the run (a trial, a job info).
        stepwise: Whether the agent sees every epoch (and may stop the run).
    """

    config: Mapping[str, Any]
    epochs: int
    handle: Any = None
    stepwise: bool = False
    done: int = field(default=0, init=False)  # epochs trained so far
    value: float = field(default=math.nan, init=False)  # after the last epoch trained


class Agent(Protocol):
    """An optimizer driven by :func:`simulate`."""

    def ask(self) -> Run | None:
        """The next run, or None if the optimizer has nothing to start now."""

    def epoch(self, run: Run, epoch: int, value: float) -> bool:
        """A stepwise run's value after ``epoch``; False stops it (pruned)."""

    def tell(self, run: Run, completed: bool) -> None:
        """The run ended: trained to ``run.epochs`` (completed) or stopped by :meth:`epoch`;
        ``run.value`` is its value after ``run.done`` epochs."""


def simulate(task: Task, agent: Agent) -> Trace:
    """Runs ``agent`` on ``task``'s workers and clock until the budget is spent."""
    objective, budget, top = task.objective, task.budget, task.max_resource
    events: list[tuple[float, int, int, Run]] = []  # (time, sequence, worker, run)
    free = list(range(task.workers))
    full: list[tuple[float, float]] = []
    now, sequence, busy = 0.0, 0, 0.0
    tried: set[tuple] = set()

    def start(worker: int, run: Run) -> None:
        nonlocal sequence, busy
        if run.stepwise:
            value, seconds = objective(run.config, run.done + 1)
            run.value = value
        else:
            seconds = 0.0
            for epoch in range(1, run.epochs + 1):
                value, cost = objective(run.config, epoch)
                seconds += cost
            run.value = value
        busy += min(seconds, max(0.0, budget - now))
        heapq.heappush(events, (now + seconds, sequence, worker, run))
        sequence += 1

    while True:
        while free and now < budget:
            run = agent.ask()
            if run is None:
                break
            tried.add(task.space.key(run.config))
            start(heapq.heappop(free), run)
        if not events:
            break
        now, _, worker, run = heapq.heappop(events)
        if now > budget * (1 + 1e-9):
            break  # nothing ending later counts
        if run.stepwise:
            run.done += 1
            if run.done == top:
                full.append((now, run.value))
            go_on = agent.epoch(run, run.done, run.value)
            if go_on and run.done < run.epochs:
                start(worker, run)  # its next epoch, on the same worker
                continue
            agent.tell(run, completed=run.done == run.epochs)
        else:
            run.done = run.epochs
            if run.epochs == top:
                full.append((now, run.value))
            agent.tell(run, completed=True)
        heapq.heappush(free, worker)
    return Trace.from_full(full, budget, n_configs=len(tried), spent=busy)
