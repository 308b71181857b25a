"""The seed notebook's four Fashion-MNIST models, each with its loss, defaults and search space.

Every model maps float32 images ``(n, 1, 28, 28)`` in [0, 1] to class scores ``(n, 10)``
and is trained by minibatch SGD (:mod:`rung.workloads.trainer`) on its loss:

* ``softmax``: softmax regression, one ``Linear(784, 10)``; cross-entropy.
* ``lenet``: LeNet-5 as in Dive into Deep Learning (Zhang et al., section 7.6): sigmoid
  activations, average pooling, Xavier-uniform weights; cross-entropy.
* ``sgd``: a linear SVM as scikit-learn's ``SGDClassifier(loss="hinge",
  penalty="elasticnet")``: ``Linear(784, 10)`` with the multi-class hinge loss
  (``nn.MultiMarginLoss``) plus ``alpha * (l1_ratio * |W|_1 + (1 - l1_ratio) / 2 * |W|_2^2)``.
* ``svm``: an RBF-kernel SVM through random Fourier features (Rahimi & Recht, NIPS 2007,
  Algorithm 1): ``z(x) = sqrt(2 / D) cos(W x + b)`` with fixed ``W ~ N(0, 2 gamma I)``,
  ``b ~ U[0, 2 pi)``, so ``z(x) . z(y) ~ exp(-gamma |x - y|^2)``; then a ``Linear(D, 10)``
  with the multi-class hinge loss plus ``|W|_2^2 / (2 C n K)`` (n training images, K = 10
  classes): the Weston-Watkins primal ``1/2 |W|^2 + C sum_i sum_{j != y_i} max(0, 1 -
  s_{y_i} + s_j)`` divided by ``C n K``, so ``C`` has its usual SVM meaning (larger C,
  less regularization) whatever the training-set size. Biases are not penalized.

Config keys are ``learning_rate`` and ``batch_size`` (the optimizer's) plus the model's
own; missing keys take :attr:`ModelSpec.defaults`, unknown keys are an error. The record
and its checks of config values are in :mod:`rung.workloads._model_spec`.

Speed (CPU, 2 threads, batch 256; ``benchmarks/train_speed.py``). LeNet's convolution
blocks are fused (:mod:`rung.workloads._lenet`, where its timings are). The linear models'
steps are mostly per-operation overhead: their products run as ``W x^T`` (:func:`_linear`)
and their penalties as one autograd node (:class:`_ElasticNet`); the SVM's trainer skips
autograd altogether (:mod:`rung.workloads._svm`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from rung.errors import ConfigError
from rung.space import loguniform, randint, uniform
from rung.workloads._config_rules import DEFAULTS
from rung.workloads._lenet import LeNet
from rung.workloads._model_spec import ModelSpec
from rung.workloads._svm import l2_weight

__all__ = [
    "MODELS",
    "LeNet",
    "LinearClassifier",
    "ModelSpec",
    "RandomFourierClassifier",
    "get_model",
]

N_PIXELS = 28 * 28
N_CLASSES = 10


def get_model(name: str) -> ModelSpec:
    """The :class:`ModelSpec` called ``name``.

    Raises:
        ConfigError: ``name`` is not one of :data:`MODELS`.
    """
    spec = MODELS.get(name) if isinstance(name, str) else None
    if spec is None:
        raise ConfigError(f"The 'model' parameter must be one of {sorted(MODELS)}; got {name!r}.")
    return spec


# --- Initialization, from an explicit generator ----------------------------------------


def _generator(seed: int) -> torch.Generator:
    return torch.Generator().manual_seed(int(seed))


def _init_default(module: nn.Linear | nn.Conv2d, g: torch.Generator, xavier: bool = False) -> None:
    """PyTorch's default initialization (``reset_parameters``) drawn from ``g``; with
    ``xavier``, Xavier-uniform weights (Glorot & Bengio 2010) instead, as d2l's LeNet."""
    if xavier:
        nn.init.xavier_uniform_(module.weight, generator=g)
    else:
        nn.init.kaiming_uniform_(module.weight, a=math.sqrt(5), generator=g)
    bound = 1 / math.sqrt(module.weight[0].numel())
    nn.init.uniform_(module.bias, -bound, bound, generator=g)


