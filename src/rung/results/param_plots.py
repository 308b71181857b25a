"""Each hyperparameter against the value it reached: one scatter panel per parameter.

What a user of BO on, say, an SVM's (C, gamma) wants to see first: where in each range
the good values lie. Every trial is one point at its configuration's value of the
parameter and the last value it reported; trials that reached the full resource are
drawn large and dark, those stopped at a lower rung small and pale (their values are
not comparable with full-resource ones). Log-scaled domains get a log axis; a choice
gets its values as ticks.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from rung.domains import is_log_scaled
from rung.results._figures import figure, save, title_of, value_limits
from rung.results.result import Result

__all__ = ["PARAMS_FILE", "plot_parameters"]

PARAMS_FILE = "params.png"


def _is_log(domain_text: str | None, values: list[Any]) -> bool:
    if domain_text is not None:
        return is_log_scaled(domain_text)
    numbers = [v for v in values if isinstance(v, (int, float)) and not isinstance(v, bool)]
    return (
        len(numbers) == len(values)
        and bool(numbers)
        and min(numbers) > 0
        and (max(numbers) / min(numbers) > 100)
    )


def _numeric(values: list[Any]) -> bool:
    return all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values)


_TICK_CHARS = 24  # the longest choice label drawn whole
_TICK_EM = 0.6  # a tick label character's mean width in font sizes, with room to spare


def _choice_ticks(axis: Any, labels: list[str], width_in: float, fontsize: float = 8) -> None:
    """A choice's values as ticks; labels that would run into each other are drawn
    upright, and each is elided in its middle beyond :data:`_TICK_CHARS` characters."""
    shown = [
        label
        if len(label) <= _TICK_CHARS
        else f"{label[: _TICK_CHARS // 2 - 1]}…{label[-(_TICK_CHARS // 2 - 1) :]}"
        for label in labels
    ]
    widest = max(len(label) for label in shown) * _TICK_EM * fontsize / 72
    crowded = widest > 0.8 * width_in / max(len(shown), 1)  # about 80% of a panel is axes
    axis.set_xticks(range(len(shown)), shown, fontsize=fontsize, rotation=90 if crowded else 0)


def plot_parameters(result: Result, path: str | Path | None = None) -> Any:
    """One panel per searched parameter: its value against the value each trial reached.

    Returns:
        The figure (saved to ``path`` when given).
    """
    spec = result.spec
    trials = [t for t in result.trials if t.reports]
    # Every trial's parameters, not the first's: a define-by-run objective asks for some
    # parameters on some paths only, so a trial may lack what later ones have.
    names = [
        n for n in dict.fromkeys(n for t in trials for n in t.config) if n != spec.resource_name
    ]
    searched = [
        n for n in names if len({repr(t.config[n]) for t in trials if n in t.config}) > 1
    ] or names
    columns = min(max(len(searched), 1), 3)
    rows = max(math.ceil(len(searched) / columns), 1)
    fig = figure(figsize=(4.2 * columns, 3.6 * rows), layout="constrained")
    axes = fig.subplots(rows, columns, squeeze=False).ravel()
    top = spec.max_resource
    full = [t for t in trials if top is None or t.resource >= top]
    partial = [t for t in trials if not (top is None or t.resource >= top)]
    for axis, name in zip(axes, searched, strict=False):
        # A trial that never asked for the parameter has no value of it to be drawn at.
        values = [t.config[name] for t in trials if name in t.config]
        choice = (spec.space.get(name) or "").startswith("choice(")
        if _numeric(values) and not choice:
            position = {repr(v): v for v in values}
        else:  # a choice: its values as ticks, numbers in their order (1e-1, 1e-2, 1e-3...)
            ordered = sorted(values) if _numeric(values) else values
            labels = list(dict.fromkeys(repr(v) for v in ordered))
            position = {label: i for i, label in enumerate(labels)}
            _choice_ticks(axis, labels, 4.2)
        for group, style in (
            (partial, {"s": 12, "color": "0.6", "alpha": 0.6, "label": "stopped at a lower rung"}),
            (full, {"s": 36, "color": "tab:blue", "edgecolor": "k", "linewidth": 0.4,
                    "label": f"reached {top}" if top is not None else "trials"}),
        ):  # fmt: skip
            points = [
                (position[repr(t.config[name])], t.reports[-1].value)
                for t in group
                if name in t.config and math.isfinite(t.reports[-1].value)
            ]
            if points:
                xs, ys = zip(*points, strict=True)
                axis.scatter(xs, ys, **style)
        if result.incumbent is not None and name in result.incumbent.config:
            axis.scatter(
                [position.get(repr(result.incumbent.config[name]))],
                [result.incumbent.value],
                marker="*", s=160, color="tab:red", zorder=5, label="best",
            )  # fmt: skip
        if _numeric(values) and _is_log(spec.space.get(name), values):
            axis.set_xscale("log")
        axis.set_xlabel(name)
        axis.set_ylabel(f"{spec.value_name} (last reported)")
        value_limits(result, axis, [t.reports[-1].value for t in trials])
        axis.grid(alpha=0.3)
    # With nothing to draw the first panel stays, to say so: a hidden one shows no text.
    for axis in axes[max(len(searched), 1) :]:
        axis.set_visible(False)
    if searched:
        axes[0].legend(fontsize=7)
    else:
        axes[0].set_xticks([])
        axes[0].set_yticks([])
        yet = "" if result.finished else " yet"
        axes[0].text(
            0.5, 0.5, f"no trial reported{yet}", ha="center", va="center",
            transform=axes[0].transAxes,
        )  # fmt: skip
    fig.suptitle(title_of(result, 4.2 * columns, prefix="hyperparameters: "), fontsize=10)
    if path is not None:
        save(fig, path)
    return fig
