"""read_result / RunReader: a store reads back as the Result its run returned, by one path."""

from __future__ import annotations

import json
import math

import pytest

import rung
from rung.cli.main import main
from rung.results.report import RESULTS_FILE, format_summary, summary_dict, write_results
from rung.results.summary import RunReader, read_result
from rung.store import ExperimentStore
from rung.types import Direction, JobStatus
from rung.workloads.synthetic import BRANIN, TOY, MultiFidelity


def _job(job: rung.JobRecord) -> tuple:
    """A job's fields, NaN as None (NaN equals nothing, itself included)."""
    value = None if math.isnan(job.value) else job.value
    return (
        job.index,
        job.trial_id,
        dict(job.config),
        job.resource_from,
        job.resource_to,
        value,
        job.status,
        job.decision,
        job.error,
        job.reports,
    )


def same(live: rung.Result, read: rung.Result) -> None:
    """Every field a reader relies on is the live run's."""
    assert [_job(j) for j in read.jobs] == [_job(j) for j in live.jobs]
    assert read.incumbent == live.incumbent
    assert read.best_at_any_resource == live.best_at_any_resource
    assert read.total_resource == live.total_resource
    assert read.trials == live.trials
    assert read.trajectory == live.trajectory
    assert read.spec == live.spec
    assert read.wall_time == pytest.approx(live.wall_time)


def branin_asha(directory, **kwargs):
    mf = MultiFidelity(BRANIN, max_resource=9)
    return rung.tune(
        mf.iterative,
        mf.space,
        scheduler="asha",
        max_resource=9,
        seed=1,
        max_trials=30,
        directory=directory,
        **kwargs,
    )


def toy_curve(sign):
    def objective(config, trial):
        for epoch in range(trial.resource_from + 1, trial.resource_to + 1):
            trial.report(epoch, sign * ((config["x"] - 2) ** 2 + 1 / epoch))

    return objective


@pytest.mark.parametrize("direction", ["min", "max", "minimize", "maximize"])
def test_a_python_run_reads_back_as_the_result_it_returned(tmp_path, direction):
    parsed = Direction.parse(direction)
    sign = parsed.sign()
    live = rung.tune(
        toy_curve(sign),
        {"x": rung.uniform(-5, 5)},
        scheduler="asha",
        max_resource=9,
        direction=direction,
        max_trials=25,
        directory=tmp_path,
    )
    read = read_result(tmp_path)
    same(live, read)
    assert read.direction is parsed
    full = [j.value for j in live.jobs if j.reached == 9 and j.status is JobStatus.COMPLETED]
    assert read.best_value == (min(full) if sign > 0 else max(full))
    assert read.finished and read.open_jobs == ()


def test_a_choice_of_tuples_reads_back_as_tuples_and_a_constant_list_as_a_list(tmp_path):
    space = {"shape": rung.choice([(32, 32), ((1, 2),)]), "x": rung.uniform(0, 1), "c": [1]}
    live = rung.tune(
        lambda c: len(c["shape"]) * c["x"], space, max_trials=4, seed=0, directory=tmp_path
    )
    read = read_result(tmp_path)
    same(live, read)
    assert read.best_config == live.best_config and read.incumbent == live.incumbent
    assert [t.config for t in read.trials] == [t.config for t in live.trials]
    assert {type(t.config["shape"]) for t in read.trials} == {tuple}
    assert read.trials[0].config["c"] == [1]


@pytest.mark.parametrize("read", [read_result, rung.load_checkpoint])
def test_a_directory_that_is_not_a_path_is_refused_by_name(read):
    with pytest.raises(rung.ConfigTypeError, match="'directory' parameter .* got None"):
        read(None)


def test_the_best_checkpoint_of_a_run_without_a_best_trial_says_why(tmp_path):
    def both(config, trial):
        for epoch in range(trial.resource_from + 1, trial.resource_to + 1):
            trial.report(epoch, {"a": config["x"], "b": 1 - config["x"]}, checkpoint=epoch)

    goals = {"objectives": "a:min,b:min", "searcher": "random", "max_trials": 4}
    rung.tune(
        both, {"x": rung.uniform(0, 1)}, constraints=["a>=2"], directory=tmp_path / "i", **goals
    )
    with pytest.raises(rung.StoreError, match="no best trial.*: no feasible trial found: all"):
        rung.load_checkpoint(tmp_path / "i")
    rung.tune(
        both, {"x": rung.uniform(0, 1)}, scheduler="asha", max_resource=9, max_jobs=2,
        directory=tmp_path / "early", **goals,
    )  # fmt: skip
    with pytest.raises(rung.StoreError, match="no trial reached the full resource \\(9\\)"):
        rung.load_checkpoint(tmp_path / "early")


