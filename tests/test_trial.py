import math

import pytest

import rung
from rung.errors import ConfigError
from rung.task import Task
from rung.trial import Trial, execute, is_iterative
from rung.types import Job, JobStatus, TrialStatus


def one(config):
    return 0.0


def two(config, trial):
    return None


def named_trial_with_default(config, trial=None):
    return None


def optional_second(config, scale=1.0):
    return 0.0


def three(a, b, c):
    return 0.0


class Callable:
    def __call__(self, config, trial):
        return None


@pytest.mark.parametrize(
    ("objective", "expected"),
    [
        (one, False),
        (two, True),
        (named_trial_with_default, True),
        (optional_second, False),
        (lambda *args: 0.0, False),
        (Callable(), True),
    ],
)
def test_objective_forms_are_recognized(objective, expected):
    assert is_iterative(objective) is expected


@pytest.mark.parametrize("objective", [three, lambda: 0.0, 42])
def test_objectives_of_another_shape_are_refused(objective):
    with pytest.raises(rung.ConfigTypeError, match="objective"):
        is_iterative(objective)


def test_report_validates_its_arguments():
    trial = Trial(0, seed=1, resource_from=2, resource_to=10)
    with pytest.raises(ValueError, match=">= 1; got 0"):
        trial.report(0, 0.1)
    with pytest.raises(TypeError, match="'resource' must be an int; got 3.5"):
        trial.report(3.5, 0.1)
    with pytest.raises(TypeError, match="'value' must be a real number"):
        trial.report(3, "0.1")
    with pytest.raises(ValueError, match="an empty mapping holds no metric"):
        trial.report(3, {})
    trial.report(3, 0.1, checkpoint={"w": 1})
    assert trial.reports[-1].resource == 3 and trial.checkpoint_out == {"w": 1}
    assert trial.checkpoint is None


def test_a_report_past_the_jobs_resource_to_fails_the_job_and_is_not_recorded():
    trial = Trial(0, seed=1, resource_from=0, resource_to=1)
    with pytest.raises(ConfigError, match="must be at most the job's resource_to 1.*got 1000"):
        trial.report(1000, 0.5)
    assert trial.reports == []

    def objective(config, trial):
        trial.report(1000, 0.5)

    outcome = execute(Task(Job(0, {}, 0, 1), 0, iterative=True), objective, lambda: 0.0)
    assert outcome.status is JobStatus.FAILED and not outcome.reports
    assert "resource_to 1" in outcome.error and "got 1000" in outcome.error


def test_report_at_resource_to_ends_the_job_past_a_users_broad_except():
    trial = Trial(0, seed=1, resource_from=0, resource_to=2)

    def objective():
        for epoch in (1, 2, 3):
            try:  # noqa: SIM105 - users write this; the job must still end at resource_to
                trial.report(epoch, 0.0)
            except Exception:
                pass

    with pytest.raises(BaseException) as info:
        objective()
    assert not isinstance(info.value, Exception)
    assert [r.resource for r in trial.reports] == [1, 2]


def test_seed_deriver_matches_derive_seed():
    from rung._random import SeedDeriver, derive_seed

    derive = SeedDeriver(7)
    assert [derive(k) for k in range(50)] == [derive_seed(7, k) for k in range(50)]
    assert len({derive(k) for k in range(1000)}) == 1000


def test_a_job_past_its_timeout_fails_with_a_clear_message():
    import time

    from rung.task import Task
    from rung.trial import execute
    from rung.types import Job, JobStatus

    def slow(config):
        time.sleep(0.05)
        return 1.0

    clock = time.perf_counter
    outcome = execute(Task(Job(0, {}, 0, 1), 0, timeout=0.01), slow, clock)
    assert outcome.status is JobStatus.FAILED and "JobTimeout" in outcome.error

    def epochs(config, trial):
        for epoch in range(1, 10):
            time.sleep(0.02)
            trial.report(epoch, 1.0 / epoch)

    task = Task(Job(0, {}, 0, 9), 0, iterative=True, timeout=0.05)
    outcome = execute(task, epochs, clock)
    assert outcome.status is JobStatus.FAILED and "timeout of 0.05 s" in outcome.error
    assert 1 <= len(outcome.reports) < 5  # failed at the first report past the timeout
    assert execute(Task(Job(0, {}, 0, 9), 0, iterative=True, timeout=5), epochs, clock).status is (
        JobStatus.COMPLETED
    )


def test_reports_are_heard_as_they_come_but_the_last_is_left_to_the_outcome():
    heard, states = [], []

    def hear(report, checkpoint):
        heard.append(report)
        states.append(checkpoint)

    def objective(config, trial):
        for epoch in range(trial.resource_from + 1, trial.resource_to + 1):
            trial.report(epoch, 1.0 / epoch, checkpoint={"epoch": epoch})

    job = Job(0, {}, 1, 4)
    outcome = execute(Task(job, seed=0, iterative=True), objective, lambda: 0.5, 0, hear)
    assert [(r.resource, r.value) for r in heard] == [(2, 0.5), (3, 1 / 3)]
    assert states == [{"epoch": 2}, {"epoch": 3}]  # the checkpoint passed with each
    assert [r.resource for r in outcome.reports] == [2, 3, 4]
    # A report past the deadline ends the job, so it is not heard either.
    heard.clear()
    late = Task(job, seed=0, iterative=True, deadline=0.0)
    assert execute(late, objective, lambda: 0.5, 0, hear).status is JobStatus.INTERRUPTED
    assert heard == []
    # A function of the config reports once, at its end.
    execute(Task(job, seed=0), lambda config: 1.0, lambda: 0.5, 0, hear)
    assert heard == []


