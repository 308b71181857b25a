"""``rung tune``, ``show`` and ``plot`` end to end on a small subset of Fashion-MNIST."""

import gzip
import json
import os
from pathlib import Path

import pytest

from rung.cli.main import main

pytest.importorskip("torch")
ROOT = Path(__file__).resolve().parents[2]
DATA = Path(os.environ.get("RUNG_DATA_DIR") or ROOT.parent / "shared" / "data")
needs_data = pytest.mark.skipif(
    not (DATA / "FashionMNIST" / "raw").is_dir(),
    reason=f"Fashion-MNIST not found at {DATA} (set RUNG_DATA_DIR)",
)


@pytest.mark.slow
@needs_data
def test_tune_writes_results_plots_and_the_final_model(tmp_path, capsys):
    out = tmp_path / "exp"
    status = main(
        [
            "tune",
            "--model",
            "softmax",
            "--scheduler",
            "asha",
            "--trials",
            "5",
            "--min-epochs",
            "1",
            "--max-epochs",
            "3",
            "--quick",
            "--seed",
            "1",
            "--data-dir",
            str(DATA),
            "--device",
            "cpu",
            "--out",
            str(out),
        ]
    )
    assert status == 0
    captured = capsys.readouterr()
    assert "best validation error" in captured.out and "final model (3 epochs)" in captured.out
    assert "trial" in captured.err  # progress lines
    for name in (
        "experiment.db",
        "results.json",
        "jobs.csv",
        "progress.png",
        "curves.png",
    ):
        assert (out / name).is_file(), name
    results = json.loads((out / "results.json").read_text())
    assert results["summary"]["trials"] == 5
    final = results["final"]
    assert 0.5 < final["test_accuracy"] <= 1.0

    assert main(["show", str(out)]) == 0
    assert "best config" in capsys.readouterr().out
    (out / "progress.png").unlink()
    assert main(["plot", str(out)]) == 0
    assert (out / "progress.png").is_file()
    # A second run into the same directory is refused and changes nothing.
    before = (out / "experiment.db").read_bytes()
    assert (
        main(
            [
                "tune",
                "--model",
                "softmax",
                "--trials",
                "2",
                "--quick",
                "--out",
                str(out),
                "--data-dir",
                str(DATA),
            ]
        )
        == 2
    )
    assert "already holds an experiment" in capsys.readouterr().err
    assert (out / "experiment.db").read_bytes() == before


@pytest.mark.slow
@needs_data
def test_tune_runs_on_two_worker_processes(tmp_path, capsys):
    out = tmp_path / "exp"
    argv = ["tune", "--model", "softmax", "--scheduler", "asha", "--trials", "6", "--quick"]
    argv += ["--min-epochs", "1", "--max-epochs", "3", "--workers", "2", "--no-final"]
    assert main([*argv, "--data-dir", str(DATA), "--device", "cpu", "--out", str(out)]) == 0
    assert "workers 2, utilization" in capsys.readouterr().out
    results = json.loads((out / "results.json").read_text())
    assert results["summary"]["trials"] == 6
    assert {job["worker"] for job in results["jobs"]} == {0, 1}
    assert all(job["status"] == "COMPLETED" for job in results["jobs"])
    assert 0 < results["summary"]["utilization"] <= 1


def tune_fails_at_run_time(data_dir, out, capsys) -> str:
    """Runs a small ``rung tune`` that must fail with status 1; returns its stderr."""
    argv = ["tune", "--model", "softmax", "--trials", "2", "--quick", "--device", "cpu"]
    assert main([*argv, "--data-dir", str(data_dir), "--out", str(out)]) == 1
    return capsys.readouterr().err


