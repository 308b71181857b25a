"""One model on one device with its data: the training and evaluation loop behind
:mod:`rung.workloads.trainer` (minibatch SGD over in-memory tensors, large evaluation
batches, exact checkpoints)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import torch
from torch import Tensor

from rung._random import derive_seed
from rung.workloads import _projections, fashion_mnist
from rung.workloads._svm import hinge_l2_sgd_step, l2_weight
from rung.workloads.models import ModelSpec, RandomFourierClassifier

__all__ = ["EVAL_BATCH_SIZE", "_Run"]

#: Images per evaluation batch, by device type. On the CPU, LeNet's activations of larger
#: batches spill out of the caches: 12,000 images take 0.36 s in batches of 512, 0.70 s
#: in batches of 4096 (2 threads); the linear models are as fast at 512 as at 4096.
EVAL_BATCH_SIZE = {"cpu": 512, "cuda": 8192}
_CHECK_EVERY = 16  # steps between checks for a non-finite loss


class _Run:
    """One model on one device with its data: trains epochs, evaluates, checkpoints.

    For :class:`RandomFourierClassifier` the features of every split are computed once,
    here (from projections a process keeps for its later jobs, :mod:`._projections`), and
    the loop trains ``model.head`` on them; other models see the images.
    """

    def __init__(
        self,
        spec: ModelSpec,
        config: Mapping[str, Any],
        seed: int,
        splits: fashion_mnist.TensorSplits,
        device: torch.device,
        eval_batch_size: int | None,
        with_test: bool = False,
    ) -> None:
        self.spec, self.config, self.seed = spec, config, seed
        self.model = spec.builder(config, seed).to(device)
        self.eval_batch_size = eval_batch_size or EVAL_BATCH_SIZE.get(device.type, 512)
        self.forward: Callable[[Tensor], Tensor] = self.model
        names = ("train", "val", "test") if with_test else ("train", "val")
        self.x = {name: getattr(splits, f"x_{name}") for name in names}
        self.y = {name: getattr(splits, f"y_{name}") for name in names}
        if isinstance(self.model, RandomFourierClassifier):
            self.forward = self.model.classify
            self.x = {name: self._features(x) for name, x in self.x.items()}
        self.n_train = len(self.y["train"])
        self.optimizer = torch.optim.SGD(self.model.parameters(), lr=config["learning_rate"])
        self.epoch = 0
        self.diverged = False

    @torch.no_grad()  # not inference_mode: the training features are saved for backward
    def _features(self, x: Tensor) -> Tensor:
        """The SVM's features of ``x``: its projections, kept per process, then one pass."""
        model: Any = self.model
        return model.features_from(_projections.projections(x, model, self.eval_batch_size))

    def train_epoch(self) -> bool:
        """Trains one epoch; False (and ``diverged`` set) if the loss became NaN or inf."""
        self.epoch += 1
        x = self.x["train"]
        n, batch_size = len(x), self.config["batch_size"]
        generator = torch.Generator().manual_seed(derive_seed(self.seed, self.epoch))
        order = torch.randperm(n, generator=generator).to(x.device)
        svm = isinstance(self.model, RandomFourierClassifier)
        step_fn = self._svm_step() if svm else self._autograd_step()
        loss = None
        for step, start in enumerate(range(0, n, batch_size)):
            check = step % _CHECK_EVERY == 0 or start + batch_size >= n  # and the last
            loss = step_fn(order[start : start + batch_size], check)
            if check and not torch.isfinite(loss):
                break
        if loss is not None and not torch.isfinite(loss):
            self.diverged = True
        return not self.diverged

    def _autograd_step(self) -> Callable[[Tensor, bool], Tensor]:
        """``step(index, with_loss)``: one SGD step on the batch, the gradients by
        autograd; returns the batch's loss."""
        x, y = self.x["train"], self.y["train"]
        model, forward, loss_fn = self.model, self.forward, self.spec.loss
        config, n_train, optimizer = self.config, self.n_train, self.optimizer
        params = [p for group in optimizer.param_groups for p in group["params"]]

        def step(index: Tensor, with_loss: bool) -> Tensor:
            scores = forward(x.index_select(0, index))
            loss = loss_fn(model, scores, y.index_select(0, index), config, n_train)
            for p in params:  # zero_grad(set_to_none=True), without its ~50 us of overhead
                p.grad = None
            loss.backward()
            optimizer.step()
            return loss

        return step

    def _svm_step(self) -> Callable[[Tensor, bool], Tensor | None]:
        """``step(index, with_loss)``: the SVM's SGD step in closed form (:mod:`._svm`),
        its batch gathered into one reused buffer; returns the loss if ``with_loss``.

        The optimizer is plain SGD (no momentum): the step makes its update itself,
        without ``optimizer.step()``'s ~0.1 ms of overhead, and leaves no state behind.
        """
        x, y = self.x["train"], self.y["train"]
        head: Any = self.model.head
        l2 = l2_weight(self.config["C"], self.n_train, head.out_features)
        group = self.optimizer.param_groups[0]
        if group["momentum"] or group["weight_decay"] or group["nesterov"]:  # the step omits these
            raise RuntimeError("The SVM's closed-form step makes plain SGD updates only.")
        lr = group["lr"]
        buffer = x.new_empty(min(self.config["batch_size"], len(x)), x.shape[1])

        def step(index: Tensor, with_loss: bool) -> Tensor | None:
            batch = torch.index_select(x, 0, index, out=buffer[: len(index)])
            return hinge_l2_sgd_step(head, batch, y.index_select(0, index), l2, lr, with_loss)

        return step

    @torch.inference_mode()
    def accuracy(self, split: str) -> float:
        """The fraction of ``split`` (``"train"``, ``"val"``, ``"test"``) classified right."""
        x, y, size = self.x[split], self.y[split], self.eval_batch_size
        correct = torch.zeros((), dtype=torch.int64, device=x.device)
        for start in range(0, len(x), size):
            scores = self.forward(x[start : start + size])
            correct += (scores.argmax(1) == y[start : start + size]).sum()
        return correct.item() / len(x)

    def checkpoint(self) -> dict[str, Any]:
        """Model and optimizer state on the CPU, copied, with the epoch: plain tensors and
        numbers only, so ``torch.load(..., weights_only=True)`` reads it back."""
        state = {k: v.detach().to("cpu", copy=True) for k, v in self.model.state_dict().items()}
        return {
            "model": state,
            "optimizer": self.optimizer.state_dict(),
            "epoch": self.epoch,
            "diverged": self.diverged,
        }

    def restore(self, checkpoint: Mapping[str, Any]) -> None:
        self.model.load_state_dict(checkpoint["model"])
        self.optimizer.load_state_dict(checkpoint["optimizer"])
        self.epoch = int(checkpoint["epoch"])
        self.diverged = bool(checkpoint.get("diverged", False))
