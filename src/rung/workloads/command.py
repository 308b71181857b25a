"""Any program as an objective: run a command per job, read its report lines.

:class:`CommandObjective` is an iterative objective ``f(config, trial)`` that runs a
command line for each job, with ``{name}`` replaced by the configuration's values and
``{epochs}`` (the resource name) by the job's target resource. The program reports on
its standard output, one line per report (see :mod:`rung.reporting`)::

    [rung] epoch=3 val_loss=0.21 acc=0.93

and each such line becomes ``trial.report(3, val_loss)`` (with every metric of the line,
``trial.report(3, {"val_loss": ..., "acc": ...})``, when the tuner's ``metric`` is the
same as the objective's, as ``rung tune --command`` sets it). Everything the program prints
goes to the job's log, ``DIR/logs/trial-<id>-job-<from>-<to>.log``. Each job's program
finds in its environment:

* ``RUNG_TRIAL_ID``: the trial's id; ``RUNG_SEED``: a seed for the trial;
* ``RUNG_CHECKPOINT_DIR``: the trial's own directory, ``DIR/program-checkpoints/trial-<id>``,
  kept from job to job: a program that saves its state there resumes a promoted trial;
* ``RUNG_RESOURCE_FROM``: the resource the trial has (0: start from scratch, loading
  nothing). It is 0 whenever the checkpoint directory is empty, so a program that saves
  nothing is rerun from the start, and its reports up to the trial's resource are
  skipped. A checkpoint past it (saved after a killed driver's last record) is loaded:
  the epochs it skips take the reports of the job's earlier attempts in its log, and a
  program with nothing left to train whose target no attempt reported runs again at
  once from scratch (``RUNG_RESOURCE_FROM=0``);
* ``RUNG_RESOURCE_TO``: the resource at which the job ends (also ``{epochs}``).

A job ends when the program reports its target (the program then gets ``grace_s`` to
exit by itself, to finish saving its checkpoint) or when rung stops it (time budget,
timeout, driver gone): its process group gets SIGTERM, and SIGKILL ``grace_s`` later.
A program that exits with an error, hangs past the job timeout, prints no report or a
bad one, or exits before it reports its target fails its job
(:class:`~rung.errors.ProgramFailed`, with the end of its standard error); the run goes on.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from rung._checks import Boolean, Real, Text, check_all
from rung.errors import ConfigError, ProgramFailed
from rung.objectives import check_metric_name
from rung.reporting import PREFIX, ReportLineError, parse_report_line
from rung.trial import Trial, short_message
from rung.workloads._command_template import CommandTemplate
from rung.workloads._program import Program, ProgramGone, split_lines

__all__ = [
    "LOG_DIR",
    "PROGRAM_CHECKPOINT_DIR",
    "CommandObjective",
    "check_program",
    "checkpoint_dir",
    "log_path",
]

LOG_DIR = "logs"
PROGRAM_CHECKPOINT_DIR = "program-checkpoints"
_ATTEMPT = "=== rung attempt "  # heads each attempt of a job in its log
_TIMEOUT_GRACE_S = 0.25  # a hung program gets no long grace: the job has run out of time
# Shell keywords and builtins: a first word that is one of them is not a program to check.
_SHELL_WORDS = frozenset(
    "! . : [ [[ { ( alias case cd command eval exec export for function if set source "  # noqa: SIM905
    "time trap ulimit umask unset until while".split()
)


def checkpoint_dir(directory: str | os.PathLike[str], trial_id: int) -> Path:
    """The directory the program of trial ``trial_id`` may save its state in."""
    return Path(directory) / PROGRAM_CHECKPOINT_DIR / f"trial-{trial_id}"


def log_path(
    directory: str | os.PathLike[str], trial_id: int, resource_from: int, resource_to: int
) -> Path:
    """The log of the job that takes trial ``trial_id`` from one resource to another."""
    return Path(directory) / LOG_DIR / f"trial-{trial_id}-job-{resource_from}-{resource_to}.log"


def check_program(
    template: CommandTemplate, cwd: str | None = None, env: Mapping[str, str] | None = None
) -> None:
    """Raises unless the command's program can be started: found, and executable.

    A program decided by a placeholder is not checked; with a shell, the first word is
    checked when it is a plain program name. The working directory must exist.

    Raises:
        ConfigError: one line naming the program (or the working directory) and why it
            cannot start.
    """
    if cwd is not None and not Path(cwd).is_dir():
        raise ConfigError(
            f"The 'cwd' parameter of CommandObjective must be an existing directory, where "
            f"the program runs; got {cwd!r}."
        )
    program = template.program
    if program is None and template.shell:
        import shlex

        try:
            words = shlex.split(template.line)
        except ValueError:
            return
        first = words[0] if words else ""
        if not first or first in _SHELL_WORDS or any(c in first for c in "=$`{}()<>|&;*?"):
            return
        program = first
    if program is None:
        return
    path = (env or os.environ).get("PATH", os.defpath)
    if os.sep in program:
        target = Path(cwd or ".") / program
        if not target.exists():
            raise ConfigError(f"the command's program {program!r} does not exist.")
        if target.is_dir() or not os.access(target, os.X_OK):
            raise ConfigError(
                f"the command's program {program!r} is not executable: chmod +x it, or run it "
                "through its interpreter (python script.py)."
            )
    elif shutil.which(program, path=path) is None:
        raise ConfigError(f"the command's program {program!r} is not found on the PATH.")


_RULES = {
    "metric": Text(),
    "resource_name": Text(),
    "shell": Boolean(),
    "grace_s": Real(low=0),
    "check": Boolean(),
}


class CommandObjective:
    """Runs a program per job and turns its report lines into ``trial.report`` calls.

    Args:
        command: The command line, with ``{name}`` placeholders for configuration values
            and ``{<resource_name>}`` for the job's target resource; or its arguments as
            a list. Without ``shell``, it is split like a shell would (``shlex``) and run
            directly: values are never read by a shell.
        metric: The metric of the report lines to tune.
        directory: Where the jobs' logs and the programs' checkpoint directories go (the
            experiment directory; default: a new temporary directory).
        resource_name: The placeholder for the job's target resource (``"epochs"``).
        shell: Run the line with ``/bin/sh -c`` (pipes, ``&&``, variables); values are
            quoted with ``shlex.quote``.
        env: Variables added to the program's environment (which is this process's, with
            the ``RUNG_*`` variables and ``PYTHONUNBUFFERED=1``).
        cwd: The program's working directory (default: this process's).
        grace_s: Seconds a program gets to exit after SIGTERM (and after reporting its
            target) before SIGKILL.
        check: Check now that the program exists and is executable.

    Raises:
        ConfigError: an empty or malformed command, a metric no report line can carry
            (``"val loss"``), a negative grace,
            or (with ``check``) a program that cannot be started.

    Example:
        >>> import rung
        >>> from rung.workloads.command import CommandObjective
        >>> objective = CommandObjective(
        ...     "python train.py --lr {lr} --epochs {epochs}", metric="val_loss",
        ...     directory="runs/mine")  # doctest: +SKIP
        >>> rung.tune(objective, {"lr": rung.loguniform(1e-4, 1e-1)}, scheduler="asha",
        ...           max_resource=27, max_trials=50, workers=4)  # doctest: +SKIP
    """

    #: A program runs to the job's resource_to and exits: no call to keep paused.
    keep_paused = False

    def __init__(
        self,
        command: str | Sequence[str],
        *,
        metric: str,
        directory: str | os.PathLike[str] | None = None,
        resource_name: str = "epochs",
        shell: bool = False,
        env: Mapping[str, str] | None = None,
        cwd: str | os.PathLike[str] | None = None,
        grace_s: float = 10.0,
        check: bool = True,
    ) -> None:
        check_all("CommandObjective", _RULES, locals())
        # a name no report line can carry would fail every job with "no metric"
        metric = check_metric_name(metric, "The 'metric' parameter of CommandObjective")
        self.template = CommandTemplate(command, shell=shell)
        if not resource_name.isidentifier():  # it is a {placeholder} of the command
            raise ConfigError(
                f"The 'resource_name' parameter of CommandObjective must be a name like "
                f"'epochs'; got {resource_name!r}."
            )
        self.metric = metric
        self.resource_name = resource_name
        self.env = {str(k): str(v) for k, v in (env or {}).items()}
        self.cwd = None if cwd is None else str(Path(cwd).resolve())
        self.grace_s = float(grace_s)
        if check:  # before making a directory, which a refused objective would leave
            check_program(self.template, self.cwd, {**os.environ, **self.env})
        if directory is None:
            directory = tempfile.mkdtemp(prefix="rung-programs-")
        self.directory = str(Path(directory).resolve())

    def __repr__(self) -> str:
        return (
            f"CommandObjective({self.template.line!r}, metric={self.metric!r}, "
            f"directory={self.directory!r})"
        )

    def check_placeholders(self, names: Sequence[str]) -> None:
        """Raises unless every placeholder is one of ``names`` or the resource name.

        Raises:
            ConfigError: names the unknown placeholder and the ones the command may use.
        """
        self.template.check({*names, self.resource_name})

    def __call__(self, config: Mapping[str, Any], trial: Trial) -> None:
        arguments = self.template.render({**config, self.resource_name: trial.resource_to})
        own = checkpoint_dir(self.directory, trial.trial_id)
        own.mkdir(parents=True, exist_ok=True)
        saved = any(own.iterdir())
        start_from = trial.resource_from if saved else 0
        log = log_path(self.directory, trial.trial_id, trial.resource_from, trial.resource_to)
        log.parent.mkdir(parents=True, exist_ok=True)
        env = {
            **os.environ,
            **self.env,
            "PYTHONUNBUFFERED": "1",  # report lines reach rung as they are printed
            "RUNG_TRIAL_ID": str(trial.trial_id),
            "RUNG_SEED": str(trial.seed),
            "RUNG_RESOURCE_FROM": str(start_from),
            "RUNG_RESOURCE_TO": str(trial.resource_to),
            "RUNG_CHECKPOINT_DIR": str(own),
        }
        with open(log, "ab") as handle:
            handle.write(_header(trial, start_from, own, arguments).encode())
            handle.flush()
            try:
                self._run(arguments, env, handle, trial, log, resumed=start_from > 0)
            except _CheckpointAhead:
                # Its checkpoint was saved past the record (a driver killed after the save,
                # or an orphaned job that ran on), and no attempt's reports were found for
                # the epochs it skips: trained again from scratch, the trial is not lost.
                env["RUNG_RESOURCE_FROM"] = "0"
                handle.write(_header(trial, 0, own, arguments, ahead=True).encode())
                handle.flush()
                self._run(arguments, env, handle, trial, log, resumed=False)

    def _earlier_reports(self, log: Path, resource_from: int) -> dict[int, float]:
        """The tuned metric by resource, as the earlier attempts of this job reported it
        (the latest attempt's value where several did). Not the last attempt's alone: an
        attempt cut short again, or whose program found its target already saved, reported
        nothing, and the values that stand in for the epochs the program skips are older.
        """
        reports: dict[int, float] = {}
        if not log.is_file():
            return reports
        with open(log, "rb") as handle:
            pieces = (piece for raw in handle for piece in split_lines(raw))  # as it was read
            for piece in pieces:
                line = piece.decode("utf-8", errors="replace")
                if line.startswith(_ATTEMPT):
                    continue
                try:
                    parsed = parse_report_line(line)
                except ReportLineError:
                    continue
                if parsed is not None and parsed.resource > resource_from:
                    value = parsed.metrics.get(self.metric)
                    if value is not None:
                        reports[parsed.resource] = value
        return reports

    def _run(
        self,
        arguments: list[str],
        env: dict[str, str],
        handle: Any,
        trial: Trial,
        log: Path,
        resumed: bool,
    ) -> None:
        failure = _Failure(trial, log)
        printed = False  # any report line at all

        def fill(below: float) -> None:  # the earlier attempts' reports the program skips
            last = trial.reports[-1].resource if trial.reports else trial.resource_from
            if not resumed or below <= last + 1:
                return
            # A job cut short (a killed driver) runs again with the same log. Read now, not
            # when the job started: an orphaned attempt may have gone on reporting (and
            # saving) meanwhile, and this program loaded what it saved.
            earlier = self._earlier_reports(log, trial.resource_from)
            for resource in sorted(r for r in earlier if last < r < below):
                trial.report(resource, earlier[resource])

        try:
            program = Program(arguments, env, self.cwd, handle)
        except ProgramGone as err:
            raise failure(str(err), None) from None
        try:
            for line in program.lines(trial.seconds_left):
                try:
                    parsed = parse_report_line(line)
                except ReportLineError as err:
                    raise failure(
                        f"the program printed a bad report line: {err}", program
                    ) from None
                if parsed is None:
                    continue
                printed = True
                value = parsed.metrics.get(self.metric)
                if value is None:
                    seen = ", ".join(parsed.metrics)
                    raise failure(
                        f"the report line {line.strip()!r} has no metric {self.metric!r} "
                        f"(it has: {seen}); report it, or tune one of those with --metric",
                        program,
                    )
                if parsed.resource <= trial.resource_from:
                    # Retrained from scratch (no checkpoint): the trial has these values
                    # already, but the epochs were trained again, and are charged.
                    trial.retrained = max(trial.retrained, parsed.resource)
                    continue
                # Every metric of the line is recorded when the tuner tunes ours by name.
                reported = parsed.metrics if trial.metric == self.metric else value
                try:
                    fill(parsed.resource)
                    trial.report(parsed.resource, reported)
                except (ValueError, TypeError) as err:
                    raise failure(
                        f"the program's report {line.strip()!r}: {err}", program
                    ) from None
            code = program.wait(trial.seconds_left)
            if code != 0:
                raise failure(f"the program {_status(code)}", program, last_error=True)
            if (
                resumed
                and not printed
                and trial.resource_to not in self._earlier_reports(log, trial.resource_from)
            ):
                raise _CheckpointAhead  # nothing left to train, and not all values for it
            fill(trial.resource_to + 1)
            if not trial.reports:
                # Report lines on standard error are not read: say so, or the end of its
                # standard error shows the very line the message asks for.
                on_stderr = any(line.startswith(PREFIX) for line in program.stderr_tail)
                raise failure(
                    f"the program exited (status 0) without a report line after "
                    f"{self.resource_name} {trial.resource_from}, such as "
                    f"'[rung] epoch={trial.resource_from + 1} {self.metric}=VALUE'"
                    + (
                        ", on its standard output (it printed report lines on its standard "
                        "error, which rung does not read)"
                        if on_stderr
                        else ""
                    ),
                    program,
                    last_error=not on_stderr,
                )
            if trial.reports[-1].resource < trial.resource_to:  # its value is of a lower rung
                short = short_message(
                    trial.reports[-1].resource, trial.resource_to, self.resource_name
                )
                raise failure(
                    f"the program exited (status 0) having {short} ({{{self.resource_name}}} "
                    f"and RUNG_RESOURCE_TO were {trial.resource_to}): it must report "
                    f"'[rung] epoch={trial.resource_to} {self.metric}=VALUE' before it exits",
                    program,
                    last_error=True,
                )
        except TimeoutError:
            program.end(min(self.grace_s, _TIMEOUT_GRACE_S))
            raise failure(
                "JobTimeout: the program ran past the job's timeout and was ended",
                program,
                last_error=True,
            ) from None
        except ProgramGone as err:
            raise failure(str(err), program) from None
        finally:
            reached = bool(trial.reports) and trial.reports[-1].resource >= trial.resource_to
            program.end(self.grace_s, wait_first=reached)


def _status(code: int) -> str:
    if code < 0:
        import signal

        try:
            return f"was killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"was killed by signal {-code}"
    return f"exited with status {code}"


class _CheckpointAhead(Exception):
    """The program resumed from its checkpoint, found nothing left to train and reported
    nothing, and no earlier attempt of the job reported its target."""


def _header(
    trial: Trial, start_from: int, own: Path, arguments: list[str], ahead: bool = False
) -> str:
    import shlex

    if trial.resource_from == 0:
        start = "a new trial"
    elif ahead:
        start = (
            f"reruns from 0 to pass {trial.resource_from} (RUNG_RESOURCE_FROM=0: its "
            f"checkpoint in {own} is not to be loaded): the program resumed from it and "
            f"reported nothing, so it was saved at or past {trial.resource_to} after the "
            "last record (a killed driver), and no earlier attempt's report of "
            f"{trial.resource_to} was found in this log"
        )
    elif start_from:
        start = f"resumes from {start_from} (its checkpoint directory holds a checkpoint)"
    else:
        start = (
            f"reruns from 0 to pass {trial.resource_from}: nothing was saved in "
            f"RUNG_CHECKPOINT_DIR ({own})"
        )
    stamp = time.strftime("%Y-%m-%d %H:%M:%S")
    return (
        f"{_ATTEMPT}{stamp}: trial {trial.trial_id}, {trial.resource_from} -> "
        f"{trial.resource_to}, {start}\n=== {shlex.join(arguments)}\n"
    )


class _Failure:
    """Builds the error of a failed job: the end of the program's standard error, then the
    reason (the last line, which summaries show) with the job's log."""

    def __init__(self, trial: Trial, log: Path) -> None:
        self.trial, self.log = trial, log

    def __call__(
        self, reason: str, program: Program | None, last_error: bool = False
    ) -> ProgramFailed:
        tail = list(program.stderr_tail) if program is not None else []
        if last_error and tail:
            reason += f" ({tail[-1].strip()})"
        trial = self.trial
        where = f"trial {trial.trial_id}, {trial.resource_from} -> {trial.resource_to}"
        message = f"{reason}; {where}; log: {self.log}"
        if tail:
            message = "the end of its standard error:\n" + "\n".join(tail) + "\n" + message
        if program is not None:
            program.log.write(f"=== rung: the job failed: {reason}\n".encode())
        return ProgramFailed(message)
