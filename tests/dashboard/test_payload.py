"""The job rows the dashboard sends, and the trajectory they carry."""

from __future__ import annotations

import json
import math
import os
from pathlib import Path

import pytest

import rung
from rung.dashboard.payload import (
    ERROR_LINE_CHARS,
    JOB_COLUMNS,
    TrajectoryFold,
    error_line,
    jsonable,
    run_meta,
    summary,
)
from rung.results.report import no_best_reason
from rung.results.summary import read_result
from tests.dashboard.runs import final_left_behind, infeasible_run

BEST, BEST_ANY, SPENT, SCORES = (
    JOB_COLUMNS.index(n) for n in ("best", "best_any", "spent", "scores")
)


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
    # several objectives and a constraint: infeasible results are never the best
    yield rung.tune(
        lambda c: {"a": c["x"], "b": 1 - c["x"] ** 2, "cost": (1 - c["x"]) * c["epochs"]},
        space,
        scheduler="asha",
        max_resource=9,
        objectives="a:min,b:min",
        constraints=["cost<=3"],
        max_trials=40,
        directory=tmp_path / "front",
        seed=6,
    )


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


def test_rows_carry_the_scores_of_a_run_with_several_objectives(tmp_path):
    runs = list(_runs(tmp_path))
    front = read_result(runs[-1].directory)
    fold = TrajectoryFold(front.spec)
    rows = [fold.row(job) for job in front.jobs]
    for row, job in zip(rows, front.jobs, strict=True):
        metrics = job.reports[-1].metrics
        feasible = metrics["cost"] <= 3
        assert row[SCORES] == [metrics["a"], metrics["b"], 1 if feasible else 0]
    assert any(row[SCORES][-1] == 0 for row in rows)  # some infeasible
    plain = read_result(runs[0].directory)
    assert all(TrajectoryFold(plain.spec).row(job)[SCORES] is None for job in plain.jobs)


def test_rows_are_strict_json_data():
    assert jsonable({"a": (1, float("nan")), 2: [float("inf"), "x"]}) == {
        "a": [1, None],
        "2": [None, "x"],
    }
    assert jsonable(object.__new__(object)).startswith("<object object")


def test_an_int_a_javascript_number_would_round_is_sent_as_text():
    assert jsonable({"seed": 2**64 - 1, "n": 2**53 - 1, "m": -(2**53)}) == {
        "seed": "18446744073709551615",
        "n": 2**53 - 1,
        "m": "-9007199254740992",
    }


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


def test_a_run_without_a_best_says_why_as_rung_show_does(tmp_path):
    infeasible_run(tmp_path / "infeasible")
    result = read_result(tmp_path / "infeasible")
    figures = summary(result, seq=0)
    assert result.finished and figures["incumbent"] is None
    assert figures["no_best"] == no_best_reason(result)
    assert figures["no_best"].startswith("no feasible trial found:")  # finished: no "yet"
    best = rung.tune(lambda c: c["x"], {"x": rung.uniform(0, 1)}, max_trials=3)
    assert summary(best, seq=0)["no_best"] is None


def test_the_fold_takes_failed_jobs_of_a_run_with_constraints(tmp_path):
    def objective(config, trial):
        for epoch in range(trial.resource_from + 1, trial.resource_to + 1):
            if config["x"] > 0.7:
                raise ValueError("diverged")
            trial.report(epoch, {"loss": config["x"] + 1 / epoch, "cost": config["x"]})

    rung.tune(
        objective,
        {"x": rung.uniform(0, 1)},
        scheduler="asha",
        max_resource=9,
        metric="loss",
        constraints=["cost<=0.5"],
        max_trials=12,
        directory=tmp_path / "run",
        seed=0,
    )
    result = read_result(tmp_path / "run")
    assert result.n_failed_jobs > 0
    fold = TrajectoryFold(result.spec)
    rows = [fold.row(job) for job in result.jobs]  # a failed job has no scores
    for row, point in zip(rows, result.trajectory, strict=True):
        assert row[SPENT] == point.resource
        assert _same(row[BEST], point.best_value)
        assert _same(row[BEST_ANY], point.best_any_value)


@pytest.mark.parametrize("several", [False, True], ids=["best trial", "front"])
def test_a_final_model_the_run_was_extended_past_is_sent_as_not_current(tmp_path, several):
    """A run extended under --no-final keeps the final model made before: the dashboard
    sent its figures as the best trial's (or the front's) after another trial became the
    best; it marks it ``current`` as results.json does."""
    made, extended = final_left_behind(tmp_path / "run", several)
    if several:
        assert {p.trial_id for p in extended.pareto_front} != {
            p.trial_id for p in made.pareto_front
        }
    else:
        assert extended.incumbent.trial_id != made.incumbent.trial_id
    before = summary(made, seq=0)["final"]
    after = summary(extended, seq=0)["final"]
    assert before["current"] is True and after["current"] is False
    assert {k: v for k, v in after.items() if k != "current"} == jsonable(dict(made.final))


@pytest.mark.slow
def test_the_dashboard_marks_a_final_model_as_results_json_does(tmp_path):
    """A real run's final model, kept by ``rung resume --no-final`` after a better trial
    was found: the dashboard sends the final record results.json writes."""
    pytest.importorskip("torch")
    from rung.cli.main import main

    data = Path(os.environ.get("RUNG_DATA_DIR") or Path(__file__).parents[3] / "shared" / "data")
    if not (data / "FashionMNIST" / "raw").is_dir():
        pytest.skip(f"Fashion-MNIST not found at {data} (set RUNG_DATA_DIR)")
    run = tmp_path / "exp"
    argv = ["tune", "--model", "softmax", "--scheduler", "fifo", "--searcher", "random"]
    argv += ["--trials", "2", "--max-epochs", "1", "--quick", "--threads", "1", "--quiet"]
    assert main([*argv, "--data-dir", str(data), "--device", "cpu", "--out", str(run)]) == 0
    assert summary(read_result(run), seq=0)["final"]["current"] is True
    assert main(["resume", str(run), "--trials", "8", "--quiet", "--no-final"]) == 0
    record = json.loads((run / "results.json").read_text())
    assert record["final"]["current"] is False
    assert summary(read_result(run), seq=0)["final"] == jsonable(record["final"])


def test_parameters_on_a_log_scale_get_a_log_axis_integers_too(tmp_path):
    space = {
        "lr": rung.loguniform(1e-4, 1),
        "width": rung.randint(1, 512, log=True),
        "depth": rung.randint(1, 8),
        "x": rung.uniform(0, 1),
    }
    rung.tune(lambda c: c["x"], space, max_trials=2, directory=tmp_path / "run")
    spec = read_result(tmp_path / "run").spec
    scales = {p["name"]: p["scale"] for p in run_meta(spec, 1, "run", "run")["params"]}
    assert scales == {"lr": "log", "width": "log", "depth": "linear", "x": "linear"}
