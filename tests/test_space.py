import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import stats

import rung
from rung.errors import ConfigError
from rung.space import Choice, LogUniform, RandInt, Space, Uniform

finite = st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False)


@st.composite
def domains(draw):
    kind = draw(st.sampled_from(["uniform", "loguniform", "randint", "choice"]))
    if kind == "uniform":
        low = draw(finite)
        return Uniform(low, low + draw(st.floats(1e-3, 1e6)))
    if kind == "loguniform":
        low = draw(st.floats(1e-8, 1e3))
        return LogUniform(low, low * draw(st.floats(1.01, 1e6)))
    if kind == "randint":
        low = draw(st.integers(-1000, 1000))
        return RandInt(low, low + draw(st.integers(1, 1000)))
    return Choice(
        draw(
            st.lists(
                st.one_of(st.integers(), st.text(max_size=3)), min_size=1, max_size=6, unique=True
            )
        )
    )


@given(domains(), st.integers(0, 2**32 - 1))
def test_samples_lie_in_the_domain_and_encode_into_the_unit_interval(domain, seed):
    rng = np.random.default_rng(seed)
    for _ in range(20):
        value = domain.sample(rng)
        assert domain.contains(value)
        unit = domain.encode(value)
        assert 0.0 <= unit <= 1.0


@given(domains(), st.integers(0, 2**32 - 1))
def test_decode_inverts_encode(domain, seed):
    value = domain.sample(np.random.default_rng(seed))
    back = domain.decode(domain.encode(value))
    if isinstance(domain, (RandInt, Choice)):
        assert back == value
    else:
        assert math.isclose(back, value, rel_tol=1e-9, abs_tol=1e-9 * (abs(domain.high) + 1))


@given(domains(), st.floats(-2, 3, allow_nan=False))
def test_decode_of_any_point_lies_in_the_domain(domain, unit):
    assert domain.contains(domain.decode(unit))


def test_log_domains_encode_on_a_log_scale():
    domain = rung.loguniform(1e-4, 1.0)
    assert domain.encode(1e-2) == pytest.approx(0.5)


def test_integer_encoding_gives_each_value_an_equal_cell():
    domain = rung.randint(0, 4)
    units = np.linspace(0, 1, 401)
    counts = np.bincount([domain.decode(u) for u in units[:-1]], minlength=4)
    assert counts.tolist() == [100, 100, 100, 100]


def test_randint_excludes_high_like_scipy():
    rng = np.random.default_rng(0)
    values = {rung.randint(0, 3).sample(rng) for _ in range(200)}
    assert values == {0, 1, 2}


@pytest.mark.parametrize(
    ("factory", "message"),
    [
        (lambda: rung.uniform(1, 1), "low < high"),
        (lambda: rung.uniform(2, 1), "low=2, high=1"),
        (lambda: rung.loguniform(0, 1), "low > 0"),
        (lambda: rung.loguniform(-1, 1), "low=-1"),
        (lambda: rung.uniform(0, math.inf), "'high'.*finite"),
        (lambda: rung.uniform(math.nan, 1), "'low'.*finite"),
        (lambda: rung.randint(5, 5), "low < high"),
        (lambda: rung.choice([]), "must not be empty"),
        (lambda: rung.choice([1, 1]), "distinct"),
        (lambda: rung.randint(0, 10**30), r"'high'.*between -2\*\*53 and 2\*\*53.*got 10{30}"),
        (lambda: rung.randint(-(2**60), 0), r"'low'.*between -2\*\*53 and 2\*\*53"),
        (lambda: rung.uniform(-1e308, 1e308), "finite width"),
    ],
)
def test_invalid_domains_raise_value_errors_naming_the_rule(factory, message):
    with pytest.raises(rung.ConfigError, match=message):
        factory()


def test_the_widest_randint_samples_inside_its_bounds():
    domain = rung.randint(-(2**53), 2**53)
    rng = np.random.default_rng(0)
    values = domain.decode_array(rng.random(1000)) + [domain.sample(rng) for _ in range(10)]
    assert all(-(2**53) <= v < 2**53 for v in values)
    result = rung.tune(lambda c: float(c["x"] % 7), {"x": domain}, max_trials=3, seed=1)
    assert result.n_trials == 3


@pytest.mark.parametrize(
    "factory",
    [
        lambda: rung.uniform("a", 1),
        lambda: rung.randint(0.5, 3),
        lambda: rung.choice("abc"),
        lambda: rung.choice(3),
        lambda: rung.choice([[1], [2]]),
        lambda: rung.uniform(True, 3),
    ],
)
def test_bad_types_raise_type_errors(factory):
    with pytest.raises(rung.ConfigTypeError):  # a RungError and a TypeError
        factory()


def test_scipy_frozen_distributions_convert_as_the_seed_notebook_writes_them():
    space = Space(
        {
            "learning_rate": stats.loguniform(1e-4, 1),
            "batch_size": stats.randint(32, 512),
            "momentum": stats.uniform(0.5, 0.4),
        }
    )
    assert space["learning_rate"] == LogUniform(1e-4, 1)
    assert space["batch_size"] == RandInt(32, 512)
    assert space["momentum"] == Uniform(0.5, 0.9)


