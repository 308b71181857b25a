"""SimulatedExecutor: a fake clock that moves to job ends, driving the real tuner loop."""

from __future__ import annotations

import math

import pytest

import rung
from rung.errors import ConfigError
from rung.executors.simulated import SimulatedExecutor
from rung.simulation.compare import idle_time
from rung.task import Task
from rung.types import Job, JobStatus
from tests.fakes import FakeClock


def one_second_epochs(config, resource):
    """Value falls with the resource; every epoch takes one simulated second."""
    return config["x"] + 1.0 / resource, 1.0


def task(trial_id, resource_to, resource_from=0, x=0.5, deadline=None):
    job = Job(trial_id, {"x": x}, resource_from, resource_to)
    return Task(job, seed=trial_id, iterative=True, deadline=deadline)


def started(objective=one_second_epochs, workers=4, **kwargs):
    executor = SimulatedExecutor(workers, decision_time=False, **kwargs)
    executor.start(objective, executor.clock)
    return executor


@pytest.mark.parametrize(
    ("kwargs", "error", "words"),
    [
        (
            {"workers": 0},
            ConfigError,
            "'workers' parameter of SimulatedExecutor must be an int >= 1; got 0",
        ),
        ({"workers": 2.0}, TypeError, "must be an int >= 1; got 2.0"),
        ({"workers": True}, TypeError, "must be an int >= 1; got True"),
        ({"workers": 2, "decision_time": "yes"}, TypeError, "must be a bool; got 'yes'"),
        ({"workers": 2, "timer": 3}, TypeError, "'timer' parameter"),
    ],
)
def test_bad_arguments_name_the_parameter_and_value(kwargs, error, words):
    with pytest.raises(error, match=words):
        SimulatedExecutor(**kwargs)


def test_start_needs_a_callable_objective():
    executor = SimulatedExecutor(workers=1, decision_time=False)
    with pytest.raises(TypeError, match=r"'objective' parameter of SimulatedExecutor.start\(\)"):
        executor.start("not callable", executor.clock)  # type: ignore[arg-type]


def test_clock_moves_to_each_job_end_and_epochs_are_reported():
    executor = started()
    executor.submit(task(0, 3))
    executor.submit(task(1, 5, resource_from=3))  # resumed: only epochs 4 and 5 run
    assert executor.clock() == 0.0
    first = executor.wait()
    assert [o.job.trial_id for o in first] == [1]
    assert executor.clock() == 2.0
    (outcome,) = first
    assert [(r.resource, r.time) for r in outcome.reports] == [(4, 1.0), (5, 2.0)]
    assert (outcome.start, outcome.end, outcome.resource) == (0.0, 2.0, 5)
    assert outcome.value == pytest.approx(0.5 + 1 / 5)
    assert outcome.status is JobStatus.COMPLETED
    (second,) = executor.wait()
    assert (second.job.trial_id, second.end, executor.clock()) == (0, 3.0, 3.0)
    assert executor.wait() == []


def test_ties_come_back_together_in_submission_order_on_the_lowest_free_workers():
    executor = started(workers=3)
    for trial_id in (0, 1, 2):
        executor.submit(task(trial_id, 2))
    outcomes = executor.wait()
    assert [(o.job.trial_id, o.worker, o.end) for o in outcomes] == [
        (0, 0, 2.0),
        (1, 1, 2.0),
        (2, 2, 2.0),
    ]
    executor.submit(task(3, 1))
    assert executor.wait()[0].worker == 0  # every worker is free again: the lowest goes


def test_submitting_past_the_workers_or_before_start_raises():
    executor = SimulatedExecutor(1, decision_time=False)
    with pytest.raises(RuntimeError, match="start"):
        executor.submit(task(0, 1))
    executor.start(one_second_epochs, executor.clock)
    executor.submit(task(0, 1))
    with pytest.raises(RuntimeError, match="busy"):
        executor.submit(task(1, 1))


def test_a_job_past_its_deadline_stops_at_its_next_epoch_interrupted():
    executor = started()
    executor.submit(task(0, 10, deadline=3.5))  # epochs end at 1, 2, 3, 4: stops after 4
    executor.submit(task(1, 4, deadline=3.5))  # its 4th epoch is its last: it completes
    interrupted, completed = sorted(executor.wait(), key=lambda o: o.job.trial_id)
    assert interrupted.status is JobStatus.INTERRUPTED
    assert (interrupted.resource, interrupted.end) == (4, 4.0)
    assert interrupted.value == pytest.approx(0.5 + 1 / 4)
    assert completed.status is JobStatus.COMPLETED and completed.resource == 4


