"""What an experiment directory holds: refusing to start over an experiment, or to open none."""

from __future__ import annotations

import contextlib
import errno
import os
import sqlite3
from collections.abc import Iterator
from pathlib import Path

from rung.errors import StoreError
from rung.store._schema import DB_NAME

try:
    import fcntl
except ImportError:  # Windows: no advisory locks
    fcntl = None  # type: ignore[assignment]

__all__ = [
    "clear_stillborn",
    "disk_full",
    "driving",
    "holds_experiment",
    "refuse_existing",
    "require_experiment",
]

_SQLITE_FULL = 13


def _stillborn(path: Path) -> bool:
    """True for a database a run killed while creating it left empty (no application id,
    no table: nothing recorded)."""
    try:
        with contextlib.closing(sqlite3.connect(path, isolation_level=None)) as db:
            app_id = db.execute("PRAGMA application_id").fetchone()[0]
            tables = db.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
    except sqlite3.Error:
        return False  # damaged or foreign: refused, and left alone
    return app_id == 0 and tables == 0


def holds_experiment(root: Path) -> bool:
    """True when ``root`` holds a database that is not stillborn (a damaged or foreign one
    counts: opening it gives the clear error, and nothing overwrites it)."""
    path = Path(root) / DB_NAME
    return path.is_file() and not _stillborn(path)


def clear_stillborn(root: Path) -> bool:
    """Removes a database that a run killed while creating it left empty; True if it did.

    Such a file (nothing recorded) would otherwise make every later run refuse the
    directory as holding an experiment.
    """
    path = Path(root) / DB_NAME
    if not path.is_file() or not _stillborn(path):
        return False
    for suffix in ("", "-wal", "-shm", "-journal"):
        with contextlib.suppress(FileNotFoundError):
            path.with_name(DB_NAME + suffix).unlink()
    return True


def refuse_existing(root: Path) -> None:
    """Raises unless ``root`` can hold a new experiment.

    Raises:
        StoreError: ``root`` is a file, or holds a store.
    """
    if root.exists() and not root.is_dir():
        raise StoreError(
            f"The output directory {str(root)!r} is a file, not a directory; choose another --out."
        )
    if (root / DB_NAME).exists():
        raise StoreError(
            f"The output directory {str(root)!r} already holds an experiment ({DB_NAME}); "
            f"choose another --out or remove it (or continue it: rung resume {root})."
        )


def require_experiment(root: Path) -> Path:
    """The database of the experiment in ``root``.

    Raises:
        StoreError: ``root`` holds no store.
    """
    path = root / DB_NAME
    if path.is_file():
        return path
    if root.is_file() and (root.parent / DB_NAME).is_file():  # a file of an experiment
        raise StoreError(
            f"{str(root)!r} is a file of the experiment in {str(root.parent)!r}: give that "
            "directory."
        )
    if not root.exists():
        what = "does not exist"
    else:
        what = "is a file, not a directory" if root.is_file() else f"has no {DB_NAME}"
    raise StoreError(
        f"{str(root)!r} holds no experiment (it {what}): check the path, or start a run "
        "there with `rung tune --out DIR`."
    )


def disk_full(err: BaseException) -> bool:
    """True when ``err`` says the disk (or the user's quota) is full."""
    if isinstance(err, OSError):
        return err.errno in (errno.ENOSPC, errno.EDQUOT)
    if isinstance(err, sqlite3.Error):
        code = getattr(err, "sqlite_errorcode", None)  # Python >= 3.11
        return code == _SQLITE_FULL or "disk is full" in str(err)
    return False


@contextlib.contextmanager
def driving(root: Path) -> Iterator[None]:
    """Holds ``root``'s driver lock (created if missing) while a command drives the
    experiment there: its run, and then its final model and results files, which it
    writes after the store (whose own lock is on ``checkpoints/``) is closed.

    Raises:
        StoreError: another process drives ``root``.
    """
    root.mkdir(parents=True, exist_ok=True)
    if fcntl is None:
        yield
        return
    fd = os.open(root, os.O_RDONLY)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            raise StoreError(
                f"{str(root)!r} is being written by another rung process (its run, or the "
                "final model and results after it): wait for that command to end or stop "
                f"it, then try again; `rung show {root}` reads it meanwhile."
            ) from None
        yield
    finally:
        os.close(fd)  # releases the lock
