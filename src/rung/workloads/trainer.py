"""Minibatch SGD on in-memory Fashion-MNIST tensors: rung's objective and the final run.

The seed notebook trained through a ``DataLoader`` over per-image tensors, rebuilt for
every trial; here the data set is loaded once per process
(:func:`rung.workloads.fashion_mnist.load_tensors`) and batches are index slices of its
tensors, in an order drawn per epoch from ``(seed, epoch)``: a resumed job draws the same
orders as an uninterrupted one, so it reaches exactly the same weights. Evaluation runs
in large batches under ``torch.inference_mode``. The SVM's fixed random features are
computed once per job for the whole data set, and only its linear head is trained, by
SGD steps whose gradients are taken in closed form (:mod:`rung.workloads._svm`).

* :class:`FashionMNISTObjective`: ``f(config, trial)`` for :func:`rung.tune`; trains epoch
  by epoch from ``trial.resource_from`` to ``trial.resource_to`` and reports the
  validation error (1 - accuracy) after every epoch, with a checkpoint to resume from;
  on request also the model's inference latency and size (:mod:`._latency`), the
  objectives and constraints of the seed's "accuracy vs inference speed".
* :func:`train_final`: trains one configuration for a number of epochs (from scratch, or
  on from a trial's checkpoint) and measures train, validation and test accuracy, as the
  seed did after every search.
"""

from __future__ import annotations

import logging
import math
import os
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import field
from numbers import Integral
from typing import Any

import torch
from torch import nn

from rung._frozen import frozen
from rung.errors import ConfigError
from rung.workloads import fashion_mnist
from rung.workloads._latency import MODEL_METRICS, inference_latency_ms, parameter_count
from rung.workloads._run import EVAL_BATCH_SIZE, _Run
from rung.workloads._trainer_args import (
    _check_eval_batch_size,
    _check_positive_int,
    _check_subset,
    _check_threads,
    resolve_device,
)
from rung.workloads.models import get_model

__all__ = [
    "EVAL_BATCH_SIZE",
    "FashionMNISTObjective",
    "FinalResult",
    "resolve_device",
    "train_final",
]

logger = logging.getLogger(__name__)


# --- The training loop -------------------------------------------------------------------


def _splits(
    data_dir: str | os.PathLike[str] | None,
    device: torch.device,
    subset: tuple[int, int | None] | None,
) -> fashion_mnist.TensorSplits:
    splits = fashion_mnist.load_tensors(data_dir, device=str(device))
    return splits if subset is None else splits.subset(*subset)


# --- rung's objective ------------------------------------------------------------------


