"""The multi-objective benchmark: its hypervolume by budget fraction, and rung's runs on
one worker (resource) and on several (simulated time); Optuna's need the benchmark extra."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))

import multiobjective  # noqa: E402

from rung.workloads.multi_objective import zdt1  # noqa: E402


def test_volumes_count_only_results_within_each_fraction():
    trace = [(10.0, (0.5, 5.0)), (60.0, (0.0, 1.0))]
    # budget 100: up to 50 % the first point alone; at 100 % the second, which dominates it
    v10, v25, v50, v100 = multiobjective.volumes(trace, (1.0, 10.0), 100.0)
    assert v10 == v25 == v50 == pytest.approx(0.5 * 5.0)
    assert v100 == pytest.approx(1.0 * 9.0)


@pytest.mark.parametrize("workers", [1, 3])
def test_rung_runs_within_the_budget_and_keeps_full_resource_results(workers):
    problem = zdt1(max_resource=9)
    task = multiobjective.synthetic_task(problem)
    objective = task["simulated"] if workers > 1 else task["objective"]
    budget = 12 * 9 / workers  # epochs on one worker, seconds on several
    trace = multiobjective.run_rung(
        "async_hyperband", "bo", objective, task["space"], task["objectives"], 9, budget,
        seed=0, workers=workers,
    )  # fmt: skip
    assert trace and all(spent <= budget + 9 for spent, _ in trace)
    for _, y in trace:  # every result counted is the function itself, at the full resource
        assert len(y) == 2 and y[1] >= 1 - y[0] ** 0.5 - 1e-9
    if workers > 1:  # the eager chain of promotions: a full result within one full training
        assert min(spent for spent, _ in trace) <= 9.0


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["--workers", "0"], "--workers must be >= 1; got 0"),
        (["--workers", "2", "--fmnist"], "--workers applies to the synthetic problems"),
        (["--problems", "zdt7"], "unknown problem 'zdt7'"),
        (["--problems", "zdt1", "--variables", "2"], "zdt1: The problem needs more variables"),
        (["--problems", "dtlz2", "--objectives", "0"], "dtlz2: The 'n_objectives' parameter"),
    ],
)
def test_bad_arguments_exit_with_the_reason(argv, words, capsys):
    with pytest.raises(SystemExit) as exit_:
        multiobjective.main(argv)
    assert exit_.value.code == 2
    assert words in capsys.readouterr().err


def test_the_problems_take_the_sizes_asked(capsys):
    multiobjective.main(
        ["--problems", "zdt1,dtlz2", "--variables", "6", "--objectives", "4", "--seeds", "1",
         "--full", "3", "--methods", "rung ASHA-stopping + random"]
    )  # fmt: skip
    out = capsys.readouterr().out
    # ZDT keeps its two objectives; --objectives resizes DTLZ only
    assert "zdt1 (2 objectives, 6 variables)" in out
    assert "dtlz2 (4 objectives, 6 variables)" in out
