"""ParamSpace: scikit-learn's param_distributions as a rung space, and back."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("sklearn")

from scipy import stats  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.svm import SVC  # noqa: E402

import rung  # noqa: E402
from rung.errors import ConfigError, ConfigTypeError  # noqa: E402
from rung.sklearn._space import ParamSpace  # noqa: E402
from rung.space import Space  # noqa: E402


def sampled_params(distributions, n=200, seed=0):
    space = ParamSpace(distributions)
    rung_space = Space(space.space)
    rng = np.random.default_rng(seed)
    return [space.params(rung_space.sample(rng)) for _ in range(n)]


def test_each_dict_of_a_list_is_drawn_with_its_own_parameters_only():
    svc, logistic = SVC(), LogisticRegression()
    distributions = [
        {"clf": [svc], "C": stats.loguniform(1e-2, 1e-1), "kernel": "rbf", "degree": [2, 2]},
        {"clf": [logistic], "C": [5, 6], "penalty": ["l2", None]},
        {},
    ]
    seen = {0: 0, 1: 0, 2: 0}
    for params in sampled_params(distributions):
        if not params:  # the empty dict: the estimator's own values
            seen[2] += 1
        elif params["clf"] is svc:
            seen[0] += 1
            assert set(params) == {"clf", "C", "kernel", "degree"}
            assert 1e-2 <= params["C"] <= 1e-1
            assert params["kernel"] == "rbf" and params["degree"] == 2
        else:
            seen[1] += 1
            assert params["clf"] is logistic
            assert set(params) == {"clf", "C", "penalty"}
            assert params["C"] in (5, 6) and params["penalty"] in ("l2", None)
    assert all(40 < count < 95 for count in seen.values()), seen  # each about a third


def test_a_name_gets_a_rung_name_per_dict_only_where_its_distributions_differ():
    space = ParamSpace(
        [
            {"alpha": rung.uniform(0, 1), "beta": [1, 2], "gamma": 3},
            {"alpha": stats.uniform(0, 1), "beta": [1, 3], "gamma": 3, "delta": [4]},
        ]
    )
    names = set(space.space)
    assert names == {"param_distributions", "alpha", "beta[0]", "beta[1]", "gamma", "delta"}
    assert space.space["alpha"].when == {"param_distributions": (0, 1)}
    assert space.space["beta[1]"].when == {"param_distributions": (1,)}
    assert space.names == ["alpha", "beta", "gamma", "delta"]


def test_the_choice_of_a_dict_takes_a_name_no_parameter_has():
    distributions = [{"param_distributions": [1, 2]}, {"param_distributions": [3]}]
    assert "_param_distributions" in ParamSpace(distributions).space
    assert {p["param_distributions"] for p in sampled_params(distributions, n=50)} == {1, 2, 3}


def test_a_list_of_one_dict_is_that_dict():
    alone = ParamSpace([{"C": rung.loguniform(1e-2, 1.0), "kernel": "rbf"}])
    assert alone.space == {"C": rung.loguniform(1e-2, 1.0), "kernel": "rbf"}


@pytest.mark.parametrize(
    ("distributions", "error", "message"),
    [
        ([], ConfigError, "non-empty list of dicts; got an empty list"),
        ([{"C": [1]}, None], ConfigTypeError, "got None as element 1"),
        ([{1: [1]}], ConfigTypeError, "as element 0"),
        ([{"C": [1]}, {"C": []}], ConfigError, "The list of parameter 'C' is empty"),
        ([{"C": [1]}, {"C": stats.norm(0, 1)}], ConfigTypeError, "'C'.*scipy.stats"),
        (
            [{"kernel": ["rbf"]}, {"gamma": rung.uniform(0, 1, when={"kernel": "rbf"})}],
            ConfigError,
            r"'gamma' of element 1 .* conditional on \['kernel'\], not in its dict",
        ),
    ],
)
def test_a_bad_list_of_dicts_is_refused_with_what_is_wrong(distributions, error, message):
    with pytest.raises(error, match=message):
        ParamSpace(distributions)
