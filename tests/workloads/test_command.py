"""Programs as objectives, end to end with real subprocesses (see tests/workloads/programs.py)."""

from __future__ import annotations

import math
import sys
import tempfile
import time
from pathlib import Path

import pytest

import rung
from rung.errors import ConfigError
from rung.run.factory import build_tuner
from rung.types import JobStatus, TrialStatus
from rung.workloads.command import CommandObjective, checkpoint_dir, log_path
from tests.workloads import programs

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX process groups")


def objective(tmp_path: Path, command: str, **options) -> CommandObjective:
    env = {"JOURNAL": str(tmp_path / "journal.jsonl"), **options.pop("env", {})}
    return CommandObjective(command, metric="loss", directory=tmp_path / "exp", env=env, **options)


def train_command(tmp_path: Path, *extra: str) -> str:
    script = programs.write(tmp_path, "train.py", programs.TRAIN)
    return programs.python(script, "{lr}", "{epochs}", *extra)


def run(objective, space=None, scheduler="asha", trials=9, **options) -> rung.Result:
    fidelity = {} if scheduler == "fifo" else {"min_resource": 1, "eta": 3}
    options.setdefault("max_retries", 0)
    tuner = build_tuner(
        objective,
        space or {"lr": rung.uniform(0.05, 0.5)},
        scheduler=scheduler,
        max_resource=9 if scheduler != "fifo" else 3,
        seed=3,
        **fidelity,
        **options,
    )
    return tuner.run(max_trials=trials)


def test_a_script_tuned_under_asha_on_two_workers_resumes_its_promoted_trials(tmp_path):
    result = run(objective(tmp_path, train_command(tmp_path)), workers=2)
    jobs = result.jobs
    assert all(j.status is JobStatus.COMPLETED for j in jobs)
    assert {j.worker for j in jobs} == {0, 1}
    promoted = [j for j in jobs if j.resource_from > 0]
    assert promoted, "ASHA promoted no trial"
    for job in jobs:  # one report per epoch of the job, none twice
        assert [r.resource for r in job.reports] == list(
            range(job.resource_from + 1, job.resource_to + 1)
        )
        assert log_path(
            tmp_path / "exp", job.trial_id, job.resource_from, job.resource_to
        ).is_file()
    seen = programs.journal(tmp_path / "journal.jsonl")
    resumed = [s for s in seen if s["from"] > 0]
    assert len(resumed) == len(promoted)
    assert all(s["loaded"] == s["from"] and s["epochs_arg"] == s["to"] for s in resumed)
    # The values are the uninterrupted curve's: loss = 10 (1 - lr)^epoch.
    for job in jobs:
        config = result.trials[job.trial_id].config
        assert job.value == pytest.approx(10 * (1 - config["lr"]) ** job.resource_to)
    assert result.best_value == min(j.value for j in jobs)


def test_every_metric_of_a_line_is_recorded_when_the_tuner_tunes_the_same_one(tmp_path):
    result = run(
        objective(tmp_path, train_command(tmp_path)), scheduler="fifo", trials=2, metric="loss"
    )
    report = result.jobs[0].reports[-1]
    assert set(report.metrics) == {"loss", "acc"} and report.value == report.metrics["loss"]
    assert report.metrics["acc"] == pytest.approx(1 - report.value / 10)
    single = run(objective(tmp_path, train_command(tmp_path)), scheduler="fifo", trials=1)
    assert not single.jobs[0].reports[-1].metrics  # no metric named: the tuned value only


def test_a_program_that_saves_nothing_is_rerun_from_the_start(tmp_path):
    result = run(objective(tmp_path, train_command(tmp_path, "--no-save")))
    promoted = [j for j in result.jobs if j.resource_from > 0]
    assert promoted
    for job in promoted:  # the reports it had already are skipped
        assert job.reports[0].resource == job.resource_from + 1
    seen = programs.journal(tmp_path / "journal.jsonl")
    assert len(seen) == len(result.jobs)
    assert all(s["from"] == 0 and s["loaded"] is None for s in seen)
    assert not any(
        list(checkpoint_dir(tmp_path / "exp", j.trial_id).iterdir()) for j in result.jobs
    )
    log = log_path(
        tmp_path / "exp", promoted[0].trial_id, promoted[0].resource_from, promoted[0].resource_to
    )
    assert "reruns from 0" in log.read_text()