def test_rung_show_names_the_best_of_a_maximized_python_run(tmp_path, capsys):
    """The bug: `rung show` printed the worst trial as best for direction='max'."""
    live = rung.tune(
        lambda c: c["x"],
        {"x": rung.uniform(0, 1)},
        direction="max",
        max_trials=20,
        directory=tmp_path,
    )
    assert main(["show", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    best = max(j.value for j in live.jobs)
    assert f"best value: {best:.4g} (trial {live.best_trial_id})" in out


def test_a_function_objective_under_asha_charges_the_same_resource_everywhere(tmp_path):
    """The bug: Result.total_resource (56) and the summary's epochs (44) disagreed."""
    mf = MultiFidelity(TOY, max_resource=9)
    live = rung.tune(
        mf, mf.space, scheduler="asha", max_resource=9, max_trials=20, directory=tmp_path
    )
    promoted = [j for j in live.jobs if j.resource_from > 0]
    assert promoted, "the run must promote a trial for the test to mean anything"
    # f(config) retrains from scratch: each job pays its whole resource_to
    assert live.total_resource == sum(j.resource_to for j in live.jobs)
    read = read_result(tmp_path)
    assert read.total_resource == live.total_resource
    write_results(read, tmp_path)
    payload = json.loads((tmp_path / RESULTS_FILE).read_text())
    assert payload["summary"]["resource"] == live.total_resource
    assert f"epochs {live.total_resource}," in format_summary(read)


def rising(config, trial):
    """A curve that looks best early: the value rises with the epochs."""
    for epoch in range(trial.resource_from + 1, trial.resource_to + 1):
        trial.report(epoch, (config["x"] - 2) ** 2 + epoch / 9)


def test_the_best_is_the_best_at_the_full_resource(tmp_path):
    result = rung.tune(
        rising,
        {"x": rung.uniform(-5, 5)},
        scheduler="asha",
        max_resource=9,
        max_trials=30,
        directory=tmp_path,
    )
    full = [j for j in result.jobs if j.reached == 9]
    low = [j for j in result.jobs if j.reached < 9]
    assert result.best_value == min(j.value for j in full)
    assert result.incumbent.resource == 9
    best_any = min(result.jobs, key=lambda j: j.value)
    assert result.best_at_any_resource.value == best_any.value
    # on this run a lower-level value beats every full one: it must not be called the best
    assert min(j.value for j in low) < result.best_value
    read = read_result(tmp_path)
    assert read.best_value == result.best_value
    summary = summary_dict(read)
    assert summary["best"]["resource"] == 9
    assert summary["best_at_any_resource"]["value"] == best_any.value
    text = format_summary(read)
    assert "at any epochs" in text and "not trained to the full resource" in text


def test_no_trial_at_the_full_resource_means_no_best(tmp_path):
    mf = MultiFidelity(TOY, max_resource=27)
    result = rung.tune(
        mf.iterative, mf.space, scheduler="asha", max_resource=27, max_jobs=3, directory=tmp_path
    )
    assert result.incumbent is None and math.isnan(result.best_value)
    assert result.best_config is None and result.best_at_any_resource is not None
    text = format_summary(read_result(tmp_path))  # finished: nothing more to wait for
    assert "no trial reached the full resource (27)\n" in text and " yet" not in text


def test_a_synchronous_run_with_stopped_trials_and_failures_reads_back_the_same(tmp_path):
    def objective(config, trial):
        if config["x"] > 3:
            raise ValueError("diverged")
        for epoch in range(trial.resource_from + 1, trial.resource_to + 1):
            trial.report(epoch, (config["x"] - 2) ** 2 / epoch)

    live = rung.tune(
        objective,
        {"x": rung.uniform(-5, 5)},
        scheduler="sh",
        max_resource=9,
        max_trials=18,
        directory=tmp_path,
    )
    statuses = {t.status for t in live.trials}
    assert rung.TrialStatus.STOPPED in statuses and rung.TrialStatus.FAILED in statuses
    same(live, read_result(tmp_path))


def test_a_reader_follows_a_run_event_by_event(tmp_path):
    live = branin_asha(tmp_path)
    with ExperimentStore.open(tmp_path, readonly=True) as store:
        events = list(store.events())
    with RunReader(tmp_path) as reader:
        first = reader.read()
        assert reader.last_seq == events[-1].seq
        again = reader.read()  # nothing new: the same result
    same(live, first)
    same(first, again)


def test_jobs_started_and_not_ended_are_shown_until_the_run_resumes(tmp_path):
    from tests.store.records import SPEC, make_job, record

    with ExperimentStore.create(tmp_path, SPEC) as store:
        record(store, make_job(0, 0))
        store.job_started(1, {"lr": 0.02, "layers": 0}, 0, 3, 7, time=1.5)
        store.job_reported(1, 1, 0.5, time=3.0)
        store.job_reported(1, 2, 0.375, time=3.5)
        result = read_result(tmp_path)
        (job,) = result.open_jobs
        assert (job.trial_id, job.resource_from, job.resource_to, job.start) == (1, 0, 3, 1.5)
        assert (job.last_report.resource, job.last_report.value) == (2, 0.375)
        assert (
            "started, not ended (running now, or cut short if the run stopped): "
            "trial 1 (epochs 0 -> 3, started at 1.5 s, at 2: 0.375)"
        ) in format_summary(result)
        store.run_finished(time=4.0)
        store.set_final({"epochs": 3, "train_accuracy": 0.9})
    finished = read_result(tmp_path)
    assert finished.finished and finished.final == {"epochs": 3, "train_accuracy": 0.9}
    with ExperimentStore.open(tmp_path) as store:
        store.run_resumed(time=4.0, data={"workers": 2})  # the job cut short runs again
        resumed = read_result(tmp_path)
    assert resumed.open_jobs == () and not resumed.finished and resumed.workers == 2
    assert resumed.final == {"epochs": 3, "train_accuracy": 0.9}  # until replaced


def test_a_lower_level_that_only_ties_the_incumbent_is_not_shown_as_better(tmp_path):
    def flat(config, trial):  # the same value at every epoch: low levels tie the full one
        for epoch in range(trial.resource_from + 1, trial.resource_to + 1):
            trial.report(epoch, round(config["x"]))

    result = rung.tune(
        flat, {"x": rung.uniform(0, 1)}, scheduler="asha", max_resource=9, max_trials=12,
        directory=tmp_path,
    )  # fmt: skip
    assert result.best_value == 0 and result.incumbent.resource == 9
    assert result.best_at_any_resource.job == result.incumbent.job
    assert "at any epochs" not in format_summary(read_result(tmp_path))


def test_a_resumed_runs_spec_holds_the_budget_its_latest_resume_recorded(tmp_path):
    """The spec read back says the limits the run is held to now, as the tuner and
    ``rung resume`` take them (recorded_budget), also for a reader following the run."""
    from rung.results.summary import recorded_budget

    def tuner() -> rung.Tuner:
        searcher = rung.RandomSearcher({"x": rung.uniform(0, 1)})
        return rung.Tuner(
            lambda c: (c["x"] - 0.3) ** 2, rung.FIFO(searcher), seed=0, directory=tmp_path
        )

    tuner().run(max_trials=2, time_budget_s=600)
    with RunReader(tmp_path) as reader:
        assert reader.read().spec.budget == rung.Budget(max_trials=2, time_budget_s=600)
        tuner().resume(tmp_path, max_trials=4)  # the time budget stays as recorded
        following = reader.read()
        assert following.n_trials == 4
        assert following.spec.budget == rung.Budget(max_trials=4, time_budget_s=600)
        assert reader.spec == following.spec
    with ExperimentStore.open(tmp_path, readonly=True) as store:
        held = recorded_budget(store, rung.Budget(max_trials=2, time_budget_s=600))
    assert read_result(tmp_path).spec.budget == held == following.spec.budget
