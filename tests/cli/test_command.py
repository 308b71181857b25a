"""``rung tune --command``: a program tuned from the shell, shown, killed and resumed."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from rung.cli._args import available_cpus
from rung.cli.main import main
from tests.workloads import programs

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX process groups")
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def project(tmp_path, monkeypatch):
    """A directory with the training script and a space file, as the working directory."""
    programs.write(tmp_path, "train.py", programs.TRAIN)
    (tmp_path / "space.toml").write_text("lr = { uniform = [0.05, 0.5] }\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("JOURNAL", str(tmp_path / "journal.jsonl"))
    return tmp_path


def tune_argv(*extra: str) -> list[str]:
    return [
        "tune",
        "--command",
        f"{sys.executable} train.py {{lr}} {{epochs}}",
        "--space",
        "space.toml",
        "--metric",
        "loss",
        "--scheduler",
        "asha",
        "--min-epochs",
        "1",
        "--max-epochs",
        "9",
        "--trials",
        "9",
        "--quiet",
        *extra,
    ]


def results(out: Path) -> dict:
    return json.loads((out / "results.json").read_text())


def test_tune_show_and_resume_a_program(project, capsys):
    out = project / "runs" / "mine"
    assert main(tune_argv("--workers", "2", "--out", str(out))) == 0
    printed = capsys.readouterr().out
    assert "best loss" in printed and f"job logs: {out / 'logs'}" in printed
    assert "the program saved some for 9 of 9 trials" in printed
    record = results(out)
    assert record["summary"]["trials"] == 9 and record["spec"]["extra"]["metric"] == "loss"
    assert all(job["status"] == "COMPLETED" for job in record["jobs"])
    assert "acc" in json.dumps(record["jobs"][0]["reports"])  # every metric of the lines
    assert main(["show", str(out)]) == 0
    assert "command: " in capsys.readouterr().out
    # More budget: the run goes on from its record.
    assert main(["resume", str(out), "--trials", "12", "--quiet"]) == 0
    assert results(out)["summary"]["trials"] == 12


def test_resume_holds_a_run_to_the_budget_its_latest_resume_recorded(project, capsys):
    """rung resume read the budget the run started with, not the one its latest resume
    recorded (which the tuner keeps): "it already trained 21 of its 10 epochs"."""
    out = project / "runs" / "mine"
    argv = tune_argv("--out", str(out))
    del argv[argv.index("--trials") : argv.index("--trials") + 2]  # the epochs budget only
    assert main([*argv, "--epochs-budget", "10"]) == 0
    assert main(["resume", str(out), "--epochs-budget", "20", "--quiet"]) == 0
    trained = results(out)["summary"]["resource"]
    assert trained >= 20
    capsys.readouterr()
    # more trials, but the epochs budget the latest resume recorded holds
    assert main(["resume", str(out), "--trials", "100", "--quiet"]) == 2
    said = capsys.readouterr().err
    assert f"it already trained {trained:g} of its 20 epochs" in said, said


def test_a_full_disk_at_the_end_keeps_the_summary_and_says_how_to_redraw(
    project, capsys, monkeypatch
):
    import errno

    from matplotlib.figure import Figure

    def full(self, *args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(Figure, "savefig", full)
    out = project / "runs" / "full"
    assert main(tune_argv("--trials", "2", "--out", str(out))) == 1
    printed = capsys.readouterr()
    assert "best loss" in printed.out  # the search's summary, all the same
    expected = (
        f"rung tune: error: disk full while writing the results and plots into {str(out)!r}: "
        f"the run is recorded in its experiment.db; free space, then `rung plot {out}` "
    )
    assert printed.err.startswith(expected) and printed.err.count("\n") == 1
    assert main(["plot", str(out)]) == 1
    assert capsys.readouterr().err.startswith(expected.replace("rung tune", "rung plot"))
    monkeypatch.undo()
    assert main(["plot", str(out)]) == 0 and (out / "progress.png").is_file()


def test_a_full_disk_when_the_store_is_created_is_a_run_time_error(project, capsys, monkeypatch):
    import sqlite3

    real_connect = sqlite3.connect

    def full(*args, **kwargs):  # SQLite's own "database or disk is full" on the first page
        db = real_connect(*args, **kwargs)
        db.execute("PRAGMA max_page_count = 1")
        return db

    monkeypatch.setattr(sqlite3, "connect", full)
    out = project / "runs" / "full"
    assert main(tune_argv("--out", str(out))) == 1  # not 2: the command line was right
    err = capsys.readouterr().err
    assert err.startswith("rung tune: error: disk full while creating the experiment in ")
    assert err.count("\n") == 1 and not (out / "experiment.db").exists()


def test_a_resume_while_the_run_writes_its_results_is_refused(project, capsys, monkeypatch):
    # The store is closed once the search ends; a --model run then trains its final model
    # for minutes: a resume meanwhile ran beside it and recorded a second final model.
    import rung.results.report as report

    out = project / "runs" / "busy"
    real_write, during = report.write_results, []

    def write_results(*args, **kwargs):
        if not during:
            during.append(main(["resume", str(out), "--quiet"]))
            during.append(capsys.readouterr().err)
        real_write(*args, **kwargs)

    monkeypatch.setattr(report, "write_results", write_results)
    assert main(tune_argv("--trials", "2", "--out", str(out))) == 0
    assert during[0] == 2
    assert during[1].startswith(f"rung resume: error: {str(out)!r} is being written by another")
    monkeypatch.undo()
    assert main(["resume", str(out), "--quiet"]) == 0  # once the run's command has ended
    assert "nothing to run" in capsys.readouterr().err


def test_a_python_run_while_the_command_writes_its_results_is_refused(project, monkeypatch):
    # The command's store is closed while it writes its results (a --model run trains its
    # final model then, for minutes): a Python resume in another process ran beside it.
    import rung
    import rung.results.report as report
    from rung.errors import StoreError

    out = project / "runs" / "busy"
    real_write, during = report.write_results, []

    def python_resume() -> None:  # pragma: no cover - runs in the child
        try:
            rung.tune(lambda c: c["lr"], {"lr": rung.uniform(0, 1)}, directory=out, max_trials=9)
        except StoreError as err:
            os._exit(0 if str(err).startswith(f"{str(out)!r} is being written by") else 1)
        os._exit(2)

    def write_results(*args, **kwargs):
        if not during:
            pid = os.fork()
            if pid == 0:  # pragma: no cover - runs in the child
                python_resume()
            during.append(os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]))
        real_write(*args, **kwargs)

    monkeypatch.setattr(report, "write_results", write_results)
    # The command runs the Python tuner inside its own hold: that is no second driver.
    assert main(tune_argv("--trials", "2", "--out", str(out), "--quiet")) == 0
    assert during == [0]
    assert (out / "results.json").exists()


def test_a_program_whose_first_trials_all_fail_stops_the_run_with_one_line(project, capsys):
    argv = tune_argv("--out", "runs/gone")
    argv[argv.index("--command") + 1] = f"{sys.executable} missing.py {{lr}} {{epochs}}"
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err and "File " not in err  # rung's frames say nothing here
    line = err.strip().splitlines()[-1]
    assert line.startswith("rung tune: error: The first ") and "missing.py" in line
    assert "trial 0, 0 -> 1; log: " in line


def test_a_run_in_which_every_job_failed_exits_with_status_1(project, capsys):
    argv = tune_argv("--trials", "2", "--job-timeout", "0.01", "--out", "runs/none")
    assert main(argv) == 1  # not a success: a script must not read it as one
    captured = capsys.readouterr()
    assert "no job completed" in captured.out  # the summary is still printed
    line = captured.err.strip().splitlines()[-1]
    assert line.startswith("rung tune: error: no job completed") and "rung resume" in line


def test_a_program_that_saves_nothing_is_shown_as_rerun(project, capsys):
    out = project / "exp"
    argv = tune_argv("--out", str(out))
    argv[2] += " --no-save"
    assert main(argv) == 0
    assert "saved nothing in RUNG_CHECKPOINT_DIR" in capsys.readouterr().out
    # Each promoted job trained from 0 again: those epochs are charged, not only the new ones.
    runs = [json.loads(line) for line in (project / "journal.jsonl").read_text().splitlines()]
    trained = sum(run["to"] - run["from"] for run in runs)
    assert any(run["to"] > 1 and run["from"] == 0 for run in runs)  # some did train again
    assert results(out)["summary"]["resource"] == trained
    from rung.results.summary import read_result

    assert read_result(out).total_resource == trained  # read back from the record, the same


def test_maximize_a_metric_with_one_gpu_per_worker(project):
    programs.write(project, "gpu.py", programs.SHOWS_GPU)
    out = project / "exp"
    argv = tune_argv("--workers", "2", "--gpus", "4,7", "--direction", "max", "--out", str(out))
    argv += ["--scheduler", "fifo", "--max-epochs", "1"]  # it reports one epoch
    del argv[argv.index("--min-epochs") : argv.index("--min-epochs") + 2]  # fifo has no rungs
    argv[2] = f"{sys.executable} gpu.py {{lr}}"
    argv[6] = "gpu"
    assert main(argv) == 0
    record = results(out)
    for job in record["jobs"]:
        assert job["value"] == (4.0, 7.0)[job["worker"]]
    assert record["summary"]["best"]["value"] == 7.0


def test_a_run_from_an_experiment_file_with_flags_overriding_it(project, capsys):
    (project / "experiment.toml").write_text(
        f"command = [{json.dumps(sys.executable)}, 'train.py', '{{lr}}', '{{epochs}}']\n"
        "metric = 'loss'\nscheduler = 'asha'\nmin-epochs = 1\nmax_epochs = 9\n"
        "trials = 100\nquiet = true\nout = 'runs/from-file'\n"
        "space = { lr = { loguniform = [0.05, 0.5] }, unused = 3 }\n"
    )
    assert main(["tune", "--config", "experiment.toml", "--trials", "4"]) == 0
    record = results(project / "runs" / "from-file")
    assert record["summary"]["trials"] == 4
    assert record["spec"]["extra"]["space_spec"] == {
        "lr": {"loguniform": [0.05, 0.5]},
        "unused": 3,
    }


@pytest.mark.parametrize("shell", [False, True])
def test_an_experiment_files_command_as_a_list_runs_with_or_without_a_shell(project, shell):
    """Each argument stays one, spaces and all; with a shell, rung quotes the values."""
    (project / "my train.py").write_text((project / "train.py").read_text())
    (project / "experiment.toml").write_text(
        f"command = [{json.dumps(sys.executable)}, 'my train.py', '{{lr:.4f}}', '{{epochs}}', "
        "'--sleep', '0']\n"
        f"shell = {str(shell).lower()}\nmetric = 'loss'\nscheduler = 'fifo'\nmax_epochs = 2\n"
        "trials = 2\nquiet = true\nout = 'runs/list'\nspace = 'space.toml'\n"
    )
    assert main(["tune", "--config", "experiment.toml"]) == 0
    record = results(project / "runs" / "list")
    assert record["summary"]["trials"] == 2 and record["summary"]["failed_jobs"] == 0
    assert [entry["epochs_arg"] for entry in programs.journal(project / "journal.jsonl")] == [2, 2]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"metric": None}, "needs --metric"),
        ({"command": "no-such-program-rung {lr}"}, "'no-such-program-rung' is not found"),
        ({"command": "./space.toml {lr}"}, "is not executable"),
        ({"command": "python train.py {lr} {momentum}"}, "placeholder {momentum}"),
        ({"extra": ["--model", "softmax"]}, "not both"),
        ({"extra": ["--quick"]}, "--quick: only with --model"),
        ({"extra": ["--keep-checkpoints"]}, "--keep-checkpoints: only with --model"),
        ({"extra": ["--gpus", "0,-1"]}, "device indices >= 0"),
        ({"extra": ["--scheduler", "fifo", "--eta", "2"]}, "--eta: only with a scheduler that"),
        ({"metric": None, "extra": ["--objectives", "loss:min,acc:max", "--direction", "max"]},
         "--direction: with --objectives each objective has its own direction"),
        ({"metric": None, "extra": ["--objectives", "loss:min acc:max"]},
         "report line can carry (a letter or '_', then letters, digits, '_', '.', '-' or '/'); "
         "got 'loss:min acc'. Separate objectives with commas"),
        ({"metric": None, "extra": ["--objectives", "loss:min,a:b:max"]}, "got 'a:b'"),
        ({"extra": ["--metric", "val loss"]}, "--metric: The metric must be a name"),
        ({"extra": ["--constraint", "acc x>=0.5"]}, "got 'acc x'"),
        ({"extra": ["--constraint", "<=0.5"]}, "got '<=0.5', with no metric name"),
    ],
)  # fmt: skip
def test_usage_errors_are_one_line_and_write_nothing(project, capsys, change, message):
    argv = tune_argv("--out", "exp", *change.get("extra", []))
    if "command" in change:
        argv[2] = change["command"]
    if "metric" in change:
        del argv[5:7]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert not (project / "exp").exists()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("metrik = 'loss'\n", "unknown key 'metrik'; did you mean 'metric'?"),
        ("workers = 0\n", "'workers': must be an integer from 1 to 1024"),
        ("scheduler = 'fast'\n", "'scheduler' must be one of"),
        ("quiet = 'yes'\n", "'quiet' is a switch"),
        ("trials = [1, 2]\n", "'trials' takes one value"),
        ("metric = \n", "not valid TOML"),
    ],
)
def test_a_bad_experiment_file_is_one_line_naming_the_key(project, capsys, text, message):
    (project / "experiment.toml").write_text(text)
    assert main(["tune", "--config", "experiment.toml"]) == 2
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1


@pytest.mark.parametrize("flag", ["--config", "--space"])
def test_a_file_that_is_not_utf8_is_one_line_naming_it(project, capsys, flag):
    (project / "latin1.toml").write_bytes("lr = { choice = ['caf\u00e9'] }\n".encode("latin-1"))
    argv = ["tune", "--command", "python train.py {lr} {epochs}", "--metric", "loss"]
    assert main([*argv, "--trials", "2", flag, "latin1.toml"]) == 2
    err = capsys.readouterr().err
    assert "latin1.toml: not valid TOML: it is not UTF-8 text" in err
    assert len(err.strip().splitlines()) == 1


@pytest.mark.parametrize(
    ("goals", "message"),
    [
        ('objectives = { "val error" = "min" }\n', "got 'val error'"),
        ("objectives = 'loss:min,acc:max'\ndirection = 'max'\n", "--direction: with --objectives"),
        ("metric = 'loss'\nconstraints = ['a b<=5']\n", "got 'a b'"),
    ],
)
def test_bad_goals_in_an_experiment_file_are_one_line_and_write_nothing(
    project, capsys, goals, message
):
    (project / "experiment.toml").write_text(
        goals + "command = 'python train.py {lr} {epochs}'\nspace = 'space.toml'\n"
        "trials = 2\nout = 'exp'\n"
    )
    assert main(["tune", "--config", "experiment.toml"]) == 2
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1
    assert not (project / "exp").exists()


def _wait_for(predicate, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return predicate()


@pytest.mark.parametrize("workers", ["2", pytest.param("1", marks=pytest.mark.slow)])
def test_kill_the_driver_then_resume(project, workers):
    """SIGKILL to ``rung tune`` mid-run: no program outlives it (run by a worker process,
    or by the driver itself), and ``rung resume`` finishes the run without running a
    finished job again."""
    out = project / "exp"
    journal = project / "journal.jsonl"
    argv = tune_argv("--workers", workers, "--trials", "12", "--out", str(out))
    argv[2] += " --sleep 0.1"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT)])}
    driver = subprocess.Popen(
        [sys.executable, "-c", "import sys; from rung.cli import main; sys.exit(main())", *argv],
        cwd=project,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        assert _wait_for(lambda: len(programs.journal(journal)) >= 8, 120), "no progress"
    finally:
        driver.send_signal(signal.SIGKILL)
        driver.wait()
    started = programs.journal(journal)
    assert _wait_for(lambda: not any(programs.alive(s["pid"]) for s in started), 10), (
        "a program outlived its driver"
    )
    before = {(j["trial_id"], j["resource_to"]) for j in _ended_jobs(out)}
    assert main(["resume", str(out), "--quiet"]) == 0
    record = results(out)
    assert record["summary"]["trials"] == 12
    ended = [
        (j["trial_id"], j["resource_to"]) for j in record["jobs"] if j["status"] == "COMPLETED"
    ]
    assert len(ended) == len(set(ended))  # no finished job ran again
    assert before <= set(ended)
    lrs = {t: j["config"]["lr"] for j in record["jobs"] for t in [j["trial_id"]]}
    for job in record["jobs"]:  # resumed from the programs' checkpoints: the same curve
        expected = 10 * (1 - lrs[job["trial_id"]]) ** job["resource_to"]
        assert job["value"] == pytest.approx(expected)
    assert all(s["loaded"] is None or s["loaded"] >= s["from"] for s in programs.journal(journal))


def _ended_jobs(out: Path) -> list[dict]:
    from rung.results.report import job_to_dict
    from rung.results.summary import read_result

    return [job_to_dict(job) for job in read_result(out).jobs]


def _recorded_budget(out: Path):
    from rung.results.summary import recorded_budget, spec_of
    from rung.store import ExperimentStore

    with ExperimentStore.open(out, readonly=True) as store:
        return recorded_budget(store, spec_of(store.started).budget)


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (["--shell"], "argument --shell: only with --command"),
        (["--data-dir", "data"], "argument --data-dir: only for a --model run"),
    ],
)
def test_resume_flags_that_would_change_nothing_are_refused(project, capsys, flags, message):
    out = project / "exp"
    assert main(tune_argv("--trials", "2", "--max-epochs", "3", "--out", str(out))) == 0
    capsys.readouterr()
    assert main(["resume", str(out), "--trials", "4", *flags]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"rung resume: error: {message}") and len(err.splitlines()) == 1
    assert results(out)["summary"]["trials"] == 2


def test_resume_with_more_workers_than_cpus_is_refused_and_the_record_kept(project, capsys):
    out = project / "exp"
    assert main(tune_argv("--trials", "2", "--max-epochs", "3", "--out", str(out))) == 0
    capsys.readouterr()
    too_many = str(available_cpus() + 1)
    assert main(["resume", str(out), "--trials", "4", "--workers", too_many]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("rung resume: error: argument --workers: at most ")
    assert len(err.splitlines()) == 1
    assert results(out)["summary"]["trials"] == 2
    assert _recorded_budget(out).max_trials == 2


def test_resume_with_a_budget_the_run_has_is_refused_and_the_record_kept(project, capsys):
    out = project / "exp"
    assert main(tune_argv("--trials", "4", "--max-epochs", "3", "--out", str(out))) == 0
    jobs = results(out)["summary"]["jobs"]
    capsys.readouterr()
    for budget in (["--trials", "4"], ["--trials", "2"], ["--time-budget", "1"]):
        assert main(["resume", str(out), *budget]) == 2
        err = capsys.readouterr().err.strip()
        assert err.startswith("rung resume: error: nothing to run: the run already has 4 trials")
        assert len(err.splitlines()) == 1 and "larger than 4" in err
    budget = _recorded_budget(out)
    assert (budget.max_trials, budget.time_budget_s) == (4, None)  # as the run recorded it
    assert results(out)["summary"]["jobs"] == jobs
    # The recorded budget alone: nothing to run, said, exit status 0.
    assert main(["resume", str(out), "--quiet"]) == 0
    assert "nothing to run: the run already has 4 trials" in capsys.readouterr().err
    # A resume that runs says what it ran.
    assert main(["resume", str(out), "--trials", "5"]) == 0
    err = capsys.readouterr().err
    assert f"resuming {tune_argv()[2]!r} in {out}" in err
    assert f"resumed {out}: 1 new trial," in err and "the run now has 5 trials" in err
    assert _recorded_budget(out).max_trials == 5
    assert results(out)["spec"]["budget"]["max_trials"] == 5  # what the run is held to now


def test_flags_replace_the_experiment_files_goals(project):
    (project / "experiment.toml").write_text(
        f"command = [{json.dumps(sys.executable)}, 'train.py', '{{lr}}', '{{epochs}}']\n"
        "objectives = { loss = 'min', acc = 'max' }\nconstraints = ['acc>=0.9', 'loss<=9']\n"
        "scheduler = 'asha'\nmax_epochs = 3\ntrials = 3\nquiet = true\n"
        "space = 'space.toml'\n"
    )
    tune = ["tune", "--config", "experiment.toml"]
    assert main([*tune, "--constraint", "acc>=0.1", "--out", "constrained"]) == 0
    spec = results(project / "constrained")["spec"]
    assert [c["metric"] for c in spec["constraints"]] == ["acc"]  # the file's are replaced
    assert spec["constraints"][0]["bound"] == 0.1
    assert [o["name"] for o in spec["objectives"]] == ["loss", "acc"]
    assert main([*tune, "--metric", "loss", "--out", "one"]) == 0  # instead of objectives
    spec = results(project / "one")["spec"]
    assert spec["objectives"] == [{"name": "loss", "direction": "min"}]  # under the file's
    assert [c["metric"] for c in spec["constraints"]] == ["acc", "loss"]  # constraints


def test_an_epochs_budget_bounds_the_run_and_its_resume(project, capsys):
    out = project / "epochs"
    argv = tune_argv("--epochs-budget", "30", "--out", str(out))
    i = argv.index("--trials")
    del argv[i : i + 2]  # the epochs alone bound the run
    assert main(argv) == 0
    summary = results(out)["summary"]
    spent = _recorded_budget(out)
    assert spent.resource_budget == 30 and spent.max_trials is None
    # no job starts once 30 epochs are charged; the jobs running then may end past it
    assert 30 <= summary["resource"] < 30 + 9
    capsys.readouterr()
    assert main(["resume", str(out), "--epochs-budget", "20"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("rung resume: error: nothing to run: it already trained")
    assert "give --epochs-budget EPOCHS larger than" in err
    assert main(["resume", str(out), "--epochs-budget", "60", "--quiet"]) == 0
    assert 60 <= results(out)["summary"]["resource"] < 60 + 9
    assert _recorded_budget(out).resource_budget == 60


@pytest.mark.parametrize("quiet", [False, True])
def test_a_failed_job_is_told_once(project, capsys, caplog, quiet):
    programs.write(project, "fails.py", programs.FAILS)
    argv = tune_argv("--trials", "1", "--out", "failing")
    argv[argv.index("--command") + 1] = f"{sys.executable} fails.py {{lr}} {{epochs}}"
    if not quiet:
        argv.remove("--quiet")
    main(argv)
    lines = capsys.readouterr().err.count("FAILED:")
    warnings = [r for r in caplog.records if "trial 0 failed" in r.getMessage()]
    # two attempts (one retry): each told by its progress line, or, when quiet, the log
    assert (lines, len(warnings)) == ((0, 2) if quiet else (2, 0))


def test_a_program_recorded_by_another_user_starts_only_when_given_again(
    project, tmp_path, monkeypatch, capsys
):
    """rung starts no program read from a directory it did not sign: a run from someone
    else (another key) resumes only with its command given again, where it ran."""
    out = project / "runs" / "theirs"
    assert main(tune_argv("--trials", "3", "--out", str(out))) == 0
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "another-user"))
    command = f"{sys.executable} train.py {{lr}} {{epochs}}"
    capsys.readouterr()
    assert main(["resume", str(out), "--trials", "5", "--quiet"]) == 2
    refused = capsys.readouterr().err
    assert "not recorded by your rung" in refused and "--command" in refused
    assert main(["resume", str(out), "--trials", "5", "--command", "sh evil.sh"]) == 2
    assert "give it as recorded" in capsys.readouterr().err
    assert main(["resume", str(out), "--trials", "5", "--command", command, "--shell"]) == 2
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    assert main(["resume", str(out), "--trials", "5", "--command", command]) == 2
    assert "resume it from there" in capsys.readouterr().err
    assert results(out)["summary"]["trials"] == 3  # nothing ran, nothing was recorded
    monkeypatch.chdir(project)
    assert main(["resume", str(out), "--trials", "5", "--command", command, "--quiet"]) == 0
    assert results(out)["summary"]["trials"] == 5


def test_the_refusal_of_another_users_program_spells_out_a_command_that_works(
    project, tmp_path, monkeypatch, capsys
):
    """Its `cd WHERE && rung resume DIR --command ...` names DIR as seen from WHERE, for
    a directory given relative to somewhere else."""
    import shlex

    assert main(tune_argv("--trials", "2", "--max-epochs", "3", "--out", "runs/theirs")) == 0
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "another-user"))
    monkeypatch.chdir(project.parent)
    capsys.readouterr()
    assert main(["resume", f"{project.name}/runs/theirs", "--trials", "3", "--quiet"]) == 2
    refused = capsys.readouterr().err.strip()
    words = shlex.split(refused.split("from where it ran: ", 1)[1])
    assert words[:4] == ["cd", str(project), "&&", "rung"]
    assert words[4] == "resume" and words[6] == "--command"
    assert (Path(words[1]) / words[5]).resolve() == (project / "runs" / "theirs").resolve()
    monkeypatch.chdir(words[1])  # as spelled out, it runs
    assert main(words[4:] + ["--trials", "3", "--quiet"]) == 0
    assert results(project / "runs" / "theirs")["summary"]["trials"] == 3