# --- softmax and sgd: linear classifiers ------------------------------------------------


def _linear(x: Tensor, layer: nn.Linear) -> Tensor:
    """``layer(x)`` computed as ``(b + W x^T)^T``: for 10 outputs, MKL's product is two to
    three times faster in this orientation than in ``x W^T`` (and so is its gradient)."""
    return torch.addmm(layer.bias.unsqueeze(1), layer.weight, x.t()).t()


class LinearClassifier(nn.Module):
    """Flatten, then ``Linear(784, 10)``: softmax regression, or a linear SVM."""

    def __init__(self) -> None:
        super().__init__()
        self.linear = nn.Linear(N_PIXELS, N_CLASSES)

    def forward(self, x: Tensor) -> Tensor:
        return _linear(x.flatten(1), self.linear)


def _build_softmax(config: Mapping[str, Any], seed: int) -> nn.Module:
    model = LinearClassifier()
    _init_default(model.linear, _generator(seed))
    return model


def _build_sgd(config: Mapping[str, Any], seed: int) -> nn.Module:
    model = LinearClassifier()  # zeros, as SGDClassifier starts
    nn.init.zeros_(model.linear.weight)
    nn.init.zeros_(model.linear.bias)
    return model


def _cross_entropy(model, scores, targets, config, n_train) -> Tensor:
    return F.cross_entropy(scores, targets)


class _ElasticNet(torch.autograd.Function):
    """``l1 |W|_1 + l2 / 2 |W|_2^2`` and its (sub)gradient ``l1 sign(W) + l2 W`` in a few
    tensor operations, where autograd's graph of the formula takes about fifteen (the
    per-operation overhead is most of a linear model's training step)."""

    @staticmethod
    def forward(ctx, weight: Tensor, l1: float, l2: float) -> Tensor:
        ctx.save_for_backward(weight)
        ctx.l1, ctx.l2 = l1, l2
        flat = weight.detach().reshape(-1)
        value = flat.dot(flat).mul_(l2 / 2)
        return value.add_(torch.linalg.vector_norm(flat, 1), alpha=l1) if l1 else value

    @staticmethod
    def backward(ctx, grad: Tensor):
        (weight,) = ctx.saved_tensors
        if not ctx.l1:
            return weight * (grad * ctx.l2), None, None
        subgradient = torch.sign(weight).mul_(ctx.l1).add_(weight, alpha=ctx.l2)
        return subgradient.mul_(grad), None, None


def _elastic_net_hinge(model, scores, targets, config, n_train) -> Tensor:
    """Mean multi-class hinge + ``alpha * (l1_ratio |W|_1 + (1 - l1_ratio) / 2 |W|_2^2)``."""
    alpha, l1_ratio = config["alpha"], config["l1_ratio"]
    penalty = _ElasticNet.apply(model.linear.weight, alpha * l1_ratio, alpha * (1 - l1_ratio))
    return F.multi_margin_loss(scores, targets) + penalty


# --- svm: random Fourier features + linear head -----------------------------------------


