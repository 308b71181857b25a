"""RungSearchCV: what a scikit-learn user relies on, on scikit-learn's built-in data sets."""

from __future__ import annotations

import pickle
import threading
import warnings

import numpy as np
import pytest

pytest.importorskip("sklearn")

from hypothesis import given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from scipy import stats  # noqa: E402
from sklearn.base import clone  # noqa: E402
from sklearn.datasets import (  # noqa: E402
    load_breast_cancer,
    load_diabetes,
    load_iris,
    make_regression,
)
from sklearn.exceptions import FitFailedWarning  # noqa: E402
from sklearn.linear_model import LogisticRegression, Ridge, SGDClassifier  # noqa: E402
from sklearn.model_selection import (  # noqa: E402
    GroupKFold,
    KFold,
    LeaveOneGroupOut,
    RandomizedSearchCV,
    ShuffleSplit,
    cross_val_score,
)
from sklearn.pipeline import Pipeline, make_pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402
from sklearn.svm import SVC  # noqa: E402

import rung  # noqa: E402
import sklearn  # noqa: E402
from rung.errors import ConfigError  # noqa: E402
from rung.sklearn import RungSearchCV  # noqa: E402
from rung.sklearn._subsample import SubsampledCV  # noqa: E402


@pytest.fixture(scope="module")
def cancer():
    X, y = load_breast_cancer(return_X_y=True)
    return StandardScaler().fit_transform(X), y


def ridge_search(**options):
    options = {"max_trials": 9, "cv": 3, "random_state": 0, **options}
    return RungSearchCV(Ridge(), {"alpha": rung.loguniform(1e-3, 1e3)}, **options)


def test_a_search_under_asha_fills_cv_results_and_refits_the_best(cancer):
    X, y = cancer
    search = RungSearchCV(
        LogisticRegression(max_iter=500),
        {"C": stats.loguniform(1e-3, 1e2), "class_weight": [None, "balanced", {0: 2, 1: 1}]},
        max_trials=12,
        cv=3,
        random_state=1,
        return_train_score=True,
    ).fit(X, y)
    results = search.cv_results_
    n_rows = len(results["params"])
    assert n_rows == search.rung_result_.n_jobs > 12  # promotions are rows too
    for key in (
        "mean_test_score",
        "std_test_score",
        "rank_test_score",
        "split2_test_score",
        "mean_train_score",
        "param_C",
        "param_class_weight",
        "n_resources",
        "trial_id",
    ):
        assert len(results[key]) == n_rows, key
    levels = sorted(set(results["n_resources"]))
    assert levels[0] == 2 * 3 * 2  # 'smallest': 2 x n_splits x n_classes samples
    assert len(levels) > 1
    top = results["n_resources"] == max(levels)
    best = search.best_index_
    assert top[best] and results["mean_test_score"][best] == results["mean_test_score"][top].max()
    assert search.best_params_ == results["params"][best]
    assert search.best_score_ == results["mean_test_score"][best]
    assert search.n_splits_ == 3 and search.refit_time_ > 0 and not search.multimetric_
    # Refit on all the data: the same model as fitting the best parameters by hand.
    by_hand = LogisticRegression(max_iter=500, **search.best_params_).fit(X, y)
    np.testing.assert_allclose(search.predict_proba(X), by_hand.predict_proba(X))
    assert search.score(X, y) == by_hand.score(X, y)
    np.testing.assert_array_equal(search.classes_, [0, 1])


def test_the_same_random_state_gives_the_same_search(cancer):
    X, y = cancer
    first, second = ridge_search().fit(X, y), ridge_search().fit(X, y)
    assert first.cv_results_["params"] == second.cv_results_["params"]
    np.testing.assert_array_equal(
        first.cv_results_["mean_test_score"], second.cv_results_["mean_test_score"]
    )
    other = ridge_search(random_state=2).fit(X, y)
    assert other.cv_results_["params"] != first.cv_results_["params"]


