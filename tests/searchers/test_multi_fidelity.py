"""MultiFidelityGPSearcher: one GP over configuration and resource, pending- and cost-aware."""

from __future__ import annotations

import logging
import math
from pathlib import Path

import numpy as np
import pytest

import rung
import rung.searchers.multi_fidelity as mf_module
from rung.executors.simulated import SimulatedExecutor
from rung.run.factory import build_tuner
from rung.schedulers import ASHA, FIFO, AsyncHyperband, Hyperband
from rung.searchers.multi_fidelity import MultiFidelityGPSearcher
from rung.space import uniform
from rung.types import JobStatus

SPACE = {"x": uniform(0.0, 1.0), "y": uniform(0.0, 1.0)}


def curve(config, resource: int, top: int = 27) -> float:
    """Low resources are biased but rank like the top: minimum at x = 0.3, y = 0.7."""
    full = (config["x"] - 0.3) ** 2 + (config["y"] - 0.7) ** 2
    return full + 0.5 * (1 - resource / top)


def test_schedulers_tell_it_their_levels():
    searcher = MultiFidelityGPSearcher(SPACE, seed=0)
    ASHA(searcher, 1, 27, eta=3)
    assert searcher.levels == (1, 3, 9, 27)
    assert searcher.fidelity([1, 3, 9, 27, None]) == pytest.approx([0, 1 / 3, 2 / 3, 1, 1])
    Hyperband(searcher, 2, 18, eta=3)
    assert searcher.levels == (2, 6, 18)


def test_without_levels_the_observed_range_sets_the_fidelity():
    searcher = MultiFidelityGPSearcher(SPACE, seed=0)
    assert searcher.fidelity([None]) == pytest.approx([1.0])
    searcher.observe({"x": 0.1, "y": 0.1}, 1.0, resource=2)
    searcher.observe({"x": 0.2, "y": 0.1}, 1.0, resource=8)
    assert searcher.fidelity([2, 4, 8]) == pytest.approx([0, 0.5, 1])


def test_low_resource_observations_alone_steer_the_search():
    # No configuration has reached the top; the model still predicts it from the rest.
    searcher = MultiFidelityGPSearcher(SPACE, seed=1, n_init=5)
    searcher.set_levels([1, 3, 9, 27])
    rng = np.random.default_rng(0)
    for _ in range(30):
        config = {"x": float(rng.random()), "y": float(rng.random())}
        searcher.observe(config, curve(config, 1), resource=1)
        searcher.observe(config, curve(config, 3), resource=3)
    suggestions = []
    for _ in range(5):
        config = searcher.suggest()
        suggestions.append(config)
        searcher.observe(config, curve(config, 1), resource=1)
    distances = [math.hypot(c["x"] - 0.3, c["y"] - 0.7) for c in suggestions]
    assert np.median(distances) < 0.15


def test_the_gp_is_fitted_on_at_most_max_points_and_keeps_the_top_level():
    searcher = MultiFidelityGPSearcher(SPACE, seed=0, max_points=60)
    asha = ASHA(searcher, 1, 27, eta=3)
    rng = np.random.default_rng(0)
    for i in range(1000):  # 1,000 observations across the levels, as ASHA makes them
        config = {"x": float(rng.random()), "y": float(rng.random())}
        resource = asha.levels[min(3, int(rng.geometric(0.6)) - 1)]
        searcher.observe(config, curve(config, resource) + 0.01 * i / 1000, resource=resource)
    assert searcher.table.n_rows == 1000  # memory: one row per (configuration, resource)
    X, y, level = searcher.training_data()
    top = int(np.sum(searcher.table.resources == 27))
    assert level == 1.0
    assert len(X) == 60 and len(y) == 60
    assert np.sum(X[:, -1] == 1.0) >= min(top, 30)  # full-resource rows first, up to half
    searcher.suggest()
    assert len(searcher._fitted[0].X) == 60


def test_pending_configurations_keep_parallel_suggestions_apart():
    searcher = MultiFidelityGPSearcher(SPACE, seed=3, n_init=4)
    searcher.set_levels([1, 3, 9])
    rng = np.random.default_rng(1)
    for _ in range(20):
        config = {"x": float(rng.random()), "y": float(rng.random())}
        searcher.observe(config, curve(config, 3, top=9), resource=3)
    batch = [searcher.suggest() for _ in range(6)]  # six workers, no result yet
    assert searcher.pending == batch
    points = np.array([[c["x"], c["y"]] for c in batch])
    gaps = [np.linalg.norm(a - b) for i, a in enumerate(points) for b in points[i + 1 :]]
    assert min(gaps) > 1e-4  # without the believers they coincide to 1e-10


def test_a_repeated_observation_replaces_the_value_at_its_level():
    searcher = MultiFidelityGPSearcher(SPACE, seed=0)
    config = {"x": 0.5, "y": 0.5}
    searcher.observe(config, 1.0, resource=3)
    searcher.observe(config, 2.0, resource=3)
    searcher.observe(config, 0.5, resource=9)
    assert searcher.table.n_rows == 2 and sorted(searcher.table.values) == [0.5, 2.0]


def test_failures_are_imputed_as_the_worst_value_of_their_level():
    searcher = MultiFidelityGPSearcher(SPACE, seed=0)
    searcher.set_levels([1, 3])
    values = {1: [1.0, 2.0, math.nan], 3: [0.5, math.inf]}
    for resource, level_values in values.items():
        for i, value in enumerate(level_values):
            searcher.observe({"x": 0.1 * i + 0.05 * resource, "y": 0.2}, value, resource=resource)
    X, y, _ = searcher.training_data()
    assert sorted(y[X[:, -1] == 0].tolist()) == [1.0, 2.0, 2.0]
    assert sorted(y[X[:, -1] == 1].tolist()) == [0.5, 0.5]


