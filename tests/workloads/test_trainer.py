"""The trainer: rung's objective (resume, checkpoints, failures, rung.tune) and the final run.

Most tests train on small synthetic tensors put in place of Fashion-MNIST; the learning
tests use the real data when it is present (``$RUNG_DATA_DIR`` or ``../shared/data``).
"""

import io
import math
import os
import pickle
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")

import rung  # noqa: E402
from rung.errors import ConfigError  # noqa: E402
from rung.trial import Trial, is_iterative  # noqa: E402
from rung.types import JobStatus  # noqa: E402
from rung.workloads import fashion_mnist  # noqa: E402
from rung.workloads.models import get_model  # noqa: E402
from rung.workloads.trainer import (  # noqa: E402
    FashionMNISTObjective,
    FinalResult,
    train_final,
)

DATA = Path(
    os.environ.get("RUNG_DATA_DIR") or Path(__file__).resolve().parents[3] / "shared" / "data"
)
HAS_DATA = (DATA / "FashionMNIST" / "raw").is_dir() or any(DATA.glob("*idx3-ubyte*"))
needs_data = pytest.mark.skipif(
    not HAS_DATA, reason=f"Fashion-MNIST not found at {DATA} (set RUNG_DATA_DIR)"
)

# Small configs: few random features, batches that leave a partial last batch.
CONFIGS = {
    "softmax": {"learning_rate": 0.5, "batch_size": 50},
    "lenet": {"learning_rate": 0.9, "batch_size": 64},
    "sgd": {"learning_rate": 0.1, "batch_size": 50, "alpha": 1e-3, "l1_ratio": 0.5},
    "svm": {"learning_rate": 1.0, "batch_size": 50, "gamma": 0.01, "n_components": 128},
}


def synthetic_splits(n_train=300, n_val=100, n_test=50):
    """Images whose label is the argmax of a fixed linear map: learnable, and tiny."""
    g = torch.Generator().manual_seed(0)
    w = torch.randn(784, 10, generator=g)

    def split(n):
        x = torch.rand(n, 1, 28, 28, generator=g)
        return x, (x.flatten(1) @ w).argmax(1)

    return fashion_mnist.TensorSplits(*split(n_train), *split(n_val), *split(n_test), "cpu")


@pytest.fixture
def synthetic(monkeypatch):
    """Every load_tensors call returns the synthetic splits."""
    splits = synthetic_splits()
    monkeypatch.setattr(fashion_mnist, "load_tensors", lambda *args, **kwargs: splits)
    return splits


def run_job(objective, config, seed, start, stop, checkpoint=None):
    """One job as rung runs it: the Trial, the call, the control-flow end at ``stop``."""
    trial = Trial(0, seed, start, stop, checkpoint)
    try:
        objective(config, trial)
    except BaseException as end:  # the job's end is a BaseException by design
        if type(end).__name__ != "_ResourceReached":
            raise
    return trial


def assert_same_state(a, b):
    assert a.keys() == b.keys()
    for key in a:
        assert torch.equal(a[key], b[key]), key


@pytest.mark.parametrize("name", sorted(CONFIGS))
def test_resumed_training_equals_uninterrupted_training_exactly(synthetic, name):
    objective = FashionMNISTObjective(name, device="cpu")
    config = CONFIGS[name]
    first = run_job(objective, config, seed=11, start=0, stop=2)
    resumed = run_job(objective, config, seed=11, start=2, stop=3, checkpoint=first.checkpoint_out)
    straight = run_job(objective, config, seed=11, start=0, stop=3)
    assert [r.resource for r in first.reports + resumed.reports] == [1, 2, 3]
    assert [r.value for r in first.reports + resumed.reports] == [r.value for r in straight.reports]
    assert_same_state(resumed.checkpoint_out["model"], straight.checkpoint_out["model"])
    assert resumed.checkpoint_out["epoch"] == 3


def test_a_resumed_job_without_checkpoint_retrains_to_the_same_weights(synthetic):
    objective = FashionMNISTObjective("softmax", device="cpu")
    resumed = run_job(objective, CONFIGS["softmax"], seed=5, start=2, stop=3)
    straight = run_job(objective, CONFIGS["softmax"], seed=5, start=0, stop=3)
    assert [r.resource for r in resumed.reports] == [3]
    assert_same_state(resumed.checkpoint_out["model"], straight.checkpoint_out["model"])


