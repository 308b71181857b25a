"""Parameter rules, written once: every public constructor checks its arguments here.

A rule says what a parameter may be (:class:`Integer`, :class:`Real`, :class:`OneOf`,
:class:`Text`, :class:`InstanceOf`, each optionally ``nullable``); :func:`check` applies
it and raises one exception family with one message shape, naming the parameter, its
owner, the rule and the bad value::

    The 'eta' parameter of ASHA must be a number >= 2; got 1.

A value of the wrong type raises :class:`~rung.errors.ConfigTypeError` (a ``ConfigError``
and a ``TypeError``), a value out of range :class:`~rung.errors.ConfigError` (a
``ValueError``). Model: scikit-learn's ``utils/_param_validation.py`` (one table of
constraints per estimator, one message shape), without its machinery: a table here is a
plain dict of rules.

:func:`reject_unknown` and :func:`known_keywords` turn an unknown keyword (a typo) into an
error that names the closest valid one, instead of a wrong error further down.
"""

from __future__ import annotations

import difflib
import functools
import inspect
import math
from collections.abc import Callable, Iterable, Mapping
from numbers import Integral
from numbers import Real as RealNumber
from typing import Any, TypeVar

from rung._frozen import frozen
from rung.errors import ConfigError, ConfigTypeError

__all__ = [
    "InstanceOf",
    "Integer",
    "OneOf",
    "Real",
    "Rule",
    "Text",
    "check",
    "check_all",
    "known_keywords",
    "reject_unknown",
]

F = TypeVar("F", bound=Callable[..., Any])


class Rule:
    """What a parameter may be. Subclasses say what type it has and which values pass."""

    nullable: bool = False

    def type_ok(self, value: Any) -> bool:
        raise NotImplementedError

    def value_ok(self, value: Any) -> bool:
        return True

    def describe(self) -> str:
        raise NotImplementedError

    def full_description(self) -> str:
        return self.describe() + (" or None" if self.nullable else "")


def _bound_text(low: float | None, high: float | None, low_open: bool, high_open: bool) -> str:
    parts = []
    if low is not None:
        parts.append(f"{'>' if low_open else '>='} {low:g}")
    if high is not None:
        parts.append(f"{'<' if high_open else '<='} {high:g}")
    return " and ".join(parts)


@frozen
class Integer(Rule):
    """An int (not a bool) in ``[low, high]`` (a bound of None is open-ended)."""

    low: int | None = None
    high: int | None = None
    nullable: bool = False

    def type_ok(self, value: Any) -> bool:
        return isinstance(value, Integral) and not isinstance(value, bool)

    def value_ok(self, value: Any) -> bool:
        return (self.low is None or value >= self.low) and (self.high is None or value <= self.high)

    def describe(self) -> str:
        bounds = _bound_text(self.low, self.high, False, False)
        return f"an int {bounds}" if bounds else "an int"


@frozen
class Real(Rule):
    """A finite real number (an int or a float, not a bool) within the bounds.

    ``low_open``/``high_open`` exclude the bound itself; ``finite=False`` admits infinity
    (never NaN).
    """

    low: float | None = None
    high: float | None = None
    low_open: bool = False
    high_open: bool = False
    finite: bool = True
    nullable: bool = False

    def type_ok(self, value: Any) -> bool:
        return isinstance(value, RealNumber) and not isinstance(value, bool)

    def value_ok(self, value: Any) -> bool:
        value = float(value)
        if math.isnan(value) or (self.finite and math.isinf(value)):
            return False
        if self.low is not None and (value <= self.low if self.low_open else value < self.low):
            return False
        return self.high is None or (value < self.high if self.high_open else value <= self.high)

    def describe(self) -> str:
        bounds = _bound_text(self.low, self.high, self.low_open, self.high_open)
        kind = "a finite number" if self.finite else "a number"
        return f"{kind} {bounds}" if bounds else kind


@frozen
class OneOf(Rule):
    """One of the given values (compared with ``==``)."""

    values: tuple[Any, ...]
    nullable: bool = False

    def type_ok(self, value: Any) -> bool:
        return True

    def value_ok(self, value: Any) -> bool:
        return any(value == v and type(value) is type(v) for v in self.values)

    def describe(self) -> str:
        return "one of " + ", ".join(repr(v) for v in self.values)


@frozen
class Text(Rule):
    """A non-empty string."""

    nullable: bool = False

    def type_ok(self, value: Any) -> bool:
        return isinstance(value, str)

    def value_ok(self, value: Any) -> bool:
        return bool(value.strip())

    def describe(self) -> str:
        return "a non-empty string"


@frozen
class InstanceOf(Rule):
    """An instance of one of ``types``; ``name`` says what that is (``"a Searcher"``)."""

    types: tuple[type, ...]
    name: str
    nullable: bool = False

    def type_ok(self, value: Any) -> bool:
        return isinstance(value, self.types)

    def describe(self) -> str:
        return self.name


def _message(owner: str | None, name: str, rule: Rule, value: Any) -> str:
    of = f" of {owner}" if owner else ""
    return f"The {name!r} parameter{of} must be {rule.full_description()}; got {value!r}."


def check(owner: str | None, name: str, value: Any, rule: Rule) -> Any:
    """Returns ``value`` if it follows ``rule``.

    Args:
        owner: Who takes the parameter (``"ASHA"``, ``"Tuner.run()"``), or None.
        name: The parameter's name.
        value: Its value.
        rule: What it may be.

    Raises:
        ConfigTypeError: ``value`` has the wrong type.
        ConfigError: ``value`` is out of range.

    Example:
        >>> check("ASHA", "eta", 3, Real(low=2))
        3
        >>> check("ASHA", "eta", 1, Real(low=2))
        Traceback (most recent call last):
        ...
        rung.errors.ConfigError: The 'eta' parameter of ASHA must be a finite number >= 2; got 1.
    """
    if value is None and rule.nullable:
        return value
    if not rule.type_ok(value):
        raise ConfigTypeError(_message(owner, name, rule, value))
    if not rule.value_ok(value):
        raise ConfigError(_message(owner, name, rule, value))
    return value


def check_all(owner: str | None, rules: Mapping[str, Rule], values: Mapping[str, Any]) -> None:
    """Applies each rule of the table ``rules`` to the value of the same name."""
    for name, rule in rules.items():
        check(owner, name, values[name], rule)


def reject_unknown(owner: str, given: Iterable[str], valid: Iterable[str]) -> None:
    """Raises for the first name of ``given`` that is not in ``valid``, naming the closest.

    Raises:
        ConfigTypeError: an unknown name (a TypeError, as Python's own for a bad keyword).
    """
    valid = list(valid)
    for name in given:
        if name not in valid:
            close = difflib.get_close_matches(name, valid, n=1, cutoff=0.6)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            raise ConfigTypeError(
                f"{owner} got an unexpected keyword argument {name!r}{hint} "
                f"Valid keywords: {', '.join(sorted(valid))}."
            )


def known_keywords(func: F) -> F:
    """Makes ``func`` refuse unknown keyword arguments with :func:`reject_unknown`'s error.

    Python's own error for a typo (``time_budget=3``) names no alternative; this one does.
    """
    signature = inspect.signature(func)
    names = [
        p.name
        for p in signature.parameters.values()
        if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)
    ]
    owner = f"{func.__qualname__}()"

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        reject_unknown(owner, kwargs, names)
        return func(*args, **kwargs)

    return wrapper  # type: ignore[return-value]