def test_a_listener_that_raises_fails_the_job():
    def objective(config, trial):
        trial.report(1, 0.5)
        trial.report(2, 0.25)

    def broken(report, checkpoint):
        raise OSError("the pipe is gone")

    outcome = execute(
        Task(Job(0, {}, 0, 2), seed=0, iterative=True), objective, lambda: 0.0, 0, broken
    )
    assert outcome.status is JobStatus.FAILED and "the pipe is gone" in outcome.error


def _epochs(config, trial):
    """Trains epochs resource_from + 1 .. resource_to, or one fewer when config["short"]."""
    loss = trial.checkpoint or 10.0
    end = trial.resource_to if config["short"] else trial.resource_to + 1
    for epoch in range(trial.resource_from + 1, end):
        loss *= 1 - config["lr"]
        trial.report(epoch, loss, checkpoint=loss)


def _asha(objective, space, max_trials: int, min_resource: int = 2, **kwargs):
    """A random-search ASHA run to 8 epochs (eta 2), failed jobs not retried."""
    return rung.tune(
        objective, space, searcher="random", scheduler="asha", min_resource=min_resource,
        max_resource=8, eta=2, max_trials=max_trials, seed=0, max_retries=0, **kwargs,
    )  # fmt: skip


@pytest.mark.parametrize("executor", ["inline", "processes"])
def test_a_job_that_reports_fewer_epochs_than_asked_fails_and_is_never_ranked(executor):
    space = {"lr": rung.uniform(0.05, 0.5), "short": rung.choice([False, True])}
    result = _asha(_epochs, space, 8, executor=executor, workers=1)
    short = [t for t in result.trials if t.config["short"]]
    full = [t for t in result.trials if not t.config["short"]]
    assert short and full
    for trial in short:
        assert trial.status is TrialStatus.FAILED and "reported up to" in trial.error
        (job,) = [j for j in result.jobs if j.trial_id == trial.trial_id]  # never promoted
        assert job.status is JobStatus.FAILED and math.isnan(job.value)
        asked = job.resource_to
        assert f"reported up to {asked - 1} of the {asked} epochs asked" in job.error
    for job in (j for j in result.jobs if not result.trials[j.trial_id].config["short"]):
        assert job.status is JobStatus.COMPLETED and job.reports[-1].resource == job.resource_to
    assert result.n_failed_jobs == len(short)
    assert not result.best_config["short"] and math.isfinite(result.best_value)


def test_jobs_that_return_one_value_or_run_without_a_resource_still_complete():
    def returns(config, trial):  # reports nothing: its value is taken at resource_to
        return (1 - config["lr"]) ** trial.resource_to

    space = {"lr": rung.uniform(0.05, 0.5)}
    result = _asha(returns, space, 4)
    assert all(j.status is JobStatus.COMPLETED for j in result.jobs)
    assert all(j.reports[-1].resource == j.resource_to for j in result.jobs)

    def once(config, trial):  # FIFO without a resource: one report at resource 1
        trial.report(1, config["lr"])

    result = rung.tune(once, space, searcher="random", scheduler="fifo", max_trials=3, seed=0)
    assert all(j.status is JobStatus.COMPLETED for j in result.jobs)


def test_a_job_one_short_fails_even_when_it_returns_a_value_after_its_reports():
    def short_then_returns(config, trial):
        for epoch in range(trial.resource_from + 1, trial.resource_to):
            trial.report(epoch, 1.0 / epoch)
        return 0.0  # the value of its epoch 6, not of the 7 asked

    task = Task(Job(0, {}, 2, 7), 0, iterative=True, resource_name="epochs", max_resource=7)
    outcome = execute(task, short_then_returns, lambda: 0.0)
    assert outcome.status is JobStatus.FAILED and outcome.resource == 6
    assert "reported up to 6 of the 7 epochs asked" in outcome.error


def test_a_loop_from_the_start_that_ends_short_of_max_resource_fails_when_continued():
    def from_start(config, trial):  # kept paused at each rung, continued on promotion
        for epoch in range(1, trial.max_resource):  # one short of the full resource
            trial.report(epoch, (1 - config["lr"]) ** epoch)

    result = _asha(from_start, {"lr": rung.uniform(0.05, 0.5)}, 6, 4, executor="inline")
    last = [j for j in result.jobs if j.resource_to == 8]
    assert last and all(j.status is JobStatus.FAILED for j in last)
    assert all("reported up to 7 of the 8 epochs asked" in j.error for j in last)
    assert all(j.status is JobStatus.COMPLETED for j in result.jobs if j.resource_to == 4)
