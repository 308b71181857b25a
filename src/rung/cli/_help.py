"""``--help`` for every command: each option's default is shown, unless its text says it."""

from __future__ import annotations

import argparse

__all__ = ["DefaultsFormatter", "show_defaults"]


class DefaultsFormatter(argparse.HelpFormatter):
    """Appends ``(default: X)`` to an option's help when it has a default worth saying
    (not None, not a switch's False) and the help does not speak of its default already."""

    def _get_help_string(self, action: argparse.Action) -> str | None:
        text = action.help or ""
        default = action.default
        if (
            "default" not in text
            and default is not None
            and default is not False
            and default != argparse.SUPPRESS
            and action.option_strings
        ):
            text += " (default: %(default)s)"
        return text


def show_defaults(parser: argparse.ArgumentParser) -> None:
    """Gives ``parser`` and all its subcommands' parsers the :class:`DefaultsFormatter`."""
    parser.formatter_class = DefaultsFormatter
    for action in parser._actions:  # argparse has no public list of its subparsers
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                show_defaults(sub)
