import math

import numpy as np
import pytest

from rung.errors import ConfigError
from rung.trial import Trial
from rung.workloads.synthetic import BRANIN, HARTMANN6, TOY, MultiFidelity, by_name


@pytest.mark.parametrize(
    ("function", "minimizer"),
    [
        (TOY, {"x": 2.0}),
        (BRANIN, {"x1": -math.pi, "x2": 12.275}),
        (BRANIN, {"x1": math.pi, "x2": 2.275}),
        (BRANIN, {"x1": 9.42478, "x2": 2.475}),
        (
            HARTMANN6,
            dict(
                zip(
                    [f"x{i}" for i in range(1, 7)],
                    [0.20169, 0.150011, 0.476874, 0.275332, 0.311652, 0.6573],
                    strict=True,
                )
            ),
        ),
    ],
)
def test_known_minima(function, minimizer):
    assert function(minimizer) == pytest.approx(function.optimum, abs=1e-5)


@pytest.mark.parametrize("function", [TOY, BRANIN, HARTMANN6])
def test_no_sample_beats_the_optimum(function):
    rng = np.random.default_rng(0)
    values = [function(function.space.sample(rng)) for _ in range(2000)]
    assert min(values) >= function.optimum - 1e-9


def test_multi_fidelity_is_exact_at_full_resource_and_biased_below():
    mf = MultiFidelity(BRANIN, max_resource=27)
    rng = np.random.default_rng(1)
    configs = [mf.space.sample(rng) for _ in range(200)]
    full = np.array([mf.at(c, 27) for c in configs])
    low = np.array([mf.at(c, 1) for c in configs])
    assert full == pytest.approx([BRANIN(c) for c in configs])
    assert np.mean(low - full) > 0.5  # learning curves start higher
    # Low fidelity is informative (rank correlation) but not exact.
    ranks = lambda a: np.argsort(np.argsort(a))  # noqa: E731
    correlation = np.corrcoef(ranks(low), ranks(full))[0, 1]
    assert 0.5 < correlation < 1.0
    assert mf.at(configs[0], 3) == mf.at(configs[0], 3)  # deterministic noise


def test_multi_fidelity_forms_agree():
    mf = MultiFidelity(TOY, max_resource=9)
    config = {"x": 0.5}
    trial = Trial(0, seed=0, resource_from=3, resource_to=9)
    with pytest.raises(BaseException) as info:  # noqa: B017 - the job-ending control flow
        mf.iterative(config, trial)
    assert not isinstance(info.value, Exception)
    assert [r.resource for r in trial.reports] == list(range(4, 10))
    assert trial.reports[-1].value == mf({**config, "epochs": 9}) == TOY(config)


def test_multi_fidelity_rejects_resources_out_of_range():
    with pytest.raises(ValueError, match="resource"):
        MultiFidelity(TOY, max_resource=9).at({"x": 0.0}, 10)


def test_by_name():
    assert by_name("branin") is BRANIN
    with pytest.raises(ValueError, match="'rosenbrock'"):
        by_name("rosenbrock")


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"max_resource": 0}, ConfigError, "'max_resource' parameter of MultiFidelity .*>= 1"),
        ({"noise": -0.1}, ConfigError, "'noise' parameter of MultiFidelity .*>= 0; got -0.1"),
        ({"bias": "1"}, TypeError, "'bias' parameter of MultiFidelity .*; got '1'"),
        ({"base": "toy"}, TypeError, "'base' .* a SyntheticFunction; got 'toy'"),
    ],
)
def test_multi_fidelity_arguments_are_checked(kwargs, error, message):
    with pytest.raises(error, match=message):
        MultiFidelity(**{"base": TOY, **kwargs})


def test_an_unknown_name_lists_the_known_ones():
    assert by_name("branin") is BRANIN
    with pytest.raises(ValueError, match="must be one of 'branin', 'hartmann6', 'toy'; got 'x'"):
        by_name("x")
