"""``rung simulate``: schedulers compared in simulated time on a benchmark with a cost model.

    rung simulate --benchmark mfh6 --workers 32 --scheduler asha --time-budget 3600 --seeds 10

Prints the median best full-resource value against simulated time and each scheduler's
time to a regret (with its ratio to synchronous SH), and writes ``curves.csv``,
``summary.json`` and ``comparison.png`` to ``--out``. A thin layer over
:func:`rung.simulation.compare.compare` and :func:`rung.simulation.plots.save_comparison`.
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from pathlib import Path
from typing import Any

__all__ = ["add_parser", "format_report", "run", "settle_rung_options"]

# The regret whose time to reach is compared, per benchmark: the tightest round regret that
# synchronous SH reaches in most of 10 seeds of an hour on 32 workers (benchmarks/simulated.py).
DEFAULT_REGRET = {"mfh6": 0.5, "mfh3": 0.05, "mf-hartmann6": 0.5}
FALLBACK_REGRET = 0.05
TABLE_FRACTIONS = (0.125, 0.25, 0.5, 0.75, 1.0)


def add_parser(commands: Any) -> argparse.ArgumentParser:
    """Adds the ``simulate`` subcommand to ``commands`` (an argparse subparsers object)."""
    from rung.cli._args import eta_number, path, positive_float, positive_int
    from rung.schedulers.rungs import DEFAULT_ETA
    from rung.simulation.compare import DEFAULT_SCHEDULERS
    from rung.workloads.registry import BENCHMARKS

    defaults = ",".join(name.replace("_", "-") for name in DEFAULT_SCHEDULERS)
    parser = commands.add_parser(
        "simulate", help="compare schedulers in simulated time on a benchmark with costs"
    )
    parser.add_argument("--benchmark", choices=BENCHMARKS, default="mfh6", help="default mfh6")
    parser.add_argument(
        "--workers", type=positive_int, default=32, help="simulated workers (default 32)"
    )
    parser.add_argument(
        "--scheduler",
        action="append",
        metavar="NAME[,NAME...]",
        help=f"scheduler(s), repeated or comma-separated (default {defaults})",
    )
    parser.add_argument(
        "--searcher",
        choices=("random", "bo"),
        default="random",
        help="the searcher (default: random, which compares schedulers in seconds; bo "
        "models every level and costs minutes at 32 workers)",
    )
    parser.add_argument(
        "--time-budget",
        type=positive_float,
        default=3600.0,
        metavar="SECONDS",
        help="simulated seconds per run (default 3600)",
    )
    parser.add_argument("--seeds", type=positive_int, default=10, help="seeds 0..K-1 (default 10)")
    parser.add_argument(
        "--min-epochs", type=positive_int, help="lowest rung (default: the benchmark's)"
    )
    parser.add_argument(
        "--max-epochs",
        type=positive_int,
        help="full resource of mf-toy, mf-branin and mf-hartmann6 (default: the benchmark's; "
        "the mfh* presets' is fidelity 100, fixed)",
    )
    parser.add_argument(
        "--eta",
        type=eta_number,
        help=f"reduction factor (default {DEFAULT_ETA}; not with fifo alone)",
    )
    parser.add_argument(
        "--regret",
        type=positive_float,
        help="regret whose time to reach is compared (default: 0.5 for mfh6, 0.05 for mfh3)",
    )
    parser.add_argument(
        "--no-decision-time",
        action="store_true",
        help="do not add the tuner's real decision time to the simulated clock",
    )
    parser.add_argument(
        "--out", type=path, metavar="DIR", help="output directory (default: runs/...)"
    )
    parser.add_argument("--quiet", action="store_true", help="no progress lines")
    parser.set_defaults(handler=run)
    return parser


def _schedulers(values: list[str] | None) -> list[str]:
    from rung.cli._args import UsageError
    from rung.simulation.compare import DEFAULT_SCHEDULERS, scheduler_name

    if not values:
        return list(DEFAULT_SCHEDULERS)
    names = [part.strip() for value in values for part in value.split(",") if part.strip()]
    if not names:
        raise UsageError("argument --scheduler: give at least one name")
    chosen = []
    for name in names:
        try:
            chosen.append(scheduler_name(name).value)
        except ValueError:
            raise UsageError(
                f"argument --scheduler: invalid choice: {name!r} (choose from fifo, sh, "
                "hyperband, asha, async-hyperband)"
            ) from None
    return list(dict.fromkeys(chosen))


def settle_rung_options(args: argparse.Namespace, schedulers: list[str]) -> None:
    """Refuses the options of rungs when no scheduler chosen has rungs (fifo alone), where
    they would be ignored; then gives ``--eta`` its default.

    Raises:
        UsageError: ``--eta`` or ``--min-epochs`` given with fifo alone.
    """
    from rung.cli._args import UsageError
    from rung.schedulers.rungs import DEFAULT_ETA

    if schedulers == ["fifo"]:
        for flag, value in (("--eta", args.eta), ("--min-epochs", args.min_epochs)):
            if value is not None:
                raise UsageError(
                    f"argument {flag}: only with a scheduler that has rungs; fifo trains "
                    f"every trial to the full resource; got {flag} {value:g} with fifo alone"
                )
    if args.eta is None:
        args.eta = DEFAULT_ETA


def _benchmark(args: argparse.Namespace) -> Any:
    from rung.cli._args import UsageError
    from rung.workloads.registry import benchmark_by_name

    try:
        bench = benchmark_by_name(args.benchmark, max_resource=args.max_epochs)
    except ValueError as err:
        raise UsageError(f"argument --max-epochs: {err}") from None
    low = args.min_epochs or bench.min_resource
    if low > bench.max_resource:
        raise UsageError(
            f"argument --min-epochs: must be <= the full resource {bench.max_resource}; got {low}"
        )
    return bench


def _make_output(out: Path) -> None:
    """Creates ``--out`` before the runs, so that one it cannot be is refused at once rather
    than after minutes of simulation.

    Raises:
        UsageError: ``out`` is a file, or cannot be created.
    """
    from rung.cli._args import UsageError

    if out.exists() and not out.is_dir():
        raise UsageError(f"argument --out: {str(out)!r} is a file, not a directory")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise UsageError(f"argument --out: cannot create {str(out)!r} ({err.strerror})") from None


def _format_time(seconds: float) -> str:
    return "never" if math.isinf(seconds) else f"{seconds:.0f}"


def _format_moment(seconds: float) -> str:
    """A column's time: whole seconds, but a short budget's fractions (0.625 s, 1.25 s) keep
    their digits, so that no two columns read the same."""
    return f"{seconds:.0f}" if seconds >= 100 or seconds == round(seconds) else f"{seconds:.3g}"


def format_report(comparison: Any, regret: float) -> str:
    """The printed summary: median best value at fractions of the budget, time to regret."""
    budget = comparison.time_budget_s
    times = [budget * f for f in TABLE_FRACTIONS]
    names = comparison.schedulers
    n_seeds = len(comparison.runs_of(names[0]))
    width = max(len(n) for n in names + ("scheduler",))
    lines = [
        f"{comparison.benchmark}: {comparison.workers} simulated workers, {budget:g} s, "
        f"{n_seeds} seeds; optimum {comparison.optimum:.5f}",
        "median best full-resource value so far, by simulated time (s):",
        f"  {'scheduler':<{width}} " + " ".join(f"{_format_moment(t):>9}" for t in times),
    ]
    for name in names:
        values = [r + comparison.optimum for r in comparison.median_regret(name, times)]
        cells = " ".join("        -" if math.isnan(v) else f"{v:>9.4f}" for v in values)
        lines.append(f"  {name:<{width}} {cells}")
    baseline = "sh" if "sh" in names else names[0]
    ratios = comparison.ratios(regret, baseline)
    medians = comparison.median_time_to_regret(regret)
    reached = {
        k: sum(math.isfinite(t) for t in v) for k, v in comparison.times_to_regret(regret).items()
    }
    lines += [
        f"time to regret {regret:g} (value <= {comparison.optimum + regret:.5f}), "
        f"median over seeds, ratio to {baseline}:",
        f"  {'scheduler':<{width}} {'reached':>8} {'median s':>9} {'ratio':>7}",
    ]
    for name in names:
        ratio = "-" if math.isnan(ratios[name]) else f"{ratios[name]:.2f}"
        lines.append(
            f"  {name:<{width}} {reached[name]:>4}/{n_seeds:<3} {_format_time(medians[name]):>9} "
            f"{ratio:>7}"
        )
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    """Runs ``rung simulate``; returns the exit status."""
    from rung.simulation.compare import compare
    from rung.simulation.plots import save_comparison

    schedulers = _schedulers(args.scheduler)
    settle_rung_options(args, schedulers)
    bench = _benchmark(args)
    out = Path(args.out or f"runs/simulate-{bench.name}-{time.strftime('%Y%m%d-%H%M%S')}")
    _make_output(out)
    if not args.quiet:
        print(
            f"simulating {', '.join(schedulers)} on {bench.name}: {args.seeds} seeds x "
            f"{args.time_budget:g} simulated s, {args.workers} workers",
            file=sys.stderr,
        )

    def progress(done: Any) -> None:
        final = f"{done.best[-1]:.4f}" if done.best else "none yet"
        print(
            f"  {done.scheduler} seed {done.seed}: {done.n_jobs} jobs, {done.n_trials} trials, "
            f"best full-resource value {final}",
            file=sys.stderr,
        )

    comparison = compare(
        bench,
        schedulers,
        seeds=args.seeds,
        workers=args.workers,
        time_budget_s=args.time_budget,
        searcher=args.searcher,
        min_resource=args.min_epochs,
        eta=args.eta,
        decision_time=not args.no_decision_time,
        on_run=None if args.quiet else progress,
    )
    regret = args.regret or DEFAULT_REGRET.get(bench.name, FALLBACK_REGRET)
    paths = save_comparison(comparison, out, regret)  # first: printing may fail (a closed pipe)
    print(format_report(comparison, regret))
    for path in paths:
        print(path)
    return 0
