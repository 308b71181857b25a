"""ASHA against an independent transcription of Algorithm 2 of Li et al. (MLSys 2020)."""

from __future__ import annotations

import math
from collections import deque

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rung.errors import ConfigError
from rung.schedulers.asha import ASHA, AshaBracket, ASHAVariant
from rung.searchers import RandomSearcher
from rung.space import choice, uniform
from rung.types import Decision, Job
from tests.schedulers.asha_reference import ReferenceASHA
from tests.schedulers.async_runs import (
    FINISH,
    GET,
    GET_NO_NEW,
    fidelities,
    runs,
    searcher,
)

NAN, INF = math.nan, math.inf


# --- Reference: Algorithm 2, written out with plain lists (no rung.schedulers.rungs). ---


def steps(run, running: list, workers: int = 6):
    """Yields (FINISH, index, value) or (GET/GET_NO_NEW, None, None), respecting ``workers``."""
    for kind, pick, value in run:
        if kind != FINISH and len(running) >= workers:
            kind = FINISH
        if kind == FINISH and not running:
            kind = GET
        yield (kind, pick % len(running), value) if kind == FINISH else (kind, None, None)


def expected_decision(k: int, top: int, value: float) -> Decision:
    if k == top:
        return Decision.COMPLETE
    return Decision.PAUSE if math.isfinite(value) else Decision.STOP


@settings(max_examples=100)
@given(fidelity=fidelities(), workers=st.integers(1, 6), run=runs(), eager=st.booleans())
def test_promotion_variant_matches_algorithm_2_decision_by_decision(fidelity, workers, run, eager):
    r, R, eta = fidelity
    asha = ASHA(searcher(), r, R, eta, eager_promotion=eager)
    ref = ReferenceASHA(r, R, eta, eager=eager)
    assert asha.levels == ref.resource
    top = len(ref.resource) - 1
    running: list[tuple[Job, int]] = []
    n_new = 0
    for kind, index, value in steps(run, running, workers):
        if kind == FINISH:
            job, k = running.pop(index)
            assert asha.on_result(job, value) is expected_decision(k, top, value)
            ref.update(job.trial_id, k, value)
            continue
        job = asha.next_job(allow_new_trials=kind == GET)
        if kind == GET_NO_NEW and ref.find_promotable() is None:
            assert job is None
            continue
        theta, k = ref.get_job()
        assert job is not None
        if theta is None:
            assert (job.trial_id, job.resource_from, job.resource_to) == (n_new, 0, ref.resource[0])
            n_new += 1
        else:
            expected = Job(theta, asha.configs[theta], ref.resource[k - 1], ref.resource[k])
            assert job == expected
        running.append((job, k))
    assert [rung.promoted for rung in asha.rungs] == ref.promoted
    assert [list(rung.values) for rung in asha.rungs] == [[t for t, _ in r] for r in ref.rung]


@settings(max_examples=60)
@given(eta=st.sampled_from([2, 3, 4]), run=runs())
def test_promotions_are_unique_and_from_the_top_of_their_rung(eta, run):
    asha = ASHA(searcher(), 1, eta**3, eta, eager_promotion=False)  # Algorithm 2 itself
    arrivals: dict[int, list[tuple[int, float]]] = {level: [] for level in asha.levels}
    running: list[Job] = []
    promoted: set[tuple[int, int]] = set()
    for kind, index, value in steps(run, running):
        if kind == FINISH:
            job = running.pop(index)
            arrivals[job.resource_to].append((job.trial_id, value))
            asha.on_result(job, value)
            continue
        job = asha.next_job(allow_new_trials=kind == GET)
        if job is None:
            continue
        running.append(job)
        if job.is_new_trial:
            continue
        assert (job.trial_id, job.resource_from) not in promoted
        promoted.add((job.trial_id, job.resource_from))
        rung = arrivals[job.resource_from]
        position = [t for t, _ in rung].index(job.trial_id)
        value = rung[position][1]
        assert math.isfinite(value)
        ahead = sum(
            math.isfinite(v) and (v < value or (v == value and i < position))
            for i, (_, v) in enumerate(rung)
        )
        assert ahead < len(rung) // eta


