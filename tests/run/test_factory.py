import pytest

import rung
from rung.errors import ConfigError
from rung.run.by_name import SchedulerName
from rung.types import TrialStatus
from rung.workloads.synthetic import BRANIN, TOY, MultiFidelity

MF = MultiFidelity(TOY, max_resource=9)


@pytest.mark.parametrize("scheduler", [s.value for s in SchedulerName if s.multi_fidelity])
@pytest.mark.parametrize("objective", ["function", "iterative"])
def test_every_multi_fidelity_scheduler_runs_both_objective_forms(scheduler, objective):
    fn = MF if objective == "function" else MF.iterative
    result = rung.tune(
        fn,
        MF.space,
        scheduler=scheduler,
        min_resource=1,
        max_resource=9,
        eta=3,
        max_trials=30,
        seed=0,
    )
    assert result.n_trials <= 30 and result.n_jobs >= result.n_trials
    assert result.best_value < 5.0
    assert max(j.resource_to for j in result.jobs) == 9
    assert any(t.status is TrialStatus.COMPLETED for t in result.trials)


def test_scheduler_names_accept_dashes_and_enums():
    a = rung.tune(MF, MF.space, scheduler="async-hyperband", max_resource=9, max_trials=10, seed=1)
    b = rung.tune(
        MF, MF.space, scheduler=SchedulerName.ASYNC_HYPERBAND, max_resource=9, max_trials=10, seed=1
    )
    assert [j.value for j in a.jobs] == [j.value for j in b.jobs]


def test_bo_on_fifo_finds_the_branin_basin():
    result = rung.tune(BRANIN, BRANIN.space, searcher="bo", max_trials=25, seed=0)
    assert result.best_value < 2.0


def test_same_seed_same_result_through_tune():
    runs = [
        rung.tune(
            MF.iterative,
            MF.space,
            searcher="bo",
            scheduler="asha",
            max_resource=9,
            eta=3,
            max_trials=12,
            seed=4,
            n_init=4,
        )
        for _ in range(2)
    ]
    assert [(j.trial_id, j.resource_to, j.value) for j in runs[0].jobs] == [
        (j.trial_id, j.resource_to, j.value) for j in runs[1].jobs
    ]


def test_scheduler_options_reach_the_scheduler():
    result = rung.tune(
        MF, MF.space, scheduler="sh", max_resource=9, eta=3, n_configs=3, max_trials=3
    )
    assert result.rung_counts() == {1: 3, 3: 1}


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"searcher": "grid"}, "'searcher'.*'random', 'bo'.*'grid'"),
        ({"scheduler": "pbt"}, "'scheduler'.*'pbt'"),
        ({"scheduler": "asha"}, "needs 'max_resource'"),
        ({"scheduler": "fifo", "eta": 3}, "'fifo' scheduler takes no 'eta' parameter; got eta=3"),
        ({"scheduler": "asha", "max_resource": 9, "eta": 1}, "'eta'.*>= 2; got 1"),
        ({"scheduler": "sh", "min_resource": 10, "max_resource": 9}, "'max_resource'.*got 9"),
        # no scheduler named: the default needs max_resource for these, not "fifo takes no"
        ({"min_resource": 2}, "min_resource sets up early stopping.*got min_resource=2 and no"),
        ({"eta": 2}, "eta sets up early stopping, which needs max_resource"),
    ],
)
def test_bad_arguments_get_errors_naming_them(kwargs, message):
    with pytest.raises(ConfigError, match=message):
        rung.tune(MF, MF.space, max_trials=5, **kwargs)


def test_maximization():
    result = rung.tune(lambda c: -((c["x"] - 2) ** 2), TOY.space, direction="max", max_trials=40)
    assert result.best_value > -0.5


# -- one rule for seeds, one default for eta, no catch-all keywords (issue: entry points) --


def configs(result):
    return [dict(j.config) for j in result.jobs]


def test_tune_and_a_hand_built_tuner_run_the_same_trials_for_the_same_seed():
    space = {"x": rung.uniform(-10, 10), "k": rung.randint(1, 9)}
    objective = lambda c: (c["x"] - 2) ** 2 + c["k"]  # noqa: E731
    by_name = rung.tune(objective, space, searcher="random", max_trials=8, seed=5)
    seeded = rung.Tuner(objective, rung.FIFO(rung.RandomSearcher(space, seed=5)), seed=5)
    unseeded = rung.Tuner(objective, rung.FIFO(rung.RandomSearcher(space)), seed=5)
    assert configs(seeded.run(max_trials=8)) == configs(by_name)
    assert configs(unseeded.run(max_trials=8)) == configs(by_name)
    other = rung.tune(objective, space, searcher="random", max_trials=8, seed=6)
    assert configs(other) != configs(by_name)


