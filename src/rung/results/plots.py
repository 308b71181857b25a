"""Figures of an experiment: best value against trials and time, and learning curves.

Needs matplotlib (``pip install 'rung[plot]'``); drawn off-screen (Agg), saved as PNG.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rung.results.report import Experiment

__all__ = ["plot_all", "plot_learning_curves", "plot_progress"]

PROGRESS_FILE = "progress.png"
CURVES_FILE = "curves.png"


def _pyplot() -> Any:
    try:
        import matplotlib
    except ImportError as err:
        raise ImportError("Plots need matplotlib: pip install 'rung[plot]'") from err
    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    return plt


def _incumbent(experiment: Experiment) -> tuple[list[int], list[float], list[float]]:
    """After each job: trials started so far, wall time, best value so far."""
    sign = -1.0 if experiment.settings.get("direction") == "max" else 1.0
    seen: set[int] = set()
    trials, times, best = [], [], []
    current = None
    for job in sorted(experiment.jobs, key=lambda j: j["end"]):
        seen.add(job["trial_id"])
        value = job["value"] if job["status"] == "COMPLETED" else None
        if value is not None and (current is None or sign * value < sign * current):
            current = value
        if current is not None:
            trials.append(len(seen))
            times.append(job["end"])
            best.append(current)
    return trials, times, best


def plot_progress(experiment: Experiment, path: Path) -> Path:
    """Best value so far against trials and against wall time (the seed's plot_hpo_progress)."""
    plt = _pyplot()
    trials, times, best = _incumbent(experiment)
    metric = experiment.settings.get("metric", "value")
    fig, (by_trial, by_time) = plt.subplots(1, 2, figsize=(10, 4), constrained_layout=True)
    by_trial.step(trials, best, where="post")
    by_trial.set_xlabel("trials")
    by_time.step(times, best, where="post", color="tab:orange")
    by_time.set_xlabel("wall time (s)")
    for axis in (by_trial, by_time):
        axis.set_ylabel(f"best {metric}")
        axis.grid(alpha=0.3)
    title = experiment.settings.get("title") or str(experiment.directory)
    fig.suptitle(title)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def plot_learning_curves(experiment: Experiment, path: Path) -> Path:
    """Every trial's reported values against the resource, coloured by the rung it reached."""
    plt = _pyplot()
    curves: dict[int, list[tuple[float, float]]] = {}
    for job in experiment.jobs:
        points = curves.setdefault(job["trial_id"], [])
        points.extend((r, v) for r, v, _ in job["reports"] if v is not None)
    reached = {tid: max((r for r, _ in pts), default=0) for tid, pts in curves.items()}
    levels = sorted(set(reached.values()))
    cmap = plt.get_cmap("viridis", max(len(levels), 2))
    colour = {level: cmap(i) for i, level in enumerate(levels)}
    fig, axis = plt.subplots(figsize=(7, 4.5), constrained_layout=True)
    for tid, points in sorted(curves.items(), key=lambda item: reached[item[0]]):
        if points:
            xs, ys = zip(*sorted(points), strict=True)
            axis.plot(xs, ys, color=colour[reached[tid]], alpha=0.6, lw=1, marker=".", ms=3)
    for level in levels:
        axis.plot([], [], color=colour[level], label=f"reached {level}")
    axis.set_xlabel(experiment.settings.get("resource_name", "resource"))
    axis.set_ylabel(experiment.settings.get("metric", "value"))
    axis.grid(alpha=0.3)
    if levels:
        axis.legend(title="trials that", fontsize=8)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def plot_all(experiment: Experiment) -> list[Path]:
    """Draws both figures into the experiment directory; returns their paths."""
    root = experiment.directory
    return [
        plot_progress(experiment, root / PROGRESS_FILE),
        plot_learning_curves(experiment, root / CURVES_FILE),
    ]
