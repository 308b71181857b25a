"""``rung dashboard`` on the command line."""

from __future__ import annotations

import subprocess
import sys

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


def test_an_export_path_that_cannot_be_written_is_one_line_naming_it(
    finished_dir, tmp_path, capsys
):
    missing = tmp_path / "no" / "report.html"
    assert main(["dashboard", str(finished_dir), "--export", str(missing)]) == 2
    err = capsys.readouterr().err
    assert err == (
        f"rung dashboard: error: argument --export: cannot write {str(missing)!r}: "
        "No such file or directory\n"
    )
    folder = tmp_path / "exports" / "folder"
    folder.mkdir(parents=True)
    assert main(["dashboard", str(finished_dir), "--export", str(folder)]) == 2
    assert "argument --export: cannot write" in capsys.readouterr().err
    assert [p.name for p in folder.parent.iterdir()] == ["folder"]  # nothing left beside it


def test_serving_off_loopback_warns_once(finished_dir):
    serve = subprocess.Popen(
        [sys.executable, "-m", "rung", "dashboard", str(finished_dir), "--host", "0.0.0.0",
         "--port", "0"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert "rung dashboard: http://0.0.0.0:" in serve.stdout.readline()  # it serves
    finally:
        serve.terminate()
    err = serve.communicate(timeout=30)[1]
    warnings = [line for line in err.splitlines() if "0.0.0.0" in line]
    assert len(warnings) == 1 and "there is no login" in warnings[0], err
