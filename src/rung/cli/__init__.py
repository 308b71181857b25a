"""The ``rung`` command line: a thin layer over the library (see :mod:`rung.cli.main`)."""

from rung.cli.main import main

__all__ = ["main"]
