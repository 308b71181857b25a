"""Figures of a run: best value against trials and time, and learning curves; with them
(:func:`plot_all`) each hyperparameter against the value (:mod:`rung.results.param_plots`)
and the Pareto front of a run with several objectives (:mod:`rung.results.front_plot`).

Needs matplotlib (``pip install 'rung[plot]'``). Figures are built as
``matplotlib.figure.Figure`` objects without pyplot, so drawing them never changes the
caller's backend (a notebook's inline display keeps working); each function returns its
figure, and saves it as PNG when given a path.
"""

from __future__ import annotations

import math
import textwrap
from pathlib import Path
from typing import Any

from rung.results._figures import (
    figure,
    integer_ticks,
    rung_levels,
    save,
    title_of,
    value_limits,
)
from rung.results.front_plot import FRONT_FILE, plot_front
from rung.results.param_plots import PARAMS_FILE, plot_parameters
from rung.results.report import no_best_reason
from rung.results.result import Result

__all__ = ["plot_all", "plot_front", "plot_learning_curves", "plot_progress"]

PROGRESS_FILE = "progress.png"
CURVES_FILE = "curves.png"
_LEGEND_LEVELS = 12  # the most levels reached that get a legend entry each


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
    fig = figure(figsize=(12, 3.8), layout="constrained")
    axes = fig.subplots(1, 3)
    xs = {
        "trials": [trials_at[p.job] for p in points],
        "wall time (s)": [p.time for p in points],
        f"{spec.resource_name} spent": [p.resource for p in points],
    }
    ys = [p.best_value for p in points]
    # Where the best improved, marked: a step line through one point (a run whose first
    # value at the full resource came with its last job) draws nothing at all.
    better = [i for i, y in enumerate(ys) if i == 0 or y != ys[i - 1]]
    for axis, (label, x) in zip(axes, xs.items(), strict=True):
        axis.step(x, ys, where="post", color="tab:blue")
        axis.plot([x[i] for i in better], [ys[i] for i in better], "o", ms=3, color="tab:blue")
        axis.set_xlabel(label)
        axis.set_ylabel(f"best {spec.value_name}")
        axis.grid(alpha=0.3)
    integer_ticks(axes[0])
    for axis in axes:
        value_limits(result, axis, ys)
    if not points:  # nothing to draw: no made-up scale either, only why
        for axis in axes:
            axis.set_xticks([])
            axis.set_yticks([])
        axes[0].text(
            0.5,
            0.5,
            textwrap.fill(no_best_reason(result), 40),
            ha="center",
            va="center",
            transform=axes[0].transAxes,
        )
    fig.suptitle(title_of(result))
    if path is not None:
        save(fig, path)
    return fig


def plot_learning_curves(result: Result, path: str | Path | None = None) -> Any:
    """Every trial's reported values against the resource, with the rung levels marked.

    When every trial reached the full resource (FIFO, or a run where all were promoted),
    lines are coloured by the value they ended at, with a colour bar; otherwise by the
    level they reached, from dark (stopped early) to light (trained fully).

    Returns:
        The figure (saved to ``path`` when given).
    """
    import numpy as np
    from matplotlib import colormaps
    from matplotlib.cm import ScalarMappable
    from matplotlib.colors import ListedColormap, LogNorm, Normalize

    spec = result.spec
    trials = [t for t in result.trials if t.reports]
    levels = sorted({t.resource for t in trials})
    fig = figure(figsize=(7.5, 4.5), layout="constrained")
    axis = fig.subplots()
    all_values = [r.value for t in trials for r in t.reports]
    by_value = len(levels) == 1 and len(trials) > 1
    # Jobs a time budget stopped between rungs add levels of their own, dozens in a long run.
    many_levels = len(levels) > _LEGEND_LEVELS
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
        if many_levels:  # each its own legend entry would cover the axes: a colour bar
            # on a log scale, as the rungs are spaced (3, 9, 27, 81): each gets its own hue
            scale = LogNorm(levels[0], levels[-1])
            level_colour = {lv: cmap(0.8 * scale(lv)) for lv in levels}
            pale_free = ListedColormap(cmap(np.linspace(0.0, 0.8, 256)))
            bar = fig.colorbar(ScalarMappable(norm=scale, cmap=pale_free), ax=axis, shrink=0.85)
            bar.set_label(f"{spec.resource_name} the trial reached")
        colour = {t.trial_id: level_colour[t.resource] for t in trials}
    for trial in sorted(trials, key=lambda t: t.resource):
        xs = [r.resource for r in trial.reports if math.isfinite(r.value)]
        ys = [r.value for r in trial.reports if math.isfinite(r.value)]
        axis.plot(xs, ys, color=colour[trial.trial_id], alpha=0.8, lw=1, marker=".", ms=3)
    rungs = rung_levels(result)
    for level in rungs:
        axis.axvline(level, color="0.6", lw=0.8, ls=":", zorder=0)
    if rungs:
        axis.plot([], [], color="0.6", lw=0.8, ls=":", label="rung levels")
    if not by_value and not many_levels:
        for level in levels:
            axis.plot([], [], color=level_colour[level], label=f"trials that reached {level}")
    if rungs or 1 < len(levels) <= _LEGEND_LEVELS:
        axis.legend(fontsize=8)
    axis.set_xlabel(spec.resource_name)
    axis.set_ylabel(spec.value_name)
    integer_ticks(axis)
    value_limits(result, axis, all_values)
    axis.grid(alpha=0.3)
    if not trials:  # nothing to draw: no made-up scale either, only why
        axis.set_xticks([])
        axis.set_yticks([])
        yet = "" if result.finished else " yet"
        axis.text(0.5, 0.5, f"no trial reported{yet}", ha="center", va="center",
                  transform=axis.transAxes)  # fmt: skip
    # Centred over the axes: the figure's width less the value axis and a colour bar.
    axis.set_title(title_of(result, 5.5, prefix="learning curves: "), fontsize=10)
    if path is not None:
        save(fig, path)
    return fig


def plot_all(result: Result, directory: str | Path | None = None) -> list[Path]:
    """Draws the figures into ``directory`` (default: the run's); returns their paths.

    The progress, learning-curve and hyperparameter figures always; the front with several
    objectives or constraints.
    """
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
