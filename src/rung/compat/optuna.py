"""Optuna-style objectives, unchanged, under rung's searchers and schedulers.

An objective written for Optuna takes one ``trial`` and asks it for its parameters as it
goes (*define-by-run*)::

    def objective(trial):
        classifier = trial.suggest_categorical("classifier", ["SVC", "RandomForest"])
        if classifier == "SVC":
            c = trial.suggest_float("svc_c", 1e-10, 1e10, log=True)
            ...
        for step in range(100):
            ...
            trial.report(error, step)
            if trial.should_prune():
                raise optuna.TrialPruned()
        return error

``rung.tune(objective, max_trials=100)`` (no space) runs it as it is: the trial it gets
is an :class:`OptunaTrial`, and Optuna need not be installed (only an objective that
raises ``optuna.TrialPruned`` imports it; :class:`TrialPruned` here is rung's own).

How the space is found (the rule Optuna's samplers follow too): the searcher proposes
values for the parameters it knows; a parameter the objective asks for that the searcher
does not know yet is drawn at random from the domain of the ``suggest_*`` call, with a
generator seeded by the trial's seed and the parameter's name (so a trial run again
draws the same). The job's outcome carries the parameters the objective asked for and
their domains: the tuner records that configuration (parameters on paths the objective
did not take are not in it: they are conditional) and adds the new domains to the
searcher, which models them from then on as optional parameters (present when asked).
The record keeps, with each job's end, the domains it declared that were new to the
searcher: a resumed run's replay learns them at the same jobs, and goes on as the run
would have. A proposal that holds all the values of a configuration
that ran (and values of parameters that configuration does not ask for) would run as it
again, the objective taking the same path: the searcher does not propose it, and a finite
space whose configurations all ran is exhausted (the run ends). A space found exhausted
while jobs run (several workers) is so only until one of them declares a parameter: the
searcher is asked again then, and a synchronous bracket's bottom rung waits for it. This
takes the objective's path to depend on its parameters' values only, as Optuna's
define-by-run does.

Steps: ``trial.report(value, step)`` (``value`` a number, or several metrics by name in
a run with several objectives or constraints) reports at resource ``step + 1`` when the
first step reported is 0 (Optuna's usual epoch index), else at ``step``: a multi-fidelity
scheduler's rungs count the same steps (``max_resource=100`` for 100 steps); a report
that steps over a rung is taken at the rung; a step reported again is ignored with a
warning (as Optuna does), and one below a step reported is kept on the trial only. A
loop over
all steps pauses in its worker at each rung and is continued on promotion
(:mod:`rung.executors._paused`); ``should_prune()`` says True once the scheduler stopped
the trial. Without a multi-fidelity scheduler the intermediate values are kept on the
trial and the value the objective returns is the trial's; a trial whose objective raises
``TrialPruned`` ends STOPPED (as Optuna's PRUNED), without a value, and the searcher
takes it as the worst result.
"""

from __future__ import annotations

import math
import warnings
import zlib
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from rung._checks import Integer, Real, check
from rung.domains import Choice, Domain, LogUniform, RandInt, Uniform
from rung.errors import ConfigError, ConfigTypeError

if TYPE_CHECKING:  # the trial module sits above the executors this package is imported by
    from rung.trial import Trial

__all__ = ["DefineByRun", "OptunaTrial", "TrialPruned", "is_define_by_run"]


class TrialPruned(Exception):  # noqa: N818 - Optuna's name, so that ports need no change
    """Raised by an objective whose trial should stop; rung takes it as a stop, not a
    failure (as it takes ``optuna.TrialPruned``)."""


