"""MF-Hartmann 3/6 (mf-prior-bench's mfh3/mfh6), cost models and simulated benchmarks."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from rung.errors import ConfigError
from rung.workloads.mf_hartmann import Correlation, MFHartmann, mfh3, mfh6
from rung.workloads.registry import BENCHMARKS, benchmark_by_name
from rung.workloads.simulated import FidelityCost, SimulatedBenchmark, with_cost
from rung.workloads.synthetic import BRANIN, HARTMANN6, MultiFidelity

MINIMA = {3: -3.86278, 6: -3.32237}  # Surjanovic & Bingham


@pytest.mark.parametrize("dims", [3, 6])
def test_full_fidelity_is_the_hartmann_function_with_its_known_minimum(dims):
    function = MFHartmann(dims)
    assert function.optimum == pytest.approx(MINIMA[dims], abs=1e-5)
    assert function(function.minimizer, 100) == pytest.approx(function.optimum, abs=1e-5)
    rng = np.random.default_rng(0)
    samples = [dict(zip(function.names, rng.random(dims), strict=True)) for _ in range(2000)]
    assert min(function(x, 100) for x in samples) > function.optimum


def test_mfh6_at_full_fidelity_matches_rungs_hartmann6():
    function = MFHartmann(6)
    rng = np.random.default_rng(1)
    for _ in range(20):
        x = rng.random(6)
        ours = function(dict(zip(function.names, x, strict=True)), 100)
        theirs = HARTMANN6({f"x{i + 1}": v for i, v in enumerate(x)})
        assert ours == pytest.approx(theirs, rel=1e-12)


def unit_configs(dims):
    return st.lists(st.floats(0.0, 1.0, allow_nan=False), min_size=dims, max_size=dims).map(
        lambda xs: {f"X_{i}": x for i, x in enumerate(xs)}
    )


@given(config=unit_configs(6), fidelity=st.integers(1, 99))
def test_low_fidelity_is_flattened_and_noisier_never_better(config, fidelity):
    """The bias shrinks every alpha and the noise is half-normal: low fidelity overestimates."""
    function = MFHartmann(6)
    low, full = function(config, fidelity), function(config, 100)
    assert low >= full
    assert low == function(config, fidelity)  # deterministic


@given(config=unit_configs(3), fidelity=st.integers(1, 99))
def test_noise_depends_on_its_seed_and_vanishes_without_noise(config, fidelity):
    noiseless = MFHartmann(3, noise=0.0)(config, fidelity)
    seeded = [MFHartmann(3, seed=s)(config, fidelity) for s in (1, 2)]
    assert all(v >= noiseless for v in seeded)
    assert seeded[0] != seeded[1]


def test_low_fidelity_ranks_configurations_like_full_fidelity_but_not_exactly():
    function = MFHartmann(6)
    rng = np.random.default_rng(2)
    configs = [dict(zip(function.names, rng.random(6), strict=True)) for _ in range(300)]
    ranks = lambda a: np.argsort(np.argsort(a))  # noqa: E731
    low = np.array([function(c, 3) for c in configs])
    full = np.array([function(c, 100) for c in configs])
    assert np.all(low != full)
    correlation = np.corrcoef(ranks(low), ranks(full))[0, 1]
    assert 0.5 < correlation < 1.0


def test_mfh_costs_follow_mf_prior_bench_and_grow_with_fidelity():
    bench = mfh6(full_seconds=100.0)
    cumulative = [bench.seconds_to(z) for z in range(1, 101)]
    assert cumulative[-1] == pytest.approx(100.0)
    assert cumulative[2] == pytest.approx(100 * (0.05 + 0.95 * (3 / 100) ** 2))
    assert all(b > a for a, b in zip(cumulative, cumulative[1:], strict=False))
    costs = [bench({f"X_{i}": 0.5 for i in range(6)}, z)[1] for z in range(1, 101)]
    assert sum(costs) == pytest.approx(100.0)
    assert all(b > a for a, b in zip(costs[1:], costs[2:], strict=False))  # after the start-up


@pytest.mark.parametrize(("make", "dims"), [(mfh3, 3), (mfh6, 6)])
def test_benchmarks_expose_space_resources_and_optimum(make, dims):
    bench = make()
    assert bench.name == f"mfh{dims}"
    assert list(bench.space) == [f"X_{i}" for i in range(dims)]
    assert (bench.min_resource, bench.max_resource) == (3, 100)
    assert bench.optimum == pytest.approx(MINIMA[dims], abs=1e-5)
    config = bench.space.sample(np.random.default_rng(0))
    value, seconds = bench(config, 50)
    assert value == bench.value(config, 50) and seconds > 0
    assert bench.regret(bench.optimum) == 0.0
    with pytest.raises(ValueError, match=r"resource must be in \[1, 100\]; got 101"):
        bench(config, 101)


def test_with_cost_wraps_a_multi_fidelity_function_with_growing_cost():
    mf = MultiFidelity(BRANIN, max_resource=27)
    bench = with_cost(mf)
    config = {"x1": 1.0, "x2": 2.0}
    assert [bench(config, r)[0] for r in (1, 9, 27)] == [mf.at(config, r) for r in (1, 9, 27)]
    assert [bench(config, r)[1] for r in (2, 9, 27)] == pytest.approx([1.0, 1.0, 1.0])
    assert bench(config, 1)[1] > 1.0  # the start-up
    cumulative = [bench.seconds_to(r) for r in range(28)]
    assert all(b > a for a, b in zip(cumulative, cumulative[1:], strict=False))
    steep = with_cost(mf, FidelityCost(100.0, floor=0.0, power=2.0))
    assert steep(config, 27)[1] > steep(config, 2)[1]
    with pytest.raises(TypeError, match="must be a MultiFidelity"):
        with_cost(BRANIN)


@pytest.mark.parametrize(
    ("kwargs", "error", "words"),
    [
        (
            {"full_seconds": 0.0},
            ConfigError,
            "'full_seconds' parameter of FidelityCost must be a finite number > 0; got 0.0",
        ),
        (
            {"full_seconds": 1.0, "floor": 1.0},
            ConfigError,
            r"'floor' .* must be a finite number >= 0 and < 1; got 1.0",
        ),
        ({"full_seconds": 1.0, "power": -1}, ConfigError, "'power' .* > 0; got -1"),
        ({"full_seconds": "1"}, TypeError, "must be a finite number > 0; got '1'"),
    ],
)
def test_cost_model_arguments_are_checked(kwargs, error, words):
    with pytest.raises(error, match=words):
        FidelityCost(**kwargs)


@pytest.mark.parametrize(
    ("kwargs", "error", "words"),
    [
        ({"dims": 4}, ConfigError, "'dims' parameter of MFHartmann must be one of 3, 6; got 4"),
        ({"dims": 3, "bias": -1.0}, ConfigError, "'bias' .* >= 0; got -1.0"),
        ({"dims": 3, "seed": 1.5}, TypeError, "'seed' .* int; got 1.5"),
    ],
)
def test_mf_hartmann_arguments_are_checked(kwargs, error, words):
    with pytest.raises(error, match=words):
        MFHartmann(**kwargs)


def test_benchmarks_by_name():
    for name in BENCHMARKS:
        assert isinstance(benchmark_by_name(name), SimulatedBenchmark)
    assert benchmark_by_name("mf-branin", max_resource=27).max_resource == 27
    with pytest.raises(ConfigError, match="full resource is fidelity 100; got max_resource=50"):
        benchmark_by_name("mfh6", max_resource=50)
    with pytest.raises(ConfigError, match="must be one of .*; got 'mfh9'"):
        benchmark_by_name("mfh9")


@pytest.mark.parametrize(
    ("name", "bias", "noise"),
    [("mfh3", 0.5, 0.1), ("mfh6_good", 2.5, 2.0), ("mfh3_bad", 3.5, 4.0), ("mfh6_terrible", 4, 5)],
)
def test_correlation_presets_are_mf_prior_benchs(name, bias, noise):
    bench = benchmark_by_name(name)
    assert bench.name == name
    assert (bench.value.bias, bench.value.noise) == (bias, noise)
    full = mfh6() if name.startswith("mfh6") else mfh3()
    assert bench.optimum == full.optimum
    x = {f"X_{i}": 0.3 for i in range(len(bench.space))}
    assert bench(x, 100) == full(x, 100)  # the variants differ below the full fidelity only


def test_worse_presets_rank_low_fidelities_worse():
    """Spearman correlation between fidelity 9 and 100 over random configurations falls
    from the plain benchmark to 'bad': the variants are what their names say."""
    from scipy.stats import spearmanr

    rng = np.random.default_rng(0)
    xs = [{f"X_{i}": v for i, v in enumerate(rng.random(6))} for _ in range(400)]
    rho = {}
    for preset in ("default", "good", "bad"):
        bench = mfh6(correlation=preset)
        rho[preset] = spearmanr([bench(x, 9)[0] for x in xs], [bench(x, 100)[0] for x in xs])[0]
    assert rho["default"] > rho["good"] > rho["bad"]
    with pytest.raises(ConfigError, match="'correlation' parameter must be one of .*; got 'meh'"):
        mfh3(correlation="meh")
    assert Correlation.parse("bad") is Correlation.BAD
