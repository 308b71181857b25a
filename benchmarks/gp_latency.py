"""Latency of GPSearcher.suggest() against Optuna's GPSampler, on one 4-D problem; and of
MultiFidelityGPSearcher and GPSearcher at thousands of observations on 10 dimensions.

Both libraries are given the same ``n`` random observations of a 4-D Hartmann function
on [0, 1]^4 (Picheny, Wagner & Ginsbourger 2013), then asked for ``repeats`` more
points, each one told before the next ask; the median time of one ask is reported.
Optuna's ask is timed with all four parameters fixed up front (``study.ask(dists)``),
so its GP fit and acquisition optimization happen inside the timed call. Optuna is
optional (its GPSampler needs torch, and greenlet for its batched L-BFGS-B); without it
only rung is measured.

The second table gives each searcher ``n`` observations of a 10-D function (for the
multi-fidelity searcher spread over the rungs 1, 3, 9, 27, 81 as ASHA with eta 3 leaves
them: two thirds at the bottom rung), then times ``repeats`` suggestions, each observed
before the next, and reports the median and the peak memory Python allocated during
them (tracemalloc). ``GPSearcher, dense`` is the exact GP on every observation (no cap),
as it was before the subset of data: measured up to 3,000 observations.

With ``--mixed`` the 10 dimensions are 5 reals, 3 integers (``randint(0, 21)``, 21
levels of their coordinate) and 2 choices of 5 values: the acquisition's local search
then climbs over one step of an integer and another value of a choice
(:mod:`rung.searchers._local_search`), which a space of reals skips.

Run: ``python benchmarks/gp_latency.py`` (``--large`` for the 10-D table only;
``--large --mixed`` for it on the mixed space).
"""

from __future__ import annotations

import argparse
import math
import statistics
import time
import tracemalloc
from typing import Any

import numpy as np

from rung.domains import RandInt
from rung.searchers.gp import GPSearcher
from rung.searchers.multi_fidelity import MultiFidelityGPSearcher
from rung.space import Choice, choice, randint, uniform

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


_LEVELS = (1, 3, 9, 27, 81)


_INTEGER_LEVELS = 21
_CHOICES = (0.0, 0.25, 0.5, 0.75, 1.0)


def large_space(dim: int, mixed: bool) -> dict[str, Any]:
    """``dim`` reals in [0, 1]; with ``mixed``, the last five are three integers of 21
    levels and two choices of 5 values (``dim`` >= 5)."""
    space: dict[str, Any] = {f"x{i}": uniform(0.0, 1.0) for i in range(dim)}
    if mixed:
        for i in range(dim - 5, dim - 2):
            space[f"x{i}"] = randint(0, _INTEGER_LEVELS)
        for i in range(dim - 2, dim):
            space[f"x{i}"] = choice(list(_CHOICES))
    return space


def _point(space: dict[str, Any], config: dict[str, Any]) -> np.ndarray:
    """The coordinates in [0, 1] of a configuration of :func:`large_space`."""
    return np.array(
        [
            value / (_INTEGER_LEVELS - 1) if isinstance(space[name], RandInt) else value
            for name, value in config.items()
        ]
    )


def _config(space: dict[str, Any], x: np.ndarray) -> dict[str, Any]:
    """The configuration of :func:`large_space` nearest the point ``x`` of [0, 1]^dim."""
    config: dict[str, Any] = {}
    for (name, domain), value in zip(space.items(), x, strict=True):
        if isinstance(domain, RandInt):
            config[name] = int(round(value * (_INTEGER_LEVELS - 1)))
        elif isinstance(domain, Choice):
            config[name] = min(_CHOICES, key=lambda c: abs(c - value))
        else:
            config[name] = float(value)
    return config


