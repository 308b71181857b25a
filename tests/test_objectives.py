"""Objectives and constraints as users write them, and the scores results become."""

from __future__ import annotations

import math
import re

import pytest

import rung
from rung.errors import ConfigError, ConfigTypeError
from rung.objectives import (
    Comparison,
    Constraint,
    Goals,
    Objective,
    Score,
    parse_constraints,
    parse_objectives,
)
from rung.types import Direction


@pytest.mark.parametrize(
    "given",
    [
        {"val_error": "min", "latency_ms": "minimize", "accuracy": "max"},
        "val_error:min, latency_ms:minimize,accuracy:max",
        ["val_error:min", "latency_ms:min", "accuracy:maximize"],
    ],
)
def test_objectives_in_every_form(given):
    objectives = parse_objectives(given)
    assert objectives == (
        Objective("val_error", Direction.MIN),
        Objective("latency_ms", Direction.MIN),
        Objective("accuracy", Direction.MAX),
    )


@pytest.mark.parametrize(
    ("given", "error", "match"),
    [
        ({"val_error": "up"}, ConfigError, r"objective 'val_error' must be 'min' or 'max'.*'up'"),
        ("val_error:lowest", ConfigError, r"objective 'val_error' must be 'min' or 'max'"),
        ("val_error", ConfigError, r"'name:min' or 'name:max' entries; got 'val_error'"),
        ({}, ConfigError, "names no objective"),
        ("", ConfigError, "names no objective"),
        ("a:min,a:max", ConfigError, "names 'a' twice"),
        (42, ConfigTypeError, "must be a mapping"),
        ({"": "min"}, ConfigTypeError, "non-empty string"),
    ],
)
def test_bad_objectives_are_refused_with_the_rule(given, error, match):
    with pytest.raises(error, match=match):
        parse_objectives(given)


@pytest.mark.parametrize(
    "given",
    [
        {"latency_ms": ("<=", 100), "accuracy": (">=", 0.85)},
        ["latency_ms<=100", "accuracy >= 0.85"],
        [
            Constraint("latency_ms", Comparison.AT_MOST, 100.0),
            Constraint("accuracy", Comparison.AT_LEAST, 0.85),
        ],
    ],
)
def test_constraints_in_every_form(given):
    assert [str(c) for c in parse_constraints(given)] == ["latency_ms<=100", "accuracy>=0.85"]


def test_a_constraint_shows_its_bound_in_full():
    """A result just past the bound must read as past it: no rounding to 6 digits."""
    exact = parse_constraints(["params<=1234567", "latency_ms<=0.0123456789", "loss>=-2.5e-08"])
    assert [str(c) for c in exact] == [
        "params<=1234567",
        "latency_ms<=0.0123456789",
        "loss>=-2.5e-08",
    ]
    assert str(Constraint("params", Comparison.AT_MOST, 5)) == "params<=5"  # an int bound


@pytest.mark.parametrize(
    ("given", "error", "match"),
    [
        ("latency_ms<100", ConfigError, r"must be '<=' or '>='; got '<'"),
        ({"latency_ms": ("==", 1)}, ConfigError, r"must be '<=' or '>='; got '=='"),
        ("latency_ms<=fast", ConfigError, "must be a number; got 'fast'"),
        ({"latency_ms": ("<=", math.inf)}, ConfigError, "must be finite"),
        ({"latency_ms": ("<=", None)}, ConfigTypeError, "must be a number; got None"),
        ({"latency_ms": 100}, ConfigError, r"a pair like \('<=', 100\)"),
        ("latency_ms", ConfigError, "'metric<=bound'"),
        ("latency_ms<=", ConfigError, r"written 'metric<=bound' .*; got 'latency_ms<='"),
        ("latency_ms=<1", ConfigError, r"written 'metric<=bound' .*; got 'latency_ms=<1'"),
        (3.0, ConfigTypeError, "must be a mapping"),
    ],
)
def test_bad_constraints_are_refused_with_the_rule(given, error, match):
    with pytest.raises(error, match=match):
        parse_constraints(given)


