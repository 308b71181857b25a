"""GPSearcher, its Gaussian process and its acquisition function."""

from __future__ import annotations

import itertools
import logging
import math

import numpy as np
import pytest
import scipy.optimize
from scipy.stats import norm

import rung.searchers.gp as gp_module
from rung.searchers._acquisition import (
    expected_improvement,
    log_expected_improvement,
    log_h,
    maximize_log_ei,
)
from rung.searchers._gp_model import (
    GaussianProcess,
    _Tying,
    fit_gaussian_process,
    log_marginal_likelihood,
)
from rung.searchers.gp import FeatureMap, GPSearcher
from rung.searchers.random import RandomSearcher
from rung.space import Space, choice, loguniform, randint, uniform
from rung.workloads.synthetic import BRANIN


def _data(n: int = 25, d: int = 3, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = rng.random((n, d))
    return X, np.sin(6 * X[:, 0]) + X[:, 1:].sum(axis=1) ** 2


def _fixed_gp(n: int = 12, seed: int = 0) -> GaussianProcess:
    """A GP with moderate, fixed hyperparameters: well conditioned, z of order 1."""
    X, y = _data(n=n, seed=seed)
    theta = np.log([0.3, 0.4, 0.5, 1.0, 1e-4])
    return GaussianProcess(X, y, theta, float(np.mean(y)), float(np.std(y)))


def _run(searcher, objective, n: int) -> list[float]:
    values = []
    for _ in range(n):
        config = searcher.suggest()
        values.append(objective(config))
        searcher.observe(config, values[-1])
    return values


# --- the Gaussian process ------------------------------------------------------------


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_log_marginal_likelihood_gradient_matches_finite_differences(seed):
    X, y = _data(seed=seed)
    rng = np.random.default_rng(seed)
    theta = np.concatenate([np.log(rng.uniform(0.1, 2.0, 3)), [0.3, math.log(1e-3)]])
    value = lambda t: log_marginal_likelihood(t, X, y)[0]  # noqa: E731
    grad = lambda t: log_marginal_likelihood(t, X, y)[1]  # noqa: E731
    numeric = scipy.optimize.approx_fprime(theta, value, 1e-6)
    np.testing.assert_allclose(grad(theta), numeric, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_the_gradient_with_a_fidelity_noise_matches_finite_differences(seed):
    X, y = _data(seed=seed)  # the last column is the level s
    rng = np.random.default_rng(seed)
    theta = np.concatenate(
        [np.log(rng.uniform(0.1, 2.0, 3)), [0.3, math.log(1e-3), math.log(rng.uniform(0.01, 1))]]
    )
    value = lambda t: log_marginal_likelihood(t, X, y, fidelity=True)[0]  # noqa: E731
    grad = lambda t: log_marginal_likelihood(t, X, y, fidelity=True)[1]  # noqa: E731
    numeric = scipy.optimize.approx_fprime(theta, value, 1e-6)
    np.testing.assert_allclose(grad(theta), numeric, rtol=1e-4, atol=1e-4)


def test_a_fidelity_noise_is_fitted_where_low_levels_are_noisy():
    rng = np.random.default_rng(0)
    u = rng.random(120)
    s = rng.choice([0.0, 0.5, 1.0], 120)
    f = np.sin(6 * u)
    y = f + rng.normal(0, 0.3, 120) * (1 - s) ** 1  # exact at s = 1, noisy below
    X = np.column_stack([u, s])
    shared = fit_gaussian_process(X, y)
    levelled = fit_gaussian_process(X, y, fidelity=True)
    assert len(levelled.theta) == len(shared.theta) + 1
    top = np.column_stack([np.linspace(0.05, 0.95, 19), np.ones(19)])
    errors = [np.abs(gp.predict(top)[0] - np.sin(6 * top[:, 0])).max() for gp in (shared, levelled)]
    assert errors[1] < errors[0] / 2  # the exact top level is modelled more precisely
    assert math.exp(levelled.theta[-1]) > 100 * math.exp(levelled.theta[-2])  # σ_f² >> σ_n²


def test_posterior_gradients_match_finite_differences():
    gp = _fixed_gp()
    x = np.random.default_rng(5).random((4, 3))
    mean, var, d_mean, d_var = gp.predict(x, return_grad=True)
    eps = 1e-6
    for j in range(3):
        step = np.zeros(3)
        step[j] = eps
        m_hi, v_hi = gp.predict(x + step)
        m_lo, v_lo = gp.predict(x - step)
        np.testing.assert_allclose(d_mean[:, j], (m_hi - m_lo) / (2 * eps), rtol=1e-4, atol=1e-6)
        np.testing.assert_allclose(d_var[:, j], (v_hi - v_lo) / (2 * eps), rtol=1e-4, atol=1e-6)


def test_gp_interpolates_noiseless_data():
    X, y = _data(n=30)
    gp = fit_gaussian_process(X, y)
    mean, var = gp.predict(X)
    assert np.max(np.abs(mean - y)) < 1e-2 * np.std(y)
    assert np.all(var < 1e-3 * np.var(y))
    far_mean, far_var = gp.predict(np.array([[5.0, 5.0, 5.0]]))  # far away: the prior
    assert far_var[0] > 0.5 * np.var(y)


def test_fit_warm_start_reaches_the_same_hyperparameters():
    X, y = _data(n=30)
    cold = fit_gaussian_process(X, y, maxiter=200)
    warm = fit_gaussian_process(X, y, theta0=cold.theta, maxiter=200)
    np.testing.assert_allclose(warm.theta, cold.theta, atol=1e-3)


# --- the acquisition function --------------------------------------------------------


def test_log_h_matches_the_direct_formula_and_stays_finite_far_out():
    z = np.linspace(-5, 5, 101)
    direct = z * norm.cdf(z) + norm.pdf(z)
    np.testing.assert_allclose(log_h(z)[0], np.log(direct), rtol=1e-9)
    far = np.array([-40.0, -1e3, -1e4 - 1, -1e6])
    values, slopes = log_h(far)
    assert np.all(np.isfinite(values)) and np.all(np.diff(values) < 0)
    # d log h / dz = Φ(z)/h(z) approaches |z| + 2/|z| on the far side.
    np.testing.assert_allclose(slopes[-2:], -far[-2:] - 2 / far[-2:], rtol=1e-6)
    # continuous across the switch to the asymptote: the jump is the slope times the step
    a, b = log_h(np.array([-1e4 + 1e-3, -1e4 - 1e-3]))[0]
    assert a - b == pytest.approx(2e-3 * 1e4, rel=1e-3)


@pytest.mark.parametrize("acquisition", [expected_improvement, log_expected_improvement])
def test_acquisition_gradient_matches_finite_differences(acquisition):
    gp = _fixed_gp()
    best = float(gp.y.min())
    x = np.random.default_rng(1).random((5, 3))
    _, grad = acquisition(gp, x, best)
    eps = 1e-6
    for j in range(3):
        step = np.zeros(3)
        step[j] = eps
        numeric = (acquisition(gp, x + step, best)[0] - acquisition(gp, x - step, best)[0]) / (
            2 * eps
        )
        np.testing.assert_allclose(grad[:, j], numeric, rtol=1e-4, atol=1e-7)


def test_expected_improvement_matches_its_closed_form():
    gp = _fixed_gp()
    y = gp.y
    x = np.random.default_rng(2).random((6, 3))
    mean, var = gp.predict(x)
    z = (y.min() - mean) / np.sqrt(var)
    expected = np.sqrt(var) * (z * norm.cdf(z) + norm.pdf(z))
    np.testing.assert_allclose(expected_improvement(gp, x, y.min())[0], expected, rtol=1e-6)
    np.testing.assert_allclose(
        log_expected_improvement(gp, x, y.min())[0], np.log(expected), rtol=1e-6
    )


def test_multistart_optimizer_moves_its_starts_uphill():
    improved = 0
    for seed in range(5):
        X, y = _data(n=20, seed=seed)
        gp = fit_gaussian_process(X, y)
        result = maximize_log_ei(gp, float(y.min()), np.random.default_rng(seed))
        assert result.values[0] >= result.start_values.max()
        assert np.all(np.diff(result.values) <= 0)
        assert result.iterations > 1
        improved += result.values[0] > result.start_values.max() + 1e-6
    assert improved >= 4


def test_tied_lengthscales_are_fitted_as_one():
    rng = np.random.default_rng(0)
    picks = rng.integers(0, 3, size=30)
    X = np.column_stack([np.eye(3)[picks], rng.random(30)])
    y = np.array([0.0, 1.0, 3.0])[picks] + np.sin(4 * X[:, 3])
    gp = fit_gaussian_process(X, y, tied=np.array([0, 0, 0, 1]))
    assert gp.lengthscales[0] == gp.lengthscales[1] == gp.lengthscales[2]
    assert gp.lengthscales[3] != gp.lengthscales[0]
    untied = fit_gaussian_process(X, y)
    assert len(set(np.round(untied.lengthscales[:3], 6))) > 1


def test_the_tied_gradient_matches_finite_differences():
    X, y = _data(n=20, d=4)
    tying = _Tying(4, np.array([0, 1, 1, 2]))
    phi = np.log([0.4, 0.7, 0.3, 1.0, 1e-3])

    def value(p):
        return log_marginal_likelihood(tying.expand(p), X, (y - y.mean()) / y.std())

    grad = tying.gradient(value(phi)[1])
    numeric = scipy.optimize.approx_fprime(phi, lambda p: value(p)[0], 1e-6)
    np.testing.assert_allclose(grad, numeric, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(tying.reduce(tying.expand(phi)), phi)


# --- the feature map -----------------------------------------------------------------


def test_feature_map_one_hot_and_integer_cells():
    space = Space({"c": choice(["a", "b", "c"]), "k": randint(1, 5), "lr": loguniform(1e-4, 1)})
    features = FeatureMap(space)
    assert features.n_features == 5
    u = features.encode({"c": "b", "k": 3, "lr": 1e-2})
    np.testing.assert_allclose(u[:4], [0, 1, 0, (3 - 1 + 0.5) / 4])
    assert features.decode(u) == {"c": "b", "k": 3, "lr": pytest.approx(1e-2)}
    projected = features.project(np.array([[0.2, 0.9, 0.4, 0.99, 0.5]]))
    np.testing.assert_allclose(projected[0, :4], [0, 1, 0, 3.5 / 4])
    assert features.decode(np.array([0.2, 0.1, 0.7, 0.0, 0.5]))["c"] == "c"


def test_a_choice_shares_one_lengthscale():
    space = Space(
        {
            "c": choice(["a", "b", "c"]),
            "k": randint(1, 5),
            "opt": choice(["sgd", "adam"]),
            "beta": uniform(0.8, 1.0, when={"opt": "adam"}),
        }
    )
    # columns: c (3), k, opt (2), beta, then beta's activity indicator
    np.testing.assert_array_equal(FeatureMap(space).tied, [0, 0, 0, 1, 2, 2, 3, 4])


def test_neighbours_exchange_the_value_of_one_active_choice():
    space = Space(
        {
            "a": choice(["x", "y", "z"]),
            "opt": choice(["sgd", "adam"]),
            "beta": uniform(0.8, 1.0, when={"opt": "adam"}),
            "lr": uniform(0, 1),
        }
    )
    features = FeatureMap(space)
    u = features.encode({"a": "y", "opt": "sgd", "lr": 0.3})
    found = [features.decode(v) for v in features.neighbours(u)]
    assert [(c["a"], c["opt"]) for c in found] == [("x", "sgd"), ("z", "sgd"), ("y", "adam")]
    assert all(c["lr"] == pytest.approx(0.3) for c in found)
    assert "beta" in found[2] and space.validate(found[2]) == found[2]  # switched on
    assert features.local_moves is not None
    assert FeatureMap(Space({"lr": uniform(0, 1)})).local_moves is None


def test_neighbours_step_integers_and_stepped_values_by_one():
    space = Space(
        {
            "layers": randint(1, 6),
            "width": randint(16, 1025, log=True),
            "batch": randint(32, 257, step=32),
            "drop": uniform(0.0, 0.5, step=0.1),
            "lr": uniform(0, 1),
        }
    )
    features = FeatureMap(space)
    u = features.encode({"layers": 5, "width": 64, "batch": 32, "drop": 0.2, "lr": 0.3})
    found = [features.decode(v) for v in features.neighbours(u)]
    steps = sorted(
        (name, c[name])
        for c in found
        for name, old in (("layers", 5), ("width", 64), ("batch", 32), ("drop", 0.2))
        if c[name] != old
    )
    # layers stops at its top (5), batch at its bottom (32); each neighbour moves one
    assert steps == [("batch", 64), ("drop", 0.1), ("drop", 0.3), ("layers", 4),
                     ("width", 63), ("width", 65)]  # fmt: skip
    assert len(found) == 6 and all(c["lr"] == pytest.approx(0.3) for c in found)
    assert features.local_moves is not None


@pytest.mark.parametrize(("low", "high", "step"), [(0.05, 0.95, 0.15), (1e-3, 1.0, 0.037)])
def test_every_stepped_value_has_the_values_a_step_away_as_neighbours(low, high, step):
    features = FeatureMap(Space({"d": uniform(low, high, step=step)}))
    grid = [round(low + k * step, 12) for k in range(int((high - low) / step + 1e-9) + 1)]
    for k, value in enumerate(grid):
        found = sorted(
            features.decode(v)["d"] for v in features.neighbours(features.encode({"d": value}))
        )
        assert found == pytest.approx(grid[max(k - 1, 0) : k] + grid[k + 1 : k + 2])


def test_an_inactive_integer_has_no_neighbours():
    space = Space({"opt": choice(["sgd", "adam"]), "k": randint(1, 9, when={"opt": "adam"})})
    features = FeatureMap(space)
    u = features.encode({"opt": "sgd"})
    assert [features.decode(v) for v in features.neighbours(u)] == [{"opt": "adam", "k": 5}]


def test_mixed_space_suggestions_are_valid():
    space = Space(
        {
            "lr": loguniform(1e-4, 1e-1),
            "layers": randint(1, 6),
            "act": choice(["relu", "tanh", "gelu"]),
            "drop": uniform(0, 0.5),
            "batch": 128,
        }
    )

    def objective(c):
        penalty = {"relu": 0.0, "tanh": 0.5, "gelu": 0.2}[c["act"]]
        return (math.log10(c["lr"]) + 2.5) ** 2 + (c["layers"] - 3) ** 2 + penalty + c["drop"]

    bests = []
    for seed in range(3):
        searcher = GPSearcher(space, seed=seed, n_init=4)
        bests.append(min(_run(searcher, objective, 20)))
        for obs in searcher.observations:
            assert space.validate(obs.config) == obs.config
            assert type(obs.config["layers"]) is int
    assert np.mean(bests) < 0.3  # random search: about 0.6


# --- the searcher --------------------------------------------------------------------


def test_first_n_init_suggestions_are_random_and_start_with_initial_config(monkeypatch):
    calls = []
    monkeypatch.setattr(gp_module, "maximize_log_ei", lambda *a, **k: calls.append(1) or 1 / 0)
    searcher = GPSearcher(BRANIN.space, seed=0, initial_config={"x1": 1.0, "x2": 2.0}, n_init=4)
    values = _run(searcher, BRANIN, 4)
    assert searcher.observations[0].config == {"x1": 1.0, "x2": 2.0}
    assert len(values) == 4 and not calls


def test_a_proposal_run_as_another_configuration_counts_once_towards_n_init(monkeypatch):
    # A define-by-run objective ran the first proposal (made before it declared 'x') as
    # {"x": 0.25}: one configuration, so the second is still random.
    calls = []
    monkeypatch.setattr(gp_module, "maximize_log_ei", lambda *a, **k: calls.append(1) or 1 / 0)
    searcher = GPSearcher(Space({}, dynamic=True), seed=0, n_init=2)
    proposed = searcher.suggest()
    searcher.extend_space({"x": uniform(0, 1)})
    searcher.used(proposed, {"x": 0.25})
    searcher.observe({"x": 0.25}, 1.0)
    searcher.observe(searcher.suggest(), 0.5)
    assert not calls
    searcher.suggest()  # the third comes from the model (here: fails, and is drawn at random)
    assert calls


def test_pending_configs_keep_consecutive_suggestions_apart(monkeypatch, caplog):
    searcher = GPSearcher(BRANIN.space, seed=0)
    _run(searcher, BRANIN, 8)
    sampled, fits = [], []
    original, fit = searcher.space.sample, gp_module.fit_gaussian_process
    monkeypatch.setattr(searcher.space, "sample", lambda rng: sampled.append(1) or original(rng))
    monkeypatch.setattr(
        gp_module, "fit_gaussian_process", lambda *a, **k: fits.append(1) or fit(*a, **k)
    )
    with caplog.at_level(logging.WARNING, logger="rung.searchers.gp"):
        batch = [searcher.suggest() for _ in range(5)]
    assert not caplog.records and not sampled  # every one came from EI, none at random
    assert len(fits) == 1  # no new value, no refit: the lies alone move the suggestions
    assert len(searcher.pending) == 5
    units = np.array([searcher.space.encode(c) for c in batch])
    gaps = np.linalg.norm(units[:, None] - units[None, :], axis=-1)[np.triu_indices(5, 1)]
    assert gaps.min() > 0.02


def test_multi_fidelity_models_the_highest_level_with_enough_observations():
    space = {"x": uniform(0, 1)}
    searcher = GPSearcher(space, seed=0, n_init=3)
    assert searcher.min_points == 3
    rng = np.random.default_rng(0)
    xs = rng.random(10)
    for x in xs:  # level 1: minimum near x = 0.2
        searcher.observe({"x": x}, (x - 0.2) ** 2, resource=1)
    for x in xs[:6]:  # level 3: minimum near x = 0.8
        searcher.observe({"x": x}, (x - 0.8) ** 2, resource=3)
    for x in xs[:2]:  # level 9: too few
        searcher.observe({"x": x}, (x - 0.8) ** 2, resource=9)
    assert searcher.modeled_level() == 3
    X, y, level = searcher.training_data()
    assert level == 3 and len(y) == 6
    np.testing.assert_allclose(np.sort(y), np.sort((xs[:6] - 0.8) ** 2))
    grid = np.linspace(0, 1, 101)[:, None]
    mean = fit_gaussian_process(X, y).predict(grid)[0]
    assert abs(grid[np.argmin(mean), 0] - 0.8) < 0.1  # level 3's optimum, not level 1's
    searcher.observe({"x": xs[2]}, 0.5, resource=9)
    assert searcher.modeled_level() == 9


def test_none_is_its_own_level_below_integers():
    searcher = GPSearcher({"x": uniform(0, 1)}, seed=0, n_init=1)
    for x in (0.1, 0.5, 0.9):
        searcher.observe({"x": x}, x)
    assert searcher.modeled_level() is None
    for x in (0.1, 0.5, 0.9):
        searcher.observe({"x": x}, x, resource=1)
    assert searcher.modeled_level() == 1


def test_failed_trials_are_imputed_and_their_region_avoided(caplog):
    def objective(c):  # fails right of x1 = 0.5; best finite values next to the border
        if c["x1"] > 0.5:
            return math.nan
        return (c["x1"] - 0.45) ** 2 + (c["x2"] - 0.5) ** 2

    space = {"x1": uniform(0, 1), "x2": uniform(0, 1)}
    searcher = GPSearcher(space, seed=1)
    with caplog.at_level(logging.WARNING, logger="rung.searchers.gp"):
        values = _run(searcher, objective, 25)
    assert not caplog.records
    _, y, _ = searcher.training_data()
    assert np.all(np.isfinite(y))
    model_based = [o.config["x1"] for o in searcher.observations[5:]]
    assert np.mean(np.array(model_based) > 0.5) < 0.35
    assert np.nanmin(values) < 0.01


def test_numerical_failure_falls_back_to_random_with_a_warning(monkeypatch, caplog):
    def broken(*args, **kwargs):
        raise np.linalg.LinAlgError("not positive definite")

    searcher = GPSearcher(BRANIN.space, seed=0, n_init=2)
    _run(searcher, BRANIN, 2)
    monkeypatch.setattr(gp_module, "fit_gaussian_process", broken)
    with caplog.at_level(logging.WARNING, logger="rung.searchers.gp"):
        config = searcher.suggest()
    assert BRANIN.space.validate(config) == config
    assert any("LinAlgError" in r.getMessage() for r in caplog.records)


def test_non_finite_likelihood_falls_back_too(monkeypatch, caplog):
    from rung.searchers import _gp_model

    def nan_likelihood(theta, X, y, fidelity=False):
        return math.nan, np.full(len(theta), math.nan), np.eye(len(y))

    searcher = GPSearcher({"x": uniform(0, 1)}, seed=0, n_init=2)
    _run(searcher, lambda c: c["x"], 2)
    monkeypatch.setattr(_gp_model, "_lml", nan_likelihood)
    with caplog.at_level(logging.WARNING, logger="rung.searchers.gp"):
        config = searcher.suggest()
    assert 0 <= config["x"] <= 1
    assert any("FloatingPointError" in r.getMessage() for r in caplog.records)


def test_values_near_the_float_limit_are_modeled():
    searcher = GPSearcher({"x": uniform(0, 1)}, seed=0, n_init=3)
    values = _run(searcher, lambda c: 1e300 * (c["x"] - 0.3) ** 2, 12)
    assert min(values) < 1e300 * 1e-3


def test_same_seed_same_suggestions():
    runs = []
    for seed in (7, 7, 8):
        searcher = GPSearcher(BRANIN.space, seed=seed, n_init=3)
        _run(searcher, BRANIN, 8)
        runs.append([o.config for o in searcher.observations])
    assert runs[0] == runs[1]
    assert runs[0] != runs[2]


@pytest.mark.parametrize(
    ("n_init", "error"),
    [(0, ValueError), (-2, ValueError), (2.5, TypeError), (True, TypeError), ("3", TypeError)],
)
def test_bad_n_init_is_rejected(n_init, error):
    with pytest.raises(error, match=rf"'n_init'.*{repr(n_init)}"):
        GPSearcher(BRANIN.space, n_init=n_init)


def _categorical_problem(seed: int, n: int = 6, k: int = 4):
    """Additive effects of six choices of four values, with weaker pairwise ones."""
    rng = np.random.default_rng(seed)
    main, pair = rng.normal(size=(n, k)), 0.25 * rng.normal(size=(n, n, k, k))
    space = Space({f"p{i}": choice(list(range(k))) for i in range(n)})

    def objective(config):
        x = [config[f"p{i}"] for i in range(n)]
        pairs = sum(pair[i, j, x[i], x[j]] for i in range(n) for j in range(i + 1, n))
        return float(sum(main[i, x[i]] for i in range(n)) + pairs)

    every = itertools.product(range(k), repeat=n)
    best = min(objective({f"p{i}": v for i, v in enumerate(x)}) for x in every)
    return space, objective, best


@pytest.mark.parametrize("problem_seed", [0, 2])
def test_finds_the_best_of_4096_categorical_configurations_in_30_evaluations(problem_seed):
    space, objective, best = _categorical_problem(problem_seed)
    regrets = [min(_run(GPSearcher(space, seed=s), objective, 30)) - best for s in range(3)]
    # one-hot inputs with a lengthscale each, rounded acquisition optima: 0.85-0.87
    assert np.mean(regrets) < 0.3


def test_beats_random_search_on_branin():
    gp_best, random_best = [], []
    for seed in range(10):
        gp_best.append(min(_run(GPSearcher(BRANIN.space, seed=seed), BRANIN, 30)))
        random_best.append(min(_run(RandomSearcher(BRANIN.space, seed=seed), BRANIN, 30)))
    assert np.mean(gp_best) < np.mean(random_best)
    assert np.mean(gp_best) - BRANIN.optimum < 0.05  # near the optimum, not just better
