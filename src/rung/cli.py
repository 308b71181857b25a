"""The ``rung`` command: a thin layer over the library."""

from __future__ import annotations

import argparse
import logging
import math
import sys
from collections.abc import Sequence

__all__ = ["main"]


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a positive integer; got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a positive integer; got {text!r}")
    return value


def _non_negative_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be an integer >= 0; got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be an integer >= 0; got {text!r}")
    return value


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
    header = (
        f"  {'searcher':<8} {'trials':>6} {'jobs':>6} {'epochs':>7} "
        f"{'best':>9} {'regret':>9} {'time':>8}"
    )
    print(header)
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
    return 0 if math.isfinite(toy.best_value) else 1


def build_parser() -> argparse.ArgumentParser:
    import rung

    parser = argparse.ArgumentParser(
        prog="rung",
        description="Hyperparameter optimization: random search and BO, ASHA and Hyperband.",
    )
    parser.add_argument("--version", action="version", version=f"rung {rung.__version__}")
    parser.add_argument("--debug", action="store_true", help="show tracebacks and debug logs")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    demo = commands.add_parser(
        "demo", help="tune synthetic functions (quadratic, Branin with ASHA)"
    )
    demo.add_argument(
        "--trials", type=_positive_int, default=40, help="trial budget per run (default 40)"
    )
    demo.add_argument("--seed", type=_non_negative_int, default=0, help="random seed (default 0)")
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
    except Exception as err:  # one clear line; --debug shows the traceback
        if args.debug:
            raise
        print(f"rung: error: {err}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
