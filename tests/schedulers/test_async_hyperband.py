"""AsyncHyperband against Algorithm 2 of Li et al. (MLSys 2020) run in every bracket."""

from __future__ import annotations

import math
from collections import Counter, deque

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from rung.errors import ConfigError
from rung.objectives import Score
from rung.schedulers.async_hyperband import AsyncHyperband
from rung.searchers import RandomSearcher
from rung.space import choice
from rung.types import Decision, Job
from tests.schedulers.asha_reference import ReferenceASHA
from tests.schedulers.async_runs import FINISH, GET_NO_NEW, fidelities, runs, searcher

NAN, INF = math.nan, math.inf


# --- Reference: Algorithm 2 per bracket, written out with plain lists. ---


class ReferenceAsyncHyperband:
    """Li et al. (2020), Section 3.3: ASHA in brackets b = 0..K, bracket b with rate s = K - b.

    A promotion comes from the highest rung level over all brackets (ties: lower b).
    """

    def __init__(self, r: int, R: int, eta: int) -> None:
        top = len(ReferenceASHA(r, R, eta).resource) - 1
        self.brackets = [ReferenceASHA(r, R, eta, s=top - b) for b in range(top + 1)]
        self.sizes = [-(-(top + 1) * eta**b // (b + 1)) for b in range(top + 1)]  # ceil

    def find_promotion(self) -> tuple[int, int, int] | None:
        """(bracket, theta, k): promote theta out of rung k of the bracket, or None."""
        best = None
        for b, bracket in enumerate(self.brackets):
            found = bracket.find_promotable()
            if found is not None and (best is None or bracket.resource[found[1]] > best[0]):
                best = (bracket.resource[found[1]], b, *found)
        return None if best is None else best[1:]


@settings(max_examples=100)
@given(
    fidelity=fidelities(),
    workers=st.integers(1, 8),
    seed=st.integers(0, 2**16),
    run=runs(max_steps=200),
)
def test_matches_algorithm_2_in_every_bracket(fidelity, workers, seed, run):
    r, R, eta = fidelity
    hyperband = AsyncHyperband(searcher(), r, R, eta, seed=seed, eager_promotion=False)
    ref = ReferenceAsyncHyperband(r, R, eta)
    assert hyperband.bracket_sizes == ref.sizes
    assert [list(b.levels) for b in hyperband.brackets] == [b.resource for b in ref.brackets]
    running: list[tuple[Job, int, int]] = []  # job, bracket, rung index it ends at
    for kind, pick, value in run:
        if kind != FINISH and len(running) >= workers or kind == FINISH and running:
            job, b, k = running.pop(pick % len(running))
            decision = hyperband.on_result(job, value)
            if k == len(ref.brackets[b].resource) - 1:
                assert decision is Decision.COMPLETE
            else:
                assert decision is (Decision.PAUSE if math.isfinite(value) else Decision.STOP)
            ref.brackets[b].update(job.trial_id, k, value)
            continue
        job = hyperband.next_job(allow_new_trials=kind != GET_NO_NEW)
        expected = ref.find_promotion()
        if expected is None:
            if kind == GET_NO_NEW:
                assert job is None
                continue
            b = hyperband.bracket_of(job.trial_id)
            assert job.is_new_trial and job.resource_to == ref.brackets[b].resource[0]
            running.append((job, b, 0))
            continue
        b, theta, k = expected
        ref.brackets[b].promoted[k].add(theta)
        resources = ref.brackets[b].resource
        assert hyperband.bracket_of(theta) == b
        assert job == Job(theta, hyperband.configs[theta], resources[k], resources[k + 1])
        running.append((job, b, k + 1))


def test_bracket_sizes_and_rungs_mirror_hyperband():
    hyperband = AsyncHyperband(searcher(), 1, 81, eta=3)
    # Li et al. (JMLR 2018), Table 1 (R = 81, eta = 3): n = 81, 34, 15, 8, 5 for s = 4..0.
    assert hyperband.bracket_sizes == [5, 8, 15, 34, 81]
    assert [b.levels for b in hyperband.brackets] == [
        (81,),
        (27, 81),
        (9, 27, 81),
        (3, 9, 27, 81),
        (1, 3, 9, 27, 81),
    ]
    assert hyperband.bracket_probabilities == pytest.approx([n / 143 for n in [5, 8, 15, 34, 81]])


def draw_brackets(seed, n: int, eta: int = 3) -> list[int]:
    """Brackets of the first ``n`` trials, drawn as published (by ``n_s`` from the start)."""
    hyperband = AsyncHyperband(searcher(), 1, 81, eta=eta, seed=seed, adaptive=False, full_first=0)
    return [hyperband.bracket_of(hyperband.next_job().trial_id) for _ in range(n)]


def test_same_seed_same_brackets_and_other_seeds_differ():
    assert draw_brackets(7, 300) == draw_brackets(7, 300)
    generator = draw_brackets(np.random.default_rng(7), 300)  # a Generator is used as is
    assert generator == draw_brackets(np.random.default_rng(7), 300)
    assert draw_brackets(7, 300) != draw_brackets(8, 300)


def test_bracket_frequencies_are_proportional_to_n_s():
    n = 5000
    counts = Counter(draw_brackets(0, n))
    observed = np.array([counts[s] for s in range(5)])
    expected = np.array([5, 8, 15, 34, 81]) / 143
    assert np.abs(observed / n - expected).max() < 0.02  # binomial sd <= 0.007
    assert stats.chisquare(observed, expected * n).pvalue > 1e-3
    # Uniform brackets, the obvious mistake, would be rejected by the same test.
    assert stats.chisquare(np.full(5, n / 5), expected * n).pvalue < 1e-6


def test_highest_rung_first_across_brackets_and_within_own_bracket():
    hyperband = AsyncHyperband(searcher(), 1, 27, eta=3, seed=1)
    rng = np.random.default_rng(2)
    queue = deque(hyperband.next_job() for _ in range(200))
    rounds: list[list[int]] = []
    while queue:  # each round: finish every running job, then take all promotions
        while queue:
            hyperband.on_result(queue.popleft(), float(rng.normal()))
        froms = []
        while (job := hyperband.next_job(allow_new_trials=False)) is not None:
            bracket = hyperband.brackets[hyperband.bracket_of(job.trial_id)]
            assert job.resource_to == bracket.next_level(job.resource_from)
            assert job.trial_id in bracket.rung_at(job.resource_from).values
            froms.append(job.resource_from)
            queue.append(job)
        assert froms == sorted(froms, reverse=True)
        rounds.append(froms)
    assert {1, 3, 9} <= set(rounds[0])  # brackets 3, 2 and 1 all promote in the first round
    assert hyperband.n_trials == 200


def test_bracket_zero_runs_straight_to_max_resource():
    hyperband = AsyncHyperband(searcher(), 1, 9, eta=3, seed=0)
    for _ in range(60):
        job = hyperband.next_job()
        if hyperband.bracket_of(job.trial_id) == 0:
            assert (job.resource_from, job.resource_to) == (0, 9)
            assert hyperband.on_result(job, 1.0) is Decision.COMPLETE
            return
    pytest.fail("no trial drew bracket 0 in 60 draws")


def test_nan_stops_and_allow_new_trials_false_starts_nothing():
    hyperband = AsyncHyperband(searcher(), 1, 9, eta=3, seed=0)
    job = hyperband.next_job()
    expected = Decision.COMPLETE if job.resource_to == 9 else Decision.STOP
    assert hyperband.on_result(job, NAN) is expected
    assert hyperband.next_job(allow_new_trials=False) is None
    assert hyperband.n_trials == 1


def test_tiny_space_ends_cleanly():
    hyperband = AsyncHyperband(RandomSearcher({"c": choice([1, 2, 3, 4])}, seed=0), 1, 9, seed=0)
    running: deque[Job] = deque()
    for _ in range(200):
        job = hyperband.next_job()
        if job is None and not running:
            break
        if job is not None:
            running.append(job)
        else:
            done = running.popleft()
            hyperband.on_result(done, done.config["c"] / done.resource_to)
    else:
        pytest.fail("the schedule never ended")
    assert hyperband.space_exhausted and hyperband.n_trials == 4
    assert hyperband.next_job() is None


@pytest.mark.parametrize(
    ("kwargs", "error", "words"),
    [
        ({"eta": 1}, ConfigError, ["'eta'", "AsyncHyperband", "1"]),
        ({"min_resource": 10, "max_resource": 9}, ConfigError, ["'max_resource'", "9"]),
        ({"seed": -1}, ValueError, ["'seed'", "-1"]),
        ({"seed": "zero"}, TypeError, ["'seed'", "'zero'"]),
    ],
)
def test_invalid_arguments_name_the_parameter_and_value(kwargs, error, words):
    arguments = {"min_resource": 1, "max_resource": 9, "eta": 3, **kwargs}
    with pytest.raises(error) as info:
        AsyncHyperband(searcher(), **arguments)
    for word in words:
        assert word in str(info.value)


# --- Adaptive brackets: Hyper-Tune's bracket selection. ---


def _adaptive_run(agreement: float, n_jobs: int = 1500, seed: int = 0) -> AsyncHyperband:
    """One worker; a trial's value at each rung is ``agreement * quality + noise``."""
    hyperband = AsyncHyperband(searcher(), 1, 27, eta=3, seed=seed, adaptive=True)
    rng = np.random.default_rng(seed)
    quality: dict[int, float] = {}
    for _ in range(n_jobs):
        job = hyperband.next_job()
        q = quality.setdefault(job.trial_id, float(rng.normal()))
        noise = float(rng.normal())
        top = job.resource_to == 27
        hyperband.on_result(job, q if top else agreement * q + (1 - agreement) * noise)
    return hyperband


def test_adaptive_brackets_start_as_hyperband():
    hyperband = AsyncHyperband(searcher(), 1, 27, eta=3, seed=0, adaptive=True)
    assert hyperband.bracket_probabilities == pytest.approx(np.array([4, 6, 12, 27]) / 49)


def test_adaptive_brackets_turn_to_full_training_when_low_rungs_rank_at_random():
    misleading = _adaptive_run(agreement=0.0).bracket_probabilities
    faithful = _adaptive_run(agreement=1.0).bracket_probabilities
    assert misleading[0] > 0.5  # bracket 0 trains every trial fully
    assert misleading[-1] < 0.15  # the floor: 0.02 * 27 against 4
    assert faithful == pytest.approx(np.array([4, 6, 12, 27]) / 49, abs=0.03)


def _scored_run(faithful_second: bool, n_jobs: int = 1500) -> AsyncHyperband:
    """Two objectives: the first ranks trials faithfully at every rung, the second only
    when ``faithful_second``; otherwise its low rungs are noise."""
    hyperband = AsyncHyperband(searcher(), 1, 27, eta=3, seed=0, adaptive=True)
    hyperband.use_scores()
    rng = np.random.default_rng(0)
    quality: dict[int, tuple[float, float]] = {}
    for _ in range(n_jobs):
        job = hyperband.next_job()
        q1, q2 = quality.setdefault(job.trial_id, tuple(rng.normal(size=2)))
        top = job.resource_to == 27
        second = q2 if top or faithful_second else float(rng.normal())
        hyperband.on_result(job, Score((q1, second)))
    return hyperband


def test_adaptive_brackets_with_several_objectives_trust_a_level_by_its_worst_objective():
    misleading = _scored_run(faithful_second=False).bracket_probabilities
    faithful = _scored_run(faithful_second=True).bracket_probabilities
    assert misleading[0] > 0.5  # the second objective's noise turns the run to full training
    assert faithful == pytest.approx(np.array([4, 6, 12, 27]) / 49, abs=0.03)


def test_adaptive_brackets_are_deterministic_given_the_seed():
    a, b = _adaptive_run(0.5, n_jobs=400), _adaptive_run(0.5, n_jobs=400)
    assert a.configs == b.configs
    assert [a.bracket_of(t) for t in a.configs] == [b.bracket_of(t) for t in b.configs]


def test_adaptive_must_be_a_bool():
    with pytest.raises(TypeError, match="'adaptive'.*'yes'"):
        AsyncHyperband(searcher(), 1, 27, adaptive="yes")


@pytest.mark.parametrize(
    "value, error", [("yes", TypeError), (True, TypeError), (-1, ConfigError), (1.0, TypeError)]
)
def test_full_first_must_be_a_count_or_none(value, error):
    with pytest.raises(error, match=f"'full_first'.*an int >= 0 or None.*{value!r}"):
        AsyncHyperband(searcher(), 1, 27, full_first=value)


@pytest.mark.parametrize("max_resource, n_0", [(27, 4), (81, 5), (100, 6)])
def test_the_first_trials_train_fully_then_brackets_are_drawn(max_resource, n_0):
    """Hyperband's full-resource bracket (n_0 = s_max + 1 trials) comes first."""
    hyperband = AsyncHyperband(searcher(), 1, max_resource, eta=3, seed=0, full_first=n_0)
    assert hyperband.bracket_sizes[0] == n_0
    first = [hyperband.next_job() for _ in range(n_0)]
    assert [(j.resource_from, j.resource_to) for j in first] == [(0, max_resource)] * n_0
    later = [hyperband.bracket_of(hyperband.next_job().trial_id) for _ in range(40)]
    assert len(set(later)) > 2  # then drawn among all brackets
    published = AsyncHyperband(searcher(), 1, max_resource, eta=3, seed=0, full_first=0)
    drawn = [published.bracket_of(published.next_job().trial_id) for _ in range(n_0)]
    assert drawn != [0] * n_0


@pytest.mark.parametrize("workers", [None, 1, 4, 16])
def test_by_default_no_trial_starts_at_the_full_resource_first(workers):
    """Whatever the workers: the eager chain of promotions gives a run its first
    full-resource value as soon (docs/benchmarks.md)."""
    hyperband = AsyncHyperband(searcher(), 1, 27, eta=3, seed=0)
    if workers is not None:
        hyperband.adopt_workers(workers)  # what a Tuner does
    published = AsyncHyperband(searcher(), 1, 27, eta=3, seed=0, full_first=0)
    drawn = [h.bracket_of(h.next_job().trial_id) for h in (hyperband, published) for _ in range(8)]
    assert hyperband.n_full_first == 0 and drawn[:8] == drawn[8:]
    assert hyperband.recorded_options().get("full_first") is None
    given = AsyncHyperband(searcher(), 1, 27, eta=3, seed=0, full_first=2)
    given.adopt_workers(16)
    assert given.n_full_first == 2 and given.recorded_options()["full_first"] == 2


def test_eager_promotion_applies_to_the_bracket_that_starts_lowest():
    hyperband = AsyncHyperband(searcher(), 1, 27, eta=3, seed=0, eager_promotion=True)
    assert [rung.eager for rung in hyperband.brackets[-1].rungs] == [True] * 4
    assert not any(rung.eager for bracket in hyperband.brackets[:-1] for rung in bracket.rungs)
    # Its first trial climbs at once; a first trial of bracket 2 (starts at 3) waits.
    started: dict[int, Job] = {}
    while len({hyperband.bracket_of(t) for t in started}) < 4:
        job = hyperband.next_job()
        started[job.trial_id] = job
    low = next(j for t, j in started.items() if hyperband.bracket_of(t) == 3)
    mid = next(j for t, j in started.items() if hyperband.bracket_of(t) == 2)
    hyperband.on_result(mid, 1.0)
    hyperband.on_result(low, 1.0)
    promoted = hyperband.next_job(allow_new_trials=False)
    assert (promoted.trial_id, promoted.resource_to) == (low.trial_id, 3)
    assert hyperband.next_job(allow_new_trials=False) is None
