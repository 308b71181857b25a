"""Bad input is refused at once: numbers out of bounds, spaces the model cannot use, and a
resume never connects where the directory says."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import rung.cli.tune as cli_tune
from rung.cli._args import available_cpus
from rung.cli.main import main
from rung.store import ExperimentStore

ROOT = Path(__file__).resolve().parents[2]
TUNE = ["tune", "--model", "lenet", "--trials", "2"]


@pytest.mark.parametrize(
    "argv, expected",
    [
        (TUNE + ["--workers", "100000"], "--workers: must be an integer from 1 to 1024"),
        (TUNE + ["--threads", "100000"], "--threads: must be an integer from 1 to"),
        (TUNE + ["--max-epochs", str(10**12)], "--max-epochs: must be an integer from 1 to"),
        (TUNE + ["--min-epochs", "0"], "--min-epochs: must be an integer from 1"),
        (TUNE + ["--final-epochs", "99999"], "--final-epochs: must be an integer from 1 to"),
        (TUNE + ["--eta", "1e9"], "--eta: must be a finite number from 2 to 1000"),
        (TUNE + ["--eta", "inf"], "--eta: must be a finite number"),
        (TUNE + ["--eta", "nan"], "--eta: must be a finite number"),
        (TUNE + ["--seed", str(2**70)], "--seed: must be an integer from 0 to 2\\*\\*64 - 1"),
        (TUNE + ["--seed", "-1"], "--seed: must be an integer from 0"),
        (TUNE + ["--time-budget", "inf"], "--time-budget: must be a finite number > 0"),
        (TUNE + ["--job-timeout", "1e300"], "--job-timeout: must be a finite number > 0"),
        (TUNE + ["--max-retries", "1000000"], "--max-retries: must be an integer from 0 to 100"),
        (["tune", "--model", "lenet", "--trials", str(10**7)], "--trials: must be an integer"),
        (["resume", "x", "--workers", "0"], "--workers: must be an integer from 1"),
        (["demo", "--seed", str(2**64)], "--seed: must be an integer"),
        (["simulate", "--workers", str(10**7)], "--workers: must be an integer"),
    ],
)
def test_numbers_out_of_bounds_exit_2_with_one_line(argv, expected, capsys):
    with pytest.raises(SystemExit) as exit_:
        main(argv)
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert re.search(expected, err), err


def test_more_local_workers_than_cpus_is_a_usage_error(capsys):
    assert main(TUNE + ["--workers", str(available_cpus() + 1)]) == 2
    err = capsys.readouterr().err
    assert "--workers: at most" in err and "--dask-address" in err and err.count("\n") == 1


SPACES = {
    "unknown key": ("foo = {uniform = [0, 1]}", "'foo' is not a config key of the 'lenet'"),
    "negative rate": (
        "learning_rate = {uniform = [-0.1, 1.0]}",
        "'learning_rate' = uniform\\(-0.1, 1.0\\) can give -0.1.*must be in \\(0, inf\\)",
    ),
    "batch of zero": (
        "batch_size = {randint = [0, 1]}",
        "'batch_size' = randint\\(0, 1\\) can give 0.*must be an int >= 1",
    ),
    "float batch": ("batch_size = {uniform = [16, 64]}", "'batch_size'.*must be an integer"),
    "float choice": ("batch_size = {choice = [32, 64.5]}", "can give 64.5"),
    "constant": (
        "learning_rate = 0\nbatch_size = {randint = [32, 64]}",
        "'learning_rate' = 0 can give 0",
    ),
}


@pytest.mark.parametrize("name", sorted(SPACES))
def test_a_space_the_model_cannot_use_exits_2_before_any_trial(tmp_path, name, capsys):
    text, expected = SPACES[name]
    space = tmp_path / "space.toml"
    space.write_text(text + "\n")
    status = main(TUNE + ["--space", str(space), "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert status == 2 and err.count("\n") == 1, err
    assert re.search(expected, err), err
    assert not (tmp_path / "out").exists()


def test_refusals_come_before_torch_is_imported(tmp_path):
    space = tmp_path / "space.toml"
    space.write_text("batch_size = {randint = [0, 1]}\n")
    script = (
        "import sys; from rung.cli.main import main\n"
        "codes = []\n"
        "for argv in ([*sys.argv[2:], '--space', sys.argv[1]], [*sys.argv[2:], '--eta', 'inf']):\n"
        "    try: codes.append(main(argv))\n"
        "    except SystemExit as e: codes.append(e.code)\n"
        "print(codes, 'torch' in sys.modules)\n"
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT)])}
    out = subprocess.run(
        [sys.executable, "-c", script, str(space), *TUNE],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    ).stdout
    assert out.strip() == "[2, 2] False"


def test_a_resume_connects_only_where_the_command_line_says(tmp_path, monkeypatch):
    import rung
    from rung.space_file import space_to_spec

    extra = {  # as rung tune records it, plus an address whoever made the directory added
        "model": "softmax",
        "space_spec": space_to_spec({"learning_rate": rung.loguniform(0.01, 1.0)}),
        "dask_address": "tcp://203.0.113.9:8786",
    }
    scheduler = rung.FIFO(rung.RandomSearcher({"learning_rate": rung.loguniform(0.01, 1.0)}))
    tuner = rung.Tuner(lambda c: 0.0, scheduler, seed=0, extra=extra)
    with ExperimentStore.create(tmp_path / "run", tuner.spec(rung.Budget(max_trials=2)).to_dict()):
        pass
    used: list[Any] = []
    monkeypatch.setattr(cli_tune, "_prepare_data", lambda settings: None)
    monkeypatch.setattr(cli_tune, "_reach_cluster", lambda address: None)  # none listens
    monkeypatch.setattr(
        cli_tune, "_run", lambda args, settings, *a, **k: used.append(settings) or 0
    )
    assert main(["resume", str(tmp_path / "run")]) == 0
    assert used[-1]["dask_address"] is None
    assert main(["resume", str(tmp_path / "run"), "--dask-address", "tcp://127.0.0.1:1"]) == 0
    assert used[-1]["dask_address"] == "tcp://127.0.0.1:1"


UNREACHABLE = "tcp://127.0.0.1:1"  # nothing listens on port 1


@pytest.fixture
def short_connect_timeout():
    """Dask's connect timeout (30 s) cut short: an unreachable cluster answers at once."""
    dask = pytest.importorskip("dask")
    pytest.importorskip("distributed")
    with dask.config.set({"distributed.comm.timeouts.connect": "0.2s"}):
        yield