class FashionMNISTObjective:
    """rung's iterative objective ``f(config, trial)`` for one of the seed's models.

    Each call is one job: it builds the model from ``config`` and ``trial.seed`` (or
    restores it from ``trial.checkpoint`` on a resumed trial), trains epochs
    ``trial.resource_from + 1 .. trial.resource_to`` by minibatch SGD and reports the
    validation error after each with a checkpoint ``{"model", "optimizer", "epoch",
    "diverged"}``. A resumed trial reaches exactly the weights of an uninterrupted one. If
    the loss becomes NaN or infinite, training stops and the job ends at once with an
    error of 1.0 reported at ``trial.resource_to`` (a diverged model trains no further).
    The data set is loaded on the first call in each process and kept. Instances are
    picklable (they hold only their arguments), for process-pool executors.

    Args:
        model: ``"softmax"``, ``"lenet"``, ``"sgd"`` or ``"svm"`` (see
            :mod:`rung.workloads.models`).
        data_dir: Where Fashion-MNIST is (see :func:`~rung.workloads.fashion_mnist.load_tensors`).
        device: ``"auto"`` (CUDA if available, else CPU), ``"cpu"`` or ``"cuda"``.
        threads: ``torch.set_num_threads(threads)`` at every call, if given.
        subset: ``n_train`` or ``(n_train, n_val)``: train and validate on the first
            images of each split only (quick runs, tests).
        eval_batch_size: Images per batch when evaluating (and computing the SVM's
            features); by default :data:`EVAL_BATCH_SIZE` of the device.
        metrics: Metrics to report beside the validation error, for runs with several
            objectives or constraints: ``"latency_ms"`` (inference milliseconds per image
            on the worker's device, the median of a few timed batches, measured once per
            job) and ``"params"`` (the model's parameters and buffers). With any, each
            report is ``{"val_error": ..., "latency_ms": ..., "params": ...}``.

    Raises:
        ConfigError: at construction, for an unknown model, metric or a bad argument
            (such as ``device="cuda"`` without CUDA); in a job (which then fails, the run
            going on), for a bad config value such as ``batch_size=0``.

    Example:
        >>> import rung
        >>> from rung.workloads.models import get_model
        >>> objective = FashionMNISTObjective("softmax", subset=5000)  # doctest: +SKIP
        >>> result = rung.tune(objective, get_model("softmax").default_space,
        ...                    scheduler="asha", max_resource=9, max_trials=20)  # doctest: +SKIP
    """

    def __init__(
        self,
        model: str,
        data_dir: str | os.PathLike[str] | None = None,
        device: str = "auto",
        threads: int | None = None,
        subset: int | tuple[int, int] | None = None,
        eval_batch_size: int | None = None,
        metrics: Sequence[str] = (),
    ) -> None:
        self.model = get_model(model).name
        self.data_dir = data_dir
        resolve_device(device)
        self.device = str(device)
        self.threads = _check_threads(threads)
        self.subset = _check_subset(subset)
        self.eval_batch_size = _check_eval_batch_size(eval_batch_size)
        unknown = [m for m in metrics if m not in MODEL_METRICS]
        if isinstance(metrics, str) or unknown:
            raise ConfigError(
                f"The 'metrics' parameter takes names among {list(MODEL_METRICS)}; got {metrics!r}."
            )
        self.metrics = tuple(metrics)

    def __repr__(self) -> str:
        return f"FashionMNISTObjective({self.model!r}, device={self.device!r})"

    def __call__(self, config: Mapping[str, Any], trial: Any) -> float | None:
        spec = get_model(self.model)
        resolved = spec.resolve(config)
        device = resolve_device(self.device)
        if self.threads is not None:
            torch.set_num_threads(self.threads)
        splits = _splits(self.data_dir, device, self.subset)
        run = _Run(spec, resolved, trial.seed, splits, device, self.eval_batch_size)
        extra = self._costs(run.model, splits.x_val)

        def value(error: float) -> float | dict[str, float]:
            return {"val_error": error, **extra} if extra else error

        start = trial.resource_from
        if trial.checkpoint is not None:
            run.restore(trial.checkpoint)
            if run.diverged:  # a promoted diverged trial: nothing left to train
                trial.report(trial.resource_to, value(1.0), checkpoint=trial.checkpoint)
                return None
            if run.epoch > start:
                raise RuntimeError(
                    f"The checkpoint is at epoch {run.epoch}, past the job's start {start}."
                )
        elif start > 0:
            logger.info(
                "trial %s resumes at epoch %d without a checkpoint: retraining",
                trial.trial_id,
                start,
            )
        while run.epoch < start:  # no checkpoint (or an older one): retrain, same result
            if not run.train_epoch():
                trial.report(trial.resource_to, value(1.0), checkpoint=run.checkpoint())
                return None
        for epoch in range(start + 1, trial.resource_to + 1):
            if not run.train_epoch():
                # Its error stays 1.0 whatever more it is given: reported at resource_to,
                # since a job that ends below resource_to fails.
                trial.report(trial.resource_to, value(1.0), checkpoint=run.checkpoint())
                return None
            error = 1.0 - run.accuracy("val")
            trial.report(epoch, value(error), checkpoint=run.checkpoint())
        return None

    def _costs(self, model: nn.Module, images: torch.Tensor) -> dict[str, float]:
        """The requested latency and size of ``model`` (its weights do not change them)."""
        costs: dict[str, float] = {}
        if "latency_ms" in self.metrics:
            costs["latency_ms"] = inference_latency_ms(model, images)
        if "params" in self.metrics:
            costs["params"] = float(parameter_count(model))
        return costs


# --- The final run -------------------------------------------------------------------------


@frozen
class FinalResult:
    """A configuration trained for good, as the seed did after every search.

    Attributes:
        model: The model's name.
        config: The configuration, with defaults filled in.
        epochs: Epochs trained (fewer than asked if training diverged).
        train_accuracy: Accuracy on the training split.
        val_accuracy: Accuracy on the validation split.
        test_accuracy: Accuracy on the test split.
        seconds: Wall time of training and evaluation.
        diverged: Whether the loss became NaN or infinite (training stopped there).
        module: The trained ``nn.Module`` (left out of ``==`` and ``repr``).
        from_epoch: The epoch of the checkpoint training started from (0: from scratch).
        latency_ms: Its inference milliseconds per image on the device it trained on
            (the median of a few timed batches).
        n_params: Its parameters and buffers.
    """

    model: str
    config: Mapping[str, Any]
    epochs: int
    train_accuracy: float
    val_accuracy: float
    test_accuracy: float
    seconds: float
    diverged: bool = False
    module: nn.Module | None = field(default=None, compare=False, repr=False)
    from_epoch: int = 0
    latency_ms: float = field(default=math.nan, compare=False)
    n_params: int = 0