def test_a_job_past_its_timeout_fails_when_a_real_one_would_be_stopped():
    executor = started()
    job = Job(0, {"x": 0.5}, 0, 10)
    executor.submit(Task(job, seed=0, iterative=True, timeout=3.5))
    executor.submit(task(1, 3))  # within the timeout: unaffected by another job's
    failed, completed = sorted(executor.wait() + executor.wait(), key=lambda o: o.job.trial_id)
    assert failed.status is JobStatus.FAILED and "timeout of 3.5 s" in failed.error
    assert (failed.resource, failed.end) == (3, 3.5)  # stopped in the middle of epoch 4
    assert completed.status is JobStatus.COMPLETED


def test_an_objective_that_raises_gives_a_failed_outcome_with_its_traceback():
    def breaks_at_epoch_3(config, resource):
        if resource == 3:
            raise RuntimeError("diverged")
        return 1.0, 2.0

    executor = started(breaks_at_epoch_3)
    executor.submit(task(0, 5))
    (outcome,) = executor.wait()
    assert outcome.status is JobStatus.FAILED
    assert "RuntimeError: diverged" in outcome.error
    assert math.isnan(outcome.value)
    assert (outcome.resource, outcome.end) == (2, 4.0)  # two epochs of 2 s ran


@pytest.mark.parametrize(
    ("returned", "words"),
    [
        (0.5, "must return \\(value, seconds\\)"),
        ((0.5, -1.0), "finite and >= 0"),
        (("a", 1.0), "real"),
    ],
)
def test_a_malformed_epoch_fails_the_job(returned, words):
    executor = started(lambda config, resource: returned)
    executor.submit(task(0, 2))
    (outcome,) = executor.wait()
    assert outcome.status is JobStatus.FAILED
    assert words.replace("\\", "") in outcome.error


def two_metrics(config, resource):
    """Several metrics by name, as an objective with several objectives reports them."""
    return {"error": config["x"] + 1.0 / resource, "latency": 2.0 * resource}, 1.0


def test_several_metrics_are_reported_with_the_tuned_one_as_the_value():
    executor = started(two_metrics)
    job = Job(0, {"x": 0.5}, 0, 2)
    executor.submit(Task(job, seed=0, iterative=True, metric="latency"))
    (outcome,) = executor.wait()
    assert outcome.status is JobStatus.COMPLETED
    assert [r.metrics for r in outcome.reports] == [
        {"error": 1.5, "latency": 2.0},
        {"error": 1.0, "latency": 4.0},
    ]
    assert [r.value for r in outcome.reports] == [2.0, 4.0]
    assert outcome.value == 4.0


@pytest.mark.parametrize(
    ("metric", "returned", "words"),
    [
        (None, ({"a": 1.0, "b": 2.0}, 1.0), "several metrics ['a', 'b']"),
        ("c", ({"a": 1.0}, 1.0), "'c' is not among the metrics reported ['a']"),
        ("a", ({"a": "x"}, 1.0), "metric 'a' must be a real number; got 'x'"),
    ],
)
def test_a_malformed_mapping_fails_the_job_with_the_reason(metric, returned, words):
    executor = started(lambda config, resource: returned)
    executor.submit(Task(Job(0, {"x": 0.5}, 0, 2), seed=0, iterative=True, metric=metric))
    (outcome,) = executor.wait()
    assert outcome.status is JobStatus.FAILED
    assert words in outcome.error


def test_several_objectives_run_on_the_simulated_clock():
    def objective(config, resource):
        x = config["x"]
        return {"f1": x + 1.0 / resource, "f2": (1.0 - x) + 1.0 / resource}, 1.0

    scheduler = rung.AsyncHyperband(searcher(), 1, 9, eta=3, seed=0)
    executor = SimulatedExecutor(workers=4, decision_time=False)
    result = rung.Tuner(
        objective, scheduler, objectives={"f1": "min", "f2": "min"}, executor=executor, seed=0
    ).run(time_budget_s=40)
    assert result.wall_time == pytest.approx(40.0, abs=9.0)
    full = [job for job in result.jobs if job.resource_to == 9 and not job.failed]
    assert full and all(set(job.reports[-1].metrics) == {"f1", "f2"} for job in full)
    # The front is of full trainings, and no point of it dominates another.
    front = [point.values for point in result.pareto_front]
    assert front and all(
        not (a["f1"] <= b["f1"] and a["f2"] <= b["f2"] and a != b) for a in front for b in front
    )


def test_decision_time_is_added_but_not_the_simulation_of_the_objective():
    timer = FakeClock()

    def slow_to_simulate(config, resource):
        timer.advance(10.0)  # the objective's own real time never counts
        return 0.0, 1.0

    executor = SimulatedExecutor(2, decision_time=True, timer=timer)
    executor.start(slow_to_simulate, executor.clock)
    executor.submit(task(0, 1))
    assert executor.wait()[0].end == 1.0
    timer.advance(0.25)  # the tuner thinks for a quarter of a second
    assert executor.clock() == 1.25
    executor.submit(task(1, 1))
    (outcome,) = executor.wait()
    assert (outcome.start, outcome.end) == (1.25, 2.25)


