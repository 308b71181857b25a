"""The contract every scheduler honours, run against each implementation.

A simulated pool of workers runs the scheduler's jobs and completes them in random order;
the checks below hold for every scheduler whatever its algorithm.
"""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import rung
from rung.objectives import Score
from rung.schedulers.asha import ASHA
from rung.schedulers.async_hyperband import AsyncHyperband
from rung.schedulers.fifo import FIFO
from rung.schedulers.hyperband import Hyperband
from rung.schedulers.successive_halving import SuccessiveHalving
from rung.types import Decision, Job

SPACE = {"x": rung.uniform(0, 1), "y": rung.uniform(0, 1)}
SMALL_SPACE = {"k": rung.choice([1, 2, 3, 4, 5])}

FACTORIES = {
    "fifo": lambda s, seed: FIFO(s, max_resource=9),
    "sh": lambda s, seed: SuccessiveHalving(s, 1, 9, eta=3),
    "sh-eta2": lambda s, seed: SuccessiveHalving(s, 2, 16, eta=2),
    "hyperband": lambda s, seed: Hyperband(s, 1, 9, eta=3),
    "asha": lambda s, seed: ASHA(s, 1, 9, eta=3),
    "asha-stopping": lambda s, seed: ASHA(s, 1, 10, eta=2, variant="stopping"),
    "async_hyperband": lambda s, seed: AsyncHyperband(s, 1, 9, eta=3, seed=seed),
    "asha-eager": lambda s, seed: ASHA(s, 1, 9, eta=3, eager_promotion=True),
    "async_hyperband-eager": lambda s, seed: AsyncHyperband(
        s, 1, 9, eta=3, seed=seed, eager_promotion=True
    ),
    "async_hyperband-adaptive": lambda s, seed: AsyncHyperband(
        s, 1, 9, eta=3, seed=seed, eager_promotion=True, adaptive=True
    ),
}


def value_of(config, resource, nan_rate, rng):
    if rng.random() < nan_rate:
        return math.nan
    base = sum(v for v in config.values() if isinstance(v, (int, float)))
    return base + 1.0 / resource


def score_of(config, resource, nan_rate, rng):
    """Two objectives and a constraint (infeasible about a third of the time)."""
    value = value_of(config, resource, nan_rate, rng)
    if math.isnan(value):
        return Score.failed(2, 1)
    return Score((value, 2.0 - value + 0.5 / resource), (rng.random() - 0.7,))


def simulate(
    name,
    seed=0,
    workers=1,
    n_trials=20,
    nan_rate=0.1,
    space=SPACE,
    max_steps=5000,
    model=False,
    scored=False,
):
    """Runs the scheduler under a trial budget until it ends, checking invariants.

    ``model``: the multi-fidelity GP searcher instead of random search. ``scored``: the
    results are Scores (several objectives and a constraint).
    """
    rng = np.random.default_rng(seed)
    if model:
        from rung.searchers.multi_fidelity import MultiFidelityGPSearcher

        searcher = MultiFidelityGPSearcher(space, seed=seed, n_init=3)
    else:
        searcher = rung.RandomSearcher(space, seed=seed)
    scheduler = FACTORIES[name](searcher, seed)
    if scored:
        scheduler.use_scores()
    levels = scheduler.levels
    top = levels[-1]
    reached: dict[int, int] = {}  # trial -> resource reached
    finished: set[int] = set()  # trials that may get no more jobs
    running: list[Job] = []
    log: list[tuple[int, int, int, Decision]] = []
    n_results = 0
    for _ in range(max_steps):
        while len(running) < workers:
            job = scheduler.next_job(allow_new_trials=scheduler.n_trials < n_trials)
            if job is None:
                break
            # Contract: jobs are well formed and continue their trial where it stopped.
            assert job.resource_to in levels
            assert job.resource_to <= top
            assert job.trial_id not in finished, f"{name}: job for a finished trial {job}"
            assert all(r.trial_id != job.trial_id for r in running), f"{name}: trial runs twice"
            assert job.resource_from == reached.get(job.trial_id, 0)
            assert job.config == scheduler.configs[job.trial_id]
            running.append(job)
        if not running:
            break
        job = running.pop(int(rng.integers(len(running))))
        value = (score_of if scored else value_of)(job.config, job.resource_to, nan_rate, rng)
        decision = scheduler.on_result(job, value, seconds=float(job.resource_to))
        n_results += 1
        assert isinstance(decision, Decision)
        reached[job.trial_id] = job.resource_to
        if job.resource_to == top:
            assert decision is Decision.COMPLETE
        else:
            assert decision is not Decision.COMPLETE
        failed = not value.finite if scored else math.isnan(value)
        if decision in (Decision.STOP, Decision.COMPLETE) or failed:
            finished.add(job.trial_id)
        log.append((job.trial_id, job.resource_from, job.resource_to, decision))
    else:
        pytest.fail(f"{name}: schedule did not end within {max_steps} steps")
    assert scheduler.n_trials <= n_trials
    assert len(scheduler.searcher.observations) == n_results
    return log


