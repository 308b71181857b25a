"""read_experiment: what `rung show` and `rung plot` read, as the JSON-lines directory gave it."""

from __future__ import annotations

import math

from rung.results.report import format_summary, load_experiment, summarize
from rung.store import ExperimentStore, read_experiment
from rung.types import Decision, JobStatus
from tests.legacy import LegacyWriter
from tests.store.records import SETTINGS, blob, make_job, record

FULL_SETTINGS = {
    **SETTINGS,
    "searcher": "random",
    "scheduler": "asha",
    "min_epochs": 1,
    "max_epochs": 9,
    "eta": 3,
    "metric": "value",
    "objective_form": "iterative",
}


def some_jobs():
    return [
        make_job(0, 0, value=0.4),
        make_job(
            1,
            1,
            value=math.nan,
            status=JobStatus.FAILED,
            decision=Decision.STOP,
            error="Traceback (most recent call last):\n  ...\nValueError: bad lr\n",
        ),
        make_job(2, 2, value=math.inf),
        make_job(3, 0, value=0.25, resource_from=1, resource_to=3, decision=Decision.COMPLETE),
        make_job(
            4,
            2,
            value=0.3,
            resource_from=1,
            resource_to=3,
            decision=None,
            status=JobStatus.INTERRUPTED,
        ),
    ]


def test_jobs_and_summary_match_the_json_lines_directory(tmp_path):
    jobs = some_jobs()
    writer = LegacyWriter(tmp_path / "old", FULL_SETTINGS)
    for job in jobs:
        writer(job, 0.0)
    writer.close()
    with ExperimentStore.create(tmp_path / "new", FULL_SETTINGS) as store:
        for job in jobs:
            record(store, job, checkpoint=blob(job.trial_id, job.index))
    old, new = load_experiment(tmp_path / "old"), read_experiment(tmp_path / "new")
    assert new.jobs == old.jobs
    assert new.settings == old.settings == FULL_SETTINGS
    assert new.summary == old.summary == summarize(new)
    assert new.summary["best_value"] == 0.25 and new.summary["failed_jobs"] == 1
    assert new.jobs[1]["error"] == "ValueError: bad lr"
    assert not new.finished and new.final is None
    assert format_summary(new).replace("new", "old") == format_summary(old)


def test_finished_means_a_run_finished_after_the_last_start_or_resume(tmp_path):
    with ExperimentStore.create(tmp_path, SETTINGS) as store:
        record(store, make_job(0, 0))
        assert not read_experiment(tmp_path).finished
        store.run_finished(time=1.0)
        store.set_final({"epochs": 3, "train_accuracy": 0.9})
        experiment = read_experiment(tmp_path)
        assert experiment.finished and experiment.final == {"epochs": 3, "train_accuracy": 0.9}
    with ExperimentStore.open(tmp_path) as store:
        store.update_settings({"max_jobs": 10})
        store.run_resumed(time=1.0, data={})
        experiment = read_experiment(tmp_path)
        assert not experiment.finished
        assert experiment.settings == {**SETTINGS, "max_jobs": 10}
        assert experiment.final == {"epochs": 3, "train_accuracy": 0.9}  # until replaced
        record(store, make_job(1, 1))
        store.run_finished(time=2.0)
        store.set_final({"epochs": 5})
    experiment = read_experiment(tmp_path)
    assert experiment.finished and experiment.final == {"epochs": 5}
    assert [j["job"] for j in experiment.jobs] == [0, 1]


def test_jobs_started_and_not_ended_are_shown_until_the_run_stops_or_resumes(tmp_path):
    with ExperimentStore.create(tmp_path, FULL_SETTINGS) as store:
        record(store, make_job(0, 0))
        store.job_started(1, {"lr": 0.02}, 0, 4, 7, time=1.5)
        store.job_started(2, {"lr": 0.03}, 1, 3, 7, time=2.0)
        store.job_reported(2, 2, 0.75, time=2.5)
        record(store, make_job(3, 2, resource_from=1, resource_to=3))  # trial 2's job ends
        assert read_experiment(tmp_path).open_jobs == [
            {"trial_id": 1, "resource_from": 0, "resource_to": 4, "start": 1.5}
        ]
        store.job_reported(1, 1, 0.5, time=3.0)
        store.job_reported(1, 2, 0.375, time=3.5)
        experiment = read_experiment(tmp_path)
        assert experiment.open_jobs == [
            {
                "trial_id": 1,
                "resource_from": 0,
                "resource_to": 4,
                "start": 1.5,
                "last_report": [2, 0.375],
            }
        ]
        assert (
            "started, not ended (running now, or cut short if the run stopped): "
            "trial 1 (epochs 0 -> 4, started at 1.5 s, at 2: 0.375)"
        ) in format_summary(experiment)
    with ExperimentStore.open(tmp_path) as store:
        store.run_resumed(time=4.0, data={})  # the job cut short will run again
        experiment = read_experiment(tmp_path)
        assert experiment.open_jobs == [] and "not ended" not in format_summary(experiment)
        store.job_started(4, {"lr": 0.05}, 0, 1, 7, time=5.0)
        store.run_finished(time=6.0)
        assert "not ended" not in format_summary(read_experiment(tmp_path))


def test_an_older_rungs_directory_is_still_read(tmp_path):
    writer = LegacyWriter(tmp_path, FULL_SETTINGS)
    for job in some_jobs():
        writer(job, 0.0)
    writer.close()
    assert read_experiment(tmp_path).jobs == load_experiment(tmp_path).jobs
