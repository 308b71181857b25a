"""The terminal progress display: rate-limited job lines, a bar that follows running jobs."""

from __future__ import annotations

import io
import math

import pytest

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


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_log_gets_a_line_for_every_job_without_a_bar():
    stream = io.StringIO()
    printer = ProgressPrinter(max_trials=100, stream=stream, min_interval=60.0, clock=lambda: 0.0)
    printer.on_run_start(state(float("nan")))
    for i in range(50):  # no improvement, no time passing: still a line each
        printer.on_job_end(job(i, i, 0.9 if i else 0.5), state(0.5, i + 1))
    printer.close()
    lines = stream.getvalue().splitlines()
    assert len(lines) == 50 and "\r" not in stream.getvalue()
    assert not any("more job" in line for line in lines)


def test_a_live_bar_rate_limits_job_lines_but_improvements_and_failures_show():
    stream, now = Terminal(), [0.0]
    printer = ProgressPrinter(max_trials=100, stream=stream, min_interval=1.0, clock=lambda: now[0])
    printer.on_job_end(job(0, 0, 0.5), state(0.5, 1))  # first line
    for i in range(1, 50):  # no improvement, no time passes: silent
        printer.on_job_end(job(i, i, 0.9), state(0.5, i + 1))
    printer.on_job_end(job(50, 50, 0.4), state(0.4, 51))  # an improvement, with the count
    now[0] = 5.0
    printer.on_job_end(job(51, 51, 0.9, JobStatus.FAILED), state(0.4, 52))
    printer.on_job_end(job(52, 52, 0.9), state(0.4, 53))  # within min_interval: no line now...
    printer.close()  # ...but the end accounts for it
    text = stream.getvalue()
    lines = [line.split("\r")[-1] for line in text.splitlines()]
    assert any("(+49 more jobs)" in line and "best 0.4000 *" in line for line in lines)
    assert any("FAILED: ValueError: bad" in line for line in lines)
    assert "(+1 more job, best 0.4000)" in text
    assert "53/100" in text  # the bar counted every trial


def test_the_bar_says_where_running_jobs_are_until_they_end():
    stream, now = Terminal(), [0.0]
    printer = ProgressPrinter(max_trials=10, stream=stream, clock=lambda: now[0])
    for trial_id, reached in ((3, 1), (4, 2), (3, 2)):
        now[0] += 1.0
        printer.on_report(Job(trial_id, {}, 0, 9), Report(reached, 0.5))
    assert "trial 3 at 2/9, trial 4 at 2/9" in stream.getvalue().split("\r")[-1]
    now[0] += 1.0
    printer.on_job_end(job(0, 3, 0.4), state(0.4, 1))  # trial 3's job ends
    last = stream.getvalue().split("\r")[-1]
    assert "best value 0.4000" in last and "trial 3 at" not in last and "trial 4 at 2/9" in last
    for trial_id in range(5, 9):
        now[0] += 1.0
        printer.on_report(Job(trial_id, {}, 0, 9), Report(1, 0.5))
    assert "trial 4 at 2/9, trial 5 at 1/9, trial 6 at 1/9 +2" in stream.getvalue().split("\r")[-1]
    printer.close()


def test_a_resumed_run_is_counted_whole():
    stream, now = Terminal(), [100.0]
    printer = ProgressPrinter(max_trials=10, time_budget_s=60, stream=stream, clock=lambda: now[0])
    run = state(0.25, 7)
    run.elapsed, run.n_jobs = 30.0, 12
    printer.on_run_start(run)
    now[0] += 5
    printer.on_report(Job(8, {}, 0, 9), Report(1, 0.5))
    last = stream.getvalue().split("\r")[-1]
    assert "7/10" in last and "best value 0.2500, 35/60 s" in last
    printer.close()


def test_the_bar_fits_a_narrow_terminal():
    pty = pytest.importorskip("pty")
    import fcntl
    import os
    import struct
    import termios

    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 40, 0, 0))
    with os.fdopen(slave, "w") as terminal:
        printer = ProgressPrinter(max_trials=10, stream=terminal, clock=lambda: 0.0)
        assert printer.live
        for trial_id in range(5):
            printer.on_report(Job(trial_id, {}, 0, 9), Report(1, 0.5))
        printer.close()
        output = os.read(master, 65536).decode()
    os.close(master)
    drawn = [part for part in output.replace("\n", "\r").split("\r") if part.strip()]
    assert drawn and all(len(part.rstrip()) <= 40 for part in drawn)


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


def test_a_job_whose_checkpoint_did_not_decode_says_so():
    stream = io.StringIO()
    printer = ProgressPrinter(stream=stream, clock=lambda: 0.0)
    reason = "The checkpoint is damaged: pickle data was truncated"
    record = JobRecord(
        0, 3, {"x": 0.1}, 3, 9, math.nan, JobStatus.INTERRUPTED, 0.0, 0.0, 0, None, reason, ()
    )
    printer.on_job_end(record, state(0.7))
    line = stream.getvalue()
    assert "not run, runs again from 0: " + reason in line and "time budget" not in line


def test_no_best_yet_shows_a_dash_not_nan():
    stream = io.StringIO()
    printer = ProgressPrinter(max_trials=10, stream=stream, clock=lambda: 0.0)
    printer.on_run_start(state(math.nan))
    printer.on_job_end(job(0, 0, math.nan, JobStatus.FAILED), state(math.nan, 1))
    printer.on_job_end(job(1, 1, 0.4), state(0.4, 2))
    printer.close()
    first, second = stream.getvalue().splitlines()[:2]
    assert first.endswith("FAILED: ValueError: bad  best -") and "nan" not in first
    assert second.endswith("best 0.4000 *")
