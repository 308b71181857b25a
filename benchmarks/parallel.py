"""Parallel workers: throughput, per-job overhead and utilization, on real processes.

Three measurements, each in the same run as its baseline:

* **throughput**: LeNet on Fashion-MNIST (full data, batch 256), epochs per second with
  one worker and one thread (the baseline), one worker and two threads, and two workers
  with one thread each. Every worker trains one trial for ``--epochs`` epochs (validation
  pass included); the first epoch (which also loads the data) is left out, and the
  workers' rates are summed.
* **overhead**: what a job costs beyond its objective: dispatch, result and checkpoint
  transfer (a LeNet-sized model and SGD state, passed back at every job, so it travels
  both ways), as round-trip time minus the time inside the objective, median over
  ``--jobs`` jobs, for the inline executor (the baseline), processes and Dask.
* **utilization**: ASHA and synchronous Successive Halving (rung's default, which starts
  the next bracket on idle workers, and ``sh-1``, one bracket at a time), random search,
  softmax on Fashion-MNIST with two one-thread workers for ``--budget`` seconds each: busy
  time over workers x wall time, and the idle worker-seconds.

Usage: python benchmarks/parallel.py [--section throughput|overhead|utilization]
       [--executor processes|dask] [--epochs 3] [--jobs 200] [--budget 60]
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from typing import Any

import rung
from rung.executors import Executor, InlineExecutor, Task
from rung.executors.processes import ProcessExecutor
from rung.types import Job


def make_executor(kind: str, workers: int, threads: int) -> Executor:
    if kind == "inline":
        return InlineExecutor()
    if kind == "processes":
        return ProcessExecutor(workers, threads_per_worker=threads)
    from distributed import Client, LocalCluster

    from rung.executors.dask import DaskExecutor

    cluster = LocalCluster(
        n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None
    )
    executor = DaskExecutor(Client(cluster), workers=workers)
    executor._bench_cluster = cluster  # closed with the executor below
    return executor


def close(executor: Executor) -> None:
    executor.close()
    cluster = getattr(executor, "_bench_cluster", None)
    if cluster is not None:
        cluster.close()


def started(executor: Executor, objective: Callable[..., Any]) -> Callable[[], float]:
    origin = time.perf_counter()

    def clock() -> float:
        return time.perf_counter() - origin

    executor.start(objective, clock)
    return clock


# -- throughput -------------------------------------------------------------------------

LENET_CONFIG = {"learning_rate": 0.5, "batch_size": 256}


def epochs_per_second(kind: str, workers: int, threads: int, epochs: int) -> float:
    from rung.workloads.trainer import FashionMNISTObjective

    executor = make_executor(kind, workers, threads)
    started(executor, FashionMNISTObjective("lenet", device="cpu", threads=threads))
    try:
        for worker in range(workers):
            executor.submit(Task(Job(worker, LENET_CONFIG, 0, epochs), seed=worker, iterative=True))
        outcomes = []
        while len(outcomes) < workers:
            outcomes += executor.wait()
    finally:
        close(executor)
    for outcome in outcomes:
        if outcome.error:
            raise RuntimeError(f"a LeNet job failed:\n{outcome.error}")
    # Each worker's rate over its epochs after the first (which also loads the data); the
    # workers' timed spans must overlap for the sum to be a throughput.
    spans = [(o.reports[1].time, o.reports[-1].time) for o in outcomes]
    overlap = max(0.0, min(e for _, e in spans) - max(b for b, _ in spans))
    longest = max(e - b for b, e in spans)
    if overlap < 0.8 * longest:
        print(f"  (warning: the workers' timed epochs overlap only {overlap / longest:.0%})")
    return sum((len(o.reports) - 2) / (e - b) for o, (b, e) in zip(outcomes, spans, strict=True))


def throughput(kind: str, epochs: int) -> None:
    print(f"LeNet epochs per second ({kind}; {epochs} epochs per worker, first left out)")
    if epochs < 3:
        raise SystemExit("--epochs must be at least 3: the first is left out")
    base = epochs_per_second(kind, 1, 1, epochs)
    two_threads = epochs_per_second(kind, 1, 2, epochs)
    two_workers = epochs_per_second(kind, 2, 1, epochs)
    print(f"  1 worker x 1 thread : {base:.3f} epochs/s ({1 / base:.2f} s/epoch)")
    print(f"  1 worker x 2 threads: {two_threads:.3f} epochs/s ({1 / two_threads:.2f} s/epoch)")
    print(f"  2 workers x 1 thread: {two_workers:.3f} epochs/s")
    print(f"  ratio 2x1 / 1x1: {two_workers / base:.2f} (goal >= 1.9)")
    print(f"  ratio 2x1 / 1x2: {two_workers / two_threads:.2f} (goal >= 1.2)")


# -- overhead ---------------------------------------------------------------------------


def echo_checkpoint(config: dict[str, Any], trial: Any) -> None:
    """One epoch of nothing, passing on a LeNet-sized model and optimizer state."""
    state = trial.checkpoint
    if state is None:
        import torch

        from rung.workloads.models import get_model

        model = get_model("lenet").build({}, seed=0)
        optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
        model(torch.zeros(2, 1, 28, 28)).sum().backward()
        optimizer.step()
        state = {"model": model.state_dict(), "optimizer": optimizer.state_dict(), "epoch": 0}
    trial.report(trial.resource_from + 1, 0.5, checkpoint=state)


def job_overheads(kind: str, jobs: int) -> list[float]:
    executor = make_executor(kind, 1, 1)
    clock = started(executor, echo_checkpoint)
    checkpoint, overheads = None, []
    try:
        for index in range(jobs + 5):
            task = Task(Job(0, {}, index, index + 1), seed=0, checkpoint=checkpoint, iterative=True)
            sent = clock()
            executor.submit(task)
            (outcome,) = executor.wait()
            received = clock()
            checkpoint = outcome.checkpoint
            if index >= 5:  # the first jobs build the model and warm up
                overheads.append((received - sent) - (outcome.end - outcome.start))
    finally:
        close(executor)
    return overheads


def overhead(kinds: list[str], jobs: int) -> None:
    print(f"Per-job overhead (dispatch + result + checkpoint both ways), {jobs} jobs, ms")
    for kind in ["inline", *kinds]:
        times = sorted(1e3 * t for t in job_overheads(kind, jobs))
        p90 = times[int(0.9 * (len(times) - 1))]
        print(f"  {kind:9s}: median {statistics.median(times):6.2f}, p90 {p90:6.2f} (goal < 20)")


# -- utilization ------------------------------------------------------------------------


ONE = {"max_brackets": 1}


def utilization(kind: str, budget: float) -> None:
    from rung.workloads.models import get_model
    from rung.workloads.trainer import FashionMNISTObjective

    print(f"Worker utilization, softmax, 2 workers x 1 thread, {budget:.0f} s each ({kind})")
    space = dict(get_model("softmax").default_space)
    # sh-1: synchronous SH one bracket at a time (max_brackets=1), as in its paper
    for label, name, options in (("asha", "asha", {}), ("sh", "sh", {}), ("sh-1", "sh", ONE)):
        objective = FashionMNISTObjective("softmax", device="cpu", threads=1)
        result = rung.tune(
            objective,
            space,
            searcher="random",
            scheduler=name,
            min_resource=1,
            max_resource=9,
            eta=3,
            seed=0,
            time_budget_s=budget,
            executor=make_executor(kind, 2, 1),
            **options,
        )
        idle = result.workers * result.wall_time - sum(result.busy_time().values())
        print(
            f"  {label:5s}: utilization {100 * result.utilization:5.1f}%, idle {idle:5.1f} "
            f"worker-s of {result.workers * result.wall_time:5.1f}, jobs {result.n_jobs}, "
            f"trials {result.n_trials}, best {result.best_value:.4f}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--section", action="append", choices=("throughput", "overhead", "utilization")
    )
    parser.add_argument("--executor", action="append", choices=("processes", "dask"))
    parser.add_argument("--epochs", type=int, default=4)
    parser.add_argument("--jobs", type=int, default=200)
    parser.add_argument("--budget", type=float, default=60.0)
    args = parser.parse_args()
    sections = args.section or ["overhead", "utilization", "throughput"]
    kinds = args.executor or ["processes"]
    if "overhead" in sections:
        overhead(kinds, args.jobs)
    for kind in kinds:
        if "utilization" in sections:
            utilization(kind, args.budget)
        if "throughput" in sections:
            throughput(kind, args.epochs)


if __name__ == "__main__":
    main()