class RandomFourierClassifier(nn.Module):
    """``head(z(x))`` with fixed random Fourier features ``z`` of an RBF kernel.

    ``z(x) = sqrt(2 / D) cos(x W^T + b)``, ``W`` (D, 784) ~ N(0, 2 gamma), ``b`` (D,) ~
    U[0, 2 pi): Rahimi & Recht (2007), Algorithm 1, for ``k(x, y) = exp(-gamma |x - y|^2)``
    (whose Fourier transform is the Gaussian N(0, 2 gamma I)). ``W`` and ``b`` are drawn
    from ``seed`` and are not trained; they are buffers left out of the state dict (the
    builder redraws them), so checkpoints hold the head only. The trainer computes the
    features of the whole data set once per job (:meth:`features`) and trains ``head``
    through :meth:`classify`.
    """

    def __init__(self, n_components: int, gamma: float, seed: int) -> None:
        super().__init__()
        g = _generator(seed)
        projection = torch.randn(n_components, N_PIXELS, generator=g) * math.sqrt(2 * gamma)
        phase = torch.rand(n_components, generator=g) * (2 * math.pi)
        self.register_buffer("projection", projection, persistent=False)
        self.register_buffer("phase", phase, persistent=False)
        self.scale = math.sqrt(2 / n_components)
        self.head = nn.Linear(n_components, N_CLASSES)

    def features(self, x: Tensor) -> Tensor:
        """``z(x)``: (n, 1, 28, 28) images -> (n, D) features."""
        z = torch.addmm(self.phase, x.flatten(1), self.projection.t())
        return z.cos_().mul_(self.scale)

    def classify(self, features: Tensor) -> Tensor:
        """The head's scores (n, 10) of features (n, D)."""
        return _linear(features, self.head)

    def forward(self, x: Tensor) -> Tensor:
        return self.classify(self.features(x))


def _build_svm(config: Mapping[str, Any], seed: int) -> nn.Module:
    model = RandomFourierClassifier(config["n_components"], config["gamma"], seed)
    nn.init.zeros_(model.head.weight)
    nn.init.zeros_(model.head.bias)
    return model


def _svm_hinge(model, scores, targets, config, n_train) -> Tensor:
    """Mean multi-class hinge + ``|W|_2^2 / (2 C n K)`` (see the module's docstring)."""
    l2 = l2_weight(config["C"], n_train, N_CLASSES)
    return F.multi_margin_loss(scores, targets) + _ElasticNet.apply(model.head.weight, 0.0, l2)


# --- lenet ---------------------------------------------------------------------------------


def _build_lenet(config: Mapping[str, Any], seed: int) -> nn.Module:
    model = LeNet()
    g = _generator(seed)
    for layer in (model.conv1, model.conv2, model.fc1, model.fc2, model.fc3):
        _init_default(layer, g, xavier=True)  # biases keep PyTorch's default, as in d2l
    return model


# --- The table ----------------------------------------------------------------------------

#: The seed's ranges: learning rate 1e-4..1 on a log scale, batch size 32..511.
_OPTIMIZER_SPACE = {"learning_rate": loguniform(1e-4, 1.0), "batch_size": randint(32, 512)}

MODELS: dict[str, ModelSpec] = {
    "softmax": ModelSpec(
        "softmax", _build_softmax, _cross_entropy, dict(DEFAULTS["softmax"]), {**_OPTIMIZER_SPACE}
    ),
    "lenet": ModelSpec(
        "lenet",
        _build_lenet,
        _cross_entropy,
        dict(DEFAULTS["lenet"]),
        {**_OPTIMIZER_SPACE},
    ),
    "sgd": ModelSpec(
        "sgd",
        _build_sgd,
        _elastic_net_hinge,
        dict(DEFAULTS["sgd"]),
        # alpha around SGDClassifier's 1e-4, five decades; any mix of L1 and L2.
        {**_OPTIMIZER_SPACE, "alpha": loguniform(1e-6, 1e-1), "l1_ratio": uniform(0.0, 1.0)},
    ),
    "svm": ModelSpec(
        "svm",
        _build_svm,
        _svm_hinge,
        dict(DEFAULTS["svm"]),
        # C two decades either side of 1; gamma from 1e-4 (nearly linear) to 1e-1 (a
        # kernel width under the typical image distance), around 1 / (784 Var x) ~ 1e-2.
        {**_OPTIMIZER_SPACE, "C": loguniform(1e-2, 1e2), "gamma": loguniform(1e-4, 1e-1)},
    ),
}