def test_a_searchers_own_seed_wins_over_the_tuners():
    space = {"x": rung.uniform(-10, 10)}
    own = rung.Tuner(lambda c: c["x"], rung.FIFO(rung.RandomSearcher(space, seed=1)), seed=5)
    assert configs(own.run(max_trials=4)) == configs(
        rung.tune(lambda c: c["x"], space, searcher="random", max_trials=4, seed=1)
    )


def test_async_hyperband_built_without_a_seed_takes_the_tuners():
    def hand_built(seed):
        searcher = rung.RandomSearcher(MF.space, seed=seed)
        scheduler = rung.AsyncHyperband(searcher, 1, 9, seed=seed, eager_promotion=True)
        return rung.Tuner(MF.iterative, scheduler, seed=seed).run(max_trials=15)

    by_name = rung.tune(
        MF.iterative,
        MF.space,
        searcher="random",
        scheduler="async_hyperband",
        max_resource=9,
        max_trials=15,
        seed=2,
    )
    assert [(j.trial_id, j.resource_to) for j in hand_built(2).jobs] == [
        (j.trial_id, j.resource_to) for j in by_name.jobs
    ]


@pytest.mark.parametrize("name", ["sh", "hyperband", "asha", "async_hyperband"])
def test_one_eta_default_everywhere(name):
    from rung.cli.main import build_parser
    from rung.schedulers.rungs import DEFAULT_ETA
    from rung.simulation.compare import compare, run_simulated

    assert DEFAULT_ETA == 3
    built = rung.run.by_name.make_scheduler(name, rung.RandomSearcher(MF.space), max_resource=27)
    classes = {
        "sh": rung.SuccessiveHalving,
        "hyperband": rung.Hyperband,
        "asha": rung.ASHA,
        "async_hyperband": rung.AsyncHyperband,
    }
    by_class = classes[name](rung.RandomSearcher(MF.space), 1, 27)
    assert built.eta == by_class.eta == DEFAULT_ETA
    from rung.cli.tune_options import settle_defaults

    tune_args = build_parser().parse_args(["tune", "--model", "softmax", "--trials", "1"])
    settle_defaults(tune_args)  # --eta has no parser default: given with fifo, it is refused
    assert tune_args.eta == DEFAULT_ETA
    import inspect

    for function in (run_simulated, compare):
        assert inspect.signature(function).parameters["eta"].default == DEFAULT_ETA
    from rung.cli.simulate import settle_rung_options

    simulate_args = build_parser().parse_args(["simulate", "--benchmark", "mfh3"])
    settle_rung_options(simulate_args, ["asha"])  # no parser default: refused with fifo alone
    assert simulate_args.eta == DEFAULT_ETA


def test_a_keyword_typo_names_the_closest_valid_keyword():
    with pytest.raises(
        TypeError, match="unexpected keyword argument 'time_budget'; did you mean 'time_budget_s'"
    ):
        rung.tune(lambda c: c["x"], {"x": rung.uniform(0, 1)}, time_budget=3)
    with pytest.raises(TypeError, match="'max_trial'; did you mean 'max_trials'"):
        rung.Tuner(lambda c: 0.0, rung.FIFO(rung.RandomSearcher({"x": rung.uniform(0, 1)}))).run(
            max_trial=3
        )


def test_the_entry_points_are_keyword_only():
    with pytest.raises(TypeError):
        rung.tune(lambda c: c["x"], {"x": rung.uniform(0, 1)}, "random")  # type: ignore[misc]
    tuner = rung.Tuner(lambda c: 0.0, rung.FIFO(rung.RandomSearcher({"x": rung.uniform(0, 1)})))
    with pytest.raises(TypeError):
        tuner.run(10)  # type: ignore[misc]


def test_an_option_of_another_scheduler_names_the_scheduler_that_takes_it():
    with pytest.raises(ConfigError, match="'asha' scheduler takes no 'max_brackets' parameter "):
        rung.tune(MF, MF.space, scheduler="asha", max_resource=9, max_brackets=2, max_trials=3)


def test_the_defaults_are_multi_fidelity_bo_with_a_resource_and_bo_without():
    from rung.schedulers.async_hyperband import AsyncHyperband
    from rung.searchers.gp import GPSearcher
    from rung.searchers.multi_fidelity import MultiFidelityGPSearcher

    with_resource = rung.run.factory.build_tuner(MF.iterative, MF.space, max_resource=9)
    assert type(with_resource.scheduler) is AsyncHyperband
    assert with_resource.scheduler.brackets[-1].rungs[0].eager
    assert type(with_resource.scheduler.searcher) is MultiFidelityGPSearcher
    without = rung.run.factory.build_tuner(lambda c: (c["x"] - 2) ** 2, MF.space)
    assert type(without.scheduler) is rung.FIFO
    assert type(without.scheduler.searcher) is GPSearcher
