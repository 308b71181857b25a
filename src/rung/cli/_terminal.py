"""Text for the terminal: what a record holds is shown, never obeyed.

An experiment directory may come from someone else (README, Security), and its strings
(a choice's value, the command, a program's error) reach ``rung show``'s summary and
error lines. A control character in them (an escape sequence) would act on the terminal:
clear it and write a forged summary, retitle it, or set the clipboard. They are shown as
Python writes them in a string (``\\x1b``), as the dashboard shows every string as text.
"""

from __future__ import annotations

import re

__all__ = ["printable"]

# C0 and C1 control characters but the line feed and the tab, and DEL.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def printable(text: str) -> str:
    """``text`` with every control character but newline and tab written as an escape."""
    return _CONTROL.sub(lambda match: match.group().encode("unicode_escape").decode(), text)
