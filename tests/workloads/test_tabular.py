"""Recorded learning curves as a simulated benchmark: the table's file, nearest-neighbour
replay, and runs of rung's tuner on it in simulated time."""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import rung
from rung.errors import ConfigError, DataError
from rung.executors.simulated import SimulatedExecutor
from rung.space import Space, loguniform, randint, uniform
from rung.types import JobStatus
from rung.workloads.tabular import (
    LearningCurveTable,
    TabularBenchmark,
    from_curves,
    read_table,
    write_table,
)

SPACE = {"learning_rate": loguniform(1e-4, 1.0), "batch_size": randint(32, 512)}
COMMITTED = Path(__file__).resolve().parents[2] / "benchmarks" / "data"


def recorded(n: int = 30, epochs: int = 9, seed: int = 0) -> LearningCurveTable:
    """A table as benchmarks/record_curves.py makes one, from made-up decreasing curves."""
    rng = np.random.default_rng(seed)
    space = Space(SPACE)
    configs = [space.sample(rng) for _ in range(n)]
    errors, seconds = [], []
    for config in configs:
        floor = 0.1 + 0.8 * abs(np.log10(config["learning_rate"]) + 1.5) / 3
        errors.append([round(floor + 0.5 / e, 5) for e in range(1, epochs + 1)])
        step = 1e3 / config["batch_size"]  # seconds per epoch: more steps, more time
        seconds.append([3.0 + step, *[step] * (epochs - 1)])
    return from_curves("toy", SPACE, configs, errors, seconds, epochs, notes={"how": "made up"})


def test_a_table_survives_its_file(tmp_path):
    table = recorded()
    write_table(table, tmp_path / "t.csv.gz")
    back = read_table(tmp_path / "t.csv.gz")
    assert back.name == "toy" and back.max_epochs == 9 and len(back) == 30
    assert back.configs == table.configs  # ints stay ints, floats round-trip exactly
    assert np.allclose(back.errors, table.errors, atol=1e-6)
    assert np.allclose(back.seconds, table.seconds, rtol=1e-3)
    assert back.notes == {"how": "made up", "diverged": "0"}
    assert Space(back.space).domains == Space(SPACE).domains
    # The same table gives the same bytes (no time stamp in the gzip header).
    write_table(table, tmp_path / "again.csv.gz")
    assert (tmp_path / "t.csv.gz").read_bytes() == (tmp_path / "again.csv.gz").read_bytes()


def test_a_diverged_curve_is_completed_at_its_last_error_and_its_pace():
    table = from_curves(
        "d", SPACE, [{"learning_rate": 0.9, "batch_size": 32}], [[0.5, 1.0]], [[5.0, 2.0]], 4
    )
    assert table.errors.tolist() == [[0.5, 1.0, 1.0, 1.0]]
    assert table.seconds.tolist() == [[5.0, 2.0, 2.0, 2.0]]
    assert table.notes["diverged"] == "1"


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        ({"errors": [[0.5] * 3]}, "1 errors and 1 seconds|has 3 errors"),
        ({"errors": [[]], "seconds": [[]]}, "has 0 errors"),
    ],
)
def test_bad_curves_are_refused(kwargs, words):
    args = {"errors": [[0.5]], "seconds": [[1.0]], **kwargs}
    with pytest.raises(ConfigError, match=words):
        from_curves("bad", SPACE, [{"learning_rate": 0.1, "batch_size": 64}], max_epochs=2, **args)


def test_a_table_checks_its_arrays():
    with pytest.raises(ConfigError, match="non-finite errors"):
        LearningCurveTable("t", Space(SPACE), ({"learning_rate": 0.1, "batch_size": 64},),
                           np.array([[np.nan]]), np.array([[1.0]]))  # fmt: skip
    with pytest.raises(ConfigError, match="lacks \\['batch_size'\\]"):
        LearningCurveTable("t", Space(SPACE), ({"learning_rate": 0.1},),
                           np.array([[0.1]]), np.array([[1.0]]))  # fmt: skip


def test_a_file_that_is_not_a_table_is_a_data_error(tmp_path):
    (tmp_path / "plain.csv.gz").write_bytes(gzip.compress(b"a,b\n1,2\n"))
    with pytest.raises(DataError, match="not a learning-curve table"):
        read_table(tmp_path / "plain.csv.gz")
    write_table(recorded(n=3), tmp_path / "t.csv.gz")
    text = gzip.decompress((tmp_path / "t.csv.gz").read_bytes()).decode()
    (tmp_path / "cut.csv.gz").write_bytes(gzip.compress(text.rsplit(",", 3)[0].encode()))
    with pytest.raises(DataError, match="malformed"):
        read_table(tmp_path / "cut.csv.gz")
    with pytest.raises(DataError, match="Cannot read"):
        read_table(tmp_path / "missing.csv.gz")


