"""What the seed notebook's examples need from ``rung tune``, end to end on a subset: the
final model keeps what the search found, fixed configurations, an initial configuration,
a warning at chance level, Ctrl-C and ``rung resume`` that say what happened."""

import json
import os
from pathlib import Path

import pytest

from rung.cli.main import main

pytest.importorskip("torch")
ROOT = Path(__file__).resolve().parents[2]
DATA = Path(os.environ.get("RUNG_DATA_DIR") or ROOT.parent / "shared" / "data")
pytestmark = [
    pytest.mark.slow,  # whole CLI runs on Fashion-MNIST: make test-slow
    pytest.mark.skipif(
        not (DATA / "FashionMNIST" / "raw").is_dir(),
        reason=f"Fashion-MNIST not found at {DATA} (set RUNG_DATA_DIR)",
    ),
]
QUICK = ["--quick", "--device", "cpu", "--data-dir", str(DATA)]


def results(out):
    return json.loads((out / "results.json").read_text())


def test_the_final_model_is_the_best_trials_own_weights(tmp_path, capsys):
    out = tmp_path / "exp"
    argv = ["tune", "--model", "softmax", "--scheduler", "asha", "--trials", "5", "--seed", "1"]
    argv += ["--min-epochs", "1", "--max-epochs", "3", "--out", str(out), *QUICK]
    argv += ["--initial-config", "learning_rate=0.1,batch_size=128"]
    assert main(argv) == 0
    captured = capsys.readouterr()
    record = results(out)
    final, best = record["final"], record["summary"]["best"]
    assert final["source"] == "best trial" and final["trial_id"] == best["trial_id"]
    assert final["from_epoch"] == final["epochs"] == 3
    # The same weights on the same validation images: exactly the search's value.
    assert 1 - final["val_accuracy"] == pytest.approx(best["value"], abs=1e-12)
    assert "final model = the best trial's own weights" in captured.out
    assert "own weights (trial" in captured.err
    first = min(record["jobs"], key=lambda j: j["job"])
    assert first["config"] == {"learning_rate": 0.1, "batch_size": 128}
    assert record["spec"]["extra"]["initial_config"] == first["config"]
    assert (out / "params.png").is_file()


def test_fixed_configs_retrained_then_resume_says_there_is_nothing_to_run(tmp_path, capsys):
    configs = tmp_path / "configs.toml"
    configs.write_text(
        "[[config]]\nlearning_rate = 0.1\nbatch_size = 128\n\n"
        "[[config]]\nlearning_rate = 0.05\nbatch_size = 64\n"
    )
    out = tmp_path / "exp"
    argv = ["tune", "--model", "softmax", "--fixed-configs", str(configs), "--max-epochs", "2"]
    assert main([*argv, "--final-model", "retrain", "--out", str(out), *QUICK]) == 0
    err = capsys.readouterr().err
    record = results(out)
    assert [j["config"] for j in record["jobs"]] == [
        {"learning_rate": 0.1, "batch_size": 128},
        {"learning_rate": 0.05, "batch_size": 64},
    ]
    assert all(j["resource_from"] == 0 and j["resource_to"] == 2 for j in record["jobs"])
    assert record["spec"]["scheduler"] == "FIFO"
    assert record["final"]["source"] == "retrained" and "final model: epoch 2/2" in err

    listed = "nothing to run: every one of the 2 configurations of its --fixed-configs list"
    assert main(["resume", str(out)]) == 0
    assert listed in capsys.readouterr().err
    # A larger trial budget adds no configuration to the list: not "give a larger --trials".
    assert main(["resume", str(out), "--trials", "3"]) == 2
    err = capsys.readouterr().err
    assert listed in err and "larger than" not in err


def test_a_search_at_chance_level_warns(tmp_path, capsys):
    space = tmp_path / "space.toml"
    space.write_text("learning_rate = { loguniform = [1e-6, 1e-5] }\nbatch_size = 256\n")
    out = tmp_path / "exp"
    argv = ["tune", "--model", "lenet", "--searcher", "bo", "--n-init", "1", "--scheduler"]
    argv += ["fifo", "--max-epochs", "1", "--trials", "1", "--space", str(space), "--no-final"]
    assert main([*argv, "--out", str(out), *QUICK]) == 0
    assert "warning: the best validation error" in capsys.readouterr().out
    record = results(out)
    assert any("chance level" in w for w in record["warnings"])
    assert record["spec"]["extra"]["n_init"] == 1
    assert main(["show", str(out)]) == 0
    assert "chance level" in capsys.readouterr().out


def test_ctrl_c_says_how_to_continue_and_resume_says_what_it_ran(tmp_path, monkeypatch, capsys):
    from rung.results.progress import ProgressPrinter

    ended = []
    on_job_end = ProgressPrinter.on_job_end

    def interrupt_at_the_third(self, job, run):
        on_job_end(self, job, run)
        ended.append(job)
        if len(ended) == 3:
            raise KeyboardInterrupt

    monkeypatch.setattr(ProgressPrinter, "on_job_end", interrupt_at_the_third)
    out = tmp_path / "exp"
    argv = ["tune", "--model", "softmax", "--scheduler", "asha", "--trials", "6", "--no-final"]
    argv += ["--min-epochs", "1", "--max-epochs", "3", "--out", str(out), *QUICK]
    assert main(argv) == 130
    err = capsys.readouterr().err
    assert f"continue the run with `rung resume {out}`" in err
    monkeypatch.setattr(ProgressPrinter, "on_job_end", on_job_end)
    assert main(["resume", str(out)]) == 0
    err = capsys.readouterr().err
    assert f"resumed {out}:" in err and "new trials" in err and "the run now has 6 trials" in err
