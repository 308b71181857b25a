import pytest

from rung.errors import ConfigError
from rung.workloads.multi_objective import MultiObjectiveProblem, zdt1


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