def test_missing_data_is_one_clear_error_without_traceback(tmp_path, monkeypatch, capsys):
    from rung.workloads import fashion_mnist

    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("RUNG_DATA_DIR", "")
    monkeypatch.setattr(fashion_mnist, "DEBIAN_DATA_DIR", tmp_path / "debian")
    monkeypatch.setattr(fashion_mnist, "MIRRORS", (f"file://{tmp_path}/no-mirror/",))
    fashion_mnist.clear_cache()
    err = tune_fails_at_run_time(tmp_path / "empty", tmp_path / "out", capsys)
    assert "Traceback" not in err
    assert "RUNG_DATA_DIR" in err and "--data-dir" in err
    assert not (tmp_path / "out").exists()


def test_corrupt_data_is_one_clear_error(tmp_path, monkeypatch, capsys):
    from rung.workloads import fashion_mnist

    raw = tmp_path / "data" / "FashionMNIST" / "raw"
    raw.mkdir(parents=True)
    for name in fashion_mnist.FILES:
        (raw / name).write_bytes(gzip.compress(b"\x00\x00\x08\x03 truncated"))
    fashion_mnist.clear_cache()
    err = tune_fails_at_run_time(tmp_path / "data", tmp_path / "out", capsys)
    assert "Traceback" not in err and "idx" in err.lower()


@pytest.mark.slow
@needs_data
def test_fifo_with_bo_and_a_space_file(tmp_path, capsys):
    space = tmp_path / "space.toml"
    space.write_text(
        "learning_rate = { loguniform = [1e-3, 1.0] }\nbatch_size = 128\n"
        "alpha = { loguniform = [1e-6, 1e-2] }\nl1_ratio = { uniform = [0.0, 1.0] }\n"
    )
    out = tmp_path / "exp"
    status = main(
        [
            "tune",
            "--model",
            "sgd",
            "--searcher",
            "bo",
            "--scheduler",
            "fifo",
            "--trials",
            "4",
            "--max-epochs",
            "1",
            "--quick",
            "--no-final",
            "--quiet",
            "--space",
            str(space),
            "--data-dir",
            str(DATA),
            "--out",
            str(out),
        ]
    )
    assert status == 0
    results = json.loads((out / "results.json").read_text())
    jobs = results["jobs"]
    assert len(jobs) == 4 and all(j["config"]["batch_size"] == 128 for j in jobs)
    assert all(j["resource_to"] == 1 for j in jobs)
    assert results["final"] is None
    extra = results["spec"]["extra"]
    assert (
        extra["searcher"] == "bo" and extra["eta"] == 3 and results["spec"]["scheduler"] == "FIFO"
    )
    assert capsys.readouterr().err == ""


@pytest.mark.slow
@needs_data
def test_a_killed_tune_resumes_from_the_command_line_and_extends(tmp_path, capsys):
    import signal
    import subprocess
    import sys
    import time

    from rung.store import EventKind, ExperimentStore

    out = tmp_path / "exp"
    argv = ["tune", "--model", "softmax", "--scheduler", "asha", "--trials", "12", "--quick"]
    argv += ["--min-epochs", "1", "--max-epochs", "3", "--no-final", "--quiet", "--seed", "3"]
    argv += ["--data-dir", str(DATA), "--device", "cpu", "--out", str(out)]
    process = subprocess.Popen([sys.executable, "-m", "rung.cli.main", *argv], cwd=ROOT)

    def ended() -> list[int]:
        try:
            with ExperimentStore.open(out, readonly=True) as store:
                events = store.events()
                return [e.data["index"] for e in events if e.kind is EventKind.JOB_ENDED]
        except Exception:  # not created yet
            return []

    begin = time.monotonic()
    while len(ended()) < 4 and process.poll() is None and time.monotonic() - begin < 120:
        time.sleep(0.05)
    assert main(["show", str(out)]) == 0  # reads the running experiment, blocking nothing
    assert "(running)" in capsys.readouterr().out
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert main(["show", str(out)]) == 0
    assert "(interrupted)" in capsys.readouterr().out
    before = ended()
    assert len(before) >= 4
    assert main(["resume", str(out), "--quiet"]) == 0
    results = json.loads((out / "results.json").read_text())
    assert results["summary"]["trials"] == 12
    assert [j["job"] for j in results["jobs"]][: len(before)] == before
    assert results["final"] is None  # --no-final was recorded with the run
    assert main(["resume", str(out), "--trials", "15", "--quiet"]) == 0
    assert json.loads((out / "results.json").read_text())["summary"]["trials"] == 15
    assert "resum" not in capsys.readouterr().err  # --quiet


