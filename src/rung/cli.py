"""The ``rung`` command: a thin layer over the library.

    rung tune --model lenet --scheduler asha --time-budget 300 --out runs/lenet
    rung show runs/lenet
    rung plot runs/lenet
    rung demo

Usage errors exit with status 2 and one line naming the argument and the bad value; run
time failures (missing or corrupt data, an unwritable directory) exit with status 1 and
one line; ``--debug`` shows the traceback.
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn

from rung.errors import ConfigError, RungError

__all__ = ["main"]

MODELS = ("softmax", "lenet", "sgd", "svm")
SEARCHERS = ("random", "bo")
SCHEDULERS = ("fifo", "sh", "hyperband", "asha", "async-hyperband")
QUICK_SUBSET = (5000, 1000)  # training and validation images for --quick


class UsageError(RungError):
    """Arguments that parse but do not make sense together."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message}\n")


def _number(kind: type, minimum: float, rule: str):
    def parse(text: str) -> Any:
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"must be {rule}; got {text!r}") from None
        if not value >= minimum:
            raise argparse.ArgumentTypeError(f"must be {rule}; got {text!r}")
        return value

    return parse


positive_int = _number(int, 1, "an integer >= 1")
non_negative_int = _number(int, 0, "an integer >= 0")
positive_float = _number(float, 1e-12, "a number > 0")
_eta_float = _number(float, 2, "a number >= 2")


def eta_number(text: str) -> float | int:
    value = _eta_float(text)
    return int(value) if float(value).is_integer() else value


def _tune_settings(args: argparse.Namespace, space: dict[str, Any]) -> dict[str, Any]:
    return {
        "model": args.model,
        "searcher": args.searcher,
        "scheduler": args.scheduler,
        "min_epochs": args.min_epochs,
        "max_epochs": args.max_epochs,
        "eta": args.eta,
        "seed": args.seed,
        "trials": args.trials,
        "time_budget_s": args.time_budget,
        "device": args.device,
        "workers": args.workers,
        "executor": "dask"
        if args.dask_address
        else ("processes" if args.workers > 1 else "inline"),
        "quick": args.quick,
        "space": {name: repr(value) for name, value in space.items()},
        "metric": "validation error",
        "direction": "min",
        "objective_form": "iterative",
        "resource_name": "epochs",
        "title": f"{args.model}: {args.searcher} search + {args.scheduler}",
        "started": time.strftime("%Y-%m-%dT%H:%M:%S"),
    }


def _executor(args: argparse.Namespace) -> Any:
    from rung.executors.factory import make_executor

    if args.dask_address is not None:
        return make_executor("dask", args.workers if args.workers > 1 else None, args.dask_address)
    if args.workers == 1:
        return make_executor("inline")
    from rung.executors.processes import ProcessExecutor

    return ProcessExecutor(args.workers, threads_per_worker=args.threads)


def _tune(args: argparse.Namespace) -> int:
    import rung
    from rung.space_file import load_space

    # Usage errors first, before torch is imported or anything is written.
    if args.trials is None and args.time_budget is None:
        raise UsageError("give a budget: --trials N or --time-budget SECONDS")
    if args.min_epochs > args.max_epochs:
        raise UsageError(
            f"argument --min-epochs: must be <= --max-epochs={args.max_epochs}; "
            f"got {args.min_epochs}"
        )
    if args.dask_address is not None and not args.dask_address.strip():
        raise UsageError("argument --dask-address: must be an address like tcp://host:8786")
    space = load_space(args.space) if args.space else None

    from rung.plots import plot_all
    from rung.progress import ProgressPrinter
    from rung.report import ExperimentWriter, format_summary, load_experiment, write_results
    from rung.workloads import fashion_mnist
    from rung.workloads.models import get_model
    from rung.workloads.trainer import FashionMNISTObjective, resolve_device, train_final

    if space is None:
        space = dict(get_model(args.model).default_space)
    rung.Space(space)  # validates before anything is written
    subset = QUICK_SUBSET if args.quick else None
    # Check the device and load (or download) the data before the run starts: a missing
    # GPU or data set is one clear error now, not a failed trial later.
    device = resolve_device(args.device)
    fashion_mnist.load_tensors(args.data_dir, device=str(device))  # kept for the trials
    out = Path(args.out or f"runs/{args.model}-{args.scheduler}-{time.strftime('%Y%m%d-%H%M%S')}")
    settings = _tune_settings(args, space)
    writer = ExperimentWriter(out, settings)
    callbacks: list[Any] = [writer]
    printer = None
    if not args.quiet:
        printer = ProgressPrinter(args.trials, args.time_budget, metric="validation error")
        callbacks.append(printer)
        print(f"tuning {args.model} into {out}", file=sys.stderr)
    objective = FashionMNISTObjective(
        args.model,
        data_dir=args.data_dir,
        device=args.device,
        threads=args.threads,
        subset=subset,
    )
    executor = _executor(args)
    interrupted = False
    try:
        rung.tune(
            objective,
            space,
            searcher=args.searcher,
            scheduler=args.scheduler,
            # FIFO trains every trial to --max-epochs: no rungs, no eta.
            min_resource=None if args.scheduler == "fifo" else args.min_epochs,
            max_resource=args.max_epochs,
            eta=None if args.scheduler == "fifo" else args.eta,
            seed=args.seed,
            max_trials=args.trials,
            time_budget_s=args.time_budget,
            callbacks=callbacks,
            executor=executor,
        )
    except KeyboardInterrupt:
        interrupted = True
    finally:
        writer.close()
        if printer is not None:
            printer.close()
    experiment = load_experiment(out)
    best = experiment.summary["best_config"]
    if best is not None and not args.no_final and not interrupted:
        epochs = args.final_epochs or args.max_epochs
        if not args.quiet:
            print(f"training the final model for {epochs} epochs", file=sys.stderr)
        final = train_final(
            args.model,
            best,
            epochs,
            data_dir=args.data_dir,
            device=args.device,
            seed=args.seed,
            threads=args.threads,
            subset=subset,
        )
        writer.write_final(
            {
                "config": best,
                "epochs": epochs,
                "train_accuracy": final.train_accuracy,
                "val_accuracy": final.val_accuracy,
                "test_accuracy": final.test_accuracy,
                "seconds": final.seconds,
            }
        )
    experiment = load_experiment(out)
    experiment.finished = not interrupted
    write_results(experiment) if not interrupted else None
    try:
        plot_all(experiment)
    except ImportError as err:
        logging.getLogger(__name__).warning("%s", err)
    print(format_summary(experiment))
    return 130 if interrupted else 0


