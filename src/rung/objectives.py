"""Several objectives and constraints: what a run optimizes, and the :class:`Score` of a result.

A run tunes one metric by default (``metric=``, ``direction=``). Given several objectives
(``objectives={"val_error": "min", "latency_ms": "min"}``) or constraints
(``constraints={"latency_ms": ("<=", 100)}``), each result becomes a :class:`Score`: the
objectives' values, all minimized (a maximized metric is negated), and each constraint's
*slack* (``<= 0`` when it holds). Schedulers rank scores by Pareto dominance with the
infeasible ones last (:mod:`rung.schedulers._pareto`), searchers learn from them
(:mod:`rung.searchers.multi_objective`, :mod:`rung.searchers.constrained`), and the run's
result is its Pareto front (:mod:`rung.pareto`).

:class:`Goals` holds the objectives and constraints, parses the forms users write them
in (a mapping, or the command line's ``"val_error:min,latency_ms:min"`` and
``"latency_ms<=100"``), and turns a report's metrics into a score. A metric's name is
one a report line can carry (:func:`check_metric_name`), for a Python objective as for a
program's, so a goal no result could ever meet is refused when the run is built.
"""

from __future__ import annotations

import enum
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from numbers import Real
from typing import Any

from rung._frozen import frozen
from rung.errors import ConfigError, ConfigTypeError
from rung.reporting import METRIC_NAME
from rung.types import Direction

__all__ = ["Comparison", "Constraint", "Goals", "Objective", "Score", "check_metric_name"]


class Comparison(enum.Enum):
    """How a constrained metric compares with its bound."""

    AT_MOST = "<="
    AT_LEAST = ">="

    @classmethod
    def parse(cls, text: Any, where: str) -> Comparison:
        """``"<="`` or ``">="`` (a Comparison passes through).

        Raises:
            ConfigError: anything else (``"<"`` included: say ``"<="``).
        """
        if isinstance(text, Comparison):
            return text
        for member in cls:
            if text == member.value:
                return member
        raise ConfigError(f"The comparison of {where} must be '<=' or '>='; got {text!r}.")


@frozen
class Objective:
    """One metric to optimize.

    Attributes:
        name: The metric's name, as the objective reports it.
        direction: Whether it is minimized or maximized.
    """

    name: str
    direction: Direction

    def __str__(self) -> str:
        return f"{self.name}:{self.direction.value}"


@frozen
class Constraint:
    """A bound a metric must respect: ``metric <= bound`` or ``metric >= bound``.

    Attributes:
        metric: The constrained metric's name.
        comparison: ``<=`` or ``>=``.
        bound: The bound, a finite number.
    """

    metric: str
    comparison: Comparison
    bound: float

    def slack(self, value: float) -> float:
        """How far ``value`` is past the bound, relative to it: ``<= 0`` when it holds.

        Relative (divided by ``|bound|``, or 1 for a bound of 0), so that violations of
        constraints in different units add up sensibly; NaN for a NaN value.

        Example:
            >>> Constraint("latency_ms", Comparison.AT_MOST, 100.0).slack(150.0)
            0.5
        """
        scale = abs(self.bound) if self.bound != 0 else 1.0
        excess = value - self.bound if self.comparison is Comparison.AT_MOST else self.bound - value
        return excess / scale

    def __str__(self) -> str:
        # The bound in full (not ':g', which rounds 1234567 to 1.23457e+06): a result
        # just past it must read as past it.
        bound = float(self.bound)
        shown = str(int(bound)) if bound.is_integer() and abs(bound) < 1e16 else repr(bound)
        return f"{self.metric}{self.comparison.value}{shown}"