def test_jobs_that_end_while_the_tuner_decides_come_back_at_once():
    timer = FakeClock()
    executor = SimulatedExecutor(2, decision_time=True, timer=timer)
    executor.start(lambda c, r: (0.0, c["x"]), executor.clock)
    executor.submit(task(0, 1, x=1.0))
    executor.submit(task(1, 1, x=1.5))
    assert [o.end for o in executor.wait()] == [1.0]
    timer.advance(2.0)
    assert [o.end for o in executor.wait()] == [1.5]  # it ended at 1.5, seen at 3.0
    assert executor.clock() == 3.0


def test_without_decision_time_the_real_time_spent_does_not_count():
    timer = FakeClock()
    executor = SimulatedExecutor(1, decision_time=False, timer=timer)
    executor.start(one_second_epochs, executor.clock)
    executor.submit(task(0, 1))
    executor.wait()
    timer.advance(5.0)
    assert executor.clock() == 1.0


def tune(scheduler, workers, budget, seed=0, decision_time=False, timer=None):
    executor = SimulatedExecutor(workers, decision_time=decision_time, timer=timer or FakeClock())
    tuner = rung.Tuner(one_second_epochs, scheduler, seed=seed, executor=executor)
    return tuner.run(time_budget_s=budget)


def searcher(seed=0):
    return rung.RandomSearcher({"x": rung.uniform(0, 1)}, seed=seed)


def test_the_tuner_runs_on_the_simulated_clock_and_repeats_exactly():
    def run():
        return tune(rung.ASHA(searcher(3), 1, 9, eta=3), workers=4, budget=50, seed=3)

    first, second = run(), run()
    assert first.wall_time == pytest.approx(50.0, abs=1.0)  # simulated, not real, seconds
    assert max(job.start for job in first.jobs) < 50.0
    key = [(j.trial_id, j.resource_to, j.value, j.start, j.end, j.worker) for j in first.jobs]
    assert key == [
        (j.trial_id, j.resource_to, j.value, j.start, j.end, j.worker) for j in second.jobs
    ]
    assert len(first.jobs) > 50


def test_a_slow_searcher_costs_simulated_time():
    timer = FakeClock()

    class SlowASHA(rung.ASHA):
        def next_job(self, allow_new_trials=True):
            timer.advance(0.5)  # half a real second per decision
            return super().next_job(allow_new_trials)

    fast = tune(rung.ASHA(searcher(), 1, 9, eta=3), workers=1, budget=30)
    slow = tune(
        SlowASHA(searcher(), 1, 9, eta=3), workers=1, budget=30, decision_time=True, timer=timer
    )
    assert len(slow.jobs) < len(fast.jobs)
    # Each job starts half a second (one next_job call) after the previous one ended.
    gaps = [b.start - a.end for a, b in zip(slow.jobs, slow.jobs[1:], strict=False)]
    assert gaps and all(g == pytest.approx(0.5) for g in gaps)


def test_asha_never_idles_a_worker_while_synchronous_sh_waits_at_its_barriers():
    """Li et al. (MLSys 2020), Section 3: ASHA's promotions never wait for stragglers.

    Four workers, rungs 1, 3, 9 (eta 3), one simulated second per epoch, 33 s budget. SH's
    bracket of 9 trials, one bracket at a time: 4 + 4 + 1 jobs at rung 1 (t = 0..3), 3 jobs
    of 2 s to rung 3 (t = 3..5), 1 job of 6 s to rung 9 (t = 5..11); per bracket workers 1,
    2 and 3 idle 1 + 6, 1 + 6 and 1 + 2 + 6 s; three brackets fill the budget. Starting
    the next bracket on idle workers (the default) leaves none idle.
    """
    workers, budget = 4, 33.0
    asha = tune(rung.ASHA(searcher(), 1, 9, eta=3), workers, budget)
    sh = rung.SuccessiveHalving(searcher(), 1, 9, eta=3, n_configs=9, max_brackets=1)
    sh = tune(sh, workers, budget)

    assert idle_time(asha.jobs, workers, budget) == [0.0, 0.0, 0.0, 0.0]
    for worker in range(workers):
        mine = sorted((j for j in asha.jobs if j.worker == worker), key=lambda j: j.start)
        assert mine[0].start == 0.0 and mine[-1].end >= budget
        assert all(b.start == a.end for a, b in zip(mine, mine[1:], strict=False))  # back to back

    assert idle_time(sh.jobs, workers, budget) == [0.0, 21.0, 21.0, 27.0]
    assert sum(j.end - j.start for j in sh.jobs) == 3 * (9 * 1 + 3 * 2 + 6)
    assert sh.n_trials == 27 and sh.jobs[-1].end == budget

    side_by_side = tune(rung.SuccessiveHalving(searcher(), 1, 9, eta=3, n_configs=9), 4, budget)
    assert idle_time(side_by_side.jobs, workers, budget) == [0.0, 0.0, 0.0, 0.0]
    assert side_by_side.n_trials > 2 * sh.n_trials