class OptunaTrial:
    """The trial an Optuna-style objective gets: ``suggest_*``, ``report``, ``should_prune``.

    Attributes:
        number: The trial's id.
        params: The parameters asked for so far, by name.
        distributions: Their domains, by name.
        user_attrs: What :meth:`set_user_attr` stored.
        intermediate_values: The values reported, by step (a mapping of metrics where
            one was reported).
    """

    def __init__(self, config: dict[str, Any], trial: Trial) -> None:
        self._config = config
        self._trial = trial
        self.number = trial.trial_id
        self.params: dict[str, Any] = {}
        self.distributions: dict[str, Domain] = {}
        self.user_attrs: dict[str, Any] = {}
        self.intermediate_values: dict[int, float | dict[str, float]] = {}
        self._offset: int | None = None
        self._forwarded: int | None = None  # the last resource reported to the trial
        trial.used_config, trial.declared = self.params, self.distributions

    # -- parameters ----------------------------------------------------------------------

    def suggest_float(
        self, name: str, low: float, high: float, *, step: float | None = None, log: bool = False
    ) -> float:
        """A float in [low, high] (on a log scale with ``log``; on a grid with ``step``)."""
        if log and step is not None:
            raise ConfigError(f"suggest_float({name!r}): give log=True or a step, not both.")
        call = f"suggest_float({name!r}, {low!r}, {high!r})"
        for bound, value in (("low", low), ("high", high)):
            check(call, bound, value, Real())
        try:
            if low == high:
                return self._fixed(name, float(low))
            domain: Domain = LogUniform(low, high) if log else Uniform(low, high, step)
        except ConfigError as error:  # the rule broken, named as the objective wrote it
            raise type(error)(f"{call}: {error}") from None
        return float(self._suggest(name, domain))

    def suggest_int(
        self, name: str, low: int, high: int, *, step: int = 1, log: bool = False
    ) -> int:
        """An int in [low, high], both included (on a log scale with ``log``, on a grid
        of ``step`` otherwise)."""
        if log and step != 1:  # as Optuna: a log scale has no grid
            raise ConfigError(
                f"suggest_int({name!r}): step must be 1 with log=True; got step={step!r}."
            )
        call = f"suggest_int({name!r}, {low!r}, {high!r})"
        for bound, value in (("low", low), ("high", high)):
            check(call, bound, value, Integer())
        if low > high:  # checked here: RandInt's high is exclusive, this one is not
            raise ConfigError(f"{call}: low <= high must hold; got low={low!r}, high={high!r}.")
        if low == high:
            return self._fixed(name, int(low))
        try:
            domain = RandInt(low, high + 1, log, None if log else step)
        except ConfigError as error:  # the rule broken, named as the objective wrote it
            raise type(error)(f"{call}: {error}") from None
        return int(self._suggest(name, domain))

    def suggest_categorical(self, name: str, choices: Sequence[Any]) -> Any:
        """One of ``choices``."""
        return self._suggest(name, Choice(list(choices)))

    def suggest_uniform(self, name: str, low: float, high: float) -> float:
        """Optuna's older name of :meth:`suggest_float`."""
        return self.suggest_float(name, low, high)

    def suggest_loguniform(self, name: str, low: float, high: float) -> float:
        """Optuna's older name of ``suggest_float(..., log=True)``."""
        return self.suggest_float(name, low, high, log=True)

    def suggest_discrete_uniform(self, name: str, low: float, high: float, q: float) -> float:
        """Optuna's older name of ``suggest_float(..., step=q)``."""
        return self.suggest_float(name, low, high, step=q)

    def _fixed(self, name: str, value: Any) -> Any:
        self.params[name] = value
        return value

    def _suggest(self, name: str, domain: Domain) -> Any:
        if name in self.params:  # asked twice: the same value, as in Optuna
            return self.params[name]
        value = self._config.get(name)
        if name not in self._config or not domain.contains(value):
            # Not proposed (new to the searcher), or proposed from another domain.
            seed = [self._trial.seed, zlib.crc32(name.encode())]
            value = domain.sample(np.random.default_rng(seed))
        self.params[name] = value
        self.distributions[name] = domain
        return value

    # -- reports -------------------------------------------------------------------------

    def report(self, value: float | Mapping[str, float], step: int) -> None:
        """Reports ``value`` at ``step`` (see the module for how steps map to resources).

        ``value`` is one number, or, in a run with several objectives or constraints, a
        mapping of the metrics by name (as rung's own ``trial.report`` takes them;
        Optuna's report takes one number only).
        """
        if int(step) in self.intermediate_values:  # as Optuna: the first value stands
            warnings.warn(
                f"The reported value is ignored because this step={int(step)} is already reported.",
                stacklevel=2,
            )
            return
        if self._offset is None:
            self._offset = 1 if step == 0 else 0
        # several metrics: rung's trial checks them when they are forwarded
        reported = dict(value) if isinstance(value, Mapping) else float(value)
        self.intermediate_values[int(step)] = reported
        if self._trial.max_resource is None:  # single fidelity: nothing acts on them
            return
        if isinstance(reported, float) and not math.isfinite(reported):
            reported = math.nan
        # A report that steps over the job's rung (steps of 5 epochs, rungs at 1, 3, 9)
        # is taken at the rung, so that the job ends there rather than failing.
        resource = min(int(step) + self._offset, self._trial.resource_to)
        if self._forwarded is not None and resource <= self._forwarded:
            return  # a step below one reported (Optuna takes steps in any order): kept only
        self._forwarded = resource
        self._trial.report(resource, reported)

    def should_prune(self) -> bool:
        """True once the scheduler has stopped the trial."""
        return self._trial.should_stop()

    def set_user_attr(self, key: str, value: Any) -> None:
        self.user_attrs[key] = value

    def set_system_attr(self, key: str, value: Any) -> None:  # noqa: D102 - Optuna's API
        self.user_attrs[key] = value


def is_define_by_run(objective: Callable[..., Any]) -> bool:
    """True for an objective of one parameter named ``trial`` (Optuna's form)."""
    import inspect

    try:
        params = list(inspect.signature(objective).parameters.values())
    except (TypeError, ValueError):
        return False
    required = [p for p in params if p.default is p.empty and p.kind is not p.VAR_KEYWORD]
    return len(required) == 1 and required[0].name == "trial"


class DefineByRun:
    """Wraps an Optuna-style ``objective(trial)`` as rung's ``f(config, trial)``.

    Picklable when ``objective`` is, so it runs on worker processes too.
    """

    def __init__(self, objective: Callable[[OptunaTrial], Any]) -> None:
        if not callable(objective):
            raise ConfigTypeError(f"The 'objective' must be callable; got {objective!r}.")
        self.objective = objective

    def __call__(self, config: dict[str, Any], trial: Trial) -> Any:
        value = self.objective(OptunaTrial(config, trial))
        if value is None and trial.max_resource is None:  # its reports are not the value
            raise TypeError(
                "The objective returned None: an Optuna-style objective returns its value "
                "(return a number)."
            )
        if isinstance(value, Sequence) and not isinstance(value, str):
            # Optuna's several objectives come back as a tuple; rung's are named.
            raise TypeError(
                f"The objective returned {value!r}: return a number, or, for several "
                "objectives, a mapping of their values by name as objectives= names them "
                "(return {'val_error': ..., 'latency_ms': ...}), not a sequence."
            )
        return value

    def __repr__(self) -> str:
        return f"DefineByRun({self.objective!r})"
