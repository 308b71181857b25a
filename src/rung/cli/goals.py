"""``--objectives`` and ``--constraint``: several objectives and bounds on the command line.

    rung tune --model svm --objectives val_error:min,latency_ms:min ...
    rung tune --model lenet --constraint 'latency_ms<=0.05' ...
    rung tune --command 'python train.py ...' --objectives val_loss:min,size:min ...

A ``--model`` run reports the validation error (``val_error``) and, when an objective or a
constraint names them, the model's measured inference latency per image
(``latency_ms``) and its size (``params``); a ``--command`` run tunes the metrics its
program's report lines carry. The strings are recorded as given and parsed by
:class:`rung.objectives.Goals`, so a resumed run parses the same.
"""

from __future__ import annotations

import argparse
from collections.abc import Mapping
from typing import Any

from rung.cli._args import UsageError
from rung.errors import ConfigError
from rung.objectives import Goals

__all__ = ["MODEL_REPORTS", "check_model_goals", "goal_arguments", "goals_of", "model_metrics"]

#: What a ``--model`` run can report.
MODEL_REPORTS = ("val_error", "latency_ms", "params")


def goals_of(objectives: Any, constraints: Any, metric: str | None) -> Goals | None:
    """The goals of the flags (constraints alone bound ``metric``).

    Raises:
        UsageError: a malformed objective or constraint (the rule named).
    """
    try:
        return Goals.build(objectives, constraints or None, None if objectives else metric)
    except ConfigError as err:
        raise UsageError(f"argument --objectives/--constraint: {err}") from None


def check_model_goals(args: argparse.Namespace) -> None:
    """Refuses objectives and constraints a ``--model`` run cannot report.

    Raises:
        UsageError: a malformed flag, or a metric other than :data:`MODEL_REPORTS`.
    """
    goals = goals_of(args.objectives, args.constraint, "val_error")
    if goals is None:
        return
    for name in goals.metrics:
        if name not in MODEL_REPORTS:
            raise UsageError(
                f"argument --objectives/--constraint: a --model run reports "
                f"{', '.join(MODEL_REPORTS)}; got {name!r}"
            )


def model_metrics(settings: Mapping[str, Any]) -> tuple[str, ...]:
    """The metrics a ``--model`` run's objective must report beside the validation error."""
    goals = goals_of(settings.get("objectives"), settings.get("constraints"), "val_error")
    if goals is None:
        return ()
    return tuple(name for name in MODEL_REPORTS[1:] if name in goals.metrics)


def goal_arguments(settings: Mapping[str, Any], metric: str | None = None) -> dict[str, Any]:
    """``metric``, ``objectives`` and ``constraints`` for :func:`rung.run.factory.build_tuner`.

    Args:
        settings: The run's recorded settings.
        metric: The tuned metric without ``--objectives`` (None: the objective's one value;
            with constraints alone a ``--model`` run's is ``val_error``).
    """
    objectives = settings.get("objectives")
    constraints = settings.get("constraints") or None
    if objectives:
        return {"metric": None, "objectives": objectives, "constraints": constraints}
    if constraints and metric is None and "model" in settings:
        metric = "val_error"
    return {"metric": metric, "objectives": None, "constraints": constraints}
