"""Warm start: a new run's searcher learns from an earlier experiment's results."""

from __future__ import annotations

from pathlib import Path

import pytest

import rung

SPACE = {"x": rung.uniform(-5, 5), "y": rung.uniform(-5, 5)}


def bowl(config):
    return (config["x"] - 1) ** 2 + (config["y"] + 2) ** 2


def test_a_warm_started_searcher_observes_the_earlier_results(tmp_path: Path) -> None:
    earlier = rung.tune(bowl, SPACE, searcher="bo", max_trials=15, seed=0, directory=tmp_path)
    tuner = rung.run.factory.build_tuner(bowl, SPACE, searcher="bo", seed=1, warm_start=tmp_path)
    searcher = tuner.scheduler.searcher
    assert len(searcher.observations) == 15
    assert {tuple(o.config.items()) for o in searcher.observations} == {
        tuple(t.config.items()) for t in earlier.trials
    }
    result = tuner.run(max_trials=5)
    cold = rung.tune(bowl, SPACE, searcher="bo", max_trials=5, seed=1)
    assert result.best_value < cold.best_value  # BO modelled from its first suggestion
    assert not {tuple(t.config.items()) for t in result.trials} & {
        tuple(t.config.items()) for t in earlier.trials
    }


def test_a_warm_start_from_another_space_is_refused(tmp_path: Path) -> None:
    earlier = rung.tune(bowl, SPACE, max_trials=3, seed=0)
    other = {"x": rung.uniform(-5, 5), "y": rung.uniform(0, 5)}
    with pytest.raises(rung.ConfigError, match="another space.*y: uniform"):
        rung.tune(bowl, other, max_trials=1, warm_start=earlier)
    with pytest.raises(rung.ConfigError, match="direction"):
        rung.tune(bowl, SPACE, max_trials=1, warm_start=earlier, direction="max")


def test_a_warm_start_from_a_record_of_tuple_choices(tmp_path: Path) -> None:
    space = {"shape": rung.choice([(32, 32), (64, 16)]), "x": rung.uniform(0, 1)}

    def objective(config):
        return sum(config["shape"]) * config["x"]

    rung.tune(objective, space, searcher="bo", max_trials=6, seed=0, directory=tmp_path)
    tuner = rung.run.factory.build_tuner(objective, space, seed=1, warm_start=tmp_path)
    observed = tuner.scheduler.searcher.observations
    assert len(observed) == 6 and all(isinstance(o.config["shape"], tuple) for o in observed)
    assert tuner.run(max_trials=2).n_trials == 2


def two_metrics(config, trial):
    for epoch in range(trial.resource_from + 1, trial.resource_to + 1):
        trial.report(epoch, {"a": config["x"] + 1 / epoch, "b": abs(config["y"]), "c": config["x"]})


GOALS = {"objectives": {"a": "min", "b": "min"}, "constraints": ["c<=4"]}


def test_a_run_of_several_objectives_warm_starts_from_one_with_the_same_goals(
    tmp_path: Path,
) -> None:
    earlier = rung.tune(
        two_metrics, SPACE, scheduler="asha", max_resource=3, max_trials=8, seed=0, **GOALS
    )
    full = [job for job in earlier.jobs if job.reached == 3]
    tuner = rung.run.factory.build_tuner(
        two_metrics, SPACE, scheduler="asha", max_resource=3, seed=1, warm_start=earlier, **GOALS
    )
    observed = tuner.scheduler.searcher.observations
    assert len(observed) == len(full) > 0
    # each observation is the earlier result's Score: both objectives and the slack
    by_config = {tuple(o.config.items()): o.value for o in observed}
    for job in full:
        metrics = job.reports[-1].metrics
        score = by_config[tuple(job.config.items())]
        assert score.objectives == (metrics["a"], metrics["b"])
        assert score.feasible is (metrics["c"] <= 4)
    assert tuner.run(max_trials=2).n_trials == 2


def test_earlier_results_are_scored_under_this_runs_goals_from_what_they_reported(
    tmp_path: Path,
) -> None:
    """Whatever the earlier run optimized (here the metric 'a' alone), each result's
    Score is this run's, made of the metrics it reported; without them it is refused."""
    earlier = rung.tune(
        two_metrics, SPACE, scheduler="asha", max_resource=3, max_trials=6, seed=0, metric="a"
    )
    goals = {"objectives": {"a": "min", "b": "max"}, "constraints": ["c>=0"]}
    tuner = rung.run.factory.build_tuner(
        two_metrics, SPACE, scheduler="asha", max_resource=3, seed=1, warm_start=earlier, **goals
    )
    full = [job for job in earlier.jobs if job.reached == 3]
    by_config = {tuple(o.config.items()): o.value for o in tuner.scheduler.searcher.observations}
    assert len(by_config) == len(full) > 0
    for job in full:
        metrics = job.reports[-1].metrics
        score = by_config[tuple(job.config.items())]
        assert score.objectives == (metrics["a"], -metrics["b"])  # b maximized here
        assert score.feasible is (metrics["c"] >= 0)
    plain = rung.tune(bowl, SPACE, max_trials=3, seed=0)  # one number, no metrics by name
    with pytest.raises(rung.ConfigError, match="do not report 'a', 'b', which this run"):
        rung.tune(bowl, SPACE, max_trials=1, objectives={"a": "min", "b": "min"}, warm_start=plain)


def test_a_warm_start_from_a_run_that_tuned_another_metric_is_refused(tmp_path: Path) -> None:
    earlier = rung.tune(
        two_metrics, SPACE, scheduler="asha", max_resource=3, max_trials=3, seed=0, **GOALS
    )
    with pytest.raises(rung.ConfigError, match="tuned the metric 'a', this one 'b'"):
        rung.tune(
            two_metrics, SPACE, scheduler="asha", max_resource=3, max_trials=1, metric="b",
            warm_start=earlier,
        )  # fmt: skip
    # the first objective is the tuned metric: a run of that metric learns its values
    result = rung.tune(
        two_metrics, SPACE, scheduler="asha", max_resource=3, max_trials=1, metric="a",
        warm_start=earlier,
    )  # fmt: skip
    assert result.n_trials == 1