@pytest.mark.slow
@needs_data
def test_a_full_disk_stops_the_run_with_one_message_and_keeps_what_was_recorded(
    tmp_path, monkeypatch, capsys
):
    import errno

    from rung.results.summary import read_result
    from rung.store import _files

    writes = {"n": 0}
    original = _files.CheckpointDir.write

    def write(self, name, data):
        writes["n"] += 1
        if writes["n"] > 3:
            raise OSError(errno.ENOSPC, "No space left on device")
        return original(self, name, data)

    monkeypatch.setattr(_files.CheckpointDir, "write", write)
    out = tmp_path / "exp"
    argv = ["tune", "--model", "softmax", "--scheduler", "asha", "--trials", "9", "--quick"]
    argv += ["--min-epochs", "1", "--max-epochs", "3", "--no-final", "--quiet"]
    assert main([*argv, "--data-dir", str(DATA), "--device", "cpu", "--out", str(out)]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "disk full" in err[0] and "rung resume" in err[0]
    assert "Traceback" not in err[0]
    recorded = read_result(out).n_jobs
    assert recorded >= 3  # the jobs recorded before it stayed
    monkeypatch.setattr(_files.CheckpointDir, "write", original)  # space freed
    assert main(["resume", str(out), "--quiet"]) == 0
    assert read_result(out).n_trials == 9


def test_show_tells_a_run_being_written_from_an_interrupted_one(tmp_path, capsys):
    import rung

    directory = tmp_path / "run"
    shown = []

    def objective(config, trial):
        if trial.trial_id == 3:  # the run is being written: this process holds it
            assert main(["show", str(directory)]) == 0
            shown.append(capsys.readouterr().out)
            raise KeyboardInterrupt  # Ctrl-C: the run stops, unfinished
        trial.report(trial.resource_to, config["x"])

    with pytest.raises(KeyboardInterrupt):
        rung.tune(
            objective, {"x": rung.uniform(0, 1)}, scheduler="asha", max_resource=9,
            max_trials=20, seed=0, directory=directory,
        )  # fmt: skip
    assert f"experiment {directory} (running)" in shown[0]
    assert main(["show", str(directory)]) == 0
    assert f"experiment {directory} (interrupted)" in capsys.readouterr().out


#: A two-trial softmax run of one epoch on a subset: the smallest run with a final model.
QUICK_SOFTMAX_FIFO = (
    *("tune", "--model", "softmax", "--scheduler", "fifo", "--searcher", "random"),
    *("--trials", "2", "--max-epochs", "1", "--quick", "--threads", "1", "--quiet"),
)


@pytest.mark.slow
@needs_data
def test_a_resume_that_finds_a_better_trial_makes_its_final_model(tmp_path, capsys):
    out = tmp_path / "exp"
    argv = list(QUICK_SOFTMAX_FIFO)
    argv += ["--data-dir", str(DATA), "--device", "cpu", "--out", str(out)]
    for goals in ([], ["--objectives", "val_error:min,latency_ms:min"]):
        run = out.with_name(f"exp{len(goals)}")
        assert main([*argv[:-1], str(run), *goals]) == 0
        assert main(["resume", str(run), "--trials", "8", "--quiet"]) == 0
        record = json.loads((run / "results.json").read_text())
        if goals:
            front = [p["trial_id"] for p in record["summary"]["pareto_front"]]
            assert [m["trial_id"] for m in record["final"]["front"]] == front
        else:
            assert record["final"]["trial_id"] == record["summary"]["best"]["trial_id"]
    capsys.readouterr()


def test_show_says_a_final_model_is_no_longer_the_best_trials(tmp_path, capsys):
    """A run extended under --no-final keeps the final model made before: rung show says
    whose it is instead of calling it the best trial's (and, for several objectives, that
    the front's final models are of an earlier front)."""
    import rung
    from rung.results.summary import read_result
    from rung.run.factory import build_tuner
    from rung.store import ExperimentStore

    def both(config):
        return {"val_error": config["x"], "latency_ms": 1 - config["x"]}

    figures = {"epochs": 1, "train_accuracy": 0.5, "val_accuracy": 0.5, "test_accuracy": 0.5}
    for goals in ({"metric": "val_error"}, {"objectives": "val_error:min,latency_ms:min"}):
        out = tmp_path / next(iter(goals))
        build_tuner(
            both, {"x": rung.uniform(0, 1)}, searcher="random", seed=0, directory=out, **goals
        ).run(max_trials=3)
        first = read_result(out)
        origin = {"source": "best trial", "from_epoch": 1, "seed": 0}
        if "objectives" in goals:
            made = {
                "epochs": 1,
                "front": [
                    {"trial_id": p.trial_id, **figures, **origin} for p in first.pareto_front
                ],
            }
        else:
            made = {"trial_id": first.incumbent.trial_id, **figures, **origin}
        with ExperimentStore.open(out) as store:
            store.set_final(made)
        assert main(["show", str(out)]) == 0
        shown = capsys.readouterr().out
        assert "no longer" not in shown and "earlier Pareto front" not in shown
        assert "1 epochs" not in shown and "(1 epoch" in shown  # one epoch, not "1 epochs"
        if "objectives" not in goals:
            assert f"the best trial's own weights (trial {first.incumbent.trial_id})" in shown
        build_tuner(both, {"x": rung.uniform(0, 1)}, searcher="random", seed=0, **goals).resume(
            out, max_trials=12
        )
        assert main(["show", str(out)]) == 0
        shown = capsys.readouterr().out
        if "objectives" in goals:
            assert "final models below were made for an earlier Pareto front" in shown
        else:
            old = first.incumbent.trial_id
            assert "the best trial's own weights" not in shown
            assert f"final model (of trial {old}, 1 epoch, no longer the best trial)" in shown
            assert f"final model = trial {old}'s own weights" in shown


@pytest.mark.slow
@needs_data
def test_a_resume_under_no_final_says_the_final_model_is_no_longer_the_best(tmp_path, capsys):
    run = tmp_path / "exp"
    argv = list(QUICK_SOFTMAX_FIFO)
    assert main([*argv, "--data-dir", str(DATA), "--device", "cpu", "--out", str(run)]) == 0
    assert main(["resume", str(run), "--trials", "8", "--quiet", "--no-final"]) == 0
    record = json.loads((run / "results.json").read_text())
    assert record["final"]["trial_id"] != record["summary"]["best"]["trial_id"]
    assert record["final"]["current"] is False
    assert "no longer the best trial" in capsys.readouterr().out


def test_a_resume_of_a_finite_space_all_tried_says_so(tmp_path, capsys):
    """Every configuration of a space of choices tried: a larger --trials adds none, and
    the resume said "nothing ran ... give --trials N larger" after the user gave it."""
    import rung
    from rung.run.factory import build_tuner
    from rung.space_file import space_to_spec

    space = {"learning_rate": rung.choice([0.1, 0.2]), "batch_size": 64}
    extra = {"model": "softmax", "space_spec": space_to_spec(space), "no_final": True}
    tuner = build_tuner(
        lambda config: config["learning_rate"], space, searcher="random", seed=0,
        directory=tmp_path / "run", extra=extra,
    )  # fmt: skip
    tuner.run(max_trials=2)
    assert main(["resume", str(tmp_path / "run"), "--trials", "5", "--quiet"]) == 2
    err = capsys.readouterr().err
    assert "nothing to run: every one of the 2 configurations of its search space" in err
    assert err.count("\n") == 1
