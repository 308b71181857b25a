"""Constraints with several objectives: hypervolume of the feasible front against trials.

rung's default for objectives with constraints and no resource (``rung.tune(objectives=,
constraints=)``: FIFO with ``EHVISearcher``, expected hypervolume improvement times the
probability that every constraint holds) beside Optuna's constrained samplers (the GP
sampler, NSGA-II and multi-objective TPE, each told the constraints through
``Trial.set_constraint``), on classic constrained two-objective problems:

* ``srn`` (Srinivas & Deb, *Multiobjective Optimization Using Nondominated Sorting in
  Genetic Algorithms*, Evolutionary Computation 2(3), 1994): two variables in [-20, 20],
  a circle and a half-plane as constraints;
* ``bnh`` (Binh & Korn, *MOBES: A multiobjective evolution strategy for constrained
  optimization problems*, 1997): two variables, two circles;
* ``tnk`` (Tanaka et al., 1995): two variables in [0, π], a wavy non-convex feasible
  region whose edge is the front.

The hypervolume counts feasible results only, against each problem's reference point;
mean (and standard error) over ``--seeds`` seeds after 10, 20 and ``--trials`` trials.
Larger is better.

    python benchmarks/constrained.py                  # all three, 40 trials, 5 seeds
"""

from __future__ import annotations

import argparse
import logging
import math
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

import rung  # noqa: E402
from rung.pareto import hypervolume  # noqa: E402

Values = dict[str, float]


def srn(c: dict[str, float]) -> Values:
    x1, x2 = c["x1"], c["x2"]
    return {
        "f1": 2 + (x1 - 2) ** 2 + (x2 - 1) ** 2,
        "f2": 9 * x1 - (x2 - 1) ** 2,
        "g1": x1**2 + x2**2 - 225,
        "g2": x1 - 3 * x2 + 10,
    }


def bnh(c: dict[str, float]) -> Values:
    x1, x2 = c["x1"], c["x2"]
    return {
        "f1": 4 * x1**2 + 4 * x2**2,
        "f2": (x1 - 5) ** 2 + (x2 - 5) ** 2,
        "g1": (x1 - 5) ** 2 + x2**2 - 25,
        "g2": 7.7 - (x1 - 8) ** 2 - (x2 + 3) ** 2,
    }


def tnk(c: dict[str, float]) -> Values:
    x1, x2 = c["x1"], c["x2"]
    return {
        "f1": x1,
        "f2": x2,
        "g1": -(x1**2 + x2**2 - 1 - 0.1 * math.cos(16 * math.atan2(x1, x2))),
        "g2": (x1 - 0.5) ** 2 + (x2 - 0.5) ** 2 - 0.5,
    }


# name -> (function, bounds of x1 and x2, reference point)
PROBLEMS: dict[str, tuple[Callable[[dict[str, float]], Values], tuple, tuple]] = {
    "srn": (srn, ((-20, 20), (-20, 20)), (250.0, 50.0)),
    "bnh": (bnh, ((0, 5), (0, 3)), (140.0, 50.0)),
    "tnk": (tnk, ((0, math.pi), (0, math.pi)), (1.2, 1.2)),
}
CONSTRAINTS = ("g1", "g2")


def feasible_volume(results: list[Values], reference: tuple[float, float]) -> float:
    points = [(r["f1"], r["f2"]) for r in results if all(r[g] <= 0 for g in CONSTRAINTS)]
    points = [p for p in points if p[0] < reference[0] and p[1] < reference[1]]
    return hypervolume(np.array(points), reference) if points else 0.0


def run_rung(function: Callable, bounds: tuple, trials: int, seed: int) -> list[Values]:
    seen: list[Values] = []

    def objective(config: dict[str, float]) -> Values:
        seen.append(function(config))
        return seen[-1]

    space = {f"x{i + 1}": rung.uniform(lo, hi) for i, (lo, hi) in enumerate(bounds)}
    rung.tune(
        objective, space, objectives={"f1": "min", "f2": "min"},
        constraints={g: ("<=", 0) for g in CONSTRAINTS}, max_trials=trials, seed=seed,
    )  # fmt: skip
    return seen


def run_optuna(
    sampler_name: str, function: Callable, bounds: tuple, trials: int, seed: int
) -> list[Values]:
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)

    samplers = {
        "gp": lambda: optuna.samplers.GPSampler(seed=seed),
        "nsga2": lambda: optuna.samplers.NSGAIISampler(seed=seed),
        "motpe": lambda: optuna.samplers.TPESampler(seed=seed, multivariate=True),
    }
    seen: list[Values] = []

    def objective(trial: Any) -> tuple[float, float]:
        config = {
            f"x{i + 1}": trial.suggest_float(f"x{i + 1}", lo, hi)
            for i, (lo, hi) in enumerate(bounds)
        }
        values = function(config)
        for g in CONSTRAINTS:
            trial.set_constraint(g, values[g])  # Optuna 5: what its samplers read
        seen.append(values)
        return values["f1"], values["f2"]

    study = optuna.create_study(
        directions=["minimize", "minimize"], sampler=samplers[sampler_name]()
    )
    study.optimize(objective, n_trials=trials)
    return seen


METHODS = {
    "rung (EHVI x P(feasible))": lambda f, b, n, s: run_rung(f, b, n, s),
    "Optuna GP": lambda f, b, n, s: run_optuna("gp", f, b, n, s),
    "Optuna NSGA-II": lambda f, b, n, s: run_optuna("nsga2", f, b, n, s),
    "Optuna MOTPE": lambda f, b, n, s: run_optuna("motpe", f, b, n, s),
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--problems", default=",".join(PROBLEMS))
    parser.add_argument("--trials", type=int, default=40)
    parser.add_argument("--seeds", type=int, default=5)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.ERROR)
    counts = (10, 20, args.trials)
    for name in args.problems.split(","):
        function, bounds, reference = PROBLEMS[name]
        print(f"\n**{name}** (reference point {reference})\n")
        print("| method | " + " | ".join(f"{k} trials" for k in counts) + " |")
        print("|---" * (len(counts) + 1) + "|")
        for method, run in METHODS.items():
            rows = []
            for seed in range(args.seeds):
                seen = run(function, bounds, args.trials, seed)
                rows.append([feasible_volume(seen[:k], reference) for k in counts])
            values = np.array(rows)
            mean = values.mean(axis=0)
            sem = (
                values.std(axis=0, ddof=1) / math.sqrt(len(values)) if len(values) > 1 else 0 * mean
            )
            cells = " | ".join(f"{m:.4g} ± {e:.2g}" for m, e in zip(mean, sem, strict=True))
            print(f"| {method} | {cells} |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
