"""Figures of a run: best value against trials and time, and learning curves.

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

__all__ = ["plot_all", "plot_learning_curves", "plot_progress"]

PROGRESS_FILE = "progress.png"
CURVES_FILE = "curves.png"


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


def plot_all(result: Result, directory: str | Path | None = None) -> list[Path]:
    """Draws both figures into ``directory`` (default: the run's); returns their paths."""
    root = Path(directory) if directory is not None else result.directory
    if root is None:
        raise ValueError("plot_all() needs a directory: the run was not recorded in one.")
    paths = [root / PROGRESS_FILE, root / CURVES_FILE]
    plot_progress(result, paths[0])
    plot_learning_curves(result, paths[1])
    return paths
