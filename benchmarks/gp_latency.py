"""Latency of GPSearcher.suggest() against Optuna's GPSampler, on one 4-D problem.

Both libraries are given the same ``n`` random observations of a 4-D Hartmann function
on [0, 1]^4 (Picheny, Wagner & Ginsbourger 2013), then asked for ``repeats`` more
points, each one told before the next ask; the median time of one ask is reported.
Optuna's ask is timed with all four parameters fixed up front (``study.ask(dists)``),
so its GP fit and acquisition optimization happen inside the timed call. Optuna is
optional (its GPSampler needs torch, and greenlet for its batched L-BFGS-B); without it
only rung is measured.

Run: ``python benchmarks/gp_latency.py``.
"""

from __future__ import annotations

import argparse
import math
import statistics
import time
from typing import Any

import numpy as np

from rung.searchers.gp import GPSearcher
from rung.space import uniform

_ALPHA = np.array([1.0, 1.2, 3.0, 3.2])
_A = np.array([[10, 3, 17, 3.5], [0.05, 10, 17, 0.1], [3, 3.5, 1.7, 10], [17, 8, 0.05, 10]])
_P = 1e-4 * np.array(
    [
        [1312, 1696, 5569, 124],
        [2329, 4135, 8307, 3736],
        [2348, 1451, 3522, 2883],
        [4047, 8828, 8732, 5743],
    ]
)


def hartmann4(x: np.ndarray) -> float:
    """The 4-D Hartmann function, rescaled to roughly zero mean and unit variance."""
    return float((1.1 - _ALPHA @ np.exp(-np.sum(_A * (x - _P) ** 2, axis=1))) / 0.839)


def _problem(dim: int) -> tuple[dict[str, Any], Any]:
    names = [f"x{i}" for i in range(dim)]

    def objective(params: dict[str, float]) -> float:
        x = np.array([params[n] for n in names])
        return hartmann4(x[:4]) if dim >= 4 else float(np.sum((x - 0.3) ** 2))

    return {n: uniform(0.0, 1.0) for n in names}, objective


def _time_rung(space, objective, points: np.ndarray, values: np.ndarray, repeats: int) -> float:
    searcher = GPSearcher(space, seed=0)
    names = list(space)
    for x, v in zip(points, values, strict=True):
        searcher.observe(dict(zip(names, map(float, x), strict=True)), float(v))
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        config = searcher.suggest()
        times.append(time.perf_counter() - start)
        searcher.observe(config, objective(config))
    return statistics.median(times)


def _time_optuna(space, objective, points: np.ndarray, values: np.ndarray, repeats: int) -> float:
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    names = list(space)
    dists = {n: optuna.distributions.FloatDistribution(0.0, 1.0) for n in names}
    study = optuna.create_study(sampler=optuna.samplers.GPSampler(seed=0))
    study.add_trials(
        [
            optuna.trial.create_trial(
                params=dict(zip(names, map(float, x), strict=True)),
                distributions=dists,
                value=float(v),
            )
            for x, v in zip(points, values, strict=True)
        ]
    )
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        trial = study.ask(dists)
        times.append(time.perf_counter() - start)
        study.tell(trial, objective(trial.params))
    return statistics.median(times)


def _optuna_available() -> bool:
    try:
        import optuna  # noqa: F401
        import torch  # noqa: F401  (GPSampler's dependency)
    except ImportError:
        return False
    return True


def measure(
    n_obs: tuple[int, ...] = (20, 50, 100, 200), dim: int = 4, repeats: int = 9
) -> list[dict[str, Any]]:
    """Median suggest() latency after ``n`` observations, for each ``n`` in ``n_obs``.

    Args:
        n_obs: Numbers of random observations made before timing.
        dim: Dimension of the problem (the Hartmann-4 function uses the first four).
        repeats: Timed suggestions per ``n``; each is observed before the next.

    Returns:
        One dict per ``n``: ``n_obs``, ``rung_ms``, and, where Optuna's GPSampler can run,
        ``optuna_ms`` and ``ratio`` (Optuna's time over rung's); else those are None.
    """
    space, objective = _problem(dim)
    with_optuna = _optuna_available()
    rows = []
    for n in n_obs:
        points = np.random.default_rng(n).random((n, dim))
        values = np.array([objective(dict(zip(space, x, strict=True))) for x in points])
        rung_s = _time_rung(space, objective, points, values, repeats)
        optuna_s = _time_optuna(space, objective, points, values, repeats) if with_optuna else None
        rows.append(
            {
                "n_obs": n,
                "rung_ms": 1e3 * rung_s,
                "optuna_ms": None if optuna_s is None else 1e3 * optuna_s,
                "ratio": None if optuna_s is None else optuna_s / rung_s,
            }
        )
    return rows


def _fmt(value: float | None, spec: str) -> str:
    return "n/a" if value is None or not math.isfinite(value) else format(value, spec)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description="GPSearcher suggest latency against Optuna's GPSampler."
    )
    parser.add_argument("--quick", action="store_true", help="fewer sizes and repeats (smoke test)")
    args = parser.parse_args(argv)
    rows = measure(n_obs=(20, 50), repeats=3) if args.quick else measure()
    print("## GP suggest latency, 4-D, median over repeats\n")
    print("| observations | rung GPSearcher (ms) | Optuna GPSampler (ms) | Optuna / rung |")
    print("|---:|---:|---:|---:|")
    for row in rows:
        print(
            f"| {row['n_obs']} | {_fmt(row['rung_ms'], '.1f')} | "
            f"{_fmt(row['optuna_ms'], '.1f')} | {_fmt(row['ratio'], '.2f')} |"
        )
    if rows and rows[0]["optuna_ms"] is None:
        print("\nOptuna's GPSampler was not measured: it needs optuna and torch installed.")


if __name__ == "__main__":
    main()
