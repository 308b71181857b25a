"""``rung tune --command '...'``: tune any program from the shell.

Everything is checked before any work: the arguments, the search space, the command's
placeholders and its program (found and executable: a command that cannot start is a
usage error, exit status 2). The run's settings record the command, its working
directory and the metric, so ``rung resume DIR`` rebuilds the same
:class:`~rung.workloads.command.CommandObjective`; the jobs' logs and the programs'
checkpoint directories live in the experiment directory.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from rung.cli._args import BUDGET_NEEDED, UsageError, check_local_workers, has_budget
from rung.cli.goals import goal_arguments, goals_of
from rung.cli.trust import sign, signed_here
from rung.errors import ConfigError
from rung.objectives import check_metric_name

__all__ = [
    "command_tuner",
    "prepare",
    "prepare_resume",
    "refuse_program_options",
    "space_argument",
    "summary_lines",
]

# Flags of `rung tune` that belong to the Fashion-MNIST models: (flag, argument, unset value).
_MODEL_ONLY = (
    ("--data-dir", "data_dir", None),
    ("--quick", "quick", False),
    ("--final-epochs", "final_epochs", None),
    ("--device", "device", "auto"),
    # rung keeps no checkpoint of a program's (its RUNG_CHECKPOINT_DIR is the program's own,
    # and every trial's is kept): the flag would change nothing
    ("--keep-checkpoints", "keep_checkpoints", False),
)
_PROGRAM_ONLY = (
    ("--metric", "metric", None),
    ("--shell", "shell", False),
    ("--grace", "grace", None),
)
_GRACE_S = 10.0
# Settings of the run itself, recorded in the spec's own fields (the rest goes to its
# ``extra``), and the ones never recorded (where a resume runs is its own command line's).
_RUN_SETTINGS = ("seed", "workers", "keep_checkpoints", "max_retries", "job_timeout_s")
_NOT_RECORDED = ("dask_address", "direction")


def space_argument(value: str | Mapping[str, Any] | None) -> dict[str, Any] | None:
    """``--space``: a space file's path, or an experiment file's inline table."""
    from rung.space_file import load_space, space_from_table

    if value is None:
        return None
    if isinstance(value, Mapping):
        return space_from_table(value, "the experiment file's space")
    return load_space(value)


def refuse_program_options(args: argparse.Namespace) -> None:
    """For ``--model`` runs: the options of ``--command`` runs make no sense there."""
    for flag, name, unset in _PROGRAM_ONLY:
        if getattr(args, name, unset) != unset:
            raise UsageError(f"argument {flag}: only with --command (a --model's metric is fixed)")
    if getattr(args, "direction", None) == "max":
        raise UsageError("argument --direction: a --model's validation error is minimized")


def _check_args(args: argparse.Namespace) -> None:
    if args.model is not None:
        raise UsageError("give --model NAME or --command 'PROGRAM ...', not both")
    for flag, name, unset in _MODEL_ONLY:
        if getattr(args, name, unset) != unset:
            raise UsageError(f"argument {flag}: only with --model (Fashion-MNIST)")
    if not args.metric and not args.objectives:
        raise UsageError(
            "--command needs --metric NAME (or --objectives): the metric of the program's "
            "report lines to tune"
        )
    if args.metric and args.objectives:
        raise UsageError("give --metric (one objective) or --objectives (several), not both")
    if args.objectives and args.direction == "max":
        raise UsageError(
            "argument --direction: with --objectives each objective has its own direction "
            f"(NAME:max); got --direction max with --objectives {args.objectives}"
        )
    if args.metric:
        try:
            check_metric_name(args.metric, "The metric")
        except ConfigError as err:
            raise UsageError(f"argument --metric: {err}") from None
    if not has_budget(args):
        raise UsageError(BUDGET_NEEDED)
    if args.min_epochs > args.max_epochs:
        raise UsageError(
            f"argument --min-epochs: must be <= --max-epochs={args.max_epochs}; "
            f"got {args.min_epochs}"
        )
    if args.space is None:
        raise UsageError("--command needs a search space: --space space.toml")
    if args.gpus is not None and args.dask_address is not None:
        raise UsageError(
            "argument --gpus: Dask workers get their GPUs from the cluster; "
            "start each worker with its CUDA_VISIBLE_DEVICES"
        )


def _objective(settings: Mapping[str, Any], directory: Path, check: bool = True) -> Any:
    from rung.workloads.command import CommandObjective

    return CommandObjective(
        settings["command"],
        metric=settings["metric"],
        directory=directory,
        shell=settings["shell"],
        cwd=settings["cwd"],
        grace_s=settings.get("grace_s", _GRACE_S),
        check=check,
    )


def prepare(args: argparse.Namespace) -> tuple[dict[str, Any], Path]:
    """Checks a ``--command`` run's arguments and returns its settings and directory.

    Raises:
        UsageError, ConfigError: anything that would stop the run, before anything is
            written: arguments, space, placeholders, a program that cannot start, GPUs.
    """
    import rung
    from rung.executors._gpus import parse_gpus
    from rung.space_file import space_to_spec
    from rung.store._directory import clear_stillborn, refuse_existing

    _check_args(args)
    goals = goals_of(args.objectives, args.constraint, args.metric)
    space = space_argument(args.space)
    rung.Space(space)  # validates before anything is written
    out = Path(args.out or f"runs/program-{args.scheduler}-{time.strftime('%Y%m%d-%H%M%S')}")
    settings: dict[str, Any] = {
        "command": args.program,
        "shell": args.shell,
        "grace_s": _GRACE_S if args.grace is None else args.grace,
        # the program's report lines are read for the tuned (first) objective's name
        "metric": args.metric if goals is None else goals.primary.name,
        "direction": args.direction or "min",
        "objectives": args.objectives,
        "constraints": args.constraint,
        "cwd": os.getcwd(),
        "searcher": args.searcher,
        "scheduler": args.scheduler,
        "min_epochs": args.min_epochs,
        "max_epochs": args.max_epochs,
        "eta": args.eta,
        "seed": args.seed,
        "threads": args.threads,
        "workers": args.workers,
        "gpus": args.gpus,
        "dask_address": args.dask_address,
        "keep_checkpoints": args.keep_checkpoints,
        "max_retries": args.max_retries,
        "job_timeout_s": args.job_timeout,
        "no_final": True,  # a program's final model is the program's own business
        "final_epochs": None,
        "space_spec": space_to_spec(space),
        "title": f"{args.program}: {args.searcher} search + {args.scheduler}",
        "started": time.strftime("%Y-%m-%dT%H:%M:%S"),
    }
    settings["signature"] = sign(settings)  # what rung resume may start again: trust.py
    objective = _objective(settings, out)  # checks the command and its program
    objective.check_placeholders(list(space))
    parse_gpus(args.gpus)
    clear_stillborn(out)  # left by a run killed while it created its database
    refuse_existing(out)
    if not args.quiet:
        print(f"tuning {args.program!r} into {out}", file=sys.stderr)
    return settings, out


def prepare_resume(
    settings: dict[str, Any], spec: Any, args: argparse.Namespace, directory: Path
) -> None:
    """Completes a ``--command`` run's recorded settings (``spec.extra``) from its spec and
    ``rung resume``'s overrides, and checks that its program can still start.

    A program starts again only if this user's rung recorded it (:mod:`rung.cli.trust`),
    or if this command line gives it again, as recorded, from the directory it ran in.

    Raises:
        UsageError: the recorded working directory is gone, the program cannot start,
            it was recorded elsewhere and not given again as recorded, bad workers, or a
            flag that would change nothing (``--shell`` alone, ``--data-dir``).
    """
    if getattr(args, "shell", False) and getattr(args, "program", None) is None:
        raise UsageError(
            "argument --shell: only with --command, to give a command again as recorded "
            "(a run's command and its --shell are as recorded)"
        )
    if getattr(args, "data_dir", None) is not None:
        raise UsageError(
            f"argument --data-dir: only for a --model run; {directory} tunes a program"
        )
    if not Path(settings["cwd"]).is_dir():
        raise UsageError(
            f"the program ran in {settings['cwd']!r}, which no longer exists; recreate it to resume"
        )
    _check_program_given(settings, args, directory)
    settings.update(
        seed=spec.seed,
        workers=spec.workers if args.workers is None else args.workers,
        keep_checkpoints=spec.keep_checkpoints,
        max_retries=spec.max_retries if args.max_retries is None else args.max_retries,
        job_timeout_s=spec.job_timeout_s,
        direction=spec.direction.value,
        dask_address=args.dask_address,  # only where this command line says
    )
    if getattr(args, "gpus", None) is not None:
        settings["gpus"] = args.gpus
    check_local_workers(settings["workers"], settings["dask_address"])
    _objective(settings, directory)  # the program can still start


def _check_program_given(
    settings: Mapping[str, Any], args: argparse.Namespace, directory: Path
) -> None:
    """Refuses to start a recorded program that this user's rung did not sign, unless
    ``rung resume`` is given it again, as recorded, in the directory it ran in."""
    import shlex

    recorded = f"--command {shlex.quote(settings['command'])}" + (
        " --shell" if settings["shell"] else ""
    )
    given = getattr(args, "program", None)
    if given is not None and (given, args.shell) != (settings["command"], settings["shell"]):
        raise UsageError(f"{directory} was recorded with {recorded}; give it as recorded")
    if signed_here(settings):
        return
    if given is None:
        # the directory as named after the `cd` (as given, it may be relative to here)
        there = Path(directory).resolve()
        with contextlib.suppress(ValueError):
            there = there.relative_to(Path(settings["cwd"]).resolve())
        raise UsageError(
            f"{directory} was not recorded by your rung, and rung starts no program read "
            "from a directory (README, Security). Check its command (rung show prints "
            f"it); to run it, give it again from where it ran: cd {shlex.quote(settings['cwd'])} "
            f"&& rung resume {shlex.quote(str(there))} {recorded}"
        )
    if Path.cwd().resolve() != Path(settings["cwd"]).resolve():
        raise UsageError(
            f"{directory}'s program ran in {settings['cwd']!r}: resume it from there, where "
            f"its command means what it meant (cd {shlex.quote(settings['cwd'])})"
        )


def command_tuner(settings: Mapping[str, Any], directory: Path, callbacks: list[Any]) -> Any:
    """The tuner a ``--command`` run's settings describe (the same for its resumption)."""
    from rung.executors.factory import make_executor
    from rung.run.factory import build_tuner
    from rung.space_file import space_from_spec

    workers, address = settings["workers"], settings.get("dask_address")
    if address is not None:  # one worker (the default) means: the cluster's threads
        executor = make_executor("dask", workers if workers > 1 else None, address)
    else:
        executor = make_executor(
            None, workers, threads_per_worker=settings["threads"], gpus=settings.get("gpus")
        )
    fifo = settings["scheduler"] == "fifo"  # FIFO runs every trial to the max: no rungs
    tuner = build_tuner(
        _objective(settings, directory, check=False),
        space_from_spec(settings["space_spec"]),
        searcher=settings["searcher"],
        scheduler=settings["scheduler"],
        min_resource=None if fifo else settings["min_epochs"],
        max_resource=settings["max_epochs"],
        eta=None if fifo else settings["eta"],
        direction="min" if settings.get("objectives") else settings["direction"],
        **goal_arguments(settings, settings["metric"]),
        seed=settings["seed"],
        callbacks=callbacks,
        executor=executor,
        directory=directory,
        keep_checkpoints=settings["keep_checkpoints"],
        max_retries=settings["max_retries"],
        job_timeout_s=settings["job_timeout_s"],
        extra={
            k: v for k, v in settings.items() if k not in _RUN_SETTINGS and k not in _NOT_RECORDED
        },
    )
    return tuner


