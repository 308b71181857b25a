"""``rung.tune``: the common case in one call, with searchers and schedulers by name.

How ``rung.tune(seed=s)`` seeds its parts: it builds the searcher and the scheduler
without seeds, and the :class:`~rung.Tuner` gives them its own, so the searcher draws
from ``s`` itself (``rung.tune(seed=s)`` and ``Tuner(f, FIFO(RandomSearcher(space,
seed=s)), seed=s)`` run the same trials), :class:`~rung.AsyncHyperband` draws its
brackets from a stream derived from ``s``, and trial ``i`` gets ``trial.seed`` derived
from ``s`` and ``i``.
"""

from __future__ import annotations

import enum
import os
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from rung._checks import known_keywords
from rung.callbacks import Callback
from rung.errors import ConfigError
from rung.executors.base import Executor
from rung.results.result import Result
from rung.run.tuner import Resume, Tuner
from rung.schedulers.base import Scheduler
from rung.schedulers.rungs import DEFAULT_ETA
from rung.searchers.base import Searcher
from rung.space import Space

__all__ = [
    "SchedulerName",
    "SearcherName",
    "build_tuner",
    "make_scheduler",
    "make_searcher",
    "tune",
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
    SchedulerName.ASYNC_HYPERBAND: (),
}


def _parse(enum_cls: type[enum.Enum], value: Any, parameter: str) -> Any:
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
    name: str | SearcherName,
    space: Mapping[str, Any],
    *,
    seed: int | None = None,
    initial_config: Mapping[str, Any] | None = None,
    n_init: int = 5,
) -> Searcher:
    """Builds a searcher by name (``"random"`` or ``"bo"``); without a seed it takes the
    tuner's."""
    kind = _parse(SearcherName, name, "searcher")
    if kind is SearcherName.RANDOM:
        from rung.searchers.random import RandomSearcher

        return RandomSearcher(space, seed=seed, initial_config=initial_config)
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

    Raises:
        ConfigError: an unknown name, an option the scheduler does not take, or a
            multi-fidelity scheduler without ``max_resource``.
    """
    kind = _parse(SchedulerName, name, "scheduler")
    given = {
        key: value
        for key, value in {
            "n_configs": n_configs,
            "max_brackets": max_brackets,
            "variant": variant,
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

    return AsyncHyperband(searcher, **fidelity, seed=seed)


@known_keywords
def build_tuner(
    objective: Callable[..., Any],
    space: Mapping[str, Any],
    *,
    searcher: str | SearcherName = "random",
    scheduler: str | SchedulerName = "fifo",
    min_resource: int | None = None,
    max_resource: int | None = None,
    eta: float | None = None,
    n_configs: int | None = None,
    max_brackets: int | None = None,
    variant: Any = None,
    direction: str = "min",
    seed: int = 0,
    initial_config: Mapping[str, Any] | None = None,
    n_init: int = 5,
    resource_name: str = "epochs",
    metric: str | None = None,
    callbacks: Sequence[Callback] = (),
    workers: int | None = None,
    gpus: str | Sequence[int | str] | None = None,
    executor: str | Executor | None = None,
    directory: str | os.PathLike[str] | None = None,
    keep_checkpoints: bool = False,
    max_retries: int = 1,
    job_timeout_s: float | None = None,
    extra: dict[str, Any] | None = None,
) -> Tuner:
    """The tuner :func:`tune` runs: searcher, scheduler and tuner built by name.

    The same arguments build the same tuner, so a recorded run can be resumed with
    ``build_tuner(...).resume(directory)``. Arguments as for :func:`tune` and
    :class:`~rung.Tuner`.
    """
    space = Space(space)
    built_searcher = make_searcher(searcher, space, initial_config=initial_config, n_init=n_init)
    built_scheduler = make_scheduler(
        scheduler,
        built_searcher,
        min_resource=min_resource,
        max_resource=max_resource,
        eta=eta,
        n_configs=n_configs,
        max_brackets=max_brackets,
        variant=variant,
    )
    return Tuner(
        objective,
        built_scheduler,
        direction=direction,
        seed=seed,
        resource_name=resource_name,
        metric=metric,
        callbacks=callbacks,
        executor=executor,
        workers=workers,
        gpus=gpus,
        directory=directory,
        keep_checkpoints=keep_checkpoints,
        max_retries=max_retries,
        job_timeout_s=job_timeout_s,
        extra=extra,
    )


@known_keywords
def tune(
    objective: Callable[..., Any],
    space: Mapping[str, Any],
    *,
    searcher: str | SearcherName = "random",
    scheduler: str | SchedulerName = "fifo",
    min_resource: int | None = None,
    max_resource: int | None = None,
    eta: float | None = None,
    n_configs: int | None = None,
    max_brackets: int | None = None,
    variant: Any = None,
    direction: str = "min",
    seed: int = 0,
    max_trials: int | None = None,
    max_jobs: int | None = None,
    time_budget_s: float | None = None,
    resource_budget: float | None = None,
    initial_config: Mapping[str, Any] | None = None,
    n_init: int = 5,
    resource_name: str = "epochs",
    metric: str | None = None,
    callbacks: Sequence[Callback] = (),
    workers: int | None = None,
    gpus: str | Sequence[int | str] | None = None,
    executor: str | Executor | None = None,
    directory: str | os.PathLike[str] | None = None,
    resume: Resume = False,
    max_retries: int = 1,
    job_timeout_s: float | None = None,
) -> Result:
    """Tunes ``objective`` over ``space``: builds searcher, scheduler and tuner, and runs.

    Args:
        objective: ``f(config) -> float`` or ``f(config, trial)``.
        space: Name -> domain (``rung.uniform`` ..., or a frozen scipy.stats distribution)
            or constant.
        searcher: ``"random"`` or ``"bo"`` (Gaussian process with Expected Improvement).
        scheduler: ``"fifo"``, ``"sh"``, ``"hyperband"``, ``"asha"`` or ``"async_hyperband"``.
        min_resource: Smallest resource of multi-fidelity schedulers (default 1).
        max_resource: Full resource; required by multi-fidelity schedulers.
        eta: Reduction factor (default 3).
        n_configs: Trials per bracket of ``"sh"`` (default: one per top-rung slot).
        max_brackets: Brackets at once of ``"sh"`` and ``"hyperband"``.
        variant: ``"promotion"`` (default) or ``"stopping"`` for ``"asha"``.
        direction: ``"min"``/``"minimize"`` or ``"max"``/``"maximize"``.
        seed: Seeds searcher, scheduler and trials: same seed, same run (see the module).
        max_trials: Trial budget.
        max_jobs: Job budget.
        time_budget_s: Time budget in seconds.
        resource_budget: Resource budget (total epochs charged).
        initial_config: A configuration to try first.
        n_init: Random configurations before BO starts modelling.
        resource_name: Config key carrying the resource for ``f(config)`` objectives.
        metric: The metric to tune when the objective reports a mapping of several.
        callbacks: :class:`rung.Callback` instances.
        workers: How many jobs run at once (default 1).
        gpus: One GPU per worker process: device ids, or ``"all"`` (see :class:`~rung.Tuner`).
        executor: Where jobs run: ``"inline"``, ``"processes"`` (the default for more than
            one worker), ``"dask"`` or an :class:`~rung.executors.base.Executor`.
        directory: Record the run there (resumable after any crash).
        resume: ``"auto"`` resumes the run recorded in ``directory`` if there is one and
            starts it otherwise; ``True`` resumes; ``False`` refuses a directory in use.
        max_retries: Runs of a failed job before its trial fails.
        job_timeout_s: Seconds a job may run before it fails.

    Returns:
        The run's :class:`~rung.results.result.Result`.

    Raises:
        ConfigTypeError: an unknown keyword (the closest valid one is named).

    Example:
        >>> import rung
        >>> result = rung.tune(lambda c: (c["x"] - 2) ** 2, {"x": rung.uniform(-10, 10)},
        ...                    max_trials=30)
        >>> round(result.best_config["x"])
        2
    """
    tuner = build_tuner(
        objective,
        space,
        searcher=searcher,
        scheduler=scheduler,
        min_resource=min_resource,
        max_resource=max_resource,
        eta=eta,
        n_configs=n_configs,
        max_brackets=max_brackets,
        variant=variant,
        direction=direction,
        seed=seed,
        initial_config=initial_config,
        n_init=n_init,
        resource_name=resource_name,
        metric=metric,
        callbacks=callbacks,
        workers=workers,
        gpus=gpus,
        executor=executor,
        directory=directory,
        max_retries=max_retries,
        job_timeout_s=job_timeout_s,
    )
    return tuner.run(
        max_trials=max_trials,
        max_jobs=max_jobs,
        time_budget_s=time_budget_s,
        resource_budget=resource_budget,
        resume=resume,
    )
