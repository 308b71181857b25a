"""The quality benchmark's harness: the peers' simulated clock, traces, ranks, and a
smoke run of ``benchmarks/quality.py`` with two of rung's methods on one benchmark."""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path

import numpy as np
import pytest

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"
sys.path.insert(0, str(BENCHMARKS))

import quality  # noqa: E402
from _quality.methods import METHODS  # noqa: E402
from _quality.problems import categorical, mixed, problem  # noqa: E402
from _quality.scoring import RunRecord, mean_ranks  # noqa: E402
from _quality.simclock import Run, simulate  # noqa: E402
from _quality.tasks import Problem, Setting, Task, Trace  # noqa: E402

from rung.space import Space, uniform  # noqa: E402


def line_problem(max_resource: int = 4, seconds: float = 1.0) -> Problem:
    """f(x, r) = x + (R - r) / R: full-resource value x; each epoch costs ``seconds``."""

    def objective(config, resource):
        return config["x"] + (max_resource - resource) / max_resource, seconds

    return Problem("line", objective, Space({"x": uniform(0, 1)}), 1, max_resource, 0.0, 4.0)


class Scripted:
    """An agent that asks for the given (x, epochs) runs in order and records what it hears."""

    def __init__(self, runs, stop_after=None):
        self.runs = list(runs)
        self.stop_after = stop_after
        self.told = []
        self.epochs = []

    def ask(self):
        if not self.runs:
            return None
        x, epochs = self.runs.pop(0)
        return Run({"x": x}, epochs, stepwise=self.stop_after is not None)

    def epoch(self, run, epoch, value):
        self.epochs.append((run.config["x"], epoch))
        return epoch < self.stop_after

    def tell(self, run, completed):
        self.told.append((run.config["x"], run.done, completed))


def test_one_worker_counts_epochs_and_peers_pay_every_epoch_again():
    task = Task(line_problem(seconds=7.0), Setting("1", 1, full_trainings=3), seed=0)
    assert task.budget == 12  # 3 full trainings of 4 epochs, each epoch costing 1
    agent = Scripted([(0.5, 2), (0.5, 4), (0.2, 4), (0.1, 4)])
    trace = simulate(task, agent)
    # 2 + 4 epochs, then 4 more end at 10; the last would end at 14 > 12: not counted.
    assert trace.times == (6.0, 10.0) and trace.best == (0.5, 0.2)
    assert trace.n_full == 2 and trace.n_configs == 3 and trace.spent == 12
    assert [t[:2] for t in agent.told] == [(0.5, 2), (0.5, 4), (0.2, 4)]


def test_workers_run_side_by_side_on_the_benchmarks_seconds():
    task = Task(line_problem(seconds=1.0), Setting("2", 2, full_trainings=1), seed=0)
    assert task.budget == 4.0  # the wall-clock time of 1 full training, 4 epochs of 1 s
    trace = simulate(task, Scripted([(0.9, 4), (0.3, 4), (0.1, 4)]))
    assert trace.times == (4.0,) and trace.best == (0.3,)  # both ended at 4; third never started


def test_a_stepwise_run_stops_when_its_agent_says_so():
    task = Task(line_problem(), Setting("1", 1, full_trainings=10), seed=0)
    agent = Scripted([(0.5, 4), (0.2, 4)], stop_after=2)
    trace = simulate(task, agent)
    assert agent.told == [(0.5, 2, False), (0.2, 2, False)]
    assert agent.epochs == [(0.5, 1), (0.5, 2), (0.2, 1), (0.2, 2)]
    assert trace.best == () and trace.spent == 4


def test_trace_counts_only_what_ends_within_the_budget():
    trace = Trace.from_full([(3.0, 0.5), (1.0, 0.7), (5.0, 0.1), (4.0, math.nan)], budget=4.0)
    assert trace.times == (1.0, 3.0) and trace.best == (0.7, 0.5) and trace.n_full == 2
    assert trace.best_by(0.5) == math.inf and trace.best_by(3.0) == 0.5
    assert Trace.from_json(json.loads(json.dumps(trace.to_json()))) == trace


