"""The search space of each Fashion-MNIST model, and the seed notebook's own (no torch here:
``rung tune`` checks a run's space before it imports torch or loads the data).

:data:`DEFAULT_SPACES` are the spaces :mod:`rung.workloads.models` gives each model, and
``rung tune`` searches when no ``--space`` is given. :data:`NOTEBOOK_SPACES` are the seed
notebook's. They differ for LeNet only:
LeNet-5 as the notebook builds it (sigmoid activations, average pooling, plain SGD)
starts on a plateau at chance level and leaves it after a number of steps that depends
on the learning rate and the batch size. Measured on the full data
(``benchmarks/lenet_space.py``, docs/benchmarks.md): at learning rate 0.03 the validation
error is 0.90 after 3 epochs at every batch size from 32 to 256, at 0.1 and batch 256 too;
the notebook's log-uniform 1e-4..1 puts three quarters of its trials below 0.1, so a
search with rungs at 1 to 5 epochs mostly compares chance with chance and can keep a
chance-level winner. The default space searches where every configuration measured left
chance by epoch 2-3: learning rate 0.3..2 (log scale), batch size 32..96.
"""

from __future__ import annotations

from typing import Any

from rung.space import loguniform, randint, uniform

__all__ = ["DEFAULT_SPACES", "NOTEBOOK_SPACES", "default_space"]

#: The seed notebook's optimizer ranges: learning rate 1e-4..1 (log), batch size 32..511.
_NOTEBOOK_OPTIMIZER = {"learning_rate": loguniform(1e-4, 1.0), "batch_size": randint(32, 512)}

#: The seed notebook's spaces, model by model.
NOTEBOOK_SPACES: dict[str, dict[str, Any]] = {
    "softmax": {**_NOTEBOOK_OPTIMIZER},
    "lenet": {**_NOTEBOOK_OPTIMIZER},
    # alpha around SGDClassifier's 1e-4, five decades; any mix of L1 and L2.
    "sgd": {**_NOTEBOOK_OPTIMIZER, "alpha": loguniform(1e-6, 1e-1), "l1_ratio": uniform(0.0, 1.0)},
    # C two decades either side of 1; gamma from 1e-4 (nearly linear) to 1e-1 (a kernel
    # width under the typical image distance), around 1 / (784 Var x) ~ 1e-2.
    "svm": {**_NOTEBOOK_OPTIMIZER, "C": loguniform(1e-2, 1e2), "gamma": loguniform(1e-4, 1e-1)},
}

#: The space each model is searched over by default (see the module's docstring).
DEFAULT_SPACES: dict[str, dict[str, Any]] = {
    **NOTEBOOK_SPACES,
    "lenet": {"learning_rate": loguniform(0.3, 2.0), "batch_size": randint(32, 97)},
}


def default_space(model: str) -> dict[str, Any]:
    """A copy of ``model``'s default space.

    Raises:
        KeyError: ``model`` is not one of the four models.
    """
    return dict(DEFAULT_SPACES[model])
