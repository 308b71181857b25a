"""What every figure of a run shares: a figure a notebook shows inline, the title, integer
ticks, and the limits (and chance line) of an error axis."""

from __future__ import annotations

import math
import os
import warnings
from pathlib import Path
from typing import Any

from rung.results.result import Result

__all__ = ["figure", "integer_ticks", "rung_levels", "save", "title_of", "value_limits"]

_INLINE_FIGURE: Any = None


def figure(**kwargs: Any) -> Any:
    global _INLINE_FIGURE
    try:
        from matplotlib.figure import Figure
    except ImportError as err:
        raise ImportError("Plots need matplotlib: pip install 'rung[plot]'") from err
    if _INLINE_FIGURE is None:

        class InlineFigure(Figure):
            """A figure a notebook shows inline when a cell returns it, whether or not
            pyplot (and its inline backend) was ever imported."""

            def savefig(self, *args: Any, **kwargs: Any) -> None:
                # A legend placed at loc="best" over thousands of points makes matplotlib
                # warn that placing it is slow, a message about its internals, not the run.
                with warnings.catch_warnings():
                    warnings.filterwarnings("ignore", message='Creating legend with loc="best"')
                    super().savefig(*args, **kwargs)

            def _repr_png_(self) -> bytes:
                import io

                buffer = io.BytesIO()
                self.savefig(buffer, format="png", bbox_inches="tight")
                return buffer.getvalue()

        _INLINE_FIGURE = InlineFigure
    return _INLINE_FIGURE(**kwargs)


def save(fig: Any, path: Any) -> None:
    """Writes ``fig`` to ``path`` whole or not at all: a full disk or a killed process
    leaves the previous image (or none), never a truncated one. The format is the path's
    suffix; a file object is written to as it is."""
    if not isinstance(path, (str, os.PathLike)):
        fig.savefig(path, dpi=110)
        return
    final = Path(path)
    tmp = final.with_name(final.name + ".tmp")
    try:
        fig.savefig(tmp, dpi=110, format=final.suffix[1:].lower() or None)
        os.replace(tmp, final)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


_TITLE_CHARS = 80  # the longest title, on the widest figure
_CHAR_EM = 0.6  # a title character's mean width in font sizes, with room to spare


def title_of(
    result: Result, width_in: float = 12.0, fontsize: float = 10.0, prefix: str = ""
) -> str:
    """The run's title after ``prefix``, its middle elided when longer than the space it
    is drawn across (a long command line): its start and its end (the searcher and
    scheduler) stay.

    Args:
        result: The run.
        width_in: The width the title is centred across (the figure's, or its axes'),
            in inches.
        fontsize: The title's font size, in points.
        prefix: Text drawn before the title, in the same line.
    """
    extra = result.spec.extra
    if "title" in extra:
        title = str(extra["title"])
    else:
        title = f"{result.spec.searcher} + {result.spec.scheduler}" + (
            f" ({result.directory})" if result.directory is not None else ""
        )
    fits = int(width_in * 72 / (_CHAR_EM * fontsize)) - len(prefix)
    limit = max(min(_TITLE_CHARS, fits), 21)  # never so short that its end says nothing
    if len(title) <= limit:
        return prefix + title
    half = (limit - 1) // 2
    return f"{prefix}{title[:half]}…{title[-half:]}"


def integer_ticks(axis: Any) -> None:
    from matplotlib.ticker import MaxNLocator

    axis.xaxis.set_major_locator(MaxNLocator(integer=True))


def rung_levels(result: Result) -> list[int]:
    """The resources jobs paused or ended at (the rungs of a multi-fidelity run)."""
    if not result.spec.multi_fidelity:
        return []
    return sorted({job.resource_to for job in result.jobs})


def value_limits(result: Result, axis: Any, values: list[float]) -> None:
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
