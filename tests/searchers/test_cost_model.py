"""The cost model: log seconds per resource unit, learned from job durations."""

from __future__ import annotations

import math

import numpy as np
import pytest

from rung.searchers._cost_model import CostModel


def _fill(model: CostModel, n: int, seconds, seed: int = 0) -> None:
    rng = np.random.default_rng(seed)
    for _ in range(n):
        u = rng.random(model.n_features)
        level = float(rng.random())
        model.add(u, level, seconds(u, level, rng), units=3)


def test_learns_a_cost_that_grows_with_one_parameter():
    model = CostModel(3)
    _fill(model, 60, lambda u, s, rng: 40.0 ** u[1] * (1 + 0.05 * rng.random()))
    assert model.ready and model.r_squared() > 0.9
    cheap, dear = np.array([[0.5, 0.1, 0.5]]), np.array([[0.5, 0.9, 0.5]])
    gap = model.log_cost(dear)[0][0] - model.log_cost(cheap)[0][0]
    assert gap == pytest.approx(0.8 * math.log(40.0), rel=0.15)
    # The gradient points along the parameter that costs.
    grad = model.log_cost(np.array([[0.5, 0.5, 0.5]]))[1][0]
    assert grad[1] > 5 * max(abs(grad[0]), abs(grad[2]))


def test_the_level_shifts_costs_but_not_their_ranking():
    # Later epochs cost more (mf-prior-bench's quadratic fidelity cost), whatever the config.
    model = CostModel(2)
    _fill(model, 80, lambda u, s, rng: (1 + 10 * s) * 4.0 ** u[0])
    values = model.log_cost(np.array([[0.2, 0.5], [0.8, 0.5]]))[0]
    assert values[1] - values[0] == pytest.approx(0.6 * math.log(4.0), rel=0.2)


def test_timer_noise_is_not_modelled():
    model = CostModel(4)
    _fill(model, 80, lambda u, s, rng: 1e-5 * (1 + rng.random()))
    assert not model.ready
    with pytest.raises(LookupError):
        model.log_cost(np.zeros((1, 4)))


def test_durations_too_short_to_matter_are_not_modelled():
    """Milliseconds that follow the configuration perfectly: still not worth a model (no
    choice saves the time of a suggestion), so the search stays reproducible."""
    model = CostModel(2)
    _fill(model, 80, lambda u, s, rng: 1e-4 * 10.0 ** u[0])
    assert model.r_squared() > 0.9 and not model.ready
    slow = CostModel(2)
    _fill(slow, 80, lambda u, s, rng: 0.1 * 10.0 ** u[0])
    assert slow.ready


def test_needs_twice_as_many_durations_as_weights():
    model = CostModel(4)  # 2 * 4 + 3 = 11 weights
    _fill(model, 21, lambda u, s, rng: 10.0 ** u[0])
    assert not model.ready
    _fill(model, 1, lambda u, s, rng: 10.0 ** u[0], seed=1)
    assert model.ready


def test_bad_durations_are_ignored_and_predictions_stay_in_the_observed_range():
    model = CostModel(1)
    for seconds in (0.0, -1.0, math.nan, math.inf):
        model.add(np.array([0.5]), 0.0, seconds, units=1)
    assert model.n_observations == 0
    for u in np.linspace(0.4, 0.6, 30):
        model.add(np.array([u]), 0.0, math.exp(10 * u), units=1)
    far = model.log_cost(np.array([[0.0], [1.0]]))
    assert far[0][0] >= 4.0 - 1e-9 and far[0][1] <= 6.0 + 1e-9
    assert np.all(far[1] == 0.0)  # clipped: no gradient


def test_durations_that_follow_the_level_alone_are_not_modelled():
    model = CostModel(3)
    _fill(model, 80, lambda u, s, rng: (1 + 10 * s) * (1 + 0.2 * rng.random()))
    assert not model.ready
