"""``rung tune``'s options beside the search itself: an initial configuration, BO's random
start, and a fixed list of configurations to evaluate instead of a search.

* ``--initial-config learning_rate=0.1,batch_size=128`` (or a TOML file of ``name =
  value`` lines): the first trial's configuration, as the seed notebook started its
  random search; it must lie in the search space.
* ``--n-init N``: BO's random configurations before its model proposes (default 5).
* ``--fixed-configs FILE``: evaluate the configurations listed in FILE, each trained to
  ``--max-epochs``, no search (a FIFO over the list; the budget defaults to the list)::

      [[config]]
      C = 1.0
      gamma = 0.01

      [[config]]
      C = 10.0
      gamma = 0.001

All three are recorded with the run (in the spec's ``extra``), so ``rung resume DIR``
rebuilds the same searcher. Nothing here imports torch: a bad value is refused at once.
"""

from __future__ import annotations

import argparse
import math
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from rung.cli._args import UsageError
from rung.errors import ConfigError
from rung.schedulers.rungs import DEFAULT_ETA

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

__all__ = [
    "FIXED",
    "check",
    "parse_assignments",
    "read_fixed_configs",
    "refuse_for_programs",
    "searcher_of",
]

#: The searcher name recorded for a ``--fixed-configs`` run.
FIXED = "fixed"
DEFAULT_SEARCHER = "bo"
DEFAULT_SCHEDULER = "async-hyperband"
DEFAULT_MIN_EPOCHS = 1


def _scalar(name: str, text: str) -> Any:
    """A value written on the command line: an int, a float, true/false, or a string."""
    text = text.strip()
    try:
        return tomllib.loads(f"v = {text}")["v"]
    except tomllib.TOMLDecodeError:
        if not text:
            raise UsageError(f"argument --initial-config: {name!r} has no value") from None
        return text


def parse_assignments(text: str) -> dict[str, Any]:
    """``"a=1,b=0.5"`` -> ``{"a": 1, "b": 0.5}``; a path to a TOML file is read instead.

    Raises:
        UsageError: an item is not ``name=value``, a name repeats, or the file is not
            TOML of plain values.
    """
    path = Path(text)
    if path.suffix == ".toml" or path.is_file():
        table = _read_toml(path, "--initial-config")
        bad = sorted(k for k, v in table.items() if isinstance(v, (dict, list)))
        if bad:
            raise UsageError(
                f"argument --initial-config: {str(path)!r} must hold name = value lines; "
                f"{bad[0]!r} is a table or a list"
            )
        return table
    config: dict[str, Any] = {}
    for item in text.split(","):
        name, sep, value = item.partition("=")
        name = name.strip()
        if not sep or not name:
            raise UsageError(
                "argument --initial-config: write name=value pairs separated by commas "
                f"(learning_rate=0.1,batch_size=128) or a TOML file; got {item.strip()!r}"
            )
        if name in config:
            raise UsageError(f"argument --initial-config: {name!r} is given twice")
        config[name] = _scalar(name, value)
    return config


