"""Records full Fashion-MNIST learning curves of random configurations, for a tabular benchmark.

Trains random configurations of rung's own models (:mod:`rung.workloads.models`) with
rung's own objective (:class:`rung.workloads.trainer.FashionMNISTObjective`, one job from
epoch 0 to ``--max-epochs``) and keeps, for every configuration, the validation error and
the wall-clock seconds of every epoch. The curves are replayed by
:mod:`rung.workloads.tabular` in ``benchmarks/quality.py``.

Two steps, so that a long recording can stop and go on::

    python benchmarks/record_curves.py record    # appends to benchmarks/data/partial/*.jsonl
    python benchmarks/record_curves.py write     # partials -> benchmarks/data/fmnist-*.csv.gz

``record`` skips configurations already in the partial files (the i-th configuration of a
model is the same in every run: it is drawn from ``(seed, model, i)``). How the committed
tables were made is in ``docs/benchmarks.md`` and in each table's header.

Timing: one torch thread; an epoch's seconds are the process's CPU time
(``time.process_time``) from the previous report (for epoch 1, from the start of the job:
building the model, and the SVM's random features) to this epoch's report, validation and
checkpoint included. CPU time rather than wall-clock time, because the machine that
recorded the tables was shared: other work there slows the wall clock by up to several
times for minutes at a time, but not the CPU time of a one-thread process (wall-clock
seconds are kept in the partial files too). The data set is loaded (and every model
warmed up) before the first timed job.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np
import torch

from rung._random import derive_seed
from rung.space import Space
from rung.space_file import load_space
from rung.workloads.models import get_model
from rung.workloads.trainer import FashionMNISTObjective

ROOT = Path(__file__).resolve().parent
DATA = ROOT / "data"
MODELS = ("softmax", "sgd", "svm", "lenet")
DEFAULT_COUNTS = {"softmax": 400, "sgd": 400, "svm": 400, "lenet": 40}
#: LeNet sits at chance for hundreds of steps outside this space (see the file's comment).
LENET_SPACE = ROOT.parent / "examples" / "spaces" / "lenet.toml"


def model_space(model: str) -> Space:
    """The space a model's configurations are drawn from: its default space, but LeNet's
    from ``examples/spaces/lenet.toml`` (where it learns within an epoch)."""
    if model == "lenet":
        return Space(load_space(LENET_SPACE))
    return Space(get_model(model).default_space)


class _Recorder:
    """The trial an iterative objective sees, recording each report's value and time."""

    def __init__(self, seed: int, max_epochs: int) -> None:
        self.trial_id, self.seed = 0, seed
        self.resource_from, self.resource_to = 0, max_epochs
        self.checkpoint = None
        self.errors: list[float] = []
        self.seconds: list[float] = []
        self.wall: list[float] = []
        self._last = time.process_time()
        self._last_wall = time.perf_counter()

    def report(self, resource: int, value: float, checkpoint=None) -> None:
        now, wall = time.process_time(), time.perf_counter()
        self.errors.append(float(value))
        self.seconds.append(now - self._last)
        self.wall.append(wall - self._last_wall)
        self._last, self._last_wall = now, wall


def _partial(model: str, data: Path) -> Path:
    return data / "partial" / f"{model}.jsonl"


def _done(model: str, data: Path) -> int:
    path = _partial(model, data)
    if not path.exists():
        return 0
    return sum(1 for line in path.read_text().splitlines() if line.strip())


def record(args: argparse.Namespace) -> None:
    torch.set_num_threads(args.threads)
    subset = (args.n_train, args.n_val)
    _partial(MODELS[0], args.out).parent.mkdir(parents=True, exist_ok=True)
    counts = dict(DEFAULT_COUNTS)
    for item in args.count or []:
        name, _, n = item.partition("=")
        counts[name] = int(n)
    for model in args.models:
        objective = FashionMNISTObjective(model, device="cpu", threads=args.threads, subset=subset)
        objective({}, _Recorder(0, 1))  # loads the data set and warms the model up, untimed
        space = model_space(model)
        m = MODELS.index(model)
        start = _done(model, args.out)
        for i in range(start, counts[model]):
            rng = np.random.default_rng([args.seed, m, i])
            config = space.sample(rng)
            trial = _Recorder(derive_seed(args.seed, m, i), args.max_epochs)
            objective(config, trial)
            row = {
                "config": config,
                "seed": trial.seed,
                "errors": trial.errors,
                "seconds": trial.seconds,
                "wall": trial.wall,
            }
            with _partial(model, args.out).open("a") as f:
                f.write(json.dumps(row) + "\n")
            print(
                f"{model} {i + 1}/{counts[model]}: final error {trial.errors[-1]:.4f}, "
                f"{sum(trial.seconds):.2f} s, {len(trial.errors)} epochs",
                flush=True,
            )


def write(args: argparse.Namespace) -> None:
    from rung.workloads import tabular  # the table's format, written and read there

    for model in args.models:
        path = _partial(model, args.out)
        if not path.exists():
            print(f"{model}: nothing recorded", file=sys.stderr)
            continue
        rows = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
        space = model_space(model)
        table = tabular.from_curves(
            name=f"fmnist-{model}",
            space=space,
            configs=[row["config"] for row in rows],
            errors=[row["errors"] for row in rows],
            seconds=[row["seconds"] for row in rows],
            max_epochs=args.max_epochs,
            notes={
                "model": model,
                "objective": "rung.workloads.trainer.FashionMNISTObjective",
                "metric": "validation error (1 - accuracy) after each epoch",
                "subset": f"first {args.n_train} training and {args.n_val} validation images",
                "threads": str(args.threads),
                "seed": str(args.seed),
                "configs": "space sampled with numpy default_rng([seed, model_index, i])",
                "space_source": (
                    "examples/spaces/lenet.toml" if model == "lenet" else "ModelSpec.default_space"
                ),
                "seconds": (
                    "CPU time (process_time) per epoch, one thread; epoch 1 includes "
                    "building the model"
                ),
                "torch": torch.__version__,
                "cpu": platform.processor() or platform.machine(),
            },
        )
        out = args.out / f"fmnist-{model}.csv.gz"
        tabular.write_table(table, out)
        print(f"{model}: {len(rows)} configurations -> {out} ({os.path.getsize(out)} bytes)")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("step", choices=["record", "write"])
    parser.add_argument("--models", nargs="+", default=list(MODELS), choices=MODELS)
    parser.add_argument("--count", nargs="*", help="MODEL=N configurations (default 400/40)")
    parser.add_argument("--max-epochs", type=int, default=27)
    parser.add_argument("--n-train", type=int, default=16000)
    parser.add_argument("--n-val", type=int, default=4000)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=DATA, help="where the tables go")
    args = parser.parse_args(argv)
    record(args) if args.step == "record" else write(args)


if __name__ == "__main__":
    main()
