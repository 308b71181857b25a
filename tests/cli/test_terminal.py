"""What a record holds reaches the terminal as text: its escape sequences are shown."""

from __future__ import annotations

import rung
from rung.cli._terminal import printable
from rung.cli.main import main

TITLE_AND_CLEAR = "\x1b]0;owned\x07\x1b[2J"  # retitles the terminal, then clears it


def test_control_characters_are_written_as_escapes_and_text_is_kept():
    assert printable(f"a{TITLE_AND_CLEAR}b") == "a\\x1b]0;owned\\x07\\x1b[2Jb"
    assert printable("line\r\x9b\x7f") == "line\\r\\x9b\\x7f"
    assert printable("two\nlines\tand é, 学") == "two\nlines\tand é, 学"


def test_rung_show_prints_a_records_escape_sequences_as_text(tmp_path, capsys):
    space = {"opt": rung.choice([TITLE_AND_CLEAR, "b"]), "x": rung.uniform(0, 1)}
    result = rung.tune(
        lambda config: config["x"] + (config["opt"] == "b"),
        space,
        searcher="random",
        max_trials=6,
        seed=0,
        directory=tmp_path / "run",
    )
    assert result.best_config["opt"] == TITLE_AND_CLEAR  # the record holds it as it was
    assert main(["show", str(tmp_path / "run")]) == 0
    out = capsys.readouterr().out
    assert "\x1b" not in out and "\x07" not in out
    assert "opt=\\x1b]0;owned\\x07\\x1b[2J" in out