def test_other_seed_other_training(synthetic):
    objective = FashionMNISTObjective("softmax", device="cpu")
    a = run_job(objective, CONFIGS["softmax"], seed=1, start=0, stop=1).checkpoint_out["model"]
    b = run_job(objective, CONFIGS["softmax"], seed=2, start=0, stop=1).checkpoint_out["model"]
    assert not torch.equal(a["linear.weight"], b["linear.weight"])


@pytest.mark.parametrize("name", ["lenet", "svm"])
def test_checkpoint_loads_with_weights_only_and_restores_the_model(synthetic, name):
    objective = FashionMNISTObjective(name, device="cpu")
    trial = run_job(objective, CONFIGS[name], seed=3, start=0, stop=1)
    buffer = io.BytesIO()
    torch.save(trial.checkpoint_out, buffer)
    buffer.seek(0)
    loaded = torch.load(buffer, weights_only=True)
    assert loaded["epoch"] == 1 and loaded["diverged"] is False
    assert_same_state(loaded["model"], trial.checkpoint_out["model"])
    model = get_model(name).build(CONFIGS[name], seed=3)
    model.load_state_dict(loaded["model"])  # strict: every key, nothing more
    if name == "svm":
        assert set(loaded["model"]) == {"head.weight", "head.bias"}  # features are redrawn


def test_reported_values_are_validation_errors(synthetic):
    objective = FashionMNISTObjective("softmax", device="cpu")
    trial = run_job(objective, CONFIGS["softmax"], seed=0, start=0, stop=3)
    model = get_model("softmax").build(CONFIGS["softmax"], seed=0)
    model.load_state_dict(trial.checkpoint_out["model"])
    with torch.no_grad():
        accuracy = (model(synthetic.x_val).argmax(1) == synthetic.y_val).float().mean().item()
    assert trial.reports[-1].value == pytest.approx(1 - accuracy)
    assert all(0 <= r.value <= 1 for r in trial.reports)


def test_diverged_training_reports_an_error_of_one_and_ends_the_job(synthetic):
    objective = FashionMNISTObjective("softmax", device="cpu")
    config = {"learning_rate": 1e38, "batch_size": 50}
    trial = run_job(objective, config, seed=0, start=0, stop=5)
    assert [(r.resource, r.value) for r in trial.reports] == [(5, 1.0)]  # at its rung
    assert trial.checkpoint_out["diverged"] is True and trial.checkpoint_out["epoch"] == 1
    again = run_job(objective, config, seed=0, start=5, stop=9, checkpoint=trial.checkpoint_out)
    assert [(r.resource, r.value) for r in again.reports] == [(9, 1.0)]


def test_a_diverged_trial_completes_its_jobs_with_an_error_of_one_under_asha(synthetic):
    objective = FashionMNISTObjective("softmax", device="cpu")
    space = {"learning_rate": rung.choice([1e38]), "batch_size": rung.choice([50])}
    result = rung.tune(
        objective, space, scheduler="asha", min_resource=1, max_resource=3, max_trials=3, seed=0
    )
    assert any(job.resource_from == 1 and job.resource_to == 3 for job in result.jobs)
    for job in result.jobs:  # diverged at epoch 1, never failed as short of its rung
        assert job.status is JobStatus.COMPLETED and job.value == 1.0
        assert job.reports[-1].resource == job.resource_to


def test_the_objective_runs_under_rung_tune_with_asha(synthetic):
    objective = FashionMNISTObjective("softmax", device="cpu")
    assert is_iterative(objective)
    space = get_model("softmax").default_space
    result = rung.tune(
        objective, space, scheduler="asha", min_resource=1, max_resource=2, max_trials=6, seed=0
    )
    assert result.n_trials == 6
    assert all(job.status is JobStatus.COMPLETED for job in result.jobs)
    promoted = [job for job in result.jobs if job.resource_from == 1]
    assert promoted and all(job.resource_to == 2 for job in promoted)  # resumed, not restarted
    assert 0 <= result.best_value < 0.9


def test_bad_config_values_fail_the_job_with_a_clear_message(synthetic):
    objective = FashionMNISTObjective("softmax", device="cpu")
    with pytest.raises(ConfigError, match=r"'batch_size' config value must be an int >= 1; got 0"):
        objective({"learning_rate": 0.1, "batch_size": 0}, Trial(0, 0, 0, 1))
    space = {"learning_rate": rung.loguniform(0.01, 0.1), "batch_size": 0}
    result = rung.tune(objective, space, max_resource=1, max_trials=1)
    (trial,) = result.trials
    assert trial.status.name == "FAILED"
    assert "'batch_size' config value must be an int >= 1; got 0" in trial.error


