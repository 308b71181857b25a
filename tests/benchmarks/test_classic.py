"""The classic-functions benchmark: its functions' known minima, its grids, and a smoke
run of rung's side (Optuna's runs need the benchmark extra)."""

from __future__ import annotations

import math
import sys
from pathlib import Path

import numpy as np
import pytest

from rung.workloads.synthetic import HARTMANN6

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))

import classic  # noqa: E402

MINIMIZERS = {
    "hartmann6": [0.20169, 0.150011, 0.476874, 0.275332, 0.311652, 0.6573],
    "ackley5": [0.0] * 5,
    "levy4": [1.0] * 4,
    "rosenbrock4": [1.0] * 4,
    "styblinski_tang4": [-2.903534] * 4,
    "rastrigin3": [0.0] * 3,
    "griewank4": [0.0] * 4,
    "ackley20": [0.0] * 20,
    "levy20": [1.0] * 20,
    "rosenbrock20": [1.0] * 20,
    "styblinski_tang20": [-2.903534] * 20,
    "rastrigin20": [0.0] * 20,
    "griewank20": [0.0] * 20,
}
ALL = {**classic.PROBLEMS, **classic.HIGH}


@pytest.mark.parametrize("name", sorted(MINIMIZERS))
def test_the_known_minimizer_reaches_the_known_minimum(name):
    problem = ALL[name]
    assert problem.at(np.array(MINIMIZERS[name])) == pytest.approx(problem.minimum, abs=1e-4)


@pytest.mark.parametrize("name", sorted(ALL))
def test_no_point_of_the_box_is_below_the_minimum(name):
    problem = ALL[name]
    x = np.random.default_rng(0).uniform(problem.low, problem.high, (20_000, problem.d))
    values = problem.function(x)
    assert values.shape == (20_000,)
    assert values.min() >= problem.minimum - 1e-6
    assert values.std() > 0  # not constant


def test_hartmann6_is_the_workload_of_the_same_name():
    u = np.random.default_rng(1).random(6)
    expected = HARTMANN6({f"x{i + 1}": float(v) for i, v in enumerate(u)})
    assert classic.PROBLEMS["hartmann6"].at(u) == pytest.approx(expected)


def test_the_grid_minimum_is_the_least_grid_value():
    problem = classic.PROBLEMS["levy4"]
    levels = np.linspace(problem.low, problem.high, 5)
    everything = np.array(np.meshgrid(*[levels] * 4)).reshape(4, -1).T
    assert problem.grid_minimum(5, chunk=7) == pytest.approx(problem.function(everything).min())
    assert problem.grid_minimum(5) >= problem.minimum


def test_regrets_are_the_best_so_far_less_the_minimum():
    assert classic.regrets([5.0, 3.0, 4.0, 1.0], 1.0, (1, 2, 4)) == [4.0, 2.0, 0.0]


def test_rung_runs_on_a_grid_with_valid_integers():
    encoding = classic.Encoding(classic.PROBLEMS["rastrigin3"], grid=5)
    values = classic.run_rung(encoding, trials=8, seed=0, searcher="bo")
    assert len(values) == 8 and all(math.isfinite(v) for v in values)
    grid = classic.PROBLEMS["rastrigin3"].grid_minimum(5)
    assert min(values) >= grid


def test_a_grid_below_two_values_is_refused(capsys):
    with pytest.raises(SystemExit) as raised:
        classic.main(["--grid", "1"])
    assert raised.value.code == 2
    assert "--grid must be at least 2" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--grid", "40", "--problems", "hartmann6"], "points to enumerate"),
        (["--problems", "sphere"], "unknown problems or methods ['sphere']"),
        (["--methods", "rung TPE"], "unknown problems or methods ['rung TPE']"),
    ],
)
def test_bad_arguments_get_one_line(argv, message, capsys):
    with pytest.raises(SystemExit) as raised:
        classic.main(argv)
    assert raised.value.code == 2
    assert message in capsys.readouterr().err


def test_high_names_the_six_functions_in_20_dimensions(capsys):
    classic.main(
        ["--problems", "high", "--methods", "rung random", "--seeds", "2", "--trials", "4"]
    )
    rows = [line for line in capsys.readouterr().out.splitlines() if "| rung random |" in line]
    assert [row.split(" | ")[0].strip("| ") for row in rows] == list(classic.HIGH)
    assert all(classic.HIGH[name].d == 20 for name in classic.HIGH)
