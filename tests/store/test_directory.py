"""The experiment directory's driver lock: one driver per directory, across processes."""

from __future__ import annotations

import sys

import pytest

from rung.errors import StoreError
from rung.store._directory import driving
from tests.store.records import Driver, taken_elsewhere

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="flock")


def test_another_process_driving_refuses_every_driver_until_it_is_killed(tmp_path):
    holder = Driver(tmp_path)
    try:
        for join in (False, True):  # a process's own holds are joined, never another's
            with pytest.raises(StoreError) as err, driving(tmp_path, join=join):
                pass
            assert str(err.value).startswith(
                f"{str(tmp_path)!r} is being written by another rung process, pid {holder.pid} "
            )
    finally:
        holder.kill()  # SIGKILL: the system releases its flock
    with driving(tmp_path):
        assert not taken_elsewhere(tmp_path)


def test_a_process_joins_its_own_hold_and_releases_the_lock_with_the_last(tmp_path):
    with driving(tmp_path):  # the command line's hold
        with driving(tmp_path, join=True):  # the tuner it runs
            assert not taken_elsewhere(tmp_path)
        assert not taken_elsewhere(tmp_path)  # the inner hold's end released nothing
        # A second command in this process is another driver.
        with (
            pytest.raises(StoreError, match="by another command of this process"),
            driving(tmp_path),
        ):
            pass
    assert taken_elsewhere(tmp_path)


def test_a_driver_that_creates_nothing_leaves_a_missing_directory_missing(tmp_path):
    with driving(tmp_path / "typo", create=False):
        pass
    assert not (tmp_path / "typo").exists()
