"""Runs with several objectives and constraints: the front, feasibility, bad input, resume."""

from __future__ import annotations

import json
import logging
import math
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import rung
from rung.errors import ConfigError, StoreError, TrialFailed
from rung.pareto import non_dominated
from rung.results.report import format_summary, write_results
from rung.results.summary import load_checkpoint, read_result
from rung.run.factory import build_tuner
from rung.workloads.multi_objective import zdt2

PROBLEM = zdt2(n_variables=4, max_resource=9)
SCHEDULERS = ["fifo", "sh", "hyperband", "asha", "async_hyperband"]


def constrained(config: dict[str, Any], trial: Any) -> None:
    """ZDT2 with a 'cost' metric (x0 + x1) constrained below 1, checkpointing each step."""
    state = trial.checkpoint or {"steps": 0}
    for resource in range(trial.resource_from + 1, trial.resource_to + 1):
        state = {"steps": state["steps"] + 1}
        metrics = {**PROBLEM.evaluate(config, resource), "cost": config["x0"] + config["x1"]}
        trial.report(resource, metrics, checkpoint=state)


def tuner(directory: Path | None, scheduler: str = "asha", searcher: str = "random", **kw: Any):
    fifo = scheduler == "fifo"
    return build_tuner(
        constrained,
        PROBLEM.space,
        searcher=searcher,
        scheduler=scheduler,
        min_resource=None if fifo else 1,
        max_resource=9,
        objectives={"f1": "min", "f2": "min"},
        constraints=["cost<=1"],
        seed=2,
        directory=directory,
        **kw,
    )


def full_resource_scores(result: rung.Result) -> list[tuple[int, tuple[float, float], float]]:
    rows = []
    for job in result.jobs:
        if job.failed or job.reached < 9:
            continue
        metrics = job.reports[-1].metrics
        rows.append((job.index, (metrics["f1"], metrics["f2"]), metrics["cost"]))
    return rows


@pytest.mark.parametrize("scheduler", SCHEDULERS)
def test_the_front_is_the_non_dominated_feasible_results_at_the_full_resource(scheduler):
    result = tuner(None, scheduler).run(max_trials=40)
    rows = full_resource_scores(result)
    feasible = [(index, y) for index, y, cost in rows if cost <= 1]
    assert feasible
    if scheduler == "fifo":  # the others rank infeasible results last: few reach the top
        assert len(feasible) < len(rows), "the run should see both kinds"
    mask = non_dominated(np.array([y for _, y in feasible]))
    expected = {index for (index, _), keep in zip(feasible, mask, strict=True) if keep}
    assert {point.job for point in result.pareto_front} == expected
    assert result.infeasible == len(rows) - len(feasible)
    # ordered by the first objective; the incumbent is the front's first
    f1 = [point.values["f1"] for point in result.pareto_front]
    assert f1 == sorted(f1)
    assert result.incumbent.job == result.pareto_front[0].job
    assert result.best_value == result.pareto_front[0].values["f1"]


@pytest.mark.parametrize("scheduler", ["fifo", "asha"])
def test_an_infeasible_result_is_never_the_incumbent(scheduler):
    def cheating(config, trial):
        for resource in range(trial.resource_from + 1, trial.resource_to + 1):
            # the best values are infeasible
            trial.report(resource, {"loss": config["x"], "latency": 10 - 10 * config["x"]})

    result = rung.tune(
        cheating, {"x": rung.uniform(0, 1)}, metric="loss", constraints={"latency": ("<=", 5)},
        scheduler=scheduler, max_resource=9, max_trials=30,
    )  # fmt: skip
    assert result.best_config["x"] >= 0.5
    assert result.best_at_any_resource.config["x"] >= 0.5
    assert all(point.metrics["latency"] <= 5 for point in result.pareto_front)
    assert result.infeasible > 0 or scheduler != "fifo"


def test_a_run_with_no_feasible_trial_says_so(caplog):
    def never(config):
        return {"loss": config["x"], "latency": 10.0}

    with caplog.at_level(logging.WARNING, logger="rung.run.tuner"):
        result = rung.tune(
            never, {"x": rung.uniform(0, 1)}, metric="loss", constraints=["latency<=1"],
            max_trials=5,
        )  # fmt: skip
    assert result.incumbent is None and result.pareto_front == () and result.infeasible == 5
    assert "No feasible trial found: all 5 results" in caplog.text
    assert "no feasible trial found: all 5 results" in format_summary(result)


