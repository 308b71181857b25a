"""Schedulers compared in simulated time (rung.simulation) and ``rung simulate``."""

from __future__ import annotations

import json
import math

import pytest

from rung.errors import ConfigError
from rung.results.result import JobRecord
from rung.simulation.compare import (
    Comparison,
    SimulatedRun,
    compare,
    idle_time,
    run_simulated,
    scheduler_name,
)
from rung.simulation.plots import save_comparison
from rung.types import JobStatus
from rung.workloads.registry import benchmark_by_name

SMALL = dict(workers=8, time_budget_s=300.0, decision_time=False)


def make_run(scheduler, seed, times, best):
    return SimulatedRun(scheduler, seed, tuple(times), tuple(best), 0, 0, 1.0)


def test_a_run_is_a_step_function_of_simulated_time():
    run = make_run("asha", 0, [10.0, 30.0], [-1.0, -2.0])
    assert math.isnan(run.best_at(5.0))
    assert [run.best_at(t) for t in (10.0, 29.9, 30.0, 1e9)] == [-1.0, -1.0, -2.0, -2.0]
    assert [run.time_to(v) for v in (0.0, -1.5, -2.0, -3.0)] == [10.0, 30.0, 30.0, math.inf]


def test_comparison_medians_and_ratios_against_synchronous_sh():
    runs = (
        make_run("asha", 0, [10.0], [0.5]),
        make_run("asha", 1, [20.0], [0.2]),
        make_run("asha", 2, [30.0], [2.0]),  # never within 1 of the optimum 0
        make_run("sh", 0, [40.0], [0.9]),
        make_run("sh", 1, [60.0], [0.1]),
        make_run("sh", 2, [80.0], [0.3]),
    )
    comparison = Comparison("f", 0.0, 8, 100.0, runs)
    assert comparison.schedulers == ("asha", "sh")
    assert comparison.times_to_regret(1.0) == {
        "asha": [10.0, 20.0, math.inf],
        "sh": [40.0, 60.0, 80.0],
    }
    assert comparison.median_time_to_regret(1.0) == {"asha": 20.0, "sh": 60.0}
    assert comparison.ratios(1.0) == {"asha": pytest.approx(1 / 3), "sh": 1.0}
    assert comparison.median_regret("sh", [65.0, 90.0]) == [0.9, 0.3]
    # Before a run's first full-resource value it counts as infinitely far off.
    early, middle, late = comparison.median_regret("asha", [5.0, 15.0, 35.0])
    assert math.isnan(early) and math.isnan(middle) and late == 0.5
    with pytest.raises(ConfigError, match="'baseline' must be one of the schedulers"):
        comparison.ratios(1.0, baseline="hyperband")


def test_idle_time_counts_each_workers_gaps_up_to_the_horizon():
    def job(worker, start, end):
        return JobRecord(0, 0, {}, 0, 1, 0.0, JobStatus.COMPLETED, start, end, worker)

    jobs = [job(0, 0.0, 4.0), job(0, 5.0, 12.0), job(1, 2.0, 3.0)]
    assert idle_time(jobs, workers=3, until=10.0) == [1.0, 9.0, 10.0]


def test_scheduler_names_take_either_spelling():
    assert scheduler_name("async-hyperband") is scheduler_name("async_hyperband")
    with pytest.raises(ConfigError, match="'scheduler' must be one of .*; got 'bohb'"):
        scheduler_name("bohb")


def test_same_seed_same_run_and_the_budget_is_simulated_seconds():
    bench = benchmark_by_name("mfh3")
    first = run_simulated(bench, "asha", seed=4, **SMALL)
    second = run_simulated(bench, "asha", seed=4, **SMALL)
    assert [(j.trial_id, j.value, j.end) for j in first.jobs] == [
        (j.trial_id, j.value, j.end) for j in second.jobs
    ]
    assert 300.0 <= first.wall_time < 400.0
    assert max(j.start for j in first.jobs) < 300.0
    assert {j.resource_to for j in first.jobs} >= {3, 9, 27}


def test_compare_collects_one_curve_per_scheduler_and_seed():
    one_round_at_a_time = {"sh": {"max_brackets": 1}}
    comparison = compare(
        "mfh3", ["asha", "sh"], seeds=2, scheduler_options=one_round_at_a_time, **SMALL
    )
    assert comparison.schedulers == ("asha", "sh")
    assert [(r.scheduler, r.seed) for r in comparison.runs] == [
        ("asha", 0),
        ("asha", 1),
        ("sh", 0),
        ("sh", 1),
    ]
    for run in comparison.runs:
        assert run.times and list(run.times) == sorted(run.times)
        assert all(b < a for a, b in zip(run.best, run.best[1:], strict=False))
        assert all(v >= comparison.optimum for v in run.best)
    asha, sh = (comparison.runs_of(name) for name in ("asha", "sh"))
    assert all(r.utilization == pytest.approx(1.0) for r in asha)
    assert all(r.utilization < 0.9 for r in sh)  # it waits at its barriers
    with pytest.raises(ConfigError, match="at least one seed"):
        compare("mfh3", ["asha"], seeds=0, **SMALL)


