"""Parameter rules, written once: every public constructor checks its arguments here.

A rule says what a parameter may be (:class:`Integer`, :class:`Real`, :class:`OneOf`,
:class:`Member`, :class:`Text`, :class:`Boolean`, :class:`Function`, :class:`InstanceOf`,
:class:`SequenceOf`, or :class:`AnyOf` several, each optionally ``nullable``); :func:`check`
applies it and raises one exception family with one message shape, naming the parameter,
its owner, the rule and the bad value::

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
import enum
import functools
import inspect
import math
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from numbers import Integral
from numbers import Real as RealNumber
from typing import Any, TypeVar

from rung._frozen import frozen
from rung.errors import ConfigError, ConfigTypeError

__all__ = [
    "AnyOf",
    "Boolean",
    "Function",
    "InstanceOf",
    "Integer",
    "Member",
    "OneOf",
    "Real",
    "Rule",
    "SequenceOf",
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

    def parts(self, name: str, value: Any) -> Iterator[tuple[str, Any, Rule]]:
        """The pieces of a value that passed, each to check with its own rule (none here)."""
        return iter(())


def _number_text(number: float, label: str | None) -> str:
    # An int as written (2**64 - 1, not 1.84467e+19); a bound taken from another
    # parameter says so: "min_resource=9".
    text = str(number) if isinstance(number, Integral) else f"{number:g}"
    return f"{label}={text}" if label else text


def _bound_text(
    low: float | None,
    high: float | None,
    low_open: bool,
    high_open: bool,
    low_label: str | None = None,
    high_label: str | None = None,
) -> str:
    parts = []
    if low is not None:
        parts.append(f"{'>' if low_open else '>='} {_number_text(low, low_label)}")
    if high is not None:
        parts.append(f"{'<' if high_open else '<='} {_number_text(high, high_label)}")
    return " and ".join(parts)


@frozen
class Integer(Rule):
    """An int (not a bool) in ``[low, high]`` (a bound of None is open-ended).

    ``low_label``/``high_label`` name a bound that is another parameter's value
    (``Integer(low=min_resource, low_label="min_resource")``: "an int >= min_resource=9").
    """

    low: int | None = None
    high: int | None = None
    nullable: bool = False
    low_label: str | None = None
    high_label: str | None = None

    def type_ok(self, value: Any) -> bool:
        return isinstance(value, Integral) and not isinstance(value, bool)

    def value_ok(self, value: Any) -> bool:
        return (self.low is None or value >= self.low) and (self.high is None or value <= self.high)

    def describe(self) -> str:
        bounds = _bound_text(self.low, self.high, False, False, self.low_label, self.high_label)
        return f"an int {bounds}" if bounds else "an int"


@frozen
class Real(Rule):
    """A finite real number (an int or a float, not a bool) within the bounds.

    ``low_open``/``high_open`` exclude the bound itself; ``finite=False`` admits infinity
    (never NaN); ``low_label``/``high_label`` name a bound taken from another parameter.
    """

    low: float | None = None
    high: float | None = None
    low_open: bool = False
    high_open: bool = False
    finite: bool = True
    nullable: bool = False
    low_label: str | None = None
    high_label: str | None = None

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
        bounds = _bound_text(
            self.low, self.high, self.low_open, self.high_open, self.low_label, self.high_label
        )
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
class Member(Rule):
    """A member of the string-valued enum ``kind``, or its value as a string.

    With ``ignore_case``, ``"Promotion"`` names ``"promotion"`` too. :func:`check` returns
    the value as given; :meth:`parse` turns a value that passed into the member.
    """

    kind: type[enum.Enum]
    ignore_case: bool = False
    nullable: bool = False

    def type_ok(self, value: Any) -> bool:
        return isinstance(value, (self.kind, str))

    def _key(self, text: str) -> str:
        return text.lower() if self.ignore_case else text

    def value_ok(self, value: Any) -> bool:
        if isinstance(value, self.kind):
            return True
        return any(self._key(value) == self._key(member.value) for member in self.kind)

    def parse(self, value: Any) -> Any:
        """The member ``value`` names (``value`` passed :func:`check` with this rule)."""
        if isinstance(value, self.kind):
            return value
        return next(m for m in self.kind if self._key(value) == self._key(m.value))

    def describe(self) -> str:
        names = ", ".join(repr(member.value) for member in self.kind)
        article = "an" if self.kind.__name__[:1] in "AEIOU" else "a"
        return f"one of {names} or {article} {self.kind.__name__}"


@frozen
class Boolean(Rule):
    """True or False (not 0, 1 or a string)."""

    nullable: bool = False

    def type_ok(self, value: Any) -> bool:
        return isinstance(value, bool)

    def describe(self) -> str:
        return "a bool"


@frozen
class Function(Rule):
    """Anything callable (a function, a class, an object with ``__call__``)."""

    nullable: bool = False

    def type_ok(self, value: Any) -> bool:
        return callable(value)

    def describe(self) -> str:
        return "callable"


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


@frozen
class SequenceOf(Rule):
    """A list or tuple (not a string, bytes or a mapping) of at least ``min_length`` items,
    each following ``item``.

    A bad item is reported by its own name and rule: "The 'gpus[1]' parameter ... must be
    an int >= 0; got -1."
    """

    item: Rule
    min_length: int = 0
    nullable: bool = False

    def type_ok(self, value: Any) -> bool:
        return isinstance(value, Sequence) and not isinstance(value, (str, bytes, bytearray))

    def value_ok(self, value: Any) -> bool:
        return len(value) >= self.min_length

    def parts(self, name: str, value: Any) -> Iterator[tuple[str, Any, Rule]]:
        for index, item in enumerate(value):
            yield f"{name}[{index}]", item, self.item

    def describe(self) -> str:
        size = "a list" if self.min_length == 0 else f"a list of {self.min_length}+ items"
        if self.min_length == 1:
            size = "a non-empty list"
        return f"{size}, each {self.item.full_description()}"


@frozen
class AnyOf(Rule):
    """A value that follows at least one of ``rules``."""

    rules: tuple[Rule, ...]
    nullable: bool = False

    def type_ok(self, value: Any) -> bool:
        return any(rule.type_ok(value) for rule in self.rules)

    def _passing(self, value: Any) -> Rule | None:
        for rule in self.rules:
            if (value is None and rule.nullable) or (rule.type_ok(value) and rule.value_ok(value)):
                return rule
        return None

    def value_ok(self, value: Any) -> bool:
        return self._passing(value) is not None

    def parts(self, name: str, value: Any) -> Iterator[tuple[str, Any, Rule]]:
        rule = self._passing(value)
        return rule.parts(name, value) if rule is not None else iter(())

    def describe(self) -> str:
        return " or ".join(rule.full_description() for rule in self.rules)


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
    for part_name, part, part_rule in rule.parts(name, value):
        check(owner, part_name, part, part_rule)
    return value


def check_all(owner: str | None, rules: Mapping[str, Rule], values: Mapping[str, Any]) -> None:
    """Applies each rule of the table ``rules`` to the value of the same name.

    ``values`` is usually the constructor's ``locals()``.
    """
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
        if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY) and p.name != "self"
    ]
    owner = f"{func.__qualname__}()"

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        reject_unknown(owner, kwargs, names)
        return func(*args, **kwargs)

    return wrapper  # type: ignore[return-value]
