"""Search quality: any-time regret and mean ranks of rung's methods and its peers, side by side.

Every method runs on every benchmark of a setting with the same seeds, in simulated time
(``benchmarks/_quality/``):

* settings: **1 worker** with a budget of 100 x max_epochs epochs (every epoch charged;
  a promoted rung trial pays only its extra epochs, peers that restart pay all theirs);
  **4 workers** and **16 workers** with a wall-clock budget of 25 and 6.25 times the
  mean seconds of one full training (100 full trainings of compute in every setting),
  each configuration paying its own per-epoch seconds;
* benchmarks (``_quality/problems.py``): MF-Hartmann 3/6 with well- and badly-correlated
  low fidelities, Branin and Hartmann-6 (single fidelity, run by multi-fidelity methods
  through a fidelity), and rung's own Fashion-MNIST learning curves replayed from
  ``benchmarks/data/``;
* methods (``_quality/methods.py``): rung's random and GP-EI searchers with FIFO, ASHA,
  Hyperband and asynchronous Hyperband; Optuna TPE, GP, TPE with Hyperband and
  successive-halving pruners; DEHB; SMAC3's multi-fidelity facade;
* scores: regret at 10/25/50/100 % of the budget, counting only configurations trained to
  the full resource; ranks per benchmark and seed, averaged (``_quality/scoring.py``).

Results are appended to a JSON-lines file as runs finish (``--results``), so that a run
can stop and go on, and tables can be printed again (``--tables-only``). A local
baseline (``benchmarks/data/quality-baseline.jsonl.gz``, not committed) is read too when
present: adding a method to
``METHODS`` and running this script again runs only the new method's runs and ranks it
beside the recorded ones (a run is reused only if its setting, benchmark, budget, method
and seed match).

Usage:
    python benchmarks/quality.py                 # the full grid (see docs/benchmarks.md)
    python benchmarks/quality.py --quick         # a smoke run: 1 benchmark, 2 seeds
    python benchmarks/quality.py --methods "rung bo fifo,rung bo asha" --problems branin
    python benchmarks/quality.py --processes 2   # runs in two processes
    python benchmarks/quality.py --alone "rung bo async_hyperband,rung bo async_hyperband \
        (full-resource first only)"   # each ranked alone among the other methods
"""

from __future__ import annotations

import os

if __name__ == "__main__":  # before numpy loads: one core per run (runs are timed in CPU s)
    for _var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        os.environ.setdefault(_var, "1")

import argparse
import contextlib
import gzip
import json
import logging
import math
import multiprocessing
import sys
import time
import warnings
from collections.abc import Iterable, Iterator, Sequence
from functools import cache
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))  # the _quality package, when run as a script

from _quality.methods import METHODS, VARIANTS  # noqa: E402
from _quality.problems import PROBLEMS, problem  # noqa: E402
from _quality.scoring import (  # noqa: E402
    RunRecord,
    mean_ranks,
    rank_table,
    regret_table,
    seeds_per_problem,
)
from _quality.tasks import Setting, Task, Trace  # noqa: E402

BASELINE = HERE / "data" / "quality-baseline.jsonl.gz"
RESULTS = HERE.parent / "runs" / "quality.jsonl"

SETTINGS = {
    s.name: s
    for s in (
        Setting("1 worker", 1),
        Setting("4 workers", 4, 25),
        Setting("16 workers", 16, 6.25),
    )
}
#: The benchmarks of each setting in the full run (sized to about 1.5 CPU hours).
GRID = {
    "1 worker": (
        "mfh3", "mfh3_bad", "mfh6", "mfh6_bad", "branin", "hartmann6",
        "fmnist-softmax", "fmnist-sgd", "fmnist-svm", "fmnist-lenet",
    ),
    "4 workers": ("mfh6_bad", "fmnist-svm", "fmnist-lenet"),
    "16 workers": ("mfh6_bad", "fmnist-svm", "fmnist-lenet"),
}  # fmt: skip
SEEDS = 5
QUICK_SETTINGS = {
    s.name: s
    for s in (Setting("1 worker, 30 trainings", 1, 30), Setting("4 workers, 5 trainings", 4, 5))
}
QUICK_GRID = {name: ("branin",) for name in QUICK_SETTINGS}

Key = tuple[str, str, str, int]  # setting, problem, method, seed


