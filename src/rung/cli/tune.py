"""``rung tune``, ``rung resume``, ``rung show`` and ``rung plot``: Fashion-MNIST runs.

``rung tune`` records everything it needs to rebuild the run in the experiment store: the
run's spec (scheduler, seed, budgets, workers, retries), and in the spec's ``extra`` the
command line's own settings (model, searcher and scheduler names, space, where the data
is); so ``rung resume DIR`` rebuilds the same objective, searcher and scheduler and
continues the run after any crash. Connection settings are never read back from a
record: a resume runs where its own command line says (``--dask-address``).
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from pathlib import Path
from typing import Any

from rung.cli._args import (
    BUDGET_NEEDED,
    QUICK_SUBSET,
    UsageError,
    check_local_workers,
    has_budget,
)
from rung.cli._terminal import printable
from rung.cli.goals import check_model_goals, goal_arguments, model_metrics
from rung.errors import ProgramFailed, TrialFailed
from rung.types import JobStatus

__all__ = ["resume", "show", "plot", "tune"]


#: Settings of the run itself (recorded in the spec's own fields, not in ``extra``).
_RUN_SETTINGS = ("seed", "workers", "keep_checkpoints", "max_retries", "job_timeout_s")


def _settings(args: argparse.Namespace, space: dict[str, Any]) -> dict[str, Any]:
    from rung.space_file import space_to_spec

    return {
        "model": args.model,
        "searcher": args.searcher,
        "scheduler": args.scheduler,
        "min_epochs": args.min_epochs,
        "max_epochs": args.max_epochs,
        "eta": args.eta,
        "device": args.device,
        "threads": args.threads,
        "data_dir": None if args.data_dir is None else str(Path(args.data_dir).resolve()),
        "quick": args.quick,
        "workers": args.workers,
        "dask_address": args.dask_address,  # used, never recorded
        "gpus": args.gpus,
        "final_epochs": args.final_epochs,
        "no_final": args.no_final,
        "keep_checkpoints": args.keep_checkpoints,
        "max_retries": args.max_retries,
        "job_timeout_s": args.job_timeout,
        "space_spec": space_to_spec(space),
        "objectives": args.objectives,
        "constraints": args.constraint,
        "metric": "validation error",
        "title": f"{args.model}: {args.searcher} search + {args.scheduler}",
        "started": time.strftime("%Y-%m-%dT%H:%M:%S"),
    }


def _executor(
    workers: int, dask_address: str | None, threads: int | None, gpus: str | None = None
) -> Any:
    from rung.executors.factory import make_executor

    if dask_address is not None:  # one worker (the default) means: the cluster's threads
        return make_executor("dask", workers if workers > 1 else None, dask_address)
    return make_executor(None, workers, threads_per_worker=threads, gpus=gpus)


def _tuner(settings: dict[str, Any], directory: Path, callbacks: list[Any]) -> Any:
    """The tuner ``settings`` describe (the same for a run and for its resumption)."""
    if "command" in settings:  # a program run: rung.cli.command
        from rung.cli.command import command_tuner

        return command_tuner(settings, directory, callbacks)
    from rung.cli.tune_options import searcher_of
    from rung.run.factory import build_tuner
    from rung.space_file import space_from_spec
    from rung.workloads.trainer import FashionMNISTObjective

    objective = FashionMNISTObjective(
        settings["model"],
        data_dir=settings["data_dir"],
        device=settings["device"],
        threads=settings["threads"],
        subset=QUICK_SUBSET if settings["quick"] else None,
        metrics=model_metrics(settings),
    )
    fifo = settings["scheduler"] == "fifo"  # FIFO trains every trial to the max: no rungs
    tuner = build_tuner(
        objective,
        space_from_spec(settings["space_spec"]),
        searcher=searcher_of(settings),
        scheduler=settings["scheduler"],
        initial_config=settings.get("initial_config"),
        n_init=settings.get("n_init", 5),
        min_resource=None if fifo else settings["min_epochs"],
        max_resource=settings["max_epochs"],
        eta=None if fifo else settings["eta"],
        seed=settings["seed"],
        **goal_arguments(settings),
        callbacks=callbacks,
        executor=_executor(
            settings["workers"], settings["dask_address"], settings["threads"], settings.get("gpus")
        ),
        directory=directory,
        keep_checkpoints=settings["keep_checkpoints"],
        max_retries=settings.get("max_retries", 1),
        job_timeout_s=settings.get("job_timeout_s"),
        extra={k: v for k, v in settings.items() if k not in _RUN_SETTINGS and k != "dask_address"},
    )
    return tuner


def _prepare_data(settings: dict[str, Any]) -> None:
    """Checks the device and loads (or downloads) the data before the run: a missing GPU
    or data set is one clear error now, not a failed trial later."""
    from rung.workloads import fashion_mnist
    from rung.workloads.trainer import resolve_device

    device = resolve_device(settings["device"])
    fashion_mnist.load_tensors(settings["data_dir"], device=str(device))


def _not_a_job_failure(record: logging.LogRecord) -> bool:
    from rung.run.state import JOB_FAILED

    return not getattr(record, JOB_FAILED, False)


def _progress(
    args: argparse.Namespace, trials: int | None, budget: float | None, metric: str
) -> Any:
    if args.quiet:
        return None
    from rung.results.progress import ProgressPrinter

    return ProgressPrinter(trials, budget, metric=metric)


def _run(
    args: argparse.Namespace,
    settings: dict[str, Any],
    directory: Path,
    resuming: bool,
    recorded: Any = None,
) -> int:
    budget = {
        "max_trials": args.trials,
        "time_budget_s": args.time_budget,
        "resource_budget": args.epochs_budget,
    }
    printer = _progress(
        args,
        args.trials or (recorded.max_trials if recorded else None),
        args.time_budget or (recorded.time_budget_s if recorded else None),
        settings.get("metric", "validation error"),
    )
    tuner = _tuner(settings, directory, [printer] if printer is not None else [])
    interrupted = False
    state_log = logging.getLogger("rung.run.state")
    if printer is not None:  # its job lines show each failure: once is enough
        state_log.addFilter(_not_a_job_failure)
    try:
        if resuming:
            tuner.resume(directory, **budget)
        else:
            tuner.run(**budget)
    except KeyboardInterrupt:
        interrupted = True
    except TrialFailed as err:
        if "command" not in settings:
            raise  # the objective's traceback is the user's code: all of it helps
        raise _program_failed(err) from None
    finally:
        state_log.removeFilter(_not_a_job_failure)
        if printer is not None:
            printer.close()
    result = _finish(args, settings, directory, interrupted)
    if interrupted:
        print(
            f"interrupted: every finished job is recorded in {directory}; continue the run "
            f"with `rung resume {directory}`",
            file=sys.stderr,
        )
        return 130
    if not any(job.status is JobStatus.COMPLETED for job in result.jobs):
        # a run time failure (exit status 1), as when its first trials all fail: a script
        # must not take a run with no result for a success
        print(
            f"rung {args.command}: error: no job completed: every job failed (the summary "
            f"names the first error); fix the objective, then `rung resume {directory}`",
            file=sys.stderr,
        )
        return 1
    return 0


def _program_failed(err: TrialFailed) -> ProgramFailed:
    """A run of a program stopped because its first trials failed, in one line: the
    traceback is rung's own frames; the program's failure is its last line (which names
    the program's last line of standard error and the job's log)."""
    context = str(err).splitlines()[0]
    last = err.traceback.strip().splitlines()[-1] if err.traceback.strip() else ""
    return ProgramFailed(f"{context} {last.removeprefix('rung.errors.ProgramFailed: ')}")


def _reach_cluster(address: str | None) -> None:
    """Connects to the Dask scheduler at ``address`` (None: none asked for) and lets go,
    before anything is written: a cluster that cannot be reached would otherwise leave
    an experiment directory with an empty run in it, marked interrupted.

    Raises:
        UsageError: no Dask scheduler answers at ``address`` (within Dask's connect
            timeout, ``distributed.comm.timeouts.connect``).
    """
    if address is None:
        return
    import distributed

    try:
        client = distributed.Client(address, set_as_default=False)
    except (OSError, TimeoutError, ValueError) as err:
        raise UsageError(
            f"argument --dask-address: no Dask scheduler answers at {address!r} ({err}); "
            "nothing was recorded"
        ) from None
    client.close()


def _drive(args: argparse.Namespace, settings: dict[str, Any], directory: Path) -> int:
    """A new run in ``directory``, its final model and results files, all under the
    directory's driver lock: a ``rung resume`` meanwhile is refused, not run beside it."""
    from rung.store._directory import driving

    _reach_cluster(settings.get("dask_address"))  # before the directory is created
    with driving(directory):
        return _run(args, settings, directory, resuming=False)


