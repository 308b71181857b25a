"""The final models of a ``--model`` run with several objectives: its Pareto front, trained.

A run with one objective trains its incumbent for good after the search, as the seed
did. A run with several has a front of trade-offs instead; each member (up to
:data:`FRONT_FINALS`, chosen to cover the front when it has more) is trained for the
final epochs and measured as the seed measured its models: train, validation and test
accuracy, with the inference latency and size that made it a trade-off.
"""

from __future__ import annotations

import sys
from typing import Any

import numpy as np

__all__ = ["FRONT_FINALS", "front_members", "train_front"]

#: The most front members trained for good.
FRONT_FINALS = 5


def front_members(result: Any, limit: int = FRONT_FINALS) -> list[Any]:
    """The front's members to train: all of them, or ``limit`` that cover it (the
    epsilon-net order of :func:`rung.pareto.spread_order`), ordered by the first objective."""
    from rung.pareto import spread_order

    front = list(result.pareto_front)
    if len(front) <= limit:
        return front
    goals = result.spec.goals
    Y = np.array([
        [p.values[o.name] * o.direction.sign() for o in goals.objectives] for p in front
    ])  # fmt: skip
    chosen = sorted(spread_order(Y)[:limit].tolist())
    return [front[i] for i in chosen]


def train_front(settings: dict[str, Any], result: Any, quiet: bool) -> dict[str, Any]:
    """Trains the front's members for good; returns the run's FINAL record, ``{"epochs":
    ..., "front": [{"trial_id", "config", "train_accuracy", "val_accuracy",
    "test_accuracy", "latency_ms", "params", "seconds"}, ...]}``."""
    from rung.cli._args import QUICK_SUBSET
    from rung.workloads.trainer import train_final

    epochs = settings["final_epochs"] or settings["max_epochs"]
    members = front_members(result)
    models = []
    for number, point in enumerate(members, 1):
        if not quiet:
            print(
                f"training the final model {number}/{len(members)} of the Pareto front (trial "
                f"{point.trial_id}) for {epochs} epochs",
                file=sys.stderr,
            )
        final = train_final(
            settings["model"],
            point.config,
            epochs,
            data_dir=settings["data_dir"],
            device=settings["device"],
            seed=settings["seed"],
            threads=settings["threads"],
            subset=QUICK_SUBSET if settings["quick"] else None,
        )
        models.append(
            {
                "trial_id": point.trial_id,
                "config": dict(point.config),
                "epochs": final.epochs,
                "train_accuracy": final.train_accuracy,
                "val_accuracy": final.val_accuracy,
                "test_accuracy": final.test_accuracy,
                "latency_ms": final.latency_ms,
                "params": final.n_params,
                "seconds": final.seconds,
            }
        )
    return {"epochs": epochs, "front": models}
