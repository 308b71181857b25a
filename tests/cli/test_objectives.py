"""``--objectives`` and ``--constraint``: several objectives from the command line."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from rung.cli.main import build_parser, main
from tests.cli.test_tune import DATA, needs_data
from tests.workloads import programs


@pytest.fixture
def project(tmp_path, monkeypatch):
    programs.write(tmp_path, "train.py", programs.TRAIN)
    (tmp_path / "space.toml").write_text("lr = { uniform = [0.05, 0.5] }\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("JOURNAL", str(tmp_path / "journal.jsonl"))
    return tmp_path


def program_argv(*extra: str) -> list[str]:
    return [
        "tune", "--command", f"{sys.executable} train.py {{lr}} {{epochs}}", "--space",
        "space.toml", "--scheduler", "asha", "--min-epochs", "1", "--max-epochs", "3",
        "--trials", "6", "--quiet", *extra,
    ]  # fmt: skip


def test_a_program_tuned_for_two_objectives_under_a_constraint(project, capsys):
    out = project / "exp"
    argv = program_argv("--objectives", "loss:min,acc:max", "--constraint", "acc>=0.3")
    assert main([*argv, "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "objectives: minimize loss; maximize acc; subject to acc>=0.3" in printed
    assert "Pareto front: " in printed
    record = json.loads((out / "results.json").read_text())
    assert record["spec"]["objectives"] == [
        {"name": "loss", "direction": "min"},
        {"name": "acc", "direction": "max"},
    ]
    front = record["summary"]["pareto_front"]
    assert front and all(point["values"]["acc"] >= 0.3 for point in front)
    assert (out / "front.png").is_file()
    assert main(["resume", str(out), "--trials", "8", "--quiet"]) == 0
    assert json.loads((out / "results.json").read_text())["summary"]["trials"] == 8


def one_error_line(capsys) -> str:
    err = capsys.readouterr().err
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    return lines[0]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--model", "lenet", "--objectives", "val_error:min,accuracy:max"],
         "a --model run reports val_error, latency_ms, params; got 'accuracy'"),
        (["--model", "lenet", "--objectives", "val_error:up"],
         "objective 'val_error' must be 'min' or 'max'"),
        (["--model", "lenet", "--constraint", "latency_ms<0.05"], "must be '<=' or '>='; got '<'"),
        (["--model", "lenet", "--constraint", "memory<=1"], "got 'memory'"),
        (["--model", "lenet", "--objectives", "val_error"], "'name:min' or 'name:max'"),
    ],
)  # fmt: skip
def test_bad_objectives_and_constraints_are_usage_errors(tmp_path, capsys, argv, message):
    out = tmp_path / "exp"
    assert main(["tune", *argv, "--trials", "2", "--out", str(out)]) == 2
    assert message in one_error_line(capsys)
    assert not out.exists()


def test_objectives_given_twice_are_refused_rather_than_the_first_dropped(tmp_path, capsys):
    out = tmp_path / "exp"
    twice = ["--objectives", "val_error:min", "--objectives=latency_ms:min"]
    with pytest.raises(SystemExit) as exit_:
        main(["tune", "--model", "lenet", *twice, "--trials", "2", "--out", str(out)])
    assert exit_.value.code == 2
    assert "argument --objectives: given more than once; list every objective in one" in (
        one_error_line(capsys)
    )
    assert not out.exists()


def test_a_program_run_needs_a_metric_or_objectives_not_both(project, capsys):
    both = program_argv("--metric", "loss", "--objectives", "loss:min,acc:max")
    assert main([*both, "--out", str(project / "exp")]) == 2
    assert "not both" in one_error_line(capsys)


def test_an_experiment_file_takes_objectives_as_a_table_and_constraints_as_a_list(tmp_path):
    from rung.cli.config_file import apply_config_file, override_with_flags
    from rung.cli.main import _subparser

    (tmp_path / "e.toml").write_text(
        'model = "svm"\ntrials = 3\nobjectives = { val_error = "min", latency_ms = "min" }\n'
        'constraints = ["params<=1e6", "latency_ms<=0.5"]\n'
    )

    def parse(*flags: str):
        parser = build_parser()
        given = parser.parse_args(["tune", *flags])
        defaults = apply_config_file(_subparser(parser, "tune"), tmp_path / "e.toml")
        args = parser.parse_args(["tune", *flags])
        override_with_flags(args, given, defaults)
        return args

    args = parse()
    assert args.objectives == "val_error:min,latency_ms:min"
    assert args.constraint == ["params<=1e6", "latency_ms<=0.5"]
    args = parse("--constraint", "val_error<=0.3")  # the flags override the file
    assert args.objectives == "val_error:min,latency_ms:min"
    assert args.constraint == ["val_error<=0.3"]
    args = parse("--objectives", "val_error:min,params:min")  # once: replaces the file's
    assert args.objectives == "val_error:min,params:min"
    args = parse("--metric", "val_error")
    assert (args.metric, args.objectives) == ("val_error", None)
    assert args.constraint == ["params<=1e6", "latency_ms<=0.5"]


@pytest.mark.slow
@needs_data
def test_a_model_tuned_for_error_and_latency_trains_its_front(tmp_path, capsys):
    (tmp_path / "space.toml").write_text(
        "learning_rate = { loguniform = [0.05, 0.5] }\nbatch_size = 128\n"
        "n_components = { choice = [64, 256, 1024] }\n"
    )
    out = tmp_path / "exp"
    argv = ["tune", "--model", "svm", "--space", str(tmp_path / "space.toml"), "--quick"]
    argv += ["--objectives", "val_error:min,latency_ms:min", "--constraint", "params<=2e6"]
    argv += ["--scheduler", "asha", "--max-epochs", "3", "--trials", "6", "--seed", "3"]
    argv += ["--data-dir", str(DATA), "--device", "cpu", "--out", str(out), "--quiet"]
    assert main(argv) == 0
    printed = capsys.readouterr().out
    assert "Pareto front: " in printed and "final model of trial" in printed
    record = json.loads((out / "results.json").read_text())
    front = record["summary"]["pareto_front"]
    finals = record["final"]["front"]
    assert [m["trial_id"] for m in finals] == [p["trial_id"] for p in front][: len(finals)]
    for model in finals:
        assert 0.15 < model["test_accuracy"] <= 1 and model["latency_ms"] > 0  # chance: 0.1
        assert model["params"] <= 2e6
    assert (Path(out) / "front.png").is_file()
