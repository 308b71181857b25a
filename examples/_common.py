"""What the examples share: their command line and the final-model report."""

from __future__ import annotations

import argparse
from typing import Any

from rung.workloads.trainer import FashionMNISTObjective, train_final

import rung

QUICK_SUBSET = (2000, 500)  # training and validation images with --quick


def arguments(description: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--quick", action="store_true", help="tiny subset, 1-2 epochs (tests)")
    parser.add_argument("--data-dir", help="where Fashion-MNIST is (default: $RUNG_DATA_DIR, ...)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--device", default="auto", choices=("auto", "cpu", "cuda"))
    return parser.parse_args()


def objective(model: str, args: argparse.Namespace) -> FashionMNISTObjective:
    subset = QUICK_SUBSET if args.quick else None
    return FashionMNISTObjective(model, data_dir=args.data_dir, device=args.device, subset=subset)


def report(
    model: str, result: rung.Result, epochs: int, args: argparse.Namespace
) -> dict[str, Any]:
    """Prints the search's outcome, then trains the final model as the seed does."""
    print(
        f"{model}: best validation error {result.best_value:.4f} after {result.n_trials} trials, "
        f"{result.n_jobs} jobs, {result.total_resource} epochs, {result.wall_time:.1f} s"
    )
    print(f"  best config: {result.best_config}")
    final = train_final(
        model,
        result.best_config,
        epochs,
        data_dir=args.data_dir,
        device=args.device,
        seed=args.seed,
        subset=QUICK_SUBSET if args.quick else None,
    )
    print(
        f"  final model, {epochs} epochs: train accuracy {final.train_accuracy:.4f}, "
        f"validation {final.val_accuracy:.4f}, test {final.test_accuracy:.4f}"
    )
    return {"train": final.train_accuracy, "val": final.val_accuracy, "test": final.test_accuracy}