def test_numerical_failure_falls_back_to_random_with_a_warning(monkeypatch, caplog):
    searcher = MultiFidelityGPSearcher(SPACE, seed=0, n_init=2)
    for i in range(4):
        searcher.observe({"x": 0.2 * i, "y": 0.5}, float(i), resource=None)

    def broken(*args, **kwargs):
        raise np.linalg.LinAlgError("not positive definite")

    monkeypatch.setattr(mf_module, "fit_gaussian_process", broken)
    with caplog.at_level(logging.WARNING):
        config = searcher.suggest()
    assert searcher.space.validate(config) == config
    assert "fell back to a random configuration" in caplog.text


def _cost_aware_run(cost_exponent: float, seed: int) -> list[float]:
    """ASHA on a function flat in ``y`` whose epochs cost ``40**y``: the y of each trial."""
    searcher = MultiFidelityGPSearcher(SPACE, seed=seed, n_init=5, cost_exponent=cost_exponent)
    asha = ASHA(searcher, 1, 9, eta=3)
    for _ in range(80):
        job = asha.next_job()
        value = (job.config["x"] - 0.3) ** 2 + 0.3 * (1 - job.resource_to / 9)
        seconds = (job.resource_to - job.resource_from) * 40.0 ** job.config["y"]
        asha.on_result(job, value, seconds=seconds)
    return [config["y"] for config in asha.configs.values()][20:]


def test_cost_awareness_favours_cheap_configurations_when_value_does_not_differ():
    cheap = np.mean([np.mean(_cost_aware_run(1.0, seed)) for seed in range(2)])
    blind = np.mean([np.mean(_cost_aware_run(0.0, seed)) for seed in range(2)])
    assert cheap < 0.25 < blind


def test_durations_reach_the_searcher_through_the_tuner():
    def objective(config, resource):
        return curve(config, resource, top=9), 2.0 + config["y"]

    searcher = MultiFidelityGPSearcher(SPACE, seed=0)
    scheduler = ASHA(searcher, 1, 9, eta=3)
    result = rung.Tuner(objective, scheduler, executor=SimulatedExecutor(2)).run(max_jobs=12)
    done = [j for j in result.jobs if j.status is JobStatus.COMPLETED]
    assert [o.seconds for o in searcher.observations] == pytest.approx(
        [j.end - j.start for j in done]
    )


def _costly_tuner(directory: Path, cost_exponent: float = 1.0) -> rung.Tuner:
    def objective(config, resource):
        return curve(config, resource, top=9), 40.0 ** config["y"]

    searcher = MultiFidelityGPSearcher(SPACE, seed=5, n_init=3, cost_exponent=cost_exponent)
    scheduler = AsyncHyperband(searcher, 1, 9, eta=3, seed=6, eager_promotion=True)
    executor = SimulatedExecutor(1, decision_time=False)  # one: nothing runs at the stop
    return rung.Tuner(objective, scheduler, executor=executor, seed=7, directory=directory)


def _sequence(result: rung.Result) -> list[tuple]:
    return [(j.trial_id, j.resource_from, j.resource_to, j.value, j.status) for j in result.jobs]


def test_a_resumed_cost_aware_run_replays_its_durations_and_goes_on_as_before(tmp_path):
    reference = _sequence(_costly_tuner(tmp_path / "reference").run(max_jobs=40))
    _costly_tuner(tmp_path / "run").run(max_jobs=17)
    resumed = _costly_tuner(tmp_path / "run").resume(max_jobs=40)
    assert _sequence(resumed) == reference
    assert len({j.trial_id for j in resumed.jobs}) > 15


@pytest.mark.parametrize("scheduler", ["fifo", "sh", "hyperband", "asha", "async_hyperband"])
def test_bo_means_this_searcher_inside_every_multi_fidelity_scheduler(scheduler):
    def objective(config, trial):
        for r in range(trial.resource_from + 1, trial.resource_to + 1):
            trial.report(r, curve(config, r, top=9))

    tuner = build_tuner(
        objective, SPACE, searcher="bo", scheduler=scheduler, max_resource=9, n_init=3
    )
    expected = rung.GPSearcher if scheduler == "fifo" else MultiFidelityGPSearcher
    assert type(tuner.scheduler.searcher) is expected
    result = tuner.run(max_trials=12)
    assert result.n_trials == 12 and result.best_value < 0.5


def test_bad_arguments_are_refused():
    with pytest.raises(TypeError, match="'max_points'"):
        MultiFidelityGPSearcher(SPACE, max_points=10.5)
    with pytest.raises(ValueError, match="'max_points'.*>= 10"):
        MultiFidelityGPSearcher(SPACE, max_points=5)
    with pytest.raises(ValueError, match="'cost_exponent'.*>= 0 and <= 2; got -1"):
        MultiFidelityGPSearcher(SPACE, cost_exponent=-1)
    with pytest.raises(TypeError, match="'cost_exponent'"):
        MultiFidelityGPSearcher(SPACE, cost_exponent="1")


def test_fifo_makes_it_single_fidelity_bo():
    searcher = MultiFidelityGPSearcher(SPACE, seed=0, n_init=3)
    fifo = FIFO(searcher, max_resource=9)
    for _ in range(8):
        job = fifo.next_job()
        fifo.on_result(job, curve(job.config, 9, top=9), seconds=1.0)
    X, _, level = searcher.training_data()
    assert np.all(X[:, -1] == 1.0) and len(X) == 8 and level == 1.0
