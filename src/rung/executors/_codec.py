"""Checkpoints as bytes: what travels between workers and the driver, and what is stored.

Remote workers (processes, Dask) hand checkpoints back as bytes, so the driver never needs
the objective's libraries to hold one, and it sends the same bytes to whichever worker
resumes the trial. Decoding never runs arbitrary code:

* checkpoints holding torch tensors are written with ``torch.save`` and read with
  ``torch.load(weights_only=True)``;
* the rest (numbers, strings, containers, numpy arrays) is pickled and read back by an
  unpickler that builds only those types.
"""

from __future__ import annotations

import io
import pickle
import sys
from collections.abc import Mapping
from typing import Any

from rung._frozen import frozen

__all__ = ["Blob", "decode", "encode", "CheckpointError"]

_TORCH, _PICKLE = b"T", b"P"

#: The classes the restricted unpickler may build: containers and numpy arrays and scalars.
_SAFE_GLOBALS = {
    ("builtins", "complex"),
    ("builtins", "set"),
    ("builtins", "frozenset"),
    ("builtins", "bytearray"),
    ("builtins", "slice"),
    ("builtins", "range"),
    ("collections", "OrderedDict"),
    ("numpy", "dtype"),
    ("numpy", "ndarray"),
    ("numpy.core.multiarray", "_reconstruct"),
    ("numpy.core.multiarray", "scalar"),
    ("numpy._core.multiarray", "_reconstruct"),
    ("numpy._core.multiarray", "scalar"),
    ("numpy.dtypes", None),  # numpy >= 1.25 pickles dtypes as numpy.dtypes.<Kind>DType
}


class CheckpointError(TypeError):
    """A checkpoint holds something that cannot be stored safely, or its bytes are foreign."""


@frozen
class Blob:
    """An encoded checkpoint: opaque bytes until a worker decodes them.

    Attributes:
        data: The encoding (a format byte, then the payload).
    """

    data: bytes

    def __len__(self) -> int:
        return len(self.data)


class _SafeUnpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:
        if (module, name) in _SAFE_GLOBALS or (module, None) in _SAFE_GLOBALS:
            return super().find_class(module, name)
        raise CheckpointError(
            f"The checkpoint refers to {module}.{name}, which rung does not load: checkpoints "
            "may hold numbers, strings, containers, numpy arrays and torch tensors only."
        )


def _holds_tensor(obj: Any, torch: Any, depth: int = 0) -> bool:
    if isinstance(obj, torch.Tensor):
        return True
    if depth > 64:
        return False
    if isinstance(obj, Mapping):
        return any(_holds_tensor(v, torch, depth + 1) for v in obj.values())
    if isinstance(obj, (list, tuple)):
        return any(_holds_tensor(v, torch, depth + 1) for v in obj)
    return False


def encode(obj: Any) -> Blob:
    """Encodes a checkpoint to bytes.

    Raises:
        CheckpointError: the checkpoint holds objects that cannot be decoded safely.
    """
    torch = sys.modules.get("torch")
    if torch is not None and _holds_tensor(obj, torch):
        buffer = io.BytesIO()
        buffer.write(_TORCH)
        torch.save(obj, buffer)
        blob = Blob(buffer.getvalue())
    else:
        blob = Blob(_PICKLE + pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL))
    try:  # a checkpoint that cannot be read back must fail now, not at its resume
        decode(blob)
    except CheckpointError:
        raise
    except Exception as error:
        raise CheckpointError(
            f"The checkpoint cannot be stored safely ({error}); pass numbers, strings, "
            "containers, numpy arrays and torch tensors only."
        ) from None
    return blob


def decode(blob: Blob | bytes) -> Any:
    """Decodes what :func:`encode` wrote, building only safe types.

    Raises:
        CheckpointError: the bytes are not a checkpoint rung wrote, or refer to unsafe types.
    """
    data = blob.data if isinstance(blob, Blob) else bytes(blob)
    kind, payload = data[:1], memoryview(data)[1:]
    if kind == _PICKLE:
        return _SafeUnpickler(io.BytesIO(payload)).load()
    if kind == _TORCH:
        import torch

        try:
            return torch.load(io.BytesIO(payload), weights_only=True, map_location="cpu")
        except pickle.UnpicklingError as error:
            raise CheckpointError(f"The checkpoint cannot be loaded safely: {error}") from None
    raise CheckpointError(f"Not a rung checkpoint (format byte {bytes(kind)!r}).")