def _finish(
    args: argparse.Namespace, settings: dict[str, Any], directory: Path, interrupted: bool
) -> Any:
    """The final model, the results files, the plots and the summary; returns the
    run's result as summarized."""
    from rung.results.final import final_is_current, with_currency
    from rung.results.plots import plot_all
    from rung.results.report import write_results
    from rung.results.summary import read_result

    result = read_result(directory)
    best = result.best_config
    wants_final = not (settings["no_final"] or args.no_final or interrupted)
    several = result.spec.goals is not None and len(result.spec.goals.objectives) > 1
    current = final_is_current(result)
    if several and result.pareto_front and wants_final and not current:
        from rung.cli.front_final import train_front
        from rung.store import ExperimentStore

        final = train_front(settings, directory, result, args.quiet)
        with ExperimentStore.open(directory) as store:
            store.set_final(final)
        result = read_result(directory)
    elif best is not None and wants_final and not current:
        from rung.cli import final_model

        try:
            final_model.train(
                settings,
                directory,
                result,
                args.quiet,
                QUICK_SUBSET if settings["quick"] else None,
            )
        except KeyboardInterrupt:
            raise KeyboardInterrupt(
                f"interrupted: the search is recorded, the final model is not; "
                f"`rung resume {directory}` makes it"
            ) from None
        result = read_result(directory)
    result = with_currency(result)
    warnings = _warnings(result)
    failure = None
    try:
        if not interrupted:
            write_results(result, directory, warnings=warnings)
        plot_all(result, directory)
    except ImportError as err:
        logging.getLogger(__name__).warning("%s", err)
    except OSError as err:  # the run is recorded: say so after its summary
        failure = _output_error(directory, err)
    print(_summary(result, directory, warnings))
    if failure is not None:
        raise failure
    return result