def test_several_objectives_of_one_function_call():
    result = rung.tune(
        lambda c: {"a": c["x"], "b": 1 - c["x"], "c": c["x"] ** 2},
        {"x": rung.uniform(0, 1)},
        objectives="a:min,b:min,c:max",
        max_trials=12,
    )
    assert len(result.pareto_front) == 12  # a and b trade off exactly: all non-dominated
    assert set(result.pareto_front[0].values) == {"a", "b", "c"}
    assert result.spec.metric == "a" and result.spec.direction is rung.Direction.MIN


@pytest.mark.parametrize(
    ("objective", "message"),
    [
        (lambda c: {"f1": 1.0, "f2": 2.0}, r"need the metric\(s\) 'cost', but the objective "
         r"reported the metrics \['f1', 'f2'\]"),
        (lambda c: 1.0, "reported one value, not a mapping of metrics"),
        (lambda c: {"f2": 1.0, "cost": 0.0}, "the tuned metric 'f1' is not among"),
    ],
)  # fmt: skip
def test_a_metric_never_reported_fails_the_run_with_a_clear_error(objective, message):
    tuner = rung.Tuner(
        objective, rung.FIFO(rung.RandomSearcher({"x": rung.uniform(0, 1)})),
        objectives={"f1": "min", "f2": "min"}, constraints=["cost<=1"], max_retries=0,
    )  # fmt: skip
    with pytest.raises(TrialFailed, match=message):
        tuner.run(max_trials=10)


def test_bad_goals_are_refused_when_the_tuner_is_built():
    searcher = rung.RandomSearcher({"x": rung.uniform(0, 1)})
    with pytest.raises(ConfigError, match="objective 'b' must be 'min' or 'max'.*'sideways'"):
        rung.Tuner(lambda c: 0.0, rung.FIFO(searcher), objectives={"a": "min", "b": "sideways"})
    with pytest.raises(ConfigError, match="either 'metric'"):
        rung.Tuner(lambda c: 0.0, rung.FIFO(searcher), metric="a", objectives="a:min,b:min")
    with pytest.raises(ConfigError, match="need a named objective"):
        rung.Tuner(lambda c: 0.0, rung.FIFO(searcher), constraints=["a<=1"])
    with pytest.raises(ConfigError, match=r"must be '<=' or '>='; got '<'"):
        rung.tune(lambda c: 0.0, {"x": rung.uniform(0, 1)}, metric="a", constraints=["a<1"],
                  max_trials=1)  # fmt: skip


def test_a_single_objective_model_is_refused_and_bo_builds_the_right_searcher():
    space = {"x": rung.uniform(0, 1)}
    with pytest.raises(
        ConfigError, match=r"GPSearcher models one value.*EHVISearcher.*ParEGOSearcher\("
    ):
        rung.Tuner(lambda c: {}, rung.FIFO(rung.GPSearcher(space)), objectives="a:min,b:min")
    several = build_tuner(lambda c: {}, space, searcher="bo", objectives="a:min,b:min")
    assert type(several.scheduler.searcher).__name__ == "EHVISearcher"
    bounded = build_tuner(lambda c: {}, space, searcher="bo", metric="a", constraints=["b<=1"])
    assert type(bounded.scheduler.searcher).__name__ == "EHVISearcher"
    staged = build_tuner(
        lambda c: {}, space, searcher="bo", objectives="a:min,b:min", max_resource=9
    )
    assert type(staged.scheduler.searcher).__name__ == "EHVISearcher"
    assert staged.scheduler.searcher.levels == (1, 3, 9)  # it models every level
    assert staged.scheduler.adaptive  # brackets by how well each level ranks every objective
    one = build_tuner(lambda c: {}, space, searcher="bo", objectives={"a": "max"})
    assert type(one.scheduler.searcher).__name__ == "GPSearcher"  # one objective: plain BO
    assert one.direction is rung.Direction.MAX and one.metric == "a"


def sequence(result: rung.Result) -> list[tuple[Any, ...]]:
    return [(j.trial_id, j.resource_from, j.resource_to, j.value, j.decision) for j in result.jobs]


