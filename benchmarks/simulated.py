"""Simulated time: how soon ASHA, AsyncHyperband, synchronous SH and Hyperband reach a regret.

Li et al., "A System for Massively Parallel Hyperparameter Tuning" (MLSys 2020), claim
that with many workers ASHA finds a good configuration sooner than synchronous successive
halving, which leaves workers idle at its barriers. This replays that study in simulated
time: 32 simulated workers, 10 seeds, random search, rungs 3, 9, 27, 81, 100 (eta 3) on
mf-prior-bench's MF-Hartmann 6 (and 3), one full-fidelity evaluation costing 100
simulated seconds (mf-prior-bench's cost model), a budget of one simulated hour. The
tuner's own decision time is added to the simulated clock.

For each scheduler it prints the median (over seeds) simulated time until the best value
found *at full fidelity* is within the regret of the optimum, as a ratio against
synchronous SH (< 1: sooner), with how many seeds got there, the median final regret and
the workers' utilization. Several regrets are shown; the headline one per benchmark is
the tightest round regret that synchronous SH reaches in most seeds (a median that is
finite), so that the ratio compares two measured times rather than a censored one.

rung's synchronous SH and Hyperband start the next bracket on workers that would wait at
a barrier. The rows ``sh-1`` and ``hyperband-1`` run them with ``max_brackets=1``: one
bracket after another, as in the papers' pseudo-code (and as Li et al. compare against),
which leaves most of 32 workers idle with the default bracket of 81 trials.

Usage: python benchmarks/simulated.py [--benchmarks mfh6,mfh3] [--seeds 10] [--quick]
"""

from __future__ import annotations

import argparse
import math
import statistics
import sys
import time
from dataclasses import replace

from rung.simulation.compare import DEFAULT_SCHEDULERS, Comparison, compare

ONE_AT_A_TIME = {"sh": {"max_brackets": 1}, "hyperband": {"max_brackets": 1}}

REGRETS = {"mfh6": (1.0, 0.7, 0.5, 0.4), "mfh3": (0.2, 0.05, 0.02)}
HEADLINE = {"mfh6": 0.5, "mfh3": 0.05}


def _fmt(value: float, digits: int = 0) -> str:
    if math.isnan(value):
        return "-"
    return "never" if math.isinf(value) else f"{value:,.{digits}f}"


def table(comparison: Comparison, regret: float) -> list[str]:
    """The markdown rows of one benchmark at one regret."""
    times = comparison.times_to_regret(regret)
    medians = comparison.median_time_to_regret(regret)
    ratios = comparison.ratios(regret, "sh")
    ratios_1 = comparison.ratios(regret, "sh-1")
    rows = []
    for name in comparison.schedulers:
        runs = comparison.runs_of(name)
        final = statistics.median(
            r.best[-1] - comparison.optimum if r.best else math.inf for r in runs
        )
        utilization = statistics.mean(r.utilization for r in runs)
        jobs = statistics.median(r.n_jobs for r in runs)
        reached = sum(math.isfinite(t) for t in times[name])
        rows.append(
            f"| {comparison.benchmark} | {regret:g} | {name} | {reached}/{len(runs)} | "
            f"{_fmt(medians[name])} | {_fmt(ratios[name], 2)} | {_fmt(ratios_1[name], 2)} | "
            f"{final:.3f} | "
            f"{utilization:.2f} | {jobs:,.0f} |"
        )
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--benchmarks", default="mfh6", help="comma-separated (mfh6,mfh3)")
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--workers", type=int, default=32)
    parser.add_argument("--time-budget", type=float, default=3600.0)
    parser.add_argument("--quick", action="store_true", help="2 seeds, 900 s: a smoke test")
    args = parser.parse_args(argv)
    seeds, budget = (2, 900.0) if args.quick else (args.seeds, args.time_budget)
    header = (
        "| benchmark | regret | scheduler | seeds reaching it | median time (s) | "
        "ratio to sh | ratio to sh-1 | median final regret | utilization | jobs per run |"
    )
    lines = [header, "|---|---:|---|---:|---:|---:|---:|---:|---:|---:|"]
    for name in args.benchmarks.split(","):
        start = time.perf_counter()
        settings = dict(seeds=seeds, workers=args.workers, time_budget_s=budget)
        comparison = compare(name, DEFAULT_SCHEDULERS, **settings)
        sequential = compare(name, ["sh", "hyperband"], scheduler_options=ONE_AT_A_TIME, **settings)
        relabelled = tuple(replace(run, scheduler=f"{run.scheduler}-1") for run in sequential.runs)
        comparison = replace(comparison, runs=comparison.runs + relabelled)
        elapsed = time.perf_counter() - start
        print(
            f"{name}: {len(comparison.runs)} runs of {budget:g} simulated s in {elapsed:.0f} s",
            file=sys.stderr,
        )
        for regret in REGRETS.get(name, (HEADLINE.get(name, 0.5),)):
            lines += table(comparison, regret)
    print("\n".join(lines))
    headline = ", ".join(f"{k}: {v:g}" for k, v in HEADLINE.items())
    print(f"\nheadline regrets: {headline}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