def _show(args: argparse.Namespace) -> int:
    from rung.report import format_summary, load_experiment

    print(format_summary(load_experiment(args.directory)))
    return 0


def _plot(args: argparse.Namespace) -> int:
    from rung.plots import plot_all
    from rung.report import load_experiment

    for path in plot_all(load_experiment(args.directory)):
        print(path)
    return 0


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

    tune = commands.add_parser("tune", help="tune a model on Fashion-MNIST")
    tune.add_argument("--model", choices=MODELS, required=True, help="the model to tune")
    tune.add_argument("--searcher", choices=SEARCHERS, default="random")
    tune.add_argument("--scheduler", choices=SCHEDULERS, default="asha")
    tune.add_argument("--trials", type=positive_int, help="trial budget")
    tune.add_argument(
        "--time-budget", type=positive_float, metavar="SECONDS", help="time budget in seconds"
    )
    tune.add_argument("--min-epochs", type=positive_int, default=1, help="lowest rung (default 1)")
    tune.add_argument("--max-epochs", type=positive_int, default=9, help="full budget (default 9)")
    tune.add_argument("--eta", type=eta_number, default=3, help="reduction factor (default 3)")
    tune.add_argument("--seed", type=non_negative_int, default=0)
    tune.add_argument("--space", metavar="FILE", help="search space in TOML (default: the model's)")
    tune.add_argument("--out", metavar="DIR", help="experiment directory (default: runs/...)")
    tune.add_argument("--data-dir", metavar="DIR", help="where Fashion-MNIST is (or goes)")
    tune.add_argument("--device", choices=("auto", "cpu", "cuda"), default="auto")
    tune.add_argument(
        "--workers", type=positive_int, default=1, help="jobs at once, one process each (default 1)"
    )
    tune.add_argument(
        "--dask-address", metavar="ADDRESS", help="run on a Dask cluster (tcp://host:8786)"
    )
    tune.add_argument(
        "--threads",
        type=positive_int,
        help="torch threads per worker (default: the CPUs split across workers)",
    )
    tune.add_argument("--final-epochs", type=positive_int, help="final model epochs (default: max)")
    tune.add_argument("--no-final", action="store_true", help="skip the final model")
    tune.add_argument(
        "--quick",
        action="store_true",
        help=f"a small subset ({QUICK_SUBSET[0]} training images), for smoke tests",
    )
    tune.add_argument("--quiet", action="store_true", help="no progress, only logs and summary")
    tune.set_defaults(handler=_tune)

    show = commands.add_parser("show", help="summarize a finished or running experiment")
    show.add_argument("directory", metavar="DIR")
    show.set_defaults(handler=_show)

    plot = commands.add_parser("plot", help="redraw an experiment's plots")
    plot.add_argument("directory", metavar="DIR")
    plot.set_defaults(handler=_plot)

    demo = commands.add_parser("demo", help="tune synthetic functions (quadratic, Branin)")
    demo.add_argument("--trials", type=positive_int, default=40, help="trials per run (default 40)")
    demo.add_argument("--seed", type=non_negative_int, default=0, help="random seed (default 0)")
    demo.set_defaults(handler=_demo)
    return parser


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
        return int(args.handler(args))
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except (UsageError, ConfigError) as err:
        if args.debug:
            raise
        print(f"rung {args.command}: error: {err}", file=sys.stderr)
        return 2
    except Exception as err:  # one clear line; --debug shows the traceback
        if args.debug:
            raise
        print(f"rung {args.command}: error: {err}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
