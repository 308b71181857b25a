"""Tuner overhead: jobs per second on a no-op objective, and GP suggest latency.

Measures rung (RandomSearcher + ASHA, in-process) and, where it is installed, Optuna
(RandomSampler, in-memory storage, with and without its SuccessiveHalvingPruner) in the
same run on the same machine, and prints the ratio. Then prints GPSearcher's suggest
latency (benchmarks/gp_latency.py) beside Optuna's GPSampler.

Usage: python benchmarks/overhead.py [--jobs N] [--quick]
"""

from __future__ import annotations

import argparse
import math
import statistics
import sys
import time
from pathlib import Path

import rung

SPACE = {f"x{i}": rung.uniform(0.0, 1.0) for i in range(4)}
LEVELS = (1, 3, 9, 27, 81)


def noop(config):
    return config["x0"] + config["x1"]


def rung_rate(n_jobs: int, scheduler: str) -> tuple[float, float]:
    """(jobs per second, trials per second) of rung with a random searcher."""
    searcher = rung.RandomSearcher(SPACE, seed=0)
    if scheduler == "asha":
        sched = rung.ASHA(searcher, min_resource=1, max_resource=81, eta=3)
    else:
        sched = rung.FIFO(searcher)
    tuner = rung.Tuner(noop, sched, seed=0)
    start = time.perf_counter()
    result = tuner.run(max_jobs=n_jobs)
    elapsed = time.perf_counter() - start
    return result.n_jobs / elapsed, result.n_trials / elapsed


def optuna_rate(n_trials: int, prune: bool) -> float | None:
    """Trials per second of Optuna with RandomSampler and in-memory storage."""
    try:
        import optuna
    except ImportError:
        return None
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    pruner = (
        optuna.pruners.SuccessiveHalvingPruner(min_resource=1, reduction_factor=3)
        if prune
        else optuna.pruners.NopPruner()
    )
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=0), pruner=pruner)

    def objective(trial):
        config = {name: trial.suggest_float(name, 0.0, 1.0) for name in SPACE}
        value = noop(config)
        if prune:
            for step in LEVELS:
                trial.report(value, step)
                if trial.should_prune():
                    raise optuna.TrialPruned()
        return value

    start = time.perf_counter()
    study.optimize(objective, n_trials=n_trials)
    return n_trials / (time.perf_counter() - start)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=20_000, help="jobs for rung's loop")
    parser.add_argument("--quick", action="store_true", help="small sizes, for a smoke test")
    args = parser.parse_args(argv)
    n_jobs = 2_000 if args.quick else args.jobs
    n_optuna = 300 if args.quick else 2_000

    print(
        f"## Loop overhead on a no-op objective ({n_jobs} rung jobs, median of 5 runs; "
        f"{n_optuna} Optuna trials)\n"
    )
    print("| system | jobs/s | trials/s | ratio to rung ASHA (jobs/s over its rate) |")
    print("|---|---:|---:|---:|")
    # rung's loop takes a second or two: the median of five runs damps machine noise.
    asha = sorted(rung_rate(n_jobs, "asha") for _ in range(5))[2]
    asha_jobs, asha_trials = asha
    fifo_jobs = statistics.median(rung_rate(n_jobs, "fifo")[0] for _ in range(5))
    print(f"| rung RandomSearcher + ASHA | {asha_jobs:,.0f} | {asha_trials:,.0f} | 1.0 |")
    ratio = asha_jobs / fifo_jobs
    print(f"| rung RandomSearcher + FIFO | {fifo_jobs:,.0f} | {fifo_jobs:,.0f} | {ratio:.2f} |")
    labels = {
        True: "Optuna RandomSampler + SuccessiveHalvingPruner",
        False: "Optuna RandomSampler",
    }
    for prune, label in labels.items():
        rate = optuna_rate(n_optuna, prune)
        if rate is None:
            print(f"| {label} | | not installed | |")
        else:
            print(f"| {label} | | {rate:,.0f} | {asha_jobs / rate:.1f} |")
    goal = "met" if asha_jobs >= 20_000 else "NOT met"
    print(f"\nGoal >= 20,000 jobs/s for RandomSearcher + ASHA: {goal}.\n")

    sys.path.insert(0, str(Path(__file__).parent))
    from gp_latency import main as gp_main

    gp_main(["--quick"] if args.quick else [])
    return 0 if math.isfinite(asha_jobs) else 1


if __name__ == "__main__":
    sys.exit(main())