@frozen
class Score:
    """A result with several objectives or constraints, as schedulers and searchers see it.

    Attributes:
        objectives: Each objective's value, minimized (maximized ones negated); NaN when
            the job failed or the value is not finite.
        slacks: Each constraint's slack (:meth:`Constraint.slack`): ``<= 0`` when it holds,
            NaN when the metric is not finite.
    """

    objectives: tuple[float, ...]
    slacks: tuple[float, ...] = ()

    @classmethod
    def failed(cls, n_objectives: int, n_constraints: int = 0) -> Score:
        """The score of a failed job: nothing known, ranked last."""
        return cls((math.nan,) * n_objectives, (math.nan,) * n_constraints)

    @property
    def finite(self) -> bool:
        """True when every objective's value is finite (only such results can be promoted)."""
        return all(math.isfinite(v) for v in self.objectives)

    @property
    def violation(self) -> float:
        """The sum of the positive slacks: 0 when feasible, infinite when a slack is NaN."""
        total = 0.0
        for s in self.slacks:
            if s != s:  # NaN: the constrained metric is unknown
                return math.inf
            if s > 0:
                total += s
        return total

    @property
    def feasible(self) -> bool:
        """True when every constraint holds (and the objectives are finite)."""
        return self.finite and self.violation == 0.0


def _direction(value: Any, name: str) -> Direction:
    if isinstance(value, Direction):
        return value
    try:
        return Direction.parse(value)
    except ConfigError:
        raise ConfigError(
            f"The direction of objective {name!r} must be 'min' or 'max' (or 'minimize', "
            f"'maximize'); got {value!r}."
        ) from None


def check_metric_name(value: Any, what: str) -> str:
    """``value`` stripped, if it is a name a report line can carry (see
    :mod:`rung.reporting`): a letter or ``_``, then letters, digits, ``_``, ``.``, ``-``
    or ``/`` (``val_loss``, ``acc/top-1``).

    Raises:
        ConfigTypeError: ``value`` is not a string, or is empty.
        ConfigError: any other name (``"val loss"``, ``"a:b"``, ``"x=1"``): no report
            line could carry it, so no result would ever have it.

    Example:
        >>> check_metric_name(" val_loss ", "An objective's name")
        'val_loss'
    """
    if not isinstance(value, str) or not value.strip():
        raise ConfigTypeError(f"{what} must be a non-empty string; got {value!r}.")
    name = value.strip()
    if not METRIC_NAME.match(name):
        raise ConfigError(
            f"{what} must be a name a report line can carry (a letter or '_', then "
            f"letters, digits, '_', '.', '-' or '/'); got {name!r}."
        )
    return name


def _objective_name(value: Any) -> str:
    try:
        return check_metric_name(value, "An objective's name")
    except ConfigError as err:
        if isinstance(value, str) and len(value.split()) > 1:  # 'a:min b:min'?
            raise type(err)(
                f"{err} Separate objectives with commas: 'val_error:min,latency_ms:min'."
            ) from None
        raise


def parse_objectives(value: Any) -> tuple[Objective, ...]:
    """Objectives from a mapping ``{name: "min" | "max"}``, a sequence of ``"name:min"``
    strings or one such string with commas (``"val_error:min,latency_ms:min"``).

    Raises:
        ConfigTypeError: the value has none of these forms.
        ConfigError: no objective, a name given twice, or a direction that is neither.

    Example:
        >>> [str(o) for o in parse_objectives("val_error:min, accuracy:max")]
        ['val_error:min', 'accuracy:max']
    """
    if isinstance(value, str):
        value = [part for part in value.split(",") if part.strip()]
    pairs: list[tuple[Any, Any]]
    if isinstance(value, Mapping):
        pairs = list(value.items())
    elif isinstance(value, Sequence):
        pairs = []
        for item in value:
            if isinstance(item, Objective):
                pairs.append((item.name, item.direction))
                continue
            if not isinstance(item, str) or ":" not in item:
                raise ConfigError(
                    "The 'objectives' parameter takes 'name:min' or 'name:max' entries; "
                    f"got {item!r}."
                )
            name, _, direction = item.rpartition(":")
            pairs.append((name, direction.strip()))
    else:
        raise ConfigTypeError(
            "The 'objectives' parameter must be a mapping {metric: 'min' | 'max'} or "
            f"'metric:min,metric:max'; got {value!r}."
        )
    objectives = tuple(
        Objective(name := _objective_name(key), _direction(direction, name))
        for key, direction in pairs
    )
    if not objectives:
        raise ConfigError("The 'objectives' parameter names no objective.")
    _no_repeats([o.name for o in objectives], "objectives")
    return objectives


