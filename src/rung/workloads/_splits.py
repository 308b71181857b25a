"""Fashion-MNIST's train, validation and test splits as tensors on one device.

Built by :func:`rung.workloads.fashion_mnist.load_tensors`, which keeps them per process.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from rung._frozen import frozen
from rung.errors import ConfigError

if TYPE_CHECKING:
    import torch

__all__ = ["TensorSplits"]


@frozen
class TensorSplits:
    """Fashion-MNIST as tensors on one device: train, validation and test splits.

    Images are float32 of shape (n, 1, 28, 28) with values in [0, 1] (as torchvision's
    ``ToTensor``); labels are int64 of shape (n,). Train and validation are in the seeded
    random order of the split, test in file order. Never modify the tensors in place:
    :func:`load_tensors` hands the same object to every caller in the process.
    """

    x_train: torch.Tensor
    y_train: torch.Tensor
    x_val: torch.Tensor
    y_val: torch.Tensor
    x_test: torch.Tensor
    y_test: torch.Tensor
    device: str

    def __post_init__(self) -> None:
        for split in ("train", "val", "test"):
            x, y = getattr(self, f"x_{split}"), getattr(self, f"y_{split}")
            if x.ndim != 4 or y.ndim != 1 or len(x) != len(y):
                raise ConfigError(
                    f"x_{split} must be (n, 1, 28, 28) and y_{split} (n,) with the same n, "
                    f"got {tuple(x.shape)} and {tuple(y.shape)}"
                )

    # Identity, as the dataclass's field-wise == would compare tensors element-wise.
    __eq__ = object.__eq__
    __hash__ = object.__hash__

    def __repr__(self) -> str:
        return (
            f"TensorSplits(train={len(self.x_train)}, val={len(self.x_val)}, "
            f"test={len(self.x_test)}, device={self.device!r})"
        )

    def subset(
        self, n_train: int, n_val: int | None = None, n_test: int | None = None
    ) -> TensorSplits:
        """The first examples of each split (views, no copy), for quick runs and tests.

        Args:
            n_train: Training examples to keep, 1 to ``len(x_train)``; a random sample,
                since the training split is in random order.
            n_val: Validation examples to keep; by default as many as keep the
                train:validation ratio (``n_train // 4`` for the 80/20 split), at least 1.
            n_test: Test examples to keep; by default ``n_val``.

        Returns:
            A smaller TensorSplits on the same device.
        """
        _check_count("n_train", n_train, len(self.x_train))
        if n_val is None:
            ratio = len(self.x_val) / len(self.x_train)
            n_val = min(max(1, round(n_train * ratio)), len(self.x_val))
        _check_count("n_val", n_val, len(self.x_val))
        n_test = min(n_val, len(self.x_test)) if n_test is None else n_test
        _check_count("n_test", n_test, len(self.x_test))
        return TensorSplits(
            self.x_train[:n_train], self.y_train[:n_train], self.x_val[:n_val],
            self.y_val[:n_val], self.x_test[:n_test], self.y_test[:n_test], self.device,
        )  # fmt: skip


def _check_count(name: str, n: object, available: int) -> None:
    if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= available:
        raise ConfigError(f"{name} must be an int in [1, {available}], got {n!r}")


def _to_tensors(
    arrays: tuple[np.ndarray, ...], seed: int, device: str, val_fraction: float
) -> TensorSplits:
    """Splits the training set by a seeded permutation and converts to tensors on ``device``."""
    import torch

    x_train, y_train, x_test, y_test = arrays
    order = np.random.default_rng(seed).permutation(len(x_train))
    n_val = round(len(x_train) * val_fraction)
    train, val = order[: len(order) - n_val], order[len(order) - n_val :]

    def images(x: np.ndarray) -> torch.Tensor:  # as ToTensor: uint8 / 255 in float32
        return torch.from_numpy(np.divide(x[:, None], 255, dtype=np.float32)).to(device)

    def labels(y: np.ndarray) -> torch.Tensor:
        return torch.from_numpy(np.ascontiguousarray(y)).to(device)

    return TensorSplits(
        images(x_train[train]), labels(y_train[train]), images(x_train[val]),
        labels(y_train[val]), images(x_test), labels(y_test), device,
    )  # fmt: skip