def summary_lines(result: Any, directory: Path) -> list[str]:
    """What ``rung show`` adds for a program's run: its command, logs and checkpoints."""
    from rung.types import JobStatus
    from rung.workloads.command import LOG_DIR, PROGRAM_CHECKPOINT_DIR, checkpoint_dir, log_path

    settings, root = result.spec.extra, Path(directory)
    lines = [f"  command: {settings['command']} (run in {settings['cwd']})"]
    logs = root / LOG_DIR
    n_logs = sum(1 for _ in logs.glob("*.log")) if logs.is_dir() else 0
    failed = [j for j in result.jobs if j.status is JobStatus.FAILED]
    line = f"  job logs: {logs}{os.sep} ({n_logs} files)"
    if failed:
        last = failed[-1]
        path = log_path(root, last.trial_id, last.resource_from, last.resource_to)
        line += f"; the last failed job's: {path}"
    lines.append(line)
    trials = {j.trial_id for j in result.jobs} | {j.trial_id for j in result.open_jobs}
    promoted = {j.trial_id for j in result.jobs if j.resource_from > 0}
    saved = {t for t in trials if _holds_files(checkpoint_dir(root, t))}
    rerun = sorted(promoted - saved)
    where = root / PROGRAM_CHECKPOINT_DIR
    if not saved and promoted:
        lines.append(
            f"  checkpoints: the program saved nothing in RUNG_CHECKPOINT_DIR ({where}), so "
            f"each of {len(promoted)} promoted trials was rerun from the start; save the "
            "state there to resume instead"
        )
    else:
        text = (
            f"  checkpoints: the program saved some for {len(saved)} of {len(trials)} "
            f"trials in {where}"
        )
        if rerun:
            text += f"; promoted trials with none were rerun from the start ({len(rerun)})"
        lines.append(text)
    return lines


def _holds_files(path: Path) -> bool:
    return path.is_dir() and any(path.iterdir())
