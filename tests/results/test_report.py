"""The summary text and the files written at a run's end, from real runs."""

from __future__ import annotations

import json

import pytest

import rung
from rung.errors import StoreError
from rung.results.report import CSV_FILE, RESULTS_FILE, format_summary, write_results
from rung.results.summary import read_result
from rung.run.factory import build_tuner
from rung.workloads.synthetic import TOY, MultiFidelity


def run_into(directory, **kwargs):
    """A small ASHA run recorded in ``directory``."""
    mf = MultiFidelity(TOY, max_resource=9)
    tuner = build_tuner(
        mf.iterative,
        mf.space,
        scheduler="asha",
        max_resource=9,
        seed=0,
        directory=directory,
        **kwargs,
    )
    return tuner.run(max_trials=20)


def test_results_files_hold_the_run(tmp_path):
    result = run_into(tmp_path / "exp")
    write_results(read_result(tmp_path / "exp"), tmp_path / "exp")
    payload = json.loads((tmp_path / "exp" / RESULTS_FILE).read_text())
    assert payload["summary"]["jobs"] == result.n_jobs
    assert payload["summary"]["best"]["value"] == pytest.approx(result.best_value)
    assert payload["spec"] == result.spec.to_dict()
    rows = (tmp_path / "exp" / CSV_FILE).read_text().splitlines()
    assert rows[0].startswith("job,trial_id,x,resource_from,rung,value")
    assert len(rows) == result.n_jobs + 1
    text = format_summary(read_result(tmp_path / "exp"))
    assert "best value" in text and "jobs per rung" in text and "finished" in text
    assert "scheduler ASHA" in text and "eta 3" in text


def test_results_files_that_cannot_be_written_leave_the_last_ones_whole(tmp_path, monkeypatch):
    import errno
    import pathlib

    result = run_into(tmp_path / "exp")
    write_results(result, tmp_path / "exp")
    files = [tmp_path / "exp" / RESULTS_FILE, tmp_path / "exp" / CSV_FILE]
    before = [path.read_bytes() for path in files]

    def full(self, text, *args, **kwargs):
        with open(self, "w") as handle:
            handle.write(text[:10])
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(pathlib.Path, "write_text", full)
    with pytest.raises(OSError, match="No space left"):
        write_results(result, tmp_path / "exp")
    assert [path.read_bytes() for path in files] == before
    assert not list((tmp_path / "exp").glob("*.tmp"))


def test_the_summary_names_the_callers_model_and_metric(tmp_path):
    run_into(
        tmp_path / "exp",
        extra={"model": "toy", "metric": "validation error", "searcher": "random"},
    )
    text = format_summary(read_result(tmp_path / "exp"))
    assert "model toy, searcher random" in text and "best validation error:" in text


def test_a_directory_in_use_is_not_overwritten_by_a_new_run(tmp_path):
    run_into(tmp_path / "exp")
    before = (tmp_path / "exp" / "experiment.db").read_bytes()
    with pytest.raises(StoreError, match="already holds an experiment"):
        run_into(tmp_path / "exp")
    assert (tmp_path / "exp" / "experiment.db").read_bytes() == before


def test_failed_jobs_and_nan_are_written_as_null(tmp_path):
    tuner = build_tuner(lambda c: 1 / 0, {"x": rung.uniform(0, 1)}, directory=tmp_path / "exp")
    with pytest.raises(rung.TrialFailed):
        tuner.run(max_trials=6)
    write_results(read_result(tmp_path / "exp"), tmp_path / "exp")
    jobs = json.loads((tmp_path / "exp" / RESULTS_FILE).read_text())["jobs"]
    assert jobs and all(j["value"] is None for j in jobs)
    assert all("ZeroDivisionError" in j["error"] for j in jobs)


