"""Public examples' objectives, ported with nothing changed but imports, run by rung."""

from __future__ import annotations

import pytest

import rung
from tests.compat import ports


def test_sklearn_simple_conditional_classifier_with_bo() -> None:
    pytest.importorskip("sklearn")
    result = rung.tune(
        ports.classifier_choice, searcher="bo", direction="maximize", max_trials=16, seed=0
    )
    assert result.best_value > 0.9
    for trial in result.trials:  # only the parameters of the path taken
        expected = {
            "classifier",
            "svc_c" if trial.config["classifier"] == "SVC" else "rf_max_depth",
        }
        assert set(trial.config) == expected
    assert set(result.best_config) in ({"classifier", "svc_c"}, {"classifier", "rf_max_depth"})


def test_pruning_loop_under_asha_is_pruned_and_continued() -> None:
    pytest.importorskip("sklearn")
    result = rung.tune(
        ports.sgd_with_pruning,
        scheduler="asha",
        max_resource=27,
        min_resource=3,
        max_trials=27,
        seed=0,
    )
    assert not result.n_failed_jobs  # report(value, step) from step 0 works at every rung
    assert result.incumbent is not None and result.incumbent.resource == 27
    assert result.best_value < 0.2
    assert result.total_resource < 27 * 27 / 2  # paused trials did not train on


def test_pruning_loop_raising_optunas_own_exception() -> None:
    pytest.importorskip("sklearn")
    pytest.importorskip("optuna")
    result = rung.tune(
        ports.sgd_with_pruning,
        scheduler="asha",
        variant="stopping",
        max_resource=30,
        min_resource=3,
        max_trials=12,
        seed=1,
    )
    assert not result.n_failed_jobs


def test_pytorch_simple_layers_asked_in_a_loop(monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("torch")
    from rung.workloads.fashion_mnist import find_data_dir

    if find_data_dir() is None:
        pytest.skip("Fashion-MNIST is not on this machine")
    result = rung.tune(
        ports.torch_mlp,
        scheduler="asha",
        max_resource=ports.EPOCHS,
        eta=2,
        direction="maximize",
        max_trials=6,
        seed=0,
    )
    assert not result.n_failed_jobs
    for trial in result.trials:
        n = trial.config["n_layers"]
        layers = {k for k in trial.config if k.startswith(("n_units_l", "dropout_l"))}
        assert layers == {f"n_units_l{i}" for i in range(n)} | {f"dropout_l{i}" for i in range(n)}
    assert 0.0 <= result.best_value <= 1.0  # an accuracy (torch draws its own weights)


def test_ray_tune_asha_example() -> None:
    space = {"width": rung.uniform(0, 20), "height": rung.uniform(-100, 100)}
    result = rung.tune(
        ports.ray_style,
        space,
        scheduler="asha",
        max_resource=100,
        min_resource=10,
        max_trials=30,
        seed=0,
    )
    assert not result.n_failed_jobs
    assert result.incumbent is not None and result.incumbent.resource == 100
    assert result.best_value < -5


@pytest.mark.parametrize("scheduler", ["asha", "hyperband", "async_hyperband", "sh"])
def test_syne_tune_height_example_under_every_scheduler(scheduler: str) -> None:
    space = {
        "width": rung.uniform(0, 20),
        "height": rung.uniform(-100, 100),
        "activation": rung.choice(["relu", "tanh"]),
    }
    result = rung.tune(
        ports.height_curve, space, scheduler=scheduler, max_resource=27, max_trials=27, seed=0
    )
    assert not result.n_failed_jobs
    assert result.best_value < 0


def test_define_by_run_on_worker_processes() -> None:
    pytest.importorskip("sklearn")
    result = rung.tune(
        ports.sgd_with_pruning,
        scheduler="asha",
        max_resource=30,
        min_resource=3,
        max_trials=8,
        workers=2,
        seed=0,
    )
    assert not result.n_failed_jobs
    assert all(set(t.config) == {"alpha"} for t in result.trials)
