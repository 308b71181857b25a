import subprocess
import sys

import pytest

import rung
from rung.cli.main import main


def test_version(capsys):
    with pytest.raises(SystemExit) as info:
        main(["--version"])
    assert info.value.code == 0
    assert rung.__version__ in capsys.readouterr().out


def test_demo_runs_and_reports_results(capsys):
    assert main(["demo", "--trials", "10", "--seed", "1"]) == 0
    out = capsys.readouterr().out
    assert "toy (x - 2)**2" in out and "Branin" in out
    assert "random" in out and "bo" in out and "jobs per rung" in out


@pytest.mark.parametrize("argv", [["demo", "--trials", "0"], ["demo", "--seed", "x"], ["nope"]])
def test_bad_arguments_exit_2_with_a_message_naming_them(argv, capsys):
    with pytest.raises(SystemExit) as info:
        main(argv)
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert err.strip().splitlines()[-1].startswith("rung")
    assert "Traceback" not in err


@pytest.mark.parametrize("module", ["rung", "rung.cli.main"])
def test_the_command_line_runs_as_a_module_without_warnings(module):
    out = subprocess.run(
        [sys.executable, "-W", "error", "-m", module, "--version"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.startswith("rung ")
    assert out.stderr == ""  # runpy warns when the package imported the module first


def _closed_stdout(*argv: str) -> subprocess.CompletedProcess:
    """Runs ``rung argv`` with its standard output a pipe whose reader has gone, as in
    ``rung show DIR | head -1`` once head has exited."""
    process = subprocess.Popen(
        [sys.executable, "-m", "rung", *argv], stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    process.stdout.close()
    err = process.stderr.read().decode()
    process.wait()
    return subprocess.CompletedProcess(argv, process.returncode, "", err)


def test_a_reader_that_stops_reading_is_no_error(tmp_path):
    from tests.results.test_report import run_into

    run_into(tmp_path / "exp")
    shown = _closed_stdout("show", str(tmp_path / "exp"))
    assert (shown.returncode, shown.stderr) == (141, "")  # as a program SIGPIPE ends


def _error_line(capsys):
    err = capsys.readouterr().err
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    return lines[0]


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["tune", "--model", "resnet", "--trials", "3"], "--model: invalid choice: 'resnet'"),
        (
            ["tune", "--model", "lenet", "--trials", "3", "--eta", "1"],
            "--eta: must be a finite number from 2 to 1000; got '1'",
        ),
        (
            ["tune", "--model", "lenet", "--trials", "0"],
            "--trials: must be an integer from 1 to 1000000; got '0'",
        ),
        (["tune", "--model", "lenet"], "give a budget"),
        (
            ["tune", "--model", "lenet", "--trials", "3", "--min-epochs", "9", "--max-epochs", "3"],
            "--min-epochs: must be <= --max-epochs=3; got 9",
        ),
        (
            ["tune", "--model", "lenet", "--trials", "3", "--scheduler", "pbt"],
            "--scheduler: invalid choice: 'pbt'",
        ),
        (
            ["tune", "--model", "lenet", "--trials", "3", "--scheduler", "fifo", "--eta", "2"],
            "--eta: only with a scheduler that has rungs; fifo trains every trial to "
            "--max-epochs; got --eta 2 with fifo",
        ),
    ],
)
def test_tune_usage_errors_exit_2_with_one_line(argv, expected, capsys):
    try:
        status = main(argv)
    except SystemExit as exit_:
        status = exit_.code
    assert status == 2
    assert expected in _error_line(capsys)


def test_malformed_space_file_exits_2_naming_file_and_parameter(tmp_path, capsys):
    space = tmp_path / "space.toml"
    space.write_text("learning_rate = { loguniform = [0, 1] }\n")
    status = main(
        [
            "tune",
            "--model",
            "lenet",
            "--trials",
            "2",
            "--space",
            str(space),
            "--out",
            str(tmp_path / "out"),
        ]
    )
    assert status == 2
    line = _error_line(capsys)
    assert "space.toml" in line and "'learning_rate'" in line and "low > 0" in line
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("command", ["show", "plot", "resume"])
def test_a_directory_without_an_experiment_is_a_usage_error(tmp_path, capsys, command):
    assert main([command, str(tmp_path)]) == 2
    assert "holds no experiment" in _error_line(capsys)


@pytest.mark.parametrize("command", ["show", "resume"])
def test_a_damaged_or_foreign_database_is_a_usage_error_and_stays_untouched(
    tmp_path, capsys, command
):
    import sqlite3

    (tmp_path / "experiment.db").write_bytes(b"this is no database" * 100)
    assert main([command, str(tmp_path)]) == 2
    assert "experiment.db" in _error_line(capsys)
    assert (tmp_path / "experiment.db").read_bytes() == b"this is no database" * 100
    foreign = tmp_path / "foreign"
    foreign.mkdir()
    with sqlite3.connect(foreign / "experiment.db") as db:
        db.execute("create table songs (title text)")
    before = (foreign / "experiment.db").read_bytes()
    assert main([command, str(foreign)]) == 2
    assert "experiment.db" in _error_line(capsys)
    assert (foreign / "experiment.db").read_bytes() == before
