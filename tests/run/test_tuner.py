import math

import numpy as np
import pytest

import rung
import rung.workloads.synthetic
from rung.errors import ConfigError, TrialFailed
from rung.executors.inline import InlineExecutor
from rung.run.tuner import Tuner
from rung.schedulers.fifo import FIFO
from rung.searchers.random import RandomSearcher
from rung.types import Decision, JobStatus, TrialStatus
from tests.fakes import FakeClock, TwoStepScheduler

SPACE = {"x": rung.uniform(-10, 10)}


def quadratic(config):
    return (config["x"] - 2) ** 2


def fifo(seed=0, max_resource=None):
    return FIFO(RandomSearcher(SPACE, seed=seed), max_resource=max_resource)


def test_function_objective_finds_the_quadratics_minimum():
    result = Tuner(quadratic, fifo()).run(max_trials=200)
    assert result.n_trials == 200
    assert result.best_value < 0.05
    assert result.best_value == min(job.value for job in result.jobs)
    assert abs(result.best_config["x"] - 2) < 0.25


def test_multi_fidelity_function_objective_gets_the_resource_in_its_config():
    seen = []

    def objective(config):
        seen.append(config["budget"])
        return quadratic(config) / config["budget"]

    scheduler = TwoStepScheduler(RandomSearcher(SPACE, seed=0))
    result = Tuner(objective, scheduler, resource_name="budget").run(max_trials=3)
    assert seen == [2, 5, 2, 5, 2, 5]
    assert all("budget" not in job.config for job in result.jobs)
    # f(config) retrains from scratch: the promotion to 5 costs 5, not 3.
    assert result.total_resource == 3 * (2 + 5)


def test_resource_name_colliding_with_a_parameter_is_refused():
    with pytest.raises(ConfigError, match="'x'"):
        Tuner(quadratic, fifo(), resource_name="x")


def test_iterative_objective_resumes_from_its_checkpoint():
    calls = []

    def train(config, trial):
        state = trial.checkpoint or {"epoch": 0, "loss": 10.0}
        assert state["epoch"] == trial.resource_from
        calls.append((trial.resource_from, trial.resource_to))
        for epoch in range(trial.resource_from + 1, 100):
            state = {"epoch": epoch, "loss": state["loss"] * 0.5}
            trial.report(epoch, state["loss"], checkpoint=state)
        raise AssertionError("report() must end the job at resource_to")

    scheduler = TwoStepScheduler(RandomSearcher(SPACE, seed=0))
    # calls are not kept paused: the trial goes on from its checkpoint
    executor = InlineExecutor(max_paused_calls=0)
    result = Tuner(train, scheduler, executor=executor).run(max_trials=2)
    assert calls == [(0, 2), (2, 5), (0, 2), (2, 5)]
    assert [job.status for job in result.jobs] == [JobStatus.COMPLETED] * 4
    assert result.trials[0].status is TrialStatus.COMPLETED
    assert [r.resource for r in result.trials[0].reports] == [1, 2, 3, 4, 5]
    assert result.best_value == pytest.approx(10 * 0.5**5)
    # A promotion costs only the extra epochs.
    assert result.total_resource == 2 * 5


def test_failing_objective_is_recorded_and_the_run_goes_on(caplog):
    def objective(config):
        if config["x"] > 0:
            raise RuntimeError("diverged")
        return quadratic(config)

    scheduler = fifo()
    result = Tuner(objective, scheduler, max_retries=0).run(max_jobs=20)
    failed = [j for j in result.jobs if j.status is JobStatus.FAILED]
    assert 0 < len(failed) < 20 and result.n_jobs == 20
    assert all("RuntimeError: diverged" in j.error for j in failed)
    assert all(math.isnan(j.value) for j in failed)
    assert all(result.trials[j.trial_id].status is TrialStatus.FAILED for j in failed)
    assert all(result.trials[j.trial_id].error for j in failed)
    assert math.isfinite(result.best_value) and result.best_config["x"] <= 0
    assert "diverged" in caplog.text
    # The searcher saw the failures as NaN.
    assert sum(math.isnan(o.value) for o in scheduler.searcher.observations) == len(failed)