def test_every_recorded_configuration_replays_its_own_curve():
    table = recorded()
    bench = TabularBenchmark(table)
    for row, config in enumerate(table.configs):
        assert bench.nearest(config) == row
        value, seconds = bench(config, 9)
        assert (value, seconds) == (table.errors[row, 8], table.seconds[row, 8])
        assert type(value) is float and type(seconds) is float
    assert bench.optimum == table.errors[:, -1].min()
    best = table.configs[int(table.errors[:, -1].argmin())]
    assert bench(best, 9)[0] == bench.optimum  # the optimum can be reached
    row = table.configs.index(best)
    assert bench.seconds_to(best, 9) == pytest.approx(table.seconds[row].sum())


@given(lr=st.floats(1e-4, 1.0), bs=st.integers(32, 511))
def test_any_configuration_gets_the_curve_of_its_nearest_recorded_one(lr, bs):
    bench = TabularBenchmark(recorded())
    space = Space(SPACE)
    units = np.array([space.encode(c) for c in bench.table.configs])
    distances = ((units - space.encode({"learning_rate": lr, "batch_size": bs})) ** 2).sum(1)
    row = bench.nearest({"learning_rate": lr, "batch_size": bs})
    assert distances[row] == distances.min()
    assert bench({"learning_rate": lr, "batch_size": bs}, 3)[0] == bench.table.errors[row, 2]


def test_nearness_is_measured_on_the_log_scale():
    table = from_curves(
        "two", {"lr": loguniform(1e-4, 1.0), "x": uniform(0, 1)},
        [{"lr": 1e-3, "x": 0.5}, {"lr": 1e-1, "x": 0.5}], [[0.3], [0.2]], [[1.0], [1.0]], 1,
    )  # fmt: skip
    bench = TabularBenchmark(table)
    # 0.02 is nearer 1e-3 than 0.1 on a linear scale, but its log10 (-1.7) is nearer -1.
    assert bench({"lr": 0.02, "x": 0.5}, 1)[0] == 0.2
    assert bench({"lr": 0.004, "x": 0.5}, 1)[0] == 0.3


def test_resources_outside_the_table_are_refused():
    bench = TabularBenchmark(recorded(), min_resource=3)
    assert (bench.min_resource, bench.max_resource) == (3, 9)
    with pytest.raises(ValueError, match="resource must be in \\[1, 9\\]; got 10"):
        bench({"learning_rate": 0.1, "batch_size": 64}, 10)
    with pytest.raises(
        ConfigError,
        match="'min_resource' parameter of TabularBenchmark .* >= 1 and <= max_epochs=9;",
    ):
        TabularBenchmark(recorded(), min_resource=0)


def test_asha_in_simulated_time_pays_each_configurations_recorded_seconds():
    """The whole path of a quality run: tuner, ASHA, simulated executor, the table."""
    bench = TabularBenchmark(recorded())
    searcher = rung.RandomSearcher(bench.space, seed=0)
    tuner = rung.Tuner(
        bench, rung.ASHA(searcher, 1, 9, eta=3), executor=SimulatedExecutor(2, decision_time=False)
    )
    result = tuner.run(time_budget_s=200.0)
    jobs = [j for j in result.jobs if j.status is JobStatus.COMPLETED]
    assert jobs and any(j.resource_from > 0 for j in jobs)  # promotions happened
    for job in jobs:
        row = bench.nearest(job.config)
        paid = bench.table.seconds[row, job.resource_from : job.resource_to].sum()
        assert job.end - job.start == pytest.approx(paid)  # a promotion pays its new epochs only
        assert job.value == bench.table.errors[row, job.resource_to - 1]


@pytest.mark.parametrize("model", ["softmax", "sgd", "svm", "lenet"])
def test_the_committed_fashion_mnist_tables_load(model):
    path = COMMITTED / f"fmnist-{model}.csv.gz"
    if not path.exists():
        pytest.skip(f"{path.name} not recorded")
    table = read_table(path)
    assert table.max_epochs == 27 and len(table) >= 30
    assert ((table.errors >= 0) & (table.errors <= 1)).all()
    assert (table.seconds > 0).all()
    assert table.notes["model"] == model
    bench = TabularBenchmark(table)
    assert 0 < bench.optimum < np.median(table.errors[:, -1])
