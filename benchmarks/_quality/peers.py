"""The peers: Optuna (TPE, GP, TPE with Hyperband or successive-halving pruning), DEHB and
SMAC3's multi-fidelity facade, each driven through its ask/tell interface on the
simulated clock of :mod:`_quality.simclock`.

Settings, each the library's default unless said here:

* every multi-fidelity method uses eta = 3 and the problem's resource range;
* Optuna's TPE uses ``constant_liar=True`` with several workers (Optuna's advice for
  parallel runs); its pruned trials are told as PRUNED (TPE then uses their last value);
* DEHB runs in-process (``n_workers=1``: its ask/tell keeps several brackets open when
  runs are pending), its fidelities ``max x eta^-k`` rounded to whole epochs;
* SMAC3: ``MultiFidelityFacade`` with its Hyperband intensifier, ``deterministic=True``
  (the benchmarks are), budgets rounded to whole epochs.

Peers train every run from scratch (they do not keep checkpoints): a configuration
promoted to a higher fidelity pays all its epochs again. Optuna's pruned trials are one
run that stops early, so they pay only the epochs they trained.
"""

from __future__ import annotations

import logging
import tempfile
import warnings
from collections.abc import Callable, Mapping
from typing import Any

from _quality.rung_methods import ETA
from _quality.simclock import Run, simulate
from _quality.tasks import Task, Trace
from rung.domains import Choice, LogUniform, RandInt, Uniform
from rung.space import Space

# --- Spaces -------------------------------------------------------------------------------


def optuna_distributions(space: Space) -> dict[str, Any]:
    """rung's domains as Optuna distributions (a randint's high is exclusive, Optuna's not)."""
    from optuna.distributions import (
        CategoricalDistribution,
        FloatDistribution,
        IntDistribution,
    )

    out: dict[str, Any] = {}
    for name, domain in space.domains.items():
        if isinstance(domain, Choice):
            out[name] = CategoricalDistribution(domain.values)
        elif isinstance(domain, RandInt):
            out[name] = IntDistribution(domain.low, domain.high - 1)
        elif isinstance(domain, Uniform):
            out[name] = FloatDistribution(
                domain.low, domain.high, log=isinstance(domain, LogUniform)
            )
        else:
            raise TypeError(f"{name}: no Optuna distribution for {domain!r}")
    return out


def configspace(space: Space, seed: int) -> Any:
    """rung's domains as a ConfigSpace space (for DEHB and SMAC3)."""
    from ConfigSpace import Categorical, ConfigurationSpace, Float, Integer

    cs = ConfigurationSpace(seed=seed)
    for name, domain in space.domains.items():
        if isinstance(domain, Choice):
            cs.add(Categorical(name, domain.values))
        elif isinstance(domain, RandInt):
            cs.add(Integer(name, (domain.low, domain.high - 1)))
        elif isinstance(domain, Uniform):
            cs.add(Float(name, (domain.low, domain.high), log=isinstance(domain, LogUniform)))
        else:
            raise TypeError(f"{name}: no ConfigSpace hyperparameter for {domain!r}")
    return cs


def _config(space: Space, values: Mapping[str, Any]) -> dict[str, Any]:
    """A peer's values as a configuration of rung's space (constants added)."""
    config = {name: values[name] for name in space.domains}
    for name, domain in space.domains.items():
        if isinstance(domain, RandInt):
            config[name] = int(config[name])
        elif isinstance(domain, Uniform):
            config[name] = float(config[name])
    return {**space.constants, **config}


# --- Optuna -----------------------------------------------------------------------------


class OptunaAgent:
    """An Optuna study asked and told on the simulated clock; with a pruner, stepwise."""

    def __init__(self, task: Task, sampler: Any, pruner: Any = None) -> None:
        import optuna

        optuna.logging.set_verbosity(optuna.logging.WARNING)
        self.optuna = optuna
        self.space = task.space
        self.study = optuna.create_study(
            sampler=sampler, pruner=pruner or optuna.pruners.NopPruner()
        )
        self.distributions = optuna_distributions(task.space)
        self.max_resource = task.max_resource
        self.stepwise = pruner is not None

    def ask(self) -> Run:
        trial = self.study.ask(self.distributions)
        config = _config(self.space, trial.params)
        return Run(config, self.max_resource, handle=trial, stepwise=self.stepwise)

    def epoch(self, run: Run, epoch: int, value: float) -> bool:
        run.handle.report(value, epoch)
        return not run.handle.should_prune()

    def tell(self, run: Run, completed: bool) -> None:
        if completed:
            self.study.tell(run.handle, run.value)
        else:
            self.study.tell(run.handle, state=self.optuna.trial.TrialState.PRUNED)


def _tpe(task: Task) -> Any:
    import optuna

    return optuna.samplers.TPESampler(seed=task.seed, constant_liar=task.workers > 1)


def optuna_tpe(task: Task) -> Trace:
    return simulate(task, OptunaAgent(task, _tpe(task)))