def test_failed_jobs_count_toward_max_trials():
    def objective(config):
        if config["x"] > -9:
            raise ZeroDivisionError
        return 0.0

    result = Tuner(objective, fifo(), max_retries=0, seed=1).run(max_trials=6)
    assert result.n_trials == 6 and result.n_jobs == 6
    assert result.best_value == 0.0


def test_a_failed_job_is_retried_then_its_trial_fails():
    calls = []

    def objective(config):
        calls.append(config["x"])
        if len(calls) in (1, 2, 4):  # trial 0 fails twice, trial 1 once
            raise RuntimeError(f"flaky {len(calls)}")
        return quadratic(config)

    result = Tuner(objective, fifo(), max_retries=1).run(max_trials=3)
    statuses = [(j.trial_id, j.status) for j in result.jobs]
    assert statuses == [
        (0, JobStatus.FAILED),
        (0, JobStatus.FAILED),
        (1, JobStatus.COMPLETED),
        (2, JobStatus.FAILED),
        (2, JobStatus.COMPLETED),
    ]
    assert calls[0] == calls[1] and calls[3] == calls[4]  # the same trial ran again
    assert result.trials[0].status is TrialStatus.FAILED
    assert result.trials[2].status is TrialStatus.COMPLETED
    assert "flaky 2" in result.trials[0].error
    assert [j.decision for j in result.jobs][:2] == [None, Decision.COMPLETE]


def test_a_run_where_every_trial_fails_stops_early_with_the_first_traceback():
    calls = []

    def objective(config):
        calls.append(1)
        raise KeyError("no such column")

    with pytest.raises(TrialFailed, match="(?s)all failed.*Traceback.*KeyError: 'no such column'"):
        Tuner(objective, fifo()).run(max_trials=1000)
    assert len(calls) == 2 * 4  # four trials (3 + one worker), each retried once


def test_non_finite_values_rank_last_and_are_warned_about_once(caplog):
    values = iter([float("inf"), 1.0, float("nan"), 2.0, float("inf")])
    result = Tuner(lambda c: next(values), fifo(), direction="max").run(max_trials=5)
    assert result.best_value == 2.0
    assert [j.status for j in result.jobs] == [JobStatus.COMPLETED] * 5
    assert caplog.text.count("ranked last") == 1


def test_objective_returning_a_non_number_fails_with_a_clear_message():
    result = Tuner(lambda c: "low", fifo()).run(max_jobs=1)
    assert result.jobs[0].status is JobStatus.FAILED
    assert "must return a real number or a mapping of metric names to numbers; got 'low'" in (
        result.jobs[0].error
    )


def test_iterative_objective_that_never_reports_fails():
    result = Tuner(lambda c, trial: None, fifo(max_resource=3)).run(max_jobs=1)
    assert "without calling trial.report" in result.jobs[0].error


def test_iterative_objective_may_return_its_value_instead_of_reporting():
    result = Tuner(lambda c, trial: 0.25, fifo(max_resource=3)).run(max_jobs=1)
    assert result.best_value == 0.25


def test_non_increasing_report_fails_the_job_naming_the_argument():
    def objective(config, trial):
        trial.report(1, 0.5)
        trial.report(1, 0.4)

    result = Tuner(objective, fifo(max_resource=3)).run(max_jobs=1)
    assert "'resource' must increase" in result.jobs[0].error


def test_maximization_flips_the_scheduler_values_but_not_the_records():
    scheduler = TwoStepScheduler(RandomSearcher(SPACE, seed=0))
    result = Tuner(lambda c: c["x"], scheduler, direction="max").run(max_trials=10)
    assert result.best_value == max(j.value for j in result.jobs)
    assert all(v == -job.config["x"] for job, v in scheduler.results)


def test_bad_direction_is_refused():
    with pytest.raises(ValueError, match="'direction'.*'up'"):
        Tuner(quadratic, fifo(), direction="up")


def test_same_seed_same_run():
    def objective(config, trial):
        noise = np.random.default_rng(trial.seed).normal()
        trial.report(1, quadratic(config) + noise)

    def run(seed):
        result = Tuner(objective, fifo(seed=seed, max_resource=1), seed=seed).run(max_trials=15)
        return [(j.trial_id, dict(j.config), j.value) for j in result.jobs]

    assert run(3) == run(3)
    assert run(3) != run(4)


