"""Experiment store cost per job: rung's SQLite store against Optuna's storages.

Measures, in the same run on the same disk, the time one job costs its storage: for
rung, ``job_started``, ``job_reported`` for the two reports the job goes on after (as
the tuner records them while the job runs) and ``job_finished`` (a JobRecord with all
three reports), one transaction each; for Optuna, the equivalent work on the storage
API: create a trial, set its two parameters, report three intermediate values, finish it
(``RDBStorage`` on SQLite, and ``JournalStorage`` on a journal file). Prints the median
and 90th percentile per job and the ratio of each to rung's default.

rung is measured these ways:

* default: every job's end is flushed (one flush of the write-ahead log per job), so
  nothing finished is lost, even to a power cut; a job's start is not flushed;
* ``durable=True`` (``synchronous=FULL``): every commit is flushed, so each job pays four
  flushes of the write-ahead log;
* with a 500 KB checkpoint per job (written to a temporary file, flushed, renamed, its
  folder flushed, before the commit): once for new trials (nothing removed), once
  replacing the trial's previous checkpoint (the old file is removed by a background
  thread once the commit is flushed). Back to back, the removals compete with the
  next job's flushes for the disk; 10 ms apart (not counted), as when jobs take time to
  run, they do not. The flushes dominate, and their cost is the disk's;
* the latter with ``durable=True``.

The goal: under 1 ms per job without a checkpoint.

The stores are written under ``--dir`` (default: the current directory), so the disk
measured is the one experiments go to; a RAM disk such as a tmpfs ``/tmp`` would make the
flushes free.

Usage: python benchmarks/store.py [--jobs N] [--optuna-trials N] [--dir DIR] [--quick]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from rung.codec import encode
from rung.types import JobRecord
from rung.store import ExperimentStore
from rung.types import Decision, JobStatus, Report

REPORTS = 3
CHECKPOINT_BYTES = 500_000
TRIALS_WITH_CHECKPOINTS = 20


def job(index: int, trial_id: int) -> JobRecord:
    """A job of three epochs with its learning curve."""
    value = 1.0 / (index + 1)
    return JobRecord(
        index=index,
        trial_id=trial_id,
        config={"lr": 0.001 * (trial_id + 1), "units": 32 + trial_id % 64},
        resource_from=0,
        resource_to=REPORTS,
        value=value,
        status=JobStatus.COMPLETED,
        start=float(index),
        end=index + 0.5,
        worker=0,
        decision=Decision.PAUSE,
        reports=tuple(Report(r, value, index + r / 10) for r in range(1, REPORTS + 1)),
    )


def rung_costs(
    directory: Path,
    n_jobs: int,
    *,
    checkpoint: bool = False,
    durable: bool = False,
    replace: bool = True,
    pause: float = 0.0,
) -> list[float]:
    """Seconds each job cost rung's store.

    With ``replace``, checkpoints cycle over a few trials, so each replaces (and removes)
    its trial's previous one; without, every job is a new trial and nothing is removed.
    ``pause`` seconds (not counted) pass between jobs, as when jobs take time to run.
    """
    blob = encode(b"\x01" * CHECKPOINT_BYTES) if checkpoint else None
    costs = []
    with ExperimentStore.create(directory, {"model": "bench"}, durable=durable) as store:
        for index in range(n_jobs):
            trial = index % TRIALS_WITH_CHECKPOINTS if checkpoint and replace else index
            record = job(index, trial)
            start = time.perf_counter()
            store.job_started(trial, record.config, 0, REPORTS, seed=index, time=record.start)
            for report in record.reports[:-1]:  # the last one ends the job
                store.job_reported(trial, report.resource, report.value, report.time)
            store.job_finished(record, blob, trial_done=False)
            costs.append(time.perf_counter() - start)
            if pause:
                time.sleep(pause)
    return costs


def optuna_costs(kind: str, directory: Path, n_trials: int) -> list[float] | None:
    """Seconds each trial cost Optuna's storage (None if Optuna is not installed)."""
    try:
        import optuna
        from optuna.distributions import FloatDistribution, IntDistribution
        from optuna.trial import TrialState
    except ImportError:
        return None
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    if kind == "rdb":
        storage = optuna.storages.RDBStorage(f"sqlite:///{directory / 'optuna.db'}")
    else:
        backend = optuna.storages.journal.JournalFileBackend(str(directory / "journal.log"))
        storage = optuna.storages.JournalStorage(backend)
    study_id = storage.create_new_study([optuna.study.StudyDirection.MINIMIZE], "bench")
    lr, units = FloatDistribution(1e-4, 1.0, log=True), IntDistribution(32, 96)
    costs = []
    for index in range(n_trials):
        record = job(index, index)
        start = time.perf_counter()
        trial_id = storage.create_new_trial(study_id)
        storage.set_trial_param(trial_id, "lr", record.config["lr"], lr)
        storage.set_trial_param(trial_id, "units", record.config["units"] - 32, units)
        for report in record.reports:
            storage.set_trial_intermediate_value(trial_id, report.resource, report.value)
        storage.set_trial_state_values(trial_id, TrialState.COMPLETE, [record.value])
        costs.append(time.perf_counter() - start)
    return costs


