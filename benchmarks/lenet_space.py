"""Where LeNet learns within a few epochs: validation error after epochs 1..E over a grid
of learning rates and batch sizes, on the full data.

The seed notebook searched LeNet (sigmoid activations, average pooling, plain SGD) over
learning rate loguniform(1e-4, 1) and batch size 32..511, and trained it for 5 to 20
epochs. This study measures, for each (learning rate, batch size) of a grid and a few
seeds, the validation error after every epoch; an error near 0.9 is chance (10 classes).
The default LeNet space of :mod:`rung.workloads.spaces` is chosen from its table
(docs/benchmarks.md quotes it).

Usage: python benchmarks/lenet_space.py [--epochs 5] [--seeds 0] [--out lenet_space.jsonl]
       [--lrs 0.01,0.1,1] [--batches 32,128,512] [--threads 2] [--summary FILE]

Each finished configuration is appended to ``--out`` as one JSON line, so an interrupted
study keeps what it measured and a rerun skips what is there; ``--summary FILE`` prints
the table of a finished study without training.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

CHANCE = 0.9


def _floats(text: str) -> list[float]:
    return [float(v) for v in text.split(",") if v]


def _ints(text: str) -> list[int]:
    return [int(v) for v in text.split(",") if v]


def measure(lr: float, batch: int, seed: int, epochs: int, device: str) -> dict:
    """Validation errors after epochs 1..``epochs`` of LeNet at (lr, batch), from ``seed``."""
    import torch

    from rung.workloads import fashion_mnist
    from rung.workloads._run import _Run
    from rung.workloads.models import get_model

    spec = get_model("lenet")
    config = spec.resolve({"learning_rate": lr, "batch_size": batch})
    splits = fashion_mnist.load_tensors(None, device=device)
    run = _Run(spec, config, seed, splits, torch.device(device), None)
    errors, started = [], time.perf_counter()
    for _ in range(epochs):
        if not run.train_epoch():
            errors.append(1.0)
            break
        errors.append(round(1.0 - run.accuracy("val"), 4))
    return {
        "learning_rate": lr,
        "batch_size": batch,
        "seed": seed,
        "errors": errors,
        "seconds": round(time.perf_counter() - started, 1),
    }


def summary(rows: list[dict], epochs: int) -> str:
    """A table: one line per (lr, batch), the mean error after each epoch over seeds."""
    groups: dict[tuple[float, int], list[list[float]]] = {}
    for row in rows:
        groups.setdefault((row["learning_rate"], row["batch_size"]), []).append(row["errors"])
    head = " | ".join(f"ep {e}" for e in range(1, epochs + 1))
    lines = [f"| lr | batch | seeds | {head} |", "|---:|---:|---:|" + "---:|" * epochs]
    for (lr, batch), runs in sorted(groups.items()):
        cells = []
        for e in range(epochs):
            values = [r[e] if e < len(r) else r[-1] for r in runs]
            mean = sum(values) / len(values)
            cells.append(f"{mean:.3f}" + ("*" if mean >= CHANCE - 0.05 else ""))
        lines.append(f"| {lr:g} | {batch} | {len(runs)} | " + " | ".join(cells) + " |")
    lines.append("(* = within 0.05 of chance, 0.9)")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--seeds", type=_ints, default=[0])
    parser.add_argument("--lrs", type=_floats, default=[0.001, 0.01, 0.03, 0.1, 0.3, 1, 2, 4])
    parser.add_argument("--batches", type=_ints, default=[32, 128, 512])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--out", default="lenet_space.jsonl")
    parser.add_argument("--summary", metavar="FILE", help="print the table of FILE and stop")
    args = parser.parse_args()
    if args.summary:
        rows = [json.loads(line) for line in Path(args.summary).read_text().splitlines()]
        print(summary(rows, max(len(r["errors"]) for r in rows)))
        return
    import torch

    torch.set_num_threads(args.threads)
    out = Path(args.out)
    done = set()
    if out.exists():
        for line in out.read_text().splitlines():
            row = json.loads(line)
            done.add((row["learning_rate"], row["batch_size"], row["seed"]))
    for seed in args.seeds:
        for batch in args.batches:
            for lr in args.lrs:
                if (lr, batch, seed) in done:
                    continue
                row = measure(lr, batch, seed, args.epochs, args.device)
                print(json.dumps(row), flush=True)
                with out.open("a") as handle:
                    handle.write(json.dumps(row) + "\n")
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    print(summary(rows, args.epochs))


if __name__ == "__main__":
    main()