def test_trial_seed_is_stable_across_a_trials_jobs_and_differs_between_trials():
    seeds = {}

    def objective(config, trial):
        seeds.setdefault(trial.trial_id, set()).add(trial.seed)
        trial.report(trial.resource_to, 0.0)

    Tuner(objective, TwoStepScheduler(RandomSearcher(SPACE, seed=0)), seed=1).run(max_trials=3)
    assert all(len(s) == 1 for s in seeds.values())
    assert len({next(iter(s)) for s in seeds.values()}) == 3


@pytest.mark.parametrize(
    ("limits", "message"),
    [
        ({}, "needs a budget"),
        ({"max_trials": 0}, "'max_trials'.*>= 1 or None; got 0"),
        ({"max_jobs": -1}, "'max_jobs'.*got -1"),
        ({"time_budget_s": math.nan}, "'time_budget_s'"),
    ],
)
def test_bad_budgets_are_refused(limits, message):
    with pytest.raises(ConfigError, match=message):
        Tuner(quadratic, fifo()).run(**limits)


def test_budget_of_wrong_type_is_refused():
    with pytest.raises(TypeError, match="'max_trials'.*'5'"):
        Tuner(quadratic, fifo()).run(max_trials="5")


def test_time_budget_stops_dispatch_and_interrupts_iterative_jobs_at_a_report():
    clock = FakeClock()

    def train(config, trial):
        for epoch in range(trial.resource_from + 1, trial.resource_to + 1):
            clock.advance(1.0)
            trial.report(epoch, 1.0 / epoch, checkpoint={"epoch": epoch})

    scheduler = TwoStepScheduler(RandomSearcher(SPACE, seed=0), first=2, second=5)
    result = Tuner(train, scheduler, clock=clock).run(time_budget_s=5.5)
    # trial 0: 0->2 (t=2), 2->5 (t=5); trial 1 starts at t=5 and is cut at its report at t=6.
    assert [(j.trial_id, j.status) for j in result.jobs] == [
        (0, JobStatus.COMPLETED),
        (0, JobStatus.COMPLETED),
        (1, JobStatus.INTERRUPTED),
    ]
    assert result.jobs[-1].decision is None
    assert result.trials[1].status is TrialStatus.PAUSED
    assert result.trials[1].resource == 1
    assert result.wall_time == 6.0
    # An interrupted job's partial value is not the incumbent's (it ended below its rung).
    assert result.best_value == pytest.approx(0.2)


class Recorder(rung.Callback):
    """Writes down every hook it hears."""

    def __init__(self):
        self.heard = []

    def on_run_start(self, run):
        self.heard.append(("start", run.n_trials, run.n_jobs))

    def on_job_end(self, job, run):
        self.heard.append(("job", job.index, run.best_value, run.n_jobs))

    def on_run_end(self, result):
        self.heard.append(("end", result.n_jobs))


def test_callbacks_hear_the_start_every_job_with_the_best_value_and_the_end():
    recorder = Recorder()
    result = Tuner(quadratic, fifo(), callbacks=[recorder]).run(max_jobs=5)
    assert recorder.heard[0] == ("start", 0, 0) and recorder.heard[-1] == ("end", 5)
    jobs = recorder.heard[1:-1]
    assert [h[1] for h in jobs] == [0, 1, 2, 3, 4] and [h[3] for h in jobs] == [1, 2, 3, 4, 5]
    bests = [h[2] for h in jobs]
    assert bests == sorted(bests, reverse=True) and bests[-1] == result.best_value


def test_a_plain_function_is_not_a_callback():
    with pytest.raises(TypeError, match="rung.Callback instances"):
        Tuner(quadratic, fifo(), callbacks=[lambda job, best: None])


def test_resume_without_a_directory_is_refused_rather_than_starting_afresh():
    with pytest.raises(rung.ConfigError, match="'resume' .* no directory"):
        Tuner(quadratic, fifo()).run(max_trials=2, resume=True)
    assert Tuner(quadratic, fifo()).run(max_trials=2, resume="auto").n_trials == 2


def test_extra_settings_that_are_not_a_dict_are_refused_by_name():
    with pytest.raises(rung.ConfigTypeError, match="'extra' parameter of Tuner must be a dict"):
        Tuner(quadratic, fifo(), extra=[("model", "lenet")])


