"""Plain BO on classic test functions, continuous and on integer grids.

rung's GP-EI (``rung.tune(searcher="bo")`` without a resource: FIFO) beside Optuna's GP
sampler and TPE, and random search, on test functions none of rung's defaults were
chosen on (Surjanovic & Bingham's Virtual Library of Simulation Experiments gives their
definitions and optima):

* ``hartmann6``: six narrow basins of unequal depth in [0, 1]^6;
* ``ackley5``: a nearly flat plateau of regular local minima around one deep funnel,
  [-10, 10]^5;
* ``levy4``: sinusoidal ridges over a bowl, [-10, 10]^4;
* ``rosenbrock4``: a curved, flat-bottomed valley, [-2.048, 2.048]^4;
* ``styblinski_tang4``: 2^4 local minima at the corners of a box, [-5, 5]^4;
* ``michalewicz5``: steep valleys along each axis, [0, π]^5;
* ``rastrigin3``: a regular lattice of local minima, [-2.56, 2.56]^3;
* ``griewank4``: a wide bowl with small ripples, [-60, 60]^4.

``--grid K`` makes every variable an integer ``randint(0, K)`` standing for ``K``
evenly spaced values of its range (ends included): the integer spaces of layer counts,
widths and bins, where a model's continuous optimum must be turned into a valid value.
The optimum of a grid is found by enumerating it. Regret is the best value found minus
the optimum, mean ± standard error over ``--seeds`` seeds at 25, 50 and 100 % of
``--trials``; with ``--grid``, ``solved`` counts the runs that found the grid's optimum.

    python benchmarks/classic.py                      # continuous, 80 trials, 10 seeds
    python benchmarks/classic.py --grid 11 --trials 60
    python benchmarks/classic.py --problems high      # six of them in 20 dimensions
"""

from __future__ import annotations

import os

if __name__ == "__main__":  # before numpy loads: one core per run, as the peers get
    for _var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        os.environ.setdefault(_var, "1")

import argparse
import itertools
import logging
import math
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

import rung  # noqa: E402

Batch = Callable[[np.ndarray], np.ndarray]  # points (n, d) in the function's box -> (n,)

_H6_ALPHA = np.array([1.0, 1.2, 3.0, 3.2])
_H6_A = np.array(
    [[10, 3, 17, 3.5, 1.7, 8], [0.05, 10, 17, 0.1, 8, 14],
     [3, 3.5, 1.7, 10, 17, 8], [17, 8, 0.05, 10, 0.1, 14]]
)  # fmt: skip
_H6_P = 1e-4 * np.array(
    [[1312, 1696, 5569, 124, 8283, 5886], [2329, 4135, 8307, 3736, 1004, 9991],
     [2348, 1451, 3522, 2883, 3047, 6650], [4047, 8828, 8732, 5743, 1091, 381]]
)  # fmt: skip


def hartmann6(x: np.ndarray) -> np.ndarray:
    inner = np.sum(_H6_A * (x[:, None, :] - _H6_P) ** 2, axis=2)
    return -np.sum(_H6_ALPHA * np.exp(-inner), axis=1)


def ackley(x: np.ndarray) -> np.ndarray:
    return (
        -20 * np.exp(-0.2 * np.sqrt(np.mean(x**2, axis=1)))
        - np.exp(np.mean(np.cos(2 * np.pi * x), axis=1)) + 20 + math.e
    )  # fmt: skip


def levy(x: np.ndarray) -> np.ndarray:
    w = 1 + (x - 1) / 4
    head = np.sin(np.pi * w[:, 0]) ** 2
    middle = np.sum((w[:, :-1] - 1) ** 2 * (1 + 10 * np.sin(np.pi * w[:, :-1] + 1) ** 2), axis=1)
    tail = (w[:, -1] - 1) ** 2 * (1 + np.sin(2 * np.pi * w[:, -1]) ** 2)
    return head + middle + tail


def rosenbrock(x: np.ndarray) -> np.ndarray:
    return np.sum(100 * (x[:, 1:] - x[:, :-1] ** 2) ** 2 + (1 - x[:, :-1]) ** 2, axis=1)


