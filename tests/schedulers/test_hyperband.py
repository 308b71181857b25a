"""Synchronous Hyperband: the bracket table of Li et al. (JMLR 2018) and how brackets run."""

from __future__ import annotations

import itertools
import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

import rung
from rung.errors import ConfigError
from rung.schedulers.hyperband import Hyperband, bracket_size
from rung.schedulers.successive_halving import BracketPlan
from rung.searchers.random import RandomSearcher
from rung.types import Decision, Job
from tests.schedulers.test_successive_halving import by_trial, check_log, drive, searcher

NAN = float("nan")


def make_hb(min_resource=1, max_resource=81, eta=3) -> Hyperband:
    return Hyperband(searcher(), min_resource, max_resource, eta=eta)


def scrambled(job: Job) -> float:
    """Distinct values whose order is unrelated to trial ids, lower at larger resources."""
    return ((job.trial_id * 37) % 149) / 149 + 1 / job.resource_to


def test_bracket_table_of_the_paper() -> None:
    hb = make_hb()
    assert hb.levels == [1, 3, 9, 27, 81] and hb.s_max == 4
    assert hb.brackets == (
        BracketPlan(81, (1, 3, 9, 27, 81), (81, 27, 9, 3, 1)),
        BracketPlan(34, (3, 9, 27, 81), (34, 11, 3, 1)),
        BracketPlan(15, (9, 27, 81), (15, 5, 1)),
        BracketPlan(8, (27, 81), (8, 2)),
        BracketPlan(5, (81,), (5,)),
    )


def test_bracket_size_is_exact() -> None:
    # 11/9 * 3**8 is 8019.000000000001 in floating point; the bracket must hold 8019.
    assert bracket_size(10, 8, 3) == 8019
    assert bracket_size(4, 2, 3) == 15
    assert [bracket_size(4, s, 2) for s in range(4, -1, -1)] == [16, 10, 7, 5, 5]
    assert bracket_size(2, 1, 2.5) == math.ceil(3 / 2 * 2.5)


def test_non_power_ladder_brackets() -> None:
    hb = make_hb(1, 10)
    assert hb.levels == [1, 3, 9, 10]
    assert hb.brackets == (
        BracketPlan(27, (1, 3, 9, 10), (27, 9, 3, 1)),
        BracketPlan(12, (3, 9, 10), (12, 4, 1)),
        BracketPlan(6, (9, 10), (6, 2)),
        BracketPlan(4, (10,), (4,)),
    )


def test_single_rung_runs_one_trial_per_bracket() -> None:
    hb = make_hb(5, 5)
    assert hb.brackets == (BracketPlan(1, (5,), (1,)),)
    log = drive(hb, by_trial({}), trial_budget=3)
    assert [(j.trial_id, j.resource_to, d) for j, _, d in log.results] == [
        (i, 5, Decision.COMPLETE) for i in range(3)
    ]


def test_one_pass_over_the_brackets_job_by_job() -> None:
    hb = make_hb()
    log = drive(hb, scrambled, trial_budget=81 + 34 + 15 + 8 + 5)
    steps = [
        (k, len(list(g)))
        for k, g in itertools.groupby((j.resource_from, j.resource_to) for j in log.jobs)
    ]
    assert steps == [
        ((0, 1), 81), ((1, 3), 27), ((3, 9), 9), ((9, 27), 3), ((27, 81), 1),
        ((0, 3), 34), ((3, 9), 11), ((9, 27), 3), ((27, 81), 1),
        ((0, 9), 15), ((9, 27), 5), ((27, 81), 1),
        ((0, 27), 8), ((27, 81), 2),
        ((0, 81), 5),
    ]  # fmt: skip
    brackets = check_log(hb, log)
    assert [plan for plan, _ in brackets] == list(hb.brackets)
    for plan, bracket_steps in brackets:
        assert tuple(len(s) for s in bracket_steps) == plan.configs_per_step
    completed = [j.trial_id for j, _, d in log.results if d is Decision.COMPLETE]
    assert len(completed) == 1 + 1 + 1 + 2 + 5
    # the winner of the first bracket is its best trial at resource 1
    assert completed[0] == min(log.jobs[:81], key=scrambled).trial_id


def test_loops_over_the_brackets_again() -> None:
    hb = make_hb(1, 9)  # brackets of 9, 5 and 3 configurations
    log = drive(hb, by_trial({}), trial_budget=9 + 5 + 3 + 9 + 2)
    brackets = check_log(hb, log)
    assert [p for p, _ in brackets] == [*hb.brackets, *hb.brackets[:2]]
    assert [len(steps[0]) for _, steps in brackets] == [9, 5, 3, 9, 2]