def test_one_callback_outside_a_list_is_refused_by_name():
    with pytest.raises(rung.ConfigTypeError, match=r"'callbacks' .* callbacks=\[\.\.\.\]"):
        Tuner(quadratic, fifo(), callbacks=rung.Callback())


def test_a_callback_stops_the_run_and_everything_is_kept(tmp_path):
    class StopAtThree(rung.Callback):
        def on_job_end(self, job, run):
            if run.n_jobs == 3:
                run.stop("three jobs are enough")

    tuner = Tuner(quadratic, fifo(), callbacks=[StopAtThree()], directory=tmp_path)
    result = tuner.run(max_trials=50)
    assert result.n_jobs == 3 and result.stop_reason == "three jobs are enough"
    recorded = rung.read_result(tmp_path)
    assert recorded.n_jobs == 3 and recorded.finished
    assert recorded.stop_reason == "three jobs are enough"
    assert recorded.best_value == result.best_value


def test_trajectory_is_monotone_and_matches_jobs():
    result = Tuner(quadratic, fifo()).run(max_jobs=30)
    best = [p.best_value for p in result.trajectory]
    assert best == list(np.minimum.accumulate([j.value for j in result.jobs]))
    assert [p.resource for p in result.trajectory] == list(range(1, 31))


def test_decisions_are_recorded_per_job():
    result = Tuner(quadratic, TwoStepScheduler(RandomSearcher(SPACE, seed=0))).run(max_trials=1)
    assert [j.decision for j in result.jobs] == [Decision.PAUSE, Decision.COMPLETE]


def test_schedule_exhaustion_ends_the_run():
    scheduler = FIFO(RandomSearcher({"k": rung.choice([1, 2, 3])}, seed=0))
    result = Tuner(lambda c: c["k"], scheduler).run(max_trials=100)
    assert result.n_trials == 3 and result.best_value == 1


def test_to_dataframe_has_a_row_per_job():
    pd = pytest.importorskip("pandas")
    result = Tuner(quadratic, fifo()).run(max_jobs=4)
    frame = result.to_dataframe()
    assert isinstance(frame, pd.DataFrame) and len(frame) == 4
    assert {"trial_id", "x", "value", "status", "resource_to"} <= set(frame.columns)
    with pytest.raises(ValueError, match="'kind'"):
        result.to_dataframe("rungs")


@pytest.mark.parametrize("scheduler", ["sh", "hyperband"])
def test_trials_left_out_at_a_synchronous_barrier_end_stopped_not_paused(scheduler):
    from rung.workloads.synthetic import MultiFidelity

    mf = MultiFidelity(rung.workloads.synthetic.TOY, max_resource=9)
    result = rung.tune(
        mf.iterative, mf.space, scheduler=scheduler, max_resource=9, eta=3, max_trials=12, seed=0
    )
    statuses = {t.status for t in result.trials}
    assert TrialStatus.PAUSED not in statuses
    assert TrialStatus.STOPPED in statuses and TrialStatus.COMPLETED in statuses


def test_asynchronous_trials_may_stay_paused():
    from rung.workloads.synthetic import MultiFidelity

    mf = MultiFidelity(rung.workloads.synthetic.TOY, max_resource=9)
    result = rung.tune(
        mf.iterative, mf.space, scheduler="asha", max_resource=9, eta=3, max_trials=12, seed=0
    )
    assert TrialStatus.PAUSED in {t.status for t in result.trials}


def test_a_callback_with_on_report_hears_running_jobs_without_a_store():
    class Listener(rung.Callback):
        def __init__(self):
            self.heard, self.finished, self.ended_with = [], [], []

        def on_job_end(self, record, run):
            self.finished.append(record.trial_id)
            self.ended_with.append((record.trial_id, [r.resource for r in record.reports]))

        def on_report(self, job, report):
            assert job.trial_id not in self.finished  # before the job's end
            self.heard.append((job.trial_id, report.resource))

    def epochs(config, trial):
        for epoch in range(trial.resource_from + 1, trial.resource_to + 1):
            trial.report(epoch, config["x"] / epoch)

    listener = Listener()
    scheduler = rung.FIFO(rung.RandomSearcher({"x": rung.uniform(0, 1)}, seed=0), max_resource=3)
    rung.Tuner(epochs, scheduler, callbacks=[listener]).run(max_trials=2)
    # The report that ends a job (at its resource_to, 3) comes with the job's end only,
    # among all the job's reports, as the hooks' docstrings say.
    assert listener.heard == [(0, 1), (0, 2), (1, 1), (1, 2)]
    assert listener.finished == [0, 1]
    assert listener.ended_with == [(0, [1, 2, 3]), (1, [1, 2, 3])]


