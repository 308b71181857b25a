"""The parameter rules of rung._checks: what passes, what fails, and how it says so."""

from __future__ import annotations

import enum
import math

import pytest

from rung._checks import (
    AnyOf,
    Boolean,
    Function,
    InstanceOf,
    Integer,
    Member,
    OneOf,
    Real,
    SequenceOf,
    Text,
    check,
    check_all,
    known_keywords,
    reject_unknown,
)
from rung.errors import ConfigError, ConfigTypeError


class Color(enum.Enum):
    RED = "red"
    BLUE = "blue"


@pytest.mark.parametrize(
    ("value", "rule"),
    [
        (3, Integer(low=1)),
        (None, Integer(nullable=True)),
        (2.5, Real(low=0, high=3)),
        (math.inf, Real(finite=False)),
        ("min", OneOf(("min", "max"))),
        ("red", Member(Color)),
        ("Blue", Member(Color, ignore_case=True)),
        (Color.RED, Member(Color)),
        (False, Boolean()),
        (len, Function()),
        ("name", Text()),
        (3, InstanceOf((int,), "an int")),
        ([], SequenceOf(Integer())),
        ((1, 2), SequenceOf(Integer(low=1), min_length=2)),
        ("all", AnyOf((OneOf(("all",)), SequenceOf(Integer())))),
        ([0, 1], AnyOf((OneOf(("all",)), SequenceOf(Integer())))),
    ],
)
def test_a_value_that_follows_its_rule_is_returned(value, rule):
    assert check("Owner", "p", value, rule) is value


@pytest.mark.parametrize(
    ("value", "rule", "error", "message"),
    [
        (True, Integer(), ConfigTypeError, "must be an int; got True"),
        (0, Integer(low=1), ConfigError, "must be an int >= 1; got 0"),
        (math.nan, Real(), ConfigError, "must be a finite number; got nan"),
        (1.0, Real(high=1, high_open=True), ConfigError, "must be a finite number < 1; got 1.0"),
        ("3", Real(), ConfigTypeError, "must be a finite number; got '3'"),
        (1, OneOf((True, False)), ConfigError, "must be one of True, False; got 1"),
        ("green", Member(Color), ConfigError, "one of 'red', 'blue' or a Color; got 'green'"),
        ("RED", Member(Color), ConfigError, "got 'RED'"),
        (1, Member(Color), ConfigTypeError, "one of 'red', 'blue' or a Color; got 1"),
        (1, Boolean(), ConfigTypeError, "must be a bool; got 1"),
        ("yes", Boolean(nullable=True), ConfigTypeError, "must be a bool or None; got 'yes'"),
        (3, Function(), ConfigTypeError, "must be callable; got 3"),
        (" ", Text(), ConfigError, "must be a non-empty string; got ' '"),
        ("12", SequenceOf(Integer()), ConfigTypeError, "must be a list, each an int; got '12'"),
        ({"a": 1}, SequenceOf(Integer()), ConfigTypeError, "must be a list"),
        ([], SequenceOf(Integer(), min_length=1), ConfigError, "must be a non-empty list"),
        ([1], SequenceOf(Integer(), min_length=2), ConfigError, "a list of 2\\+ items"),
        (3.5, AnyOf((Text(), Integer())), ConfigTypeError, "a non-empty string or an int; got"),
        ("", AnyOf((Text(), Integer())), ConfigError, "a non-empty string or an int; got ''"),
    ],
)
def test_a_value_that_breaks_its_rule_raises_naming_parameter_owner_rule_and_value(
    value, rule, error, message
):
    with pytest.raises(error, match=message) as info:
        check("Owner", "p", value, rule)
    assert str(info.value).startswith("The 'p' parameter of Owner must be ")


def test_type_errors_are_config_errors_and_type_errors():
    with pytest.raises(ConfigError):
        check("Owner", "p", "x", Integer())
    with pytest.raises(TypeError):
        check("Owner", "p", "x", Integer())
    with pytest.raises(ValueError):
        check("Owner", "p", -1, Integer(low=0))


def test_a_bad_item_of_a_sequence_is_named_by_its_index():
    with pytest.raises(
        ConfigError, match=r"The 'gpus\[2\]' parameter of Owner must be an int >= 0; got -1\."
    ):
        check("Owner", "gpus", [0, 1, -1], SequenceOf(Integer(low=0)))
    with pytest.raises(ConfigTypeError, match=r"'gpus\[0\]'.*got 'a'"):
        check("Owner", "gpus", ("a",), SequenceOf(Integer(low=0)))


def test_a_sequence_inside_any_of_checks_its_items():
    rule = AnyOf((OneOf(("all",)), SequenceOf(Integer(low=0), min_length=1)))
    with pytest.raises(ConfigError, match=r"'gpus\[1\]'"):
        check("Owner", "gpus", [0, -1], rule)


def test_a_bound_from_another_parameter_is_named():
    rule = Integer(low=9, low_label="min_resource")
    with pytest.raises(ConfigError, match="must be an int >= min_resource=9; got 3"):
        check("ASHA", "max_resource", 3, rule)
    rule = Real(high=2.5, high_label="upper", high_open=True)
    with pytest.raises(ConfigError, match="must be a finite number < upper=2.5; got 3"):
        check(None, "x", 3, rule)


def test_large_int_bounds_are_written_out():
    with pytest.raises(ConfigError, match="<= 18446744073709551615; got -1"):
        check(None, "seed", -1, Integer(low=0, high=2**64 - 1))


def test_member_parses_a_name_in_any_case():
    rule = Member(Color, ignore_case=True)
    assert rule.parse("BLUE") is Color.BLUE
    assert rule.parse(Color.RED) is Color.RED


def test_without_an_owner_the_message_names_the_parameter_only():
    with pytest.raises(
        ConfigError, match=r"^The 'workers' parameter must be an int >= 1; got 0\.$"
    ):
        check(None, "workers", 0, Integer(low=1))


def test_check_all_applies_a_table():
    rules = {"n": Integer(low=1), "name": Text()}
    check_all("Owner", rules, {"n": 1, "name": "a", "other": object()})
    with pytest.raises(ConfigError, match="'n' parameter of Owner"):
        check_all("Owner", rules, {"n": 0, "name": "a"})


def test_an_unknown_keyword_names_the_closest_valid_one():
    with pytest.raises(ConfigTypeError, match="'time_budget'; did you mean 'time_budget_s'"):
        reject_unknown("tune()", ["time_budget"], ["time_budget_s", "seed"])

    @known_keywords
    def f(alpha: int = 0) -> int:
        return alpha

    assert f(alpha=2) == 2
    with pytest.raises(TypeError, match="did you mean 'alpha'"):
        f(alpah=2)


def test_a_methods_valid_keywords_leave_out_self():
    class Runner:
        @known_keywords
        def run(self, *, max_trials: int = 1) -> int:
            return max_trials

    assert Runner().run(max_trials=2) == 2
    with pytest.raises(TypeError) as info:
        Runner().run(max_trails=2)
    assert str(info.value).endswith("Valid keywords: max_trials.")
