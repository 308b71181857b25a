"""``rung tune`` starts fast: refused commands answer before torch is imported or any data
is loaded, and a command that goes on says so before the data loads. ``--help`` explains
every option and shows its default."""

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import rung
from rung.cli import tune as cli_tune
from rung.cli.main import build_parser, main

ROOT = Path(__file__).resolve().parents[2]


def refused_without_torch(argv, cwd):
    """Runs ``rung argv`` in a fresh interpreter; returns (status, stderr, torch imported)."""
    code = (
        "import json, sys\n"
        "from rung.cli.main import main\n"
        f"status = main({argv!r})\n"
        "print(json.dumps([status, 'torch' in sys.modules]))\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=cwd, env=env, timeout=120
    )
    status, torch_imported = json.loads(out.stdout.strip().splitlines()[-1])
    return status, out.stderr, torch_imported


def existing_run(directory):
    rung.Tuner(
        lambda c: c["x"], rung.FIFO(rung.RandomSearcher({"x": rung.uniform(0, 1)})),
        directory=directory,
    ).run(max_trials=1)  # fmt: skip


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--out", "taken"], "already holds an experiment"),
        (["--space", "bad.toml"], "bad.toml"),
        (["--searcher", "random", "--n-init", "3"], "--n-init: only with --searcher bo"),
        (["--initial-config", "learning_rate=7"], "--initial-config"),
        (["--fixed-configs", "configs.toml", "--searcher", "bo"], "--searcher: not with"),
        (["--fixed-configs", "zero.toml"], "'batch_size'"),
    ],
)
def test_a_refused_command_imports_no_torch(tmp_path, extra, message):
    existing_run(tmp_path / "taken")
    (tmp_path / "bad.toml").write_text("learning_rate = { loguniform = [1, \n")
    (tmp_path / "configs.toml").write_text("[[config]]\nlearning_rate = 0.1\n")
    (tmp_path / "zero.toml").write_text("[[config]]\nbatch_size = 0\n")
    argv = ["tune", "--model", "lenet", "--trials", "2", *extra]
    status, err, torch_imported = refused_without_torch(argv, tmp_path)
    assert status == 2 and message in err, err
    assert not torch_imported


def test_the_first_line_comes_before_the_data_loads(tmp_path, monkeypatch, capsys):
    def loading(settings):
        assert "tuning softmax into" in capsys.readouterr().err  # already printed
        raise RuntimeError("stopped where the data would load")

    monkeypatch.setattr(cli_tune, "_prepare_data", loading)
    argv = ["tune", "--model", "softmax", "--trials", "2", "--out", str(tmp_path / "x")]
    assert main(argv) == 1
    assert "stopped where the data would load" in capsys.readouterr().err


def parsers(parser):
    yield parser.prog, parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                yield from parsers(sub)


def test_every_option_has_help_and_its_default_is_shown():
    for prog, parser in parsers(build_parser()):
        text = parser.format_help()
        for action in parser._actions:
            if isinstance(action, (argparse._HelpAction, argparse._SubParsersAction)):
                continue
            name = "/".join(action.option_strings) or action.dest
            assert action.help, f"{prog} {name} has no help"
            default = action.default
            worth_saying = default is not None and not isinstance(default, bool)
            if action.option_strings and worth_saying and default != argparse.SUPPRESS:
                helped = parser._get_formatter()._expand_help(action)
                assert "default" in helped, f"{prog} {name}: default {default!r} not shown"
        searcher = next((a for a in parser._actions if "--searcher" in a.option_strings), None)
        if searcher is not None:  # tune: None, settled later (bo); simulate: random
            assert f"(default: {searcher.default or 'bo'}" in text


def test_fixed_configs_settle_the_scheduler_searcher_and_budget(tmp_path):
    from rung.cli import tune_options

    configs = tmp_path / "configs.toml"
    configs.write_text("[[config]]\nC = 1.0\n\n[[config]]\nC = 10.0\n")
    args = build_parser().parse_args(["tune", "--model", "svm", "--fixed-configs", str(configs)])
    space = {"C": rung.choice([1.0, 10.0])}
    settings = tune_options.check(args, space)
    assert (args.scheduler, args.searcher, args.trials) == ("fifo", "fixed", 2)
    assert settings["fixed_configs"] == [{"C": 1.0}, {"C": 10.0}]
    args = build_parser().parse_args(["tune", "--model", "svm", "--trials", "3"])
    assert tune_options.check(args, space)["fixed_configs"] is None
    assert (args.scheduler, args.searcher) == ("async-hyperband", "bo")


@pytest.mark.parametrize(
    ("text", "config"),
    [
        ("learning_rate=0.1,batch_size=128", {"learning_rate": 0.1, "batch_size": 128}),
        (" learning_rate = 1e-3 ", {"learning_rate": 0.001}),
        ("activation=relu", {"activation": "relu"}),
    ],
)
def test_initial_config_assignments(text, config):
    from rung.cli.tune_options import parse_assignments

    assert parse_assignments(text) == config


def test_initial_config_from_a_file(tmp_path):
    from rung.cli.tune_options import parse_assignments

    (tmp_path / "init.toml").write_text("learning_rate = 0.1\nbatch_size = 128\n")
    assert parse_assignments(str(tmp_path / "init.toml")) == {
        "learning_rate": 0.1,
        "batch_size": 128,
    }


def test_a_malformed_initial_config_names_its_flag_once(tmp_path, capsys):
    argv = ["tune", "--model", "lenet", "--trials", "2", "--out", str(tmp_path / "x")]
    assert main([*argv, "--initial-config", "foo"]) == 2
    err = capsys.readouterr().err
    assert err.count("argument --initial-config:") == 1, err
    assert "write name=value pairs" in err and not (tmp_path / "x").exists()


def test_model_only_options_are_refused_for_programs(capsys):
    argv = ["tune", "--command", "python train.py", "--metric", "loss", "--trials", "2"]
    assert main([*argv, "--initial-config", "lr=0.1"]) == 2
    assert "--initial-config: only with --model" in capsys.readouterr().err
