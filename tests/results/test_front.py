"""What the Pareto front counts as infeasible, and what as non-finite, from real runs."""

from __future__ import annotations

import logging
import math

import rung
from rung.results.summary import read_result

SPACE = {"width": rung.uniform(1, 100)}
OBJECTIVES = {"val_error": "min", "latency_ms": "min"}


def test_a_non_finite_objective_is_no_violation_without_constraints(tmp_path, caplog):
    def latency_unknown(config):
        return {"val_error": 1 / config["width"], "latency_ms": math.inf}

    with caplog.at_level(logging.WARNING):
        result = rung.tune(
            latency_unknown, SPACE, objectives=OBJECTIVES, searcher="random", max_trials=6,
            seed=0, directory=tmp_path / "run",
        )  # fmt: skip
    assert result.pareto_front == () and result.incumbent is None
    assert (result.infeasible, result.non_finite) == (0, 6)
    assert "violate the constraints" not in caplog.text
    again = read_result(tmp_path / "run")
    assert (again.infeasible, again.non_finite) == (0, 6)


def test_a_non_finite_second_objective_is_left_off_the_front_not_infeasible():
    def slow_is_unknown(config):
        w = config["width"]
        return {"val_error": 1 / w, "latency_ms": math.inf if w > 50 else w}

    result = rung.tune(
        slow_is_unknown, SPACE, objectives=OBJECTIVES, searcher="random", max_trials=8, seed=0
    )
    unknown = [j for j in result.jobs if j.reports[-1].metrics["latency_ms"] == math.inf]
    assert unknown and result.infeasible == 0 and result.non_finite == len(unknown)
    assert all(math.isfinite(p.values["latency_ms"]) for p in result.pareto_front)


def test_a_broken_constraint_counts_as_infeasible_whatever_the_objectives():
    def objective(config):
        w = config["width"]  # the wide ones break the bound; half of those have no error
        return {"val_error": math.nan if w > 75 else 1 / w, "latency_ms": w}

    result = rung.tune(
        objective, SPACE, objectives=OBJECTIVES, constraints=["latency_ms<=50"],
        searcher="random", max_trials=12, seed=0,
    )  # fmt: skip
    widths = [j.config["width"] for j in result.jobs]
    assert result.infeasible == sum(w > 50 for w in widths)
    assert result.non_finite == 0 and result.pareto_front


def test_a_non_finite_primary_objective_is_counted_too():
    result = rung.tune(
        lambda c: {"val_error": math.nan, "latency_ms": c["width"]}, SPACE,
        objectives=OBJECTIVES, searcher="random", max_trials=4, seed=0,
    )  # fmt: skip
    assert (result.infeasible, result.non_finite) == (0, 4)


def test_a_plain_run_counts_its_non_finite_values():
    result = rung.tune(
        lambda c: math.inf if c["width"] > 50 else c["width"], SPACE, searcher="random",
        max_trials=8, seed=0,
    )  # fmt: skip
    assert result.non_finite == sum(j.config["width"] > 50 for j in result.jobs) > 0
    assert result.infeasible == 0
