"""The constrained benchmark's problems, its feasible hypervolume, and a smoke run of
rung's side (Optuna's runs need the benchmark extra)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))

import constrained  # noqa: E402


def test_only_feasible_results_count():
    reference = (10.0, 10.0)
    feasible = {"f1": 5.0, "f2": 5.0, "g1": -1.0, "g2": 0.0}
    better_but_infeasible = {"f1": 1.0, "f2": 1.0, "g1": -1.0, "g2": 0.5}
    assert constrained.feasible_volume([feasible], reference) == pytest.approx(25.0)
    assert constrained.feasible_volume([feasible, better_but_infeasible], reference) == (
        pytest.approx(25.0)
    )
    assert constrained.feasible_volume([better_but_infeasible], reference) == 0.0


@pytest.mark.parametrize(
    ("name", "config", "feasible"),
    [
        ("srn", {"x1": -2.5, "x2": 5.0}, True),
        ("srn", {"x1": 10.0, "x2": 0.0}, False),  # below the line x1 - 3 x2 + 10 = 0
        ("bnh", {"x1": 0.0, "x2": 0.0}, True),
        ("bnh", {"x1": 5.0, "x2": 3.0}, True),
        ("tnk", {"x1": 0.1, "x2": 0.1}, False),  # inside the unit circle
        ("tnk", {"x1": 1.0, "x2": 0.3}, True),
    ],
)
def test_known_points_are_feasible_or_not(name, config, feasible):
    values = constrained.PROBLEMS[name][0](config)
    assert all(values[g] <= 0 for g in constrained.CONSTRAINTS) is feasible


@pytest.mark.parametrize("name", sorted(constrained.PROBLEMS))
def test_rung_finds_feasible_results(name):
    function, bounds, reference = constrained.PROBLEMS[name]
    seen = constrained.run_rung(function, bounds, trials=12, seed=0)
    assert len(seen) == 12
    assert constrained.feasible_volume(seen, reference) > 0
