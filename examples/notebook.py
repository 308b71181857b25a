"""The seed notebook's five examples as ``rung tune`` commands, with the notebook's settings.

The README lists these commands, each ``examples/exampleN_*.py`` script runs its own, and
``benchmarks/notebook_examples.py`` runs all five on the full data and records accuracy
and wall time (docs/benchmarks.md). ``--quick`` variants (a 5,000-image subset, fewer
trials and epochs) check that each command runs; they say nothing of accuracy.
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

SPACES = Path(__file__).resolve().parent / "spaces"


@dataclass(frozen=True)
class Example:
    """One example of the notebook: its title and its ``rung tune`` command(s)."""

    name: str
    title: str
    commands: tuple[tuple[str, ...], ...]
    #: Replacements for a quick check: flag -> value (applied to every command).
    quick: dict[str, str] = field(default_factory=dict)


EXAMPLES = (
    Example(
        "example1",
        "random search on softmax regression, 10 trials x 10 epochs",
        (
            (
                "--model", "softmax", "--searcher", "random", "--scheduler", "fifo",
                "--trials", "10", "--max-epochs", "10",
                "--initial-config", "learning_rate=0.1,batch_size=128",
            ),
        ),
        {"--trials": "2", "--max-epochs": "1"},
    ),
    Example(
        "example2",
        "successive halving on LeNet, eta 2, 5 -> 20 epochs, 10 trials",
        (
            (
                "--model", "lenet", "--searcher", "random", "--scheduler", "sh",
                "--eta", "2", "--min-epochs", "5", "--max-epochs", "20", "--trials", "10",
            ),
        ),
        {"--trials": "2", "--min-epochs": "1", "--max-epochs": "2"},
    ),
    Example(
        "example3",
        "ASHA on LeNet, eta 2, 5 -> 20 epochs, 20 trials",
        (
            (
                "--model", "lenet", "--searcher", "random", "--scheduler", "asha",
                "--eta", "2", "--min-epochs", "5", "--max-epochs", "20", "--trials", "20",
            ),
        ),
        {"--trials": "2", "--min-epochs": "1", "--max-epochs": "2"},
    ),
    Example(
        "example4",
        "BO on the RBF SVM's (C, gamma) and on the linear SVM's (alpha, l1_ratio), "
        "15 trials x 10 epochs, 5 random first",
        (
            (
                "--model", "svm", "--searcher", "bo", "--n-init", "5", "--scheduler", "fifo",
                "--trials", "15", "--max-epochs", "10",
                "--space", str(SPACES / "svm_c_gamma.toml"),
            ),
            (
                "--model", "sgd", "--searcher", "bo", "--n-init", "5", "--scheduler", "fifo",
                "--trials", "15", "--max-epochs", "10",
                "--space", str(SPACES / "sgd_alpha_l1.toml"),
            ),
        ),
        {"--trials": "3", "--n-init": "2", "--max-epochs": "1"},
    ),
    Example(
        "example5",
        "BO on LeNet, 15 trials x 10 epochs, 5 random first",
        (
            (
                "--model", "lenet", "--searcher", "bo", "--n-init", "5", "--scheduler", "fifo",
                "--trials", "15", "--max-epochs", "10",
            ),
        ),
        {"--trials": "2", "--n-init": "1", "--max-epochs": "1"},
    ),
)  # fmt: skip
BY_NAME = {example.name: example for example in EXAMPLES}


def command(args: tuple[str, ...], quick: dict[str, str] | None = None) -> list[str]:
    """``rung tune`` arguments, with the quick replacements (and ``--quick``) if given."""
    argv = list(args)
    for flag, value in (quick or {}).items():
        argv[argv.index(flag) + 1] = value
    return ["tune", *argv, *(["--quick"] if quick else [])]


def model_of(args: tuple[str, ...]) -> str:
    return args[args.index("--model") + 1]


def run(name: str, argv: list[str] | None = None) -> int:
    """Runs example ``name`` from the command line of its script: ``[--quick] [--out DIR]
    [other rung tune flags]``; returns the exit status of the last command that failed."""
    from rung.cli.main import main

    rest = list(sys.argv[1:] if argv is None else argv)
    quick = "--quick" in rest
    if quick:
        rest.remove("--quick")
    out = None
    if "--out" in rest:
        at = rest.index("--out")
        out = rest[at + 1]
        del rest[at : at + 2]
    example = BY_NAME[name]
    print(f"{name}: {example.title}", flush=True)
    status = 0
    for args in example.commands:
        where = Path(out or "runs") / f"{name}-{model_of(args)}-{time.strftime('%Y%m%d-%H%M%S')}"
        if out is not None and len(example.commands) == 1:
            where = Path(out)
        elif out is not None:
            where = Path(out) / model_of(args)
        full = [*command(args, example.quick if quick else None), "--out", str(where), *rest]
        print("rung " + " ".join(full), flush=True)
        status = main(full) or status
    return status
