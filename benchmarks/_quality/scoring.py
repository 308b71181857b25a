"""Any-time regret at fractions of the budget, ranks over seeds and benchmarks, and the
markdown tables of ``quality.py``.

A run's regret at a fraction f is the best value among configurations it trained to the
full resource by ``f x budget`` (on its setting's clock) minus the benchmark's optimum;
infinite while it has none. For each setting, benchmark, seed and fraction the methods
are ranked by regret (1 = best; ties share the mean of their ranks, as among methods that
found nothing yet), and the ranks are averaged over seeds and benchmarks.
"""

from __future__ import annotations

import math
import statistics
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from scipy.stats import rankdata

from _quality.tasks import Trace

FRACTIONS = (0.1, 0.25, 0.5, 1.0)


@dataclass(frozen=True)
class RunRecord:
    """One finished run, as stored in the results file."""

    setting: str
    problem: str
    method: str
    seed: int
    optimum: float
    budget: float
    trace: Trace
    cpu_s: float

    def regret(self, fraction: float) -> float:
        return self.trace.best_by(fraction * self.budget) - self.optimum


def mean_ranks(
    runs: Iterable[RunRecord], methods: Sequence[str], fractions: Sequence[float] = FRACTIONS
) -> dict[str, dict[str, list[float]]]:
    """setting -> method -> mean rank at each fraction, over the (problem, seed) pairs
    where every one of ``methods`` ran (others are left out, so ranks compare like with
    like)."""
    groups: dict[tuple[str, str, int], dict[str, RunRecord]] = defaultdict(dict)
    for run in runs:
        if run.method in methods:
            groups[(run.setting, run.problem, run.seed)][run.method] = run
    ranks: dict[str, dict[str, list[list[float]]]] = {}
    for (setting, _, _), by_method in groups.items():
        if len(by_method) < len(methods):
            continue
        table = ranks.setdefault(setting, {m: [[] for _ in fractions] for m in methods})
        for k, fraction in enumerate(fractions):
            regrets = [by_method[m].regret(fraction) for m in methods]
            for method, rank in zip(methods, rankdata(regrets), strict=True):
                table[method][k].append(float(rank))
    return {
        setting: {m: [statistics.fmean(r) for r in per] for m, per in table.items()}
        for setting, table in ranks.items()
    }


def complete_pairs(runs: Iterable[RunRecord], methods: Sequence[str]) -> dict[str, set]:
    """setting -> the (problem, seed) pairs where every method ran."""
    seen: dict[tuple[str, str, int], set[str]] = defaultdict(set)
    for run in runs:
        seen[(run.setting, run.problem, run.seed)].add(run.method)
    out: dict[str, set] = defaultdict(set)
    for (setting, problem, seed), got in seen.items():
        if set(methods) <= got:
            out[setting].add((problem, seed))
    return out


def rank_table(ranks: dict[str, list[float]], fractions: Sequence[float] = FRACTIONS) -> str:
    """Markdown: one row per method (best final rank first), mean rank per fraction."""
    header = "| method | " + " | ".join(f"{f:.0%}" for f in fractions) + " |"
    rule = "|---|" + "---:|" * len(fractions)
    best = [min(r[k] for r in ranks.values()) for k in range(len(fractions))]
    rows = []
    for method, values in sorted(ranks.items(), key=lambda item: (item[1][-1], item[0])):
        cells = [
            f"**{v:.2f}**" if math.isclose(v, b) else f"{v:.2f}"
            for v, b in zip(values, best, strict=True)
        ]
        rows.append(f"| {method} | " + " | ".join(cells) + " |")
    return "\n".join([header, rule, *rows])


def _fmt_regret(values: list[float]) -> str:
    finite = [v for v in values if math.isfinite(v)]
    if len(finite) < len(values):
        return f"none in {len(values) - len(finite)}/{len(values)}"
    mean = statistics.fmean(finite)
    return f"{mean:.3g}" if mean >= 1e-3 else f"{mean:.1e}"


def regret_table(
    runs: Iterable[RunRecord], setting: str, methods: Sequence[str], fraction: float
) -> str:
    """Markdown: mean regret over seeds at ``fraction`` of the budget, per problem (columns)
    and method (rows), over the seeds where every method ran."""
    runs = [r for r in runs if r.setting == setting and r.method in methods]
    pairs = complete_pairs(runs, methods).get(setting, set())
    problems = sorted({p for p, _ in pairs})
    cell: dict[tuple[str, str], list[float]] = defaultdict(list)
    for run in runs:
        if (run.problem, run.seed) in pairs:
            cell[(run.method, run.problem)].append(run.regret(fraction))
    header = "| method | " + " | ".join(problems) + " |"
    rule = "|---|" + "---:|" * len(problems)
    best = {
        p: min(
            (statistics.fmean(cell[(m, p)]) for m in methods if cell[(m, p)]),
            default=math.inf,
        )
        for p in problems
    }
    rows = []
    for method in methods:
        cells = []
        for p in problems:
            values = cell[(method, p)]
            text = _fmt_regret(values)
            mean = statistics.fmean(values) if values else math.inf
            cells.append(f"**{text}**" if math.isfinite(mean) and mean == best[p] else text)
        rows.append(f"| {method} | " + " | ".join(cells) + " |")
    return "\n".join([header, rule, *rows])


def seeds_per_problem(runs: Iterable[RunRecord], setting: str, methods: Sequence[str]) -> str:
    pairs = complete_pairs(runs, methods).get(setting, set())
    counts: dict[str, int] = defaultdict(int)
    for problem, _ in pairs:
        counts[problem] += 1
    return ", ".join(f"{p} ({n})" for p, n in sorted(counts.items()))
