"""Several objectives: hypervolume of the Pareto front against the budget spent.

rung's multi-fidelity multi-objective methods (Pareto-ranked ASHA and Hyperband with
``searcher="bo"``, expected hypervolume improvement over every level, ParEGO over the GP
searcher, or random search) beside Optuna's multi-objective samplers
(NSGA-II, multi-objective TPE, and the GP sampler), which cannot prune a multi-objective
study (optuna/optuna#3450): each of their trials trains to the full resource.

Problems: ZDT1, ZDT2, ZDT3 (2 objectives, 8 variables) and DTLZ2 (3 objectives, 7
variables) by default, ZDT6 and DTLZ7, and the multimodal ZDT4 and DTLZ1, on request,
with a fidelity (:mod:`rung.workloads.multi_objective`: the distance function truncated
to a share of its terms, or noise that fades with the resource), and, with ``--fmnist``,
the Fashion-MNIST validation error against the model's parameter count
(the random-features SVM, whose width ``n_components`` is searched, trained live on a
subset).
``--variables`` and ``--objectives`` (DTLZ only) resize the problems: the papers'
own sizes are 30 variables for ZDT1-3, 10 for ZDT4 and ZDT6, and ``M + k - 1`` for DTLZ
with ``k`` = 5 (DTLZ1), 10 (DTLZ2) or 20 (DTLZ7).

The budget is ``--full`` full-resource trainings' worth of resource (epochs): Optuna's
samplers get that many trials; rung's schedulers spend the same resource on many more,
mostly partial, trainings. With ``--workers W`` (synthetic problems only) the runs are
in simulated time instead, every epoch one second, on ``W`` workers and a wall-clock
budget of ``--full * R / W`` seconds: rung's methods on a
:class:`~rung.executors.simulated.SimulatedExecutor`, Optuna's samplers asked for ``W``
trials at a time (its way with ``W`` workers: every trial takes as long, so they start
and end together), each batch ending ``R`` seconds after the last.

At each budget fraction (10, 25, 50, 100 %) the hypervolume is that of the front of the
results measured **at the full resource** within that much resource (or time: the front
a run would report if stopped there), against the problem's reference point; mean (and
standard error) over ``--seeds`` seeds. Larger is better.

    python benchmarks/multiobjective.py                     # ZDT1-3, DTLZ2; 5 seeds
    python benchmarks/multiobjective.py --problems zdt6,dtlz7                # two more
    python benchmarks/multiobjective.py --problems zdt4,dtlz1         # two multimodal
    python benchmarks/multiobjective.py --problems zdt1 --seeds 2 --full 30   # quick
    python benchmarks/multiobjective.py --fmnist --problems none             # Fashion-MNIST
    python benchmarks/multiobjective.py --workers 4           # 4 workers, simulated time
    python benchmarks/multiobjective.py --problems zdt1,zdt2,zdt3 --variables 30  # ZDT's own size
    python benchmarks/multiobjective.py --problems dtlz2 --objectives 4 --variables 13
"""

from __future__ import annotations

import argparse
import logging
import math
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

import rung  # noqa: E402
from rung.domains import Choice, LogUniform, RandInt  # noqa: E402
from rung.errors import ConfigError  # noqa: E402
from rung.pareto import hypervolume  # noqa: E402
from rung.workloads.multi_objective import PROBLEMS, MultiObjectiveProblem  # noqa: E402

FRACTIONS = (0.10, 0.25, 0.50, 1.00)

# (resource charged when the result was measured, objective vector) of each full-resource result
Trace = list[tuple[float, tuple[float, ...]]]


def rung_trace(result: rung.Result, names: list[str], clock: bool = False) -> Trace:
    """The full-resource results of a rung run, with the resource spent when each ended
    (or, with ``clock``, the second it ended, for runs in simulated time)."""
    full = result.spec.max_resource
    spent = {point.job: point.resource for point in result.trajectory}
    trace = []
    for job in result.jobs:
        if job.failed or not job.reports or (full is not None and job.reached < full):
            continue
        metrics = job.reports[-1].metrics or {}
        trace.append((job.end if clock else spent[job.index], tuple(metrics[n] for n in names)))
    return trace


def volumes(trace: Trace, reference: tuple[float, ...], budget: float) -> list[float]:
    """The hypervolume of the front within each budget fraction."""
    out = []
    for fraction in FRACTIONS:
        Y = np.array([y for spent, y in trace if spent <= fraction * budget + 1e-9])
        out.append(hypervolume(Y, reference) if len(Y) else 0.0)
    return out


