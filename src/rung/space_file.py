"""Search spaces written in TOML, for ``rung tune --space FILE``.

Each key is a parameter; a domain is an inline table naming its kind, anything else is
a constant::

    learning_rate = { loguniform = [1e-4, 1.0] }
    batch_size    = { randint = [32, 512] }       # high is exclusive
    momentum      = { uniform = [0.0, 0.99] }
    activation    = { choice = ["relu", "sigmoid"] }
    weight_decay  = 0.0                            # a constant

The long form ``{ type = "loguniform", low = 1e-4, high = 1.0 }`` (``values = [...]`` for
``choice``) works too. Options go beside the kind: ``log = true`` (``randint``, ``uniform``)
and ``step = N`` (``randint``, ``uniform``), and ``when`` makes a parameter conditional,
active only when other parameters take the given values::

    classifier = { choice = ["SVC", "RandomForest"] }
    svc_c      = { loguniform = [1e-3, 1e3], when = { classifier = "SVC" } }
    max_depth  = { randint = [2, 33], log = true, when = { classifier = "RandomForest" } }
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from rung.errors import ConfigError
from rung.space import Domain, choice, loguniform, randint, uniform

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

__all__ = ["load_space", "parse_space", "space_from_spec", "space_from_table", "space_to_spec"]

_KINDS = {"uniform": uniform, "loguniform": loguniform, "randint": randint, "choice": choice}


_OPTIONS = {  # the options each kind takes beside its arguments
    "uniform": ("step", "log", "when"),
    "loguniform": ("when",),
    "randint": ("step", "log", "when"),
    "choice": ("when",),
}


def _domain(name: str, spec: Mapping[str, Any]) -> Domain:
    kinds = sorted(set(spec) & set(_KINDS))
    kind = spec["type"] if "type" in spec else (kinds[0] if len(kinds) == 1 else None)
    options = {k: spec[k] for k in ("step", "log", "when") if k in spec}
    wrong = sorted(set(options) - set(_OPTIONS.get(kind, ())))
    if kind in _KINDS and wrong:
        raise ConfigError(
            f"parameter {name!r}: a {kind} takes no {wrong[0]!r} option; it takes "
            f"{list(_OPTIONS[kind])}."
        )
    if options:
        spec = {k: v for k, v in spec.items() if k not in options}
    return _build(name, spec, kinds, options)


def _build(name: str, spec: Mapping[str, Any], kinds: list[str], options: dict[str, Any]) -> Domain:
    if "type" in spec:
        kind = spec["type"]
        if kind not in _KINDS:
            raise ConfigError(
                f"parameter {name!r}: unknown type {kind!r}; use one of {sorted(_KINDS)}."
            )
        if kind == "choice":
            return choice(spec.get("values", []), **options)
        extra = sorted(set(spec) - {"type", "low", "high"})
        if extra or "low" not in spec or "high" not in spec:
            raise ConfigError(
                f"parameter {name!r}: a {kind} needs exactly 'low' and 'high'; got {dict(spec)}."
            )
        return _KINDS[kind](spec["low"], spec["high"], **options)
    if len(kinds) != 1 or len(spec) != 1:
        raise ConfigError(
            f"parameter {name!r}: write one of {sorted(_KINDS)} as the table's only key, "
            f"e.g. {{ loguniform = [1e-4, 1.0] }}; got {dict(spec)}."
        )
    kind, args = kinds[0], spec[kinds[0]]
    if kind == "choice":
        return choice(args, **options)
    if not isinstance(args, list) or len(args) != 2:
        raise ConfigError(f"parameter {name!r}: {kind} takes [low, high]; got {args!r}.")
    return _KINDS[kind](*args, **options)


def parse_space(text: str, source: str = "<string>") -> dict[str, Any]:
    """The search space a TOML document describes.

    Raises:
        ConfigError: the TOML is malformed, a domain is unknown or invalid, or the space
            is empty; the message names the source, the parameter and the value.
    """
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise ConfigError(f"{source}: not valid TOML: {err}") from None
    return space_from_table(document, source)


def space_from_table(table: Mapping[str, Any], source: str = "<table>") -> dict[str, Any]:
    """The search space a parsed TOML table describes (a space file, or an experiment
    file's ``space = { ... }``).

    Raises:
        ConfigError: as :func:`parse_space`.
    """
    space: dict[str, Any] = {}
    for name, value in table.items():
        try:
            space[name] = _domain(name, value) if isinstance(value, Mapping) else value
        except (ValueError, TypeError) as err:
            message = str(err)
            if not message.startswith("parameter"):
                message = f"parameter {name!r}: {message}"
            raise ConfigError(f"{source}: {message}") from None
    if not any(isinstance(v, Domain) for v in space.values()):
        raise ConfigError(f"{source}: the search space defines no domain to search.")
    return space


def load_space(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Reads a TOML search space file.

    Raises:
        ConfigError: the file is missing, unreadable or invalid.
    """
    file = Path(path)
    try:
        # UTF-8 whatever the locale; a leading byte-order mark (some editors write one) dropped
        text = file.read_text(encoding="utf-8-sig")
    except OSError as err:
        raise ConfigError(f"cannot read the space file {str(file)!r}: {err.strerror}") from None
    except UnicodeDecodeError as err:
        raise ConfigError(f"{file}: not valid TOML: it is not UTF-8 text ({err})") from None
    return parse_space(text, str(file))


def space_to_spec(space: Mapping[str, Any]) -> dict[str, Any]:
    """A space as the JSON-ready short form of a space file (recorded with a run).

    Raises:
        ConfigError: a domain has no short form (a user-defined domain).
    """
    spec: dict[str, Any] = {}
    for name, value in space.items():
        if not isinstance(value, Domain):
            spec[name] = value
            continue
        kind = type(value).__name__.lower()
        if kind not in _KINDS:
            raise ConfigError(f"parameter {name!r}: {value!r} cannot be written to a file.")
        args = list(value.values) if kind == "choice" else [value.low, value.high]
        entry: dict[str, Any] = {kind: args}
        if getattr(value, "log", False) and kind == "randint":
            entry["log"] = True
        if getattr(value, "step", None) not in (None, 1):
            entry["step"] = value.step
        if value.when is not None:
            entry["when"] = {p: list(v) if len(v) > 1 else v[0] for p, v in value.when.items()}
        spec[name] = entry
    return spec


def space_from_spec(spec: Mapping[str, Any], source: str = "<recorded space>") -> dict[str, Any]:
    """The inverse of :func:`space_to_spec`.

    Raises:
        ConfigError: the spec names an unknown or invalid domain.
    """
    space: dict[str, Any] = {}
    for name, value in spec.items():
        try:
            space[name] = _domain(name, value) if isinstance(value, Mapping) else value
        except (ValueError, TypeError) as err:
            raise ConfigError(f"{source}: parameter {name!r}: {err}") from None
    return space
