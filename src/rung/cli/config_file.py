"""``rung tune --config experiment.toml``: a run's settings in one file.

The file is a TOML table whose keys are the long flags of ``rung tune`` (``min_epochs``
or ``min-epochs`` for ``--min-epochs``), so a run is reproducible from a file::

    command = "python train.py --lr {learning_rate} --epochs {epochs}"
    metric = "val_loss"
    direction = "min"
    scheduler = "asha"
    min_epochs = 1
    max_epochs = 27
    workers = 4
    trials = 100
    out = "runs/mine"
    space = { learning_rate = { loguniform = [1e-4, 1e-1] }, batch_size = 64 }
    # several objectives and constraints (instead of metric and direction):
    # objectives = { val_loss = "min", latency_ms = "min" }
    # constraints = ["memory_mb<=512"]

``command`` is a string or a list of arguments (each may hold placeholders; with
``shell = true`` the list is one shell line, each argument quoted and its placeholders
left bare for rung to quote); ``space`` is a space file's path or its table inline;
``gpus`` a string (``"all"``, ``"0,1"``) or a list; ``objectives`` a string
(``"val_error:min,latency_ms:min"``) or a table; ``constraints`` (or ``constraint``) a
string or a list of them. Paths are read from the current directory, as on the command
line.
Flags given on the command line override the file: ``--constraint`` replaces the file's
constraints (it does not add to them), ``--metric`` its objectives and ``--objectives`` its
metric and direction. Each value is checked as its flag
is: an unknown key, a bad value or two keys for one flag (``min_epochs`` and
``min-epochs``) is one line naming the key (and the closest valid one).
"""

from __future__ import annotations

import argparse
import difflib
import shlex
import string
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from rung.errors import ConfigError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

__all__ = ["apply_config_file", "override_with_flags", "read_config_file"]

_NOT_IN_FILES = frozenset({"config", "help"})


def _options(parser: argparse.ArgumentParser) -> dict[str, argparse.Action]:
    """Each long flag of ``parser`` as a file key (``min_epochs``), with its action."""
    options = {}
    for action in parser._actions:  # argparse has no public list of its actions
        for flag in action.option_strings:
            if flag.startswith("--"):
                key = flag[2:].replace("-", "_")
                if key not in _NOT_IN_FILES:
                    options[key] = action
    return options


def read_config_file(path: str | Path) -> dict[str, Any]:
    """The TOML table in ``path``.

    Raises:
        ConfigError: the file is missing, unreadable or not TOML.
    """
    file = Path(path)
    try:
        # TOML is UTF-8; some editors start it with a byte-order mark, which TOML refuses
        return tomllib.loads(file.read_text(encoding="utf-8-sig"))
    except OSError as err:
        raise ConfigError(
            f"cannot read the experiment file {str(file)!r}: {err.strerror}"
        ) from None
    except UnicodeDecodeError as err:
        raise ConfigError(f"{file}: not valid TOML: it is not UTF-8 text ({err})") from None
    except tomllib.TOMLDecodeError as err:
        raise ConfigError(f"{file}: not valid TOML: {err}") from None


def _join_arguments(arguments: list[str]) -> str:
    """A command line that splits back into ``arguments``, like :func:`shlex.join`, but
    with each ``{placeholder}`` left bare: a shell (``shell = true``) reads that line, and
    rung quotes a placeholder's value itself only where it stands bare."""
    words = []
    for argument in arguments:
        try:
            parsed = list(string.Formatter().parse(argument))
        except ValueError:  # a lone brace: the command's own check names it
            words.append(shlex.quote(argument))
            continue
        parts = []
        for literal, name, spec, conversion in parsed:
            if literal:
                parts.append(shlex.quote(literal).replace("{", "{{").replace("}", "}}"))
            if name is not None:  # as written (a conversion is the command's to refuse)
                field = name + (f"!{conversion}" if conversion else "")
                parts.append(f"{{{field}:{spec}}}" if spec else f"{{{field}}}")
        words.append("".join(parts) or "''")
    return " ".join(words)


