"""Schedulers that rank Scores: a dominated result is never promoted over one that dominates
it in the same rung, and an infeasible one never ahead of a feasible one (MO-ASHA's rules)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import rung
from rung.objectives import Score
from rung.pareto import dominates
from rung.schedulers._pareto import ParetoRung, rank_scores
from rung.schedulers.asha import ASHA
from rung.schedulers.async_hyperband import AsyncHyperband
from rung.schedulers.hyperband import Hyperband
from rung.schedulers.successive_halving import SuccessiveHalving
from rung.types import Decision

# Scores on a coarse grid (ties and duplicates are common), a third infeasible, some failed.
scores = st.one_of(
    st.builds(
        lambda a, b, slack: Score((float(a), float(b)), (float(slack),)),
        st.integers(0, 5),
        st.integers(0, 5),
        st.sampled_from([-1.0, -1.0, 0.0, 0.5, 2.0]),
    ),
    st.just(Score.failed(2, 1)),
    st.builds(lambda a: Score((float(a), 0.0), (float("nan"),)), st.integers(0, 5)),
)


def beats(a: Score, b: Score) -> bool:
    """``a`` must rank ahead of ``b``: it dominates it (both feasible), or is feasible
    while ``b`` is not, or violates less, or is finite while ``b`` failed."""
    if not b.finite:
        return a.finite
    if not a.finite:
        return False
    if a.feasible and b.feasible:
        return dominates(a.objectives, b.objectives)
    if a.feasible != b.feasible:
        return a.feasible
    return a.violation < b.violation


@settings(max_examples=80, deadline=None)
@given(values=st.lists(scores, max_size=30))
def test_ranking_puts_every_result_after_those_that_beat_it(values):
    order = rank_scores(values)
    assert sorted(order) == list(range(len(values)))
    position = {index: rank for rank, index in enumerate(order)}
    for i, a in enumerate(values):
        for j, b in enumerate(values):
            if beats(a, b):
                assert position[i] < position[j], (a, b)


def test_a_front_is_promoted_spread_out_not_from_one_end():
    rung_ = ParetoRung(1, eta=3)
    # a crowd near (0, 1), one point in the middle and one at the other end
    points = [(0.0, 1.0), (0.01, 0.99), (0.02, 0.98), (0.03, 0.97), (0.5, 0.5), (1.0, 0.0)]
    points += [(2.0, 2.0)] * 3  # dominated
    for trial_id, y in enumerate(points):
        rung_.add(trial_id, Score(y))
    assert rung_.quota == 3
    assert rung_.top() == [0, 5, 4]


def test_n_better_counts_strictly_better_classes():
    rung_ = ParetoRung(1, eta=2)
    for trial_id, score in enumerate(
        [Score((0.0, 0.0)), Score((1.0, 1.0)), Score((0.0, 2.0), (0.5,)), Score.failed(2, 1)]
    ):
        rung_.add(trial_id, score)
    assert rung_.n_better(Score((0.0, 0.0))) == 0
    assert rung_.n_better(Score((2.0, 2.0))) == 2  # behind two fronts
    assert rung_.n_better(Score((1.0, 1.0))) == 1
    assert rung_.n_better(Score((5.0, 5.0), (0.1,))) == 2  # the feasible ones only
    assert rung_.n_better(Score((5.0, 5.0), (1.0,))) == 3
    assert rung_.n_better(Score.failed(2, 1)) == 3
    assert not rung_.can_rank_in_top(3, 10)
    assert rung_.can_rank_in_top(1, 2) and not rung_.can_rank_in_top(1, 1)


def test_a_result_in_the_top_quota_goes_on_even_when_as_many_went_on_before():
    """ASHA's rule: the top floor(n / eta) minus those promoted, however many those are."""
    rung_ = ParetoRung(1, eta=3)
    for trial_id, y in enumerate([(1.0, 1.0), (5.0, 5.0), (6.0, 6.0)]):
        rung_.add(trial_id, Score(y))
    assert rung_.promotable() == 0
    rung_.mark_promoted(0)
    for trial_id, y in enumerate([(0.0, 0.0), (-1.0, -1.0), (7.0, 7.0)], start=3):
        rung_.add(trial_id, Score(y))
    assert rung_.quota == 2 and rung_.top() == [4, 3]
    assert rung_.promotable() == 4
    rung_.mark_promoted(4)
    assert rung_.promotable() == 3  # in the top 2 though two went on already