def styblinski_tang(x: np.ndarray) -> np.ndarray:
    return 0.5 * np.sum(x**4 - 16 * x**2 + 5 * x, axis=1)


def michalewicz(x: np.ndarray) -> np.ndarray:
    i = np.arange(1, x.shape[1] + 1)
    return -np.sum(np.sin(x) * np.sin(i * x**2 / np.pi) ** 20, axis=1)


def rastrigin(x: np.ndarray) -> np.ndarray:
    return 10 * x.shape[1] + np.sum(x**2 - 10 * np.cos(2 * np.pi * x), axis=1)


def griewank(x: np.ndarray) -> np.ndarray:
    i = np.arange(1, x.shape[1] + 1)
    return np.sum(x**2, axis=1) / 4000 - np.prod(np.cos(x / np.sqrt(i)), axis=1) + 1


@dataclass(frozen=True)
class Problem:
    """A function on the box ``[low, high]^d`` and its known continuous minimum."""

    function: Batch
    d: int
    low: float
    high: float
    minimum: float

    def at(self, x: np.ndarray) -> float:
        return float(self.function(np.asarray(x, dtype=float)[None, :])[0])

    def grid_minimum(self, k: int, chunk: int = 200_000) -> float:
        """The minimum over the grid of ``k`` values per variable, by enumeration."""
        levels = np.linspace(self.low, self.high, k)
        best = math.inf
        points = itertools.product(range(k), repeat=self.d)
        while block := list(itertools.islice(points, chunk)):
            best = min(best, float(np.min(self.function(levels[np.array(block)]))))
        return best


PROBLEMS = {
    "hartmann6": Problem(hartmann6, 6, 0.0, 1.0, -3.32237),
    "ackley5": Problem(ackley, 5, -10.0, 10.0, 0.0),
    "levy4": Problem(levy, 4, -10.0, 10.0, 0.0),
    "rosenbrock4": Problem(rosenbrock, 4, -2.048, 2.048, 0.0),
    "styblinski_tang4": Problem(styblinski_tang, 4, -5.0, 5.0, -39.16616570377142 * 4),
    "michalewicz5": Problem(michalewicz, 5, 0.0, math.pi, -4.687658),
    "rastrigin3": Problem(rastrigin, 3, -2.56, 2.56, 0.0),
    "griewank4": Problem(griewank, 4, -60.0, 60.0, 0.0),
}
#: The six of them that scale, in 20 dimensions (``--problems high``): with 80 trials a
#: GP sees four points per dimension, and its lengthscales' prior counts for more.
HIGH = {
    "ackley20": Problem(ackley, 20, -10.0, 10.0, 0.0),
    "levy20": Problem(levy, 20, -10.0, 10.0, 0.0),
    "rosenbrock20": Problem(rosenbrock, 20, -2.048, 2.048, 0.0),
    "styblinski_tang20": Problem(styblinski_tang, 20, -5.0, 5.0, -39.16616570377142 * 20),
    "rastrigin20": Problem(rastrigin, 20, -2.56, 2.56, 0.0),
    "griewank20": Problem(griewank, 20, -60.0, 60.0, 0.0),
}


@dataclass(frozen=True)
class Encoding:
    """How a method's parameters map to the function's box: continuous, or a grid."""

    problem: Problem
    grid: int | None

    def point(self, values: list[Any]) -> np.ndarray:
        if self.grid is None:
            return np.array(values, dtype=float)
        levels = np.linspace(self.problem.low, self.problem.high, self.grid)
        return levels[np.array(values, dtype=int)]


def run_rung(encoding: Encoding, trials: int, seed: int, searcher: str) -> list[float]:
    problem, names = encoding.problem, [f"x{i}" for i in range(encoding.problem.d)]
    if encoding.grid is None:
        space = {n: rung.uniform(problem.low, problem.high) for n in names}
    else:
        space = {n: rung.randint(0, encoding.grid) for n in names}
    seen: list[float] = []

    def objective(config: dict[str, Any]) -> float:
        seen.append(problem.at(encoding.point([config[n] for n in names])))
        return seen[-1]

    rung.tune(objective, space, searcher=searcher, max_trials=trials, seed=seed)
    return seen


