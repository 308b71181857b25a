"""Argument types of the command line: numbers with their rules, and the usage error.

Every number has an upper bound as well as a lower one, checked when the command line is
parsed: before anything is imported, loaded or written, a refused command answers at once.
"""

from __future__ import annotations

import argparse
import math
import os
from typing import Any, NoReturn

from rung.errors import ConfigError

__all__ = [
    "MAX_COUNT",
    "MAX_EPOCHS",
    "MAX_ETA",
    "MAX_SECONDS",
    "MAX_WORKERS",
    "NotRepeated",
    "UsageError",
    "available_cpus",
    "check_local_workers",
    "epochs",
    "eta_number",
    "non_negative_float",
    "non_negative_int",
    "path",
    "port",
    "positive_float",
    "positive_int",
    "real",
    "retries",
    "seed",
    "threads",
    "workers",
]

MAX_COUNT = 1_000_000  # trials, seeds, simulated workers
MAX_EPOCHS = 10_000
MAX_ETA = 1000
MAX_SECONDS = 1e9  # about 30 years
MAX_WORKERS = 1024  # jobs at once on a cluster
MAX_RETRIES = 100

QUICK_SUBSET = (5000, 1000)  # training and validation images for --quick


class UsageError(ConfigError):
    """Arguments that parse but do not make sense together (exit status 2)."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message}\n")


class NotRepeated(argparse.Action):
    """A flag whose one value lists everything (``--objectives a:min,b:min``): given again,
    argparse would keep the last and silently drop the others, so that is refused.

    ``hint`` says how to give them all in one value.
    """

    def __init__(self, *args: Any, hint: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.hint = hint

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: Any,
        option_string: str | None = None,
    ) -> None:
        # Until the flag is seen, the namespace holds the default itself (an experiment
        # file's value included): anything else is the flag's earlier value.
        if getattr(namespace, self.dest, self.default) is not self.default:
            parser.error(f"argument {option_string}: given more than once; {self.hint}")
        setattr(namespace, self.dest, values)


def available_cpus() -> int:
    """The CPUs this process may run on (its affinity, as a container limits it)."""
    try:
        return len(os.sched_getaffinity(0)) or 1
    except (AttributeError, OSError):  # not on Linux
        return os.cpu_count() or 1


def _integer(low: int, high: int, rule: str | None = None):
    rule = rule or f"an integer from {low} to {high}"

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"must be {rule}; got {text!r}") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"must be {rule}; got {text!r}")
        return value

    return parse


def real(low: float, high: float, rule: str, with_low: bool = True):
    """An argument type: finite numbers in ``[low, high]`` (a rule of one command).

    ``rule`` says the range in the words the error gives ("a finite number from 0.1 to 1e+09").
    """
    return _real(low, high, rule, with_low=with_low)


def _real(low: float, high: float, rule: str, with_low: bool = False):
    """Finite numbers in (low, high], or [low, high] ``with_low``."""

    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"must be {rule}; got {text!r}") from None
        above = value >= low if with_low else value > low
        if not (math.isfinite(value) and above and value <= high):
            raise argparse.ArgumentTypeError(f"must be {rule}; got {text!r}")
        return value

    return parse


positive_int = _integer(1, MAX_COUNT)
non_negative_int = _integer(0, MAX_COUNT)
retries = _integer(0, MAX_RETRIES)
epochs = _integer(1, MAX_EPOCHS)
seed = _integer(0, 2**64 - 1, "an integer from 0 to 2**64 - 1 (64 bits)")
workers = _integer(1, MAX_WORKERS)
port = _integer(0, 65535)
positive_float = _real(0.0, MAX_SECONDS, f"a finite number > 0 and at most {MAX_SECONDS:g}")
non_negative_float = _real(
    0.0, MAX_SECONDS, f"a finite number >= 0 and at most {MAX_SECONDS:g}", with_low=True
)


def path(text: str) -> str:
    """A directory or file argument: not empty (``--out ""``, often an unset shell
    variable, would otherwise mean the default directory, or the current one)."""
    if not text:
        raise argparse.ArgumentTypeError("must be a path; got an empty string")
    return text


def threads(text: str) -> int:
    """Torch threads per worker: at most the CPUs of this machine."""
    cpus = available_cpus()
    return _integer(1, cpus, f"an integer from 1 to {cpus} (the CPUs of this machine)")(text)


def eta_number(text: str) -> float | int:
    """The reduction factor: a finite number from 2 to :data:`MAX_ETA` (an int if whole)."""
    rule = f"a finite number from 2 to {MAX_ETA}"
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be {rule}; got {text!r}") from None
    if not (math.isfinite(value) and 2 <= value <= MAX_ETA):
        raise argparse.ArgumentTypeError(f"must be {rule}; got {text!r}")
    return int(value) if value.is_integer() else value


def check_local_workers(count: int | None, dask_address: str | None) -> None:
    """Refuses more local worker processes than CPUs (a cluster's size is its own).

    Raises:
        UsageError: ``count`` local workers on fewer CPUs.
    """
    cpus = available_cpus()
    if count is not None and dask_address is None and count > cpus:
        raise UsageError(
            f"argument --workers: at most {cpus} (the CPUs of this machine) for local worker "
            f"processes, each training on its own CPU; got {count}. Use --dask-address to "
            "run more on a cluster."
        )


BUDGET_NEEDED = "give a budget: --trials N, --time-budget SECONDS or --epochs-budget EPOCHS"


def has_budget(args: argparse.Namespace) -> bool:
    """Whether the command line gives any budget (trials, seconds or epochs)."""
    return any(
        getattr(args, name, None) is not None for name in ("trials", "time_budget", "epochs_budget")
    )
