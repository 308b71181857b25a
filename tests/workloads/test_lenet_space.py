"""LeNet's default space is where it leaves chance level within the notebook's first rung
(5 epochs); the notebook's own space is mostly where it does not (full data: slow)."""

import os
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")

from rung.workloads import fashion_mnist  # noqa: E402
from rung.workloads._run import _Run  # noqa: E402
from rung.workloads.models import get_model  # noqa: E402
from rung.workloads.spaces import NOTEBOOK_SPACES  # noqa: E402

DATA = Path(
    os.environ.get("RUNG_DATA_DIR") or Path(__file__).resolve().parents[3] / "shared" / "data"
)
pytestmark = [
    pytest.mark.slow,  # LeNet epochs on the full data
    pytest.mark.skipif(
        not (DATA / "FashionMNIST" / "raw").is_dir(), reason=f"Fashion-MNIST not at {DATA}"
    ),
]
CHANCE = 0.9


def errors(learning_rate: float, batch_size: int, epochs: int, seed: int = 0) -> list[float]:
    spec = get_model("lenet")
    config = spec.resolve({"learning_rate": learning_rate, "batch_size": batch_size})
    splits = fashion_mnist.load_tensors(DATA)
    run = _Run(spec, config, seed, splits, torch.device("cpu"), None)
    values = []
    for _ in range(epochs):
        run.train_epoch()
        values.append(1 - run.accuracy("val"))
    return values


def test_the_default_spaces_slowest_corner_leaves_chance_within_five_epochs():
    space = get_model("lenet").default_space
    low_lr, high_batch = space["learning_rate"].low, space["batch_size"].high - 1
    assert min(errors(low_lr, high_batch, 5)) < 0.5


def test_the_notebooks_typical_configuration_stays_at_chance():
    space = NOTEBOOK_SPACES["lenet"]
    median_lr = (space["learning_rate"].low * space["learning_rate"].high) ** 0.5  # 0.01
    median_batch = (space["batch_size"].low + space["batch_size"].high) // 2  # 272
    assert min(errors(median_lr, median_batch, 5)) > CHANCE - 0.05
