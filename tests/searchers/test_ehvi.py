"""Expected hypervolume improvement: the box decomposition, the exact expectation and its
gradient, and the searcher's own behaviour (multi-fidelity levels, pending, constraints)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import rung
from rung.objectives import Score
from rung.pareto import hypervolume
from rung.searchers._acquisition import expected_improvement
from rung.searchers._ehvi import box_decomposition, expected_hypervolume_improvement, front_cap
from rung.searchers._gp_model import fit_gaussian_process
from rung.searchers.ehvi import EHVISearcher

fronts = st.integers(1, 3).flatmap(
    lambda m: st.lists(
        st.lists(st.floats(0.0, 1.0), min_size=m, max_size=m), min_size=0, max_size=8
    )
)


@settings(max_examples=60, deadline=None)
@given(fronts)
def test_the_boxes_tile_exactly_what_the_front_leaves(points):
    """The boxes (clipped to a bounding box) are disjoint and their volume is the free part
    of the box below the reference: its volume less the front's hypervolume."""
    m = len(points[0]) if points else 2
    front = np.array(points, dtype=float).reshape(-1, m)
    reference = np.full(m, 1.2)
    lower, upper = box_decomposition(front, reference)
    floor = -0.5  # every box's -inf lower bound, clipped here
    clipped = np.maximum(lower, floor)
    volume = np.prod(upper - clipped, axis=1).sum()
    total = (1.2 - floor) ** m
    shifted = front if len(front) else np.zeros((0, m))
    dominated = hypervolume(shifted, reference) if len(front) else 0.0
    assert volume == pytest.approx(total - dominated, rel=1e-9, abs=1e-9)
    for i in range(len(lower)):  # pairwise disjoint
        overlap = np.minimum(upper[i], upper[i + 1 :]) - np.maximum(clipped[i], clipped[i + 1 :])
        assert not np.any(np.all(overlap > 1e-12, axis=1))


@pytest.mark.parametrize("m", [1, 2, 3])
def test_ehvi_is_the_mean_hypervolume_improvement(m):
    rng = np.random.default_rng(m)
    front, reference = rng.random((6, m)), np.full(m, 1.2)
    means, stds = rng.random((3, m)), 0.1 + 0.3 * rng.random((3, m))
    value = expected_hypervolume_improvement(means, stds, *box_decomposition(front, reference))[0]
    base = hypervolume(front, reference)
    draws = rng.standard_normal((4000, m))
    for i in range(3):
        samples = means[i] + stds[i] * draws
        gains = [hypervolume(np.vstack([front, y]), reference) - base for y in samples]
        sem = np.std(gains) / math.sqrt(len(gains))
        assert abs(value[i] - np.mean(gains)) < 4 * sem + 1e-9


def test_one_objective_ehvi_is_expected_improvement():
    X = np.random.default_rng(0).random((8, 2))
    y = np.sin(4 * X[:, 0]) + X[:, 1]
    gp = fit_gaussian_process(X, y)
    x = np.random.default_rng(1).random((5, 2))
    mean, var = gp.predict(x)
    boxes = box_decomposition(y[:, None], np.array([y.max() + 1.0]))
    ehvi = expected_hypervolume_improvement(mean[:, None], np.sqrt(var)[:, None], *boxes)[0]
    np.testing.assert_allclose(ehvi, expected_improvement(gp, x, float(y.min()))[0], rtol=1e-6)


def test_the_gradient_matches_finite_differences():
    rng = np.random.default_rng(3)
    boxes = box_decomposition(rng.random((5, 3)), np.full(3, 1.1))
    means, stds = rng.random((4, 3)), 0.1 + 0.2 * rng.random((4, 3))
    value, d_mean, d_std = expected_hypervolume_improvement(means, stds, *boxes)
    step = 1e-6
    for j in range(3):
        bumped = means.copy()
        bumped[:, j] += step
        numeric = (expected_hypervolume_improvement(bumped, stds, *boxes)[0] - value) / step
        np.testing.assert_allclose(d_mean[:, j], numeric, rtol=1e-4, atol=1e-8)
        bumped = stds.copy()
        bumped[:, j] += step
        numeric = (expected_hypervolume_improvement(means, bumped, *boxes)[0] - value) / step
        np.testing.assert_allclose(d_std[:, j], numeric, rtol=1e-4, atol=1e-8)


def test_the_front_cap_bounds_the_boxes():
    assert front_cap(2) == 2047 and front_cap(3) == 44 and front_cap(4) == 11
    for m in (2, 3, 4):
        front = np.random.default_rng(m).random((front_cap(m), m))
        assert len(box_decomposition(front, np.full(m, 2.0))[0]) <= 2048


