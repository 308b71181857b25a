"""A trial's job logs, as text for its page: read-only, capped, never followed out.

A run whose jobs write logs keeps them in ``DIR/logs/``, one file per job named
``trial-<id>-job-<from>-<to>.log`` (a trial's single log ``trial-<id>.log`` is read
too). Only regular files directly in that folder are read (a link is skipped, and so is
the folder itself if it is a link, so a directory cannot point the dashboard at other
files); each is cut to its last :data:`FILE_CAP` bytes and the whole to
:data:`TOTAL_CAP`, and decoded as UTF-8 with undecodable bytes replaced.
"""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path
from typing import Any

__all__ = ["FILE_CAP", "LOG_DIR", "TOTAL_CAP", "logged_trials", "trial_logs"]

LOG_DIR = "logs"
FILE_CAP = 64 * 1024
TOTAL_CAP = 256 * 1024
_NAME = re.compile(r"trial-(\d+)(?:-job-(\d+)-(\d+))?\.log")


_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)


def _open_folder(directory: str | os.PathLike[str]) -> int | None:
    """A descriptor of ``DIR/logs`` if it is a folder of its own, not a link elsewhere
    (whose files are not the experiment's); None otherwise."""
    flags = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | _NOFOLLOW
    try:
        fd = os.open(Path(directory) / LOG_DIR, flags)
    except OSError:
        return None
    if not stat.S_ISDIR(os.fstat(fd).st_mode):
        os.close(fd)
        return None
    return fd


def _names(folder: int) -> list[str]:
    try:
        return os.listdir(folder)
    except OSError:
        return []


def _tail(folder: int, name: str, cap: int) -> tuple[str, int, bool] | None:
    """``(text, size, cut)`` of a regular file's last ``cap`` bytes; None for anything else."""
    try:
        fd = os.open(name, os.O_RDONLY | _NOFOLLOW, dir_fd=folder)
    except OSError:
        return None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            return None
        size = info.st_size
        start = max(0, size - cap)
        os.lseek(fd, start, os.SEEK_SET)
        data = os.read(fd, cap)
    except OSError:
        return None
    finally:
        os.close(fd)
    return data.decode("utf-8", errors="replace"), size, start > 0


def logged_trials(directory: str | os.PathLike[str]) -> set[int]:
    """The trials that have a log file in ``DIR/logs``."""
    folder = _open_folder(directory)
    if folder is None:
        return set()
    try:
        return {int(m[1]) for m in map(_NAME.fullmatch, _names(folder)) if m}
    finally:
        os.close(folder)


def trial_logs(
    directory: str | os.PathLike[str], trial_id: int, total_cap: int = TOTAL_CAP
) -> list[dict[str, Any]]:
    """The logs of trial ``trial_id``'s jobs, in job order (an empty list if none).

    Returns:
        One dict per file: ``name``, ``resource_from`` and ``resource_to`` (null for a
        trial's single log), ``size`` in bytes, ``truncated`` (only the end is shown)
        and ``text``.
    """
    folder = _open_folder(directory)
    if folder is None:
        return []
    try:
        return _read_logs(folder, trial_id, total_cap)
    finally:
        os.close(folder)


def _read_logs(folder: int, trial_id: int, total_cap: int) -> list[dict[str, Any]]:
    found = []
    for name in _names(folder):
        match = _NAME.fullmatch(name)
        if match and int(match[1]) == trial_id:
            span = (int(match[2]), int(match[3])) if match[2] is not None else (-1, -1)
            found.append((span, name))
    logs: list[dict[str, Any]] = []
    left = total_cap
    for span, name in sorted(found, reverse=True):  # the newest jobs first get the room
        if left <= 0:
            break
        read = _tail(folder, name, min(FILE_CAP, left))
        if read is None:
            continue
        text, size, cut = read
        left -= len(text.encode("utf-8", errors="replace"))
        logs.append(
            {
                "name": name,
                "resource_from": None if span[0] < 0 else span[0],
                "resource_to": None if span[1] < 0 else span[1],
                "size": size,
                "truncated": cut,
                "text": text,
            }
        )
    logs.reverse()
    return logs