def test_an_eager_rung_promotes_each_new_front_member_before_it_holds_eta_results():
    rung_ = ParetoRung(1, eta=3, eager=True)
    rung_.add(0, Score((1.0, 1.0)))
    assert rung_.promotable() == 0
    rung_.mark_promoted(0)
    rung_.add(1, Score((2.0, 2.0)))  # dominated by the promoted one
    assert rung_.promotable() is None
    rung_.add(2, Score((0.0, 3.0)))  # a new front member, and three results: the plain
    assert rung_.quota == 1 and rung_.promotable() == 2  # rule, which ranks it first
    lazy = ParetoRung(1, eta=3)
    lazy.add(0, Score((1.0, 1.0)))
    assert lazy.promotable() is None


SCHEDULERS = {
    "asha": lambda s, seed: ASHA(s, 1, 9, eta=3),
    "sh": lambda s, seed: SuccessiveHalving(s, 1, 9, eta=3),
    "hyperband": lambda s, seed: Hyperband(s, 1, 9, eta=3),
    "async_hyperband": lambda s, seed: AsyncHyperband(s, 1, 9, eta=3, seed=seed),
    "asha_eta2": lambda s, seed: ASHA(s, 1, 8, eta=2),
}


def rungs_holding(scheduler, trial_id, level):
    """The rung at ``level`` that holds ``trial_id``'s result."""
    found = []
    for bracket in getattr(scheduler, "brackets", []):
        if hasattr(bracket, "rungs"):
            found += [r for r in bracket.rungs if r.level == level and trial_id in r.values]
    for bracket in getattr(scheduler, "running_brackets", ()):
        found += [r for r in bracket.rungs if r.level == level and trial_id in r.values]
    return found


def check_promotion(rung_, trial_id):
    promoted = rung_.values[trial_id]
    assert promoted.finite
    for other_id, other in rung_.values.items():
        if other_id in rung_.promoted:
            continue
        assert not beats(other, promoted), (
            f"trial {trial_id} {promoted} was promoted out of rung {rung_.level} while "
            f"trial {other_id} {other}, which beats it, waits there"
        )


def run_scored(name, seed, workers, n_trials, draw):
    rng = np.random.default_rng(seed)
    scheduler = SCHEDULERS[name](rung.RandomSearcher({"x": rung.uniform(0, 1)}, seed=seed), seed)
    scheduler.use_scores()
    running = []
    promotions = 0
    for _ in range(5000):
        while len(running) < workers:
            job = scheduler.next_job(allow_new_trials=scheduler.n_trials < n_trials)
            if job is None:
                break
            if job.resource_from > 0:
                promotions += 1
                (rung_,) = rungs_holding(scheduler, job.trial_id, job.resource_from)
                check_promotion(rung_, job.trial_id)
            running.append(job)
        if not running:
            break
        job = running.pop(int(rng.integers(len(running))))
        decision = scheduler.on_result(job, draw(rng))
        assert isinstance(decision, Decision)
    return promotions


def random_score(rng):
    if rng.random() < 0.1:
        return Score.failed(2, 1)
    if rng.random() < 0.05:  # a constrained metric that is not finite: infeasible
        return Score((float(rng.integers(0, 6)), 0.0), (float("nan"),))
    if rng.random() < 0.05:  # a constrained metric that is not finite: infeasible
        return Score((float(rng.integers(0, 6)), 0.0), (float("nan"),))
    slack = rng.choice([-1.0, -0.5, 0.0, 0.3, 1.0])
    return Score(tuple(float(v) for v in rng.integers(0, 6, size=2)), (float(slack),))