def _output_error(directory: str | Path, err: OSError) -> Exception:
    """The one line for results or plots that could not be written (a full disk, a
    directory one cannot write): the record is intact, and which command writes them."""
    from rung.errors import StoreError
    from rung.store._directory import disk_full
    from rung.store._schema import DB_NAME

    full = disk_full(err)
    what = "disk full" if full else f"cannot write ({err.strerror or err})"
    fix = "free space" if full else "make the directory writable"
    error = StoreError(
        f"{what} while writing the results and plots into {str(directory)!r}: the run is "
        f"recorded in its {DB_NAME}; {fix}, then `rung plot {directory}` draws the plots "
        f"(`rung resume {directory}` writes results.json too)."
    )
    error.disk_full = full  # type: ignore[attr-defined]  # not a usage error: exit status 1
    return error


def _warnings(result: Any) -> list[str]:
    from rung.cli.verdict import run_warnings

    return run_warnings(result)


def _summary(result: Any, directory: Path, warnings: list[str], writing: bool | None = None) -> str:
    """The summary, with where the final model came from and the run's warnings
    (``writing``: :func:`rung.results.report.format_summary`)."""
    from rung.cli.final_model import describe
    from rung.results.report import format_summary

    lines = [format_summary(result, writing)]
    if "command" in result.spec.extra:  # a program run: its logs and checkpoints
        from rung.cli.command import summary_lines

        lines.extend(summary_lines(result, directory))
    source = describe(result.final) if result.final else None
    if source is not None:
        lines.append(source)
    lines.extend(f"  warning: {text}" for text in warnings)
    return printable("\n".join(lines))  # the record's strings are shown, never obeyed


