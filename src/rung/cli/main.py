"""The ``rung`` command: a thin layer over the library.

    rung tune --model lenet --scheduler asha --time-budget 300 --out runs/lenet
    rung tune --command 'python train.py --lr {lr} --epochs {epochs}' --space space.toml \
              --metric val_loss --trials 50 --out runs/mine
    rung tune --model svm --objectives val_error:min,latency_ms:min --trials 60
    rung tune --config experiment.toml
    rung resume runs/lenet [--time-budget 600]
    rung show runs/lenet
    rung plot runs/lenet
    rung dashboard runs/lenet [--export report.html]
    rung demo

Usage errors (bad arguments, a bad space file, a directory that holds another run or
no run, a damaged or foreign database) exit with status 2 and one line naming what is
wrong; run time failures (missing or corrupt data, a full disk, a run in which no job
completed) exit with status 1 and one line; ``--debug`` shows the traceback.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import sys
from collections.abc import Sequence

from rung._extras import missing_extra
from rung.cli import tune as cli_tune
from rung.cli._args import (
    NotRepeated,
    UsageError,
    _Parser,
    epochs,
    eta_number,
    non_negative_float,
    path,
    positive_float,
    positive_int,
    retries,
    seed,
    threads,
    workers,
)
from rung.cli._help import show_defaults
from rung.cli._terminal import printable
from rung.errors import ConfigError, StoreError
from rung.schedulers.rungs import DEFAULT_ETA

__all__ = ["main"]

MODELS = ("softmax", "lenet", "sgd", "svm")
SEARCHERS = ("random", "bo")
SCHEDULERS = ("fifo", "sh", "hyperband", "asha", "async-hyperband")


QUICK_SUBSET = cli_tune.QUICK_SUBSET
_SIGPIPE_STATUS = 141  # 128 + SIGPIPE, as a program the signal ends reports in a shell


def _demo(args: argparse.Namespace) -> int:
    """Tunes the toy quadratic, then multi-fidelity Branin with ASHA (random search and BO)."""
    import rung
    from rung.workloads.synthetic import BRANIN, TOY, MultiFidelity

    print(f"rung {rung.__version__} demo (seed {args.seed})\n")
    toy = rung.tune(TOY, TOY.space, searcher="random", max_trials=args.trials, seed=args.seed)
    print(
        f"toy (x - 2)**2, random search, {toy.n_trials} trials: best value "
        f"{toy.best_value:.4g} at x = {toy.best_config['x']:.4f} ({toy.wall_time * 1e3:.1f} ms)\n"
    )
    branin = MultiFidelity(BRANIN, max_resource=81)
    print(f"multi-fidelity Branin (optimum {branin.optimum:.6f}), ASHA 1..81 epochs, eta 3:")
    print(
        f"  {'searcher':<8} {'trials':>6} {'jobs':>6} {'epochs':>7} "
        f"{'best':>9} {'regret':>9} {'time':>8}"
    )
    for searcher in ("random", "bo"):
        result = rung.tune(
            branin.iterative,
            branin.space,
            searcher=searcher,
            scheduler="asha",
            min_resource=1,
            max_resource=81,
            eta=3,
            max_trials=args.trials * 3,
            seed=args.seed,
        )
        regret = branin.base.regret(result.best_value)
        print(
            f"  {searcher:<8} {result.n_trials:>6} {result.n_jobs:>6} {result.total_resource:>7} "
            f"{result.best_value:>9.4f} {regret:>9.4f} {result.wall_time:>7.2f}s"
        )
        counts = ", ".join(f"{r}: {n}" for r, n in result.rung_counts().items())
        print(f"  {'':<8} jobs per rung: {counts}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    import rung

    parser = _Parser(
        prog="rung",
        description="Hyperparameter optimization: random search and BO, ASHA and Hyperband.",
    )
    parser.add_argument("--version", action="version", version=f"rung {rung.__version__}")
    parser.add_argument("--debug", action="store_true", help="show tracebacks and debug logs")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    tune = commands.add_parser("tune", help="tune a program, or a model on Fashion-MNIST")
    tune.add_argument("--model", choices=MODELS, help="a Fashion-MNIST model to tune")
    tune.add_argument(
        "--command",
        dest="program",
        metavar="'PROGRAM ARGS'",
        help="tune a program: run per job, {name} replaced by the configuration's values "
        "and {epochs} by the job's target; it prints '[rung] epoch=N METRIC=VALUE' lines",
    )
    tune.add_argument("--metric", help="with --command: the reported metric to tune")
    tune.add_argument(
        "--objectives",
        action=NotRepeated,
        hint="list every objective in one, e.g. 'val_error:min,latency_ms:min'",
        metavar="NAME:min,NAME:max",
        help="several objectives, e.g. 'val_error:min,latency_ms:min' (a --model run "
        "reports val_error, latency_ms and params): the result is the Pareto front",
    )
    tune.add_argument(
        "--constraint",
        "--constraints",
        dest="constraint",
        action="append",
        metavar="'NAME<=BOUND'",
        help="a bound every result must respect, e.g. 'latency_ms<=0.05' (repeatable); "
        "infeasible trials rank last and are never the best",
    )
    tune.add_argument(
        "--direction", choices=("min", "max"), help="with --command: minimize (default) or maximize"
    )
    tune.add_argument(
        "--shell", action="store_true", help="with --command: run it with /bin/sh (values quoted)"
    )
    tune.add_argument(
        "--grace",
        type=non_negative_float,
        metavar="SECONDS",
        help="with --command: time a program gets to exit after SIGTERM, or after its last "
        "report, before SIGKILL (default 10)",
    )
    tune.add_argument(
        "--config",
        metavar="FILE",
        help="an experiment file (TOML) whose keys are these flags; flags given here override it",
    )
    tune.add_argument(
        "--gpus",
        metavar="IDS",
        help="one GPU per worker process: '0,1' or 'all' (workers share them round-robin)",
    )
    tune.add_argument(
        "--searcher",
        choices=SEARCHERS,
        help="how configurations are proposed: random search, or bo (a Gaussian process "
        "with Expected Improvement; model-based multi-fidelity with a scheduler that stops "
        "early) (default: bo)",
    )
    tune.add_argument(
        "--scheduler",
        choices=SCHEDULERS,
        help="how epochs are given out: fifo (every trial to --max-epochs), sh "
        "(successive halving), hyperband, asha, async-hyperband (default: async-hyperband; "
        "fifo with --fixed-configs)",
    )
    tune.add_argument(
        "--trials",
        type=positive_int,
        help="trial budget: configurations to try (default: the --fixed-configs list, "
        "else give it, --time-budget or --epochs-budget)",
    )
    tune.add_argument(
        "--time-budget",
        type=positive_float,
        metavar="SECONDS",
        help="time budget in seconds; with --trials, whichever comes first",
    )
    tune.add_argument(
        "--epochs-budget",
        type=positive_int,
        metavar="EPOCHS",
        help="budget in epochs trained, summed over all jobs (a promoted trial counts only "
        "its extra epochs); with the others, whichever comes first",
    )
    tune.add_argument("--min-epochs", type=epochs, help="lowest rung (default 1; not with fifo)")
    tune.add_argument("--max-epochs", type=epochs, default=9, help="full budget (default 9)")
    tune.add_argument(
        "--eta",
        type=eta_number,
        help=f"reduction factor of the rungs (default {DEFAULT_ETA}; not with fifo)",
    )
    tune.add_argument(
        "--seed",
        type=seed,
        default=0,
        help="seeds the searcher, the scheduler and each trial's weights and batch order",
    )
    tune.add_argument(
        "--initial-config",
        metavar="NAME=VALUE,...",
        help="the first trial's configuration, e.g. learning_rate=0.1,batch_size=128 (or a "
        "TOML file of name = value lines); it must lie in the space",
    )
    tune.add_argument(
        "--n-init",
        type=positive_int,
        metavar="N",
        help="random configurations before BO's model proposes (--searcher bo) (default: 5)",
    )
    tune.add_argument(
        "--fixed-configs",
        metavar="FILE",
        help="evaluate the configurations of a TOML file of [[config]] tables, each trained "
        "to --max-epochs, instead of searching",
    )
    tune.add_argument("--space", metavar="FILE", help="search space in TOML (default: the model's)")
    tune.add_argument(
        "--out", type=path, metavar="DIR", help="experiment directory (default: runs/...)"
    )
    tune.add_argument(
        "--data-dir", type=path, metavar="DIR", help="where Fashion-MNIST is (or goes)"
    )
    tune.add_argument(
        "--device",
        choices=("auto", "cpu", "cuda"),
        default="auto",
        help="where to train: auto is CUDA when available, else the CPU",
    )
    tune.add_argument(
        "--workers", type=workers, default=1, help="jobs at once, one process each (default 1)"
    )
    tune.add_argument(
        "--dask-address", metavar="ADDRESS", help="run on a Dask cluster (tcp://host:8786)"
    )
    tune.add_argument(
        "--threads",
        type=threads,
        help="torch threads per worker (default: the CPUs split across workers)",
    )
    tune.add_argument(
        "--final-epochs",
        type=epochs,
        help="epochs of the final model (default: --max-epochs)",
    )
    tune.add_argument(
        "--final-model",
        choices=("best-trial", "retrain"),
        help="best-trial: the best trial's own weights (its checkpoint), trained on to "
        "--final-epochs if more (with --objectives, each Pareto front member's); retrain: "
        "the configuration from scratch (default: best-trial)",
    )
    tune.add_argument("--no-final", action="store_true", help="skip the final model")
    tune.add_argument(
        "--quick",
        action="store_true",
        help=f"a small subset ({QUICK_SUBSET[0]} training images), for smoke tests",
    )
    tune.add_argument(
        "--keep-checkpoints", action="store_true", help="keep finished trials' checkpoints"
    )
    tune.add_argument(
        "--max-retries",
        type=retries,
        default=1,
        help="times a failed job runs again before its trial fails (default 1)",
    )
    tune.add_argument(
        "--job-timeout",
        type=positive_float,
        metavar="SECONDS",
        help="fail jobs running longer (default: no limit)",
    )
    tune.add_argument("--quiet", action="store_true", help="no progress, only logs and summary")
    tune.set_defaults(handler=cli_tune.tune)

    resume = commands.add_parser(
        "resume", help="continue a recorded run after a crash, or extend its budget"
    )
    resume.add_argument("directory", metavar="DIR", help="the experiment directory")
    resume.add_argument(
        "--trials", type=positive_int, help="trial budget of the whole run (default: as recorded)"
    )
    resume.add_argument(
        "--time-budget",
        type=positive_float,
        metavar="SECONDS",
        help="time budget of the whole run (default: as recorded)",
    )
    resume.add_argument(
        "--epochs-budget",
        type=positive_int,
        metavar="EPOCHS",
        help="epoch budget of the whole run (default: as recorded)",
    )
    resume.add_argument("--workers", type=workers, help="jobs at once (default: as recorded)")
    resume.add_argument(
        "--command",
        dest="program",
        metavar="'PROGRAM ARGS'",
        help="a program's run that another user recorded: its command, as recorded (rung "
        "starts no command read from a directory it did not sign)",
    )
    resume.add_argument("--shell", action="store_true", help="with --command: as recorded")
    resume.add_argument(
        "--dask-address",
        metavar="ADDRESS",
        help="run on this Dask cluster (never read from the record)",
    )
    resume.add_argument(
        "--max-retries",
        type=retries,
        help="times a failed job runs again before its trial fails (default: as recorded)",
    )
    resume.add_argument("--gpus", metavar="IDS", help="one GPU per worker: '0,1' or 'all'")
    resume.add_argument("--data-dir", type=path, metavar="DIR", help="where Fashion-MNIST is now")
    resume.add_argument("--no-final", action="store_true", help="skip the final model")
    resume.add_argument("--quiet", action="store_true", help="no progress, only logs and summary")
    resume.set_defaults(handler=cli_tune.resume)

    show = commands.add_parser("show", help="summarize a finished or running experiment")
    show.add_argument("directory", metavar="DIR", help="the experiment directory")
    show.set_defaults(handler=cli_tune.show)

    plot = commands.add_parser("plot", help="redraw an experiment's plots")
    plot.add_argument("directory", metavar="DIR", help="the experiment directory")
    plot.set_defaults(handler=cli_tune.plot)

    from rung.cli.simulate import add_parser as add_simulate_parser

    add_simulate_parser(commands)

    from rung.cli.dashboard import add_parser as add_dashboard_parser

    add_dashboard_parser(commands)

    demo = commands.add_parser("demo", help="tune synthetic functions (quadratic, Branin)")
    demo.add_argument("--trials", type=positive_int, default=40, help="trials per run (default 40)")
    demo.add_argument("--seed", type=seed, default=0, help="random seed (default 0)")
    demo.set_defaults(handler=_demo)
    show_defaults(parser)
    return parser


def _subparser(parser: argparse.ArgumentParser, name: str) -> argparse.ArgumentParser:
    for action in parser._actions:  # argparse has no public way to reach a subparser
        if isinstance(action, argparse._SubParsersAction):
            return action.choices[name]
    raise KeyError(name)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``rung`` console script; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.debug else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    if args.command is None:
        parser.print_help()
        return 2
    try:
        if getattr(args, "config", None) is not None:  # the file's settings, then the flags
            from rung.cli.config_file import apply_config_file, override_with_flags

            given = args  # the command line's own flags
            defaults = apply_config_file(_subparser(parser, "tune"), args.config)
            args = parser.parse_args(argv)
            override_with_flags(args, given, defaults)
        return int(args.handler(args))
    except BrokenPipeError:  # the reader went away (`rung show DIR | head`): not an error
        # Python flushes stdout again at exit: point it where that cannot fail.
        with contextlib.suppress(OSError, ValueError):
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return _SIGPIPE_STATUS
    except KeyboardInterrupt as err:  # a handler may say what is kept and how to go on
        print(str(err) or "interrupted", file=sys.stderr)
        return 130
    except (UsageError, ConfigError) as err:
        if args.debug:
            raise
        print(printable(f"rung {args.command}: error: {err}"), file=sys.stderr)
        return 2
    except StoreError as err:  # a wrong directory is a usage error; a full disk is not
        if args.debug:
            raise
        print(printable(f"rung {args.command}: error: {err}"), file=sys.stderr)
        return 1 if getattr(err, "disk_full", False) else 2
    except Exception as err:  # one clear line; --debug shows the traceback
        if args.debug:
            raise
        print(printable(f"rung {args.command}: error: {err}{missing_extra(err)}"), file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