def _observations(n: int, space: dict[str, Any], multi_fidelity: bool, seed: int = 0):
    """``n`` observations (config, value, resource) of a 10-D function, as ASHA makes them."""
    rng = np.random.default_rng(seed)
    dim = len(space)
    rows = []
    for _ in range(n):
        config = _config(space, rng.random(dim))
        x = _point(space, config)
        k = min(len(_LEVELS) - 1, int(rng.geometric(2 / 3)) - 1) if multi_fidelity else None
        value = hartmann4(x[:4]) + float(np.sum((x[4:] - 0.5) ** 2))
        if k is not None:
            value += 0.5 * (1 - _LEVELS[k] / _LEVELS[-1]) * (1 + x[4])
        rows.append((config, value, _LEVELS[k] if k is not None else None))
    return rows


def time_large(
    searcher, multi_fidelity: bool, n: int, space: dict[str, Any], repeats: int
) -> tuple[float, float, float]:
    """Median seconds per suggestion (wall, then CPU of this process) and peak MiB
    allocated, after ``n`` observations. On a shared machine the CPU time is the steadier
    figure: the wall time also counts the time other processes held the core."""
    rows = _observations(n, space, multi_fidelity)
    if multi_fidelity:
        searcher.set_levels(_LEVELS)
    for config, value, resource in rows:
        searcher.observe(config, value, resource)
    searcher.suggest()  # the first fit from the prior is not what a run pays per suggestion
    times, cpu_times = [], []
    tracemalloc.start()
    for _ in range(repeats):
        start, cpu_start = time.perf_counter(), time.process_time()
        config = searcher.suggest()
        times.append(time.perf_counter() - start)
        cpu_times.append(time.process_time() - cpu_start)
        x = _point(space, config)
        searcher.observe(config, hartmann4(x[:4]), _LEVELS[0] if multi_fidelity else None)
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    return statistics.median(times), statistics.median(cpu_times), peak


def measure_large(
    n_obs: tuple[int, ...] = (300, 1000, 3000, 10000),
    dim: int = 10,
    repeats: int = 7,
    mixed: bool = False,
) -> list[dict[str, Any]]:
    """Latency and memory of the searchers at thousands of observations on ``dim`` dims
    (``mixed``: see :func:`large_space`)."""
    space = large_space(dim, mixed)
    rows = []
    for n in n_obs:
        builds = {
            "MultiFidelityGPSearcher (rungs 1..81)": (
                lambda: MultiFidelityGPSearcher(space, seed=0),
                True,
            ),
            "GPSearcher (FIFO)": (lambda: GPSearcher(space, seed=0), False),
        }
        if n <= 3000:
            builds["GPSearcher, dense (FIFO)"] = (
                lambda: GPSearcher(space, seed=0, max_points=10**9),
                False,
            )
        for name, (build, multi_fidelity) in builds.items():
            seconds, cpu, peak = time_large(build(), multi_fidelity, n, space, repeats)
            rows.append(
                {"searcher": name, "n_obs": n, "ms": 1e3 * seconds, "cpu_ms": 1e3 * cpu}
                | {"peak_mib": peak}
            )
    return rows


def _fmt(value: float | None, spec: str) -> str:
    return "n/a" if value is None or not math.isfinite(value) else format(value, spec)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description="GPSearcher suggest latency against Optuna's GPSampler."
    )
    parser.add_argument("--quick", action="store_true", help="fewer sizes and repeats (smoke test)")
    parser.add_argument("--large", action="store_true", help="only the 10-D table")
    parser.add_argument(
        "--mixed", action="store_true", help="the 10-D table on 5 reals, 3 integers, 2 choices"
    )
    args = parser.parse_args(argv)
    sizes = {"n_obs": (300, 1000), "repeats": 3} if args.quick else {}
    large = measure_large(**sizes, mixed=args.mixed)
    kind = "5 reals, 3 integers, 2 choices" if args.mixed else "10 reals"
    print(f"## Suggest latency at many observations, 10-D ({kind}), median over repeats\n")
    print("| searcher | observations | ms per suggestion | CPU ms | peak MiB |")
    print("|---|---:|---:|---:|---:|")
    for row in large:
        print(
            f"| {row['searcher']} | {row['n_obs']:,} | {row['ms']:.1f} | {row['cpu_ms']:.1f} "
            f"| {row['peak_mib']:.1f} |"
        )
    print()
    if args.large:
        return
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
