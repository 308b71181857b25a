import numpy as np
import pytest

from rung.errors import ConfigError
from rung.pareto import hypervolume
from rung.workloads.multi_objective import MultiObjectiveProblem, dtlz7, zdt1, zdt6


def test_a_problem_has_its_variables():
    assert len(zdt1(n_variables=4).space.domains) == 4


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"fidelity": "exact"}, ConfigError, "'fidelity' .* one of 'truncated', 'noise'"),
        ({"max_resource": 0}, ConfigError, "'max_resource' .* an int >= 1; got 0"),
        ({"noise": -1.0}, ConfigError, "'noise' .* >= 0; got -1.0"),
        ({"n_variables": 2.0}, TypeError, "'n_variables' .* an int >= 1; got 2.0"),
        ({"n_variables": 2}, ConfigError, "more variables than objectives"),
    ],
)
def test_bad_arguments_are_refused(kwargs, error, message):
    with pytest.raises(error, match=message):
        zdt1(**kwargs)


def test_an_unknown_problem_is_refused():
    with pytest.raises(ConfigError, match="'name' parameter of MultiObjectiveProblem"):
        MultiObjectiveProblem("zdt9", n_variables=4, n_objectives=2, reference=(1.0, 1.0))


def config_of(x):
    return {f"x{i}": float(v) for i, v in enumerate(x)}


@pytest.mark.parametrize("factory", [zdt6, dtlz7])
def test_the_distance_variables_at_zero_dominate_the_rest(factory):
    problem = factory()
    rng = np.random.default_rng(0)
    n_head = problem.n_objectives - 1
    for head in rng.random((20, n_head)):
        x = np.zeros(problem.n_variables)
        x[:n_head] = head
        best = list(problem.evaluate(config_of(x)).values())
        x[n_head:] = rng.random(problem.n_variables - n_head)
        worse = list(problem.evaluate(config_of(x)).values())
        assert np.all(np.array(worse) >= best) and np.any(np.array(worse) > best)


@pytest.mark.parametrize("factory", [zdt6, dtlz7])
def test_no_configuration_dominates_the_front(factory):
    problem = factory()
    front = problem.front(400)
    rng = np.random.default_rng(1)
    for u in rng.random((200, problem.n_variables)):
        values = np.array(list(problem.evaluate(config_of(u)).values()))
        assert not np.any(np.all(values < front - 1e-9, axis=1))


@pytest.mark.parametrize(("factory", "volume"), [(zdt6, 8.6166), (dtlz7, 12.823)])
def test_the_front_has_its_known_hypervolume(factory, volume):
    problem = factory()
    assert hypervolume(problem.front(2000), problem.reference) == pytest.approx(volume, abs=1e-3)


@pytest.mark.parametrize("factory", [zdt6, dtlz7])
def test_the_truncated_fidelity_is_exact_at_the_full_resource_only(factory):
    problem = factory()
    config = config_of(np.linspace(0.1, 0.9, problem.n_variables))
    full = problem.evaluate(config)
    assert problem.evaluate(config, problem.max_resource) == full
    assert problem.evaluate(config, 1) != full