#: ``on_epoch(epoch, epochs, val_error)``: called by :func:`train_final` after each epoch.
EpochCallback = Callable[[int, int, float], None]


def train_final(
    model: str,
    config: Mapping[str, Any],
    epochs: int,
    data_dir: str | os.PathLike[str] | None = None,
    device: str = "auto",
    seed: int = 0,
    threads: int | None = None,
    subset: int | tuple[int, int] | None = None,
    eval_batch_size: int | None = None,
    checkpoint: Mapping[str, Any] | None = None,
    on_epoch: EpochCallback | None = None,
) -> FinalResult:
    """Trains ``model`` with ``config`` for ``epochs`` and measures its accuracy.

    From scratch, or from a trial's checkpoint: the best trial of a search already holds
    the weights the search measured, so the final model can be those weights (a
    checkpoint at ``epochs``: evaluated, not trained) or continue from them, rather than
    a retraining from another seed that may land elsewhere.

    Args:
        model: ``"softmax"``, ``"lenet"``, ``"sgd"`` or ``"svm"``.
        config: Hyperparameters (e.g. ``result.best_config``); missing keys take defaults.
        epochs: Epochs to reach, >= 1.
        data_dir, device, threads, subset, eval_batch_size: As for
            :class:`FashionMNISTObjective` (``subset`` also cuts the test split to
            ``n_val`` images).
        seed: Seeds the initial weights and the batch order; with a ``checkpoint``, the
            trial's own seed (``trial.seed``) continues its batch order.
        checkpoint: A checkpoint :class:`FashionMNISTObjective` reported for this
            configuration (e.g. ``ExperimentStore.load_checkpoint(trial_id)``), at most
            ``epochs`` in: training continues from it.
        on_epoch: ``on_epoch(epoch, epochs, val_error)`` after each epoch trained (one
            more validation pass per epoch), for progress.

    Returns:
        The accuracies on the train, validation and test splits, and the trained module.

    Raises:
        ConfigError: an unknown model, a bad argument or config value, or a checkpoint
            past ``epochs``.
    """
    spec = get_model(model)
    resolved = spec.resolve(config)
    epochs = _check_positive_int("epochs", epochs)
    if isinstance(seed, bool) or not isinstance(seed, Integral) or seed < 0:
        raise ConfigError(f"The 'seed' parameter must be an int >= 0; got {seed!r}.")
    dev = resolve_device(device)
    threads = _check_threads(threads)
    if threads is not None:
        torch.set_num_threads(threads)
    started = time.perf_counter()
    splits = _splits(data_dir, dev, _check_subset(subset))
    eval_batch_size = _check_eval_batch_size(eval_batch_size)
    run = _Run(spec, resolved, int(seed), splits, dev, eval_batch_size, with_test=True)
    if checkpoint is not None:
        run.restore(checkpoint)
        if run.epoch > epochs:
            raise ConfigError(
                f"The checkpoint is at epoch {run.epoch}, past the 'epochs' parameter "
                f"({epochs}): train from scratch for fewer epochs, or ask for {run.epoch}."
            )
    from_epoch = run.epoch
    while run.epoch < epochs and not run.diverged and run.train_epoch():
        if on_epoch is not None:
            on_epoch(run.epoch, epochs, 1.0 - run.accuracy("val"))
    accuracy = {split: run.accuracy(split) for split in ("train", "val", "test")}
    if run.diverged:
        accuracy = dict.fromkeys(accuracy, math.nan)
    return FinalResult(
        model=spec.name,
        config=resolved,
        epochs=run.epoch,
        train_accuracy=accuracy["train"],
        val_accuracy=accuracy["val"],
        test_accuracy=accuracy["test"],
        seconds=time.perf_counter() - started,
        diverged=run.diverged,
        module=run.model,
        from_epoch=from_epoch,
        latency_ms=inference_latency_ms(run.model, splits.x_val),
        n_params=parameter_count(run.model),
    )