def tune(args: argparse.Namespace) -> int:
    """``rung tune``: a new run recorded in ``--out``."""
    import rung
    from rung.cli import tune_options
    from rung.workloads._config_rules import check_space

    check_local_workers(args.workers, args.dask_address)  # a program's workers are local too
    if args.program is not None or args.model is None:  # a program run: rung.cli.command
        from rung.cli import command

        if args.program is None:
            raise UsageError("give what to tune: --command 'PROGRAM ARGS' or --model NAME")
        tune_options.refuse_for_programs(args)
        tune_options.settle_defaults(args)
        settings, out = command.prepare(args)
        return _drive(args, settings, out)
    from rung.cli.command import refuse_program_options, space_argument

    refuse_program_options(args)
    # Usage errors first, before torch is imported or anything is written (a refused
    # command answers at once): arguments, space, options, the output directory.
    space = space_argument(args.space)
    if space is None:
        from rung.workloads.spaces import default_space

        space = default_space(args.model)
    if getattr(args, "fixed_configs", None) is not None:
        from rung.searchers.fixed import space_of

        space = space_of(tune_options.read_fixed_configs(args.fixed_configs))
    options = tune_options.check(args, space)
    if not has_budget(args):
        raise UsageError(BUDGET_NEEDED)
    if args.min_epochs > args.max_epochs:
        raise UsageError(
            f"argument --min-epochs: must be <= --max-epochs={args.max_epochs}; "
            f"got {args.min_epochs}"
        )
    if args.dask_address is not None and not args.dask_address.strip():
        raise UsageError("argument --dask-address: must be an address like tcp://host:8786")
    check_space(args.model, space)  # every value it can give suits the model: no trial fails
    from rung.store._directory import clear_stillborn, refuse_existing

    rung.Space(space)  # validates before anything is written
    check_model_goals(args)
    out = Path(args.out or f"runs/{args.model}-{args.scheduler}-{time.strftime('%Y%m%d-%H%M%S')}")
    clear_stillborn(out)  # left by a run killed while it created its database
    refuse_existing(out)
    settings = {**_settings(args, space), **options, "seed": args.seed}
    if not args.quiet:  # before the data loads (seconds): the command has started
        print(f"tuning {args.model} into {out} (loading Fashion-MNIST)", file=sys.stderr)
    _prepare_data(settings)
    return _drive(args, settings, out)


def resume(args: argparse.Namespace) -> int:
    """``rung resume DIR``: continues a recorded run (after a crash, or with more budget)."""
    from rung.results.summary import recorded_budget, spec_of
    from rung.store import ExperimentStore
    from rung.store._directory import driving

    directory = Path(args.directory)
    with ExperimentStore.open(directory, readonly=True) as store:
        spec = spec_of(store.started)
        # the limits of the latest start or resume, which Tuner.resume keeps where not given
        recorded = recorded_budget(store, spec.budget)
    _reach_cluster(args.dask_address)  # before the resume is recorded
    with driving(directory):  # one driver: not while a run or its final model goes on
        return _resume(args, directory, spec, recorded)


