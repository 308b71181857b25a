"""``rung simulate``: bad options are one line and exit status 2, before any run."""

from __future__ import annotations

import pytest

from rung.cli.main import main

QUICK = ["simulate", "--benchmark", "mf-toy", "--seeds", "1", "--time-budget", "5", "--quiet"]


def _no_runs(monkeypatch):
    """Fails the test if a simulation starts."""

    def compare(*args, **kwargs):
        raise AssertionError("the simulation ran before the options were refused")

    monkeypatch.setattr("rung.simulation.compare.compare", compare)


@pytest.mark.parametrize("where", ["file", "below a file"])
def test_an_out_that_cannot_be_a_directory_is_refused_before_the_runs(
    tmp_path, monkeypatch, capsys, where
):
    (tmp_path / "notes.txt").write_text("mine")
    out = tmp_path / "notes.txt" if where == "file" else tmp_path / "notes.txt" / "sim"
    _no_runs(monkeypatch)
    assert main([*QUICK, "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("rung simulate: error: argument --out: ") and err.count("\n") == 1
    assert str(out) in err
    assert (tmp_path / "notes.txt").read_text() == "mine"


def test_an_empty_out_is_refused_not_taken_for_the_default(tmp_path, monkeypatch, capsys):
    """``--out "$UNSET"`` wrote the comparison under runs/: one line, exit status 2."""
    monkeypatch.chdir(tmp_path)
    _no_runs(monkeypatch)
    with pytest.raises(SystemExit) as exit_:
        main([*QUICK, "--out", ""])
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert "argument --out: must be a path; got an empty string" in err and err.count("\n") == 1
    assert list(tmp_path.iterdir()) == []


def test_a_run_writes_its_files_into_out(tmp_path, capsys):
    out = tmp_path / "new" / "sim"
    assert main([*QUICK, "--scheduler", "asha", "--out", str(out)]) == 0
    assert {"curves.csv", "summary.json"} <= {p.name for p in out.iterdir()}
    assert "asha" in capsys.readouterr().out


@pytest.mark.parametrize("option", [["--eta", "2"], ["--min-epochs", "3"]])
def test_rung_options_with_fifo_alone_are_refused_not_ignored(monkeypatch, capsys, option):
    _no_runs(monkeypatch)
    assert main([*QUICK, "--scheduler", "fifo", *option]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"rung simulate: error: argument {option[0]}: only with a scheduler")
    assert err.count("\n") == 1


def test_rung_options_go_to_the_schedulers_that_have_rungs(tmp_path, monkeypatch, capsys):
    seen = {}

    def compare(benchmark, schedulers, **kwargs):
        seen.update(kwargs, schedulers=schedulers)
        raise KeyboardInterrupt  # enough: the options reached the runs

    monkeypatch.setattr("rung.simulation.compare.compare", compare)
    argv = [*QUICK, "--scheduler", "fifo,asha", "--out", str(tmp_path)]
    assert main([*argv, "--eta", "2", "--min-epochs", "3"]) == 130
    assert seen["schedulers"] == ["fifo", "asha"] and (seen["eta"], seen["min_resource"]) == (2, 3)
    assert main(argv) == 130
    assert seen["eta"] == 3 and seen["min_resource"] is None  # the defaults


def test_the_files_are_written_even_when_the_report_cannot_be_printed(tmp_path):
    from tests.cli.test_main import _closed_stdout

    out = tmp_path / "sim"
    done = _closed_stdout(*QUICK, "--scheduler", "asha", "--out", str(out))
    assert (done.returncode, done.stderr) == (141, "")
    assert {"curves.csv", "summary.json"} <= {p.name for p in out.iterdir()}


def test_the_table_columns_of_a_short_budget_read_apart(tmp_path, capsys):
    out = tmp_path / "sim"
    argv = ["simulate", "--benchmark", "mf-toy", "--workers", "2", "--time-budget", "5"]
    assert main([*argv, "--seeds", "1", "--scheduler", "asha", "--quiet", "--out", str(out)]) == 0
    lines = capsys.readouterr().out.splitlines()
    heading = lines[
        lines.index("median best full-resource value so far, by simulated time (s):") + 1
    ]
    assert heading.split()[1:] == ["0.625", "1.25", "2.5", "3.75", "5"]
