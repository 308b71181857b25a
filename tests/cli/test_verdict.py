"""A run's outcome warns where a quiet success would mislead: chance level, an initial
configuration nobody beat, a retrained final model far from the search's value."""

from rung.cli.verdict import run_warnings
from rung.results.summary import read_result
from rung.run.factory import build_tuner
from rung.store import ExperimentStore

SPACE = {"learning_rate": __import__("rung").loguniform(1e-4, 1.0)}


def recorded(tmp_path, objective, scheduler="fifo", **extra):
    """A run recorded as ``rung tune --model`` records it, read back from its store."""
    tuner = build_tuner(
        objective,
        SPACE,
        scheduler=scheduler,
        max_resource=4,
        min_resource=None if scheduler == "fifo" else 1,
        seed=0,
        initial_config=extra.get("initial_config"),
        directory=tmp_path / "run",
        extra={"model": "lenet", "metric": "validation error", **extra},
    )
    tuner.run(max_trials=6)
    return read_result(tmp_path / "run")


def curve(final_error):
    def objective(config, trial):
        for epoch in range(trial.resource_from + 1, trial.resource_to + 1):
            trial.report(epoch, final_error(config) + 0.01 * (4 - epoch))

    return objective


def test_a_best_value_at_chance_level_is_a_warning(tmp_path):
    result = recorded(tmp_path, curve(lambda c: 0.895 + c["learning_rate"] * 1e-3), "asha")
    (warning,) = run_warnings(result)
    assert "is at chance level (0.9 for 10 classes)" in warning


def test_a_run_that_learned_has_no_warning(tmp_path):
    assert run_warnings(recorded(tmp_path, curve(lambda c: 0.2 - 0.1 * c["learning_rate"]))) == []


def test_runs_not_made_by_rung_tune_have_no_verdict(tmp_path):
    tuner = build_tuner(lambda c: 0.9, SPACE, seed=0, directory=tmp_path / "run")
    tuner.run(max_trials=3)
    assert run_warnings(read_result(tmp_path / "run")) == []


def test_an_initial_configuration_nobody_beat_is_a_warning(tmp_path):
    initial = {"learning_rate": 0.5}
    result = recorded(
        tmp_path, curve(lambda c: abs(c["learning_rate"] - 0.5)), initial_config=initial
    )
    assert result.best_config == initial
    (warning,) = run_warnings(result)
    assert "no trial beat the initial configuration" in warning


def test_a_retrained_final_model_far_from_the_search_is_a_warning(tmp_path):
    result = recorded(tmp_path, curve(lambda c: 0.15))
    final = {"config": dict(result.best_config), "epochs": 4, "train_accuracy": 0.8,
             "test_accuracy": 0.77, "seconds": 1.0, "trial_id": result.incumbent.trial_id,
             "search_value": result.best_value, "seed": 0}  # fmt: skip
    with ExperimentStore.open(tmp_path / "run") as store:
        store.set_final({**final, "source": "retrained", "val_accuracy": 0.78})
    (warning,) = run_warnings(read_result(tmp_path / "run"))
    assert "retrained final model (validation error 0.2200)" in warning and "0.15" in warning
    with ExperimentStore.open(tmp_path / "run") as store:  # its own weights: no warning
        store.set_final({**final, "source": "best trial", "val_accuracy": 0.78})
    assert run_warnings(read_result(tmp_path / "run")) == []


def test_at_chance_in_the_default_space_the_advice_is_more_epochs(tmp_path):
    from rung.space_file import space_to_spec
    from rung.workloads.spaces import default_space

    at_chance = curve(lambda c: 0.895 + c["learning_rate"] * 1e-3)
    (elsewhere,) = run_warnings(recorded(tmp_path / "a", at_chance, "asha"))
    assert "try the model's default space or more epochs" in elsewhere
    spec = space_to_spec(default_space("lenet"))
    (default,) = run_warnings(recorded(tmp_path / "b", at_chance, "asha", space_spec=spec))
    assert "try more epochs." in default and "default space" not in default


def sized(final_error):
    """A model of ``params`` that grow with the learning rate, reporting its error too."""

    def objective(config, trial):
        for epoch in range(trial.resource_from + 1, trial.resource_to + 1):
            error = final_error(config) + 0.01 * (4 - epoch)
            params = 1000.0 + 1000.0 * config["learning_rate"]
            trial.report(epoch, {"val_error": error, "params": params})

    return objective