def test_barrier_with_parallel_workers() -> None:
    hb = Hyperband(searcher(), 1, 9, eta=3, max_brackets=1)
    jobs = [hb.next_job() for _ in range(9)]
    assert [j.trial_id for j in jobs] == list(range(9)) and {j.resource_to for j in jobs} == {1}
    assert hb.next_job() is None
    for j in jobs[:-1]:
        hb.on_result(j, -j.trial_id)
        assert hb.next_job() is None
    assert hb.on_result(jobs[-1], NAN) is Decision.STOP
    promoted = [hb.next_job(), hb.next_job(), hb.next_job()]
    assert [j.trial_id for j in promoted] == [7, 6, 5] and hb.next_job() is None
    for j in promoted:
        hb.on_result(j, 1.0)
    assert hb.next_job() == Job.resume(promoted[0], 9)  # tie: the first to report wins
    assert hb.next_job() is None


def test_brackets_of_different_shapes_run_side_by_side() -> None:
    hb = make_hb(1, 9)  # brackets (9 at 1), (5 at 3), (3 at 9)
    first = [hb.next_job() for _ in range(9)]
    hb.on_result(first[0], 0.0)
    second = hb.next_job()  # the first bracket waits for 8 results: the second starts
    assert (second.trial_id, second.resource_to) == (9, 3)
    assert [b.plan for b in hb.running_brackets] == list(hb.brackets[:2])
    with pytest.raises(ValueError, match="no running job"):
        hb.on_result(Job.resume(first[0], 3), 0.0)
    assert hb.on_result(second, 0.5) is Decision.PAUSE
    assert hb.next_job().trial_id == 10  # the second bracket fills its bottom rung


def test_nan_is_never_promoted() -> None:
    hb = make_hb(1, 9)
    values = {i: NAN for i in range(8)}
    log = drive(hb, by_trial(values), trial_budget=9)
    # 9 trials, floor(9/3) = 3 slots, one finite value: trial 8 alone goes on.
    assert [(j.trial_id, j.resource_to) for j in log.jobs[9:]] == [(8, 3)]
    check_log(hb, log)


def test_no_new_trials_shrinks_the_bracket_and_ends() -> None:
    hb = make_hb(1, 9)
    jobs = [hb.next_job() for _ in range(7)]
    assert hb.next_job(allow_new_trials=False) is None
    for j in jobs:
        hb.on_result(j, j.trial_id)
    promoted = [hb.next_job(False), hb.next_job(False), hb.next_job(False)]
    assert [j.trial_id for j in promoted[:2]] == [0, 1] and promoted[2] is None  # floor(7/3)
    for j in promoted[:2]:
        hb.on_result(j, j.trial_id)
    # floor(2/3) = 0, but a cut bracket keeps its best one: it trains to the top
    top = hb.next_job(False)
    assert top.trial_id == 0 and top.resource_to == 9
    assert hb.on_result(top, 0.0) is Decision.COMPLETE
    assert hb.next_job(False) is None
    assert hb.n_trials == 7


def test_space_exhaustion_ends_cleanly() -> None:
    hb = Hyperband(RandomSearcher({"c": rung.choice(list(range(11)))}, seed=3), 1, 9)
    log = drive(hb, by_trial({}), workers=4)
    assert hb.space_exhausted and hb.n_trials == 11
    brackets = check_log(hb, log)
    assert [len(steps[0]) for _, steps in brackets] == [9, 2]
    assert hb.next_job() is None


def test_rejects_jobs_it_did_not_hand_out() -> None:
    hb = make_hb()
    job = hb.next_job()
    with pytest.raises(ValueError, match="no running job"):
        hb.on_result(Job.resume(job, 3), 0.0)


@pytest.mark.parametrize(
    ("args", "error", "message"),
    [
        (
            (1, 81, 1),
            ConfigError,
            "'eta' parameter of Hyperband must be a finite number >= 2; got 1",
        ),
        (
            (1, 81, 1.5),
            ConfigError,
            "'eta' parameter of Hyperband must be a finite number >= 2; got 1.5",
        ),
        ((1, 81, "3"), TypeError, "'eta' parameter of Hyperband must be a finite number"),
        (
            (9, 3, 3),
            ConfigError,
            "'max_resource' parameter of Hyperband must be an int >= min_resource=9; got 3",
        ),
        (
            (0, 3, 3),
            ConfigError,
            "'min_resource' parameter of Hyperband must be an int >= 1; got 0",
        ),
        ((1.0, 3, 3), TypeError, "'min_resource' parameter of Hyperband must be an int"),
    ],
)
def test_argument_validation(args, error, message) -> None:
    with pytest.raises(error, match=message):
        Hyperband(searcher(), *args)


