"""A command line with ``{name}`` placeholders, filled in per job without shell injection.

Without a shell the template is split into arguments first (``shlex.split``) and each
argument is filled in on its own: a value with spaces, quotes or ``;`` stays one
argument, and no shell ever reads it. With ``shell=True`` every value is quoted with
``shlex.quote`` before it is put into the line the shell reads.
"""

from __future__ import annotations

import shlex
import string
from collections.abc import Collection, Mapping, Sequence
from typing import Any

from rung.errors import ConfigError

__all__ = ["CommandTemplate"]


def _fields(text: str, where: str) -> list[str]:
    names = []
    try:
        parsed = list(string.Formatter().parse(text))
    except ValueError as err:  # a lone '{' or '}'
        raise ConfigError(
            f"The command {where} is not a valid template ({err}); write a literal brace "
            "as '{{' or '}}'."
        ) from None
    for _, name, _, conversion in parsed:
        if name is None:
            continue
        if not name.isidentifier():
            raise ConfigError(
                f"The command {where} has the placeholder {{{name}}}; a placeholder is a "
                "parameter name or the resource name, like {learning_rate} or {epochs}."
            )
        if conversion is not None:
            raise ConfigError(
                f"The command {where} has a conversion (!{conversion}) in {{{name}}}; "
                "write the placeholder alone, or with a format such as {name:.3g}."
            )
        names.append(name)
    return names


def _refuse_quoted_placeholders(line: str) -> None:
    """A placeholder inside quotes would be read by the shell with its quoting undone (in
    '...') or its $(...) run (in "..."): only bare placeholders are quoted safely."""
    quote: str | None = None
    i = 0
    while i < len(line):
        char = line[i]
        if char == "\\" and quote != "'":
            i += 2
            continue
        if quote is None and char in "'\"":
            quote = char
        elif char == quote:
            quote = None
        elif char in "{}" and line[i + 1 : i + 2] == char:
            i += 1  # a literal brace
        elif char == "{" and quote is not None:
            raise ConfigError(
                f"The command {line!r} has a placeholder inside quotes; with a shell, write "
                "placeholders bare ({name}, not '{name}'): rung quotes each value itself."
            )
        i += 1


def _text(value: Any, spec: str) -> str:
    if spec:
        return format(value, spec)
    if isinstance(value, float):
        return repr(value)  # every digit: the program gets exactly the sampled value
    return str(value)


class CommandTemplate:
    """A command with placeholders.

    Args:
        command: The command line (a string), or its arguments (a sequence of strings,
            each may hold placeholders).
        shell: Run the line through ``/bin/sh -c``, values quoted.

    Raises:
        ConfigError: the command is empty or a placeholder is malformed.
    """

    def __init__(self, command: str | Sequence[str], shell: bool = False) -> None:
        self.shell = bool(shell)
        if isinstance(command, str):
            self.line = command
            if shell:
                self.arguments: tuple[str, ...] = (command,)
            else:
                try:
                    self.arguments = tuple(shlex.split(command))
                except ValueError as err:  # an unclosed quote
                    raise ConfigError(f"The command {command!r} cannot be split: {err}.") from None
        elif isinstance(command, Sequence) and all(isinstance(a, str) for a in command):
            if shell:
                raise ConfigError("shell=True needs the command as one string.")
            self.arguments = tuple(command)
            self.line = shlex.join(self.arguments)
        else:
            raise TypeError(
                f"The 'command' parameter must be a string or a list of strings; got {command!r}."
            )
        if not self.arguments or not self.arguments[0].strip():
            raise ConfigError(f"The 'command' parameter must name a program; got {command!r}.")
        if shell:
            _refuse_quoted_placeholders(command)
        seen: list[str] = []
        for argument in self.arguments:
            seen += [n for n in _fields(argument, repr(self.line)) if n not in seen]
        self.placeholders: tuple[str, ...] = tuple(seen)

    @property
    def program(self) -> str | None:
        """The program the command runs, or None when a shell or a placeholder decides it."""
        if self.shell or _fields(self.arguments[0], repr(self.line)):
            return None
        return self.arguments[0]

    def check(self, names: Collection[str]) -> None:
        """Raises unless every placeholder is one of ``names``.

        Raises:
            ConfigError: names the unknown placeholder and the names it may use.
        """
        for name in self.placeholders:
            if name not in names:
                raise ConfigError(
                    f"The command {self.line!r} has the placeholder {{{name}}}, which is "
                    f"neither a search space parameter nor the resource; use one of "
                    f"{', '.join('{' + n + '}' for n in sorted(names))}."
                )

    def render(self, values: Mapping[str, Any]) -> list[str]:
        """The arguments to run: ``["/bin/sh", "-c", line]`` with a shell.

        Raises:
            ConfigError: a placeholder has no value, or its format does not fit the value.
        """
        self.check(values)
        if self.shell:
            quoted = {k: _Quoted(v) for k, v in values.items()}
            return ["/bin/sh", "-c", _fill(self.arguments[0], quoted)]
        return [_fill(argument, values) for argument in self.arguments]


class _Quoted:
    """A value that formats as one shell word."""

    def __init__(self, value: Any) -> None:
        self.value = value

    def __format__(self, spec: str) -> str:
        return shlex.quote(_text(self.value, spec))


def _fill(text: str, values: Mapping[str, Any]) -> str:
    parts = []
    for literal, name, spec, _ in string.Formatter().parse(text):
        parts.append(literal)
        if name is not None:
            value = values[name]
            try:
                parts.append(
                    format(value, spec or "")
                    if isinstance(value, _Quoted)
                    else _text(value, spec or "")
                )
            except (ValueError, TypeError) as err:
                raise ConfigError(
                    f"The placeholder {{{name}:{spec}}} cannot format {value!r}: {err}."
                ) from None
    return "".join(parts)
