"""The final model of a ``rung tune`` run: the best trial's own weights, or a retraining.

A search measures its best configuration on weights it trained; training the same
configuration again from another seed can land far from that value (LeNet at a high
learning rate: 84.7 % in the search, 78.0 % retrained). So by default
(``--final-model best-trial``) the final model *is* the best trial's model: its newest
checkpoint, read from the experiment's store, evaluated on the train, validation and
test splits, and trained on from there with the trial's own seed when ``--final-epochs``
asks for more epochs than the trial reached. Only when that checkpoint is gone (or
``--final-epochs`` asks for fewer epochs) is the configuration retrained from scratch,
and the summary says so; ``--final-model retrain`` always retrains, from the run's seed.
:func:`train_trial` is that one path for one trial: :func:`train` runs it for the best
trial, :func:`rung.cli.front_final.train_front` for each member of a Pareto front.

While it trains, the final model prints one line per epoch (``final model: epoch 3/20,
validation error 0.1432``), at most one a second (the last always), overwritten in place
on a terminal and cut to its width.
"""

from __future__ import annotations

import math
import shutil
import sys
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, TextIO

from rung.results._plural import counted

__all__ = [
    "BEST_TRIAL",
    "FROM_CHECKPOINT",
    "RETRAIN",
    "RETRAINED",
    "EpochPrinter",
    "FinalChoice",
    "choose",
    "train",
    "train_trial",
]

BEST_TRIAL = "best-trial"
RETRAIN = "retrain"

#: A final record's ``source``: the trial's own weights (its checkpoint), trained on if
#: asked, or a retraining from scratch.
FROM_CHECKPOINT = "best trial"
RETRAINED = "retrained"


class EpochPrinter:
    """``on_epoch`` for :func:`rung.workloads.trainer.train_final`: progress lines.

    Args:
        stream: Where to write (standard error by default).
        min_interval: Seconds between lines, but the last epoch's.
        clock: Seconds, monotonic.
        label: What each line starts with (which final model).
    """

    def __init__(
        self,
        stream: TextIO | None = None,
        min_interval: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
        label: str = "final model",
    ) -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.label = label
        self.min_interval = min_interval
        self._clock = clock
        self._last = -math.inf
        self._started = clock()
        self._tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self._open_line = False

    def __call__(self, epoch: int, epochs: int, val_error: float) -> None:
        now = self._clock()
        if epoch < epochs and now - self._last < self.min_interval:
            return
        self._last = now
        line = (
            f"{self.label}: epoch {epoch}/{epochs}, validation error {val_error:.4f}, "
            f"{now - self._started:.0f} s"
        )
        if self._tty:
            width = shutil.get_terminal_size((80, 24)).columns
            self.stream.write("\r\033[K" + line[: max(width - 1, 1)])
            self._open_line = epoch < epochs
            if not self._open_line:
                self.stream.write("\n")
        else:
            self.stream.write(line + "\n")
        self.stream.flush()

    def close(self) -> None:
        """Ends a line left open on a terminal."""
        if self._open_line:
            self.stream.write("\n")
            self.stream.flush()
            self._open_line = False


class FinalChoice:
    """What the final model starts from: a checkpoint (with the trial's seed) or nothing.

    Attributes:
        checkpoint: The best trial's checkpoint, or None to train from scratch.
        seed: The seed to train with (the trial's with a checkpoint, else the run's).
        from_epoch: The checkpoint's epoch (0 from scratch).
        note: Why a retraining was chosen, if it was (None otherwise).
    """

    def __init__(
        self, checkpoint: Any, seed: int, from_epoch: int, note: str | None = None
    ) -> None:
        self.checkpoint = checkpoint
        self.seed = seed
        self.from_epoch = from_epoch
        self.note = note


def _trial_seed(store: Any, trial_id: int) -> int | None:
    from rung.store import EventKind

    for event in store.events():
        if event.kind is EventKind.JOB_STARTED and event.trial_id == trial_id:
            return int(event.data["seed"])
    return None


def choose(directory: Path, trial_id: int, epochs: int, mode: str, run_seed: int) -> FinalChoice:
    """The final model's start for ``trial_id`` (the best trial, or a Pareto front's member)
    of the run in ``directory``.

    ``mode`` is :data:`BEST_TRIAL` or :data:`RETRAIN`; a best-trial start needs the
    trial's checkpoint (kept by the store for the incumbent and the front's members, or by
    ``--keep-checkpoints``) at no more than ``epochs``, else the note says why it retrains.
    The checkpoint is decoded by the store's safe codec: nothing in it runs.
    """
    from rung.errors import StoreError
    from rung.store import ExperimentStore

    if mode == RETRAIN:
        return FinalChoice(None, run_seed, 0)
    try:
        with ExperimentStore.open(directory, readonly=True) as store:
            checkpoint = store.load_checkpoint(trial_id)
            seed = _trial_seed(store, trial_id)
    except StoreError as err:  # a missing or damaged file: retrain, and say why
        return FinalChoice(None, run_seed, 0, f"trial {trial_id}'s checkpoint is unusable ({err})")
    if checkpoint is None or seed is None or not isinstance(checkpoint, Mapping):
        return FinalChoice(None, run_seed, 0, f"the store kept no checkpoint of trial {trial_id}")
    epoch = int(checkpoint.get("epoch", 0))
    if epoch > epochs:
        return FinalChoice(
            None,
            run_seed,
            0,
            f"--final-epochs {epochs} is below the {counted(epoch, 'epoch')} trial {trial_id} "
            "trained",
        )
    return FinalChoice(checkpoint, seed, epoch)


def final_epochs(settings: Mapping[str, Any]) -> int:
    """The epochs a final model reaches: ``--final-epochs``, else ``--max-epochs``."""
    return int(settings.get("final_epochs") or settings["max_epochs"])


