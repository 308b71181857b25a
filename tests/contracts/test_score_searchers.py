"""The contract of searchers that take Scores (several objectives, constraints), run against
each: random search, ParEGO over the GP searcher, and expected hypervolume improvement
with constraints."""

from __future__ import annotations

import math

import numpy as np
import pytest

import rung
from rung.objectives import Score
from rung.pareto import hypervolume

SPACE = {"x": rung.uniform(0, 1), "y": rung.uniform(0, 1), "k": rung.choice(["a", "b"])}


def random_searcher(space, **kwargs):
    return rung.RandomSearcher(space, **kwargs)


def parego_searcher(space, **kwargs):
    seed = kwargs.pop("seed", None)
    return rung.ParEGOSearcher(rung.GPSearcher(space, n_init=4, seed=seed, **kwargs), seed=seed)


def ehvi_searcher(space, **kwargs):
    return rung.EHVISearcher(space, n_init=4, **kwargs)


FACTORIES = [random_searcher, parego_searcher, ehvi_searcher]


@pytest.fixture(params=FACTORIES, ids=lambda f: f.__name__)
def factory(request):
    return request.param


def zdt1(config, resource=None):
    """ZDT1 in two variables, ``k`` shifting the second objective, and a constraint
    ``x + y >= 0.3`` that holds on most of the space."""
    x, y = config["x"], config["y"]
    g = 1 + 9 * y + (0.2 if config.get("k") == "b" else 0.0)
    f2 = g * (1 - math.sqrt(x / g))
    if resource is not None:
        f2 += 0.5 / resource
    return Score((x, f2), ((0.3 - x - y) / 0.3,))


def drive(searcher, n, objective=zdt1):
    configs = []
    for _ in range(n):
        config = searcher.suggest()
        configs.append(config)
        searcher.observe(config, objective(config))
    return configs


def test_scores_are_taken_and_suggestions_stay_valid(factory):
    searcher = factory(SPACE, seed=0)
    assert searcher.takes_scores
    for config in drive(searcher, 10):
        assert searcher.space.validate(config) == config


def test_failed_and_infeasible_scores_are_accepted(factory):
    searcher = factory(SPACE, seed=0)
    for i in range(9):
        config = searcher.suggest()
        score = [Score.failed(2, 1), Score((1.0, 1.0), (math.nan,)), zdt1(config)][i % 3]
        searcher.observe(config, score)
    assert searcher.space.validate(searcher.suggest())


def test_all_failed_scores_still_give_suggestions(factory):
    searcher = factory(SPACE, seed=0)
    for _ in range(6):
        searcher.observe(searcher.suggest(), Score.failed(2, 1))
    assert searcher.space.validate(searcher.suggest())


def test_multi_fidelity_scores_are_accepted(factory):
    searcher = factory(SPACE, seed=0)
    for _ in range(6):
        config = searcher.suggest()
        for resource in (1, 3, 9):
            searcher.observe(config, zdt1(config, resource), resource=resource)
    assert searcher.space.validate(searcher.suggest())


def test_pending_suggestions_are_tracked_and_never_repeated(factory):
    searcher = factory(SPACE, seed=0)
    drive(searcher, 6)
    batch = [searcher.suggest() for _ in range(6)]  # six workers, no results yet
    assert searcher.pending == batch
    assert len({searcher.space.key(c) for c in batch}) == 6
    searcher.observe(batch[2], zdt1(batch[2]))
    assert searcher.pending == batch[:2] + batch[3:]


def test_same_seed_same_suggestions(factory):
    runs = [drive(factory(SPACE, seed=4), 9) for _ in range(2)]
    assert runs[0] == runs[1]
    assert drive(factory(SPACE, seed=5), 9) != runs[0]


def test_a_replayed_suggestion_is_the_recorded_one_and_pending(factory):
    """A resumed run replays the recorded configuration in place of the proposal."""
    a, b = factory(SPACE, seed=1), factory(SPACE, seed=1)
    recorded = {"x": 0.25, "y": 0.75, "k": "b"}
    for searcher in (a, b):
        drive(searcher, 6)
        searcher.replay_next(recorded)
        assert searcher.suggest() == recorded
        assert searcher.pending == [recorded]
        inner = getattr(searcher, "inner", None)
        assert inner is None or inner.pending == [recorded]  # ParEGO's model knows it too
    assert a.suggest() == b.suggest()


def test_the_tuner_seed_is_adopted(factory):
    built, adopted = factory(SPACE, seed=7), factory(SPACE)
    adopted.adopt_seed(7)
    assert drive(built, 7) == drive(adopted, 7)


def test_single_objective_searchers_refuse_scores():
    gp = rung.GPSearcher(SPACE, seed=0)
    with pytest.raises(TypeError, match="GPSearcher models one value.*ParEGOSearcher"):
        gp.observe(gp.suggest(), Score((1.0, 2.0)))


def test_parego_wraps_only_a_fresh_single_objective_searcher():
    used = rung.GPSearcher(SPACE, seed=0)
    used.suggest()
    with pytest.raises(rung.ConfigError, match="must be a fresh searcher"):
        rung.ParEGOSearcher(used)
    # a fresh one that takes scores itself: the reason is that, not freshness
    with pytest.raises(rung.ConfigError, match=r"already handles several objectives.*directly"):
        rung.ParEGOSearcher(rung.RandomSearcher(SPACE))
    with pytest.raises(rung.ConfigTypeError, match="'inner'.*a rung Searcher"):
        rung.ParEGOSearcher(SPACE)


def front_volume(configs, objective):
    Y = np.array([objective(c).objectives for c in configs if objective(c).feasible])
    return hypervolume(Y, [1.1, 11.0]) if len(Y) else 0.0


@pytest.mark.parametrize("factory", [parego_searcher, ehvi_searcher])
def test_model_based_searchers_find_a_larger_front_than_random_search(factory):
    """30 suggestions on ZDT1 (two variables), two seeds: the models must beat random
    search's hypervolume (it fails if the scalarisation or the models are broken)."""
    space = {"x": rung.uniform(0, 1), "y": rung.uniform(0, 1)}
    model = [front_volume(drive(factory(space, seed=s), 30), zdt1) for s in range(2)]
    random = [front_volume(drive(random_searcher(space, seed=s), 30), zdt1) for s in range(2)]
    assert sum(model) > sum(random)


def test_constrained_ei_finds_the_feasible_optimum_where_random_search_does_not():
    """Minimize x on a feasible disc of radius 0.2 around (0.6, 0.5) (13 % of the square):
    the optimum 0.4 is on the disc's edge."""

    def disc(config):
        x, y = config["x"], config["y"]
        return Score((x,), (((x - 0.6) ** 2 + (y - 0.5) ** 2 - 0.04) / 0.04,))

    space = {"x": rung.uniform(0, 1), "y": rung.uniform(0, 1)}
    counts = [0, 0]
    for seed in range(2):
        cei = drive(ehvi_searcher(space, seed=seed), 25, disc)
        rnd = drive(random_searcher(space, seed=seed), 25, disc)
        feasible = [[disc(c).objectives[0] for c in run if disc(c).feasible] for run in (cei, rnd)]
        counts = [counts[0] + len(feasible[0]), counts[1] + len(feasible[1])]
        assert min(feasible[0]) < 0.41 < min(feasible[1])
    assert counts[0] > counts[1]  # over both seeds: one seed's 25 draws may tie
