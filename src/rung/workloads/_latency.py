"""What a trained model costs to use: its measured inference latency and its size.

The seed's "multi-objective optimization (accuracy vs inference speed)": a model's
latency is measured where it runs, on the worker's device, as the median of a few timed
batches (after one untimed warm-up), per image. The median, not the mean, so that a
batch slowed by another process on a shared machine does not count.
"""

from __future__ import annotations

import statistics
import time

import torch
from torch import Tensor, nn

__all__ = ["LATENCY_BATCH", "MODEL_METRICS", "inference_latency_ms", "parameter_count"]

#: Images per timed batch.
LATENCY_BATCH = 256
#: The metrics a Fashion-MNIST objective can report beside the validation error.
MODEL_METRICS = ("latency_ms", "params")


@torch.inference_mode()
def inference_latency_ms(model: nn.Module, images: Tensor, repeats: int = 5) -> float:
    """Milliseconds per image of ``model(images[:LATENCY_BATCH])``: the median of
    ``repeats`` timed batches after a warm-up, the device synchronized around each."""
    x = images[:LATENCY_BATCH]
    synchronize = torch.cuda.synchronize if x.is_cuda else (lambda: None)
    model(x)
    synchronize()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        model(x)
        synchronize()
        times.append(time.perf_counter() - start)
    return 1000.0 * statistics.median(times) / len(x)


def parameter_count(model: nn.Module) -> int:
    """The numbers the model holds: its parameters and buffers (an SVM's fixed random
    features count, as they are part of the model that is deployed)."""
    return sum(p.numel() for p in model.parameters()) + sum(b.numel() for b in model.buffers())
