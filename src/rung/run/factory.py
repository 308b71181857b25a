"""``rung.tune``: the common case in one call, with searchers and schedulers by name
(:mod:`rung.run.by_name`).

How ``rung.tune(seed=s)`` seeds its parts: it builds the searcher and the scheduler
without seeds, and the :class:`~rung.Tuner` gives them its own, so the searcher draws
from ``s`` itself (``rung.tune(seed=s)`` and ``Tuner(f, FIFO(RandomSearcher(space,
seed=s)), seed=s)`` run the same trials), :class:`~rung.AsyncHyperband` draws its
brackets from a stream derived from ``s``, and trial ``i`` gets ``trial.seed`` derived
from ``s`` and ``i``.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from rung._checks import known_keywords
from rung.callbacks import Callback
from rung.errors import ConfigError
from rung.executors.base import Executor
from rung.objectives import Goals
from rung.results.result import Result
from rung.run.by_name import (
    SchedulerName,
    SearcherName,
    default_scheduler,
    make_scheduler,
    make_searcher,
    parse_name,
)
from rung.run.tuner import Resume, Tuner
from rung.searchers.base import Searcher
from rung.space import Space

__all__ = ["build_tuner", "tune"]


def _define_by_run(objective: Any, space: Any) -> tuple[Any, Space]:
    """An Optuna-style ``objective(trial)`` without a space runs define-by-run."""
    from rung.compat.optuna import DefineByRun, is_define_by_run

    if isinstance(objective, DefineByRun):
        return objective, Space(space or {}, dynamic=True)
    if space is None:
        if not is_define_by_run(objective):
            raise ConfigError(
                "rung.tune() needs a 'space', unless the objective asks for its parameters "
                "itself: an Optuna-style objective(trial) calling trial.suggest_float(...) "
                f"etc.; got {objective!r} without a space."
            )
        return DefineByRun(objective), Space({}, dynamic=True)
    if is_define_by_run(objective):  # a partial space: what the searcher knows up front
        return DefineByRun(objective), Space(space, optional=(), dynamic=True)
    return objective, Space(space)


@known_keywords
def build_tuner(
    objective: Callable[..., Any],
    space: Mapping[str, Any] | None = None,
    *,
    searcher: str | SearcherName | Searcher = "bo",
    scheduler: str | SchedulerName | None = None,
    min_resource: int | None = None,
    max_resource: int | None = None,
    eta: float | None = None,
    n_configs: int | None = None,
    max_brackets: int | None = None,
    variant: Any = None,
    direction: str = "min",
    seed: int = 0,
    initial_config: Mapping[str, Any] | Sequence[Mapping[str, Any]] | None = None,
    warm_start: str | os.PathLike[str] | Result | None = None,
    n_init: int = 5,
    resource_name: str = "epochs",
    metric: str | None = None,
    objectives: Any = None,
    constraints: Any = None,
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
    objective, space = _define_by_run(objective, space)
    stray = {"min_resource": min_resource, "eta": eta}
    stray = {key: value for key, value in stray.items() if value is not None}
    if scheduler is None and max_resource is None and stray:
        # Without max_resource the default is FIFO, which takes neither: name what is missing.
        key, value = next(iter(stray.items()))
        raise ConfigError(
            f"{key} sets up early stopping, which needs max_resource (the full resource, "
            f"e.g. max epochs); got {key}={value!r} and no max_resource."
        )
    scheduler = default_scheduler(max_resource) if scheduler is None else scheduler
    goals = Goals.build(objectives, constraints, metric, direction)
    kind = parse_name(SchedulerName, scheduler, "scheduler")
    built_searcher = make_searcher(
        searcher,
        space,
        initial_config=initial_config,
        n_init=n_init,
        multi_fidelity=kind.multi_fidelity,
        goals=goals,
    )
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
    tuner = Tuner(
        objective,
        built_scheduler,
        direction=direction,
        seed=seed,
        resource_name=resource_name,
        metric=metric,
        objectives=objectives,
        constraints=constraints,
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
    if warm_start is not None:  # after the tuner seeded the searcher
        from rung.run.warm_start import warm_start as observe_earlier

        scored = tuner.goals if tuner.goals is not None and tuner.goals.scored else None
        observe_earlier(
            built_searcher,
            warm_start,
            tuner.direction,
            built_scheduler.max_resource,
            goals=scored,
            metric=tuner.metric,
        )
    return tuner


@known_keywords
def tune(
    objective: Callable[..., Any],
    space: Mapping[str, Any] | None = None,
    *,
    searcher: str | SearcherName = "bo",
    scheduler: str | SchedulerName | None = None,
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
    initial_config: Mapping[str, Any] | Sequence[Mapping[str, Any]] | None = None,
    warm_start: str | os.PathLike[str] | Result | None = None,
    n_init: int = 5,
    resource_name: str = "epochs",
    metric: str | None = None,
    objectives: Any = None,
    constraints: Any = None,
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
        objective: ``f(config) -> float``, ``f(config, trial)``, or an Optuna-style
            ``objective(trial)`` that asks for its parameters (``trial.suggest_float``...;
            see :mod:`rung.compat.optuna`).
        space: Name -> domain (``rung.uniform`` ..., or a frozen scipy.stats distribution)
            or constant; None for an Optuna-style objective.
        searcher: ``"bo"`` (the default: Gaussian process with Expected Improvement;
            under a multi-fidelity scheduler one GP over configuration and resource,
            :class:`~rung.searchers.multi_fidelity.MultiFidelityGPSearcher`; with several
            objectives or constraints expected hypervolume improvement,
            :class:`~rung.searchers.ehvi.EHVISearcher`) or ``"random"``.
        scheduler: ``"fifo"``, ``"sh"``, ``"hyperband"``, ``"asha"`` or ``"async_hyperband"``;
            by default ``"async_hyperband"`` when ``max_resource`` is given, else ``"fifo"``
            (:func:`~rung.run.by_name.default_scheduler`).
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
        initial_config: A configuration to try first, or a list of them.
        warm_start: An earlier experiment (its directory or its Result) whose results at
            its full resource the searcher observes before suggesting (same space and
            direction; see :mod:`rung.run.warm_start`).
        n_init: Random configurations before BO starts modelling.
        resource_name: Config key carrying the resource for ``f(config)`` objectives.
        metric: The metric to tune when the objective reports a mapping of several.
        objectives: Several metrics to optimize, ``{"val_error": "min", "latency_ms":
            "min"}``, instead of ``metric`` and ``direction``: the result's
            ``pareto_front`` lists the non-dominated trials (see :class:`~rung.Tuner`).
        constraints: Bounds on reported metrics, ``{"latency_ms": ("<=", 100)}``:
            infeasible trials rank last and are never the incumbent.
        callbacks: :class:`rung.Callback` instances.
        workers: How many jobs run at once (default 1).
        gpus: One GPU per worker process: device ids, or ``"all"`` (see :class:`~rung.Tuner`).
        executor: Where jobs run: ``"inline"``, ``"processes"`` (the default for more than
            one worker), ``"dask"`` or an :class:`~rung.executors.base.Executor`.
        directory: Record the run there (resumable after any crash).
        resume: ``"auto"`` resumes the run recorded in ``directory`` if there is one and
            starts it otherwise; ``True`` resumes; ``False`` refuses a directory in use.
        max_retries: How often a failed job runs again before its trial fails.
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
        warm_start=warm_start,
        n_init=n_init,
        resource_name=resource_name,
        metric=metric,
        objectives=objectives,
        constraints=constraints,
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