@pytest.mark.parametrize("name", FACTORIES)
@pytest.mark.parametrize("workers", [1, 4])
def test_schedule_obeys_the_contract_and_ends_after_the_trial_budget(name, workers):
    log = simulate(name, seed=0, workers=workers)
    assert log, "no job ran"


@pytest.mark.parametrize("name", FACTORIES)
def test_the_model_based_searcher_keeps_the_contract_in_every_scheduler(name):
    log = simulate(name, seed=3, workers=3, n_trials=15, model=True)
    assert len({tid for tid, *_ in log}) == 15
    assert simulate(name, seed=3, workers=3, n_trials=15, model=True) == log


@pytest.mark.parametrize("name", FACTORIES)
@pytest.mark.parametrize("workers", [1, 4])
def test_schedule_of_scores_obeys_the_contract(name, workers):
    log = simulate(name, seed=3, workers=workers, n_trials=30, scored=True)
    assert log, "no job ran"
    if name != "fifo":
        assert any(start > 0 for _, start, _, _ in log), "nothing was promoted"


@pytest.mark.parametrize("name", FACTORIES)
def test_all_failed_scores_never_promote(name):
    log = simulate(name, seed=0, workers=2, n_trials=15, nan_rate=1.0, scored=True)
    assert all(start == 0 for _, start, _, _ in log)


@pytest.mark.parametrize("name", FACTORIES)
def test_a_scheduler_refuses_the_other_kind_of_value(name):
    scheduler = FACTORIES[name](rung.RandomSearcher(SPACE, seed=0), 0)
    job = scheduler.next_job()
    with pytest.raises(TypeError, match="use_scores"):
        scheduler.on_result(job, Score((1.0, 2.0)))
    scored = FACTORIES[name](rung.RandomSearcher(SPACE, seed=0), 0)
    scored.use_scores()
    with pytest.raises(TypeError, match="ranks Scores"):
        scored.on_result(scored.next_job(), 1.0)
    with pytest.raises(rung.ConfigError, match="before the first trial"):
        scored.use_scores()


@pytest.mark.parametrize("name", FACTORIES)
def test_no_trial_is_promoted_twice_from_a_rung(name):
    log = simulate(name, seed=1, workers=3, n_trials=40)
    starts = [(tid, start) for tid, start, _, _ in log]
    assert len(starts) == len(set(starts))


@pytest.mark.parametrize("name", FACTORIES)
def test_same_seed_same_schedule(name):
    assert simulate(name, seed=5, workers=3) == simulate(name, seed=5, workers=3)


@pytest.mark.parametrize("name", [n for n in FACTORIES if n != "fifo"])
def test_multi_fidelity_schedulers_reach_the_top_with_good_configs(name):
    log = simulate(name, seed=2, workers=2, n_trials=60, nan_rate=0.0)
    assert any(end == 9 or end == 16 or end == 10 for _, _, end, _ in log)


@pytest.mark.parametrize("name", FACTORIES)
def test_an_exhausted_space_ends_the_schedule_cleanly(name):
    log = simulate(name, seed=0, workers=2, n_trials=100, space=SMALL_SPACE)
    assert len({tid for tid, *_ in log}) == 5


@pytest.mark.parametrize("name", FACTORIES)
def test_all_failures_never_promote(name):
    log = simulate(name, seed=0, workers=2, n_trials=15, nan_rate=1.0)
    assert all(start == 0 for _, start, _, _ in log)


@pytest.mark.parametrize("name", FACTORIES)
def test_results_for_unknown_trials_are_refused(name):
    scheduler = FACTORIES[name](rung.RandomSearcher(SPACE, seed=0), 0)
    with pytest.raises(ValueError, match="trial 99"):
        scheduler.on_result(Job(99, {"x": 0.1, "y": 0.2}, 0, scheduler.levels[0]), 1.0)


@settings(max_examples=25)
@given(
    name=st.sampled_from(sorted(FACTORIES)),
    seed=st.integers(0, 10_000),
    workers=st.integers(1, 6),
    nan_rate=st.sampled_from([0.0, 0.2]),
    scored=st.booleans(),
)
def test_contract_holds_for_random_streams(name, seed, workers, nan_rate, scored):
    simulate(name, seed=seed, workers=workers, n_trials=25, nan_rate=nan_rate, scored=scored)