@pytest.mark.parametrize(
    ("scheduler", "searcher"),
    [("asha", "bo"), ("hyperband", "random"), ("sh", "bo"), ("async_hyperband", "random")],
)
def test_a_resumed_run_replays_to_the_uninterrupted_run(tmp_path, scheduler, searcher):
    kw = {"n_init": 3} if searcher == "bo" else {}
    with tempfile.TemporaryDirectory() as directory:
        reference = tuner(Path(directory) / "run", scheduler, searcher, **kw).run(max_jobs=36)
    tuner(tmp_path / "run", scheduler, searcher, **kw).run(max_jobs=14)
    resumed = tuner(tmp_path / "run", scheduler, searcher, **kw).resume(max_jobs=36)
    assert sequence(resumed) == sequence(reference)
    assert resumed.pareto_front == reference.pareto_front
    assert read_result(tmp_path / "run").pareto_front == reference.pareto_front


def test_resuming_with_other_objectives_or_constraints_is_refused(tmp_path):
    tuner(tmp_path / "run").run(max_trials=3)
    other = build_tuner(
        constrained, PROBLEM.space, scheduler="asha", min_resource=1, max_resource=9,
        objectives={"f1": "min", "f2": "max"}, constraints=["cost<=1"], seed=2,
    )  # fmt: skip
    with pytest.raises(StoreError, match="objectives: recorded"):
        other.resume(tmp_path / "run")
    looser = build_tuner(
        constrained, PROBLEM.space, scheduler="asha", min_resource=1, max_resource=9,
        objectives={"f1": "min", "f2": "min"}, constraints=["cost<=2"], seed=2,
    )  # fmt: skip
    with pytest.raises(StoreError, match="constraints: recorded"):
        looser.resume(tmp_path / "run")


def test_the_fronts_checkpoints_are_kept_and_load(tmp_path):
    result = tuner(tmp_path / "run", "asha").run(max_trials=40)
    assert len(result.pareto_front) >= 2
    for point in result.pareto_front:
        assert load_checkpoint(tmp_path / "run", point.trial_id) == {"steps": 9}
    on_front = {point.trial_id for point in result.pareto_front}
    others = [t.trial_id for t in result.trials if t.trial_id not in on_front and t.resource == 9]
    assert others
    for trial_id in others:
        with pytest.raises(StoreError, match=f"No checkpoint of trial {trial_id}"):
            load_checkpoint(tmp_path / "run", trial_id)


def test_results_json_and_the_summary_show_the_front(tmp_path):
    result = tuner(tmp_path / "run", "asha").run(max_trials=60)
    write_results(result, tmp_path / "run")
    summary = json.loads((tmp_path / "run" / "results.json").read_text())["summary"]
    assert summary["objectives"] == [
        {"name": "f1", "direction": "min"},
        {"name": "f2", "direction": "min"},
    ]
    assert summary["constraints"] == [{"metric": "cost", "comparison": "<=", "bound": 1.0}]
    assert summary["feasible_found"] is True
    assert [p["trial_id"] for p in summary["pareto_front"]] == [
        p.trial_id for p in result.pareto_front
    ]
    assert not any(math.isnan(v) for p in summary["pareto_front"] for v in p["values"].values())
    text = format_summary(read_result(tmp_path / "run"))
    assert "objectives: minimize f1, f2; subject to cost<=1" in text
    n = len(result.pareto_front)
    assert f"Pareto front: {n} trial{'s' if n != 1 else ''} at the full resource" in text


@pytest.mark.parametrize(
    ("n_infeasible", "line"),
    [(1, "1 result at the full resource was"), (2, "2 results at the full resource were")],
)
def test_the_summary_counts_infeasible_results_in_words(n_infeasible, line):
    def objective(config):
        return {"loss": config["x"], "latency": 10.0 if config["i"] < n_infeasible else 0.0}

    space = {"x": rung.uniform(0, 1), "i": rung.choice([0, 1, 2, 3])}
    result = rung.tune(
        objective,
        space,
        metric="loss",
        constraints=["latency<=1"],
        searcher="random",
        initial_config=[{"x": 0.5, "i": i} for i in range(4)],
        max_trials=4,
    )
    assert result.infeasible == n_infeasible
    assert f"{line} infeasible" in format_summary(result)