def test_a_second_run_continues_the_run_to_its_new_limits(tmp_path):
    """The bug: a second Tuner.run() silently returned an empty Result."""
    for directory in (None, tmp_path / "run"):
        tuner = Tuner(quadratic, fifo(), directory=directory)
        first = tuner.run(max_trials=5)
        second = tuner.run(max_trials=12)
        assert first.n_trials == 5 and second.n_trials == 12
        assert [j.trial_id for j in second.jobs[:5]] == [j.trial_id for j in first.jobs]
        assert second.best_value <= first.best_value
        same = tuner.run(max_trials=12)  # nothing more to run: the whole run, not an empty one
        assert same.n_trials == 12 and same.n_jobs == second.n_jobs
        if directory is not None:
            assert rung.read_result(directory).n_jobs == 12


@pytest.mark.parametrize("how", ["second run", "second run in memory", "resume"])
def test_a_continued_run_keeps_the_limits_it_is_not_given(tmp_path, how):
    """A second run() dropped the limits it was not given (run(max_trials=3) then
    run(max_jobs=20) started 20 trials) while resume() kept the recorded ones: both keep
    them now, and replace the ones given."""
    directory = None if how == "second run in memory" else tmp_path / "run"
    tuner = Tuner(quadratic, fifo(), directory=directory)
    assert tuner.run(max_trials=3).n_trials == 3

    def go_on(**limits):
        if how == "resume":
            return Tuner(quadratic, fifo()).resume(directory, **limits)
        return tuner.run(**limits)

    kept = go_on(max_jobs=20)  # max_trials=3 holds: nothing to run
    assert (kept.n_trials, kept.n_jobs) == (3, 3)
    more = go_on(max_trials=8)  # max_jobs=20 holds, and the larger max_trials replaces 3
    assert (more.n_trials, more.n_jobs) == (8, 8)
    capped = go_on(max_trials=50)  # the job limit given before still ends it
    assert (capped.n_trials, capped.n_jobs) == (20, 20)
    if directory is not None:
        assert rung.read_result(directory).n_trials == 20


@pytest.mark.parametrize("recorded", [False, True], ids=["in memory", "recorded"])
def test_a_second_run_after_ctrl_c_runs_the_job_it_cut_short(tmp_path, recorded):
    """Without a directory, the job a Ctrl-C cut short was lost: a second run() finished
    with its trial RUNNING and one job fewer. A second run() without limits goes on to
    the first call's."""
    calls = []

    def objective(config):
        calls.append(config)
        if len(calls) == 3:
            raise KeyboardInterrupt
        return quadratic(config)

    tuner = Tuner(objective, fifo(), directory=tmp_path / "run" if recorded else None)
    with pytest.raises(KeyboardInterrupt):
        tuner.run(max_trials=5)
    result = tuner.run()
    assert result.finished and (result.n_trials, result.n_jobs) == (5, 5)
    assert {t.status for t in result.trials} == {TrialStatus.COMPLETED}
    assert result.jobs[2].config == calls[2]  # the cut job, run again


def test_a_resource_budget_stops_starting_jobs_once_spent():
    from rung.workloads.synthetic import TOY, MultiFidelity

    mf = MultiFidelity(TOY, max_resource=9)
    result = rung.tune(mf.iterative, mf.space, scheduler="asha", max_resource=9, resource_budget=60)
    assert 60 <= result.total_resource < 60 + 9  # the last job started before it was spent
    before_last = result.trajectory[-2].resource
    assert before_last < 60


class Counter(rung.Callback):
    def __init__(self):
        self.ends = 0

    def on_run_end(self, result):
        self.ends += 1


