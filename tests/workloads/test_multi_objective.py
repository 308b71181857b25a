import numpy as np
import pytest

from rung.errors import ConfigError
from rung.pareto import hypervolume
from rung.workloads.multi_objective import (
    MultiObjectiveProblem,
    dtlz1,
    dtlz2,
    dtlz7,
    zdt1,
    zdt4,
    zdt6,
)


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


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"n_objectives": 3}, "'n_objectives' .* must be 2 for zdt1; got 3"),
        ({"reference": (1.1,)}, "'reference' .* one coordinate per objective \\(2\\)"),
    ],
)
def test_a_zdt_problem_has_two_objectives_and_a_reference_for_both(kwargs, message):
    with pytest.raises(ConfigError, match=message):
        zdt1(**kwargs)


@pytest.mark.parametrize("factory", [dtlz1, dtlz2, dtlz7])
@pytest.mark.parametrize("m", [2, 4, 5])
def test_a_dtlz_problem_of_any_size_has_its_front_inside_its_reference(factory, m):
    problem = factory(n_objectives=m, n_variables=m + 4)
    front = problem.front(300)
    assert len(problem.reference) == m == front.shape[1] == len(problem.objectives)
    assert np.all(front < np.array(problem.reference))
    assert hypervolume(front, problem.reference) > 0


def test_an_unknown_problem_is_refused():
    with pytest.raises(ConfigError, match="'name' parameter of MultiObjectiveProblem"):
        MultiObjectiveProblem("zdt9", n_variables=4, n_objectives=2, reference=(1.0, 1.0))


def config_of(x):
    return {f"x{i}": float(v) for i, v in enumerate(x)}


# each problem, with where its distance variables put it on the front
HELD_OUT = [(zdt6, 0.0), (dtlz7, 0.0), (zdt4, 0.5), (dtlz1, 0.5)]


@pytest.mark.parametrize(("factory", "optimum"), HELD_OUT)
def test_the_distance_variables_at_their_optimum_dominate_the_rest(factory, optimum):
    problem = factory()
    rng = np.random.default_rng(0)
    n_head = problem.n_objectives - 1
    for head in rng.random((20, n_head)):
        x = np.full(problem.n_variables, optimum)
        x[:n_head] = head
        best = list(problem.evaluate(config_of(x)).values())
        x[n_head:] = rng.random(problem.n_variables - n_head)
        worse = list(problem.evaluate(config_of(x)).values())
        assert np.all(np.array(worse) >= best) and np.any(np.array(worse) > best)


@pytest.mark.parametrize("factory", [f for f, _ in HELD_OUT])
def test_no_configuration_dominates_the_front(factory):
    problem = factory()
    front = problem.front(400)
    rng = np.random.default_rng(1)
    for u in rng.random((200, problem.n_variables)):
        values = np.array(list(problem.evaluate(config_of(u)).values()))
        assert not np.any(np.all(values < front - 1e-9, axis=1))


@pytest.mark.parametrize(
    ("factory", "volume"),
    # ZDT4's front is ZDT1's: 1.1 x 150 less the area under 1 - sqrt(f1), 1/3.
    # DTLZ1's is the simplex sum f = 1/2: 100^3 less the corner it cuts off, 1/48.
    [(zdt6, 8.6166), (dtlz7, 12.823), (zdt4, 165.0 - 1 / 3), (dtlz1, 1e6 - 1 / 48)],
)
def test_the_front_has_its_known_hypervolume(factory, volume):
    problem = factory()
    # a discrete front misses a sliver of the staircase above it
    assert hypervolume(problem.front(2000), problem.reference) == pytest.approx(volume, abs=2e-3)


@pytest.mark.parametrize(("factory", "local"), [(zdt4, 0.6), (dtlz1, 0.6)])
def test_the_multimodal_problems_have_local_fronts(factory, local):
    # ZDT4's g has a local minimum at every y = 10 x - 5 of half an integer, DTLZ1's at
    # every tenth of x - 0.5: there the configuration beats its neighbours, not the front.
    problem = factory()
    n_head = problem.n_objectives - 1
    x = np.full(problem.n_variables, 0.5)
    x[:n_head] = 0.3
    on_front = sum(problem.evaluate(config_of(x)).values())
    x[n_head] = local
    at_local = sum(problem.evaluate(config_of(x)).values())
    for step in (-0.01, 0.01):
        x[n_head] = local + step
        assert sum(problem.evaluate(config_of(x)).values()) > at_local > on_front


@pytest.mark.parametrize("factory", [f for f, _ in HELD_OUT])
def test_the_truncated_fidelity_is_exact_at_the_full_resource_only(factory):
    problem = factory()
    config = config_of(np.linspace(0.1, 0.9, problem.n_variables))
    full = problem.evaluate(config)
    assert problem.evaluate(config, problem.max_resource) == full
    assert problem.evaluate(config, 1) != full
