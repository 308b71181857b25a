"""Multi-fidelity searchers compared: any-time regret at the full resource, by budget fraction.

Each method (a searcher inside a scheduler) runs on simulated benchmarks in simulated
time (:class:`rung.SimulatedExecutor`, no decision time: runs repeat exactly), in three
settings, as ``benchmarks/quality.py`` sets them:

* ``seq``: one worker and an epoch budget of ``100 x max_resource`` epochs (every epoch
  costs one simulated second, whatever the configuration);
* ``par4``, ``par16``: 4 and 16 workers, each epoch with its own simulated seconds, and a
  wall-clock budget of 100 mean full trainings spread over the workers.

Regret counts only jobs that trained a configuration to the full resource and completed;
it is read at 10, 25, 50 and 100 % of the budget (infinite before the first such job).
Methods are ranked per benchmark, seed, setting and fraction (ties share a rank), and
the tables give the mean rank and the median regret.

Benchmarks: mf-prior-bench's MF-Hartmann (:mod:`rung.workloads.mf_hartmann`): ``mfh3``
and ``mfh6`` (bias 0.5, noise 0.1), ``mfh6_good`` (2.5, 2.0) and ``mfh6_bad`` (3.5, 4.0),
with its fidelity cost; ``branin`` and ``hartmann6`` through rung's
:class:`~rung.workloads.synthetic.MultiFidelity` (27 epochs); and ``lc``, learning curves
that cross (:class:`CrossingCurves`): configurations that learn fast plateau higher, so
that early epochs favour the wrong ones, and one parameter makes epochs up to 40 times
slower (and ends slightly lower), so that cost-aware search matters with workers.

Methods are ``searcher-scheduler[:option=value+...]``: searchers ``rs`` (random), ``bo``
(GPSearcher, the highest level with enough points), ``mf`` (MultiFidelityGPSearcher);
schedulers ``fifo``, ``asha``, ``hb`` (synchronous Hyperband), ``ahb`` (asynchronous);
options go to the searcher (``cost_exponent``, ``max_points``) or the scheduler
(``eager_promotion``, ``adaptive``), e.g. ``mf-ahb:eager_promotion=1+adaptive=1``.

Usage: python benchmarks/mf_searchers.py [--methods a,b] [--benchmarks lc,mfh6]
       [--settings seq,par4,par16] [--seeds 5] [--processes 2] [--out rows.jsonl]
"""

from __future__ import annotations

import argparse
import functools
import hashlib
import math
import statistics
import struct
import sys
import time
from collections.abc import Callable, Mapping
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.optimize import minimize
from scipy.special import erfinv

from rung._random import derive_seed
from rung.executors.simulated import SimulatedExecutor
from rung.run.tuner import Tuner
from rung.schedulers import ASHA, FIFO, AsyncHyperband, Hyperband
from rung.searchers import RandomSearcher
from rung.searchers.gp import GPSearcher
from rung.searchers.multi_fidelity import MultiFidelityGPSearcher
from rung.space import Space, uniform
from rung.types import JobStatus
from rung.workloads.mf_hartmann import MFHartmann
from rung.workloads.simulated import FidelityCost
from rung.workloads.synthetic import MultiFidelity, by_name

FRACTIONS = (0.1, 0.25, 0.5, 1.0)
SLOWDOWN = 40.0  # the slowest configuration's epochs over the fastest's


def _hash_normal(*parts: object) -> float:
    """A standard normal number that is a fixed function of ``parts``."""
    digest = hashlib.blake2b(repr(parts).encode(), digest_size=8).digest()
    u = (struct.unpack("<Q", digest)[0] + 0.5) / 2.0**64
    return float(np.sqrt(2.0) * erfinv(2.0 * u - 1.0))


@dataclass(frozen=True)
class Bench:
    """A simulated benchmark: value(config, resource) and the seconds of each epoch.

    ``cost_parameter`` names the parameter ``u`` whose ``40**u`` scales a configuration's
    epochs; None: every configuration's epochs cost the same (mf-prior-bench's
    ``0.05 + 0.95 (z / 100)**2`` cost of training to fidelity ``z``, in 100 s units).
    """

    name: str
    space: Space
    min_resource: int
    max_resource: int
    optimum: float
    value: Callable[[Mapping[str, Any], int], float]
    cost_parameter: str | None

    def epoch_seconds(self, config: Mapping[str, Any], resource: int) -> float:
        if self.cost_parameter is None:
            return FidelityCost(100.0, power=2.0 if self.max_resource == 100 else 1.0).epoch(
                resource, self.max_resource
            )
        return SLOWDOWN ** float(config[self.cost_parameter])

    @property
    def mean_full_seconds(self) -> float:
        if self.cost_parameter is None:
            return 100.0
        return self.max_resource * (SLOWDOWN - 1.0) / math.log(SLOWDOWN)


class Objective:
    """``f(config, resource) -> (value, seconds)`` for the simulated executor."""

    def __init__(self, bench: Bench, costly: bool) -> None:
        self.bench, self.costly = bench, costly

    def __call__(self, config: Mapping[str, Any], resource: int) -> tuple[float, float]:
        seconds = self.bench.epoch_seconds(config, resource) if self.costly else 1.0
        return float(self.bench.value(config, resource)), float(seconds)


