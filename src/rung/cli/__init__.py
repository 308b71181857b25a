"""The ``rung`` command line: a thin layer over the library (see :mod:`rung.cli.main`)."""

from __future__ import annotations

__all__ = ["main"]


def main(argv: list[str] | None = None) -> int:
    """Runs ``rung`` with ``argv`` (default: the process's arguments); returns the exit status.

    Imported on call, so that ``python -m rung.cli.main`` runs the module once.
    """
    from rung.cli.main import main as run

    return run(argv)