def record(method, seed, times, best, problem="p"):
    return RunRecord("s", problem, method, seed, 0.0, 10.0, Trace(times, best), 0.0)


def test_ranks_share_ties_and_skip_incomplete_seeds():
    runs = [
        record("a", 0, (1.0,), (0.1,)), record("b", 0, (6.0,), (0.0,)),
        record("c", 0, (), ()),
        record("a", 1, (1.0,), (0.3,)), record("b", 1, (1.0,), (0.3,)),
        record("c", 1, (2.0,), (0.2,)),
        record("a", 2, (1.0,), (0.3,)),  # b and c never ran seed 2: left out
    ]  # fmt: skip
    ranks = mean_ranks(runs, ["a", "b", "c"], fractions=(0.5, 1.0))["s"]
    # At 50 %: seed 0 a=1, b and c nothing yet (2.5 each); seed 1 c=1, a and b tie (2.5).
    # At 100 %: seed 0 b=1, a=2, c nothing (3); seed 1 as at 50 %.
    assert ranks["a"] == [pytest.approx(1.75), pytest.approx(2.25)]
    assert ranks["b"] == [pytest.approx(2.5), pytest.approx(1.75)]
    assert ranks["c"] == [pytest.approx(1.75), pytest.approx(2.0)]


def test_variants_are_ranked_alone_among_the_others():
    runs = [
        record("a", 0, (1.0,), (0.3,)), record("b", 0, (1.0,), (0.1,)),
        record("v1", 0, (1.0,), (0.2,)), record("v2", 0, (1.0,), (0.0,)),
    ]  # fmt: skip
    table = quality.alone_report(runs, ["s"], ["a", "b"], ["v1", "v2"])
    # v1 is second among a, b and itself; v2 first (v1 is not in v2's field).
    assert "| v2 | 1.00 | 1.00 | 1.00 | 1.00 |" in table.replace("**", "")
    assert "| v1 | 2.00 | 2.00 | 2.00 | 2.00 |" in table
    assert "Each alone among 2 others, s" in table


def test_rung_methods_pay_only_the_extra_epochs_of_a_promotion():
    """With one worker every epoch costs 1: ASHA's spending is the epochs it trained."""
    task = Task(problem("branin"), Setting("1", 1, full_trainings=10), seed=0)
    trace = METHODS["rung random asha"](task)
    assert trace.spent <= task.budget + task.max_resource  # a job may end past the budget
    assert trace.n_configs > 10  # early stopping tries more than 10 full trainings' worth
    assert 0 < trace.n_full < trace.n_configs


def test_quality_smoke_run(tmp_path, capsys):
    results = tmp_path / "q.jsonl"
    args = ["--quick", "--methods", "rung random fifo,rung random asha", "--seeds", "2",
            "--results", str(results)]  # fmt: skip
    assert quality.main(args) == 0
    out = capsys.readouterr().out
    assert "### Mean rank, 1 worker, 30 trainings" in out
    assert "| rung random asha |" in out and "### Mean regret, 4 workers, 5 trainings" in out
    lines = results.read_text().splitlines()
    assert len(lines) == 2 * 2 * 2  # settings x methods x seeds
    # A second run reuses every stored run.
    assert quality.main(args) == 0
    assert len(results.read_text().splitlines()) == len(lines)
    assert "8 of 8 runs stored; running 0" in capsys.readouterr().err


def test_the_categorical_problem_knows_its_optimum():
    function = categorical(n=4, k=3, seed=1)
    names = list(function.space.domains)
    every = [dict(zip(names, values, strict=True)) for values in np.ndindex(3, 3, 3, 3)]
    assert function.optimum == pytest.approx(min(function(c) for c in every))
    assert problem("categorical").optimum == pytest.approx(categorical().optimum)


def test_the_mixed_problem_is_best_at_the_best_kinds_bump():
    function = mixed(seed=11)
    centre = np.random.default_rng(11).random((4, 3))[3]
    best = {"x0": centre[0], "x1": centre[1], "x2": centre[2], "kind": 3, "depth": 6}
    assert function(best) == pytest.approx(function.optimum)
    rng = np.random.default_rng(0)
    assert min(function(function.space.sample(rng)) for _ in range(2000)) > function.optimum
