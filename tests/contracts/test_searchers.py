"""The contract every searcher honours, run against each implementation."""

import math

import numpy as np
import pytest

import rung
from rung.errors import ConfigError, SpaceExhausted
from rung.searchers.base import Searcher

SPACE = {
    "lr": rung.loguniform(1e-4, 1.0),
    "batch_size": rung.randint(32, 512),
    "act": rung.choice(["relu", "tanh", "sigmoid"]),
    "momentum": rung.uniform(0.0, 0.99),
    "fixed": "yes",
}


def random_searcher(space, **kwargs):
    return rung.RandomSearcher(space, **kwargs)


def gp_searcher(space, **kwargs):
    from rung.searchers.gp import GPSearcher

    return GPSearcher(space, n_init=3, **kwargs)


def multi_fidelity_searcher(space, **kwargs):
    from rung.searchers.multi_fidelity import MultiFidelityGPSearcher

    return MultiFidelityGPSearcher(space, n_init=3, **kwargs)


def parego_searcher(space, **kwargs):
    from rung.searchers.gp import GPSearcher
    from rung.searchers.multi_objective import ParEGOSearcher

    seed = kwargs.pop("seed", None)
    return ParEGOSearcher(GPSearcher(space, n_init=3, seed=seed, **kwargs), seed=seed)


def ehvi_searcher(space, **kwargs):
    from rung.searchers.ehvi import EHVISearcher

    return EHVISearcher(space, n_init=3, **kwargs)


# The searchers for several objectives and constraints also take single values (one
# objective), so they honour the whole contract too.
FACTORIES = [
    random_searcher,
    gp_searcher,
    multi_fidelity_searcher,
    parego_searcher,
    ehvi_searcher,
]


def value_of(config):
    if "lr" not in config:
        return float(sum(v for v in config.values() if isinstance(v, (int, float))))
    return math.log10(config["lr"]) ** 2 + config["momentum"] + config["batch_size"] / 512


@pytest.fixture(params=FACTORIES, ids=lambda f: f.__name__)
def factory(request):
    return request.param


def drive(searcher: Searcher, n: int) -> list[dict]:
    configs = []
    for _ in range(n):
        config = searcher.suggest()
        configs.append(config)
        searcher.observe(config, value_of(config))
    return configs


def test_suggestions_are_valid_configs_with_constants(factory):
    searcher = factory(SPACE, seed=0)
    for config in drive(searcher, 12):
        assert searcher.space.validate(config) == config
        assert config["fixed"] == "yes"


def test_initial_config_comes_first(factory):
    initial = {"lr": 0.1, "batch_size": 128, "act": "relu", "momentum": 0.5}
    searcher = factory(SPACE, seed=0, initial_config=initial)
    assert searcher.suggest() == {**initial, "fixed": "yes"}


def test_invalid_initial_config_is_refused(factory):
    with pytest.raises(ConfigError, match="'batch_size'=1024"):
        factory(
            SPACE, initial_config={"lr": 0.1, "batch_size": 1024, "act": "relu", "momentum": 0.5}
        )


def test_pending_configs_are_tracked(factory):
    searcher = factory(SPACE, seed=0)
    a, b, c = searcher.suggest(), searcher.suggest(), searcher.suggest()
    assert searcher.pending == [a, b, c]
    searcher.observe(b, 1.0)
    assert searcher.pending == [a, c]
    searcher.observe(a, 2.0, resource=1)
    assert searcher.pending == [c]


def test_define_by_run_configurations_leave_nothing_pending(factory):
    # An Optuna-style objective declares parameters as it asks for them. Configurations
    # proposed before a declaration still run and are observed as keyed in the grown
    # space; one the objective ran as another configuration is pending as that one.
    searcher = factory(rung.Space({}, dynamic=True), seed=0)
    # The tuner's calls when a job ends: extend_space(declared), used(proposed, ran), observe.
    empty = searcher.suggest()  # nothing declared yet: the objective draws its own
    searcher.extend_space({"x": rung.uniform(0, 1)})
    searcher.used(empty, {"x": 0.25})
    searcher.observe({"x": 0.25}, 1.0)
    first, second = searcher.suggest(), searcher.suggest()  # two workers
    searcher.extend_space({"k": rung.randint(1, 4)})  # second asked for a k too
    searcher.used(second, {**second, "k": 2})
    searcher.observe({**second, "k": 2}, 0.5)
    assert searcher.pending == [first]
    searcher.observe(first, 0.75)  # it ran as proposed, declared nothing new
    assert searcher.pending == []
    proposer = getattr(searcher, "inner", searcher)  # ParEGO's inner searcher proposes
    assert set(proposer.space.domains) == {"x", "k"} and proposer.pending == []