values_stream = st.lists(
    st.one_of(st.floats(-1, 1), st.sampled_from([0.0, NAN, -math.inf, math.inf])),
    min_size=1,
    max_size=40,
)


@given(
    eta=st.one_of(st.sampled_from([2, 3, 4]), st.floats(2, 5)),
    min_resource=st.integers(1, 5),
    ratio=st.integers(1, 60),
    workers=st.integers(1, 8),
    budget=st.integers(1, 120),
    values=values_stream,
    picks=st.lists(st.integers(0, 7), min_size=1, max_size=10),
    max_brackets=st.one_of(st.none(), st.integers(1, 3)),
)
def test_property_brackets_cycle_and_halve(
    eta, min_resource, ratio, workers, budget, values, picks, max_brackets
) -> None:
    hb = Hyperband(
        searcher(), min_resource, min_resource * ratio, eta=eta, max_brackets=max_brackets
    )
    assert len(hb.brackets) == len(hb.levels) == hb.s_max + 1
    for s, plan in zip(range(hb.s_max, -1, -1), hb.brackets, strict=True):
        assert plan.resources[0] == hb.levels[hb.s_max - s]
        assert plan.n_configs >= eta**s - 1e-9
    stream = itertools.cycle(values)
    pick_stream = itertools.cycle(picks)
    log = drive(
        hb,
        lambda job: next(stream),
        workers=workers,
        trial_budget=budget,
        pick=lambda n: next(pick_stream),
    )
    brackets = check_log(hb, log)
    assert [p for p, _ in brackets] == [
        hb.brackets[i % len(hb.brackets)] for i in range(len(brackets))
    ]
    assert hb.n_trials == budget
    assert hb.next_job(allow_new_trials=False) is None


@pytest.mark.parametrize(("max_resource", "eta"), [(7, 2.5), (20, 2.5), (30, 3.5), (81, 3)])
def test_every_bracket_reaches_the_top_whatever_the_eta(max_resource, eta) -> None:
    """With eta 2.5 on 1..7 the first bracket's 16 trials floored to 6, 2, 0: it ended at
    6 epochs and never trained a configuration to max_resource."""
    hb = make_hb(1, max_resource, eta)
    for plan in hb.brackets:
        assert plan.resources[-1] == max_resource and plan.configs_per_step[-1] >= 1


def _bowl(config: dict) -> float:
    return (config["x"] - 0.3) ** 2 + 1 / config["epochs"]


def test_a_run_recorded_with_the_papers_bracket_sizes_resumes_as_made(tmp_path) -> None:
    """Before the sizes were raised for a non-integer eta, eta 2.5 on 1..7 ran a first
    bracket of 16 trials, not 20, and its record held no sizes: resumed, it replayed
    with 20 and was refused as a mismatch."""
    former = make_hb(1, 7, 2.5)
    s_max = former.s_max
    former._plans = tuple(  # the paper's sizes, as Hyperband built them then
        BracketPlan.halving(bracket_size(s_max, s, 2.5), former.levels[s_max - s :], 2.5)
        for s in range(s_max, -1, -1)
    )
    assert former.brackets[0].n_configs == 16 and former.recorded_options() == {}
    rung.Tuner(_bowl, former, directory=tmp_path / "old").run(max_trials=10)
    hb = make_hb(1, 7, 2.5)
    resumed = rung.Tuner(_bowl, hb, directory=tmp_path / "old").resume(max_trials=30)
    assert hb.brackets == former.brackets and resumed.n_trials == 30
    new = make_hb(1, 7, 2.5)  # a new run records its raised sizes and resumes with them
    assert new.recorded_options() == {"bracket_sizes": [20, 9, 5, 4]}
    rung.Tuner(_bowl, new, directory=tmp_path / "new").run(max_trials=10)
    hb = make_hb(1, 7, 2.5)
    rung.Tuner(_bowl, hb, directory=tmp_path / "new").resume(max_trials=30)
    assert hb.brackets[0].n_configs == 20
