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
