"""Recorded learning curves replayed as a simulated benchmark (a tabular benchmark).

A :class:`LearningCurveTable` holds, for each of a few hundred configurations of a real
training job, the validation error after every epoch up to ``max_epochs`` and the seconds
each epoch took. :class:`TabularBenchmark` replays it for
:class:`rung.executors.simulated.SimulatedExecutor`: ``benchmark(config, epoch)`` gives
the recorded error and seconds of that epoch, so every method pays each configuration's
own measured cost (they differ tens of times between batch sizes).

The search space stays continuous, and a configuration is answered by its **nearest
recorded configuration** in the unit cube of :meth:`rung.space.Space.encode` (log-scaled
where the domain is): Syne Tune's blackbox repository serves its tabulated benchmarks
the same way (``syne_tune/blackbox_repository/blackbox_surrogate.py``, a
``KNeighborsRegressor(n_neighbors=1)`` by default). A finite choice among the recorded
configurations would hide the space's geometry from model-based searchers (a categorical
of 400 values has no neighbours), and a fitted surrogate (YAHPO, LCBench) would replay
curves nobody trained. Every recorded configuration is its own nearest neighbour, so the
table's best final error is the benchmark's optimum and can be reached.

The table is a gzip-compressed CSV (:func:`write_table`, :func:`read_table`): ``#``
lines first (``# rung-learning-curves 1``, then ``# name: ...``, ``# max_epochs: ...``,
``# space: <JSON of rung.space_file.space_to_spec>`` and free ``# note KEY: ...`` lines
saying how it was made), then one CSV row per configuration: its values (JSON), then
``error_1 .. error_R`` and ``seconds_1 .. seconds_R``. Nothing in it is executed.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import math
import os
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np

from rung._checks import InstanceOf, Integer, check
from rung.errors import ConfigError, DataError
from rung.space import Space
from rung.space_file import space_from_spec, space_to_spec

__all__ = ["LearningCurveTable", "TabularBenchmark", "from_curves", "read_table", "write_table"]

_MAGIC = "# rung-learning-curves 1"


@dataclass(frozen=True, eq=False)
class LearningCurveTable:
    """Learning curves of recorded configurations: errors and seconds per epoch.

    Attributes:
        name: The benchmark's name (``"fmnist-softmax"``).
        space: The space the configurations were drawn from.
        configs: The configurations, ``n`` of them, values of every domain of ``space``.
        errors: (n, max_epochs) validation error after each epoch.
        seconds: (n, max_epochs) seconds each epoch took (> 0, finite).
        notes: How the table was made (free text, by key).

    Raises:
        ConfigError: shapes disagree, a value is not finite, a configuration lacks a
            domain of the space, or there are no configurations.
    """

    name: str
    space: Space = field(repr=False)
    configs: tuple[Mapping[str, Any], ...] = field(repr=False)
    errors: np.ndarray = field(repr=False)
    seconds: np.ndarray = field(repr=False)
    notes: Mapping[str, str] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        n = len(self.configs)
        if n == 0:
            raise ConfigError(f"The table {self.name!r} has no configurations.")
        for what in ("errors", "seconds"):
            array = getattr(self, what)
            if array.ndim != 2 or array.shape[0] != n or array.shape[1] < 1:
                raise ConfigError(
                    f"The table {self.name!r} needs {what} of shape ({n}, max_epochs), one row "
                    f"per configuration; got {array.shape}."
                )
            if not np.isfinite(array).all():
                raise ConfigError(f"The table {self.name!r} has non-finite {what}.")
        if self.errors.shape != self.seconds.shape:
            raise ConfigError(
                f"The table {self.name!r} has errors {self.errors.shape} but seconds "
                f"{self.seconds.shape}."
            )
        if (self.seconds < 0).any():
            raise ConfigError(f"The table {self.name!r} has negative seconds.")
        for i, config in enumerate(self.configs):
            missing = sorted(set(self.space.domains) - set(config))
            if missing:
                raise ConfigError(f"Configuration {i} of the table {self.name!r} lacks {missing}.")

    @property
    def max_epochs(self) -> int:
        return int(self.errors.shape[1])

    def __len__(self) -> int:
        return len(self.configs)


def from_curves(
    name: str,
    space: Mapping[str, Any],
    configs: Sequence[Mapping[str, Any]],
    errors: Sequence[Sequence[float]],
    seconds: Sequence[Sequence[float]],
    max_epochs: int,
    notes: Mapping[str, str] | None = None,
) -> LearningCurveTable:
    """A table from recorded curves, completing those that stopped early.

    A curve shorter than ``max_epochs`` is a job that diverged (rung's trainer reports an
    error of 1.0 and stops): its last error stands for the epochs left, each costing the
    median of its measured epochs after the first (the pace training would have kept).
    How many were completed this way goes into the notes as ``diverged``.

    Raises:
        ConfigError: a curve is empty, longer than ``max_epochs``, or its errors and
            seconds differ in length.
    """
    full_errors, full_seconds, completed = [], [], 0
    for i, (curve, times) in enumerate(zip(errors, seconds, strict=True)):
        if not curve or len(curve) != len(times) or len(curve) > max_epochs:
            raise ConfigError(
                f"Curve {i} of {name!r} has {len(curve)} errors and {len(times)} seconds; "
                f"both must be 1 to max_epochs={max_epochs}."
            )
        missing = max_epochs - len(curve)
        if missing:
            completed += 1
            pace = statistics.median(times[1:]) if len(times) > 1 else times[0]
            curve, times = [*curve, *[curve[-1]] * missing], [*times, *[pace] * missing]
        full_errors.append(curve)
        full_seconds.append(times)
    return LearningCurveTable(
        name=name,
        space=Space(space),
        configs=tuple(dict(c) for c in configs),
        errors=np.asarray(full_errors, dtype=float),
        seconds=np.asarray(full_seconds, dtype=float),
        notes={**(notes or {}), "diverged": str(completed)},
    )


def write_table(table: LearningCurveTable, path: str | os.PathLike[str]) -> None:
    """Writes ``table`` as a gzip-compressed CSV (see the module's docstring).

    Errors keep 6 decimals (an error over 4,000 images is a multiple of 0.00025), seconds
    4 significant digits.
    """
    names = list(table.space.domains)
    out = io.StringIO()
    out.write(f"{_MAGIC}\n# name: {table.name}\n# max_epochs: {table.max_epochs}\n")
    out.write(f"# space: {json.dumps(space_to_spec(table.space))}\n")
    for key, value in table.notes.items():
        out.write(f"# note {key}: {' '.join(str(value).split())}\n")
    writer = csv.writer(out, lineterminator="\n")
    epochs = range(1, table.max_epochs + 1)
    writer.writerow([*names, *(f"error_{e}" for e in epochs), *(f"seconds_{e}" for e in epochs)])
    for config, errors, seconds in zip(table.configs, table.errors, table.seconds, strict=True):
        writer.writerow(
            [json.dumps(config[name]) for name in names]
            + [f"{e:.6g}" for e in errors]
            + [f"{s:.4g}" for s in seconds]
        )
    # No name or time in the header: the same table gives the same bytes (a stable file
    # under version control).
    with open(path, "wb") as f, gzip.GzipFile(filename="", fileobj=f, mode="wb", mtime=0) as gz:
        gz.write(out.getvalue().encode())


def read_table(path: str | os.PathLike[str]) -> LearningCurveTable:
    """Reads a table written by :func:`write_table`.

    Raises:
        DataError: the file is not such a table, or a row is malformed.
    """
    try:
        with gzip.open(path, "rt", encoding="utf-8") as f:
            text = f.read()
    except (OSError, EOFError) as err:
        raise DataError(f"Cannot read the learning-curve table {str(path)!r}: {err}") from None
    lines = text.splitlines()
    if not lines or lines[0] != _MAGIC:
        raise DataError(f"{str(path)!r} is not a learning-curve table (no {_MAGIC!r} line).")
    header: dict[str, str] = {}
    notes: dict[str, str] = {}
    body = 1
    while body < len(lines) and lines[body].startswith("#"):
        key, _, value = lines[body][1:].strip().partition(": ")
        if key.startswith("note "):
            notes[key[5:]] = value
        else:
            header[key] = value
        body += 1
    try:
        space = Space(space_from_spec(json.loads(header["space"]), str(path)))
        max_epochs = int(header["max_epochs"])
        rows = list(csv.reader(lines[body:]))
        names = list(space.domains)
        columns = rows[0]
        if columns[: len(names)] != names or len(columns) != len(names) + 2 * max_epochs:
            raise ValueError(f"unexpected columns {columns[: len(names) + 1]}...")
        configs, errors, seconds = [], [], []
        for row in rows[1:]:
            if len(row) != len(columns):
                raise ValueError(f"a row has {len(row)} cells, not {len(columns)}")
            configs.append({name: json.loads(cell) for name, cell in zip(names, row, strict=False)})
            numbers = [float(cell) for cell in row[len(names) :]]
            errors.append(numbers[:max_epochs])
            seconds.append(numbers[max_epochs:])
        return LearningCurveTable(
            name=header["name"],
            space=space,
            configs=tuple(configs),
            errors=np.asarray(errors, dtype=float).reshape(len(configs), max_epochs),
            seconds=np.asarray(seconds, dtype=float).reshape(len(configs), max_epochs),
            notes=notes,
        )
    except (KeyError, ValueError, IndexError, ConfigError) as err:
        raise DataError(f"The learning-curve table {str(path)!r} is malformed: {err}") from None


class TabularBenchmark:
    """A :class:`LearningCurveTable` replayed by nearest recorded configuration.

    A simulated objective (``benchmark(config, epoch) -> (error, seconds)``) with the
    attributes of :class:`~rung.workloads.simulated.SimulatedBenchmark` that simulated
    runs use: ``name``, ``space``, ``min_resource``, ``max_resource``, ``optimum``.

    Args:
        table: The recorded curves.
        min_resource: The lowest resource worth a rung (default 1).

    Raises:
        ConfigError: ``min_resource`` outside 1..max_epochs.

    Example:
        >>> from rung.space import loguniform
        >>> table = from_curves("toy", {"lr": loguniform(1e-3, 1)}, [{"lr": 0.01}, {"lr": 0.5}],
        ...                     [[0.5, 0.3], [0.4, 0.35]], [[2.0, 1.0], [1.0, 0.5]], 2)
        >>> bench = TabularBenchmark(table)
        >>> bench({"lr": 0.02}, 2), bench.optimum  # 0.02 is nearest to 0.01 (log scale)
        ((0.3, 1.0), 0.3)
    """

    def __init__(self, table: LearningCurveTable, min_resource: int = 1) -> None:
        check("TabularBenchmark", "table", table, InstanceOf((LearningCurveTable,), "a table"))
        rule = Integer(low=1, high=table.max_epochs, high_label="max_epochs")
        check("TabularBenchmark", "min_resource", min_resource, rule)
        self.table = table
        self.name = table.name
        self.space = table.space
        self.min_resource = min_resource
        self.max_resource = table.max_epochs
        self.optimum = float(table.errors[:, -1].min())
        self._units = np.array([self.space.encode(c) for c in table.configs])
        # Python lists: a float taken from a list is a float, from an array a numpy scalar.
        self._errors = table.errors.tolist()
        self._seconds = table.seconds.tolist()
        self._index: dict[tuple, int] = {}

    def __repr__(self) -> str:
        return f"TabularBenchmark({self.name!r}, {len(self.table)} configurations)"

    def nearest(self, config: Mapping[str, Any]) -> int:
        """The row of the recorded configuration nearest to ``config`` (Euclidean distance
        in the unit cube; the first row of equally near ones)."""
        key = self.space.key(config)
        row = self._index.get(key)
        if row is None:
            distance = ((self._units - self.space.encode(config)) ** 2).sum(axis=1)
            row = self._index[key] = int(np.argmin(distance))
        return row

    def __call__(self, config: Mapping[str, Any], resource: int) -> tuple[float, float]:
        """The recorded error after epoch ``resource`` and that epoch's seconds.

        Raises:
            ValueError: ``resource`` is outside 1..max_resource.
        """
        if not 1 <= resource <= self.max_resource:
            raise ValueError(
                f"{self.name}: the resource must be in [1, {self.max_resource}]; got {resource!r}."
            )
        row = self.nearest(config)
        return self._errors[row][resource - 1], self._seconds[row][resource - 1]

    def regret(self, value: float) -> float:
        """How far ``value`` is above the optimum."""
        return value - self.optimum

    def seconds_to(self, config: Mapping[str, Any], resource: int) -> float:
        """Seconds to train ``config`` from scratch to ``resource``."""
        return math.fsum(self._seconds[self.nearest(config)][:resource])

    @cached_property
    def mean_full_seconds(self) -> float:
        """Mean seconds to train a recorded configuration to ``max_resource``."""
        return float(self.table.seconds.sum(axis=1).mean())