def test_an_unreachable_cluster_is_one_line_and_records_nothing(
    tmp_path, monkeypatch, capsys, short_connect_timeout
):
    """An unreachable --dask-address left an empty run marked interrupted in --out: the
    same tune was then refused, and a resume ran it locally."""
    monkeypatch.setattr(cli_tune, "_prepare_data", lambda settings: None)
    out = tmp_path / "out"
    argv = ["tune", "--model", "softmax", "--workers", "2", "--dask-address", UNREACHABLE]
    assert main([*argv, "--trials", "1", "--quick", "--quiet", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("rung tune: error: argument --dask-address: no Dask scheduler answers")
    assert err.count("\n") == 1 and not out.exists()


def test_a_resume_on_an_unreachable_cluster_records_nothing(
    tmp_path, monkeypatch, capsys, short_connect_timeout
):
    import rung

    scheduler = rung.FIFO(rung.RandomSearcher({"x": rung.uniform(0, 1)}))
    tuner = rung.Tuner(lambda c: 0.0, scheduler, seed=0, extra={"model": "softmax"})
    with ExperimentStore.create(tmp_path / "run", tuner.spec(rung.Budget(max_trials=2)).to_dict()):
        pass
    before = (tmp_path / "run" / "experiment.db").read_bytes()
    used: list[Any] = []
    monkeypatch.setattr(cli_tune, "_resume", lambda *a: used.append(a) or 0)
    assert main(["resume", str(tmp_path / "run"), "--dask-address", UNREACHABLE]) == 2
    assert "no Dask scheduler answers" in capsys.readouterr().err
    assert used == [] and (tmp_path / "run" / "experiment.db").read_bytes() == before


@pytest.mark.parametrize("flag", ["--out", "--data-dir"])
def test_an_empty_path_is_refused_not_taken_for_the_default(tmp_path, monkeypatch, flag, capsys):
    """``--out "$UNSET"`` wrote the run under runs/ and ``--data-dir ""`` looked in the
    current directory: an empty path is one line, exit status 2, nothing written."""
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as exit_:
        main(TUNE + ["--quick", "--max-epochs", "1", flag, ""])
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert f"argument {flag}: must be a path; got an empty string" in err and err.count("\n") == 1
    assert list(tmp_path.iterdir()) == []


def test_an_empty_out_in_an_experiment_file_is_refused(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "experiment.toml").write_text("model = 'softmax'\ntrials = 1\nout = ''\n")
    assert main(["tune", "--config", "experiment.toml"]) == 2
    assert "'out': must be a path; got an empty string" in capsys.readouterr().err
    assert [p.name for p in tmp_path.iterdir()] == ["experiment.toml"]
