"""Which GPU each worker process sees: ``gpus=[0, 1]`` or ``"all"``, round-robin over workers.

A worker is given its device through ``CUDA_VISIBLE_DEVICES`` before it loads the
objective, so the objective (and any program it starts, which inherits the environment)
sees exactly one GPU, as ``cuda:0``. With more workers than GPUs, worker ``k`` gets GPU
``k mod len(gpus)``: workers share GPUs round-robin.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import shutil
import subprocess
import sys
from collections.abc import Sequence

from rung._checks import AnyOf, InstanceOf, Integer, SequenceOf, Text, check
from rung.errors import ConfigError

__all__ = ["device_of", "parse_gpus", "visible_gpus"]


def _from_nvidia_smi() -> tuple[str, ...] | None:
    executable = shutil.which("nvidia-smi")
    if executable is None:
        return None
    with contextlib.suppress(OSError, subprocess.SubprocessError):
        listed = subprocess.run(
            [executable, "--query-gpu=index", "--format=csv,noheader"],
            capture_output=True,
            text=True,
            timeout=30,
            check=True,
        ).stdout
        return tuple(line.strip() for line in listed.splitlines() if line.strip())
    return None


def _from_torch() -> tuple[str, ...] | None:
    if "torch" not in sys.modules and importlib.util.find_spec("torch") is None:
        return None  # torch is not installed: it is not imported just to count GPUs
    import torch

    return tuple(str(i) for i in range(torch.cuda.device_count()))


def visible_gpus() -> tuple[str, ...]:
    """The GPUs this process may use: ``CUDA_VISIBLE_DEVICES`` if set, else those
    ``nvidia-smi`` lists, else those torch counts (only if torch is installed).

    Raises:
        ConfigError: no GPU is visible.
    """
    listed = os.environ.get("CUDA_VISIBLE_DEVICES")
    if listed is not None:
        devices = tuple(d.strip() for d in listed.split(",") if d.strip())
        if devices and devices[0] != "-1":
            return devices
        raise ConfigError(
            f"gpus='all', but CUDA_VISIBLE_DEVICES={listed!r} hides every GPU from rung."
        )
    devices = _from_nvidia_smi() or _from_torch()
    if not devices:
        raise ConfigError(
            "gpus='all', but no GPU is visible (CUDA_VISIBLE_DEVICES is not set, nvidia-smi "
            "lists none, torch counts none); give the devices, like gpus=[0, 1]."
        )
    return devices


_GPUS = AnyOf(
    (
        InstanceOf((str,), "'all' or a string like '0,1'"),
        SequenceOf(AnyOf((Integer(low=0), Text())), min_length=1),
    )
)


_UUID_PREFIXES = ("GPU-", "MIG-")


def parse_gpus(gpus: str | Sequence[int | str] | None) -> tuple[str, ...] | None:
    """The devices workers get, as ``CUDA_VISIBLE_DEVICES`` values, or None (leave it be).

    Args:
        gpus: ``"all"`` (every visible GPU), ``"0,1"``, or a sequence of device indices
            or UUIDs (``[0, 1]``, ``["GPU-8f2e..."]``), as ``CUDA_VISIBLE_DEVICES`` takes them.

    Raises:
        ConfigError: an empty list, a negative index, a bad entry, or ``"all"`` with no GPU.
    """
    if gpus is None:
        return None
    check(None, "gpus", gpus, _GPUS)
    if isinstance(gpus, str):
        if gpus.strip().lower() == "all":
            return visible_gpus()
        entries: list[int | str] = [g.strip() for g in gpus.split(",")]
    else:
        entries = list(gpus)
    devices = []
    for entry in entries:  # the text of CUDA_VISIBLE_DEVICES: indices or UUIDs
        text = str(entry).strip()
        if isinstance(entry, int) or text.isdigit() or text.startswith("-"):
            if not text.lstrip("-").isdigit() or int(text) < 0:
                raise ConfigError(
                    f"The 'gpus' parameter needs device indices >= 0; got {entry!r} in {gpus!r}."
                )
        elif not text.startswith(_UUID_PREFIXES) or any(c.isspace() or c == "," for c in text):
            # CUDA takes a UUID (or its unique start) only with its GPU- or MIG- prefix
            raise ConfigError(
                "The 'gpus' parameter needs device indices (0, 1) or UUIDs (GPU-..., "
                f"MIG-..., as nvidia-smi -L prints them); got {entry!r} in {gpus!r}."
            )
        devices.append(text)
    return tuple(devices)


def device_of(gpus: tuple[str, ...] | None, slot: int) -> str | None:
    """The ``CUDA_VISIBLE_DEVICES`` of worker ``slot``: the GPUs in turn."""
    return None if not gpus else gpus[slot % len(gpus)]