def recorded_goals(tmp_path, objective, goals, **extra):
    """As ``rung tune --model --objectives ...`` records a run."""
    tuner = build_tuner(
        objective, SPACE, scheduler="fifo", max_resource=4, seed=0,
        initial_config=extra.get("initial_config"), directory=tmp_path / "run",
        extra={"model": "lenet", "metric": "validation error", **extra}, **goals,
    )  # fmt: skip
    tuner.run(max_trials=6)
    return read_result(tmp_path / "run")


def test_a_first_objective_other_than_the_error_is_not_judged_as_an_error(tmp_path):
    learned = sized(lambda c: 0.2 + 0.1 * c["learning_rate"])
    for n, goals in enumerate([{"objectives": "params:min,val_error:min"}, {"metric": "params"}]):
        result = recorded_goals(tmp_path / str(n), learned, goals)
        assert result.best_value > 1000  # the incumbent's value is its size
        assert run_warnings(result) == []
    at_chance = sized(lambda c: 0.895 + c["learning_rate"] * 1e-3)
    result = recorded_goals(tmp_path / "chance", at_chance, {"metric": "params"})
    (warning,) = run_warnings(result)
    assert warning.startswith("the best validation error, 0.89")


def test_an_initial_configuration_on_a_front_of_others_was_not_unbeaten(tmp_path):
    initial = {"learning_rate": 1e-4}  # the smallest model, and the worst error
    goals = {"objectives": "params:min,val_error:min"}
    result = recorded_goals(
        tmp_path, sized(lambda c: 0.5 - 0.2 * c["learning_rate"]), goals, initial_config=initial
    )
    assert result.best_config == initial and len(result.pareto_front) > 1
    assert run_warnings(result) == []
    alone = recorded_goals(tmp_path / "alone", sized(lambda c: 0.1), goals, initial_config=initial)
    assert [p.config for p in alone.pareto_front] == [initial]
    (warning,) = run_warnings(alone)
    assert warning.startswith("no trial beat the initial configuration (validation error 0.1000")


def test_at_chance_the_learning_rate_advice_follows_the_best_trials_rate(tmp_path):
    """Too low only where the best trial's rate is low in its range (or below what LeNet
    needs), too high where it is high, and nothing about the rate in between."""
    import math

    import rung
    from rung.space_file import space_to_spec

    space = {"learning_rate": rung.loguniform(0.01, 10.0)}

    def near(target):  # at chance, a little better the nearer the rate is to target
        return curve(lambda c: 0.895 + 1e-4 * abs(math.log(c["learning_rate"] / target)))

    for target, said in [(0.01, "too low"), (10.0, "too high"), (0.3, None)]:
        build_tuner(
            near(target),
            space,
            scheduler="fifo",
            max_resource=4,
            seed=0,
            directory=tmp_path / str(target),
            extra={"model": "lenet", "metric": "validation error",
                   "space_spec": space_to_spec(space)},
        ).run(max_trials=8)  # fmt: skip
        result = read_result(tmp_path / str(target))
        rate = result.best_config["learning_rate"]
        (warning,) = run_warnings(result)
        assert "is at chance level" in warning
        if said == "too low":
            assert rate < 0.1 and f"(the best trial's: {rate:.3g}) may be too low" in warning
        elif said == "too high":
            assert rate > 1.0 and f"(the best trial's: {rate:.3g}, in the high part" in warning
            assert "too low" not in warning
        else:  # the middle third of 0.01..10 (log scale): 0.1..1
            assert 0.1 < rate < 1.0 and "learning rate" not in warning.split(". ", 1)[1]


def test_a_final_model_retrained_for_fewer_epochs_than_the_search_is_no_warning(tmp_path):
    """--final-epochs below --max-epochs retrains from scratch for fewer epochs: its
    higher error is the epochs', not a seed's instability."""
    result = recorded(tmp_path, curve(lambda c: 0.15))
    final = {"config": dict(result.best_config), "train_accuracy": 0.7, "val_accuracy": 0.7,
             "test_accuracy": 0.7, "seconds": 1.0, "trial_id": result.incumbent.trial_id,
             "search_value": result.best_value, "seed": 0, "source": "retrained",
             "note": "--final-epochs 2 is below the 4 epochs trial 0 trained"}  # fmt: skip
    with ExperimentStore.open(tmp_path / "run") as store:
        store.set_final({**final, "epochs": 2})
    assert run_warnings(read_result(tmp_path / "run")) == []
    with ExperimentStore.open(tmp_path / "run") as store:  # as long as the search: warned
        store.set_final({**final, "epochs": 4})
    (warning,) = run_warnings(read_result(tmp_path / "run"))
    assert "retrained final model (validation error 0.3000)" in warning