FAILURES = {
    "exits non-zero": (programs.FAILS, ["exited with status 3", "ZeroDivisionError"]),
    "never reports": (programs.SILENT, ["without a report line"]),
    "reports garbage": (programs.GARBAGE, ["bad report line", "banana"]),
    "reports another metric": (programs.WRONG_METRIC, ["no metric 'loss'", "accuracy, f1"]),
    "stops one epoch short": (
        programs.SHORT,
        ["reported up to 2 of the 3 epochs asked", "'[rung] epoch=3 loss=VALUE'"],
    ),
}


@pytest.mark.parametrize("mode", sorted(FAILURES))
def test_a_failing_program_fails_its_job_and_the_run_goes_on(tmp_path, mode):
    source, expected = FAILURES[mode]
    bad = programs.write(tmp_path, "bad.py", source)
    good = programs.write(tmp_path, "train.py", programs.TRAIN)
    command = programs.python(Path("{script}"), "{lr}", "{epochs}").replace("'", "")
    space = {"script": rung.choice([str(good), str(bad)]), "lr": rung.uniform(0.05, 0.5)}
    result = run(objective(tmp_path, command), space, scheduler="fifo", trials=8)
    failed = [j for j in result.jobs if j.status is JobStatus.FAILED]
    completed = [j for j in result.jobs if j.status is JobStatus.COMPLETED]
    assert failed and completed
    for job in failed:
        assert result.trials[job.trial_id].config["script"] == str(bad)
        for text in expected:
            assert text in job.error
        last = job.error.strip().splitlines()[-1]  # what summaries show: reason and log
        assert "log: " in last and f"trial {job.trial_id}" in last
    assert math.isfinite(result.best_value)


def test_report_lines_on_standard_error_are_said_to_belong_on_standard_output(tmp_path):
    script = programs.write(
        tmp_path, "stderr.py", "import sys\nprint('[rung] epoch=1 loss=0.5', file=sys.stderr)\n"
    )
    (job,) = run(objective(tmp_path, programs.python(script)), scheduler="fifo", trials=1).jobs
    assert job.status is JobStatus.FAILED
    last = job.error.strip().splitlines()[-1]
    assert "without a report line" in last and "on its standard error" in last


def test_a_hanging_program_is_ended_at_the_job_timeout_with_its_stderr(tmp_path):
    bad = programs.write(tmp_path, "hangs.py", programs.HANGS)
    command = programs.python(bad, "{lr}")
    started = time.monotonic()
    result = run(
        objective(tmp_path, command, grace_s=30),
        scheduler="fifo",
        trials=1,
        job_timeout_s=1.0,
        workers=1,
        executor="processes",
    )
    (job,) = result.jobs
    assert job.status is JobStatus.FAILED
    assert "JobTimeout" in job.error and "about to hang" in job.error
    assert time.monotonic() - started < 30  # not the program's 600 s, nor the grace


def test_a_program_that_closed_its_output_is_ended_at_the_job_timeout(tmp_path):
    bad = programs.write(tmp_path, "closes.py", programs.CLOSES_OUTPUT)
    started = time.monotonic()
    result = run(
        objective(tmp_path, programs.python(bad, "{lr}"), grace_s=30),
        scheduler="fifo",
        trials=1,
        job_timeout_s=1.0,
    )
    (job,) = result.jobs
    assert job.status is JobStatus.FAILED
    assert "JobTimeout" in job.error
    assert time.monotonic() - started < 30  # not the program's 40 s, nor the grace