@cache
def _problem(name: str):
    return problem(name)


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    """The peers' warnings and logs off, and one torch thread, while the runs go on."""
    try:
        import torch  # Optuna's GPSampler computes with torch: one thread, as every run

        threads = torch.get_num_threads()
        torch.set_num_threads(1)
    except ImportError:
        torch, threads = None, 0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        logging.disable(logging.WARNING)
        try:
            yield
        finally:
            logging.disable(logging.NOTSET)
            if torch is not None:
                torch.set_num_threads(threads)


def run_one(key: Key, setting: Setting) -> dict:
    """Runs one method on one task and returns its record (a JSON-ready dict)."""
    setting_name, problem_name, method, seed = key
    task = Task(_problem(problem_name), setting, seed)
    started = time.process_time()
    trace = {**METHODS, **VARIANTS}[method](task)
    return {
        "setting": setting_name,
        "workers": setting.workers,
        "full_trainings": setting.full_trainings,
        "problem": problem_name,
        "optimum": task.problem.optimum,
        "budget": task.budget,
        "method": method,
        "seed": seed,
        "trace": trace.to_json(),
        "cpu_s": time.process_time() - started,
    }


def _run_star(args: tuple[Key, Setting]) -> dict:
    return run_one(*args)


def load(paths: Iterable[Path]) -> dict[tuple, dict]:
    """Stored records by (setting, workers, full_trainings, problem, budget, method, seed)."""
    records: dict[tuple, dict] = {}
    for path in paths:
        if not path.exists():
            continue
        opener = gzip.open if path.suffix == ".gz" else open
        with opener(path, "rt") as f:
            for line in f:
                if line.strip():
                    data = json.loads(line)
                    records[_record_key(data)] = data
    return records


def _record_key(data: dict) -> tuple:
    return (
        data["setting"], data["workers"], data["full_trainings"], data["problem"],
        round(data["budget"], 6), data["method"], data["seed"],
    )  # fmt: skip


def _wanted_key(key: Key, setting: Setting) -> tuple:
    setting_name, problem_name, method, seed = key
    budget = setting.budget(_problem(problem_name))
    return (
        setting_name, setting.workers, setting.full_trainings, problem_name, round(budget, 6),
        method, seed,
    )  # fmt: skip


def to_run(data: dict) -> RunRecord:
    return RunRecord(
        data["setting"], data["problem"], data["method"], int(data["seed"]),
        float(data["optimum"]), float(data["budget"]), Trace.from_json(data["trace"]),
        float(data["cpu_s"]),
    )  # fmt: skip


def alone_report(
    runs: Sequence[RunRecord], settings: Sequence[str], field: Sequence[str], alone: Sequence[str]
) -> str:
    """Markdown: each of ``alone`` ranked alone among ``field`` (the others of ``alone``
    left out), so that variants of one method are compared as if each were the only one."""
    out: list[str] = []
    for setting in settings:
        rows: dict[str, list[float]] = {}
        for name in alone:
            chosen = [r for r in runs if r.setting == setting and r.method in {*field, name}]
            ranks = mean_ranks(chosen, [*field, name]).get(setting)
            if ranks:
                rows[name] = ranks[name]
        if rows:
            out.append(f"### Each alone among {len(field)} others, {setting}\n")
            out.append(rank_table(rows) + "\n")
    return "\n".join(out)


