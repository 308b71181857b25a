import pytest

import rung
from rung.errors import ConfigError
from rung.run.factory import SchedulerName
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
        ({"scheduler": "fifo", "eta": 3}, "takes no eta"),
        ({"scheduler": "asha", "max_resource": 9, "eta": 1}, "'eta'.*>= 2; got 1"),
        ({"scheduler": "sh", "min_resource": 10, "max_resource": 9}, "'max_resource'.*got 9"),
    ],
)
def test_bad_arguments_get_errors_naming_them(kwargs, message):
    with pytest.raises(ConfigError, match=message):
        rung.tune(MF, MF.space, max_trials=5, **kwargs)


def test_maximization():
    result = rung.tune(lambda c: -((c["x"] - 2) ** 2), TOY.space, direction="max", max_trials=40)
    assert result.best_value > -0.5