def test_known_stream_eta_3():
    asha = ASHA(searcher(), 1, 9, eta=3)
    jobs = [asha.next_job() for _ in range(3)]
    assert [(j.trial_id, j.resource_from, j.resource_to) for j in jobs] == [
        (0, 0, 1),
        (1, 0, 1),
        (2, 0, 1),
    ]
    for job, value in zip(jobs, [3.0, 1.0, 2.0], strict=True):
        assert asha.on_result(job, value) is Decision.PAUSE
    promotion = asha.next_job()
    assert (promotion.trial_id, promotion.resource_from, promotion.resource_to) == (1, 1, 3)
    assert promotion.config == jobs[1].config
    assert asha.next_job().trial_id == 3  # floor(3 / 3) = 1 promotion only
    assert asha.on_result(promotion, 0.5) is Decision.PAUSE


def test_eager_promotion_sends_the_first_results_up_at_once():
    asha = ASHA(searcher(), 1, 9, eta=3, eager_promotion=True)
    first, second, third = asha.next_job(), asha.next_job(), asha.next_job()
    asha.on_result(first, 2.0)
    up = asha.next_job()  # a rung of one result: its best goes on
    assert (up.trial_id, up.resource_to) == (first.trial_id, 3)
    asha.on_result(second, 3.0)  # not better than the promoted one: waits
    assert asha.next_job().is_new_trial
    asha.on_result(third, 2.5)  # three results: the plain rule, whose one promotion is used
    assert asha.next_job().is_new_trial
    asha.on_result(up, 0.5)
    top = asha.next_job()  # first at its rung again: on to the full resource
    assert (top.trial_id, top.resource_from, top.resource_to) == (first.trial_id, 3, 9)
    assert asha.on_result(top, 0.4) is Decision.COMPLETE


@pytest.mark.parametrize(("eager", "first_full"), [(True, 9), (False, 21)])
def test_eager_promotion_trains_the_first_trial_fully_at_once(eager, first_full):
    # One worker, one time unit per epoch: Algorithm 2 waits for eta**k results per rung.
    asha = ASHA(searcher(), 1, 9, eta=3, eager_promotion=eager)
    clock = 0
    while True:
        job = asha.next_job()
        clock += job.resource_to - job.resource_from
        if asha.on_result(job, 1.0 + 0.01 * job.trial_id) is Decision.COMPLETE:
            break
    assert clock == first_full


def test_ties_break_by_completion_order_not_trial_id():
    asha = ASHA(searcher(), 1, 4, eta=2)
    first, second = asha.next_job(), asha.next_job()
    asha.on_result(second, 1.0)
    asha.on_result(first, 1.0)
    assert asha.next_job().trial_id == second.trial_id


def test_highest_rung_beats_a_better_value_lower_down():
    asha = ASHA(searcher(), 1, 4, eta=2)
    a, b = asha.next_job(), asha.next_job()
    asha.on_result(a, 5.0)
    asha.on_result(b, 6.0)
    up_a = asha.next_job()  # rung 1: [5, 6] -> a
    c, d = asha.next_job(), asha.next_job()
    asha.on_result(c, 4.0)
    asha.on_result(d, 7.0)
    up_c = asha.next_job()  # rung 1: [5, 6, 4, 7] -> top 2 = c, a -> c
    assert (up_c.trial_id, up_c.resource_to) == (c.trial_id, 2)
    e, f = asha.next_job(), asha.next_job()
    assert e.is_new_trial and f.is_new_trial
    asha.on_result(e, 0.1)
    asha.on_result(f, 8.0)  # rung 1: top 3 = e, c, a -> e promotable
    asha.on_result(up_a, 1.0)
    asha.on_result(up_c, 2.0)  # rung 2: [1, 2] -> a promotable
    first, second = asha.next_job(), asha.next_job()
    assert (first.trial_id, first.resource_from, first.resource_to) == (a.trial_id, 2, 4)
    assert (second.trial_id, second.resource_from, second.resource_to) == (e.trial_id, 1, 2)