def report(runs: Sequence[RunRecord], settings: Sequence[str], methods: Sequence[str]) -> str:
    """The markdown tables: mean ranks per setting, mean regrets per benchmark."""
    out: list[str] = []
    ranks = mean_ranks(runs, methods)
    for setting in settings:
        if setting not in ranks:
            continue
        out.append(f"### Mean rank, {setting} (budget fraction; lower is better)\n")
        out.append(f"Benchmarks (seeds): {seeds_per_problem(runs, setting, methods)}\n")
        out.append(rank_table(ranks[setting]) + "\n")
    for setting in settings:
        if setting not in ranks:
            continue
        for fraction in (0.25, 1.0):
            out.append(f"### Mean regret, {setting}, at {fraction:.0%} of the budget\n")
            out.append(regret_table(runs, setting, methods, fraction) + "\n")
    cpu: dict[str, float] = {}
    for run in runs:
        if run.setting in settings and run.method in methods:
            cpu[run.method] = cpu.get(run.method, 0.0) + run.cpu_s
    if cpu:
        out.append("### CPU seconds per method (all runs shown)\n")
        out.append("| method | CPU s |\n|---|---:|")
        out.extend(f"| {m} | {s:,.0f} |" for m, s in sorted(cpu.items(), key=lambda x: -x[1]))
        out.append(f"| total | {sum(cpu.values()):,.0f} |\n")
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a smoke run (a minute or two)")
    parser.add_argument("--methods", help="comma-separated (default: all of METHODS)")
    parser.add_argument("--problems", help="comma-separated, for every setting (default: GRID)")
    parser.add_argument("--settings", help="comma-separated setting names (default: all)")
    parser.add_argument("--seeds", type=int, default=None, help=f"seeds 0..n-1 (default {SEEDS})")
    parser.add_argument("--results", type=Path, default=None, help=f"default {RESULTS}")
    parser.add_argument("--no-baseline", action="store_true", help="ignore the committed runs")
    parser.add_argument("--processes", type=int, default=1)
    parser.add_argument("--tables-only", action="store_true", help="run nothing, print tables")
    parser.add_argument(
        "--alone", help="comma-separated: rank each alone among the other methods (VARIANTS too)"
    )
    args = parser.parse_args(argv)

    settings, grid = (QUICK_SETTINGS, QUICK_GRID) if args.quick else (SETTINGS, GRID)
    seeds = args.seeds if args.seeds is not None else (2 if args.quick else SEEDS)
    methods = args.methods.split(",") if args.methods else list(METHODS)
    alone = args.alone.split(",") if args.alone else []
    known = {**METHODS, **VARIANTS}
    unknown = sorted(set(methods) - set(METHODS)) + sorted(set(alone) - set(known))
    if unknown:
        parser.error(f"unknown methods {unknown}; known: {sorted(known)}")
    field = [m for m in methods if m not in alone]
    methods = [*field, *alone]
    chosen = args.settings.split(",") if args.settings else list(settings)
    if set(chosen) - set(settings):
        parser.error(f"unknown settings {sorted(set(chosen) - set(settings))}: {list(settings)}")
    if args.problems:
        problems = args.problems.split(",")
        if set(problems) - set(PROBLEMS):
            parser.error(f"unknown benchmarks {sorted(set(problems) - set(PROBLEMS))}")
        grid = {name: tuple(problems) for name in settings}
    results = args.results or (RESULTS.with_name("quality-quick.jsonl") if args.quick else RESULTS)
    sources = [results] if (args.quick or args.no_baseline) else [BASELINE, results]
    stored = load(sources)

    keys = [
        (s, p, m, seed)
        for s in chosen for p in grid[s] for seed in range(seeds) for m in methods
    ]  # fmt: skip
    todo = [k for k in keys if _wanted_key(k, settings[k[0]]) not in stored]
    stored_now = len(keys) - len(todo)
    print(f"{stored_now} of {len(keys)} runs stored; running {len(todo)}", file=sys.stderr)
    if todo and not args.tables_only:
        results.parent.mkdir(parents=True, exist_ok=True)
        started = time.perf_counter()
        jobs = [(k, settings[k[0]]) for k in todo]
        with _quiet(), open(results, "a") as out:  # forked workers inherit the quiet
            if args.processes > 1:
                with multiprocessing.get_context("fork").Pool(args.processes) as pool:
                    finished = pool.imap_unordered(_run_star, jobs)
                    _collect(finished, out, stored, len(jobs), started)
            else:
                _collect(map(_run_star, jobs), out, stored, len(jobs), started)
    wanted = {_wanted_key(k, settings[k[0]]) for k in keys}
    runs = [to_run(data) for key, data in stored.items() if key in wanted]
    print(alone_report(runs, chosen, field, alone) if alone else report(runs, chosen, methods))
    return 0


def _collect(finished, out, stored: dict, total: int, started: float) -> None:
    for i, data in enumerate(finished, 1):
        out.write(json.dumps(data) + "\n")
        out.flush()
        stored[_record_key(data)] = data
        regret = Trace.from_json(data["trace"]).best_by(math.inf) - data["optimum"]
        print(
            f"[{i}/{total} {time.perf_counter() - started:,.0f} s] {data['setting']} "
            f"{data['problem']} seed {data['seed']} {data['method']}: regret {regret:.4g}, "
            f"{data['cpu_s']:.1f} CPU s",
            file=sys.stderr,
            flush=True,
        )


if __name__ == "__main__":
    sys.exit(main())