def test_stopping_a_job_ends_the_process_group_even_a_program_that_ignores_sigterm(tmp_path):
    bad = programs.write(tmp_path, "stubborn.py", programs.STUBBORN)
    result = run(
        objective(tmp_path, programs.python(bad), grace_s=0.5),
        scheduler="fifo",
        trials=1,
        job_timeout_s=1.0,
    )
    assert result.jobs[0].status is JobStatus.FAILED
    program, child = map(int, (tmp_path / "journal.jsonl").read_text().split())
    deadline = time.monotonic() + 5
    while (programs.alive(program) or programs.alive(child)) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not programs.alive(program) and not programs.alive(child)


def test_a_program_that_reached_its_target_may_finish_saving(tmp_path):
    script = programs.write(tmp_path, "slow_save.py", programs.SLOW_SAVE)
    result = run(
        objective(tmp_path, programs.python(script, "{epochs}")), scheduler="fifo", trials=1
    )
    assert result.jobs[0].status is JobStatus.COMPLETED
    assert (checkpoint_dir(tmp_path / "exp", 0) / "saved").exists()


def test_values_cannot_inject_arguments_or_shell_syntax(tmp_path):
    script = programs.write(
        tmp_path,
        "argv.py",
        "import sys\nprint(sys.argv[1:], flush=True)\n"
        "print(f'[rung] epoch=3 loss={len(sys.argv) - 1}')\n",  # the FIFO job's 3 epochs
    )
    evil = f"x; touch {tmp_path / 'pwned'} $(touch {tmp_path / 'pwned2'})"
    space = {"v": rung.choice([evil])}
    for shell in (False, True):
        command = f"{sys.executable} {script} {{v}} --tail"
        result = run(objective(tmp_path, command, shell=shell), space, scheduler="fifo", trials=1)
        assert result.jobs[0].value == 2.0  # the value stayed one argument
        log = log_path(tmp_path / "exp", 0, 0, 3).read_text()
        assert repr([evil, "--tail"]) in log
    assert not (tmp_path / "pwned").exists() and not (tmp_path / "pwned2").exists()


def test_the_placeholders_are_checked_against_the_space(tmp_path):
    command = CommandObjective("echo {lr} {epochs} {momentum}", metric="loss", directory=tmp_path)
    command.check_placeholders(["lr", "momentum"])
    with pytest.raises(ConfigError, match=r"\{momentum\}.*use one of \{epochs\}, \{lr\}"):
        command.check_placeholders(["lr"])
    with pytest.raises(ConfigError, match="not a valid template"):
        CommandObjective("echo {lr", metric="loss", directory=tmp_path)
    for quoted in ("echo '{lr}'", 'echo "x {lr}"'):  # the shell would read the value there
        with pytest.raises(ConfigError, match="inside quotes"):
            CommandObjective(quoted, metric="loss", directory=tmp_path, shell=True)
    CommandObjective("echo '{{x}}' {lr} \\'", metric="loss", directory=tmp_path, shell=True)


def test_a_program_that_cannot_start_is_refused_when_the_objective_is_built(tmp_path):
    with pytest.raises(ConfigError, match="'no-such-program-rung' is not found"):
        CommandObjective("no-such-program-rung {lr}", metric="loss", directory=tmp_path)
    script = programs.write(tmp_path, "noexec.sh", "echo '[rung] epoch=1 loss=1'\n")
    with pytest.raises(ConfigError, match="is not executable"):
        CommandObjective(f"{script} {{lr}}", metric="loss", directory=tmp_path)
    with pytest.raises(ConfigError, match="is not found"):
        CommandObjective("no-such-program-rung | cat", metric="loss", shell=True)
    # Not checked (it may exist only where jobs run): each job fails with the reason.
    unchecked = CommandObjective(f"{script}", metric="loss", directory=tmp_path, check=False)
    (job,) = run(unchecked, scheduler="fifo", trials=1).jobs
    assert job.status is JobStatus.FAILED
    assert "cannot start" in job.error and "Permission denied" in job.error