class CrossingCurves:
    """Learning curves that cross: ``err(u, r) = final + (start - final) * exp(-r / tau)``.

    ``u_0`` sets how slowly a configuration learns (``tau`` from 2 % to 60 % of the full
    resource) and slow learners end lower; ``u_1`` is a "size" that makes epochs slower
    (the cost parameter) and ends slightly lower; the rest is a Hartmann-3 landscape of the
    final error. Noise of 0.005 per epoch, a deterministic function of (u, r).
    """

    def __init__(self, max_resource: int = 27) -> None:
        self.max_resource = max_resource
        self.function = MFHartmann(3, bias=0.0, noise=0.0)
        self.space = Space({f"u{i}": uniform(0.0, 1.0) for i in range(5)})

    def final(self, u: np.ndarray) -> float:
        h = self.function({"X_0": u[2], "X_1": u[3], "X_2": u[4]}, 100)  # in [-3.86, 0]
        return 0.12 + 0.05 * (h + 3.86) - 0.06 * u[0] - 0.02 * u[1]

    def __call__(self, config: Mapping[str, Any], resource: int) -> float:
        u = np.array([config[f"u{i}"] for i in range(5)], dtype=float)
        final = self.final(u)
        tau = self.max_resource * 0.02 * 30.0 ** u[0]
        gap = 0.9 - final
        noise = 0.005 * _hash_normal(tuple(u), resource) if resource < self.max_resource else 0.0
        return final + gap * math.exp(-resource / tau) + noise

    def optimum(self) -> float:
        rng = np.random.default_rng(0)
        best = math.inf
        for _ in range(20):
            x0 = rng.random(5)
            res = minimize(
                lambda x: self({f"u{i}": v for i, v in enumerate(x)}, self.max_resource),
                x0,
                bounds=[(0, 1)] * 5,
                method="L-BFGS-B",
            )
            best = min(best, float(res.fun))
        return best


def benchmark(name: str) -> Bench:
    if name.startswith("mfh"):
        dims = int(name[3])
        # mf-prior-bench's presets of (bias, noise): default, "good" and "bad" low fidelities
        bias, noise = {"": (0.5, 0.1), "_good": (2.5, 2.0), "_bad": (3.5, 4.0)}[name[4:]]
        f = MFHartmann(dims, bias=bias, noise=noise)
        space = Space({n: uniform(0.0, 1.0) for n in f.names})
        return Bench(name, space, 3, 100, f.optimum, f, None)
    if name in ("branin", "hartmann6"):
        # rung's biased, noisy multi-fidelity version of the function, 27 epochs
        function = MultiFidelity(by_name(name), max_resource=27)
        return Bench(name, function.space, 1, 27, function.optimum, function.at, None)
    if name == "lc":
        curves = CrossingCurves(27)
        return Bench("lc", curves.space, 1, 27, _lc_optimum(), curves, "u1")
    raise ValueError(name)


@functools.cache
def _lc_optimum() -> float:
    return CrossingCurves(27).optimum()


def searcher_of(kind: str, space: Space, seed: int, **options: Any):
    if kind == "rs":
        return RandomSearcher(space, seed=seed)
    if kind == "bo":
        return GPSearcher(space, seed=seed)
    if kind == "mf":
        return MultiFidelityGPSearcher(space, seed=seed, **options)
    raise ValueError(kind)


def build(method: str, bench: Bench, seed: int):
    """``searcher-scheduler[:option=value+...]``, e.g. ``mf-ahb:eager_promotion=1+adaptive=1``."""
    head, _, tail = method.partition(":")
    kind, scheduler = head.split("-", 1)
    options: dict[str, Any] = {}
    for item in filter(None, tail.replace(",", "+").split("+")):
        key, value = item.split("=")
        if key in ("eager_promotion", "adaptive"):
            options[key] = value == "1"
        else:
            options[key] = float(value) if "." in value or key == "cost_exponent" else int(value)
    searcher_options = {k: v for k, v in options.items() if k in ("cost_exponent", "max_points")}
    scheduler_options = {k: v for k, v in options.items() if k not in searcher_options}
    searcher = searcher_of(kind, bench.space, derive_seed(seed, 1), **searcher_options)
    fidelity = dict(min_resource=bench.min_resource, max_resource=bench.max_resource, eta=3)
    if scheduler == "fifo":
        return FIFO(searcher, max_resource=bench.max_resource)
    if scheduler == "asha":
        return ASHA(searcher, **fidelity, **scheduler_options)
    if scheduler == "hb":
        return Hyperband(searcher, **fidelity, **scheduler_options)
    if scheduler == "ahb":
        return AsyncHyperband(searcher, **fidelity, seed=derive_seed(seed, 2), **scheduler_options)
    raise ValueError(scheduler)