# --- rung ---------------------------------------------------------------------------------


def run_rung(
    scheduler: str, searcher: str, objective: Callable[..., Any], space: Any,
    objectives: dict[str, str], max_resource: int, budget: float, seed: int,
    min_resource: int = 1, workers: int = 1, **options: Any,
) -> Trace:  # fmt: skip
    """One run: ``budget`` epochs on one worker, or, with several, ``budget`` seconds of
    simulated time (``objective`` is then a simulated objective)."""
    if callable(searcher):  # a builder: the searcher by class, not by name
        searcher = searcher(space, seed)
    names, clock = list(objectives), workers > 1
    executor = rung.SimulatedExecutor(workers, decision_time=False) if clock else None
    budgets = {"time_budget_s" if clock else "resource_budget": budget}
    choices = {k: options.pop(k) for k in ("adaptive", "full_first") if k in options}
    if choices:  # asynchronous Hyperband's bracket choices, named
        if searcher == "bo":  # what rung.tune builds for several objectives
            searcher = rung.EHVISearcher(space, seed=seed)
        built = rung.AsyncHyperband(
            searcher, min_resource, max_resource, seed=seed, **choices
        )  # fmt: skip
        tuner = rung.Tuner(objective, built, objectives=objectives, executor=executor, seed=seed)
        return rung_trace(tuner.run(**budgets), names, clock)
    result = rung.tune(
        objective,
        space,
        searcher=searcher,
        scheduler=scheduler,
        min_resource=None if scheduler == "fifo" else min_resource,
        max_resource=max_resource,
        objectives=objectives,
        executor=executor,
        seed=seed,
        **budgets,
        **options,
    )
    return rung_trace(result, names, clock)


# --- Optuna ---------------------------------------------------------------------------------


