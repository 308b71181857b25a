"""The Pareto front of a run as text (``rung show``) and as JSON (``results.json``).

Only runs with several objectives or constraints have one; for the others both functions
add nothing.
"""

from __future__ import annotations

import math
from typing import Any

from rung.results._plural import counted
from rung.results.result import Result

__all__ = ["FRONT_SHOWN", "front_dict", "front_lines"]

#: Front members ``rung show`` lists (the rest are counted).
FRONT_SHOWN = 12


def _json(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _fmt(value: Any) -> str:
    return f"{value:.4g}" if isinstance(value, float) else str(value)


def front_dict(result: Result) -> dict[str, Any]:
    """The goals and the front for ``results.json`` (empty for a run of one objective)."""
    goals = result.spec.goals
    if goals is None:
        return {}
    return {
        "objectives": goals.objectives_dicts(),
        "constraints": goals.constraints_dicts(),
        # a result with a non-finite objective broke no constraint: it is feasible, unusable
        "feasible_found": bool(result.pareto_front) or result.non_finite > 0,
        "infeasible_results": result.infeasible,
        "non_finite_results": result.non_finite,
        "pareto_front": [
            {
                "trial_id": point.trial_id,
                "config": {k: _json(v) for k, v in point.config.items()},
                "values": {k: _json(v) for k, v in point.values.items()},
                "metrics": {k: _json(v) for k, v in point.metrics.items()},
                "resource": point.resource,
            }
            for point in result.pareto_front
        ],
    }


def front_lines(result: Result) -> list[str]:
    """The lines ``rung show`` prints about the goals, the front and its final models."""
    goals = result.spec.goals
    if goals is None:
        return []
    lines = [f"  objectives: {goals.describe()}"]
    front = result.pareto_front
    if front:
        names = [objective.name for objective in goals.objectives]
        lines.append(
            f"  Pareto front: {len(front)} trial{'s' if len(front) != 1 else ''} at the full "
            f"resource ({', '.join(names)}):"
        )
        for point in front[:FRONT_SHOWN]:
            values = ", ".join(f"{name} {_fmt(point.values[name])}" for name in names)
            config = ", ".join(f"{k}={_fmt(v)}" for k, v in point.config.items())
            lines.append(f"    trial {point.trial_id}: {values}  ({config})")
        if len(front) > FRONT_SHOWN:
            lines.append(f"    and {len(front) - FRONT_SHOWN} more (results.json lists all)")
    if front:  # without a front, the summary's line in place of the best says why
        for n, what in [
            (result.infeasible, "infeasible"),
            (result.non_finite, "left off for a NaN or infinite objective"),
        ]:
            if n:
                lines.append(
                    f"  {n} result{'s' if n != 1 else ''} at the full resource "
                    f"{'were' if n != 1 else 'was'} {what}"
                )
    final = result.final or {}
    # marked False where the run was extended past them (rung.results.final.with_currency)
    stale = bool(final.get("front")) and final.get("current") is False
    if stale:
        lines.append(
            "  the final models below were made for an earlier Pareto front (`rung resume "
            "DIR` without --no-final makes the current front's)"
        )
    on_front = {point.trial_id for point in front}
    for model in final.get("front", []):
        latency = model.get("latency_ms")
        gone = ", no longer on the front" if stale and model["trial_id"] not in on_front else ""
        lines.append(
            f"  final model of trial {model['trial_id']} ({counted(model['epochs'], 'epoch')}"
            f"{_origin(model)}{gone}): train accuracy {_fmt(model['train_accuracy'])}, validation "
            f"{_fmt(model['val_accuracy'])}, test {_fmt(model['test_accuracy'])}"
            + ("" if latency is None else f", latency {_fmt(latency)} ms/image")
        )
        if model.get("note"):
            lines.append(f"    retrained because {model['note']}")
    return lines


def _origin(model: dict[str, Any]) -> str:
    """Where a front member's final model came from (nothing for records without it)."""
    source = model.get("source")
    if source == "retrained":
        return f", retrained from scratch with seed {model.get('seed')}"
    if source is None:
        return ""
    start = int(model.get("from_epoch", 0))
    if start >= int(model["epochs"]):
        return ", the trial's own weights"
    return f", the trial's weights trained on from epoch {start}"
