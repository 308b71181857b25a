"""Paused calls: what a loop from the start costs to keep, and what continuing it saves.

A PyTorch objective in the style of Optuna's ``pytorch_simple.py``: each call loads its
data (a Fashion-MNIST subset), builds an MLP and trains it in one loop over all epochs,
reporting after each. It runs under ASHA (promotion, 1/3/9/27 epochs) three ways, side
by side on the same trials:

* ``paused``: rung's default, the call is paused in its worker and continued on promotion;
* ``again``: no paused calls (``max_paused_calls=0``): a promoted trial's loop runs again
  from its first epoch (what happens when a call was evicted or its worker died);
* ``checkpoint``: the rung-style loop, from ``trial.resource_from`` with a
  ``state_dict`` checkpoint (encoded, kept, decoded at each promotion).

It prints each way's wall time, epochs trained and setups done, and the memory one paused
call holds (resident memory growth while it ran, as the paused-call keeper measures it).

Usage: RUNG_DATA_DIR=... python benchmarks/paused_calls.py [--trials N] [--samples N]
"""

from __future__ import annotations

import argparse
import collections
import statistics
import time
from typing import Any

import rung
from rung.executors._paused import PausedCalls
from rung.executors.inline import InlineExecutor

COUNTS: collections.Counter = collections.Counter()
SAMPLES = 4000


def _setup(config: dict[str, Any], seed: int) -> tuple[Any, ...]:
    import torch

    from rung.workloads.fashion_mnist import load_arrays

    COUNTS["setup"] += 1
    x_train, y_train, x_test, y_test = load_arrays()  # read and checked on every call
    x = torch.tensor(x_train[:SAMPLES].reshape(SAMPLES, -1), dtype=torch.float32) / 255
    y = torch.tensor(y_train[:SAMPLES])
    xv = torch.tensor(x_test[:1000].reshape(1000, -1), dtype=torch.float32) / 255
    yv = torch.tensor(y_test[:1000])
    torch.manual_seed(seed)
    width = int(config["width"])
    model = torch.nn.Sequential(
        torch.nn.Linear(784, width), torch.nn.ReLU(), torch.nn.Linear(width, 10)
    )
    optimizer = torch.optim.Adam(model.parameters(), lr=config["lr"])
    return x, y, xv, yv, model, optimizer


def _epoch(x: Any, y: Any, xv: Any, yv: Any, model: Any, optimizer: Any) -> float:
    import torch

    COUNTS["epochs"] += 1
    for i in range(0, len(x), 128):
        optimizer.zero_grad()
        torch.nn.functional.cross_entropy(model(x[i : i + 128]), y[i : i + 128]).backward()
        optimizer.step()
    with torch.no_grad():
        return float((model(xv).argmax(1) != yv).float().mean())


def from_the_start(config: dict[str, Any], trial: Any) -> None:
    x, y, xv, yv, model, optimizer = _setup(config, trial.seed)
    for epoch in range(1, 28):
        trial.report(epoch, _epoch(x, y, xv, yv, model, optimizer))


def from_checkpoint(config: dict[str, Any], trial: Any) -> None:
    x, y, xv, yv, model, optimizer = _setup(config, trial.seed)
    if trial.checkpoint is not None:
        model.load_state_dict(trial.checkpoint["model"])
        optimizer.load_state_dict(trial.checkpoint["optimizer"])
    for epoch in range(trial.resource_from + 1, trial.resource_to + 1):
        error = _epoch(x, y, xv, yv, model, optimizer)
        state = {"model": model.state_dict(), "optimizer": optimizer.state_dict()}
        trial.report(epoch, error, checkpoint=state)


SPACE = {"lr": rung.loguniform(1e-4, 1e-2), "width": rung.randint(32, 257)}


def run(way: str, trials: int) -> dict[str, float]:
    COUNTS.clear()
    objective = from_checkpoint if way == "checkpoint" else from_the_start
    executor = InlineExecutor(max_paused_calls=0 if way == "again" else 64)
    start = time.perf_counter()
    result = rung.tune(
        objective,
        SPACE,
        scheduler="asha",
        max_resource=27,
        max_trials=trials,
        executor=executor,
        seed=0,
    )
    promotions = [j for j in result.jobs if j.resource_from > 0]
    return {
        "seconds": time.perf_counter() - start,
        "epochs": COUNTS["epochs"],
        "setups": COUNTS["setup"],
        "charged": result.total_resource,
        "best": result.best_value,
        # seconds per epoch a promotion adds: what a promoted job costs per new epoch
        "promotion_s_per_epoch": sum(j.end - j.start for j in promotions)
        / max(1, sum(j.resource_to - j.resource_from for j in promotions)),
    }


def paused_memory(n: int) -> float:
    """MiB one paused call holds: n calls paused by hand, their measured growth averaged."""
    import torch  # noqa: F401 - imported first, so its own memory is not counted

    calls = PausedCalls(max_calls=n + 1, max_memory_mb=1e6)
    from rung.task import Task
    from rung.types import Job

    for tid in range(n):
        config = {"lr": 1e-3, "width": 256}
        task = Task(Job(tid, config, 0, 1), seed=tid, iterative=True, max_resource=27)
        calls.run(task, from_the_start, time.perf_counter)
    held = calls.memory / n / 2**20
    calls.close()
    return held


def main() -> None:
    import torch

    # One intra-op thread, as each worker process has by default: with the machine's
    # OpenMP pool, ops from the main thread ran 10-30x slower than from another thread on
    # a busy machine, which would favour the ways that run calls in threads.
    torch.set_num_threads(1)
    parser = argparse.ArgumentParser()
    parser.add_argument("--trials", type=int, default=27)
    parser.add_argument("--samples", type=int, default=SAMPLES)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    globals()["SAMPLES"] = args.samples
    print(
        f"ASHA 1/3/9/27 epochs, {args.trials} trials, {args.samples} training images, "
        f"{args.rounds} rounds interleaved (medians)"
    )
    ways = ("paused", "again", "checkpoint")
    runs: dict[str, list[dict[str, float]]] = {way: [] for way in ways}
    _epoch(*_setup({"lr": 1e-3, "width": 64}, 0))  # warm: imports, the data files cached
    for r in range(args.rounds):  # interleaved, in turn first: a busy machine slows all alike
        for way in ways[r % len(ways) :] + ways[: r % len(ways)]:
            runs[way].append(run(way, args.trials))
    rows = {
        way: {key: statistics.median(r[key] for r in rs) for key in rs[0]}
        for way, rs in runs.items()
    }
    base = rows["paused"]
    for way, row in rows.items():
        print(
            f"{way:>10}: {row['seconds']:6.1f} s ({row['seconds'] / base['seconds']:4.2f}x)  "
            f"epochs {row['epochs']:4.0f} (charged {row['charged']:g})  "
            f"setups {row['setups']:3.0f}  promoted epoch "
            f"{row['promotion_s_per_epoch']:.3f} s "
            f"({row['promotion_s_per_epoch'] / base['promotion_s_per_epoch']:4.2f}x)  "
            f"best {row['best']:.4f}"
        )
    print(f"memory one paused call holds: {paused_memory(8):.1f} MiB")


if __name__ == "__main__":
    main()