def test_no_duplicates_while_workers_are_pending(factory):
    searcher = factory(SPACE, seed=0)
    drive(searcher, 5)
    configs = [searcher.suggest() for _ in range(8)]  # eight parallel workers, no results yet
    keys = {searcher.space.key(c) for c in configs}
    assert len(keys) == 8


def test_never_suggests_a_duplicate_and_reports_an_exhausted_space(factory):
    space = {"a": rung.choice([1, 2, 3]), "b": rung.randint(0, 2)}
    searcher = factory(space, seed=0)
    configs = drive(searcher, 6)
    assert len({(c["a"], c["b"]) for c in configs}) == 6
    with pytest.raises(SpaceExhausted):
        searcher.suggest()


def test_same_seed_same_suggestions(factory):
    runs = [drive(factory(SPACE, seed=11), 8) for _ in range(2)]
    assert runs[0] == runs[1]
    assert drive(factory(SPACE, seed=12), 8) != runs[0]


def test_non_finite_observations_are_accepted(factory):
    searcher = factory(SPACE, seed=0)
    for i in range(8):
        config = searcher.suggest()
        searcher.observe(config, math.nan if i % 3 == 0 else (math.inf if i % 3 == 1 else 1.0))
    assert searcher.space.validate(searcher.suggest())


def test_multi_fidelity_observations_are_accepted(factory):
    searcher = factory(SPACE, seed=0)
    for _ in range(6):
        config = searcher.suggest()
        for resource in (1, 3, 9):
            searcher.observe(config, value_of(config) / resource, resource=resource)
    assert searcher.space.validate(searcher.suggest())


def test_bad_seed_is_refused(factory):
    with pytest.raises(TypeError, match="'seed'"):
        factory(SPACE, seed="zero")
    with pytest.raises(ValueError, match="'seed'.*-1"):
        factory(SPACE, seed=-1)


def test_a_generator_seed_is_used_as_is(factory):
    a = drive(factory(SPACE, seed=np.random.default_rng(5)), 4)
    b = drive(factory(SPACE, seed=np.random.default_rng(5)), 4)
    assert a == b


CONDITIONAL = {
    "classifier": rung.choice(["SVC", "RandomForest", "Dummy"]),
    "svc_c": rung.loguniform(1e-3, 1e3, when={"classifier": "SVC"}),
    "kernel": rung.choice(["rbf", "poly"], when={"classifier": "SVC"}),
    "degree": rung.randint(2, 6, when={"kernel": "poly"}),  # a condition on a conditional
    "max_depth": rung.randint(2, 33, log=True, when={"classifier": "RandomForest"}),
}


def conditional_value(config):
    if config["classifier"] == "SVC":
        return math.log10(config["svc_c"]) ** 2 + (config.get("degree", 2) - 2)
    if config["classifier"] == "RandomForest":
        return 1 + abs(math.log2(config["max_depth"]) - 3)
    return 5.0


def test_a_conditional_space_gets_only_active_parameters(factory):
    searcher = factory(CONDITIONAL, seed=0)
    seen = set()
    for _ in range(30):
        config = searcher.suggest()
        assert searcher.space.validate(config) == config  # inactive ones are left out
        assert searcher.space.active_part(config) == config
        if config["classifier"] != "SVC":
            assert not {"svc_c", "kernel", "degree"} & set(config)
        if config.get("kernel") != "poly":
            assert "degree" not in config
        seen.add(config["classifier"])
        searcher.observe(config, conditional_value(config))
    assert seen == {"SVC", "RandomForest", "Dummy"}


def test_a_log_scaled_integer_is_drawn_on_a_log_scale(factory):
    searcher = factory({"width": rung.randint(1, 1025, log=True)}, seed=0)
    widths = [c["width"] for c in drive(searcher, 40)]
    assert all(1 <= w <= 1024 and isinstance(w, int) for w in widths)
    # log-uniform: about half the draws fall below sqrt(1024) = 32, uniform would give 3%
    assert sum(w < 32 for w in widths[:20]) >= 4


def test_a_list_of_initial_configs_comes_first_in_order(factory):
    first = [
        {"lr": 0.01, "batch_size": 64, "act": "relu", "momentum": 0.9},
        {"lr": 0.1, "batch_size": 128, "act": "tanh", "momentum": 0.5},
    ]
    searcher = factory(SPACE, seed=0, initial_config=first)
    suggested = [searcher.suggest() for _ in range(3)]
    assert suggested[:2] == [{**c, "fixed": "yes"} for c in first]
    with pytest.raises(ConfigError, match=r"initial_config\[1\]"):
        factory(SPACE, seed=0, initial_config=[first[0], {"lr": 5.0}])