def train_trial(
    settings: Mapping[str, Any],
    directory: Path,
    trial_id: int,
    config: Mapping[str, Any],
    *,
    quiet: bool,
    subset: Any,
    label: str = "final model",
    who: str = "the best trial",
) -> tuple[Any, dict[str, Any]]:
    """Trains trial ``trial_id``'s configuration for good: on from its checkpoint (with the
    trial's seed) when :func:`choose` finds a usable one, else from scratch.

    Args:
        settings: The run's recorded settings (``model``, ``max_epochs``,
            ``final_epochs``, ``final_model``, ``seed``, ``data_dir``, ``device``,
            ``threads``).
        directory: The run's experiment directory.
        trial_id: The trial whose weights are the start.
        config: Its configuration.
        quiet: No announcement and no epoch lines on standard error.
        subset: As for :func:`rung.workloads.trainer.train_final`.
        label: What the lines printed start with (which final model this is).
        who: The trial, as the announcement names it.

    Returns:
        The :class:`~rung.workloads.trainer.FinalResult`, and where it came from for the
        record: ``source`` (:data:`FROM_CHECKPOINT` or :data:`RETRAINED`), ``trial_id``,
        ``from_epoch``, ``seed``, and ``note`` when a checkpoint start was not possible.
    """
    from rung.workloads.trainer import train_final

    epochs = final_epochs(settings)
    mode = settings.get("final_model") or BEST_TRIAL
    choice = choose(directory, trial_id, epochs, mode, settings["seed"])
    if not quiet:
        print(_announce(choice, trial_id, epochs, label, who), file=sys.stderr)
    printer = None if quiet else EpochPrinter(label=label)
    try:
        final = train_final(
            settings["model"],
            config,
            epochs,
            data_dir=settings["data_dir"],
            device=settings["device"],
            seed=choice.seed,
            threads=settings["threads"],
            subset=subset,
            checkpoint=choice.checkpoint,
            on_epoch=printer,
        )
    finally:
        if printer is not None:
            printer.close()
    origin: dict[str, Any] = {
        "source": FROM_CHECKPOINT if choice.checkpoint is not None else RETRAINED,
        "trial_id": trial_id,
        "from_epoch": choice.from_epoch,
        "seed": choice.seed,
    }
    if choice.note is not None:
        origin["note"] = choice.note
    return final, origin


def train(
    settings: Mapping[str, Any],
    directory: Path,
    result: Any,
    quiet: bool,
    subset: Any,
) -> dict[str, Any]:
    """Makes the final model of the run in ``directory`` and records it (FINAL).

    Returns:
        What was recorded: the configuration, epochs, accuracies, seconds, and where the
        model came from (``source``: ``"best trial"`` or ``"retrained"``, ``trial_id``,
        ``from_epoch``, ``seed``, ``search_value``, and ``note`` when a best-trial start
        was not possible).
    """
    from rung.cli.verdict import incumbent_error
    from rung.store import ExperimentStore

    incumbent = result.incumbent
    final, origin = train_trial(
        settings, directory, incumbent.trial_id, incumbent.config, quiet=quiet, subset=subset
    )
    record = {
        "config": dict(incumbent.config),
        "epochs": final.epochs,
        "train_accuracy": final.train_accuracy,
        "val_accuracy": final.val_accuracy,
        "test_accuracy": final.test_accuracy,
        "seconds": final.seconds,
        **origin,
        # the verdict sets the retrained model's error against it: the search's error too
        "search_value": incumbent_error(result),
    }
    with ExperimentStore.open(directory) as store:
        store.set_final(record)
    return record


def _announce(
    choice: FinalChoice,
    trial_id: int,
    epochs: int,
    label: str = "final model",
    who: str = "the best trial",
) -> str:
    if choice.checkpoint is None:
        why = f" ({choice.note})" if choice.note else ""
        return (
            f"{label}: retraining {who}'s configuration (trial {trial_id}) from scratch for "
            f"{counted(epochs, 'epoch')}, seed {choice.seed}{why}"
        )
    if choice.from_epoch >= epochs:
        return (
            f"{label}: {who}'s own weights (trial {trial_id}, "
            f"{counted(choice.from_epoch, 'epoch')}, from its checkpoint), evaluated on the "
            "train, validation and test splits"
        )
    return (
        f"{label}: {who}'s weights (trial {trial_id}) trained on from its checkpoint at epoch "
        f"{choice.from_epoch} to {epochs}"
    )


def describe(final: Mapping[str, Any]) -> str | None:
    """One line saying where a recorded final model came from (None for older records).

    A final record marked ``current: False`` (``rung show`` and the run's summary mark
    it) is of a trial that is no longer the best: a run extended under ``--no-final``
    keeps the final model made before, and the line says whose it is.
    """
    source = final.get("source")
    if source is None:
        return None
    trial = final.get("trial_id")
    if final.get("current") is False:
        what = "trial" if trial is None else f"trial {trial}"
        made = "own weights" if source == FROM_CHECKPOINT else "configuration, retrained"
        return (
            f"  final model = {what}'s {made}, made before the run was extended: no longer "
            "the best trial's (`rung resume DIR` without --no-final makes the best trial's)"
        )
    if source == FROM_CHECKPOINT:
        start = int(final.get("from_epoch", 0))
        if start >= int(final["epochs"]):
            return f"  final model = the best trial's own weights (trial {trial})"
        return (
            f"  final model = the best trial's weights (trial {trial}) trained on from "
            f"epoch {start}"
        )
    note = f": {final['note']}" if final.get("note") else ""
    return f"  final model retrained from scratch with seed {final.get('seed')}{note}"
