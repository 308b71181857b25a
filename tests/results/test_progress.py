"""The terminal progress display: rate-limited job lines, a bar that follows running jobs."""

from __future__ import annotations

import io

from rung.callbacks import RunState
from rung.results.progress import ProgressPrinter
from rung.types import Decision, Job, JobRecord, JobStatus, Report


def state(best: float, n_trials: int = 0) -> RunState:
    run = RunState()
    run.best_value, run.n_trials = best, n_trials
    return run


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
    printer.on_job_end(job(0, 0, 0.5), state(0.5))  # first line
    for i in range(1, 50):  # no improvement, no time passes: silent
        printer.on_job_end(job(i, i, 0.9), state(0.5))
    printer.on_job_end(
        job(50, 50, 0.4), state(0.4)
    )  # an improvement prints, with the count of skipped jobs
    now[0] = 5.0
    printer.on_job_end(job(51, 51, 0.9, JobStatus.FAILED), state(0.4))
    lines = stream.getvalue().splitlines()
    assert len(lines) == 3
    assert "(+49 more jobs)" in lines[1] and lines[1].rstrip().endswith("jobs)")
    assert "best 0.4000 *" in lines[1]
    assert "FAILED: ValueError: bad" in lines[2]
    printer.on_job_end(job(52, 52, 0.9), state(0.4))  # within min_interval: no line now...
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
    printer.on_job_end(job(0, 3, 0.4), state(0.4))  # trial 3's job ends
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
    printer.on_job_end(record, state(0.7))
    assert "time budget: stopped at 3" in stream.getvalue()
