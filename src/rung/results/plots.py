"""Figures of a run: best value against trials and time, learning curves, and the
Pareto front of a run with several objectives.

Needs matplotlib (``pip install 'rung[plot]'``). Figures are built as
``matplotlib.figure.Figure`` objects without pyplot, so drawing them never changes the
caller's backend (a notebook's inline display keeps working); each function returns its
figure, and saves it as PNG when given a path.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from rung.results.result import Result

__all__ = ["plot_all", "plot_front", "plot_learning_curves", "plot_progress"]

PROGRESS_FILE = "progress.png"
CURVES_FILE = "curves.png"
FRONT_FILE = "front.png"


def _figure(**kwargs: Any) -> Any:
    try:
        from matplotlib.figure import Figure
    except ImportError as err:
        raise ImportError("Plots need matplotlib: pip install 'rung[plot]'") from err
    return Figure(**kwargs)


def _title(result: Result) -> str:
    extra = result.spec.extra
    if "title" in extra:
        return str(extra["title"])
    return f"{result.spec.searcher} + {result.spec.scheduler}" + (
        f" ({result.directory})" if result.directory is not None else ""
    )


def _integer_ticks(axis: Any) -> None:
    from matplotlib.ticker import MaxNLocator

    axis.xaxis.set_major_locator(MaxNLocator(integer=True))


def plot_progress(result: Result, path: str | Path | None = None) -> Any:
    """Best value so far (at the full resource) against trials, time and resource spent.

    Returns:
        The figure (saved to ``path`` when given).
    """
    spec = result.spec
    points = [p for p in result.trajectory if not math.isnan(p.best_value)]
    seen: set[int] = set()
    trials_at = []
    for job in result.jobs:
        seen.add(job.trial_id)
        trials_at.append(len(seen))
    fig = _figure(figsize=(12, 3.8), layout="constrained")
    axes = fig.subplots(1, 3)
    xs = {
        "trials": [trials_at[p.job] for p in points],
        "wall time (s)": [p.time for p in points],
        f"{spec.resource_name} spent": [p.resource for p in points],
    }
    ys = [p.best_value for p in points]
    for axis, (label, x) in zip(axes, xs.items(), strict=True):
        axis.step(x, ys, where="post", color="tab:blue")
        axis.set_xlabel(label)
        axis.set_ylabel(f"best {spec.value_name}")
        axis.grid(alpha=0.3)
    _integer_ticks(axes[0])
    if not points:
        axes[0].text(
            0.5, 0.5, "no trial at the full resource yet", ha="center", transform=axes[0].transAxes
        )
    fig.suptitle(_title(result))
    if path is not None:
        fig.savefig(path, dpi=110)
    return fig


def plot_learning_curves(result: Result, path: str | Path | None = None) -> Any:
    """Every trial's reported values against the resource, coloured by the level it reached.

    Returns:
        The figure (saved to ``path`` when given).
    """
    from matplotlib import colormaps

    spec = result.spec
    trials = [t for t in result.trials if t.reports]
    levels = sorted({t.resource for t in trials})
    cmap = colormaps["plasma"]
    # Dark to light-but-visible: the top of the colour map is too pale on white.
    colour = {level: cmap(0.85 * i / max(len(levels) - 1, 1)) for i, level in enumerate(levels)}
    fig = _figure(figsize=(7.5, 4.5), layout="constrained")
    axis = fig.subplots()
    for trial in sorted(trials, key=lambda t: t.resource):
        xs = [r.resource for r in trial.reports if math.isfinite(r.value)]
        ys = [r.value for r in trial.reports if math.isfinite(r.value)]
        axis.plot(xs, ys, color=colour[trial.resource], alpha=0.7, lw=1, marker=".", ms=3)
    for level in levels:
        axis.plot([], [], color=colour[level], label=f"reached {level}")
    axis.set_xlabel(spec.resource_name)
    axis.set_ylabel(spec.value_name)
    _integer_ticks(axis)
    axis.grid(alpha=0.3)
    if 1 < len(levels) <= 12:
        axis.legend(title="trials that", fontsize=8)
    axis.set_title(f"learning curves: {_title(result)}", fontsize=10)
    if path is not None:
        fig.savefig(path, dpi=110)
    return fig


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
    fig = _figure(figsize=(5.5 * len(pairs), 4.5), layout="constrained")
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
                axis.step(
                    [p[i] for p in ordered], [p[j] for p in ordered], where="post",
                    color="tab:blue", lw=1, alpha=0.6,
                )  # fmt: skip
            axis.scatter(
                [p[i] for p in ordered], [p[j] for p in ordered], s=30, color="tab:blue",
                zorder=3, label=f"Pareto front ({len(front)})",
            )  # fmt: skip
        axis.set_xlabel(names[i])
        axis.set_ylabel(names[j])
        axis.grid(alpha=0.3)
        axis.legend(fontsize=8)
    if not front:
        axes[0].text(
            0.5, 0.5, "no feasible trial at the full resource yet", ha="center",
            transform=axes[0].transAxes,
        )  # fmt: skip
    fig.suptitle(f"{goals.describe()}\n{_title(result)}", fontsize=10)
    if path is not None:
        fig.savefig(path, dpi=110)
    return fig


def plot_all(result: Result, directory: str | Path | None = None) -> list[Path]:
    """Draws the figures into ``directory`` (default: the run's); returns their paths.

    The progress and learning-curve figures always; the front with several objectives or
    constraints.
    """
    root = Path(directory) if directory is not None else result.directory
    if root is None:
        raise ValueError("plot_all() needs a directory: the run was not recorded in one.")
    paths = [root / PROGRESS_FILE, root / CURVES_FILE]
    plot_progress(result, paths[0])
    plot_learning_curves(result, paths[1])
    if result.spec.goals is not None:
        paths.append(root / FRONT_FILE)
        plot_front(result, paths[-1])
    return paths
