"""``rung.tune``: the common case in one call, with searchers and schedulers by name."""

from __future__ import annotations

import enum
import os
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from rung._random import derive_seed
from rung.errors import ConfigError
from rung.executors.base import Executor
from rung.results.result import Result
from rung.run.tuner import Callback, Tuner
from rung.schedulers.base import Scheduler
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

    @property
    def default_eta(self) -> int:
        return 3 if self in (SchedulerName.HYPERBAND, SchedulerName.ASYNC_HYPERBAND) else 2


def _parse(enum_cls: type[enum.Enum], value: Any, parameter: str) -> Any:
    if isinstance(value, enum_cls):
        return value
    text = str(value).lower().replace("-", "_")
    for member in enum_cls:
        if member.value == text:
            return member
    choices = ", ".join(repr(m.value) for m in enum_cls)
    raise ConfigError(f"The {parameter!r} parameter must be one of {choices}; got {value!r}.")


def make_searcher(
    name: str | SearcherName,
    space: Mapping[str, Any],
    seed: int,
    initial_config: Mapping[str, Any] | None = None,
    n_init: int = 5,
    multi_fidelity: bool = False,
) -> Searcher:
    """Builds a searcher by name (``"random"`` or ``"bo"``).

    ``"bo"`` for a multi-fidelity scheduler (``multi_fidelity=True``) is
    :class:`~rung.searchers.multi_fidelity.MultiFidelityGPSearcher`, which models every
    resource level; for FIFO, :class:`~rung.searchers.gp.GPSearcher`.
    """
    kind = _parse(SearcherName, name, "searcher")
    if kind is SearcherName.RANDOM:
        from rung.searchers.random import RandomSearcher

        return RandomSearcher(space, seed=seed, initial_config=initial_config)
    if multi_fidelity:
        from rung.searchers.multi_fidelity import MultiFidelityGPSearcher

        return MultiFidelityGPSearcher(
            space, seed=seed, initial_config=initial_config, n_init=n_init
        )
    from rung.searchers.gp import GPSearcher

    return GPSearcher(space, seed=seed, initial_config=initial_config, n_init=n_init)


def make_scheduler(
    name: str | SchedulerName,
    searcher: Searcher,
    min_resource: int | None = None,
    max_resource: int | None = None,
    eta: float | None = None,
    seed: int = 0,
    **options: Any,
) -> Scheduler:
    """Builds a scheduler by name; ``options`` go to its constructor (``n_configs``, ``variant``).

    Raises:
        ConfigError: unknown name, or a multi-fidelity scheduler without ``max_resource``.
    """
    kind = _parse(SchedulerName, name, "scheduler")
    if kind is SchedulerName.FIFO:
        from rung.schedulers.fifo import FIFO

        if eta is not None or min_resource is not None or options:
            extra = sorted(
                {
                    *options,
                    *(["eta"] if eta is not None else []),
                    *(["min_resource"] if min_resource is not None else []),
                }
            )
            raise ConfigError(f"The 'fifo' scheduler takes no {', '.join(extra)}.")
        return FIFO(searcher, max_resource=max_resource)
    if max_resource is None:
        raise ConfigError(f"The {kind.value!r} scheduler needs 'max_resource' (e.g. max epochs).")
    fidelity = dict(
        min_resource=1 if min_resource is None else min_resource,
        max_resource=max_resource,
        eta=kind.default_eta if eta is None else eta,
    )
    if kind is SchedulerName.SH:
        from rung.schedulers.successive_halving import SuccessiveHalving

        return SuccessiveHalving(searcher, **fidelity, **options)
    if kind is SchedulerName.HYPERBAND:
        from rung.schedulers.hyperband import Hyperband

        return Hyperband(searcher, **fidelity, **options)
    if kind is SchedulerName.ASHA:
        from rung.schedulers.asha import ASHA

        return ASHA(searcher, **fidelity, **options)
    from rung.schedulers.async_hyperband import AsyncHyperband

    return AsyncHyperband(searcher, **fidelity, seed=seed, **options)


