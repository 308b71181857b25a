"""A search space is checked against the model's rules before a run starts."""

from __future__ import annotations

import pytest

import rung
from rung.errors import ConfigError
from rung.workloads._config_rules import DEFAULTS, check_space

pytest.importorskip("torch")


@pytest.mark.parametrize("model", sorted(DEFAULTS))
def test_every_models_own_space_and_defaults_pass(model):
    from rung.workloads.models import get_model

    spec = get_model(model)
    assert dict(spec.defaults) == DEFAULTS[model]
    check_space(model, spec.default_space)
    check_space(model, spec.defaults)  # constants


@pytest.mark.parametrize(
    "space, message",
    [
        ({"foo": rung.uniform(0, 1)}, "'foo' is not a config key of the 'svm' model"),
        ({"learning_rate": rung.uniform(-1, 1)}, "can give -1.0"),
        ({"learning_rate": rung.loguniform(1e-3, 1e300)}, None),
        ({"batch_size": rung.randint(0, 4)}, "can give 0"),
        ({"batch_size": rung.uniform(1, 4)}, "must be an integer"),
        ({"n_components": rung.choice([10, 0])}, "can give 0"),
        ({"C": 0}, "'C' = 0 can give 0"),
        ({"gamma": rung.choice([1e-3, float("nan")])}, "finite"),
    ],
)
def test_a_value_the_model_refuses_is_named_with_its_rule(space, message):
    if message is None:
        check_space("svm", space)
        return
    with pytest.raises(ConfigError, match=message):
        check_space("svm", space)


def test_an_unknown_model_is_refused():
    with pytest.raises(ConfigError, match="'model' parameter"):
        check_space("resnet", {})
