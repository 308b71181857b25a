"""The SVM on ASHA's first rung: a one-epoch job, its features computed anew or from the
projections its worker kept, beside the seed notebook's pipeline.

A one-epoch SVM job builds the model, computes the random Fourier features of the 48,000
training and 12,000 validation images, trains one epoch and validates. Measured in one
process, alternating, so that all three see the same machine load:

* **anew**: the projections computed for this job (the first job of a worker; every job
  before the projections were kept);
* **kept**: another trial (another gamma and C) on the same worker, its features one
  elementwise pass over the kept projections;
* **seed**: the seed notebook's pipeline re-created (``benchmarks/train_speed.py``: a
  DataLoader of per-image tensors, features computed per batch), one epoch and validation.

Usage: python benchmarks/svm_first_rung.py [--repeats 5] [--threads 2]
"""

from __future__ import annotations

import argparse
import statistics
import time

import torch
from train_speed import SeedRun

from rung.workloads import _projections, fashion_mnist
from rung.workloads.models import get_model
from rung.workloads.trainer import _Run


def rung_job(splits, gamma: float) -> float:
    spec = get_model("svm")
    config = spec.resolve({"learning_rate": 0.1, "batch_size": 256, "gamma": gamma})
    start = time.perf_counter()
    run = _Run(spec, config, 0, splits, torch.device("cpu"), None)
    run.train_epoch()
    run.accuracy("val")
    return time.perf_counter() - start


def seed_job(splits) -> float:
    start = time.perf_counter()
    run = SeedRun("svm", splits)
    run.train_epoch()
    run.accuracy()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    splits = fashion_mnist.load_tensors()
    times: dict[str, list[float]] = {"anew": [], "kept": [], "seed": []}
    for i in range(args.repeats):
        _projections.clear()
        times["anew"].append(rung_job(splits, 1e-3 * (i + 1)))
        times["kept"].append(rung_job(splits, 2e-3 * (i + 1)))
        times["seed"].append(seed_job(splits))
        print({k: round(v[-1], 2) for k, v in times.items()}, flush=True)
    median = {k: statistics.median(v) for k, v in times.items()}
    print("| one-epoch SVM job | median s | seed / it |")
    print("|---|---:|---:|")
    for key, label in (("seed", "seed notebook's pipeline"), ("anew", "rung, projections "
                       "computed"), ("kept", "rung, projections kept by the worker")):  # fmt: skip
        print(f"| {label} | {median[key]:.2f} | {median['seed'] / median[key]:.1f}x |")


if __name__ == "__main__":
    main()
