"""The final model starts from the best trial's checkpoint (with its seed), else retrains
and says why; its epochs are shown as they go."""

import io

import rung
from rung.cli import final_model
from rung.cli.final_model import EpochPrinter, choose, describe
from rung.results.summary import read_result
from rung.run.factory import build_tuner
from rung.store import EventKind, ExperimentStore


def recorded(tmp_path, keep_checkpoints=True):
    def objective(config, trial):
        for epoch in range(trial.resource_from + 1, trial.resource_to + 1):
            value = (config["x"] - 0.3) ** 2 + 1 / epoch
            trial.report(epoch, value, checkpoint={"epoch": epoch, "x": config["x"]})

    tuner = build_tuner(
        objective,
        {"x": rung.uniform(0, 1)},
        scheduler="asha",
        min_resource=1,
        max_resource=9,
        seed=0,
        directory=tmp_path / "run",
        keep_checkpoints=keep_checkpoints,
    )
    tuner.run(max_trials=12)
    return read_result(tmp_path / "run")


def trial_seed(directory, trial_id):
    with ExperimentStore.open(directory, readonly=True) as store:
        return next(
            e.data["seed"]
            for e in store.events()
            if e.kind is EventKind.JOB_STARTED and e.trial_id == trial_id
        )


def test_the_best_trials_checkpoint_and_seed_are_the_start(tmp_path):
    result = recorded(tmp_path)
    best = result.incumbent.trial_id
    choice = choose(tmp_path / "run", best, 9, final_model.BEST_TRIAL, run_seed=0)
    assert choice.checkpoint == {"epoch": 9, "x": result.best_config["x"]}
    assert choice.from_epoch == 9 and choice.note is None
    assert choice.seed == trial_seed(tmp_path / "run", best) != 0
    later = choose(tmp_path / "run", best, 20, final_model.BEST_TRIAL, run_seed=0)
    assert later.checkpoint is not None and later.from_epoch == 9  # trained on to 20


def test_retraining_is_chosen_or_forced_and_says_why(tmp_path):
    result = recorded(tmp_path)
    best = result.incumbent.trial_id
    forced = choose(tmp_path / "run", best, 9, final_model.RETRAIN, run_seed=5)
    assert forced.checkpoint is None and forced.seed == 5 and forced.note is None
    fewer = choose(tmp_path / "run", best, 3, final_model.BEST_TRIAL, run_seed=5)
    assert fewer.checkpoint is None and "--final-epochs 3 is below the 9 epochs" in fewer.note
    for file in (tmp_path / "run" / "checkpoints").rglob("*"):  # lost since the run
        if file.is_file():
            file.write_bytes(b"damaged")
    lost = choose(tmp_path / "run", best, 9, final_model.BEST_TRIAL, run_seed=5)
    assert lost.checkpoint is None and "checkpoint is unusable" in lost.note


def test_describe_says_where_the_final_model_came_from():
    own = {"source": "best trial", "trial_id": 4, "from_epoch": 9, "epochs": 9}
    assert describe(own) == "  final model = the best trial's own weights (trial 4)"
    on = {**own, "epochs": 20}
    assert "trained on from epoch 9" in describe(on)
    retrained = {"source": "retrained", "seed": 0, "epochs": 9, "note": "why"}
    assert describe(retrained) == "  final model retrained from scratch with seed 0: why"
    assert describe({"epochs": 9}) is None  # recorded before the source was


class Clock:
    def __init__(self, times):
        self.times = iter(times)

    def __call__(self):
        return next(self.times)


def test_epoch_lines_without_a_terminal_are_rate_limited_but_the_last():
    stream = io.StringIO()
    printer = EpochPrinter(stream, min_interval=1.0, clock=Clock([0, 0.1, 0.5, 1.2, 1.5, 1.6]))
    for epoch in range(1, 6):
        printer(epoch, 5, 0.5 / epoch)
    printer.close()
    lines = stream.getvalue().splitlines()
    assert [line.split(",")[0] for line in lines] == [
        "final model: epoch 1/5",
        "final model: epoch 3/5",
        "final model: epoch 5/5",
    ]
    assert lines[-1].startswith("final model: epoch 5/5, validation error 0.1000")


class Terminal(io.StringIO):
    def isatty(self):
        return True


def test_on_a_terminal_the_line_is_rewritten_and_cut_to_its_width(monkeypatch):
    import os
    import shutil

    monkeypatch.setattr(shutil, "get_terminal_size", lambda fallback: os.terminal_size((30, 24)))
    stream = Terminal()
    printer = EpochPrinter(stream, min_interval=0.0, clock=Clock([0, 1, 2, 3]))
    printer(1, 3, 0.5)
    printer(2, 3, 0.4)
    printer.close()  # interrupted before the last epoch: the line is ended
    text = stream.getvalue()
    assert text.count("\r\033[K") == 2 and text.endswith("\n")
    for shown in text.split("\r\033[K")[1:]:
        assert len(shown.rstrip("\n")) <= 29


def test_announcement_names_the_trial_and_epochs(tmp_path):
    result = recorded(tmp_path)
    choice = choose(tmp_path / "run", result.incumbent.trial_id, 9, "best-trial", 0)
    text = final_model._announce(choice, result.incumbent.trial_id, 9)
    assert f"trial {result.incumbent.trial_id}, 9 epochs" in text and "own weights" in text


def test_the_search_value_set_against_a_retrained_model_is_its_validation_error(
    tmp_path, monkeypatch
):
    """With another metric tuned first (--objectives latency_ms:min), the record keeps the
    incumbent's validation error, so a retrained model as good is no warning."""
    from types import SimpleNamespace

    from rung.cli.verdict import run_warnings

    def objective(config, trial):
        for epoch in range(trial.resource_from + 1, trial.resource_to + 1):
            trial.report(epoch, {"val_error": 0.2 + config["x"] / 10, "latency_ms": config["x"]})

    tuner = build_tuner(
        objective, {"x": rung.uniform(0, 1)}, scheduler="fifo", max_resource=2, seed=0,
        metric="latency_ms", directory=tmp_path / "run",
        extra={"model": "lenet", "metric": "validation error"},
    )  # fmt: skip
    tuner.run(max_trials=4)
    result = read_result(tmp_path / "run")
    error = result.jobs[result.incumbent.job].reports[-1].metrics["val_error"]
    assert result.best_value < 0.1 < error  # the incumbent's value is its latency
    trained = SimpleNamespace(
        epochs=2, train_accuracy=0.8, val_accuracy=1 - error, test_accuracy=0.79, seconds=1.0
    )
    origin = {"source": "retrained", "trial_id": result.incumbent.trial_id, "seed": 0}
    monkeypatch.setattr(final_model, "train_trial", lambda *a, **k: (trained, origin))
    record = final_model.train({}, tmp_path / "run", result, quiet=True, subset=None)
    assert record["search_value"] == error
    assert run_warnings(read_result(tmp_path / "run")) == []
