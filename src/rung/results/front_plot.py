"""The Pareto front of a run with several objectives or constraints, objective against
objective (``front.png``)."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

from rung.results._figures import figure, save, title_of
from rung.results.report import no_best_reason
from rung.results.result import Result
from rung.types import Direction

__all__ = ["FRONT_FILE", "plot_front", "staircase"]

FRONT_FILE = "front.png"


def staircase(
    points: list[tuple[float, float]], minimize_x: bool, minimize_y: bool
) -> tuple[list[float], list[float]]:
    """The boundary of the region two objectives' front dominates, as a polyline.

    Between two neighbouring members the corner takes the worse value of each objective
    (the larger when minimized), so every vertex is attained by a member: the corner
    of a minimized pair sits up and to the right, of a maximized ``x`` to the left.

    Args:
        points: The front's ``(x, y)`` values in the user's sign, mutually non-dominated.
        minimize_x: Whether ``x`` is minimized (else maximized).
        minimize_y: Whether ``y`` is minimized (else maximized).

    Returns:
        The vertices' ``x`` and ``y``, ordered by ``x``.

    Example:
        >>> staircase([(1, 3), (2, 1)], minimize_x=True, minimize_y=True)
        ([1, 2, 2], [3, 3, 1])
    """
    ordered = sorted(points)
    worse_x = max if minimize_x else min
    worse_y = max if minimize_y else min
    xs: list[float] = []
    ys: list[float] = []
    for k, (x, y) in enumerate(ordered):
        if k:
            px, py = ordered[k - 1]
            xs.append(worse_x(px, x))
            ys.append(worse_y(py, y))
        xs.append(x)
        ys.append(y)
    return xs, ys


def plot_front(result: Result, path: str | Path | None = None) -> Any:
    """The Pareto front among every result at the full resource, objective against objective.

    Front members are drawn bold and joined by the front's staircase (two objectives);
    dominated feasible results faintly; infeasible ones as faint crosses. With three or
    more objectives, each pair of the first three gets a panel.

    Raises:
        ValueError: the run has one objective and no constraint.

    Returns:
        The figure (saved to ``path`` when given).
    """
    from rung.results.front import score_of_record

    goals = result.spec.goals
    if goals is None:
        raise ValueError("plot_front() draws runs with several objectives or constraints.")
    names = [o.name for o in goals.objectives]
    if len(names) == 1:  # one objective under constraints: against the first constrained metric
        names.append(goals.constraints[0].metric)
    full = result.spec.max_resource
    on_front = {point.job for point in result.pareto_front}
    feasible: list[list[float]] = []
    infeasible: list[list[float]] = []
    for job in result.jobs:
        score = None if job.failed else score_of_record(job, goals)
        if score is None or not score.finite or (full is not None and job.reached < full):
            continue
        if job.index in on_front:
            continue
        metrics = job.reports[-1].metrics or {}
        (feasible if score.feasible else infeasible).append([metrics[n] for n in names])
    front = [[point.metrics[n] for n in names] for point in result.pareto_front]
    pairs = [(0, 1)] if len(names) == 2 else [(0, 1), (0, 2), (1, 2)]
    width = 5.5 * len(pairs)
    fig = figure(figsize=(width, 4.5), layout="constrained")
    axes = fig.subplots(1, len(pairs), squeeze=False)[0]
    for axis, (i, j) in zip(axes, pairs, strict=True):
        if feasible:
            axis.scatter(
                [p[i] for p in feasible], [p[j] for p in feasible], s=12, color="0.6",
                alpha=0.35, label="dominated",
            )  # fmt: skip
        if infeasible:
            axis.scatter(
                [p[i] for p in infeasible], [p[j] for p in infeasible], s=14, marker="x",
                color="tab:red", alpha=0.3, label="infeasible",
            )  # fmt: skip
        if front:
            ordered = sorted(front, key=lambda p: (p[i], p[j]))
            if len(goals.objectives) == 2:
                xs, ys = staircase(
                    [(p[i], p[j]) for p in ordered],
                    goals.objectives[i].direction is Direction.MIN,
                    goals.objectives[j].direction is Direction.MIN,
                )
                axis.plot(xs, ys, color="tab:blue", lw=1, alpha=0.6)
            axis.scatter(
                [p[i] for p in ordered], [p[j] for p in ordered], s=30, color="tab:blue",
                zorder=3, label=f"Pareto front ({len(front)})",
            )  # fmt: skip
        axis.set_xlabel(names[i])
        axis.set_ylabel(names[j])
        axis.grid(alpha=0.3)
        if axis.get_legend_handles_labels()[0]:  # an empty legend only warns
            axis.legend(fontsize=8)
    if not front:
        axes[0].text(
            0.5, 0.5, textwrap.fill(no_best_reason(result), 45), ha="center", va="center",
            transform=axes[0].transAxes,
        )  # fmt: skip
    fig.suptitle(f"{goals.describe()}\n{title_of(result, width)}", fontsize=10)
    if path is not None:
        save(fig, path)
    return fig
