"""Searchers and schedulers by name: what ``rung.tune(searcher=, scheduler=)`` and
``rung tune --searcher --scheduler`` build, and the scheduler a run gets when it names none.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from typing import Any

from rung._checks import known_keywords
from rung.errors import ConfigError
from rung.objectives import Goals
from rung.schedulers.base import Scheduler
from rung.schedulers.rungs import DEFAULT_ETA
from rung.searchers.base import Searcher

__all__ = [
    "SchedulerName",
    "SearcherName",
    "default_scheduler",
    "make_scheduler",
    "make_searcher",
    "parse_name",
]


class SearcherName(enum.Enum):
    """Searchers :func:`tune` builds by name."""

    RANDOM = "random"
    BO = "bo"


class SchedulerName(enum.Enum):
    """Schedulers :func:`tune` builds by name."""

    FIFO = "fifo"
    SH = "sh"
    HYPERBAND = "hyperband"
    ASHA = "asha"
    ASYNC_HYPERBAND = "async_hyperband"

    @property
    def multi_fidelity(self) -> bool:
        return self is not SchedulerName.FIFO


#: The scheduler options each scheduler takes, beside the resources and eta.
_OPTIONS = {
    SchedulerName.FIFO: (),
    SchedulerName.SH: ("n_configs", "max_brackets"),
    SchedulerName.HYPERBAND: ("max_brackets",),
    SchedulerName.ASHA: ("variant",),
    SchedulerName.ASYNC_HYPERBAND: ("adaptive", "full_first"),
}


def parse_name(enum_cls: type[enum.Enum], value: Any, parameter: str) -> Any:
    """The member of ``enum_cls`` that ``value`` names (case and ``-``/``_`` ignored).

    Raises:
        ConfigError: no member has that name (the message names ``parameter``).
    """
    if isinstance(value, enum_cls):
        return value
    text = str(value).lower().replace("-", "_")
    for member in enum_cls:
        if member.value == text:
            return member
    choices = ", ".join(repr(m.value) for m in enum_cls)
    raise ConfigError(f"The {parameter!r} parameter must be one of {choices}; got {value!r}.")


@known_keywords
def make_searcher(
    name: str | SearcherName | Searcher,
    space: Mapping[str, Any],
    *,
    seed: int | None = None,
    initial_config: Mapping[str, Any] | Sequence[Mapping[str, Any]] | None = None,
    n_init: int = 5,
    multi_fidelity: bool = False,
    goals: Goals | None = None,
) -> Searcher:
    """Builds a searcher by name (``"random"`` or ``"bo"``); without a seed it takes the
    tuner's. A :class:`~rung.Searcher` given as ``name`` is used as it is.

    ``"bo"`` is the model-based searcher for the run: with ``goals`` of several objectives
    or constraints, :class:`~rung.searchers.ehvi.EHVISearcher` (expected hypervolume
    improvement times the probability of feasibility, over every resource level); for a
    multi-fidelity scheduler (``multi_fidelity=True``),
    :class:`~rung.searchers.multi_fidelity.MultiFidelityGPSearcher`, which models every
    resource level; for FIFO, :class:`~rung.searchers.gp.GPSearcher`.
    """
    if isinstance(name, Searcher):
        return name
    kind = parse_name(SearcherName, name, "searcher")
    if kind is SearcherName.RANDOM:
        from rung.searchers.random import RandomSearcher

        return RandomSearcher(space, seed=seed, initial_config=initial_config)
    if goals is not None and goals.scored:
        from rung.searchers.ehvi import EHVISearcher

        return EHVISearcher(space, seed=seed, initial_config=initial_config, n_init=n_init)
    if multi_fidelity:
        from rung.searchers.multi_fidelity import MultiFidelityGPSearcher

        return MultiFidelityGPSearcher(
            space, seed=seed, initial_config=initial_config, n_init=n_init
        )
    from rung.searchers.gp import GPSearcher

    return GPSearcher(space, seed=seed, initial_config=initial_config, n_init=n_init)


@known_keywords
def make_scheduler(
    name: str | SchedulerName,
    searcher: Searcher,
    *,
    min_resource: int | None = None,
    max_resource: int | None = None,
    eta: float | None = None,
    seed: int | None = None,
    n_configs: int | None = None,
    max_brackets: int | None = None,
    variant: Any = None,
    adaptive: bool | None = None,
    full_first: int | None = None,
) -> Scheduler:
    """Builds a scheduler by name.

    Args:
        name: ``"fifo"``, ``"sh"``, ``"hyperband"``, ``"asha"`` or ``"async_hyperband"``.
        searcher: The searcher it owns.
        min_resource: The lowest rung (default 1).
        max_resource: The full resource (required by multi-fidelity schedulers).
        eta: The reduction factor (default 3).
        seed: AsyncHyperband's bracket draws (default: the tuner's).
        n_configs: Trials per bracket of ``"sh"``.
        max_brackets: Brackets at once of ``"sh"`` and ``"hyperband"``.
        variant: ``"promotion"`` or ``"stopping"`` for ``"asha"``.
        adaptive: ``"async_hyperband"`` draws brackets by how well each level ranks
            trials as the full resource does (Hyper-Tune's bracket selection); default
            True.
        full_first: How many of ``"async_hyperband"``'s first trials start at the full
            resource (Hyperband's full-resource bracket first); default none.

    Raises:
        ConfigError: an unknown name, an option the scheduler does not take, or a
            multi-fidelity scheduler without ``max_resource``.
    """
    kind = parse_name(SchedulerName, name, "scheduler")
    given = {
        key: value
        for key, value in {
            "n_configs": n_configs,
            "max_brackets": max_brackets,
            "variant": variant,
            "adaptive": adaptive,
            "full_first": full_first,
        }.items()
        if value is not None
    }
    if kind is SchedulerName.FIFO:
        given.update({k: v for k, v in {"eta": eta, "min_resource": min_resource}.items() if v})
    wrong = sorted(set(given) - set(_OPTIONS[kind]))
    if wrong:
        takers = [n.value for n, opts in _OPTIONS.items() if wrong[0] in opts]
        where = f" (it applies to {', '.join(repr(t) for t in takers)})" if takers else ""
        raise ConfigError(
            f"The {kind.value!r} scheduler takes no {wrong[0]!r} parameter{where}; "
            f"got {wrong[0]}={given[wrong[0]]!r}."
        )
    if kind is SchedulerName.FIFO:
        from rung.schedulers.fifo import FIFO

        return FIFO(searcher, max_resource=max_resource)
    if max_resource is None:
        raise ConfigError(f"The {kind.value!r} scheduler needs 'max_resource' (e.g. max epochs).")
    fidelity = dict(
        min_resource=1 if min_resource is None else min_resource,
        max_resource=max_resource,
        eta=DEFAULT_ETA if eta is None else eta,
    )
    if kind is SchedulerName.SH:
        from rung.schedulers.successive_halving import SuccessiveHalving

        return SuccessiveHalving(searcher, **fidelity, **given)
    if kind is SchedulerName.HYPERBAND:
        from rung.schedulers.hyperband import Hyperband

        return Hyperband(searcher, **fidelity, **given)
    if kind is SchedulerName.ASHA:
        from rung.schedulers.asha import ASHA

        return ASHA(searcher, **fidelity, **given)
    from rung.schedulers.async_hyperband import AsyncHyperband

    return AsyncHyperband(searcher, **fidelity, seed=seed, **given)


def default_scheduler(max_resource: int | None) -> SchedulerName:
    """The scheduler :func:`tune` runs when none is named: asynchronous Hyperband (with
    ``searcher="bo"``, multi-fidelity BO) when there is a resource to stop early, else FIFO.

    In ``benchmarks/quality.py`` (docs/benchmarks.md) it has the best mean rank averaged
    over 1, 4 and 16 workers at 10, 25 and 50 % of the budget, and ties Optuna's GP
    sampler at 100 %.
    """
    return SchedulerName.FIFO if max_resource is None else SchedulerName.ASYNC_HYPERBAND