def _resume(args: argparse.Namespace, directory: Path, spec: Any, recorded: Any) -> int:
    """``rung resume`` once the directory's driver lock is held; ``recorded``: the
    budget the run last ran to."""
    settings = dict(spec.extra)
    program = "command" in settings  # a program run: rung.cli.command
    if program:
        from rung.cli.command import prepare_resume

        prepare_resume(settings, spec, args, directory)
    else:
        _settle_model_resume(settings, spec, args, directory)
    from rung.cli import resume_report
    from rung.results.final import final_is_current
    from rung.results.summary import read_result

    before = read_result(directory)
    trials = args.trials or recorded.max_trials
    seconds = args.time_budget or recorded.time_budget_s
    epochs = args.epochs_budget or recorded.resource_budget
    listed, source = _configurations(settings)
    nothing = resume_report.nothing_to_run(before, trials, seconds, epochs, listed, source)
    if nothing is not None and has_budget(args):
        raise UsageError(f"nothing to run: {nothing}")  # before the budget is recorded
    if nothing is not None:  # the recorded budget is spent: make what is missing, say so
        print(f"nothing to run: {nothing}", file=sys.stderr)
        wants_final = not (settings["no_final"] or args.no_final)
        if not program and not final_is_current(read_result(directory)) and wants_final:
            _prepare_data(settings)
        _finish(args, settings, directory, interrupted=False)
        return 0
    if not args.quiet:  # before the data loads (seconds): the command has started
        what = (
            f"{settings['command']!r}"
            if program
            else f"{settings['model']} (loading Fashion-MNIST)"
        )
        print(f"resuming {what} in {directory}", file=sys.stderr)
    if not program:
        _prepare_data(settings)
    status = _run(args, settings, directory, resuming=True, recorded=recorded)
    if status == 0 and not args.quiet:
        print(resume_report.after_line(before, read_result(directory)), file=sys.stderr)
    return status


def _configurations(settings: dict[str, Any]) -> tuple[int | None, str]:
    """How many configurations a ``--model`` run can try at most (None: no end), and
    what holds them: its ``--fixed-configs`` list, or a search space of choices alone."""
    import math

    import rung
    from rung.space_file import space_from_spec

    fixed = settings.get("fixed_configs")
    if fixed:
        return len(fixed), "its --fixed-configs list"
    if "space_spec" not in settings:  # a program's run: its space is checked elsewhere
        return None, ""
    space = rung.Space(space_from_spec(settings["space_spec"]))
    if space.optional or not math.isfinite(space.cardinality):
        return None, ""
    return int(space.cardinality), "its search space"


def _settle_model_resume(
    settings: dict[str, Any], spec: Any, args: argparse.Namespace, directory: Path
) -> None:
    """Completes a ``--model`` run's recorded settings from its spec and ``rung resume``'s
    overrides.

    Raises:
        UsageError: the directory was not recorded by ``rung tune``, a program's flags
            (``--command``, ``--shell``), or bad workers.
    """
    if "model" not in settings or "space_spec" not in settings:
        raise UsageError(
            f"{str(directory)!r} was not recorded by `rung tune`; resume it from Python "
            "with Tuner.resume(directory)."
        )
    if getattr(args, "program", None) is not None or getattr(args, "shell", False):
        raise UsageError(
            f"--command and --shell: {str(directory)!r} tunes the {settings['model']} model, "
            "not a program"
        )
    settings.update(
        seed=spec.seed,
        workers=spec.workers if args.workers is None else args.workers,
        keep_checkpoints=spec.keep_checkpoints,
        max_retries=spec.max_retries if args.max_retries is None else args.max_retries,
        job_timeout_s=spec.job_timeout_s,
        dask_address=args.dask_address,  # only where this command line says
    )
    if args.gpus is not None:
        settings["gpus"] = args.gpus
    if args.data_dir is not None:
        settings["data_dir"] = str(Path(args.data_dir).resolve())
    check_local_workers(settings.get("workers"), settings["dask_address"])


def show(args: argparse.Namespace) -> int:
    from rung.results.final import with_currency
    from rung.results.summary import RunReader

    with RunReader(args.directory) as reader:  # a run not finished: written now, or cut?
        result, writing = with_currency(reader.read()), reader.being_written()
    print(_summary(result, Path(args.directory), _warnings(result), writing))
    return 0


def plot(args: argparse.Namespace) -> int:
    from rung.results.plots import plot_all
    from rung.results.summary import read_result

    result = read_result(args.directory)
    try:
        paths = plot_all(result, args.directory)
    except OSError as err:
        raise _output_error(args.directory, err) from None
    for path in paths:
        print(path)
    return 0