def test_a_refused_objective_leaves_no_directory_behind(tmp_path, monkeypatch):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))  # where mkdtemp makes folders
    with pytest.raises(ConfigError, match="is not found"):
        CommandObjective("no-such-program-rung {lr}", metric="loss")
    assert list(tmp_path.iterdir()) == []
    built = CommandObjective(f"{sys.executable} -c pass", metric="loss")
    assert Path(built.directory).parent == tmp_path


def test_a_working_directory_that_does_not_exist_is_named(tmp_path):
    command = programs.python(programs.write(tmp_path, "train.py", programs.TRAIN), "1", "1")
    gone = tmp_path / "gone"
    with pytest.raises(ConfigError, match=r"'cwd' parameter .* existing directory.*gone"):
        CommandObjective(command, metric="loss", directory=tmp_path, cwd=gone)
    # Gone since it was checked: each job fails, naming it (not the program).
    unchecked = CommandObjective(command, metric="loss", directory=tmp_path, cwd=gone, check=False)
    (job,) = run(unchecked, scheduler="fifo", trials=1).jobs
    assert job.status is JobStatus.FAILED
    assert f"its working directory {gone} does not exist" in job.error


def test_reports_must_increase_and_a_last_line_without_newline_counts(tmp_path):
    twice = programs.write(
        tmp_path, "twice.py", "print('[rung] epoch=1 loss=1\\n[rung] epoch=1 loss=2')\n"
    )
    result = run(objective(tmp_path, programs.python(twice)), scheduler="fifo", trials=1)
    assert "must increase" in result.jobs[0].error
    bare = programs.write(
        tmp_path, "bare.py", "import sys\nsys.stdout.write('[rung] epoch=3 loss=0.5')\n"
    )
    result = run(objective(tmp_path, programs.python(bare)), scheduler="fifo", trials=1)
    assert result.jobs[0].status is JobStatus.COMPLETED and result.jobs[0].value == 0.5


def test_the_objective_pickles_for_worker_processes(tmp_path):
    import pickle

    command = objective(tmp_path, train_command(tmp_path))
    copy = pickle.loads(pickle.dumps(command))
    assert copy.template.arguments == command.template.arguments
    assert copy.directory == command.directory and copy.metric == "loss"


@pytest.mark.parametrize("bar", [(), ("--bar",)], ids=["lines", "after-a-progress-bar"])
def test_a_job_run_again_after_its_program_saved_its_target_takes_the_earlier_reports(
    tmp_path, bar
):
    """The window a killed driver leaves: the program reported its target and saved its
    state, but the job's end was never recorded. Run again, the program loads that state
    and has nothing left to train; the reports of the attempt before (in the job's log,
    read as they were read from the program) stand in for the epochs it skips."""
    import time as clock

    from rung.task import Task
    from rung.trial import execute
    from rung.types import Job

    command = objective(tmp_path, train_command(tmp_path, *bar))
    config = {"lr": 0.25}

    def job(resource_from, resource_to):
        task = Task(Job(0, config, resource_from, resource_to), seed=1, iterative=True)
        return execute(task, command, clock.monotonic)

    assert job(0, 1).status is JobStatus.COMPLETED
    first = job(1, 3)  # reports 2 and 3, saves epoch 3; then "the driver was killed"
    again = job(1, 3)
    assert again.status is JobStatus.COMPLETED, again.error
    assert [(r.resource, r.value) for r in again.reports] == [
        (r.resource, r.value) for r in first.reports
    ]
    assert programs.journal(tmp_path / "journal.jsonl")[-1]["loaded"] == 3


def test_a_job_run_again_twice_after_its_program_saved_its_target_keeps_the_reports(tmp_path):
    """The driver killed twice in that window: the second attempt, with nothing to train,
    logged no report; the third must still find the first attempt's (it failed with
    'exited without a report line', and its trial with it)."""
    import time as clock

    from rung.task import Task
    from rung.trial import execute
    from rung.types import Job

    command = objective(tmp_path, train_command(tmp_path))

    def job(resource_from, resource_to):
        task = Task(Job(0, {"lr": 0.25}, resource_from, resource_to), seed=1, iterative=True)
        return execute(task, command, clock.monotonic)

    assert job(0, 1).status is JobStatus.COMPLETED
    first = job(1, 3)  # reports 2 and 3, saves epoch 3; its end is never recorded
    assert job(1, 3).status is JobStatus.COMPLETED  # nothing to train; not recorded either
    third = job(1, 3)
    assert third.status is JobStatus.COMPLETED, third.error
    assert [(r.resource, r.value) for r in third.reports] == [
        (r.resource, r.value) for r in first.reports
    ]