def _read_toml(path: Path, flag: str) -> dict[str, Any]:
    try:
        # TOML is UTF-8; some editors start it with a byte-order mark, which TOML refuses
        return tomllib.loads(path.read_text(encoding="utf-8-sig"))
    except OSError as err:
        raise UsageError(f"argument {flag}: cannot read {str(path)!r}: {err.strerror}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as err:
        raise UsageError(f"argument {flag}: {path} is not valid TOML: {err}") from None


def read_fixed_configs(path: str | Path) -> list[dict[str, Any]]:
    """The ``[[config]]`` tables of ``path``, in order.

    Raises:
        UsageError: the file is missing or not TOML, or holds no ``[[config]]`` tables,
            other keys, tables that name different keys, or values that are not plain
            numbers, strings or booleans.
    """
    file = Path(path)
    table = _read_toml(file, "--fixed-configs")
    configs = table.get("config")
    other = sorted(set(table) - {"config"})
    if other or not isinstance(configs, list) or not configs:
        raise UsageError(
            f"argument --fixed-configs: {file} must hold [[config]] tables, one per "
            f"configuration (name = value lines); got {sorted(table) or 'nothing'}"
        )
    for index, config in enumerate(configs):
        if not isinstance(config, dict) or not config:
            raise UsageError(f"argument --fixed-configs: {file}: config {index + 1} is empty")
        for name, value in config.items():
            if isinstance(value, (dict, list)) or (
                isinstance(value, float) and not math.isfinite(value)
            ):
                raise UsageError(
                    f"argument --fixed-configs: {file}: config {index + 1} sets {name!r} "
                    f"to {value!r}; write one finite number, string or boolean"
                )
    from rung.searchers.fixed import check_same_keys

    try:
        check_same_keys(configs, label=lambda index: f"config {index + 1}")
    except ConfigError as err:
        raise UsageError(f"argument --fixed-configs: {file}: {err}") from None
    return [dict(c) for c in configs]


def settle_defaults(args: argparse.Namespace) -> None:
    """Fills in the searcher and scheduler the user did not name: ``bo`` inside
    asynchronous Hyperband, the best method of ``benchmarks/quality.py`` (README, "Which
    searcher and scheduler, by default"); and ``--eta`` and ``--min-epochs``, which FIFO
    does not take.

    Raises:
        UsageError: ``--eta`` or ``--min-epochs`` given with the ``fifo`` scheduler (it
            has no rungs).
    """
    args.scheduler = args.scheduler or DEFAULT_SCHEDULER
    args.searcher = args.searcher or DEFAULT_SEARCHER
    if args.scheduler == "fifo" and args.eta is not None:
        raise UsageError(
            "argument --eta: only with a scheduler that has rungs; fifo trains every trial "
            f"to --max-epochs; got --eta {args.eta:g} with fifo"
        )
    if args.scheduler == "fifo" and args.min_epochs is not None:
        raise UsageError(
            "argument --min-epochs: only with a scheduler that has rungs; fifo trains every "
            f"trial to --max-epochs; got --min-epochs {args.min_epochs} with fifo"
        )
    if args.eta is None:
        args.eta = DEFAULT_ETA
    if args.min_epochs is None:
        args.min_epochs = DEFAULT_MIN_EPOCHS


def check(args: argparse.Namespace, space: Mapping[str, Any]) -> dict[str, Any]:
    """Checks the options against each other and ``space``; returns the settings to record.

    Also settles ``args.scheduler`` (``fifo`` for a fixed list, else ``async-hyperband``) and
    ``args.searcher`` when they were not given.

    Raises:
        UsageError, ConfigError: a bad option or combination, before anything is loaded.
    """
    import rung

    if getattr(args, "no_final", False):  # they shape the final model --no-final skips
        for flag, name in (("--final-model", "final_model"), ("--final-epochs", "final_epochs")):
            if getattr(args, name, None) is not None:
                raise UsageError(f"argument {flag}: not with --no-final (no final model is made)")
    fixed = None
    if getattr(args, "fixed_configs", None) is not None:
        for flag, name in (
            ("--searcher", "searcher"),
            ("--initial-config", "initial_config"),
            ("--n-init", "n_init"),
            ("--space", "space"),
        ):
            if getattr(args, name, None) is not None:
                raise UsageError(
                    f"argument {flag}: not with --fixed-configs (the listed configurations "
                    "are evaluated, nothing is searched)"
                )
        if args.scheduler not in (None, "fifo"):
            raise UsageError(
                "argument --scheduler: --fixed-configs trains every listed configuration to "
                "--max-epochs (fifo); to race them with rungs, put them in a space file"
            )
        fixed = read_fixed_configs(args.fixed_configs)
        from rung.searchers.fixed import FixedConfigs

        FixedConfigs(fixed)  # same keys, no repeats
        args.scheduler, args.searcher = "fifo", FIXED
        if args.trials is None and args.time_budget is None:
            args.trials = len(fixed)
    settle_defaults(args)
    initial = None
    if getattr(args, "initial_config", None) is not None:
        assignments = parse_assignments(args.initial_config)  # its errors name the flag
        try:
            initial = rung.Space(space).validate(assignments, "initial_config")
        except ConfigError as err:
            raise UsageError(f"argument --initial-config: {err}") from None
    if getattr(args, "n_init", None) is not None and args.searcher != "bo":
        raise UsageError("argument --n-init: only with --searcher bo (random search has no model)")
    return {
        "initial_config": initial,
        "n_init": args.n_init if getattr(args, "n_init", None) is not None else 5,
        "fixed_configs": fixed,
        "final_model": getattr(args, "final_model", None) or "best-trial",
    }


def refuse_for_programs(args: argparse.Namespace) -> None:
    """``--command`` runs do not take these options (yet): a clear error, not a silence.

    Raises:
        UsageError: one of them is given.
    """
    for flag, name in (
        ("--initial-config", "initial_config"),
        ("--n-init", "n_init"),
        ("--fixed-configs", "fixed_configs"),
        ("--final-model", "final_model"),
    ):
        if getattr(args, name, None) is not None:
            raise UsageError(f"argument {flag}: only with --model (not with --command)")


def searcher_of(settings: Mapping[str, Any]) -> Any:
    """What ``build_tuner``'s ``searcher`` gets: a name, or the fixed list's searcher."""
    if settings.get("fixed_configs"):
        from rung.searchers.fixed import FixedConfigs

        return FixedConfigs(settings["fixed_configs"])
    return settings["searcher"]
