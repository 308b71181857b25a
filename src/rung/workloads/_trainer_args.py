"""The checks of the trainer's arguments: the device, threads, subset and batch sizes.

Both :class:`~rung.workloads.trainer.FashionMNISTObjective` (at construction, so that a
bad argument fails before any trial runs) and :func:`~rung.workloads.trainer.train_final`
check their arguments here; :func:`resolve_device` is re-exported by
:mod:`rung.workloads.trainer`.
"""

from __future__ import annotations

from numbers import Integral
from typing import Any

import torch

from rung.errors import ConfigError

__all__ = [
    "_check_eval_batch_size",
    "_check_positive_int",
    "_check_subset",
    "_check_threads",
    "resolve_device",
]


def resolve_device(device: str | torch.device) -> torch.device:
    """``"auto"`` (CUDA when available, else the CPU), ``"cpu"`` or ``"cuda[:i]"``.

    Raises:
        ConfigError: an unknown device, or CUDA asked for where it is not available.
    """
    if isinstance(device, torch.device):
        device = str(device)
    if not isinstance(device, str):
        raise ConfigError(f"The 'device' parameter must be a string; got {device!r}.")
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        resolved = torch.device(device)
    except RuntimeError:
        resolved = None
    if resolved is None or resolved.type not in ("cpu", "cuda"):
        raise ConfigError(
            f"The 'device' parameter must be 'auto', 'cpu' or 'cuda'; got {device!r}."
        )
    if resolved.type == "cuda" and not torch.cuda.is_available():
        raise ConfigError(
            f"The 'device' parameter is {device!r}, but CUDA is not available here "
            "(torch.cuda.is_available() is False); use device='cpu' or device='auto'."
        )
    return resolved


def _check_threads(threads: Any) -> int | None:
    if threads is not None and (
        isinstance(threads, bool) or not isinstance(threads, Integral) or threads < 1
    ):
        raise ConfigError(f"The 'threads' parameter must be an int >= 1 or None; got {threads!r}.")
    return None if threads is None else int(threads)


def _check_subset(subset: Any) -> tuple[int, int | None] | None:
    if subset is None:
        return None
    parts = (subset, None) if isinstance(subset, Integral) else subset
    if (
        not isinstance(parts, tuple | list)
        or len(parts) != 2
        or not all(
            p is None or (isinstance(p, Integral) and not isinstance(p, bool) and p >= 1)
            for p in parts
        )
        or parts[0] is None
    ):
        raise ConfigError(
            "The 'subset' parameter must be None, n_train or (n_train, n_val), positive "
            f"ints; got {subset!r}."
        )
    return int(parts[0]), None if parts[1] is None else int(parts[1])


def _check_eval_batch_size(value: Any) -> int | None:
    return None if value is None else _check_positive_int("eval_batch_size", value)


def _check_positive_int(name: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, Integral) or value < 1:
        raise ConfigError(f"The {name!r} parameter must be an int >= 1; got {value!r}.")
    return int(value)