def _value(key: str, value: Any, action: argparse.Action, source: str) -> Any:
    """``value`` checked and converted as the flag's own argument would be."""
    where = f"{source}: {key!r}"
    if isinstance(action, argparse._StoreTrueAction):
        if not isinstance(value, bool):
            raise ConfigError(f"{where} is a switch: write true or false; got {value!r}.")
        return value
    if key == "space" and isinstance(value, Mapping):
        return dict(value)  # an inline space table
    if key == "objectives" and isinstance(value, Mapping):  # {val_error = "min", ...}
        value = ",".join(f"{name}:{direction}" for name, direction in value.items())
    if isinstance(action, argparse._AppendAction):  # a list, or one value
        items = value if isinstance(value, list) else [value]
        if not items or not all(isinstance(v, str) for v in items):
            raise ConfigError(f"{where} takes a string or a list of strings; got {value!r}.")
        return items
    if key == "gpus" and isinstance(value, list):
        value = ",".join(str(v) for v in value)
    if key == "command" and isinstance(value, list) and all(isinstance(v, str) for v in value):
        value = _join_arguments(value)
    if isinstance(value, (bool, list, Mapping)) or value is None:
        raise ConfigError(
            f"{where} takes one value like its flag --{key.replace('_', '-')}; got {value!r}."
        )
    text = str(value)
    if action.type is not None:
        try:
            converted = action.type(text)
        except (argparse.ArgumentTypeError, ValueError, TypeError) as err:
            raise ConfigError(f"{where}: {err}") from None
    else:
        converted = text
    if action.choices is not None and converted not in action.choices:
        choices = ", ".join(map(repr, action.choices))
        raise ConfigError(f"{where} must be one of {choices}; got {value!r}.")
    return converted


def apply_config_file(parser: argparse.ArgumentParser, path: str | Path) -> dict[str, Any]:
    """Makes the file's settings ``parser``'s defaults, so that flags override them.

    Args:
        parser: The ``rung tune`` parser.
        path: The experiment file.

    Returns:
        The defaults set, by argument name.

    Raises:
        ConfigError: the file cannot be read, or a key is unknown or its value invalid;
            one line naming the file and the key.
    """
    table = read_config_file(path)
    options = _options(parser)
    defaults: dict[str, Any] = {}
    written: dict[str, str] = {}  # each setting's key as the file wrote it
    for raw_key, value in table.items():
        key = raw_key.replace("-", "_")
        action = options.get(key)
        if action is None:
            close = difflib.get_close_matches(key, options, n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            raise ConfigError(f"{path}: unknown key {raw_key!r}{hint} (keys are rung tune's flags)")
        if action.dest in written:  # min_epochs and min-epochs: one would silently win
            raise ConfigError(
                f"{path}: {written[action.dest]!r} and {raw_key!r} set the same flag "
                f"{action.option_strings[0]}; keep one"
            )
        written[action.dest] = raw_key
        defaults[action.dest] = _value(key, value, action, str(path))
    parser.set_defaults(**defaults)
    return defaults


def override_with_flags(
    args: argparse.Namespace, given: argparse.Namespace, defaults: Mapping[str, Any]
) -> None:
    """Makes the flags of the command line replace the file's settings, where argparse
    alone would not: a list flag would add to the file's list, and a flag may stand in for
    another key of the file (``--metric`` for its ``objectives``).

    Args:
        args: The arguments parsed with the file's settings as defaults (changed here).
        given: The same command line parsed without the file.
        defaults: What :func:`apply_config_file` returned.
    """
    if given.constraint is not None and "constraint" in defaults:
        args.constraint = list(given.constraint)
    if given.objectives is not None:  # several objectives, each with its direction
        for name in ("metric", "direction"):
            if name in defaults and getattr(given, name) is None:
                setattr(args, name, None)
    if given.metric is not None and given.objectives is None and "objectives" in defaults:
        args.objectives = None
