"""The job rows the dashboard sends, and the trajectory they carry."""

from __future__ import annotations

import math

import pytest

import rung
from rung.dashboard.payload import (
    ERROR_LINE_CHARS,
    JOB_COLUMNS,
    TrajectoryFold,
    error_line,
    jsonable,
)
from rung.results.summary import read_result

BEST, BEST_ANY, SPENT = (JOB_COLUMNS.index(n) for n in ("best", "best_any", "spent"))


def _same(a: float | None, b: float) -> bool:
    return (a is None and math.isnan(b)) or a == b


def _runs(tmp_path):
    """Runs of each shape the fold must agree with: iterative ASHA, ``f(config)`` under
    Hyperband maximizing (retrained from scratch), single-fidelity FIFO, failures."""

    def iterative(config, trial):
        for epoch in range(trial.resource_from + 1, trial.resource_to + 1):
            if config["x"] > 0.9:
                raise ValueError("diverged")
            trial.report(epoch, (config["x"] - 0.3) ** 2 + 1 / epoch)

    space = {"x": rung.uniform(0, 1)}
    yield rung.tune(
        iterative,
        space,
        scheduler="asha",
        max_resource=9,
        max_trials=40,
        directory=tmp_path / "asha",
        seed=3,
    )
    yield rung.tune(
        lambda c: c["x"] * c["epochs"],
        space,
        scheduler="hyperband",
        max_resource=9,
        direction="max",
        max_trials=30,
        directory=tmp_path / "hyperband",
        seed=4,
    )
    yield rung.tune(lambda c: c["x"], space, max_trials=12, directory=tmp_path / "fifo", seed=5)


def test_the_fold_is_the_recorded_trajectory(tmp_path):
    for live in _runs(tmp_path):
        result = read_result(live.directory)
        fold = TrajectoryFold(result.spec)
        rows = [fold.row(job) for job in result.jobs]
        assert len(rows) == len(result.trajectory) > 0
        for row, point in zip(rows, result.trajectory, strict=True):
            assert row[SPENT] == point.resource
            assert _same(row[BEST], point.best_value)
            assert _same(row[BEST_ANY], point.best_any_value)
        assert _same(rows[-1][BEST], result.best_value)


def test_rows_are_strict_json_data():
    assert jsonable({"a": (1, float("nan")), 2: [float("inf"), "x"]}) == {
        "a": [1, None],
        "2": [None, "x"],
    }
    assert jsonable(object.__new__(object)).startswith("<object object")


@pytest.mark.parametrize(
    ("error", "line"),
    [
        (None, None),
        ("  \n", None),
        (
            "Traceback (most recent call last):\n  ...\nValueError: <b>bad</b>\n",
            "ValueError: <b>bad</b>",
        ),
    ],
)
def test_a_row_carries_the_last_line_of_the_error(error, line):
    assert error_line(error) == line


def test_a_long_error_line_is_cut():
    line = error_line("E" * 5000)
    assert line is not None and len(line) == ERROR_LINE_CHARS and line.endswith("…")
