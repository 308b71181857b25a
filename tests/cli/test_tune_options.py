"""``rung tune --model``'s options checked against each other before anything runs."""

from __future__ import annotations

import pytest

from rung.cli.main import main

TUNE = ["tune", "--model", "softmax", "--trials", "1", "--max-epochs", "1", "--no-final"]


@pytest.mark.parametrize(
    ("extra", "flag"),
    [
        (["--final-model", "retrain"], "--final-model"),
        (["--final-model", "best-trial"], "--final-model"),
        (["--final-epochs", "5"], "--final-epochs"),
    ],
)
def test_final_model_options_with_no_final_are_refused(tmp_path, capsys, extra, flag):
    """They shape a final model that --no-final skips: refused, not silently dropped."""
    out = tmp_path / "out"
    assert main([*TUNE, *extra, "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert f"argument {flag}: not with --no-final" in err and err.count("\n") == 1, err
    assert not out.exists()


def test_final_model_options_with_no_final_in_an_experiment_file_are_refused(tmp_path, capsys):
    (tmp_path / "experiment.toml").write_text("no_final = true\nfinal_epochs = 5\n")
    out = tmp_path / "out"
    argv = ["tune", "--config", str(tmp_path / "experiment.toml"), "--model", "softmax"]
    assert main([*argv, "--trials", "1", "--out", str(out)]) == 2
    assert "argument --final-epochs: not with --no-final" in capsys.readouterr().err
    assert not out.exists()


def test_fixed_configs_that_name_different_keys_are_one_line(tmp_path, capsys):
    """A config lacking a key the first names was a bare KeyError ("error: 'batch_size'",
    exit status 1)."""
    configs = tmp_path / "configs.toml"
    configs.write_text(
        "[[config]]\nlearning_rate = 0.1\nbatch_size = 64\n[[config]]\nlearning_rate = 0.2\n"
    )
    out = tmp_path / "out"
    argv = ["tune", "--model", "softmax", "--fixed-configs", str(configs), "--out", str(out)]
    assert main(argv) == 2
    err = capsys.readouterr().err
    keys = "config 2 has the keys ['learning_rate'], config 1 has ['batch_size', 'learning_rate']"
    assert keys in err
    assert err.count("\n") == 1 and not out.exists()


@pytest.mark.parametrize(
    "extra",
    [["--scheduler", "fifo"], ["--fixed-configs", "configs.toml"]],
)
def test_min_epochs_with_fifo_is_refused_as_eta_is(tmp_path, monkeypatch, capsys, extra):
    """fifo trains every trial to --max-epochs: a --min-epochs there changed nothing."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "configs.toml").write_text("[[config]]\nlearning_rate = 0.1\n")
    argv = ["tune", "--model", "softmax", "--trials", "1", "--min-epochs", "2", *extra]
    assert main([*argv, "--max-epochs", "3", "--out", "out"]) == 2
    err = capsys.readouterr().err
    assert "argument --min-epochs: only with a scheduler that has rungs" in err, err
    assert err.count("\n") == 1 and not (tmp_path / "out").exists()


def test_a_configurations_file_that_starts_with_a_byte_order_mark_is_read(tmp_path):
    """Some editors start a UTF-8 file with a byte-order mark, which TOML does not allow."""
    from rung.cli.tune_options import read_fixed_configs

    configs = tmp_path / "configs.toml"
    configs.write_bytes(b"\xef\xbb\xbf[[config]]\nC = 1.0\n")
    assert read_fixed_configs(configs) == [{"C": 1.0}]