def test_non_finite_values_stop_and_are_never_promoted():
    asha = ASHA(searcher(), 1, 4, eta=2)
    jobs = [asha.next_job() for _ in range(4)]
    decisions = [asha.on_result(j, v) for j, v in zip(jobs, [NAN, -INF, INF, NAN], strict=True)]
    assert decisions == [Decision.STOP] * 4
    assert asha.next_job().is_new_trial
    assert asha.next_job(allow_new_trials=False) is None


def test_max_resource_completes_even_when_it_is_the_only_rung():
    asha = ASHA(searcher(), 5, 5, eta=3)
    job = asha.next_job()
    assert (job.resource_from, job.resource_to) == (0, 5)
    assert asha.on_result(job, 1.0) is Decision.COMPLETE
    assert asha.next_job(allow_new_trials=False) is None


def test_allow_new_trials_false_returns_only_promotions_then_none():
    asha = ASHA(searcher(), 1, 8, eta=2)
    jobs = [asha.next_job() for _ in range(4)]
    for job, value in zip(jobs, [4.0, 2.0, 3.0, 1.0], strict=True):
        asha.on_result(job, value)
    got = [asha.next_job(allow_new_trials=False) for _ in range(3)]
    assert [(j.trial_id, j.resource_from, j.resource_to) for j in got[:2]] == [(3, 1, 2), (1, 1, 2)]
    assert got[2] is None
    assert asha.n_trials == 4
    assert asha.next_job().trial_id == 4


@pytest.mark.parametrize("variant", list(ASHAVariant))
def test_tiny_space_ends_cleanly(variant):
    asha = ASHA(RandomSearcher({"c": choice([1, 2, 3])}, seed=0), 1, 4, eta=2, variant=variant)
    running: deque[Job] = deque()
    for _ in range(100):
        job = asha.next_job()
        if job is None and not running:
            break
        if job is not None:
            running.append(job)
            continue
        finished = running.popleft()
        asha.on_result(finished, float(finished.config["c"]) / finished.resource_to)
    else:
        pytest.fail("the schedule never ended")
    assert asha.space_exhausted and asha.n_trials == 3
    assert asha.next_job() is None


# --- The stopping variant: Syne Tune's rule, n_better <= n / eta with n counting its own. ---


def test_stopping_rule_at_the_boundary_eta_2():
    asha = ASHA(searcher(), 1, 2, eta=2, variant="stopping")
    # value, n, n_better: 1.0 (1, 0) go; 2.0 (2, 1 == 2/2) go; 3.0 (3, 2 > 1.5) stop;
    # 2.5 (4, 2 == 4/2) go; 2.0 (5, 1 <= 2.5) go; 5.0 (6, 5 > 3) stop; 2.0 (7, 1) go (ties)
    expected = [True, True, False, True, True, False, True]
    for value, goes_on in zip([1.0, 2.0, 3.0, 2.5, 2.0, 5.0, 2.0], expected, strict=True):
        job = asha.next_job(allow_new_trials=True)
        assert job.is_new_trial
        decision = asha.on_result(job, value)
        assert decision is (Decision.CONTINUE if goes_on else Decision.STOP)
        if goes_on:
            assert asha.next_job(allow_new_trials=False) == Job.resume(job, 2)


def test_stopping_first_arrival_continues_unless_nan():
    asha = ASHA(searcher(), 1, 4, eta=3, variant=ASHAVariant.STOPPING)
    a = asha.next_job()
    assert asha.on_result(a, NAN) is Decision.STOP
    fresh = ASHA(searcher(), 1, 4, eta=3, variant="STOPPING")
    b = fresh.next_job()
    assert fresh.on_result(b, 100.0) is Decision.CONTINUE


