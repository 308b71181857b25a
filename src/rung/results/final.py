"""Whether a run's recorded final model is still its best trial's (or its front's).

A ``--model`` run trains its best trial for good after the search (with several
objectives: up to :data:`FRONT_FINALS` members of its Pareto front) and records that
final model. A ``rung resume`` that extends the run may find a better trial or change
the front; under ``--no-final`` it keeps the final model made before, which is then
another trial's. :func:`final_is_current` is the one computation of that, read by the
resume (to make the final model again), by the summary, ``rung show`` and
``results.json``, and by the dashboard, all through :func:`with_currency`.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from rung.results.result import ParetoPoint, Result

__all__ = ["FRONT_FINALS", "final_is_current", "front_members", "with_currency"]

#: The most front members trained for good.
FRONT_FINALS = 5


def front_members(result: Result, limit: int = FRONT_FINALS) -> list[ParetoPoint]:
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


def final_is_current(result: Result) -> bool:
    """Whether the run's final model is of its best trial now (with several objectives: of
    the front members chosen now). A resume that extends the run may find a better trial,
    or change the front: the final model made before is then another trial's."""
    final = result.final
    if not final:
        return False
    if "front" in final:
        chosen = [point.trial_id for point in front_members(result)]
        return [model["trial_id"] for model in final["front"]] == chosen
    incumbent = result.incumbent
    if incumbent is None:
        return True  # nothing to make it of: keep what there is
    if "trial_id" in final:
        return bool(final["trial_id"] == incumbent.trial_id)
    return bool(final.get("config") == dict(incumbent.config))  # records without the trial


def with_currency(result: Result) -> Result:
    """``result`` with its final record marked ``current`` (:func:`final_is_current`), or
    ``result`` itself when it has none: a run extended under ``--no-final`` keeps the
    final model made before, and what shows the run then says whose it is instead of
    calling it the best trial's."""
    if not result.final:
        return result
    return replace(result, final={**result.final, "current": final_is_current(result)})