def percentiles(costs: list[float]) -> tuple[float, float]:
    """(median, 90th percentile) in milliseconds."""
    ms = sorted(1000 * c for c in costs)
    return statistics.median(ms), ms[min(len(ms) - 1, int(0.9 * len(ms)))]


def measure(
    label: str, count: int, run: Callable[[Path], list[float] | None], where: Path
) -> tuple[str, int, float, float] | None:
    """(label, jobs, median ms, p90 ms) of ``run`` in a fresh directory under ``where``."""
    with tempfile.TemporaryDirectory(prefix="rung-store-bench-", dir=where) as tmp:
        costs = run(Path(tmp) / "exp")
    if costs is None:
        return None
    return (label, count, *percentiles(costs))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=2000, help="jobs for rung's store")
    parser.add_argument("--optuna-trials", type=int, default=200, help="trials for Optuna's")
    parser.add_argument("--dir", type=Path, default=Path.cwd(), help="where to write")
    parser.add_argument("--quick", action="store_true", help="small sizes, for a smoke test")
    args = parser.parse_args(argv)
    n_jobs, n_optuna = (200, 20) if args.quick else (args.jobs, args.optuna_trials)
    n_ckpt = max(n_jobs // 10, TRIALS_WITH_CHECKPOINTS + 10)

    def optuna(kind: str) -> Callable[[Path], list[float] | None]:
        def run(path: Path) -> list[float] | None:
            path.mkdir()
            return optuna_costs(kind, path, n_optuna)

        return run

    def rung(n: int, **kwargs: Any) -> Callable[[Path], list[float]]:
        return lambda path: rung_costs(path, n, **kwargs)

    ckpt = "rung store + 500 KB checkpoint"
    runs = [
        ("rung store (default: each job's end flushed)", n_jobs, rung(n_jobs)),
        ("rung store, durable=True (synchronous=FULL)", n_jobs, rung(n_jobs, durable=True)),
        (
            f"{ckpt}, new trials (nothing removed)",
            n_ckpt,
            rung(n_ckpt, checkpoint=True, replace=False),
        ),
        (f"{ckpt} replacing one, back to back", n_ckpt, rung(n_ckpt, checkpoint=True)),
        (f"{ckpt} replacing one, 10 ms apart", n_ckpt, rung(n_ckpt, checkpoint=True, pause=0.01)),
        (
            f"{ckpt} replacing one, 10 ms apart, durable=True",
            n_ckpt,
            rung(n_ckpt, checkpoint=True, pause=0.01, durable=True),
        ),
        ("Optuna RDBStorage (SQLite)", n_optuna, optuna("rdb")),
        ("Optuna JournalStorage (JournalFileBackend)", n_optuna, optuna("journal")),
    ]
    rows = [measure(label, count, run, args.dir) for label, count, run in runs]
    base = rows[0][2]  # type: ignore[index]
    print(f"## Store cost per job ({REPORTS} reports each; median and p90 of each job's time)\n")
    print("| storage | jobs | median ms/job | p90 ms/job | median / rung default |")
    print("|---|---:|---:|---:|---:|")
    for row in rows:
        if row is None:
            print("| Optuna | | not installed (pip install -e '.[bench]') | | |")
            continue
        label, count, median, p90 = row
        print(f"| {label} | {count} | {median:.3f} | {p90:.3f} | {median / base:.1f} |")
    goal = "met" if base < 1.0 else "NOT met"
    print(f"\nGoal < 1 ms per job without a checkpoint: {goal} ({base:.3f} ms median).")
    return 0 if base < 1.0 else 1


if __name__ == "__main__":
    sys.exit(main())