# The bound starts past the comparison, so 'latency_ms<=' (no bound) is not read as
# comparison '<' and bound '='.
_CONSTRAINT = re.compile(
    r"^\s*(?P<metric>[^<>=]*?)\s*(?P<op><=|>=|<|>|==|=)\s*(?P<bound>[^\s<>=]\S*)\s*$"
)


def _bound(value: Any, where: str) -> float:
    if isinstance(value, str):
        try:
            value = float(value)
        except ValueError:
            raise ConfigError(f"The bound of {where} must be a number; got {value!r}.") from None
    if isinstance(value, bool) or not isinstance(value, Real):
        raise ConfigTypeError(f"The bound of {where} must be a number; got {value!r}.")
    if not math.isfinite(value):
        raise ConfigError(f"The bound of {where} must be finite; got {value!r}.")
    return float(value)


def _constraint_from_text(text: str) -> Constraint:
    match = _CONSTRAINT.match(text)
    if match is None:
        raise ConfigError(
            f"A constraint is written 'metric<=bound' or 'metric>=bound'; got {text!r}."
        )
    if not match["metric"]:
        raise ConfigError(
            f"A constraint names its metric first, 'metric<=bound' or 'metric>=bound'; "
            f"got {text!r}, with no metric name."
        )
    metric = check_metric_name(match["metric"], "A constraint's metric")
    where = f"constraint {text!r}"
    return Constraint(metric, Comparison.parse(match["op"], where), _bound(match["bound"], where))


def parse_constraints(value: Any) -> tuple[Constraint, ...]:
    """Constraints from a mapping ``{metric: ("<=", bound)}``, a sequence of
    ``"metric<=bound"`` strings (or Constraints), or one such string.

    Raises:
        ConfigTypeError: the value has none of these forms.
        ConfigError: a comparison other than ``<=``/``>=``, or a bound that is not a
            finite number.

    Example:
        >>> [str(c) for c in parse_constraints({"latency_ms": ("<=", 100)})]
        ['latency_ms<=100']
    """
    if value is None:
        return ()
    if isinstance(value, str):
        value = [value]
    constraints: list[Constraint] = []
    if isinstance(value, Mapping):
        for key, rule in value.items():
            metric = check_metric_name(key, "A constraint's metric")
            where = f"the constraint on {metric!r}"
            if isinstance(rule, str) or not isinstance(rule, Sequence) or len(rule) != 2:
                raise ConfigError(
                    f"The rule of {where} must be a pair like ('<=', 100); got {rule!r}."
                )
            comparison = Comparison.parse(rule[0], where)
            constraints.append(Constraint(metric, comparison, _bound(rule[1], where)))
    elif isinstance(value, Iterable):
        for item in value:
            if isinstance(item, Constraint):
                constraints.append(item)
            elif isinstance(item, str):
                constraints.append(_constraint_from_text(item))
            else:
                raise ConfigTypeError(
                    f"A constraint is a 'metric<=bound' string or a Constraint; got {item!r}."
                )
    else:
        raise ConfigTypeError(
            "The 'constraints' parameter must be a mapping {metric: ('<=', bound)} or "
            f"a list of 'metric<=bound' strings; got {value!r}."
        )
    return tuple(constraints)


def _no_repeats(names: list[str], parameter: str) -> None:
    seen: set[str] = set()
    for name in names:
        if name in seen:
            raise ConfigError(f"The {parameter!r} parameter names {name!r} twice.")
        seen.add(name)


