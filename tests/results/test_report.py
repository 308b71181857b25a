import io
import json

import pytest

import rung
from rung.errors import StoreError
from rung.results.progress import ProgressPrinter
from rung.results.report import (
    CSV_FILE,
    JOBS_FILE,
    RESULTS_FILE,
    format_summary,
    load_experiment,
    write_results,
)
from rung.results.result import JobRecord
from rung.run.factory import build_tuner
from rung.store import read_experiment
from rung.types import Decision, Job, JobStatus, Report
from rung.workloads.synthetic import TOY, MultiFidelity
from tests.legacy import LegacyWriter

SETTINGS = {
    "model": "toy",
    "searcher": "random",
    "scheduler": "asha",
    "min_epochs": 1,
    "max_epochs": 9,
    "eta": 3,
    "seed": 0,
    "metric": "value",
    "direction": "min",
    "objective_form": "iterative",
    "resource_name": "epochs",
}


def run_into(directory, legacy=False):
    """A small ASHA run recorded in ``directory`` (in the store, or the old JSON files)."""
    mf = MultiFidelity(TOY, max_resource=9)
    writer = LegacyWriter(directory, SETTINGS) if legacy else None
    tuner = build_tuner(
        mf.iterative,
        mf.space,
        scheduler="asha",
        max_resource=9,
        eta=3,
        seed=0,
        callbacks=[writer] if legacy else [],
        directory=None if legacy else directory,
    )
    tuner.settings = SETTINGS
    result = tuner.run(max_trials=20)
    if writer is not None:
        writer.close()
    return result


@pytest.mark.parametrize("legacy", [False, True])
def test_a_run_reads_back_with_the_same_best_and_counts(tmp_path, legacy):
    result = run_into(tmp_path / "exp", legacy)
    experiment = read_experiment(tmp_path / "exp")
    summary = experiment.summary
    assert summary["best_value"] == pytest.approx(result.best_value)
    assert summary["best_config"] == pytest.approx(result.best_config)
    assert summary["jobs"] == result.n_jobs and summary["trials"] == result.n_trials
    assert summary["epochs"] == result.total_resource
    assert summary["jobs_per_rung"] == result.rung_counts()
    assert experiment.finished is not legacy  # the store knows the run ended
    write_results(experiment)
    assert (
        json.loads((tmp_path / "exp" / RESULTS_FILE).read_text())["summary"]["jobs"]
        == result.n_jobs
    )
    rows = (tmp_path / "exp" / CSV_FILE).read_text().splitlines()
    assert rows[0].startswith("job,trial_id,x,resource_from,rung,value")
    assert len(rows) == result.n_jobs + 1
    text = format_summary(read_experiment(tmp_path / "exp"))
    assert "best value" in text and "jobs per rung" in text and "finished" in text


def test_an_old_directory_is_not_overwritten_by_a_new_run(tmp_path):
    run_into(tmp_path / "exp", legacy=True)
    before = (tmp_path / "exp" / JOBS_FILE).read_text()
    with pytest.raises(StoreError, match="already holds an experiment"):
        run_into(tmp_path / "exp")
    assert (tmp_path / "exp" / JOBS_FILE).read_text() == before


def test_an_old_running_experiment_with_a_half_written_line_still_reads(tmp_path):
    run_into(tmp_path / "exp", legacy=True)
    with open(tmp_path / "exp" / JOBS_FILE, "a") as handle:
        handle.write('{"job": 999, "trial')
    experiment = load_experiment(tmp_path / "exp")
    assert all(job["job"] != 999 for job in experiment.jobs)


def test_not_an_experiment_directory(tmp_path):
    with pytest.raises(StoreError, match="not an experiment directory"):
        load_experiment(tmp_path)


def test_failed_jobs_and_nan_are_written_as_null(tmp_path):
    tuner = build_tuner(lambda c: 1 / 0, {"x": rung.uniform(0, 1)}, directory=tmp_path / "exp")
    tuner.run(max_trials=2)
    experiment = read_experiment(tmp_path / "exp")
    write_results(experiment)
    jobs = json.loads((tmp_path / "exp" / RESULTS_FILE).read_text())["jobs"]
    assert [j["value"] for j in jobs] == [None] * 4  # two trials, each retried once
    assert all("ZeroDivisionError" in j["error"] for j in jobs)


def job(index, trial, value, status=JobStatus.COMPLETED):
    return JobRecord(
        index,
        trial,
        {"x": 0.1},
        0,
        1,
        value,
        status,
        0.0,
        1.0,
        0,
        Decision.PAUSE,
        "Traceback\nValueError: bad" if status is JobStatus.FAILED else None,
        (Report(1, value, 1.0),),
    )


def test_progress_lines_are_rate_limited_but_improvements_always_show():
    stream, now = io.StringIO(), [0.0]
    printer = ProgressPrinter(max_trials=100, stream=stream, min_interval=1.0, clock=lambda: now[0])
    printer(job(0, 0, 0.5), 0.5)  # first line
    for i in range(1, 50):  # no improvement, no time passes: silent
        printer(job(i, i, 0.9), 0.5)
    printer(job(50, 50, 0.4), 0.4)  # an improvement prints, with the count of skipped jobs
    now[0] = 5.0
    printer(job(51, 51, 0.9, JobStatus.FAILED), 0.4)
    lines = stream.getvalue().splitlines()
    assert len(lines) == 3
    assert "(+49 more jobs)" in lines[1] and lines[1].rstrip().endswith("jobs)")
    assert "best 0.4000 *" in lines[1]
    assert "FAILED: ValueError: bad" in lines[2]
    printer(job(52, 52, 0.9), 0.4)  # within min_interval: no line now...
    printer.close()  # ...but the end accounts for it
    assert stream.getvalue().splitlines()[3:] == ["(+1 more job, best 0.4000)"]


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_the_bar_says_where_running_jobs_are_until_they_end():
    stream, now = Terminal(), [0.0]
    printer = ProgressPrinter(max_trials=10, stream=stream, clock=lambda: now[0])
    for trial_id, reached in ((3, 1), (4, 2), (3, 2)):
        now[0] += 1.0
        printer.on_report(Job(trial_id, {}, 0, 9), Report(reached, 0.5))
    bar = stream.getvalue().split("\r")[-1]
    assert bar.endswith("trials, best value -, 3 s; trial 3 at 2/9, trial 4 at 2/9")
    now[0] += 1.0
    printer(job(0, 3, 0.4), 0.4)  # trial 3's job ends
    assert stream.getvalue().split("\r")[-1].endswith("best value 0.4000, 4 s; trial 4 at 2/9")
    for trial_id in range(5, 9):
        now[0] += 1.0
        printer.on_report(Job(trial_id, {}, 0, 9), Report(1, 0.5))
    assert stream.getvalue().endswith("trial 4 at 2/9, trial 5 at 1/9, trial 6 at 1/9 +2")


def test_a_job_cut_by_the_time_budget_says_where_it_stopped():
    stream = io.StringIO()
    printer = ProgressPrinter(stream=stream, clock=lambda: 0.0)
    record = JobRecord(
        0,
        3,
        {"x": 0.1},
        1,
        9,
        0.7,
        JobStatus.INTERRUPTED,
        0.0,
        1.0,
        0,
        None,
        None,
        (Report(2, 0.8, 0.5), Report(3, 0.7, 1.0)),
    )
    printer(record, 0.7)
    assert "time budget: stopped at 3" in stream.getvalue()