def test_unsupported_scipy_distribution_names_the_parameter():
    with pytest.raises(rung.ConfigTypeError, match="'lr'.*norm"):
        Space({"lr": stats.norm(0, 1)})


def test_space_error_names_the_parameter():
    with pytest.raises(ConfigError, match="'lr'"):
        Space({"lr": stats.loguniform(0, 1)})


def test_constants_pass_through_and_order_is_kept():
    space = Space({"a": rung.uniform(0, 1), "epochs_cap": 7, "b": rung.choice(["x", "y"])})
    config = space.sample(np.random.default_rng(0))
    assert list(config) == ["a", "epochs_cap", "b"]
    assert config["epochs_cap"] == 7
    assert space.decode(space.encode(config)) == config


def test_space_needs_a_domain():
    with pytest.raises(ConfigError, match="at least one domain"):
        Space({"a": 1})


def test_a_space_or_configuration_of_the_wrong_type_is_a_rung_error():
    with pytest.raises(rung.ConfigTypeError, match="dict of name -> domain"):
        Space([("a", rung.uniform(0, 1))])
    with pytest.raises(rung.ConfigTypeError, match="'initial_config' must be a dict"):
        rung.RandomSearcher({"a": rung.uniform(0, 1)}, initial_config="a=0.5")


def test_space_cardinality():
    assert Space({"a": rung.randint(0, 3), "b": rung.choice("xy" and ["x", "y"])}).cardinality == 6
    assert Space({"a": rung.uniform(0, 1)}).cardinality == math.inf


def test_validate_rejects_unknown_missing_and_out_of_domain_values():
    space = Space({"a": rung.uniform(0, 1), "k": rung.randint(1, 3)})
    assert space.validate({"a": 0.5, "k": 2}) == {"a": 0.5, "k": 2}
    with pytest.raises(ConfigError, match="not in the search space"):
        space.validate({"a": 0.5, "k": 2, "z": 1})
    with pytest.raises(ConfigError, match="lacks"):
        space.validate({"a": 0.5})
    with pytest.raises(ConfigError, match="'k'=3"):
        space.validate({"a": 0.5, "k": 3})


def test_same_seed_same_samples():
    space = Space({"a": rung.uniform(0, 1), "k": rung.randint(1, 100), "c": rung.choice([1, 2, 3])})
    draws = [[space.sample(np.random.default_rng(s)) for _ in range(5)] for s in (7, 7)]
    assert draws[0] == draws[1]


@given(domains(), st.lists(st.floats(-0.5, 1.5, allow_nan=False), min_size=1, max_size=20))
def test_vectorized_decoding_matches_scalar_decoding(domain, units):
    vectorized = domain.decode_array(np.array(units))
    scalar = [domain.decode(u) for u in units]
    if isinstance(domain, (RandInt, Choice)):
        assert vectorized == scalar
    else:
        assert vectorized == pytest.approx(scalar, rel=1e-12)
    assert all(domain.contains(v) for v in vectorized)


def test_decode_many_keeps_order_and_constants():
    space = Space({"a": rung.uniform(0, 1), "c": "const", "k": rung.randint(0, 3)})
    configs = space.decode_many(np.array([[0.5, 0.0], [0.25, 0.99]]))
    assert configs == [{"a": 0.5, "c": "const", "k": 0}, {"a": 0.25, "c": "const", "k": 2}]
    assert list(configs[0]) == ["a", "c", "k"]
    with pytest.raises(ValueError, match="shape"):
        space.decode_many(np.zeros((2, 3)))


@given(st.integers(1, 12), st.integers(0, 2**32 - 1))
def test_a_latin_hypercube_puts_one_value_in_each_stratum_of_each_parameter(n, seed):
    space = Space({"a": rung.uniform(-2, 3), "b": rung.loguniform(1e-4, 1.0), "c": "const"})
    configs = space.latin_hypercube(np.random.default_rng(seed), n)
    assert len(configs) == n and all(c["c"] == "const" for c in configs)
    for name in ("a", "b"):
        units = [space.domains[name].encode(c[name]) for c in configs]
        strata = sorted(int(min(u * n, n - 1)) for u in units)
        assert strata == list(range(n))


def test_a_latin_hypercube_gives_each_choice_its_share_and_keeps_conditions():
    space = Space({
        "kernel": rung.choice(["rbf", "linear", "poly"]),
        "gamma": rung.loguniform(1e-3, 1.0, when={"kernel": "rbf"}),
    })  # fmt: skip
    configs = space.latin_hypercube(np.random.default_rng(0), 6)
    kernels = sorted(c["kernel"] for c in configs)
    assert kernels == ["linear"] * 2 + ["poly"] * 2 + ["rbf"] * 2
    assert all(("gamma" in c) == (c["kernel"] == "rbf") for c in configs)
    again = space.latin_hypercube(np.random.default_rng(0), 6)
    assert again == configs


@pytest.mark.parametrize(("n", "error"), [(0, ConfigError), (-2, ConfigError), (2.5, TypeError)])
def test_a_latin_hypercube_of_a_bad_size_names_the_parameter(n, error):
    space = Space({"a": rung.uniform(0, 1)})
    with pytest.raises(error, match="'n'"):
        space.latin_hypercube(np.random.default_rng(0), n)