@dataclass(frozen=True)
class Goals:
    """A run's objectives and constraints.

    Attributes:
        objectives: The metrics optimized, the first being the *primary* one: it is the
            tuned metric the records' ``value`` holds, and the incumbent is the feasible
            result best in it.
        constraints: Bounds results must respect to be feasible.
    """

    objectives: tuple[Objective, ...]
    constraints: tuple[Constraint, ...] = ()

    def __post_init__(self) -> None:
        if not self.objectives:
            raise ConfigError("A run needs at least one objective.")

    @classmethod
    def build(
        cls,
        objectives: Any = None,
        constraints: Any = None,
        metric: str | None = None,
        direction: str | Direction = Direction.MIN,
    ) -> Goals | None:
        """The goals of a run from the tuner's arguments, or None for a plain run.

        ``objectives`` replaces ``metric`` and ``direction``; ``constraints`` alone apply
        to the tuned ``metric``.

        Raises:
            ConfigError: ``objectives`` and ``metric`` both given, constraints without a
                named objective, or a malformed objective or constraint.
        """
        parsed_constraints = parse_constraints(constraints)
        if objectives is None:
            if not parsed_constraints:
                return None
            if metric is None:
                raise ConfigError(
                    "Constraints need a named objective: give metric='NAME' (the tuned "
                    "metric) or objectives={'NAME': 'min'}."
                )
            return cls((Objective(metric, Direction.parse(direction)),), parsed_constraints)
        if metric is not None:
            raise ConfigError(
                "Give either 'metric' (one tuned metric) or 'objectives' (several), not both; "
                f"got metric={metric!r} and objectives={objectives!r}."
            )
        if Direction.parse(direction) is not Direction.MIN:
            raise ConfigError(
                "With 'objectives', each objective has its direction: leave 'direction' at "
                f"its default; got direction={direction!r}."
            )
        return cls(parse_objectives(objectives), parsed_constraints)

    @property
    def scored(self) -> bool:
        """True when results are :class:`Score` s (several objectives, or constraints);
        False when one objective alone is a plain tuned metric."""
        return len(self.objectives) > 1 or bool(self.constraints)

    @property
    def primary(self) -> Objective:
        return self.objectives[0]

    @property
    def metrics(self) -> tuple[str, ...]:
        """Every metric the goals need, objectives first, each once."""
        names = [o.name for o in self.objectives] + [c.metric for c in self.constraints]
        return tuple(dict.fromkeys(names))

    def missing(self, metrics: Mapping[str, float] | None) -> list[str]:
        """The metrics the goals need that ``metrics`` lacks."""
        return [name for name in self.metrics if metrics is None or name not in metrics]

    def score(self, metrics: Mapping[str, float]) -> Score:
        """The score of a report's metrics (every needed metric must be there).

        Raises:
            KeyError: a needed metric is missing.
        """
        values = []
        for objective in self.objectives:
            value = float(metrics[objective.name]) * objective.direction.sign()
            values.append(value if math.isfinite(value) else math.nan)
        slacks = []
        for constraint in self.constraints:
            value = float(metrics[constraint.metric])
            slacks.append(constraint.slack(value) if math.isfinite(value) else math.nan)
        return Score(tuple(values), tuple(slacks))

    def failed(self) -> Score:
        """The score of a failed job."""
        return Score.failed(len(self.objectives), len(self.constraints))

    def describe(self) -> str:
        """One line: ``minimize val_error, latency_ms; subject to latency_ms<=0.05``."""
        groups: dict[Direction, list[str]] = {}
        for objective in self.objectives:
            groups.setdefault(objective.direction, []).append(objective.name)
        parts = [f"{d.name.lower()}imize {', '.join(names)}" for d, names in groups.items()]
        text = "; ".join(parts)
        if self.constraints:
            text += "; subject to " + ", ".join(str(c) for c in self.constraints)
        return text

    def objectives_dicts(self) -> list[dict[str, str]]:
        return [{"name": o.name, "direction": o.direction.value} for o in self.objectives]

    def constraints_dicts(self) -> list[dict[str, Any]]:
        return [
            {"metric": c.metric, "comparison": c.comparison.value, "bound": c.bound}
            for c in self.constraints
        ]

    @classmethod
    def from_dicts(
        cls, objectives: Sequence[Mapping[str, Any]], constraints: Sequence[Mapping[str, Any]]
    ) -> Goals | None:
        """The goals :meth:`objectives_dicts` and :meth:`constraints_dicts` wrote (None
        when there are no objectives: a plain run)."""
        if not objectives:
            return None
        return cls(
            tuple(Objective(str(o["name"]), Direction.parse(o["direction"])) for o in objectives),
            tuple(
                Constraint(
                    str(c["metric"]),
                    Comparison.parse(c["comparison"], "a recorded constraint"),
                    float(c["bound"]),
                )
                for c in constraints
            ),
        )
