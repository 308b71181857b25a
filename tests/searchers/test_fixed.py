"""FixedConfigs suggests its list in order, once each, and a FIFO run evaluates exactly it."""

import pytest

import rung
from rung.errors import ConfigError, SpaceExhausted
from rung.searchers.fixed import FixedConfigs, space_of

CONFIGS = [{"C": 1.0, "gamma": 0.01}, {"C": 10.0, "gamma": 0.01}, {"C": 1.0, "gamma": 0.1}]


def test_suggests_the_list_in_order_then_is_exhausted():
    searcher = FixedConfigs(CONFIGS)
    assert [searcher.suggest() for _ in CONFIGS] == CONFIGS
    with pytest.raises(SpaceExhausted):
        searcher.suggest()


def test_a_fifo_run_evaluates_every_listed_config_to_the_full_resource(tmp_path):
    seen = []

    def objective(config, trial):
        seen.append(dict(config))
        for epoch in range(trial.resource_from + 1, trial.resource_to + 1):
            trial.report(epoch, config["C"] * config["gamma"])

    tuner = rung.Tuner(objective, rung.FIFO(FixedConfigs(CONFIGS), max_resource=3))
    result = tuner.run(max_trials=10)  # the list ends the run
    assert seen == CONFIGS and result.n_trials == 3
    assert result.best_config == CONFIGS[0] and all(t.resource == 3 for t in result.trials)


def test_a_recorded_run_resumes_to_the_same_list(tmp_path):
    def objective(config):
        return config["C"] + config["gamma"]

    def tuner():
        return rung.Tuner(objective, rung.FIFO(FixedConfigs(CONFIGS)), directory=tmp_path / "x")

    assert tuner().run(max_trials=2).n_trials == 2
    result = tuner().resume(max_trials=3)
    assert [dict(t.config) for t in result.trials] == CONFIGS


@pytest.mark.parametrize(
    ("configs", "message"),
    [
        ([], "non-empty list"),
        ({"C": 1.0}, "non-empty list"),
        ([{"C": 1.0}, {"gamma": 0.1}], r"configs\[1\] has the keys \['gamma'\]"),
        ([{"C": 1.0}, {"C": 1.0}], r"configs\[1\] repeats configs\[0\]"),
        ([{"C": rung.uniform(0, 1)}], "holds a domain"),
        ([{}], "non-empty mapping"),
        ([{"C": 1.0}, 3], r"'configs\[1\]' parameter of FixedConfigs must be a mapping"),
        ("C=1", "'configs' parameter of FixedConfigs must be a non-empty list"),
    ],
)
def test_bad_lists_are_refused_naming_the_config(configs, message):
    with pytest.raises(ConfigError, match=message):
        FixedConfigs(configs)


def test_configs_outside_a_given_space_are_refused():
    with pytest.raises(ConfigError, match="outside its domain"):
        FixedConfigs([{"x": 5.0}], space={"x": rung.uniform(0, 1)})


def test_one_configuration_is_a_list_too():
    searcher = FixedConfigs([{"learning_rate": 0.1, "batch_size": 128}])
    assert searcher.suggest() == {"learning_rate": 0.1, "batch_size": 128}


@pytest.mark.parametrize(
    ("configs", "message"),
    [
        (
            [{"C": 1.0}, {"gamma": 0.1}],
            r"configs\[1\] has the keys \['gamma'\], configs\[0\] has \['C'\]",
        ),
        ([{"C": 1.0}, {"C": 2.0, "gamma": 0.1}], r"configs\[1\] has the keys \['C', 'gamma'\]"),
        ([], "non-empty list"),
    ],
)
def test_space_of_refuses_configurations_it_cannot_span(configs, message):
    """A bare KeyError (or a space missing a key) named neither configuration."""
    with pytest.raises(ConfigError, match=message):
        space_of(configs)
