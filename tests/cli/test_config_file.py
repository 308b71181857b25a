"""``rung tune --config FILE``: the experiment file read into the tune parser."""

from __future__ import annotations

import pytest

from rung.cli.main import main


@pytest.mark.parametrize(
    ("text", "first", "second", "flag"),
    [
        ("max-epochs = 1\nmax_epochs = 2\n", "max-epochs", "max_epochs", "--max-epochs"),
        (
            "constraint = 'params<=10'\nconstraints = ['params<=99']\n",
            "constraint",
            "constraints",
            "--constraint",
        ),
    ],
)
def test_two_keys_for_one_flag_are_refused(tmp_path, capsys, text, first, second, flag):
    """Both spellings of one flag in a file: one value would silently win over the other."""
    experiment = tmp_path / "experiment.toml"
    experiment.write_text("model = 'softmax'\ntrials = 1\n" + text)
    out = tmp_path / "out"
    assert main(["tune", "--config", str(experiment), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert f"{first!r} and {second!r} set the same flag {flag}; keep one" in err, err
    assert err.count("\n") == 1 and not out.exists()


def test_an_experiment_file_that_starts_with_a_byte_order_mark_is_read(tmp_path):
    """Some editors start a UTF-8 file with a byte-order mark, which TOML does not allow."""
    from rung.cli.config_file import read_config_file

    experiment = tmp_path / "experiment.toml"
    experiment.write_bytes(b"\xef\xbb\xbfmodel = 'softmax'\ntrials = 1\n")
    assert read_config_file(experiment) == {"model": "softmax", "trials": 1}