def test_a_job_run_again_past_a_checkpoint_no_attempt_reported_trains_again_from_scratch(
    tmp_path,
):
    """The trial's program ran on after the driver was killed (an orphaned job on a
    cluster) and saved the top rung, and no log kept its reports (the earlier attempts
    ran where this log is not). Run again from the record, the program resumes and has
    nothing to train: rung runs it again with RUNG_RESOURCE_FROM=0, and the trial goes on
    with the values trained again, not failed and lost."""
    import shutil
    import time as clock

    from rung.task import Task
    from rung.trial import execute
    from rung.types import Job

    command = objective(tmp_path, train_command(tmp_path))

    def job(resource_from, resource_to):
        task = Task(Job(0, {"lr": 0.25}, resource_from, resource_to), seed=1, iterative=True)
        return execute(task, command, clock.monotonic)

    assert job(0, 1).status is JobStatus.COMPLETED
    first = job(1, 3)
    assert job(3, 9).status is JobStatus.COMPLETED  # its checkpoint: at 9
    shutil.rmtree(tmp_path / "exp" / "logs")
    again = job(1, 3)  # the record has the trial at 1
    assert again.status is JobStatus.COMPLETED, again.error
    assert [(r.resource, r.value) for r in again.reports] == [
        (r.resource, r.value) for r in first.reports
    ]
    assert again.retrained == 1  # epoch 1 trained again, charged
    seen = programs.journal(tmp_path / "journal.jsonl")[-2:]
    assert [(s["from"], s["loaded"]) for s in seen] == [(1, 9), (0, None)]
    log = log_path(tmp_path / "exp", 0, 1, 3).read_text()
    assert "reruns from 0 to pass 1 (RUNG_RESOURCE_FROM=0" in log
    assert "saved at or past 3" in log


def test_a_job_run_again_reads_the_reports_an_orphaned_attempt_logged_while_it_ran(tmp_path):
    """The earlier attempt's program, orphaned by the killed driver, was still reporting
    (and saving) when the job started again: the values its log holds by the time the
    program found its checkpoint past the target are the ones taken, with no retraining."""
    import time as clock

    from rung.task import Task
    from rung.trial import execute
    from rung.types import Job

    log = log_path(tmp_path / "exp", 0, 1, 3)
    # The orphan's last reports reach the log, and its state the checkpoint, as this
    # attempt's program starts.
    orphan = (
        "import json, os\n"
        f"with open({str(log)!r}, 'a') as log:\n"
        "    log.write('[rung] epoch=2 loss=0.5\\n[rung] epoch=3 loss=0.25\\n')\n"
        "with open(os.path.join(os.environ['RUNG_CHECKPOINT_DIR'], 'state.json'), 'w') as f:\n"
        "    json.dump({'epoch': 3, 'loss': 0.25}, f)\n"
    )
    script = programs.write(tmp_path, "orphaned.py", orphan + programs.TRAIN)
    command = objective(tmp_path, programs.python(script, "{lr}", "{epochs}"))
    task = Task(Job(0, {"lr": 0.25}, 1, 3), seed=1, iterative=True)
    checkpoint_dir(tmp_path / "exp", 0).mkdir(parents=True)
    (checkpoint_dir(tmp_path / "exp", 0) / "state.json").write_text('{"epoch": 1, "loss": 7.5}')
    again = execute(task, command, clock.monotonic)
    assert again.status is JobStatus.COMPLETED, again.error
    assert [(r.resource, r.value) for r in again.reports] == [(2, 0.5), (3, 0.25)]
    assert [s["loaded"] for s in programs.journal(tmp_path / "journal.jsonl")] == [3]