def test_save_comparison_writes_curves_summary_and_figure(tmp_path, monkeypatch):
    try:  # a notebook's backend is left as it was: the figure never switches it
        import matplotlib

        monkeypatch.setattr(matplotlib, "use", lambda *a, **k: pytest.fail("switched backend"))
    except ImportError:
        pass
    comparison = compare("mf-toy", ["asha", "sh"], seeds=2, **SMALL)
    paths = save_comparison(comparison, tmp_path, regret=0.05)
    names = [p.name for p in paths]
    assert names[:2] == ["curves.csv", "summary.json"]
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["baseline"] == "sh" and summary["ratio_to_baseline"]["sh"] in (1.0, None)
    assert set(summary["times_to_regret"]) == {"asha", "sh"}
    header = (tmp_path / "curves.csv").read_text().splitlines()[0]
    assert header == "scheduler,seed,time,best_value,regret"
    pytest.importorskip("matplotlib")
    assert names[2] == "comparison.png"
    assert (tmp_path / "comparison.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


CLI = ["simulate", "--benchmark", "mfh3", "--workers", "8", "--time-budget", "300"]
CLI += ["--seeds", "2", "--scheduler", "asha,sh", "--no-decision-time", "--quiet"]


def standalone_parser():
    from rung.cli.main import _Parser
    from rung.cli.simulate import add_parser

    parser = _Parser(prog="rung")
    add_parser(parser.add_subparsers(dest="command", parser_class=_Parser))
    return parser


def test_cli_run_prints_best_so_far_and_time_to_regret(tmp_path, capsys):
    from rung.cli.simulate import run

    argv = [a for a in CLI if a != "--quiet"]
    args = standalone_parser().parse_args([*argv, "--regret", "1.5", "--out", str(tmp_path)])
    assert run(args) == 0
    out, err = capsys.readouterr()
    assert "asha seed 1:" in err and "sh seed 0:" in err  # progress, one line per run
    assert "mfh3: 8 simulated workers, 300 s, 2 seeds" in out
    assert "median best full-resource value so far" in out
    assert "time to regret 1.5" in out and "ratio to sh" in out
    rows = [line.split() for line in out.splitlines() if line.strip().startswith(("asha", "sh"))]
    assert [row[0] for row in rows] == ["asha", "sh", "asha", "sh"]
    assert rows[-1][-1] == "1.00"  # sh against itself
    assert (tmp_path / "summary.json").exists()


def test_cli_through_main(tmp_path, capsys):
    from rung.cli.main import main

    assert main([*CLI, "--out", str(tmp_path)]) == 0
    assert "time to regret 0.05" in capsys.readouterr().out  # mfh3's default


@pytest.mark.parametrize(
    ("extra", "words"),
    [
        (["--scheduler", "bohb"], "argument --scheduler: invalid choice: 'bohb'"),
        (["--max-epochs", "50"], "argument --max-epochs: The 'mfh3' benchmark's full resource"),
        (["--min-epochs", "200"], "argument --min-epochs: must be <= the full resource 100"),
    ],
)
def test_cli_usage_errors(extra, words, tmp_path):
    from rung.cli.main import UsageError
    from rung.cli.simulate import run

    args = standalone_parser().parse_args([*CLI, "--out", str(tmp_path), *extra])
    with pytest.raises(UsageError, match=words):
        run(args)


def test_cli_rejects_bad_numbers_with_exit_2(capsys):
    with pytest.raises(SystemExit) as info:
        standalone_parser().parse_args([*CLI, "--workers", "0"])
    assert info.value.code == 2
    assert "--workers: must be an integer from 1 to 1000000; got '0'" in capsys.readouterr().err


def test_the_figure_spans_the_budget_and_says_when_no_run_has_a_value(tmp_path, monkeypatch):
    pytest.importorskip("matplotlib")
    from rung.simulation import plots

    saved = []
    monkeypatch.setattr(plots, "save", lambda figure, path: saved.append(figure))
    none_yet = Comparison("mfh3", -3.86, 2, 300.0, (make_run("asha", 0, [], []),))
    plots.plot_comparison(none_yet, tmp_path / "a.png", regret=0.05)
    late = Comparison("mfh3", -3.86, 2, 300.0, (make_run("asha", 0, [120.0], [-3.0]),))
    plots.plot_comparison(late, tmp_path / "b.png")
    (empty,), (drawn,) = (figure.axes for figure in saved)
    assert empty.get_xlim() == drawn.get_xlim() == (0.0, 300.0)
    assert [t.get_text() for t in empty.texts] == [
        "no run had a full-resource value within the budget"
    ]
    assert not drawn.texts
