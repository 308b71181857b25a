"""Checkpoint files: written atomically, read back whole, and swept when nothing refers to them.

A checkpoint is written to ``DIR/checkpoints/<name>.tmp``, flushed to disk (``fsync``),
renamed over ``<name>`` and the directory is flushed, all before the database commit that
refers to it: a reference in the database always names a complete file. Files the
database does not refer to (a crash between the write and the commit, or between the
commit and the removal of the file it replaced) are removed by the next writer that opens
the store, which also holds the directory lock that keeps a second writer out.
"""

from __future__ import annotations

import contextlib
import os
import re
import time
import zlib
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from rung.errors import CheckpointLost, StoreError

try:
    import fcntl
except ImportError:  # Windows: no advisory locks, no directory fsync
    fcntl = None  # type: ignore[assignment]

__all__ = ["CHECKPOINT_DIR", "CheckpointDir", "checkpoint_name"]

CHECKPOINT_DIR = "checkpoints"
TMP_SUFFIX = ".tmp"
_OURS = re.compile(r"trial-\d+-job-\d+(-at-\d+)?\.ckpt(\.tmp)?")
_NAME = re.compile(r"trial-\d+-job-\d+(-at-\d+)?\.ckpt")


def checkpoint_name(trial_id: int, job_index: int, at: int | None = None) -> str:
    """The file name of the checkpoint job ``job_index`` of trial ``trial_id`` left (at its
    end, or ``at`` a resource while it ran)."""
    middle = "" if at is None else f"-at-{at}"
    return f"trial-{trial_id}-job-{job_index}{middle}.ckpt"


def is_checkpoint_name(name: object) -> bool:
    """Whether ``name`` is a checkpoint file name rung writes (no folder, no ``..``)."""
    return type(name) is str and _NAME.fullmatch(name) is not None


#: Seconds a writer retries the directory lock before it reports another writer: a
#: reader asking whether the run is being written holds the lock for microseconds.
LOCK_PATIENCE = 0.2


def _lock_with_patience(fd: int) -> None:
    """Takes the exclusive lock on ``fd``, retrying for :data:`LOCK_PATIENCE` seconds.

    Raises:
        OSError: another process still holds the lock.
    """
    deadline = time.monotonic() + LOCK_PATIENCE
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except OSError:
            if time.monotonic() >= deadline:
                raise
            time.sleep(0.01)


def crc32(data: bytes) -> int:
    return zlib.crc32(data) & 0xFFFFFFFF


class CheckpointDir:
    """``DIR/checkpoints``, created and locked by a writer, only read by a reader.

    Args:
        root: The experiment directory.
        writable: Create the folder and take its lock (one writer per experiment).

    Raises:
        StoreError: another process holds the lock, or the folder cannot be created.
    """

    def __init__(self, root: Path, *, writable: bool) -> None:
        self.root = root
        self.path = root / CHECKPOINT_DIR
        self._fd: int | None = None
        self._remover: ThreadPoolExecutor | None = None
        if not writable:
            return
        try:
            self.path.mkdir(exist_ok=True)
            if fcntl is not None:
                self._fd = os.open(self.path, os.O_RDONLY)
        except OSError as err:
            raise StoreError(
                f"Cannot create {str(self.path)!r}: {err}. Check the permissions of "
                f"{str(root)!r} or choose another --out."
            ) from None
        if self._fd is not None:
            try:
                _lock_with_patience(self._fd)
            except OSError:
                self.close()
                raise StoreError(
                    f"{str(root)!r} is being written by another rung process (its store is "
                    "locked): wait for that run to end or stop it, then try again; "
                    f"`rung show {root}` reads it meanwhile."
                ) from None

    def being_written(self) -> bool | None:
        """Whether a process holds this experiment's writer lock now: True while a run
        writes it, False once its writer stopped or was killed (the kernel drops a dead
        process's lock); None where this platform has no advisory locks.

        Asks for a shared lock without waiting and gives it back at once; a writer that
        opens the store in that instant waits for it (:data:`LOCK_PATIENCE`).
        """
        if fcntl is None:
            return None
        try:
            fd = os.open(self.path, os.O_RDONLY)
        except FileNotFoundError:  # no checkpoints folder: no writer ever locked it
            return False
        except OSError:  # not ours to open: cannot tell
            return None
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        except OSError:  # no locks on this file system (some network ones): cannot tell
            return None
        finally:
            os.close(fd)  # releases the shared lock if it was taken
        return False

    def write(self, name: str, data: bytes) -> int:
        """Writes ``data`` to ``name`` atomically and durably; returns its CRC-32.

        Raises:
            OSError: the file could not be written (nothing is left behind).
        """
        final = self.path / name
        tmp = self.path / (name + TMP_SUFFIX)
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
            try:
                view = memoryview(data)
                while view:
                    view = view[os.write(fd, view) :]
                os.fsync(fd)
            finally:
                os.close(fd)
            os.replace(tmp, final)
            if self._fd is not None:
                os.fsync(self._fd)  # the rename itself must survive a power cut
        except BaseException:
            for leftover in (tmp, final):
                self.remove_path(leftover)
            raise
        return crc32(data)

    def read(self, name: str, size: int, crc: int, trial_id: int) -> bytes:
        """The bytes of checkpoint ``name``, checked against the size and CRC recorded.

        Raises:
            CheckpointLost: the file is missing, unreadable or not what was written.
        """
        path = self.path / name
        where = f"The checkpoint of trial {trial_id} ({str(path)!r})"
        advice = (
            "restore the file from a backup, or start the trial over: its earlier jobs stay "
            "recorded."
        )
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            raise CheckpointLost(
                f"{where} is missing, so the trial cannot resume from it: {advice}",
                trial_id,
                str(path),
            ) from None
        except OSError as err:
            raise CheckpointLost(
                f"{where} cannot be read ({err}): {advice}", trial_id, str(path)
            ) from None
        if len(data) != size or crc32(data) != crc:
            raise CheckpointLost(
                f"{where} is damaged: {len(data)} bytes with CRC-32 {crc32(data):#010x} where "
                f"{size} bytes with CRC-32 {crc:#010x} were written; {advice}",
                trial_id,
                str(path),
            )
        return data

    def remove(self, names: Iterable[str]) -> None:
        """Removes checkpoint files; a missing one is fine (it is swept again on open)."""
        for name in names:
            self.remove_path(self.path / name)

    def remove_later(self, names: list[str]) -> None:
        """Removes committed-away checkpoint files in the background (see the module doc)."""
        if not names:
            return
        if self._remover is None:
            self._remover = ThreadPoolExecutor(1, thread_name_prefix="rung-store-remove")
        self._remover.submit(self.remove, names)

    def wait(self) -> None:
        """Returns once the files handed to :meth:`remove_later` are removed."""
        if self._remover is not None:
            self._remover.shutdown(wait=True)
            self._remover = None

    @staticmethod
    def remove_path(path: Path) -> None:
        with contextlib.suppress(OSError):  # gone already; or the next writer's sweep retries
            os.unlink(path)

    def sweep(self, referenced: set[str]) -> list[str]:
        """Removes rung's checkpoint and temporary files the database does not refer to.

        Files whose names rung would not write are left alone.

        Returns:
            The names removed.
        """
        try:
            names = os.listdir(self.path)
        except OSError:
            return []
        orphans = [n for n in names if _OURS.fullmatch(n) and n not in referenced]
        self.remove(orphans)
        return orphans

    def close(self) -> None:
        """Finishes the removals under way and releases the lock."""
        self.wait()
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
