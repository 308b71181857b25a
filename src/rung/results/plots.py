"""Figures of a run: best value against trials and time, learning curves, the Pareto
front of a run with several objectives, and (in :mod:`rung.results.param_plots`) each
hyperparameter against the value.

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


_INLINE_FIGURE: Any = None


def _figure(**kwargs: Any) -> Any:
    global _INLINE_FIGURE
    try:
        from matplotlib.figure import Figure
    except ImportError as err:
        raise ImportError("Plots need matplotlib: pip install 'rung[plot]'") from err
    if _INLINE_FIGURE is None:

        class InlineFigure(Figure):
            """A figure a notebook shows inline when a cell returns it, whether or not
            pyplot (and its inline backend) was ever imported."""

            def _repr_png_(self) -> bytes:
                import io

                buffer = io.BytesIO()
                self.savefig(buffer, format="png", bbox_inches="tight")
                return buffer.getvalue()

        _INLINE_FIGURE = InlineFigure
    return _INLINE_FIGURE(**kwargs)


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
    for axis in axes:
        _value_limits(result, axis, ys)
    if not points:
        axes[0].text(
            0.5, 0.5, "no trial at the full resource yet", ha="center", transform=axes[0].transAxes
        )
    fig.suptitle(_title(result))
    if path is not None:
        fig.savefig(path, dpi=110)
    return fig


def _rung_levels(result: Result) -> list[int]:
    """The resources jobs paused or ended at (the rungs of a multi-fidelity run)."""
    if not result.spec.multi_fidelity:
        return []
    return sorted({job.resource_to for job in result.jobs})


def _value_limits(result: Result, axis: Any, values: list[float]) -> None:
    """An error in [0, 1] is drawn from 0, so that noise at chance level stays flat; runs
    of ``rung tune`` (10 classes) get a dashed line at chance, 0.9, when in view."""
    finite = [v for v in values if math.isfinite(v)]
    if not finite or "error" not in result.spec.value_name or min(finite) < 0 or max(finite) > 1:
        return
    top = min(1.0, max(finite) + 0.05) if max(finite) < 0.95 else 1.0
    axis.set_ylim(0, top)
    chance = 0.9 if "model" in result.spec.extra else None
    if chance is not None and chance <= top:
        axis.axhline(chance, color="0.5", ls="--", lw=0.8)
        axis.text(0.99, chance, "chance", transform=axis.get_yaxis_transform(), ha="right",
                  va="bottom", fontsize=7, color="0.4")  # fmt: skip


def plot_learning_curves(result: Result, path: str | Path | None = None) -> Any:
    """Every trial's reported values against the resource, with the rung levels marked.

    When every trial reached the full resource (FIFO, or a run where all were promoted),
    lines are coloured by the value they ended at, with a colour bar; otherwise by the
    level they reached, from dark (stopped early) to light (trained fully).

    Returns:
        The figure (saved to ``path`` when given).
    """
    from matplotlib import colormaps
    from matplotlib.cm import ScalarMappable
    from matplotlib.colors import Normalize

    spec = result.spec
    trials = [t for t in result.trials if t.reports]
    levels = sorted({t.resource for t in trials})
    fig = _figure(figsize=(7.5, 4.5), layout="constrained")
    axis = fig.subplots()
    all_values = [r.value for t in trials for r in t.reports]
    by_value = len(levels) == 1 and len(trials) > 1
    if by_value:  # one level: the colour tells the final values apart
        finals = [t.reports[-1].value for t in trials]
        finite = [v for v in finals if math.isfinite(v)] or [0.0]
        norm = Normalize(min(finite), max(finite) if max(finite) > min(finite) else min(finite) + 1)
        cmap = colormaps["viridis_r" if spec.direction.name == "MIN" else "viridis"]
        colour = {
            t.trial_id: cmap(norm(v)) if math.isfinite(v) else "0.6"
            for t, v in zip(trials, finals, strict=True)
        }
        bar = fig.colorbar(ScalarMappable(norm=norm, cmap=cmap), ax=axis, shrink=0.85)
        bar.set_label(f"final {spec.value_name}")
    else:
        cmap = colormaps["viridis"]
        # Dark to light but never yellow: the top of the map is too pale on white.
        level_colour = {lv: cmap(0.8 * i / max(len(levels) - 1, 1)) for i, lv in enumerate(levels)}
        colour = {t.trial_id: level_colour[t.resource] for t in trials}
    for trial in sorted(trials, key=lambda t: t.resource):
        xs = [r.resource for r in trial.reports if math.isfinite(r.value)]
        ys = [r.value for r in trial.reports if math.isfinite(r.value)]
        axis.plot(xs, ys, color=colour[trial.trial_id], alpha=0.8, lw=1, marker=".", ms=3)
    rungs = _rung_levels(result)
    for level in rungs:
        axis.axvline(level, color="0.6", lw=0.8, ls=":", zorder=0)
    if rungs:
        axis.plot([], [], color="0.6", lw=0.8, ls=":", label="rung levels")
    if not by_value:
        for level in levels:
            axis.plot([], [], color=level_colour[level], label=f"trials that reached {level}")
    if rungs or 1 < len(levels) <= 12:
        axis.legend(fontsize=8)
    axis.set_xlabel(spec.resource_name)
    axis.set_ylabel(spec.value_name)
    _integer_ticks(axis)
    _value_limits(result, axis, all_values)
    axis.grid(alpha=0.3)
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

    The progress, learning-curve and hyperparameter figures always; the front with several
    objectives or constraints.
    """
    from rung.results.param_plots import PARAMS_FILE, plot_parameters

    root = Path(directory) if directory is not None else result.directory
    if root is None:
        raise ValueError("plot_all() needs a directory: the run was not recorded in one.")
    paths = [root / PROGRESS_FILE, root / CURVES_FILE, root / PARAMS_FILE]
    plot_progress(result, paths[0])
    plot_learning_curves(result, paths[1])
    plot_parameters(result, paths[2])
    if result.spec.goals is not None:
        paths.append(root / FRONT_FILE)
        plot_front(result, paths[-1])
    return paths