def tune(
    objective: Callable[..., Any],
    space: Mapping[str, Any],
    *,
    searcher: str | SearcherName = "random",
    scheduler: str | SchedulerName = "fifo",
    min_resource: int | None = None,
    max_resource: int | None = None,
    eta: float | None = None,
    direction: str = "min",
    seed: int = 0,
    max_trials: int | None = None,
    max_jobs: int | None = None,
    time_budget_s: float | None = None,
    initial_config: Mapping[str, Any] | None = None,
    n_init: int = 5,
    resource_name: str = "epochs",
    callbacks: Sequence[Callback] = (),
    workers: int | None = None,
    executor: str | Executor | None = None,
    **scheduler_options: Any,
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
        eta: Reduction factor (default 2; 3 for the Hyperband variants).
        direction: ``"min"`` or ``"max"``.
        seed: Seeds searcher, scheduler and trials: same seed, same run.
        max_trials: Trial budget.
        max_jobs: Job budget.
        time_budget_s: Time budget in seconds.
        initial_config: A configuration to try first.
        n_init: Random configurations before BO starts modelling.
        resource_name: Config key carrying the resource for ``f(config)`` objectives.
        callbacks: Called after every job with its record and the best value so far.
        workers: How many jobs run at once (default 1).
        executor: Where jobs run: ``"inline"``, ``"processes"`` (the default for more than
            one worker), ``"dask"`` or an :class:`~rung.executors.base.Executor`.
        **scheduler_options: Passed to the scheduler (``n_configs`` for SH, ``variant``
            for ASHA).

    Returns:
        The run's :class:`~rung.results.result.Result`.

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
        direction=direction,
        seed=seed,
        initial_config=initial_config,
        n_init=n_init,
        resource_name=resource_name,
        callbacks=callbacks,
        workers=workers,
        executor=executor,
        **scheduler_options,
    )
    return tuner.run(max_trials=max_trials, max_jobs=max_jobs, time_budget_s=time_budget_s)


def build_tuner(
    objective: Callable[..., Any],
    space: Mapping[str, Any],
    *,
    searcher: str | SearcherName = "random",
    scheduler: str | SchedulerName = "fifo",
    min_resource: int | None = None,
    max_resource: int | None = None,
    eta: float | None = None,
    direction: str = "min",
    seed: int = 0,
    initial_config: Mapping[str, Any] | None = None,
    n_init: int = 5,
    resource_name: str = "epochs",
    callbacks: Sequence[Callback] = (),
    workers: int | None = None,
    executor: str | Executor | None = None,
    directory: str | os.PathLike[str] | None = None,
    keep_checkpoints: bool = False,
    max_retries: int = 1,
    job_timeout_s: float | None = None,
    **scheduler_options: Any,
) -> Tuner:
    """The tuner :func:`tune` runs: searcher, scheduler and tuner built by name and seed.

    The same arguments build the same tuner, so a recorded run can be resumed with
    ``build_tuner(...).resume(directory)``. Arguments as for :func:`tune`, and
    ``directory``, ``keep_checkpoints``, ``max_retries``, ``job_timeout_s`` as for
    :class:`~rung.Tuner`.
    """
    space = Space(space)
    multi_fidelity = _parse(SchedulerName, scheduler, "scheduler").multi_fidelity
    built_searcher = make_searcher(
        searcher, space, derive_seed(seed, 1), initial_config, n_init, multi_fidelity
    )
    built_scheduler = make_scheduler(
        scheduler,
        built_searcher,
        min_resource,
        max_resource,
        eta,
        seed=derive_seed(seed, 2),
        **scheduler_options,
    )
    return Tuner(
        objective,
        built_scheduler,
        direction=direction,
        seed=seed,
        resource_name=resource_name,
        callbacks=callbacks,
        executor=executor,
        workers=workers,
        directory=directory,
        keep_checkpoints=keep_checkpoints,
        max_retries=max_retries,
        job_timeout_s=job_timeout_s,
    )