def width_run(directory, scheduler, objectives, constraints=None, max_trials=8, objective=None):
    """A run over one width whose error falls with it, a latency rising with it."""

    def curve(config, trial):
        for epoch in range(trial.resource_from + 1, trial.resource_to + 1):
            width = config["width"]
            trial.report(epoch, {"val_error": 1 / width / epoch, "latency_ms": 0.01 * width})

    return rung.tune(
        objective or curve, {"width": rung.uniform(1, 100)}, objectives=objectives,
        constraints=constraints, scheduler=scheduler, max_trials=max_trials, seed=0,
        directory=directory, **({} if scheduler == "fifo" else {"max_resource": 9}),
    )  # fmt: skip


@pytest.mark.parametrize(
    ("scheduler", "objectives"),
    [("asha", {"val_error": "min", "latency_ms": "min"}), ("fifo", {"val_error": "min"})],
)
def test_a_run_with_no_feasible_trial_gives_that_reason_alone(tmp_path, scheduler, objectives):
    width_run(tmp_path / "run", scheduler, objectives, {"latency_ms": ("<=", -1)})
    result = read_result(tmp_path / "run")
    text = format_summary(result)
    n = result.infeasible
    assert n > 0 and f"no feasible trial found: all {n} results at the full resource" in text
    assert "reached the full resource" not in text and "None" not in text and "yet" not in text


def test_yet_only_while_the_run_may_go_on(tmp_path):
    seen = []

    def curve(config, trial):
        if trial.resource_from > 0:  # a job ended below the full resource, the run goes on
            seen.append(format_summary(read_result(tmp_path / "run")))
        trial.report(trial.resource_to, 1 / config["width"])

    space = {"width": rung.uniform(1, 100)}
    result = rung.tune(
        curve, space, scheduler="asha", max_resource=9, max_jobs=2, seed=0,
        directory=tmp_path / "run",
    )  # fmt: skip
    assert result.incumbent is None  # the budget ends it before the full resource
    assert "(running or interrupted)" in seen[0]
    assert "no trial reached the full resource (9) yet" in seen[0]
    text = format_summary(read_result(tmp_path / "run"))
    assert "(finished)" in text and "no trial reached the full resource (9)\n" in text


def test_non_finite_objectives_are_reported_as_such_not_as_infeasible(tmp_path):
    def latency_unknown(config):
        return {"val_error": 1 / config["width"], "latency_ms": float("inf")}

    width_run(
        tmp_path / "run", "fifo", {"val_error": "min", "latency_ms": "min"}, max_trials=6,
        objective=latency_unknown,
    )  # fmt: skip
    result = read_result(tmp_path / "run")
    text = format_summary(result)
    assert "no finite result at the full resource: all 6 results had a NaN or infinite" in text
    assert "constraints" not in text and "infeasible" not in text
    write_results(result, tmp_path / "run")
    summary = json.loads((tmp_path / "run" / RESULTS_FILE).read_text())["summary"]
    assert summary["infeasible_results"] == 0 and summary["non_finite_results"] == 6
    assert summary["feasible_found"] is True and summary["pareto_front"] == []


def test_a_front_shows_the_results_left_off_it(tmp_path):
    def slow_is_unknown(config):
        width = config["width"]
        return {"val_error": 1 / width, "latency_ms": float("inf") if width > 50 else width}

    width_run(
        tmp_path / "run", "fifo", {"val_error": "min", "latency_ms": "min"},
        objective=slow_is_unknown,
    )  # fmt: skip
    result = read_result(tmp_path / "run")
    n = result.non_finite
    assert n > 1 and result.pareto_front
    text = format_summary(result)
    assert f"{n} results at the full resource were left off for a NaN or infinite" in text
    assert "infeasible" not in text