def test_slack_is_relative_and_negative_when_the_constraint_holds():
    at_most = Constraint("latency_ms", Comparison.AT_MOST, 100.0)
    at_least = Constraint("accuracy", Comparison.AT_LEAST, 0.8)
    assert at_most.slack(50.0) == -0.5 and at_most.slack(150.0) == 0.5
    assert at_least.slack(0.9) == pytest.approx(-0.125) and at_least.slack(0.6) == pytest.approx(
        0.25
    )
    assert Constraint("x", Comparison.AT_MOST, 0.0).slack(2.0) == 2.0  # a bound of 0: absolute


def test_scores_know_feasibility_and_violation():
    assert Score((1.0, 2.0), (-0.1, 0.0)).feasible
    infeasible = Score((1.0, 2.0), (0.25, 0.5, -1.0))
    assert not infeasible.feasible and infeasible.violation == 0.75
    unknown = Score((1.0,), (math.nan,))
    assert unknown.finite and not unknown.feasible and unknown.violation == math.inf
    failed = Score.failed(2, 1)
    assert not failed.finite and not failed.feasible


def test_goals_turn_metrics_into_a_minimized_score():
    goals = Goals.build({"error": "min", "accuracy": "max"}, ["latency<=10"])
    assert goals.scored and goals.primary.name == "error"
    assert goals.metrics == ("error", "accuracy", "latency")
    score = goals.score({"error": 0.2, "accuracy": 0.9, "latency": 12.0, "other": 1.0})
    assert score == Score((0.2, -0.9), (pytest.approx(0.2),))
    assert goals.missing({"error": 0.2}) == ["accuracy", "latency"]
    assert goals.missing(None) == ["error", "accuracy", "latency"]
    assert "maximize accuracy" in goals.describe() and "latency<=10" in goals.describe()


def test_goals_of_a_plain_run_and_of_constraints_on_the_tuned_metric():
    assert Goals.build() is None
    assert Goals.build(metric="loss") is None
    goals = Goals.build(constraints={"latency": ("<=", 1)}, metric="acc", direction="max")
    assert goals.objectives == (Objective("acc", Direction.MAX),) and goals.scored
    assert not Goals.build({"loss": "min"}).scored  # one objective: a plain tuned metric


def test_goals_refuse_ambiguous_arguments():
    with pytest.raises(ConfigError, match="either 'metric'.*or 'objectives'"):
        Goals.build({"a": "min", "b": "min"}, metric="a")
    with pytest.raises(ConfigError, match="leave 'direction'"):
        Goals.build({"a": "min", "b": "min"}, direction="max")
    with pytest.raises(ConfigError, match="Constraints need a named objective"):
        Goals.build(constraints=["latency<=1"])


def test_goals_read_back_as_written():
    goals = Goals.build("a:min,b:max", {"c": (">=", 2)})
    again = Goals.from_dicts(goals.objectives_dicts(), goals.constraints_dicts())
    assert again == goals
    assert Goals.from_dicts([], []) is None


@pytest.mark.parametrize("name", ["val_error", "acc/top-1", "loss.val", "f-1", "_x", "F1"])
def test_metric_names_a_report_line_can_carry_are_accepted(name):
    goals = Goals.build({name: "min", "b": "max"}, [f"{name}<=1"])
    assert goals.metrics == (name, "b") and str(goals.constraints[0]) == f"{name}<=1"
    assert Goals.build(f"{name}:min,b:max", {name: (">=", 0)}).objectives[0].name == name


@pytest.mark.parametrize("name", ["val error", "a:b", "x=1", "1x", "a,b", "-a", "é"])
def test_metric_names_no_report_line_can_carry_are_refused(name):
    match = f"report line can carry.*got {re.escape(repr(name))}"
    with pytest.raises(ConfigError, match=match):
        parse_objectives({name: "min"})
    with pytest.raises(ConfigError, match=match):
        parse_constraints({name: ("<=", 1)})
    with pytest.raises(ConfigError, match=match):
        rung.tune(lambda c: c["x"], {"x": rung.uniform(0, 1)}, objectives={name: "min"})


def test_objectives_written_with_a_space_instead_of_a_comma_say_so():
    with pytest.raises(ConfigError, match="got 'a:min b'. Separate objectives with commas"):
        parse_objectives("a:min b:min")


def test_a_constraint_without_its_metric_says_so():
    with pytest.raises(ConfigError, match="got '<=0.5', with no metric name"):
        parse_constraints("<=0.5")
