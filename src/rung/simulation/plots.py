"""Writing a :class:`~rung.simulation.compare.Comparison` out: its curves, a summary, a figure.

The figure needs matplotlib (``pip install 'rung[plot]'``); drawn off-screen (Agg).
"""

from __future__ import annotations

import csv
import json
import logging
import math
from pathlib import Path
from typing import Any

import numpy as np

from rung.results._figures import figure, save
from rung.simulation.compare import Comparison

__all__ = ["plot_comparison", "save_comparison"]

logger = logging.getLogger(__name__)


def save_comparison(comparison: Comparison, directory: str | Path, regret: float) -> list[Path]:
    """Writes ``curves.csv`` (every run's improvements), ``summary.json`` (settings, times to
    ``regret``, medians and ratios against ``sh`` when it ran) and, with matplotlib
    installed, ``comparison.png`` (:func:`plot_comparison`); returns the paths written."""
    root = Path(directory)
    root.mkdir(parents=True, exist_ok=True)
    curves = root / "curves.csv"
    with curves.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["scheduler", "seed", "time", "best_value", "regret"])
        for run in comparison.runs:
            for time, value in zip(run.times, run.best, strict=True):
                writer.writerow([run.scheduler, run.seed, time, value, value - comparison.optimum])
    baseline = "sh" if "sh" in comparison.schedulers else comparison.schedulers[0]
    summary = {
        "benchmark": comparison.benchmark,
        "optimum": comparison.optimum,
        "workers": comparison.workers,
        "time_budget_s": comparison.time_budget_s,
        "regret": regret,
        "times_to_regret": comparison.times_to_regret(regret),
        "median_time_to_regret": comparison.median_time_to_regret(regret),
        "baseline": baseline,
        "ratio_to_baseline": comparison.ratios(regret, baseline),
        "runs": [
            {
                "scheduler": r.scheduler,
                "seed": r.seed,
                "jobs": r.n_jobs,
                "trials": r.n_trials,
                "utilization": r.utilization,
            }
            for r in comparison.runs
        ],
    }
    path = root / "summary.json"
    # inf is not JSON: a run that never reached the regret is written as null.
    path.write_text(json.dumps(_finite(summary), indent=2) + "\n")
    paths = [curves, path]
    try:
        paths.append(plot_comparison(comparison, root / "comparison.png", regret))
    except ImportError as err:
        logger.warning("%s", err)
    return paths


def _finite(value: Any) -> Any:
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_finite(v) for v in value]
    return value


def plot_comparison(comparison: Comparison, path: str | Path, regret: float | None = None) -> Path:
    """Median regret of the best full-resource value against simulated time, per scheduler,
    with the seeds' interquartile range shaded and ``regret`` drawn as a dashed line.

    Raises:
        ImportError: matplotlib is not installed.
    """
    # pyplot-free, as every figure of a run: a notebook's backend is left as it was
    fig = figure(figsize=(7, 4.5), constrained_layout=True)
    axis = fig.add_subplot()
    times = np.linspace(0.0, comparison.time_budget_s, 400)
    drawn = False
    for name in comparison.schedulers:
        # A run without a full-resource value yet counts as infinitely far off, as in
        # Comparison.median_regret; quantiles that are infinite are not drawn.
        regrets = np.array(
            [
                [run.best_at(t) - comparison.optimum for t in times]
                for run in comparison.runs_of(name)
            ]
        )
        regrets[np.isnan(regrets)] = np.inf
        with np.errstate(all="ignore"):
            low, mid, high = np.percentile(regrets, [25, 50, 75], axis=0)
        drawn = drawn or bool(np.isfinite(mid).any())
        (line,) = axis.step(times, mid, where="post", label=name)
        axis.fill_between(times, low, high, step="post", alpha=0.15, color=line.get_color())
    if regret is not None:
        axis.axhline(regret, color="grey", ls="--", lw=1, label=f"regret {regret:g}")
    axis.set_yscale("log")
    # The whole budget, from 0: the time before a first full-resource value is part of the
    # comparison (and a figure with no value at all would otherwise get a made-up axis).
    axis.set_xlim(0.0, comparison.time_budget_s)
    if not drawn:
        axis.text(
            0.5, 0.5, "no run had a full-resource value within the budget", ha="center",
            va="center", transform=axis.transAxes,
        )  # fmt: skip
    axis.set_xlabel("simulated time (s)")
    axis.set_ylabel("regret of the best full-resource value")
    axis.set_title(
        f"{comparison.benchmark}: {comparison.workers} simulated workers, "
        f"{len(comparison.runs_of(comparison.schedulers[0]))} seeds (median, IQR)"
    )
    axis.grid(alpha=0.3, which="both")
    axis.legend(fontsize=8)
    save(fig, path)
    return Path(path)
