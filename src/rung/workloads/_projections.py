"""The SVM's random projections of the data, kept per process for every later job.

Every job of the ``svm`` model needs the random Fourier features of its training and
validation images (:class:`rung.workloads.models.RandomFourierClassifier`). Their costly
part, the product ``x G^T`` of 60,000 images with the 2,000 x 784 random basis, does not
depend on the trial (one basis for all: ``SVM_BASIS_SEED``) nor on ``gamma``; only the
elementwise pass after it does. So a worker process computes the projections of each
split once and keeps them here, and each job pays one elementwise pass for its features.

Entries are keyed by the data tensor (its storage, shape, strides, dtype and device; the
entry holds a reference to it, so the storage cannot be freed and reused while kept) and
by the basis (its seed and size). The cache holds at most :data:`MAX_BYTES` of
projections (least recently used dropped first); a split larger than that is computed
each time, never kept. The tensors of :func:`rung.workloads.fashion_mnist.load_tensors`
are never modified in place, which makes a kept projection valid for as long as its
tensor lives.
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from typing import Any

import torch
from torch import Tensor

__all__ = ["MAX_BYTES", "clear", "projections", "stats"]

#: Bytes of projections kept per process: the train, validation and test splits of
#: Fashion-MNIST at 2,000 features (384 + 96 + 80 MB), with room for a second size.
MAX_BYTES = int(os.environ.get("RUNG_PROJECTION_CACHE_MB", "1200")) * 2**20

_cache: OrderedDict[tuple[Any, ...], tuple[Tensor, Tensor]] = OrderedDict()
_lock = threading.Lock()
_stats = {"hits": 0, "misses": 0}


def clear() -> None:
    """Forgets every kept projection."""
    with _lock:
        _cache.clear()
        _stats.update(hits=0, misses=0)


def stats() -> dict[str, int]:
    """Hits and misses since the last :func:`clear` (tests, benchmarks)."""
    return dict(_stats)


def _key(x: Tensor, model: Any) -> tuple[Any, ...]:
    return (
        x.data_ptr(),
        tuple(x.shape),
        x.stride(),
        x.dtype,
        str(x.device),
        model.basis_seed,
        tuple(model.basis.shape),
    )


@torch.no_grad()
def _compute(x: Tensor, model: Any, batch_size: int) -> Tensor:
    out = torch.empty(len(x), model.basis.shape[0], device=x.device, dtype=x.dtype)
    for start in range(0, len(x), batch_size):
        out[start : start + batch_size] = model.projections(x[start : start + batch_size])
    return out


def projections(x: Tensor, model: Any, batch_size: int) -> Tensor:
    """``model.projections(x)`` (n, D), computed in batches of ``batch_size`` images, or
    kept from an earlier call in this process. Do not modify the result in place.

    Args:
        x: (n, 1, 28, 28) images, never modified in place while kept.
        model: A :class:`~rung.workloads.models.RandomFourierClassifier`.
        batch_size: Images per product (bounds the memory of the intermediate).
    """
    key = _key(x, model)
    with _lock:
        if key in _cache:
            _cache.move_to_end(key)
            _stats["hits"] += 1
            return _cache[key][1]
    _stats["misses"] += 1
    result = _compute(x, model, batch_size)
    size = result.numel() * result.element_size()
    if size > MAX_BYTES:
        return result
    with _lock:
        _cache[key] = (x, result)
        while sum(p.numel() * p.element_size() for _, p in _cache.values()) > MAX_BYTES:
            _cache.popitem(last=False)
    return result
