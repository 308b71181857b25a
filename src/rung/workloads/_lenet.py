"""LeNet-5 for Fashion-MNIST, its convolution blocks fused for the CPU.

:class:`LeNet` is the ``lenet`` model of :mod:`rung.workloads.models` (which builds,
initializes and re-exports it): LeNet-5 as in Dive into Deep Learning (Zhang et al.,
section 7.6), sigmoid activations and average pooling.

Speed (CPU, 2 threads, batch 256; ``benchmarks/train_speed.py``). LeNet runs its
convolution blocks through :class:`_ConvSigmoidPool`, which computes what ``Conv2d ->
Sigmoid -> AvgPool2d(2, 2)`` does (same values and gradients) in fewer memory passes: the
2x2 average pool and its gradient are one small matrix product each (0.45 ms instead of
4.1 ms for ``avg_pool2d`` on a 256x6x28x28 batch, and 1.0 ms instead of 5.4 ms for the
backward of pool and sigmoid), and the second convolution's weight gradient is taken in
channels-last layout (1.5 ms instead of 3.9 ms). A LeNet epoch is then 1.3-1.5x faster
than the same model as an ``nn.Sequential`` on in-memory tensors; the rest is oneDNN's
convolutions (~12 ms of a ~20 ms step). Tried and not used: channels-last for the whole
model (slower backward data gradient), ``torch.compile`` (15-45 s to compile per process,
and a slower epoch than these blocks), a space-to-depth rewrite of the first convolution
(faster convolution, lost again to layout copies); the first convolution as banded
(Toeplitz) matrix products over image rows (4.4 ms forward against oneDNN's 2.9 ms),
PyTorch's non-oneDNN convolutions, im2col through ``F.unfold`` (10-13 ms for the unfold
alone), weight gradients as convolutions with the batch as channels (slower for the first
convolution, ~0.5 ms a step faster for the second), the pool's and sigmoid's backward
as one broadcast pass (4.8 ms against 1.0 ms), both convolution blocks as matrix products
in a 4x4 / 2x2 block layout that needs no layout copies and pools by a matrix product
(as fast as these blocks: the products do 1.4-2.6x the convolutions' arithmetic), and each
batch split over two threads with one torch thread each (29 ms a step against 23).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn

__all__ = ["LeNet"]

_convolution_backward = torch.ops.aten.convolution_backward
_sigmoid_backward = torch.ops.aten.sigmoid_backward
_POOL_MATRICES: dict[tuple[int, torch.device, torch.dtype], tuple[Tensor, Tensor]] = {}


def _pool_matrices(width: int, like: Tensor) -> tuple[Tensor, Tensor]:
    """``P`` (2 width, width / 2) with ``rows @ P`` = 2x2 averages of a pair of rows, and P^T.

    A pair of image rows side by side (``2 width`` values) times ``P`` gives the
    ``width / 2`` averages of their 2x2 windows; ``grad @ P^T`` spreads a gradient back.
    """
    key = (width, like.device, like.dtype)
    if key not in _POOL_MATRICES:
        column = torch.arange(2 * width) % width // 2
        pool = torch.zeros(2 * width, width // 2, dtype=like.dtype)
        pool[torch.arange(2 * width), column] = 0.25
        pool = pool.to(like.device)
        _POOL_MATRICES[key] = (pool, pool.t().contiguous())
    return _POOL_MATRICES[key]


class _ConvSigmoidPool(torch.autograd.Function):
    """``avg_pool2d(sigmoid(conv2d(x, weight, bias, padding)), 2)``, fused for the CPU.

    Same values and gradients as the three modules (to rounding), in fewer memory passes:
    forward is convolution, in-place sigmoid, one matrix product for the pool; backward is
    one matrix product (pool), one pass (sigmoid, from its saved output) and oneDNN's
    convolution backward, the weight gradient of a multi-channel input in channels-last
    layout (several times faster there for LeNet's second convolution).
    """

    @staticmethod
    def forward(ctx, x: Tensor, weight: Tensor, bias: Tensor, padding: int) -> Tensor:
        x = x.contiguous()
        a = F.conv2d(x, weight, bias, padding=padding).sigmoid_()
        n, c, h, w = a.shape
        pool, _ = _pool_matrices(w, a)
        ctx.save_for_backward(x, weight, a)
        ctx.padding = padding
        return (a.view(-1, 2 * w) @ pool).view(n, c, h // 2, w // 2)

    @staticmethod
    def backward(ctx, grad: Tensor):
        x, weight, a = ctx.saved_tensors
        n, c, h, w = a.shape
        _, pool_t = _pool_matrices(w, a)
        grad_a = (grad.reshape(-1, w // 2) @ pool_t).view(n, c, h, w)
        grad_z = _sigmoid_backward(grad_a, a)
        need_x, need_w, need_b = ctx.needs_input_grad[:3]
        args = ([c], [1, 1], [ctx.padding] * 2, [1, 1], False, [0, 0], 1)
        grad_x = None
        if need_x:
            grad_x = _convolution_backward(grad_z, x, weight, *args, [True, False, False])[0]
        grad_w = grad_b = None
        if need_w or need_b:
            if x.shape[1] > 1:  # channels-last weight gradient: faster unless one channel
                cl = torch.channels_last
                grad_z, x = grad_z.contiguous(memory_format=cl), x.contiguous(memory_format=cl)
                weight = weight.contiguous(memory_format=cl)
            _, grad_w, grad_b = _convolution_backward(
                grad_z, x, weight, *args, [False, need_w, need_b]
            )
            grad_w = grad_w.contiguous() if grad_w is not None else None
        return grad_x, grad_w, grad_b, None


def _conv_sigmoid_pool(x: Tensor, conv: nn.Conv2d) -> Tensor:
    if x.device.type == "cpu" and x.dtype == torch.float32:
        return _ConvSigmoidPool.apply(x, conv.weight, conv.bias, conv.padding[0])
    return F.avg_pool2d(torch.sigmoid(conv(x)), 2)


class LeNet(nn.Module):
    """LeNet-5 as in d2l: two sigmoid convolution blocks with 2x2 average pooling, then
    three sigmoid fully connected layers; (n, 1, 28, 28) -> (n, 10).

    Conv2d(1, 6, 5, padding=2) -> Sigmoid -> AvgPool2d(2, 2) -> Conv2d(6, 16, 5) ->
    Sigmoid -> AvgPool2d(2, 2) -> Flatten -> Linear(400, 120) -> Sigmoid -> Linear(120, 84)
    -> Sigmoid -> Linear(84, 10).
    """

    def __init__(self) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(1, 6, kernel_size=5, padding=2)
        self.conv2 = nn.Conv2d(6, 16, kernel_size=5)
        self.fc1 = nn.Linear(16 * 5 * 5, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, 10)

    def forward(self, x: Tensor) -> Tensor:
        x = _conv_sigmoid_pool(x, self.conv1)
        x = _conv_sigmoid_pool(x, self.conv2)
        x = torch.sigmoid(self.fc1(x.flatten(1)))
        x = torch.sigmoid(self.fc2(x))
        return self.fc3(x)