def run_optuna(encoding: Encoding, trials: int, seed: int, sampler: str) -> list[float]:
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    problem = encoding.problem
    samplers = {
        "gp": lambda: optuna.samplers.GPSampler(seed=seed),
        "tpe": lambda: optuna.samplers.TPESampler(seed=seed),
    }

    def objective(trial: Any) -> float:
        if encoding.grid is None:
            values = [
                trial.suggest_float(f"x{i}", problem.low, problem.high) for i in range(problem.d)
            ]
        else:
            values = [trial.suggest_int(f"x{i}", 0, encoding.grid - 1) for i in range(problem.d)]
        return problem.at(encoding.point(values))

    study = optuna.create_study(sampler=samplers[sampler]())
    study.optimize(objective, n_trials=trials)
    return [t.value for t in study.trials]


_MAX_GRID = 50_000_000  # grid points enumerated for a grid's optimum (a minute or two)

METHODS: dict[str, Callable[[Encoding, int, int], list[float]]] = {
    "rung GP-EI": lambda e, n, s: run_rung(e, n, s, "bo"),
    "rung random": lambda e, n, s: run_rung(e, n, s, "random"),
    "Optuna GP": lambda e, n, s: run_optuna(e, n, s, "gp"),
    "Optuna TPE": lambda e, n, s: run_optuna(e, n, s, "tpe"),
}


def regrets(values: list[float], minimum: float, counts: tuple[int, ...]) -> list[float]:
    """The best value within each of the first ``counts`` trials, minus ``minimum``."""
    best = np.minimum.accumulate(values)
    return [float(best[k - 1]) - minimum for k in counts]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--problems", default=",".join(PROBLEMS))
    parser.add_argument("--methods", default=",".join(METHODS))
    parser.add_argument("--trials", type=int, default=80)
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--grid", type=int, default=None, help="K integer values per variable")
    args = parser.parse_args(argv)
    if args.grid is not None and args.grid < 2:
        parser.error(f"--grid must be at least 2; got {args.grid}")
    problems = {**PROBLEMS, **HIGH}
    tokens = args.problems.split(",")
    names = [name for token in tokens for name in (HIGH if token == "high" else [token])]
    unknown = sorted(set(names) - set(problems))
    unknown += sorted(set(args.methods.split(",")) - set(METHODS))
    if unknown:
        parser.error(f"unknown problems or methods {unknown}: {list(problems)}, {list(METHODS)}")
    largest = max(problems[name].d for name in names)
    if args.grid is not None and args.grid**largest > _MAX_GRID:
        parser.error(
            f"--grid {args.grid} has {args.grid}^{largest} points to enumerate for the "
            f"optimum; at most {_MAX_GRID:,}"
        )
    logging.basicConfig(level=logging.ERROR)
    counts = (args.trials // 4, args.trials // 2, args.trials)
    methods = args.methods.split(",")
    print("| problem | method | " + " | ".join(f"{k} trials" for k in counts), end="")
    print(" | solved |" if args.grid else " |")
    print("|---" * (len(counts) + 2 + bool(args.grid)) + "|")
    for name in names:
        problem = problems[name]
        encoding = Encoding(problem, args.grid)
        minimum = problem.minimum if args.grid is None else problem.grid_minimum(args.grid)
        for method in methods:
            rows = np.array(
                [
                    regrets(METHODS[method](encoding, args.trials, seed), minimum, counts)
                    for seed in range(args.seeds)
                ]
            )
            mean, sem = rows.mean(axis=0), rows.std(axis=0, ddof=1) / math.sqrt(len(rows))
            cells = " | ".join(f"{m:.3g} ± {e:.2g}" for m, e in zip(mean, sem, strict=True))
            solved = f" | {int(np.sum(rows[:, -1] <= 1e-9))}/{len(rows)}" if args.grid else ""
            print(f"| {name} | {method} | {cells}{solved} |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
