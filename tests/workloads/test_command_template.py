"""Command templates: placeholders filled per argument, or quoted for a shell."""

from __future__ import annotations

import shlex
import subprocess

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rung.errors import ConfigError
from rung.workloads._command_template import CommandTemplate


def test_each_argument_is_filled_on_its_own():
    template = CommandTemplate("python train.py --lr={lr:.2e} --act {act} --epochs {epochs}")
    assert template.placeholders == ("lr", "act", "epochs")
    assert template.program == "python"
    argv = template.render({"lr": 0.001234, "act": "leaky relu; rm -rf /", "epochs": 9})
    assert argv == [
        "python",
        "train.py",
        "--lr=1.23e-03",
        "--act",
        "leaky relu; rm -rf /",
        "--epochs",
        "9",
    ]


def test_floats_keep_every_digit():
    (argument,) = CommandTemplate(["{x}"]).render({"x": 0.1 + 0.2})
    assert float(argument) == 0.1 + 0.2


@given(st.text(alphabet=st.characters(blacklist_characters="\x00"), max_size=30))
def test_a_shell_reads_any_value_back_as_one_word(value):
    argv = CommandTemplate("printf %s {v}", shell=True).render({"v": value})
    assert argv[:2] == ["/bin/sh", "-c"]
    assert shlex.split(argv[2]) == ["printf", "%s", value]


def test_a_shell_command_prints_the_value_verbatim(tmp_path):
    value = "$(touch pwned) `touch pwned2`; echo hi"
    argv = CommandTemplate("printf %s {v}", shell=True).render({"v": value})
    assert subprocess.run(argv, capture_output=True, text=True, cwd=tmp_path).stdout == value
    assert list(tmp_path.iterdir()) == []


def test_a_placeholder_without_a_value_is_a_config_error():
    template = CommandTemplate("run {a} {b}")
    with pytest.raises(ConfigError, match=r"\{b\}"):
        template.render({"a": 1})
    with pytest.raises(ConfigError, match="cannot format"):
        CommandTemplate("run {a:d}").render({"a": "text"})


@pytest.mark.parametrize(
    ("command", "message"),
    [
        ("", "must name a program"),
        ("echo 'unclosed", "cannot be split"),
        ("echo {a.b}", "placeholder"),
        ("echo {0}", "placeholder"),
        ("echo {a!r}", "conversion"),
        ("echo }", "not a valid template"),
    ],
)
def test_malformed_commands_are_refused(command, message):
    with pytest.raises(ConfigError, match=message):
        CommandTemplate(command)


def test_a_program_chosen_by_a_placeholder_is_not_named():
    assert CommandTemplate("{interpreter} train.py").program is None
    assert CommandTemplate("train.py", shell=True).program is None
