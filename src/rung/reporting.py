"""The report line: how a program in any language tells rung how far it is.

A program tuned with ``rung tune --command`` prints one line per report on its standard
output, the resource first, then any metrics::

    [rung] epoch=3 val_loss=0.21 acc=0.93

:func:`report` prints such a line from Python (``rung.report(3, val_loss=0.21)``);
:func:`parse_report_line` reads one back into a :class:`ReportLine`. Everything else a
program prints is its own (rung keeps it in the job's log).
"""

from __future__ import annotations

import math
import re
import sys
from collections.abc import Mapping
from numbers import Integral, Real
from typing import TextIO

from rung._frozen import frozen

__all__ = [
    "METRIC_NAME",
    "PREFIX",
    "ReportLine",
    "ReportLineError",
    "format_report_line",
    "parse_report_line",
    "report",
]

PREFIX = "[rung]"
#: The metric names a report line can carry (``val_loss``, ``acc/top-1``).
METRIC_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.\-/]*\Z")


class ReportLineError(ValueError):
    """A line that starts with ``[rung]`` but does not say ``resource=INT metric=NUMBER ...``."""


@frozen
class ReportLine:
    """One report of a program.

    Attributes:
        resource_name: The first key of the line (``epoch``).
        resource: Its value, an int.
        metrics: Every other key and its value, in the line's order.
    """

    resource_name: str
    resource: int
    metrics: Mapping[str, float]


def _number_text(value: float) -> str:
    return repr(float(value)) if math.isfinite(value) else str(float(value))


def format_report_line(
    resource: int, metrics: Mapping[str, float], resource_name: str = "epoch"
) -> str:
    """The line :func:`report` prints (without its newline).

    Raises:
        TypeError: ``resource`` is not an int, or a metric is not a real number.
        ValueError: a name is not a word (letters, digits, ``_.-/``), or no metric is given.
    """
    if isinstance(resource, bool) or not isinstance(resource, Integral):
        raise TypeError(f"rung.report: the resource must be an int; got {resource!r}.")
    if not metrics:
        raise ValueError("rung.report: give at least one metric, e.g. rung.report(3, loss=0.2).")
    parts = [PREFIX]
    for key, value in [(resource_name, None), *metrics.items()]:
        if not isinstance(key, str) or not METRIC_NAME.match(key):
            raise ValueError(
                f"rung.report: names must be words (letters, digits, '_.-/'); got {key!r}."
            )
        if value is None:
            parts.append(f"{key}={int(resource)}")
        elif isinstance(value, bool) or not isinstance(value, Real):
            raise TypeError(f"rung.report: metric {key!r} must be a real number; got {value!r}.")
        else:
            parts.append(f"{key}={_number_text(value)}")
    return " ".join(parts)


def report(resource: int, /, *, file: TextIO | None = None, **metrics: float) -> None:
    """Prints a report line for rung, and flushes it so rung sees it at once.

    Args:
        resource: The resource trained so far (the epoch just finished).
        file: Where to print (standard output, which rung reads, by default).
        **metrics: The metrics at that resource; the one named by ``--metric`` is tuned.

    Example:
        >>> import rung
        >>> rung.report(3, val_loss=0.21, acc=0.93)
        [rung] epoch=3 val_loss=0.21 acc=0.93
    """
    stream = file if file is not None else sys.stdout
    stream.write(format_report_line(resource, metrics) + "\n")
    stream.flush()


def _parse_number(key: str, text: str, line: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise ReportLineError(
            f"metric {key!r} is not a number ({text!r}) in the report line {line!r}"
        ) from None


def parse_report_line(line: str) -> ReportLine | None:
    """The report a line carries, or None for a line that is not a report.

    Args:
        line: One line of a program's output (its newline may be left on).

    Raises:
        ReportLineError: the line starts with ``[rung]`` but is not ``[rung] resource=INT
            name=NUMBER ...``; the message quotes the line.
    """
    text = line.rstrip("\r\n")
    if not text.startswith(PREFIX):
        return None
    tokens = text[len(PREFIX) :].split()
    pairs: list[tuple[str, str]] = []
    for token in tokens:
        key, sep, value = token.partition("=")
        if not sep or not METRIC_NAME.match(key) or not value:
            raise ReportLineError(
                f"a report line must read '[rung] epoch=N metric=VALUE ...'; got {text!r}"
            )
        pairs.append((key, value))
    if len(pairs) < 2:
        raise ReportLineError(
            f"a report line needs the resource and at least one metric "
            f"('[rung] epoch=N metric=VALUE'); got {text!r}"
        )
    resource_name, resource_text = pairs[0]
    try:
        resource = int(resource_text)
    except ValueError:
        try:  # '3.0' is 3; '3.5' is no resource
            number = float(resource_text)
        except ValueError:
            number = math.nan
        if not number.is_integer():
            raise ReportLineError(
                f"the resource {resource_name!r} must be an integer; got {resource_text!r} "
                f"in the report line {text!r}"
            ) from None
        resource = int(number)
    metrics: dict[str, float] = {}
    for key, value in pairs[1:]:
        if key in metrics or key == resource_name:
            raise ReportLineError(f"{key!r} appears twice in the report line {text!r}")
        metrics[key] = _parse_number(key, value, text)
    return ReportLine(resource_name, resource, metrics)