SPACE = {"x": rung.uniform(0, 1), "y": rung.uniform(0, 1)}


def zdt1(config, resource=None):
    x, y = config["x"], config["y"]
    g = 1 + 9 * y + (0.0 if resource is None else 1.0 / resource)
    return Score((x, g * (1 - math.sqrt(x / g))))


def test_every_level_is_modelled_inside_a_multi_fidelity_scheduler():
    searcher = EHVISearcher(SPACE, seed=0, n_init=3)
    asha = rung.ASHA(searcher, min_resource=1, max_resource=9, eta=3)
    asha.use_scores()
    for _ in range(25):
        job = asha.next_job()
        asha.on_result(job, zdt1(job.config, job.resource_to))
    assert searcher.levels == (1, 3, 9)
    assert set(np.unique(searcher.table.resources)) >= {1.0, 3.0}
    X, _, level = searcher.training_data(1)
    assert X.shape[1] == searcher.features.n_features + 1  # configuration and level
    assert len(np.unique(X[:, -1])) >= 2 and 0.0 <= level <= 1.0


def test_pending_configurations_spread_the_next_suggestions():
    """Four workers asking at once get four different configurations, away from each
    other more than the model's single best point would allow."""
    searcher = EHVISearcher(SPACE, seed=1, n_init=4)
    for _ in range(10):
        config = searcher.suggest()
        searcher.observe(config, zdt1(config))
    batch = np.array([[c["x"], c["y"]] for c in (searcher.suggest() for _ in range(4))])
    gaps = np.linalg.norm(batch[:, None] - batch[None], axis=2)[np.triu_indices(4, 1)]
    assert gaps.min() > 1e-3


def test_suggestions_move_to_the_feasible_region_and_stay():
    """Two objectives, feasible only for x >= 0.7: after the random start, most model
    suggestions are feasible (random search: 30 %)."""

    def bounded(config):
        return Score(zdt1(config).objectives, ((0.7 - config["x"]) / 0.7,))

    searcher = EHVISearcher(SPACE, seed=2, n_init=4)
    feasible = []
    for i in range(24):
        config = searcher.suggest()
        searcher.observe(config, bounded(config))
        if i >= 4:
            feasible.append(config["x"] >= 0.7)
    assert np.mean(feasible) > 0.6


def test_the_default_run_with_several_objectives_finds_a_front():
    """``rung.tune`` with two objectives and a resource: asynchronous Hyperband with this
    searcher (the defaults), a front of several full-resource trials."""

    def objective(config, reporter):
        for epoch in range(1, 10):
            score = zdt1(config, epoch)
            reporter.report(epoch, {"f1": score.objectives[0], "f2": score.objectives[1]})

    result = rung.tune(objective, SPACE, max_resource=9, objectives="f1:min,f2:min",
                       seed=3, max_trials=30, n_init=4)  # fmt: skip
    assert result.spec.searcher == "EHVISearcher" and result.spec.scheduler == "AsyncHyperband"
    assert len(result.pareto_front) >= 3


@pytest.mark.parametrize(("m", "scalarised"), [(2, False), (3, True)])
def test_three_objectives_alternate_with_a_scalarisation_two_do_not(m, scalarised):
    """With three objectives or more, two suggestions in three maximize EI of a random
    Chebyshev scalarisation, whose GP is kept beside the objectives' (module docstring)."""
    from rung.searchers.ehvi import _SCALAR

    space = {f"x{i}": rung.uniform(0, 1) for i in range(3)}
    searcher = EHVISearcher(space, seed=0, n_init=3)
    for _ in range(9):
        config = searcher.suggest()
        x = np.array(list(config.values()))
        searcher.observe(config, Score(tuple(np.roll(x, k)[0] + x.sum() for k in range(m))))
    assert (_SCALAR in searcher._fitted) is scalarised
    assert set(range(m)) <= set(searcher._fitted)


@pytest.mark.parametrize("initial", [None, {"x": 0.5, "y": 0.5}])
def test_the_first_configurations_form_one_latin_hypercube(initial):
    """Suggested before any result (several workers starting at once), the n_init
    configurations before the models put one value in each of n_init equal strata of
    every parameter (independent draws would on 1.5 % of seeds); a given initial
    configuration counts as one of them, and the design covers the others."""
    n_init = 6
    searcher = EHVISearcher(SPACE, seed=5, n_init=n_init, initial_config=initial)
    configs = [searcher.suggest() for _ in range(n_init)]
    designed = configs[1:] if initial else configs
    for name in SPACE:
        strata = sorted(int(c[name] * len(designed)) for c in designed)
        assert strata == list(range(len(designed)))
