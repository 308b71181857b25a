"""The final models of a ``--model`` run with several objectives: its Pareto front, trained.

A run with one objective trains its incumbent for good after the search, as the seed
did. A run with several has a front of trade-offs instead; each member (up to
:data:`FRONT_FINALS`, chosen to cover the front when it has more) is trained for the
final epochs and measured as the seed measured its models: train, validation and test
accuracy, with the inference latency and size that made it a trade-off.

Each member starts as the single objective's final model does
(:func:`rung.cli.final_model.train_trial`, the same path): from its own checkpoint (the
store keeps the front's) with its own seed, so the epochs the search trained are not
trained again; a member whose checkpoint is gone or damaged, or any member under
``--final-model retrain``, is retrained from scratch, and the line printed and its record
(``source``, ``from_epoch``, ``seed``, ``note``) say which.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rung.results.final import FRONT_FINALS, front_members

__all__ = ["FRONT_FINALS", "front_members", "train_front"]


def train_front(
    settings: dict[str, Any], directory: Path, result: Any, quiet: bool
) -> dict[str, Any]:
    """Trains the front's members of the run in ``directory`` for good.

    Returns:
        The run's FINAL record, ``{"epochs": ..., "front": [{"trial_id", "config",
        "epochs", "train_accuracy", "val_accuracy", "test_accuracy", "latency_ms",
        "params", "seconds", "source", "from_epoch", "seed"}, ...]}``, each member with
        ``note`` too when it was retrained for want of a usable checkpoint (the fields of
        :func:`rung.cli.final_model.train`'s record).
    """
    from rung.cli._args import QUICK_SUBSET
    from rung.cli.final_model import final_epochs, train_trial

    members = front_members(result)
    models = []
    for number, point in enumerate(members, 1):
        final, origin = train_trial(
            settings,
            directory,
            point.trial_id,
            point.config,
            quiet=quiet,
            subset=QUICK_SUBSET if settings["quick"] else None,
            label=f"final model {number}/{len(members)} of the Pareto front",
            who="the front member",
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
                **origin,
            }
        )
    return {"epochs": final_epochs(settings), "front": models}
