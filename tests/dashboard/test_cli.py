"""``rung dashboard`` on the command line."""

from __future__ import annotations

import os
import socket
import subprocess
import sys

import pytest

from rung.cli.main import main


def test_a_directory_without_a_run_is_the_error_rung_show_gives(tmp_path, capsys):
    assert main(["show", str(tmp_path)]) == 2
    shown = capsys.readouterr().err.replace("rung show:", "")
    assert main(["dashboard", str(tmp_path), "--port", "0"]) == 2
    assert capsys.readouterr().err.replace("rung dashboard:", "") == shown


def test_export_writes_one_file(finished_dir, tmp_path, capsys):
    target = tmp_path / "report.html"
    assert main(["dashboard", str(finished_dir), "--export", str(target)]) == 0
    assert str(target) in capsys.readouterr().out
    assert target.read_text().startswith("<!doctype html>")


def test_a_port_in_use_is_one_clear_line(finished_dir, capsys):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert main(["dashboard", str(finished_dir), "--port", str(port)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1, err
    assert f"127.0.0.1:{port}" in err and "in use" in err and "--port 0" in err


def test_a_wider_host_warns_once(finished_dir):
    # a real process: the library's log goes to stderr as it does for a user
    command = [sys.executable, "-m", "rung.cli.main", "dashboard", str(finished_dir)]
    with subprocess.Popen(
        [*command, "--host", "0.0.0.0", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
    ) as process:
        try:
            assert "http://0.0.0.0:" in process.stdout.readline()  # serving: warned by now
        finally:
            process.terminate()
        err = process.stderr.read()
    assert err.lower().count("warning") == 1 and "no login" in err, err


@pytest.mark.parametrize("port", ["-1", "70000", "http"])
def test_a_bad_port_says_the_range_of_ports(finished_dir, port, capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["dashboard", str(finished_dir), "--port", port])
    assert exit_.value.code == 2
    assert "--port: must be an integer from 0 to 65535" in capsys.readouterr().err


@pytest.mark.parametrize("flag", [["--port", "9000"], ["--host", "0.0.0.0"], ["--interval", "5"]])
def test_export_refuses_the_serving_options_it_would_ignore(finished_dir, tmp_path, flag, capsys):
    target = tmp_path / "report.html"
    assert main(["dashboard", str(finished_dir), "--export", str(target), *flag]) == 2
    assert flag[0] in capsys.readouterr().err
    assert not target.exists()


@pytest.mark.parametrize("interval", ["1e-9", "0.05", "0", "nan"])
def test_an_interval_too_short_to_be_useful_is_one_clear_line(finished_dir, interval, capsys):
    """A tiny interval would keep a core busy looking at the files: refused at once."""
    with pytest.raises(SystemExit) as exit_:
        main(["dashboard", str(finished_dir), "--port", "0", "--interval", interval])
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1, err
    assert f"--interval: must be a finite number from 0.1 to 1e+09; got '{interval}'" in err
