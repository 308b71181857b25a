"""The Pareto front's final models start from their trials' checkpoints, as the single
objective's does, and retrain from scratch (saying why) when a checkpoint is unusable."""

from __future__ import annotations

import json
import shutil

import pytest

from rung.cli.front_final import train_front
from rung.cli.main import main
from rung.results.summary import read_result, spec_of
from rung.store import EventKind, ExperimentStore
from tests.cli.test_tune import DATA, needs_data

MAX_EPOCHS = 2


@pytest.fixture(scope="module")
def tuned(tmp_path_factory):
    """A real ``rung tune --model softmax`` run for two objectives, its front trained."""
    out = tmp_path_factory.mktemp("front") / "exp"
    argv = ["tune", "--model", "softmax", "--objectives", "val_error:min,latency_ms:min"]
    argv += ["--scheduler", "asha", "--min-epochs", "1", "--max-epochs", str(MAX_EPOCHS)]
    argv += ["--trials", "4", "--quick", "--seed", "1", "--threads", "1", "--quiet"]
    argv += ["--data-dir", str(DATA), "--device", "cpu", "--out", str(out)]
    assert main(argv) == 0
    return out


@pytest.fixture
def run(tuned, tmp_path):
    """A copy of the tuned run, to damage."""
    return shutil.copytree(tuned, tmp_path / "exp")


def settings_of(directory):
    """The run's settings as ``rung resume`` reads them back."""
    with ExperimentStore.open(directory, readonly=True) as store:
        spec = spec_of(store.started)
    return {**spec.extra, "seed": spec.seed}


def trial_seeds(directory):
    with ExperimentStore.open(directory, readonly=True) as store:
        return {
            e.trial_id: e.data["seed"] for e in store.events() if e.kind is EventKind.JOB_STARTED
        }


def checkpoint_file(directory, trial_id):
    files = list((directory / "checkpoints").glob(f"trial-{trial_id}-job-*.ckpt"))
    assert len(files) == 1, files
    return files[0]


@needs_data
def test_each_front_member_is_its_trials_own_weights(tuned, capsys):
    record = json.loads((tuned / "results.json").read_text())
    front = {p["trial_id"]: p for p in record["summary"]["pareto_front"]}
    finals = record["final"]["front"]
    seeds = trial_seeds(tuned)
    assert finals
    for model in finals:
        assert model["source"] == "best trial" and "note" not in model
        assert model["from_epoch"] == model["epochs"] == MAX_EPOCHS  # nothing trained again
        assert model["seed"] == seeds[model["trial_id"]]
        # the weights the search measured, not a retraining from the run's seed
        search_error = front[model["trial_id"]]["values"]["val_error"]
        assert model["val_accuracy"] == pytest.approx(1 - search_error, abs=1e-9)
    assert main(["show", str(tuned)]) == 0
    shown = capsys.readouterr().out
    for model in finals:
        assert (
            f"final model of trial {model['trial_id']} ({MAX_EPOCHS} epochs, the trial's own "
            "weights)" in shown
        )


@needs_data
@pytest.mark.parametrize("damage", ["delete", "corrupt"])
def test_a_member_without_a_usable_checkpoint_is_retrained_and_says_so(run, capsys, damage):
    result = read_result(run)
    lost = result.pareto_front[0].trial_id
    file = checkpoint_file(run, lost)
    if damage == "delete":
        file.unlink()
    else:
        file.write_bytes(b"not a checkpoint")
    settings = settings_of(run)
    final = train_front(settings, run, result, quiet=False)
    printed = capsys.readouterr().err
    models = {model["trial_id"]: model for model in final["front"]}
    retrained = models.pop(lost)
    assert retrained["source"] == "retrained" and retrained["from_epoch"] == 0
    assert retrained["seed"] == settings["seed"] and retrained["epochs"] == MAX_EPOCHS
    assert f"trial {lost}'s checkpoint is unusable" in retrained["note"]
    assert (
        f"retraining the front member's configuration (trial {lost}) from scratch for "
        f"{MAX_EPOCHS} epochs, seed {settings['seed']} (trial {lost}'s checkpoint is unusable"
    ) in printed
    for trial_id, model in models.items():  # the others still start from theirs
        assert model["source"] == "best trial" and model["from_epoch"] == MAX_EPOCHS
        assert f"the front member's own weights (trial {trial_id}, {MAX_EPOCHS} epochs" in printed
    with ExperimentStore.open(run) as store:
        store.set_final(final)
    assert main(["show", str(run)]) == 0
    shown = capsys.readouterr().out
    assert (
        f"final model of trial {lost} ({MAX_EPOCHS} epochs, retrained from scratch with seed "
        f"{settings['seed']})" in shown
    )
    assert f"    retrained because trial {lost}'s checkpoint is unusable" in shown


@needs_data
def test_more_final_epochs_train_on_from_the_checkpoint_and_retrain_forces_scratch(run, capsys):
    result = read_result(run)
    settings = {**settings_of(run), "final_epochs": MAX_EPOCHS + 1}
    final = train_front(settings, run, result, quiet=False)
    printed = capsys.readouterr().err
    assert final["epochs"] == MAX_EPOCHS + 1
    for model in final["front"]:
        assert model["source"] == "best trial"
        assert (model["from_epoch"], model["epochs"]) == (MAX_EPOCHS, MAX_EPOCHS + 1)
        assert (
            f"(trial {model['trial_id']}) trained on from its checkpoint at epoch {MAX_EPOCHS} "
            f"to {MAX_EPOCHS + 1}" in printed
        )
    assert f"of the Pareto front: epoch {MAX_EPOCHS + 1}/{MAX_EPOCHS + 1}" in printed
    forced = train_front({**settings, "final_model": "retrain"}, run, result, quiet=True)
    for model in forced["front"]:
        assert model["source"] == "retrained" and model["from_epoch"] == 0
        assert model["seed"] == settings["seed"] and "note" not in model