@settings(max_examples=80)
@given(fidelity=fidelities(), run=runs())
def test_stopping_variant_rule_and_continuations_first(fidelity, run):
    r, R, eta = fidelity
    asha = ASHA(searcher(), r, R, eta, variant="stopping")
    ladder = asha.levels
    seen: dict[int, list[float]] = {level: [] for level in ladder}
    queued: deque[Job] = deque()
    running: list[Job] = []
    for kind, index, value in steps(run, running):
        if kind == FINISH:
            job = running.pop(index)
            seen[job.resource_to].append(value)
            decision = asha.on_result(job, value)
            if job.resource_to == R:
                assert decision is Decision.COMPLETE
                continue
            n = len(seen[job.resource_to])
            n_better = sum(math.isfinite(v) and v < value for v in seen[job.resource_to])
            goes_on = math.isfinite(value) and n_better <= n / eta
            assert decision is (Decision.CONTINUE if goes_on else Decision.STOP)
            if goes_on:
                next_level = ladder[ladder.index(job.resource_to) + 1]
                queued.append(Job(job.trial_id, job.config, job.resource_to, next_level))
            continue
        job = asha.next_job(allow_new_trials=kind == GET)
        if queued:
            assert job == queued.popleft()
        elif kind == GET:
            assert job.is_new_trial and job.resource_to == ladder[0]
        else:
            assert job is None
        if job is not None:
            running.append(job)


# --- Arguments and misuse. ---


@pytest.mark.parametrize(
    ("kwargs", "error", "words"),
    [
        ({"eta": 1}, ConfigError, ["'eta'", "ASHA", ">= 2", "1"]),
        ({"eta": 1.5}, ConfigError, ["'eta'", "1.5"]),
        (
            {"min_resource": 9, "max_resource": 3},
            ConfigError,
            ["'max_resource'", "min_resource=9", "3"],
        ),
        ({"min_resource": 0}, ConfigError, ["'min_resource'", "0"]),
        ({"min_resource": 1.5}, TypeError, ["'min_resource'", "1.5"]),
        (
            {"variant": "promote"},
            ConfigError,
            ["'variant'", "'promotion'", "'stopping'", "'promote'"],
        ),
        ({"variant": 2}, TypeError, ["'variant'", "2"]),
    ],
)
def test_invalid_arguments_name_the_parameter_and_value(kwargs, error, words):
    arguments = {"min_resource": 1, "max_resource": 9, "eta": 3, **kwargs}
    with pytest.raises(error) as info:
        ASHA(searcher(), **arguments)
    for word in words:
        assert word in str(info.value)


def test_searcher_must_be_a_searcher():
    with pytest.raises(TypeError, match="'searcher'"):
        ASHA({"x": uniform(0, 1)}, 1, 9)


def test_on_result_rejects_foreign_jobs_and_double_reports():
    asha = ASHA(searcher(), 1, 9, eta=3)
    job = asha.next_job()
    with pytest.raises(ValueError, match="did not create trial 7"):
        asha.on_result(Job.start(7, {"x": 0.5}, 1), 1.0)
    with pytest.raises(ValueError, match=r"Resource 2 is not a rung.*\[1, 3, 9\]"):
        asha.on_result(Job.start(job.trial_id, job.config, 2), 1.0)
    asha.on_result(job, 1.0)
    with pytest.raises(ValueError, match="already reported"):
        asha.on_result(job, 1.0)


def test_bracket_rejects_a_bad_ladder():
    with pytest.raises(ConfigError, match="strictly increasing"):
        AshaBracket([1, 3, 3], 3)
    bracket = AshaBracket([3, 9], 3)
    assert bracket.start_level == 3 and bracket.next_level(3) == 9 and bracket.next_level(9) is None