@pytest.mark.parametrize(
    ("options", "error", "message"),
    [
        ({"metric": ""}, ConfigError, "'metric' parameter of CommandObjective must be a non-empty"),
        ({"metric": None}, TypeError, "'metric' parameter of CommandObjective .*; got None"),
        ({"metric": "val loss"}, ConfigError, "'metric' .* a name a report line can carry"),
        ({"metric": "acc@1"}, ConfigError, "'metric' .* report line can carry.*got 'acc@1'"),
        ({"resource_name": "n epochs"}, ConfigError, "'resource_name' .* a name like 'epochs'"),
        ({"resource_name": 3}, TypeError, "'resource_name' .* non-empty string; got 3"),
        ({"grace_s": -1}, ConfigError, "'grace_s' .* must be a finite number >= 0; got -1"),
        ({"shell": "yes"}, TypeError, "'shell' .* must be a bool; got 'yes'"),
    ],
)
def test_bad_arguments_name_the_parameter(tmp_path, options, error, message):
    arguments = {"metric": "loss", "directory": tmp_path, "check": False, **options}
    with pytest.raises(error, match=message):
        CommandObjective("echo {lr}", **arguments)


def test_a_program_one_epoch_short_fails_under_asha_and_is_never_promoted_on_it(tmp_path):
    short = programs.write(tmp_path, "short.py", programs.SHORT)
    good = programs.write(tmp_path, "train.py", programs.TRAIN)
    command = programs.python(Path("{script}"), "{lr}", "{epochs}").replace("'", "")
    space = {"script": rung.choice([str(good), str(short)]), "lr": rung.uniform(0.05, 0.5)}
    result = run(objective(tmp_path, command), space, trials=9)
    is_short = {t.trial_id: t.config["script"] == str(short) for t in result.trials}
    assert set(is_short.values()) == {False, True}
    failed = []
    for job in result.jobs:
        if is_short[job.trial_id] and job.resource_to > 1:  # it reports 1 .. resource_to - 1
            failed.append(job)
            assert job.status is JobStatus.FAILED and math.isnan(job.value)
            asked = job.resource_to
            assert f"reported up to {asked - 1} of the {asked} epochs asked" in job.error
        else:
            assert job.status is JobStatus.COMPLETED
            assert job.reports[-1].resource == job.resource_to
    assert failed, "ASHA promoted no short trial"
    assert result.n_failed_jobs == len(failed)
    assert all(result.trials[j.trial_id].status is TrialStatus.FAILED for j in failed)


def test_a_job_run_again_whose_earlier_attempt_fell_short_of_its_target_trains_again(
    tmp_path,
):
    """A killed driver, later: the program saved its target epoch but was killed before it
    printed that epoch's report. Run again, it has nothing left to train and prints
    nothing; the earlier attempt's reports stop below the target, so rather than rank the
    trial on a lower epoch's value (or fail it), the job trains it again from scratch."""
    import time as clock

    from rung.task import Task
    from rung.trial import execute
    from rung.types import Job

    command = objective(tmp_path, train_command(tmp_path))

    def job(resource_from, resource_to):
        task = Task(Job(0, {"lr": 0.25}, resource_from, resource_to), seed=1, iterative=True)
        return execute(task, command, clock.monotonic)

    assert job(0, 1).status is JobStatus.COMPLETED
    first = job(1, 3)  # saves epoch 3
    log = log_path(tmp_path / "exp", 0, 1, 3)
    lines = log.read_text().splitlines(keepends=True)
    log.write_text("".join(line for line in lines if "epoch=3 " not in line))
    again = job(1, 3)
    seen = programs.journal(tmp_path / "journal.jsonl")[-2:]
    assert [(s["from"], s["loaded"]) for s in seen] == [(1, 3), (0, None)]
    assert again.status is JobStatus.COMPLETED, again.error
    assert [(r.resource, r.value) for r in again.reports] == [
        (r.resource, r.value) for r in first.reports
    ]
