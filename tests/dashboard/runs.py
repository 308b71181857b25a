"""Experiments for the dashboard's tests, made by rung's own tuner (never by hand)."""

from __future__ import annotations

import contextlib
import math
import time
from pathlib import Path
from typing import Any

import rung

#: A choice value and an error message that are markup: the page must show them as text.
HOSTILE_CHOICE = '<img src=x onerror="window.__pwned=1">'
HOSTILE_ERROR = "<script>window.__pwned=2</script><b>bold</b>"
HOSTILE_LOG = "<script>window.__pwned=3</script> epoch 1 done\n"

SPACE = {
    "lr": rung.loguniform(1e-3, 1.0),
    "width": rung.randint(8, 128),
    "act": rung.choice(["relu", "tanh", HOSTILE_CHOICE]),
}


def _curve(config, epoch: int) -> float:
    """A loss that falls with the epochs, fastest near lr = 0.1."""
    gap = abs(math.log10(config["lr"]) + 1.0)
    floor = 0.1 + 0.3 * gap + (0.05 if config["act"] == "tanh" else 0.0)
    return floor + (1.0 - floor) * math.exp(-epoch / (2.0 + config["width"] / 64))


def simulated(config, epoch: int) -> tuple[float, float]:
    """``f(config, epoch) -> (value, seconds)`` for the simulated executor; the hostile
    choice fails at small learning rates, with markup in its message."""
    if config["act"] == HOSTILE_CHOICE and config["lr"] < 0.01:
        raise ValueError(HOSTILE_ERROR)
    return _curve(config, epoch), 1.0 + config["width"] / 64


def finished_run(directory: Path, trials: int = 60, seed: int = 0) -> Path:
    """A finished ASHA run (levels 1, 3, 9) on 4 simulated workers, with failed trials and
    a log file for trial 0."""
    rung.tune(
        simulated,
        SPACE,
        scheduler="asha",
        min_resource=1,
        max_resource=9,
        eta=3,
        max_trials=trials,
        seed=seed,
        executor=rung.SimulatedExecutor(workers=4, decision_time=False),
        directory=directory,
    )
    logs = directory / "logs"
    logs.mkdir(exist_ok=True)
    (logs / "trial-0-job-0-1.log").write_text(HOSTILE_LOG * 3)
    return directory


def slow_objective(delay: float):
    """An iterative objective that takes ``delay`` seconds per epoch (for a live run)."""

    def train(config, trial):
        for epoch in range(trial.resource_from + 1, trial.resource_to + 1):
            time.sleep(delay)
            trial.report(epoch, _curve(config, epoch))

    return train


def live_run(directory: Path, trials: int = 80, delay: float = 0.05) -> rung.Result:
    """A run that takes a while: ``trials`` ASHA trials at ``delay`` seconds an epoch."""
    space = {k: v for k, v in SPACE.items() if k != "act"} | {"act": rung.choice(["relu", "tanh"])}
    return rung.tune(
        slow_objective(delay),
        space,
        scheduler="asha",
        min_resource=1,
        max_resource=9,
        eta=3,
        max_trials=trials,
        seed=1,
        directory=directory,
    )


def front_run(directory: Path, trials: int = 60, seed: int = 0) -> rung.Result:
    """A finished ASHA run of ZDT2 (two objectives) under a constraint on ``x0 + x1``."""
    from rung.workloads.multi_objective import zdt2

    problem = zdt2(n_variables=4, max_resource=9)

    def objective(config, trial):
        for epoch in range(trial.resource_from + 1, trial.resource_to + 1):
            cost = config["x0"] + config["x1"]
            trial.report(epoch, {**problem.evaluate(config, epoch), "cost": cost})

    return rung.tune(
        objective,
        problem.space,
        scheduler="asha",
        min_resource=1,
        max_resource=9,
        objectives=problem.objectives,
        constraints=["cost<=1.2"],
        max_trials=trials,
        seed=seed,
        directory=directory,
    )


def infeasible_run(directory: Path) -> Path:
    """A finished ASHA run whose constraint no result meets: it has no best trial."""

    def objective(config, trial):
        for epoch in range(trial.resource_from + 1, trial.resource_to + 1):
            trial.report(epoch, {"loss": config["x"], "cost": 1.0})

    rung.tune(
        objective,
        {"x": rung.uniform(0, 1)},
        scheduler="asha",
        max_resource=9,
        metric="loss",
        constraints=["cost<=0"],  # never met
        max_trials=12,
        directory=directory,
        seed=0,
    )
    return directory


def interrupted_run(directory: Path) -> Path:
    """A run stopped by Ctrl-C during trial 3's job (trials 0-2 completed) that no
    process writes any more: as a killed driver leaves it, trial 3 RUNNING."""
    calls = []

    def objective(config):
        calls.append(config)
        if len(calls) == 4:
            raise KeyboardInterrupt
        return config["x"]

    with contextlib.suppress(KeyboardInterrupt):
        rung.tune(objective, {"x": rung.uniform(0, 1)}, max_trials=10, directory=directory)
    return directory


def _final_record(result: rung.Result, several: bool) -> dict[str, Any]:
    """The final model's record as ``rung tune --model`` makes it for ``result``: of its
    best trial, or of each member of its Pareto front (figures made up: no training)."""
    figures = {"epochs": 1, "train_accuracy": 0.5, "val_accuracy": 0.5, "test_accuracy": 0.5}
    origin = {"source": "best trial", "from_epoch": 1, "seed": 0}
    if several:
        front = [
            {"trial_id": p.trial_id, "config": dict(p.config), **figures, **origin}
            for p in result.pareto_front
        ]
        return {"epochs": 1, "front": front}
    best = result.incumbent
    return {"config": dict(best.config), **figures, **origin, "trial_id": best.trial_id}


def final_left_behind(directory: Path, several: bool = False) -> tuple[rung.Result, rung.Result]:
    """A run of 3 trials with its final model (``several``: of two objectives, a final
    model per front member), then extended to 12 trials without making it again, as
    ``rung resume DIR --trials 12 --no-final`` leaves it: a better trial was found (with
    two objectives, results that dominate members of the first front). Returns the results
    before and after the extension."""
    from rung.run.factory import build_tuner
    from rung.store import ExperimentStore

    def objective(config):
        return {"val_error": config["x"], "latency_ms": config["y"]}

    goals: dict[str, Any] = (
        {"objectives": "val_error:min,latency_ms:min"} if several else {"metric": "val_error"}
    )
    space = {"x": rung.uniform(0, 1), "y": rung.uniform(0, 1)}
    first = build_tuner(
        objective, space, searcher="random", seed=1, directory=directory, **goals
    ).run(max_trials=3)
    with ExperimentStore.open(directory) as store:
        store.set_final(_final_record(first, several))
    made = rung.read_result(directory)
    build_tuner(objective, space, searcher="random", seed=1, **goals).resume(
        directory, max_trials=12
    )
    return made, rung.read_result(directory)