def optuna_gp(task: Task) -> Trace:
    import optuna

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # ExperimentalWarning in some versions
        sampler = optuna.samplers.GPSampler(seed=task.seed)
    return simulate(task, OptunaAgent(task, sampler))


def optuna_tpe_hyperband(task: Task) -> Trace:
    import optuna

    pruner = optuna.pruners.HyperbandPruner(
        min_resource=task.min_resource, max_resource=task.max_resource, reduction_factor=ETA
    )
    return simulate(task, OptunaAgent(task, _tpe(task), pruner))


def optuna_tpe_sh(task: Task) -> Trace:
    import optuna

    pruner = optuna.pruners.SuccessiveHalvingPruner(
        min_resource=task.min_resource, reduction_factor=ETA
    )
    return simulate(task, OptunaAgent(task, _tpe(task), pruner))


# --- DEHB -------------------------------------------------------------------------------


class DEHBAgent:
    """DEHB (Awad, Mallik & Hutter, IJCAI 2021) through ``ask()``/``tell()``."""

    def __init__(self, task: Task, output: str) -> None:
        from dehb import DEHB

        self.space = task.space
        cs = configspace(task.space, task.seed)
        self.dehb = DEHB(
            cs=cs, dimensions=len(cs), min_fidelity=task.min_resource,
            max_fidelity=task.max_resource, eta=ETA, n_workers=1, seed=task.seed,
            output_path=output, log_level="ERROR", save_freq=None,
        )  # fmt: skip

    def ask(self) -> Run:
        job = self.dehb.ask()
        epochs = int(round(float(job["fidelity"])))
        return Run(_config(self.space, dict(job["config"])), epochs, handle=job)

    def epoch(self, run: Run, epoch: int, value: float) -> bool:
        return True

    def tell(self, run: Run, completed: bool) -> None:
        self.dehb.tell(run.handle, {"fitness": float(run.value), "cost": float(run.epochs)})


def dehb(task: Task) -> Trace:
    from loguru import logger

    with tempfile.TemporaryDirectory(prefix="dehb-") as output:
        try:
            return simulate(task, DEHBAgent(task, output))
        finally:
            logger.remove()  # DEHB adds a log file handler per instance


# --- SMAC3 ------------------------------------------------------------------------------


class SMACAgent:
    """SMAC3's ``MultiFidelityFacade`` (random forest, Hyperband intensifier; Lindauer et
    al., JMLR 2022) through ``ask()``/``tell()``."""

    def __init__(self, task: Task, output: str) -> None:
        from smac import MultiFidelityFacade, Scenario
        from smac.runhistory.dataclasses import TrialValue

        self.TrialValue = TrialValue
        self.space = task.space
        scenario = Scenario(
            configspace(task.space, task.seed), deterministic=True, n_trials=10**9,
            min_budget=task.min_resource, max_budget=task.max_resource, seed=task.seed,
            output_directory=output,
        )  # fmt: skip
        intensifier = MultiFidelityFacade.get_intensifier(scenario, eta=ETA)
        self.smac = MultiFidelityFacade(
            scenario, _never_called, model=_forest(scenario), intensifier=intensifier,
            overwrite=True, logging_level=logging.ERROR,
        )  # fmt: skip

    def ask(self) -> Run:
        info = self.smac.ask()
        epochs = int(round(float(info.budget)))
        return Run(_config(self.space, dict(info.config)), epochs, handle=info)

    def epoch(self, run: Run, epoch: int, value: float) -> bool:
        return True

    def tell(self, run: Run, completed: bool) -> None:
        self.smac.tell(run.handle, self.TrialValue(cost=float(run.value)), save=False)


def _forest(scenario: Any) -> Any:
    """The facade's own random forest (``get_model``'s settings), on one thread: its
    default ``n_jobs=-1`` spends most of an ask in joblib's thread hand-offs here."""
    from smac.model.random_forest import RandomForest

    return RandomForest(
        log_y=True, n_trees=10, bootstrapping=True, ratio_features=1.0, min_samples_split=2,
        min_samples_leaf=1, max_depth=2**20, configspace=scenario.configspace,
        instance_features=scenario.instance_features, seed=scenario.seed, n_jobs=1,
    )  # fmt: skip


def _never_called(config: Any, seed: int = 0, budget: float = 1.0) -> float:
    raise RuntimeError("SMAC runs through ask/tell here")


def smac_mf(task: Task) -> Trace:
    with tempfile.TemporaryDirectory(prefix="smac-") as output:
        return simulate(task, SMACAgent(task, output))


PEERS: dict[str, Callable[[Task], Trace]] = {
    "optuna tpe": optuna_tpe,
    "optuna gp": optuna_gp,
    "optuna tpe+hyperband": optuna_tpe_hyperband,
    "optuna tpe+sh": optuna_tpe_sh,
    "dehb": dehb,
    "smac mf": smac_mf,
}