def test_an_iteration_parameter_as_the_resource():
    X, y = load_iris(return_X_y=True)
    search = RungSearchCV(
        SGDClassifier(tol=None, random_state=0),
        {"alpha": rung.loguniform(1e-5, 1e-1)},
        resource="max_iter",
        min_resources=1,
        max_resources=27,
        max_trials=9,
        cv=3,
        random_state=0,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # few iterations do not converge: that is the point
        search.fit(X, y)
    results = search.cv_results_
    assert [p["max_iter"] for p in results["params"]] == list(results["n_resources"])
    assert set(results["n_resources"]) <= {1, 3, 9, 27}
    assert search.best_params_["max_iter"] == max(results["n_resources"])
    assert search.best_estimator_.max_iter == search.best_params_["max_iter"]
    with pytest.raises(ValueError, match="also in 'param_distributions'"):
        RungSearchCV(
            SGDClassifier(), {"max_iter": [5, 10]}, resource="max_iter", max_resources=10
        ).fit(X, y)
    with pytest.raises(ValueError, match="'resource' parameter must be 'n_samples' or a param"):
        RungSearchCV(SGDClassifier(), {"alpha": [1e-3]}, resource="epochs").fit(X, y)
    with pytest.raises(ValueError, match="'max_resources' parameter must be an int"):
        RungSearchCV(SGDClassifier(), {"alpha": [1e-3]}, resource="max_iter").fit(X, y)


def test_in_a_pipeline_cloned_and_nested_in_cross_validation():
    X, y = load_diabetes(return_X_y=True)
    search = RungSearchCV(
        make_pipeline(StandardScaler(), Ridge()),
        {"ridge__alpha": rung.loguniform(1e-3, 1e3)},
        max_trials=6,
        cv=3,
        random_state=0,
    )
    copy = clone(search)
    assert repr(copy) == repr(search) and copy.estimator is not search.estimator
    outer = Pipeline([("scale", StandardScaler()), ("search", search)])
    scores = cross_val_score(outer, X, y, cv=KFold(3))
    assert scores.shape == (3,) and np.all(np.isfinite(scores))
    fitted = pickle.loads(pickle.dumps(search.fit(X, y)))
    assert fitted.best_params_ == search.best_params_
    assert fitted.rung_result_.n_trials == 6


@pytest.mark.parametrize(
    ("searcher", "scheduler"),
    [("bo", "asha"), ("random", "hyperband"), ("random", "fifo"), ("bo", "sh")],
)
def test_rungs_searchers_and_schedulers(cancer, searcher, scheduler):
    X, y = cancer
    search = ridge_search(searcher=searcher, scheduler=scheduler, max_trials=8).fit(X, y)
    assert search.rung_result_.n_trials == 8
    if scheduler == "fifo":  # every candidate on all the samples
        assert set(search.cv_results_["n_resources"]) == {len(X)}


def test_groups_reach_the_splitter_also_when_it_counts_its_folds(cancer):
    X, y = cancer
    groups = np.arange(len(y)) % 4
    search = ridge_search(cv=LeaveOneGroupOut()).fit(X, y, groups=groups)
    assert search.n_splits_ == 4 and "split3_test_score" in search.cv_results_
    assert min(search.cv_results_["n_resources"]) == 2 * 4  # 'smallest': 2 x n_splits


@pytest.mark.parametrize("shape", ["unseeded splitter", "generator"])
def test_every_candidate_is_scored_on_the_same_folds(cancer, shape):
    X, y = cancer
    if shape == "unseeded splitter":  # a new shuffle at every split() call
        cv = ShuffleSplit(3, random_state=None)
    else:  # readable once, as RandomizedSearchCV reads it
        cv = (folds for folds in KFold(3, shuffle=True, random_state=0).split(X))
    search = ridge_search(cv=cv, scheduler="fifo", max_trials=4)
    search.set_params(param_distributions={"alpha": rung.uniform(1.0, 1.0 + 1e-9)})
    search.fit(X, y)
    scores = search.cv_results_["split0_test_score"]
    assert len(scores) == 4
    np.testing.assert_allclose(scores, scores[0], rtol=1e-6)  # the same candidate, 4 times
    assert search.cv is cv  # the parameter given is left as it was


def test_a_fitted_search_keeps_no_folds():
    X, y = make_regression(n_samples=20_000, n_features=3, random_state=0)
    search = RungSearchCV(
        Ridge(), {"alpha": rung.loguniform(1e-3, 1e3)}, scheduler="fifo", max_trials=2, cv=3
    ).fit(X, y)
    assert len(pickle.dumps(search)) < 8 * len(X)  # less than one index per sample


def test_groups_are_routed_to_the_splitter_under_metadata_routing(cancer):
    X, y = cancer
    groups = np.arange(len(y)) % 4
    with sklearn.config_context(enable_metadata_routing=True):
        search = ridge_search(cv=GroupKFold(4)).fit(X, y, groups=groups)
    assert search.n_splits_ == 4


def test_an_array_of_values_is_a_list_to_choose_from(cancer):
    X, y = cancer
    alphas = np.logspace(-3, 3, 7)  # as scikit-learn's examples write a grid
    search = ridge_search(scheduler="fifo").set_params(param_distributions={"alpha": alphas})
    search.fit(X, y)
    tried = {p["alpha"] for p in search.cv_results_["params"]}
    assert len(tried) > 1 and tried <= set(alphas)
    assert search.best_estimator_.alpha in alphas


def test_rungs_record_shows_the_values_of_a_list():
    X, y = load_iris(return_X_y=True)
    space = {"C": [0.1, 1, 10], "kernel": ["rbf", "linear"]}
    search = RungSearchCV(SVC(), space, scheduler="fifo", max_trials=5, cv=3, random_state=0)
    search.fit(X, y)
    configs = {t.trial_id: t.config for t in search.rung_result_.trials}
    results = search.cv_results_
    for trial_id, params in zip(results["trial_id"], results["params"], strict=True):
        assert configs[trial_id] == params  # values, not their positions in the lists


def test_a_conditional_domain_is_left_out_where_inactive():
    X, y = load_iris(return_X_y=True)
    space = {
        "kernel": rung.choice(["rbf", "linear"]),
        "gamma": rung.loguniform(1e-3, 1.0, when={"kernel": "rbf"}),
    }
    with warnings.catch_warnings():
        warnings.simplefilter("error", FitFailedWarning)  # no candidate may fail
        search = RungSearchCV(SVC(), space, scheduler="fifo", max_trials=8, cv=3, random_state=0)
        search.fit(X, y)
    params = search.cv_results_["params"]
    assert len(params) == 8
    linear = [i for i, p in enumerate(params) if p["kernel"] == "linear"]
    assert linear and all("gamma" not in params[i] for i in linear)
    assert all(search.cv_results_["param_gamma"].mask[linear])


def pipeline_distributions():
    """Two dicts, as a RandomizedSearchCV user writes them: a classifier per dict, each
    with its own parameters; ``clf__C`` is in both, with different distributions."""
    return [
        {
            "clf": [SVC()],
            "clf__C": stats.loguniform(1e-2, 1e2),
            "clf__kernel": ["rbf", "linear"],
        },
        {
            "clf": [LogisticRegression(max_iter=500)],
            "clf__C": [0.1, 1, 10],
            "scale": [None, StandardScaler()],
        },
    ]


def test_a_list_of_dicts_is_searched_as_randomized_search_cv_searches_it():
    X, y = load_iris(return_X_y=True)
    pipe = Pipeline([("scale", StandardScaler()), ("clf", SVC())])
    options = {"cv": 3, "random_state": 0}
    theirs = RandomizedSearchCV(pipe, pipeline_distributions(), n_iter=12, **options)
    ours = RungSearchCV(pipe, pipeline_distributions(), scheduler="fifo", max_trials=12, **options)
    theirs.fit(X, y)
    ours.fit(X, y)
    columns = sorted(k for k in theirs.cv_results_ if k.startswith("param"))
    assert sorted(k for k in ours.cv_results_ if k.startswith("param")) == columns
    drawn = set()
    for params in ours.cv_results_["params"]:
        svc = isinstance(params["clf"], SVC)
        drawn.add(svc)
        # Every candidate has the parameters of one dict, each from that dict's distribution.
        if svc:
            assert set(params) == {"clf", "clf__C", "clf__kernel"}
            assert 1e-2 <= params["clf__C"] <= 1e2 and params["clf__kernel"] in ("rbf", "linear")
        else:
            assert set(params) == {"clf", "clf__C", "scale"}
            assert params["clf__C"] in (0.1, 1, 10)
            assert params["scale"] is None or isinstance(params["scale"], StandardScaler)
    assert drawn == {True, False}
    for search in (theirs, ours):  # masked where the row's dict has no such parameter
        results = search.cv_results_
        for column in columns[:-1]:
            name = column.removeprefix("param_")
            present = [name in params for params in results["params"]]
            assert list(results[column].mask) == [not p for p in present], column
    assert ours.cv_results_["param_clf__C"].dtype == theirs.cv_results_["param_clf__C"].dtype
    assert ours.best_params_ in ours.cv_results_["params"]
    best = ours.best_estimator_.named_steps["clf"]
    assert type(best) is type(ours.best_params_["clf"])
    assert ours.best_params_["clf__C"] == best.C


def test_a_name_of_several_dicts_is_one_rung_parameter_only_if_its_domain_is_the_same():
    X, y = load_iris(return_X_y=True)
    distributions = [
        {"C": rung.loguniform(1e-2, 1e2), "gamma": rung.loguniform(1e-4, 1e-3), "kernel": "rbf"},
        {"C": rung.loguniform(1e-2, 1e2), "gamma": [1.0, 2.0], "kernel": ["linear"]},
    ]
    search = RungSearchCV(SVC(), distributions, max_trials=12, cv=3, random_state=0)
    search.fit(X, y)
    for params in search.cv_results_["params"]:
        assert set(params) == {"C", "gamma", "kernel"}
        if params["kernel"] == "rbf":
            assert 1e-4 <= params["gamma"] <= 1e-3
        else:
            assert params["gamma"] in (1.0, 2.0)
    configs = [trial.config for trial in search.rung_result_.trials]
    assert all("C" in config for config in configs)  # the same domain: one parameter
    assert {n for config in configs for n in config if n.startswith("gamma")} == {
        "gamma[0]",
        "gamma[1]",
    }
    assert {params["kernel"] for params in search.cv_results_["params"]} == {"rbf", "linear"}


def test_a_conditional_domain_in_a_dict_of_a_list_follows_its_own_dicts_parent():
    X, y = load_iris(return_X_y=True)
    distributions = [
        {
            "kernel": rung.choice(["rbf", "poly"]),
            "gamma": rung.loguniform(1e-3, 1.0, when={"kernel": "rbf"}),
        },
        {"kernel": ["linear"], "C": [0.5, 2.0]},
    ]
    with warnings.catch_warnings():
        warnings.simplefilter("error", FitFailedWarning)  # no candidate may fail
        search = RungSearchCV(
            SVC(), distributions, searcher="bo", max_trials=12, cv=3, random_state=0
        )
        search.fit(X, y)
    params = search.cv_results_["params"]
    assert {p["kernel"] for p in params} == {"rbf", "poly", "linear"}
    for p in params:
        assert ("gamma" in p) == (p["kernel"] == "rbf")
        assert ("C" in p) == (p["kernel"] == "linear")


def test_several_metrics_tune_the_one_refit_names(cancer):
    X, y = cancer
    search = RungSearchCV(
        LogisticRegression(max_iter=300),
        {"C": rung.loguniform(1e-3, 1e2)},
        scoring={"acc": "accuracy", "auc": "roc_auc"},
        refit="auc",
        max_trials=6,
        cv=3,
        random_state=0,
    ).fit(X, y)
    assert search.multimetric_ and "mean_test_auc" in search.cv_results_
    assert search.best_score_ == search.cv_results_["mean_test_auc"][search.best_index_]
    with pytest.raises(ValueError, match="refit"):
        clone(search).set_params(refit=True).fit(X, y)
    # refit=False or a callable leaves no metric to tune: said at once, not as every
    # candidate failing (nor a search that silently promotes none).
    for refit in (False, lambda results: 0):
        with pytest.raises(ConfigError, match="'refit' must name the one to tune"):
            clone(search).set_params(refit=refit).fit(X, y)


class Fragile(Ridge):
    """Ridge that cannot be fit with a large alpha."""

    def fit(self, X, y, sample_weight=None):
        if self.alpha > 1:
            raise RuntimeError("alpha too large for me")
        return super().fit(X, y, sample_weight)


def finishes(call, timeout_s=30.0):
    """What ``call()`` returned or raised, or None if it was still running after
    ``timeout_s`` (it runs in a daemon thread, so a hang fails the test, not the suite)."""
    ended = []

    def body():
        try:
            ended.append(call())
        except BaseException as error:  # noqa: BLE001 - the outcome under test
            ended.append(error)

    thread = threading.Thread(target=body, daemon=True)
    thread.start()
    thread.join(timeout_s)
    return ended[0] if ended else None


def test_error_score_raise_stops_a_search_under_asha(cancer):
    X, y = cancer
    search = RungSearchCV(
        Fragile(),
        {"alpha": rung.loguniform(1e-2, 1e2)},
        error_score="raise",
        cv=3,
        max_trials=8,
        random_state=0,
    )
    assert search.scheduler == "asha"  # jobs below the largest resource
    outcome = finishes(lambda: search.fit(X, y))
    assert isinstance(outcome, RuntimeError) and "alpha too large" in str(outcome)


def test_failed_fits_follow_error_score(cancer):
    X, y = cancer
    space = {"alpha": rung.loguniform(1e-2, 1e2)}
    options = {"max_trials": 8, "cv": 3, "random_state": 0, "scheduler": "fifo"}
    with pytest.raises(RuntimeError, match="alpha too large"):
        RungSearchCV(Fragile(), space, error_score="raise", **options).fit(X, y)
    with pytest.warns(FitFailedWarning, match="not in cv_results_"):
        search = RungSearchCV(Fragile(), space, **options).fit(X, y)
    assert all(p["alpha"] <= 1 for p in search.cv_results_["params"])
    assert search.best_params_["alpha"] <= 1
    with pytest.raises(ValueError, match="Every candidate failed"):
        RungSearchCV(Fragile(), {"alpha": rung.uniform(2, 3)}, **options).fit(X, y)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"searcher": "grid"}, "'searcher'"),
        ({"scheduler": "pbt"}, "'scheduler'"),
        ({"max_trials": 0}, "'max_trials'"),
        ({"eta": 1}, "'eta'"),
        ({"min_resources": 10**6}, "'min_resources'"),
        ({"max_resources": 10**6}, "at most the number of samples"),
        ({"scheduler": "fifo", "eta": 2}, "'eta' would do nothing"),
        ({"scheduler": "fifo", "min_resources": 50}, "'min_resources' would do nothing"),
        ({"param_distributions": []}, "non-empty list of dicts; got an empty list"),
        ({"param_distributions": [{"alpha": [1]}, [1, 2]]}, "got \\[1, 2\\] as element 1"),
        ({"param_distributions": ["alpha"]}, "got 'alpha' as element 0"),
        ({"param_distributions": {"alpha": stats.norm(0, 1)}}, "scipy.stats"),
    ],
)
def test_bad_settings_are_refused_at_fit(cancer, options, message):
    X, y = cancer
    search = ridge_search()
    search.set_params(**options)  # never checked before fit, as scikit-learn asks
    with pytest.raises((ValueError, TypeError), match=message):
        search.fit(X, y)


@given(
    n=st.integers(min_value=12, max_value=80),
    fractions=st.lists(st.floats(min_value=0.05, max_value=1.0), min_size=2, max_size=4),
    seed=st.integers(min_value=0, max_value=2**20),
)
def test_subsamples_are_nested_and_keep_the_class_proportions(n, fractions, seed):
    y = np.arange(n) % 3
    X = np.zeros((n, 1))
    base = KFold(3, shuffle=True, random_state=seed)
    previous = None
    for fraction in sorted(fractions):
        cv = SubsampledCV(base, fraction, y, seed)
        folds = [(set(train), set(test)) for train, test in cv.split(X, y)]
        for (train, test), (full_train, full_test) in zip(folds, base.split(X, y), strict=True):
            assert test == set(full_test) and train <= set(full_train)
            assert len(train) == max(1, round(fraction * len(full_train)))
            counts = np.bincount(y[list(train)], minlength=3)
            expected = np.bincount(y[full_train], minlength=3) * len(train) / len(full_train)
            assert np.all(np.abs(counts - expected) <= 1.0 + 1e-9)
        if previous is not None:
            assert all(a <= b for (a, _), (b, _) in zip(previous, folds, strict=True))
        previous = folds