@pytest.mark.skipif(torch.cuda.is_available(), reason="CUDA is available here")
def test_cuda_without_cuda_is_a_clear_config_error():
    with pytest.raises(ConfigError, match="'device' parameter is 'cuda'.*CUDA is not available"):
        FashionMNISTObjective("lenet", device="cuda")
    with pytest.raises(ConfigError, match="CUDA is not available"):
        train_final("lenet", {}, 1, device="cuda")


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"model": "resnet"}, "'model'"),
        ({"device": "tpu"}, "'device'"),
        ({"threads": 0}, "'threads'"),
        ({"subset": (0, 10)}, "'subset'"),
        ({"eval_batch_size": 0}, "'eval_batch_size'"),
    ],
)
def test_bad_arguments_fail_at_construction(kwargs, message):
    with pytest.raises(ConfigError, match=message):
        FashionMNISTObjective(**{"model": "softmax", **kwargs})


def test_the_objective_pickles_and_sets_threads(synthetic):
    objective = pickle.loads(pickle.dumps(FashionMNISTObjective("sgd", device="cpu", threads=1)))
    before = torch.get_num_threads()
    try:
        trial = run_job(objective, CONFIGS["sgd"], seed=0, start=0, stop=1)
        assert torch.get_num_threads() == 1
    finally:
        torch.set_num_threads(before)
    assert len(trial.reports) == 1


def test_train_final_measures_every_split_and_returns_the_module(synthetic):
    final = train_final("softmax", CONFIGS["softmax"], 3, device="cpu", seed=0)
    assert isinstance(final, FinalResult) and final.epochs == 3 and not final.diverged
    assert final.config == get_model("softmax").resolve(CONFIGS["softmax"])
    for accuracy in (final.train_accuracy, final.val_accuracy, final.test_accuracy):
        assert 0.2 < accuracy <= 1  # chance is 0.1
    with torch.no_grad():
        test = (final.module(synthetic.x_test).argmax(1) == synthetic.y_test).float().mean()
    assert final.test_accuracy == pytest.approx(test.item())
    assert "module" not in repr(final)
    again = train_final("softmax", CONFIGS["softmax"], 3, device="cpu", seed=0)
    assert again.train_accuracy == final.train_accuracy  # same seed, same model
    assert_same_state(again.module.state_dict(), final.module.state_dict())


def test_train_final_stops_when_training_diverges(synthetic):
    final = train_final("softmax", {"learning_rate": 1e38, "batch_size": 50}, 4, device="cpu")
    assert final.diverged and final.epochs == 1 and math.isnan(final.test_accuracy)


@needs_data
@pytest.mark.parametrize(
    ("name", "config", "max_epochs"),
    [
        ("softmax", {}, 1),
        ("sgd", {}, 1),
        ("svm", {"gamma": 0.01, "learning_rate": 1.0, "batch_size": 64}, 1),
    ],
)
def test_each_linear_model_learns_on_real_data(name, config, max_epochs):
    objective = FashionMNISTObjective(name, data_dir=DATA, device="cpu", subset=(5000, 1000))
    target = 0.5
    checkpoint, errors = None, []
    for epoch in range(max_epochs):
        trial = run_job(objective, config, 0, epoch, epoch + 1, checkpoint=checkpoint)
        checkpoint, errors = trial.checkpoint_out, errors + [trial.reports[-1].value]
        if errors[-1] < target:
            break
    assert errors[-1] < target, errors


def test_lenets_loss_falls_within_a_few_steps():
    """Sigmoid LeNet takes many epochs of SGD to leave its plateau (see docs/benchmarks.md);
    that its gradients train it is checked in a few fixed-seed steps on one small batch of
    learnable synthetic images."""
    spec = get_model("lenet")
    config = spec.resolve({})
    splits = synthetic_splits()
    x, y = splits.x_train[:32], splits.y_train[:32]
    torch.manual_seed(0)
    model = spec.build(config, seed=0)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
    losses = []
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # tiny batches: threads only wait for each other
    try:
        for _ in range(40):
            loss = spec.loss(model, model(x), y, config, len(x))
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
    finally:
        torch.set_num_threads(threads)
    assert losses[-1] < 1.8 < math.log(10) < losses[0], losses  # below chance, and falling
    assert losses[-1] < losses[10]  # and still falling after the first drop
