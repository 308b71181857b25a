import subprocess
import sys

import pytest

import rung
from rung.cli import main


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


def test_console_script_is_installed():
    out = subprocess.run(
        [sys.executable, "-m", "rung.cli", "--version"], capture_output=True, text=True, check=True
    )
    assert out.stdout.startswith("rung ")
