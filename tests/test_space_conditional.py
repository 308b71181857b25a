"""Conditional parameters, log-scaled and stepped integers and stepped floats."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import rung
from rung.errors import ConfigError
from rung.space import Space

SPACE = {
    "classifier": rung.choice(["SVC", "RandomForest"]),
    "svc_c": rung.loguniform(1e-3, 1e3, when={"classifier": "SVC"}),
    "max_depth": rung.randint(2, 33, log=True, when={"classifier": "RandomForest"}),
}


def test_a_log_scaled_integer_is_no_type_error():
    domain = rung.randint(2, 33, log=True)
    assert repr(domain) == "randint(2, 33, log=True)"
    draws = [domain.sample(np.random.default_rng(i)) for i in range(400)]
    assert min(draws) == 2 and max(draws) == 32
    assert sum(d < 8 for d in draws) > 150  # log(8/2)/log(33/2) = 49% below 8; uniform: 19%


@given(st.integers(1, 500), st.integers(1, 500))
def test_log_integers_round_trip(low, size):
    domain = rung.randint(low, low + size, log=True)
    for value in {low, low + size - 1, low + size // 2}:
        assert domain.decode(domain.encode(value)) == value


def test_steps_keep_the_grid():
    ints = rung.randint(0, 10, step=3)
    assert ints.cardinality == 4 and not ints.contains(4)
    assert sorted({ints.sample(np.random.default_rng(i)) for i in range(50)}) == [0, 3, 6, 9]
    floats = rung.uniform(0.0, 1.0, step=0.25)
    assert floats.cardinality == 5
    assert sorted({floats.sample(np.random.default_rng(i)) for i in range(80)}) == [
        0.0,
        0.25,
        0.5,
        0.75,
        1.0,
    ]
    with pytest.raises(ConfigError, match="log=True or a step"):
        rung.randint(1, 10, log=True, step=2)
    with pytest.raises(ConfigError, match="low >= 1"):
        rung.randint(0, 10, log=True)


def test_inactive_parameters_are_left_out_of_samples_and_records():
    space = Space(SPACE)
    configs = [space.sample(np.random.default_rng(i)) for i in range(20)]
    assert {c["classifier"] for c in configs} == {"SVC", "RandomForest"}
    for config in configs:
        expected = {"classifier", "svc_c" if config["classifier"] == "SVC" else "max_depth"}
        assert set(config) == expected
    assert space.key({"classifier": "SVC", "svc_c": 1.0}) != space.key(
        {"classifier": "RandomForest", "max_depth": 4}
    )


def test_a_config_must_leave_inactive_parameters_out():
    space = Space(SPACE)
    assert space.validate({"classifier": "SVC", "svc_c": 2.0}) == {
        "classifier": "SVC",
        "svc_c": 2.0,
    }
    with pytest.raises(ConfigError, match="'max_depth', which its other values leave inactive"):
        space.validate({"classifier": "SVC", "svc_c": 2.0, "max_depth": 4})
    with pytest.raises(ConfigError, match=r"lacks search space parameters \['svc_c'\]"):
        space.validate({"classifier": "SVC"})


def test_conditions_must_name_parameters_and_not_cycle():
    with pytest.raises(ConfigError, match="not in the search space"):
        Space({"a": rung.uniform(0, 1, when={"b": 1})})
    with pytest.raises(ConfigError, match="form a cycle"):
        Space(
            {
                "a": rung.choice([1, 2], when={"b": 1}),
                "b": rung.choice([1, 2], when={"a": 1}),
            }
        )
    with pytest.raises(ConfigError, match="'when' parameter"):
        rung.uniform(0, 1, when={})


def test_a_condition_on_a_value_its_parent_never_takes_is_refused():
    # A typo in a condition would leave the parameter off in every configuration.
    with pytest.raises(ConfigError, match="conditional on 'c' taking 'z', a value 'c' never"):
        Space({"c": rung.choice(["a", "b"]), "x": rung.uniform(0, 1, when={"c": "z"})})
    with pytest.raises(ConfigError, match="taking 5"):
        Space({"n": rung.randint(1, 4), "x": rung.uniform(0, 1, when={"n": [2, 5]})})
    with pytest.raises(ConfigError, match="taking 'b'"):
        Space({"c": "a", "x": rung.uniform(0, 1, when={"c": "b"})})
    space = Space({"n": rung.randint(1, 4), "x": rung.uniform(0, 1, when={"n": [2, 3]})})
    assert space.conditions == {"x": {"n": (2, 3)}}