def test_jobs_csv_has_a_column_per_other_objective_and_constrained_metric(tmp_path):
    """``value`` holds the first objective; the others and the constrained metrics are
    columns named by metric (one that names another column is prefixed)."""
    import csv

    def three(config):
        x = config["x"]
        if x > 0.7:
            raise ValueError("too far")  # a failed job has no metrics
        return {"err": x, "value": 1 - x, "size": 10 * x}

    out = tmp_path / "exp"
    build_tuner(
        three,
        {"x": rung.uniform(0, 1)},
        searcher="random",
        seed=3,
        directory=out,
        objectives="err:min,value:max",
        constraints="size<=8",
        max_retries=0,
    ).run(max_trials=12)
    result = read_result(out)
    write_results(result, out)
    rows = list(csv.DictReader((out / CSV_FILE).read_text().splitlines()))
    assert list(rows[0])[-2:] == ["metric_value", "size"]
    for job, row in zip(result.jobs, rows, strict=True):
        if job.reports:
            x = job.config["x"]
            assert float(row["value"]) == pytest.approx(x)
            assert float(row["metric_value"]) == pytest.approx(1 - x)
            assert float(row["size"]) == pytest.approx(10 * x)
        else:
            assert row["metric_value"] == row["size"] == ""
    assert any(not job.reports for job in result.jobs)
    write_results(run_into(tmp_path / "plain"), tmp_path / "plain")  # one objective: as before
    header = (tmp_path / "plain" / CSV_FILE).read_text().splitlines()[0]
    assert header == "job,trial_id,x,resource_from,rung,value,status,decision,start,end,worker"


def test_a_run_without_a_resource_counts_none_spent(tmp_path):
    """An f(config) run evaluates each trial once: its summary counts no epochs."""
    build_tuner(
        lambda config: config["x"] ** 2,
        {"x": rung.uniform(-1, 1)},
        searcher="random",
        seed=0,
        directory=tmp_path / "plain",
    ).run(max_trials=4)
    from dataclasses import replace

    from rung.results.result import OpenJob

    result = read_result(tmp_path / "plain")
    text = format_summary(replace(result, finished=False, open_jobs=(OpenJob(4, 0, 1, 0.5),)))
    assert "trials 4, jobs 4 (0 failed), wall time" in text
    assert "trial 4 (started at 0.5 s)" in text
    assert "epochs" not in text
    run_into(tmp_path / "levels")  # with a resource, what it spent is counted
    assert "failed), epochs " in format_summary(read_result(tmp_path / "levels"))


def test_a_run_stopped_because_its_first_trials_failed_says_so_with_the_first_error(tmp_path):
    def broken(config):
        raise RuntimeError(f"cannot load the data for x={config['x']:.2f}")

    out = tmp_path / "exp"
    tuner = build_tuner(broken, {"x": rung.uniform(0, 1)}, searcher="random", directory=out)
    with pytest.raises(rung.TrialFailed):
        tuner.run(max_trials=10)
    result = read_result(out)
    text = format_summary(result, writing=False)
    assert f"experiment {out} (stopped: its first 4 trials all failed)" in text
    x = result.jobs[0].config["x"]
    assert f"trial 0 failed first: RuntimeError: cannot load the data for x={x:.2f}" in text
    assert "no job completed: fix the objective" in text and "yet" not in text
    while_written = format_summary(result, writing=True)  # the driver had not given up
    assert "(running)" in while_written and "failed first: RuntimeError" in while_written


def test_results_json_holds_the_budget_the_resumed_run_is_held_to(tmp_path):
    """A run resumed with a larger budget: results.json's spec says the budget of the
    latest resume, not the one the run started with."""

    def tuner() -> rung.Tuner:
        searcher = rung.RandomSearcher({"x": rung.uniform(0, 1)})
        objective = lambda c: (c["x"] - 0.3) ** 2  # noqa: E731
        return rung.Tuner(objective, rung.FIFO(searcher), seed=0, directory=tmp_path)

    tuner().run(max_trials=2)
    tuner().resume(tmp_path, max_trials=5)
    write_results(read_result(tmp_path), tmp_path)
    recorded = json.loads((tmp_path / RESULTS_FILE).read_text())
    assert recorded["summary"]["trials"] == 5
    assert recorded["spec"]["budget"]["max_trials"] == 5