def run_optuna(
    sampler_name: str, evaluate: Callable[[dict[str, Any]], dict[str, float]], space: Any,
    objectives: dict[str, str], max_resource: int, budget: float, seed: int,
    workers: int = 1,
) -> Trace:  # fmt: skip
    """``budget // max_resource`` full trainings on one worker, or, with several,
    batches of ``workers`` trials asked together within ``budget`` simulated seconds."""
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    samplers = {
        "nsga2": lambda: optuna.samplers.NSGAIISampler(seed=seed),
        "motpe": lambda: optuna.samplers.TPESampler(seed=seed, multivariate=True),
        "gp": lambda: optuna.samplers.GPSampler(seed=seed),
    }
    names = list(objectives)
    study = optuna.create_study(
        directions=["minimize" if objectives[n] == "min" else "maximize" for n in names],
        sampler=samplers[sampler_name](),
    )
    trace: Trace = []

    def suggest(trial: Any) -> dict[str, Any]:
        config = {}
        for name, domain in space.items():
            if isinstance(domain, Choice):
                config[name] = trial.suggest_categorical(name, list(domain.values))
            elif isinstance(domain, RandInt):
                config[name] = trial.suggest_int(name, domain.low, domain.high - 1)
            else:
                log = isinstance(domain, LogUniform)
                config[name] = trial.suggest_float(name, domain.low, domain.high, log=log)
        return config

    if workers > 1:  # every trial takes max_resource seconds: a batch starts and ends together
        for batch in range(int(budget // max_resource)):
            trials = [study.ask() for _ in range(workers)]
            configs = [suggest(trial) for trial in trials]  # all asked before any is told
            for trial, config in zip(trials, configs, strict=True):
                values = evaluate(config)
                study.tell(trial, [values[n] for n in names])
                trace.append(((batch + 1) * max_resource, tuple(values[n] for n in names)))
        return trace

    def objective(trial: Any) -> tuple[float, ...]:
        values = evaluate(suggest(trial))
        trace.append(((len(trace) + 1) * max_resource, tuple(values[n] for n in names)))
        return tuple(values[n] for n in names)

    study.optimize(objective, n_trials=int(budget // max_resource))
    return trace


# --- the table ----------------------------------------------------------------------------


def _parego(space: Any, seed: int) -> rung.Searcher:
    return rung.ParEGOSearcher(rung.GPSearcher(space, seed=seed), seed=seed)


# "bo" is what rung.tune picks for several objectives: EHVISearcher.
METHODS = {
    # rung.tune's default: adaptive brackets (on one worker no trial starts at the full
    # resource first); the next row has Hyperband's bracket weights.
    "rung async HB + EHVI": ("rung", "async_hyperband", "bo", 1),
    "rung async HB (Hyperband's weights) + EHVI": (
        "rung",
        "async_hyperband",
        "bo",
        1,
        {"adaptive": False, "full_first": 0},
    ),
    "rung ASHA + EHVI": ("rung", "asha", "bo", 1),
    "rung ASHA-stopping + EHVI": ("rung", "asha", "bo", 1, {"variant": "stopping"}),
    "rung Hyperband + EHVI": ("rung", "hyperband", "bo", 1),
    "rung FIFO + EHVI": ("rung", "fifo", "bo", 1),
    "rung async HB + ParEGO-GP": (
        "rung",
        "async_hyperband",
        _parego,
        1,
        {"adaptive": False, "full_first": 0},
    ),
    "rung ASHA-stopping + random": ("rung", "asha", "random", 1, {"variant": "stopping"}),
    "Optuna NSGA-II": ("optuna", "nsga2", None, None),
    "Optuna MOTPE": ("optuna", "motpe", None, None),
    "Optuna GP": ("optuna", "gp", None, None),
}


def run_problem(
    label: str, problem: MultiObjectiveProblem | None, task: dict[str, Any], args: Any
) -> dict[str, np.ndarray]:
    budget = args.full * task["max_resource"] / args.workers  # epochs, or seconds
    table: dict[str, np.ndarray] = {}
    for method, (library, kind, searcher, min_resource, *options) in METHODS.items():
        if method not in args.methods:
            continue
        rows, seconds = [], 0.0
        for seed in range(args.seeds):
            started = time.perf_counter()
            if library == "rung":
                objective = task["simulated"] if args.workers > 1 else task["objective"]
                trace = run_rung(
                    kind, searcher, objective, task["space"], task["objectives"],
                    task["max_resource"], budget, seed, min_resource, args.workers,
                    **(options or [{}])[0],
                )  # fmt: skip
            else:
                trace = run_optuna(
                    kind, task["evaluate"], task["space"], task["objectives"],
                    task["max_resource"], budget, seed, args.workers,
                )  # fmt: skip
            seconds += time.perf_counter() - started
            rows.append(volumes(task["reduce"](trace), task["reference"], budget))
        table[method] = np.array(rows)
        mean = table[method].mean(axis=0)
        print(
            f"  {method:<28} " + " ".join(f"{v:9.4f}" for v in mean) + f"   ({seconds:6.1f} s)",
            flush=True,
        )
    return table


def markdown(label: str, table: dict[str, np.ndarray], best_possible: float | None) -> str:
    header = " | ".join(f"{int(f * 100)} %" for f in FRACTIONS)
    lines = [f"**{label}**" + (f" (true front: {best_possible:.4f})" if best_possible else ""), ""]
    lines.append(f"| method | {header} |")
    lines.append("|---" * (len(FRACTIONS) + 1) + "|")
    best = np.max([rows.mean(axis=0) for rows in table.values()], axis=0)
    for method, rows in table.items():
        mean = rows.mean(axis=0)
        sem = rows.std(axis=0, ddof=1) / math.sqrt(len(rows)) if len(rows) > 1 else 0 * mean
        cells = [
            (f"**{m:.4f}**" if m >= b - 1e-12 else f"{m:.4f}") + f" ± {s:.4f}"
            for m, s, b in zip(mean, sem, best, strict=True)
        ]
        lines.append(f"| {method} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def synthetic_task(problem: MultiObjectiveProblem) -> dict[str, Any]:
    def simulated(config: dict[str, Any], resource: int) -> tuple[dict[str, float], float]:
        return problem.evaluate(config, resource), 1.0  # every epoch a second

    return {
        "objective": problem,
        "simulated": simulated,
        "evaluate": problem.evaluate,
        "space": problem.space,
        "objectives": problem.objectives,
        "max_resource": problem.max_resource,
        "reference": problem.reference,
        "reduce": lambda trace: trace,
    }


def _svm_size(n_components: int) -> int:
    from rung.workloads._latency import parameter_count
    from rung.workloads.models import get_model

    return parameter_count(get_model("svm").build({"n_components": n_components}, 0))


def fmnist_task(args: Any) -> dict[str, Any]:
    """Validation error against log10(parameters) of the random-features SVM, trained live
    on a subset; its width is searched."""
    from rung.workloads.trainer import FashionMNISTObjective, train_final

    subset = (args.fmnist_train, 1000)
    objective = FashionMNISTObjective("svm", subset=subset, threads=1, metrics=("params",))
    space = {
        "learning_rate": rung.loguniform(1e-3, 1.0),
        "batch_size": rung.randint(32, 512),
        "C": rung.loguniform(1e-2, 1e2),
        "gamma": rung.loguniform(1e-4, 1e-1),
        "n_components": rung.choice([64, 128, 256, 512, 1024, 2048, 4096]),
    }
    max_resource = 9

    def evaluate(config: dict[str, Any]) -> dict[str, float]:
        final = train_final("svm", config, max_resource, subset=subset, threads=1, seed=0)
        return {"val_error": 1 - final.val_accuracy, "params": float(final.n_params)}

    return {
        "objective": objective,
        "evaluate": evaluate,
        "space": space,
        "objectives": {"val_error": "min", "params": "min"},
        "max_resource": max_resource,
        "min_resource": 1,
        "reference": (1.0, math.log10(_svm_size(4096)) + 0.1),
        # the hypervolume is taken over log10(parameters)
        "reduce": lambda trace: [(s, (y[0], math.log10(y[1]))) for s, y in trace],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--problems", default="zdt1,zdt2,zdt3,dtlz2")
    parser.add_argument("--fidelity", default="truncated", choices=("truncated", "noise"))
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--full", type=int, default=50, help="full trainings' worth of budget")
    parser.add_argument("--methods", default=",".join(METHODS))
    parser.add_argument("--fmnist", action="store_true", help="also the Fashion-MNIST task")
    parser.add_argument("--fmnist-train", type=int, default=5000, help="training images")
    parser.add_argument(
        "--workers", type=int, default=1, help="workers, in simulated time when more than 1"
    )
    parser.add_argument(
        "--variables", type=int, default=None, help="each problem's variables (default: its own)"
    )
    parser.add_argument(
        "--objectives", type=int, default=None, help="the DTLZ problems' objectives (default 3)"
    )
    args = parser.parse_args(argv)
    if args.workers < 1:
        parser.error(f"--workers must be >= 1; got {args.workers}")
    if args.workers > 1 and args.fmnist:
        parser.error("--workers applies to the synthetic problems: the Fashion-MNIST task "
                     "trains live, in real time")  # fmt: skip
    args.methods = [m.strip() for m in args.methods.split(",")]
    logging.basicConfig(level=logging.ERROR)
    print(
        f"budget {args.full} full trainings, {args.seeds} seeds, fidelity {args.fidelity}, "
        f"{args.workers} worker{'s' if args.workers > 1 else ''}; "
        f"hypervolume at {', '.join(f'{int(f * 100)} %' for f in FRACTIONS)} of the budget"
    )
    sizes = {"n_variables": args.variables, "n_objectives": args.objectives}
    sizes = {key: value for key, value in sizes.items() if value is not None}
    problems = {}
    for name in [p for p in args.problems.split(",") if p and p != "none"]:
        if name not in PROBLEMS:
            parser.error(f"unknown problem {name!r}; choose from {sorted(PROBLEMS)}")
        own = {k: v for k, v in sizes.items() if k != "n_objectives" or name.startswith("dtlz")}
        try:
            problems[name] = PROBLEMS[name](fidelity=args.fidelity, **own)
        except (ConfigError, TypeError) as error:
            parser.error(f"{name}: {error}")
    tables = []
    for name, problem in problems.items():
        print(f"{name} ({problem.n_objectives} objectives, {problem.n_variables} variables)")
        table = run_problem(name, problem, synthetic_task(problem), args)
        best = hypervolume(problem.front(2000), problem.reference)
        tables.append(markdown(f"{name}, fidelity {args.fidelity}", table, best))
    if args.fmnist:
        print("Fashion-MNIST: validation error vs log10(parameters), SVM on a subset")
        table = run_problem("fmnist", None, fmnist_task(args), args)
        tables.append(
            markdown("Fashion-MNIST SVM: validation error vs log10(parameters)", table, None)
        )
    print()
    print("\n\n".join(tables))
    return 0


if __name__ == "__main__":
    sys.exit(main())
