"""Argument types of the command line: numbers with their rules, and the usage error."""

from __future__ import annotations

import argparse
from typing import Any, NoReturn

from rung.errors import ConfigError

__all__ = [
    "UsageError",
    "eta_number",
    "non_negative_float",
    "non_negative_int",
    "positive_float",
    "positive_int",
]


class UsageError(ConfigError):
    """Arguments that parse but do not make sense together (exit status 2)."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message}\n")


def _number(kind: type, minimum: float, rule: str):
    def parse(text: str) -> Any:
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"must be {rule}; got {text!r}") from None
        if not value >= minimum:
            raise argparse.ArgumentTypeError(f"must be {rule}; got {text!r}")
        return value

    return parse


positive_int = _number(int, 1, "an integer >= 1")
non_negative_int = _number(int, 0, "an integer >= 0")
positive_float = _number(float, 1e-12, "a number > 0")
non_negative_float = _number(float, 0, "a number >= 0")
_eta_float = _number(float, 2, "a number >= 2")


def eta_number(text: str) -> float | int:
    value = _eta_float(text)
    return int(value) if float(value).is_integer() else value