def test_several_metrics_are_recorded_and_one_is_tuned(tmp_path):
    def train(config, trial):
        for epoch in range(trial.resource_from + 1, trial.resource_to + 1):
            loss = (config["x"] - 0.3) ** 2 + 1 / epoch
            trial.report(epoch, {"val_loss": loss, "accuracy": 1 - loss, "epoch_time": 0.1})

    result = rung.tune(
        train,
        {"x": rung.uniform(0, 1)},
        scheduler="asha",
        max_resource=9,
        metric="val_loss",
        max_trials=15,
        directory=tmp_path,
    )
    full = [j for j in result.jobs if j.reached == 9]
    assert result.best_value == min(j.value for j in full)
    report = result.trials[result.best_trial_id].reports[-1]
    assert report.metrics["val_loss"] == report.value
    assert report.metrics["accuracy"] == pytest.approx(1 - report.value)
    recorded = rung.read_result(tmp_path)
    assert recorded.trials[result.best_trial_id].reports[-1].metrics == report.metrics
    from rung.results.report import format_summary, summary_dict

    text = format_summary(recorded)
    assert "its metrics: val_loss=" in text and "accuracy=" in text
    assert summary_dict(recorded)["best"]["metrics"]["epoch_time"] == 0.1


def test_a_function_may_return_several_metrics():
    result = rung.tune(
        lambda c: {"loss": (c["x"] - 2) ** 2, "size": c["x"]},
        {"x": rung.uniform(-5, 5)},
        metric="loss",
        max_trials=10,
    )
    job = result.jobs[0]
    assert job.reports[0].metrics == {"loss": job.value, "size": job.config["x"]}


def test_several_metrics_without_a_metric_name_fail_with_a_clear_reason():
    with pytest.raises(rung.TrialFailed, match=r"several metrics \['a', 'b'\]; tell the tuner"):
        rung.tune(lambda c: {"a": 1.0, "b": 2.0}, {"x": rung.uniform(0, 1)}, max_trials=10)
    with pytest.raises(rung.TrialFailed, match="'loss' is not among the metrics reported"):
        rung.tune(lambda c: {"a": 1.0}, {"x": rung.uniform(0, 1)}, metric="loss", max_trials=9)
    one = rung.tune(lambda c: {"a": c["x"]}, {"x": rung.uniform(0, 1)}, max_trials=3)
    assert one.best_value == min(j.value for j in one.jobs)  # one metric needs no name


def test_a_directory_another_process_drives_is_refused_by_every_python_entry_point(tmp_path):
    # A command holds the directory from its run through its final model and results
    # files, when its store is closed: a Python run meanwhile wrote beside it.
    from rung.errors import StoreError
    from rung.store import ExperimentStore
    from tests.store.records import Driver

    def recorded():
        with ExperimentStore.open(tmp_path, readonly=True) as store:
            return len(list(store.events()))

    Tuner(quadratic, fifo(), directory=tmp_path).run(max_trials=2)
    events = recorded()
    holder = Driver(tmp_path)
    try:
        attempts = [
            lambda: Tuner(quadratic, fifo(), directory=tmp_path).run(max_trials=3),
            lambda: Tuner(quadratic, fifo(), directory=tmp_path).run(max_trials=3, resume="auto"),
            lambda: Tuner(quadratic, fifo(), directory=tmp_path).run(max_trials=3, resume=True),
            lambda: Tuner(quadratic, fifo()).resume(tmp_path, max_trials=3),
            lambda: rung.tune(quadratic, SPACE, directory=tmp_path, max_trials=3, resume="auto"),
        ]
        for attempt in attempts:
            with pytest.raises(StoreError) as err:
                attempt()
            assert str(err.value).startswith(
                f"{str(tmp_path)!r} is being written by another rung process, pid {holder.pid} "
            )
    finally:
        holder.kill()  # its lock goes with it
    assert recorded() == events  # nothing was written meanwhile
    result = Tuner(quadratic, fifo(), directory=tmp_path).run(max_trials=3, resume="auto")
    assert result.n_trials == 3


def test_a_tuner_runs_inside_its_own_process_hold_as_the_command_line_runs_it(tmp_path):
    from rung.store._directory import driving
    from tests.store.records import taken_elsewhere

    with driving(tmp_path):  # the command line holds it for the whole command
        assert Tuner(quadratic, fifo(), directory=tmp_path).run(max_trials=2).n_trials == 2
        assert Tuner(quadratic, fifo()).resume(tmp_path, max_trials=3).n_trials == 3
        assert not taken_elsewhere(tmp_path)  # the tuner's end left the command's hold
    assert taken_elsewhere(tmp_path)