def run_one(method: str, bench_name: str, setting: str, seed: int) -> dict[str, Any]:
    bench = benchmark(bench_name)
    workers = {"seq": 1, "par4": 4, "par16": 16}[setting]
    costly = setting != "seq"
    budget = 100 * (bench.mean_full_seconds if costly else bench.max_resource) / workers
    scheduler = build(method, bench, seed)
    executor = SimulatedExecutor(workers, decision_time=False)
    start = time.process_time()
    result = Tuner(Objective(bench, costly), scheduler, seed=seed, executor=executor).run(
        time_budget_s=budget
    )
    cpu = time.process_time() - start
    full = sorted(
        (job.end, job.value)
        for job in result.jobs
        if job.status is JobStatus.COMPLETED
        and job.resource_to == bench.max_resource
        and math.isfinite(job.value)
    )
    regrets = []
    for fraction in FRACTIONS:
        seen = [v for end, v in full if end <= fraction * budget + 1e-9]
        regrets.append(min(seen) - bench.optimum if seen else math.inf)
    first = full[0][0] / budget if full else math.inf
    return dict(
        method=method,
        bench=bench_name,
        setting=setting,
        seed=seed,
        regrets=regrets,
        cpu=cpu,
        first_full=first,
        n_full=len(full),
        n_trials=result.n_trials,
    )


def _ranks(values: list[float]) -> list[float]:
    order = sorted(range(len(values)), key=lambda i: values[i])
    ranks = [0.0] * len(values)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and values[order[j + 1]] == values[order[i]]:
            j += 1
        for k in range(i, j + 1):
            ranks[order[k]] = (i + j) / 2 + 1
        i = j + 1
    return ranks


def report(rows: list[dict[str, Any]], methods: list[str]) -> str:
    lines = []
    settings = list(dict.fromkeys(r["setting"] for r in rows))
    for setting in settings:
        sub = [r for r in rows if r["setting"] == setting]
        cells = sorted({(r["bench"], r["seed"]) for r in sub})
        rank_sum = {m: [0.0] * len(FRACTIONS) for m in methods}
        counts = {m: 0 for m in methods}
        for cell in cells:
            runs = {r["method"]: r for r in sub if (r["bench"], r["seed"]) == cell}
            if not all(m in runs for m in methods):
                continue
            for f in range(len(FRACTIONS)):
                ranks = _ranks([runs[m]["regrets"][f] for m in methods])
                for m, rk in zip(methods, ranks, strict=True):
                    rank_sum[m][f] += rk
            for m in methods:
                counts[m] += 1
        lines.append(f"\n### {setting}: mean rank over {counts[methods[0]]} (benchmark, seed)\n")
        lines.append("| method | " + " | ".join(f"{f:.0%}" for f in FRACTIONS) + " | CPU s/run |")
        lines.append("|---|" + "---:|" * (len(FRACTIONS) + 1))
        for m in methods:
            n = max(counts[m], 1)
            cpu = statistics.mean(r["cpu"] for r in sub if r["method"] == m)
            lines.append(
                f"| {m} | " + " | ".join(f"{s / n:.2f}" for s in rank_sum[m]) + f" | {cpu:.1f} |"
            )
        benches = list(dict.fromkeys(r["bench"] for r in sub))
        lines.append(
            f"\n{setting}: median regret (first full-resource result, fraction of budget)\n"
        )
        lines.append(
            "| method | "
            + " | ".join(f"{b} {f:.0%}" for b in benches for f in FRACTIONS)
            + " | first full |"
        )
        lines.append("|---|" + "---:|" * (len(benches) * len(FRACTIONS) + 1))
        for m in methods:
            cells_txt = []
            for b in benches:
                rr = [r for r in sub if r["method"] == m and r["bench"] == b]
                for f in range(len(FRACTIONS)):
                    med = statistics.median(r["regrets"][f] for r in rr) if rr else math.nan
                    cells_txt.append("inf" if math.isinf(med) else f"{med:.3g}")
            first = statistics.median(r["first_full"] for r in sub if r["method"] == m)
            lines.append(f"| {m} | " + " | ".join(cells_txt) + f" | {first:.3f} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--methods", default="rs-asha,bo-fifo,bo-asha,bo-hb,mf-asha,mf-hb")
    parser.add_argument("--benchmarks", default="lc,mfh3,mfh6")
    parser.add_argument("--settings", default="seq,par4,par16")
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--out", default=None, help="append raw rows (JSON lines) here")
    args = parser.parse_args(argv)
    methods = args.methods.split(",")
    tasks = [
        (m, b, s, seed)
        for s in args.settings.split(",")
        for b in args.benchmarks.split(",")
        for seed in range(args.seeds)
        for m in methods
    ]
    start = time.perf_counter()
    rows = []
    with ProcessPoolExecutor(args.processes) as pool:
        for row in pool.map(_star, tasks):
            rows.append(row)
            if args.out:
                import json

                with open(args.out, "a") as fh:
                    fh.write(json.dumps(row) + "\n")
    print(f"{len(rows)} runs in {time.perf_counter() - start:.0f} s", file=sys.stderr)
    print(report(rows, methods))
    return 0


def _star(task: tuple[str, str, str, int]) -> dict[str, Any]:
    return run_one(*task)


if __name__ == "__main__":
    sys.exit(main())