@pytest.mark.parametrize("name", SCHEDULERS)
@pytest.mark.parametrize("workers", [1, 3])
def test_a_dominated_or_infeasible_result_is_never_promoted_over_a_better_one(name, workers):
    promotions = run_scored(name, seed=workers, workers=workers, n_trials=80, draw=random_score)
    assert promotions > 5


@settings(max_examples=30, deadline=None)
@given(
    name=st.sampled_from(sorted(SCHEDULERS)),
    seed=st.integers(0, 10_000),
    workers=st.integers(1, 5),
)
def test_promotion_rules_hold_for_random_streams(name, seed, workers):
    run_scored(name, seed=seed, workers=workers, n_trials=40, draw=random_score)


def test_the_stopping_variant_continues_by_rank_and_stops_dominated_results():
    asha = ASHA(rung.RandomSearcher({"x": rung.uniform(0, 1)}, seed=0), 1, 9, eta=3,
                variant="stopping")  # fmt: skip
    asha.use_scores()

    def decide(score):
        job = asha.next_job()
        assert job.resource_from == 0
        return asha.on_result(job, score)

    assert decide(Score((0.0, 0.0))) is Decision.CONTINUE  # the best so far goes on at once
    asha.next_job()  # its continuation
    assert decide(Score((1.0, 1.0))) is Decision.STOP  # one front behind, 2 results
    assert decide(Score((2.0, 2.0))) is Decision.STOP
    assert decide(Score((0.0, 0.0), (1.0,))) is Decision.STOP  # infeasible: behind them all
    assert decide(Score((-1.0, 5.0))) is Decision.CONTINUE  # a new front member


@pytest.mark.parametrize("name", ["sh", "hyperband"])
def test_a_synchronous_rung_promotes_the_front_first(name):
    scheduler = SCHEDULERS[name](rung.RandomSearcher({"x": rung.uniform(0, 1)}, seed=0), 0)
    scheduler.use_scores()
    bottom = [scheduler.next_job() for _ in range(9)]  # the first bracket: 9 trials at 1
    assert all(job.resource_to == 1 for job in bottom)
    front = {6: (0.0, 2.0), 7: (1.0, 1.0), 8: (2.0, 0.0)}
    for job in bottom:
        y = front.get(job.trial_id, (3.0, 3.0))
        slack = 1.0 if job.trial_id == 0 else -1.0
        scheduler.on_result(job, Score(y, (slack,)))
    promoted = {scheduler.next_job(allow_new_trials=False).trial_id for _ in range(3)}
    assert promoted == set(front)
    assert scheduler.next_job(allow_new_trials=False) is None


@pytest.mark.parametrize("eager", [True, False])
@pytest.mark.parametrize("name", ["asha", "async_hyperband"])
def test_eager_promotion_holds_with_scores(name, eager):
    space = {"x": rung.uniform(0, 1)}
    if name == "asha":
        scheduler = ASHA(rung.RandomSearcher(space, seed=0), 1, 9, eta=3, eager_promotion=eager)
    else:
        scheduler = AsyncHyperband(rung.RandomSearcher(space, seed=0), 1, 9, eta=3, seed=0,
                                   eager_promotion=eager, adaptive=False)  # fmt: skip
    scheduler.use_scores()
    bottom = scheduler.brackets[-1]
    assert [rung_.eager for rung_ in bottom.rungs] == [eager] * 3
    # One worker: the epochs the bottom bracket trains until its first full result
    # (eager: one chain of promotions, 1 + 2 + 6; Algorithm 2 waits for eta results per
    # rung first; asynchronous Hyperband's draws send other trials to its other brackets).
    epochs = 0
    for _ in range(200):
        job = scheduler.next_job()
        in_bottom = scheduler.bracket_of(job.trial_id) == len(scheduler.brackets) - 1
        epochs += (job.resource_to - job.resource_from) * in_bottom
        y = 1.0 + 0.01 * job.trial_id
        decision = scheduler.on_result(job, Score((y, -y)))  # all on one front
        if in_bottom and decision is Decision.COMPLETE:
            break
    assert epochs == 9 if eager else epochs > 9
