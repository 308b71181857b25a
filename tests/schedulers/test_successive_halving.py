"""Synchronous successive halving: the ladder, round sizes, promotions, barriers, endings.

The helpers :func:`drive` and :func:`check_log` replay a scheduler against a value function
with parallel workers and check the rules every synchronous bracket scheduler obeys; the
Hyperband tests reuse them.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from hypothesis import given
from hypothesis import strategies as st

import rung
from rung.errors import ConfigError, StoreError
from rung.schedulers.successive_halving import BracketPlan, BracketScheduler, SuccessiveHalving
from rung.schedulers.sync_bracket import SyncBracket
from rung.searchers.random import RandomSearcher
from rung.space import Space
from rung.types import Decision, Job

NAN = float("nan")


def searcher(seed: int = 0) -> RandomSearcher:
    return RandomSearcher({"x": rung.uniform(0, 1)}, seed=seed)


def make_sh(
    min_resource=5, max_resource=20, eta=2, n_configs=None, max_brackets=None
) -> SuccessiveHalving:
    return SuccessiveHalving(
        searcher(),
        min_resource,
        max_resource,
        eta=eta,
        n_configs=n_configs,
        max_brackets=max_brackets,
    )


def by_trial(values: dict[int, float], default: float = 0.5) -> Callable[[Job], float]:
    """A value function that depends on the trial only (so its rank holds at every rung)."""
    return lambda job: values.get(job.trial_id, default)


@dataclass
class Log:
    """What a drive did, in time order.

    Events are ("job", bracket, job, allowed, older_waiting) and ("result", job, value,
    decision); ``older_waiting`` says, for each bracket started before ``bracket`` and still
    running, whether it was waiting at a barrier when the job was handed out.
    """

    events: list[tuple] = field(default_factory=list)

    @property
    def jobs(self) -> list[Job]:
        return [e[2] for e in self.events if e[0] == "job"]

    @property
    def results(self) -> list[tuple[Job, float, Decision]]:
        return [e[1:] for e in self.events if e[0] == "result"]


def drive(
    scheduler: BracketScheduler,
    value: Callable[[Job], float],
    *,
    workers: int = 1,
    trial_budget: int | None = None,
    pick: Callable[[int], int] = lambda n: 0,
    max_events: int = 20_000,
) -> Log:
    """Runs ``scheduler`` until it is exhausted (None with nothing running).

    Up to ``workers`` jobs run at once; ``pick(n)`` chooses which of the ``n`` running jobs
    reports next; after ``trial_budget`` trials, ``allow_new_trials`` is False.
    """
    log = Log()
    running: list[Job] = []
    while len(log.events) < max_events:
        while len(running) < workers:
            allowed = trial_budget is None or scheduler.n_trials < trial_budget
            job = scheduler.next_job(allowed)
            if job is None:
                break
            brackets = scheduler.running_brackets
            (bracket,) = [b for b in brackets if b.is_running(job)]
            older = brackets[: brackets.index(bracket)]
            log.events.append(("job", bracket, job, allowed, [waiting(b) for b in older]))
            running.append(job)
        if not running:
            return log
        job = running.pop(pick(len(running)) % len(running))
        v = value(job)
        log.events.append(("result", job, v, scheduler.on_result(job, v)))
    raise AssertionError(f"the schedule did not end within {max_events} events")


def waiting(bracket: SyncBracket) -> bool:
    """True when ``bracket`` can hand out nothing now: it waits for its running jobs."""
    bottom_full = bracket.step > 0 or bracket._n_started >= bracket._capacity
    return bottom_full and not bracket._queue and bracket.n_running > 0


def expected_top(results: list[tuple[int, float]], eta: float, cut: bool = False) -> list[int]:
    """The best floor(n / eta) finite trials (at least one in a ``cut`` bracket, whose
    bottom rung closed early), ties by completion order, best first."""
    order = sorted(
        range(len(results)),
        key=lambda i: (
            not math.isfinite(results[i][1]),
            results[i][1] if math.isfinite(results[i][1]) else 0.0,
            i,
        ),
    )
    n_kept = math.floor(len(results) / eta)
    keep = order[: max(n_kept, 1) if cut and results else n_kept]
    return [results[i][0] for i in keep if math.isfinite(results[i][1])]


def check_log(scheduler: BracketScheduler, log: Log) -> list[tuple[BracketPlan, list[list[Job]]]]:
    """Checks the rules of synchronous brackets; returns each bracket's plan and steps."""
    max_r = scheduler.max_resource
    running: dict[int, Job] = {}
    owner: dict[int, object] = {}  # trial id -> its bracket
    last: dict[int, tuple[Job, Decision]] = {}
    brackets: dict[int, tuple[object, list[list[Job]]]] = {}  # in start order
    values: dict[tuple[int, int], float] = {}
    done: list[Job] = []  # completion order
    n_new = 0
    for event in log.events:
        if event[0] == "job":
            _, bracket, job, allowed, older_waiting = event
            assert job.trial_id not in running, f"trial {job.trial_id} got two jobs at once"
            assert job.resource_to in scheduler.levels
            if job.is_new_trial:
                assert allowed and job.trial_id == n_new
                n_new += 1
                assert job.resource_to == bracket.plan.resources[0]
                owner[job.trial_id] = bracket
            else:
                assert owner[job.trial_id] is bracket, "a trial changed brackets"
                previous, decision = last[job.trial_id]
                assert decision is Decision.PAUSE, f"trial {job.trial_id} resumed after {decision}"
                assert job.resource_from == previous.resource_to
                resources = bracket.plan.resources
                assert job.resource_to == resources[resources.index(job.resource_from) + 1]
            # barrier: the bracket's running jobs all belong to one step
            for tid, other in running.items():
                if owner[tid] is bracket:
                    assert other.resource_to == job.resource_to, "a barrier was crossed"
            # older brackets go first: a job of a newer one only while they all wait
            assert all(older_waiting), "a newer bracket went before an older one"
            if id(bracket) not in brackets:
                if scheduler.max_brackets is not None:
                    assert len(older_waiting) < scheduler.max_brackets
                brackets[id(bracket)] = (bracket, [])
            steps = brackets[id(bracket)][1]
            if not steps or steps[-1][-1].resource_to != job.resource_to:
                steps.append([])
            steps[-1].append(job)
            running[job.trial_id] = job
        else:
            _, job, value, decision = event
            assert running.pop(job.trial_id) == job
            last[job.trial_id] = (job, decision)
            values[job.trial_id, job.resource_to] = value
            done.append(job)
            if job.resource_to == max_r:
                assert decision is Decision.COMPLETE
            else:
                assert decision in (Decision.PAUSE, Decision.STOP)
                if not math.isfinite(value):
                    assert decision is Decision.STOP
    assert not running
    seen = [(j.trial_id, j.resource_to) for j in log.jobs]
    assert len(seen) == len(set(seen)), "a trial was promoted twice"
    rank = {(j.trial_id, j.resource_to): i for i, j in enumerate(done)}
    plans = []
    for i, (bracket, steps) in enumerate(brackets.values()):
        plan = bracket.plan
        if i < len(brackets) - 1:
            assert len(steps[0]) == plan.n_configs, "only the last bracket may shrink"
        assert 1 <= len(steps[0]) <= plan.n_configs
        cut = len(steps[0]) < plan.n_configs
        for k, step in enumerate(steps):
            assert step[0].resource_to == plan.resources[k]
            ordered = sorted(step, key=lambda j: rank[j.trial_id, j.resource_to])
            results = [(j.trial_id, values[j.trial_id, j.resource_to]) for j in ordered]
            top = expected_top(results, scheduler.eta, cut)
            if k + 1 < len(steps):
                assert [j.trial_id for j in steps[k + 1]] == top, "not the best were promoted"
            elif k + 1 < len(plan.resources):
                assert top == [], "the bracket ended though trials could go on"
        plans.append((plan, steps))
    return plans


def test_ladder_and_default_round_size() -> None:
    sh = make_sh()
    assert sh.levels == [5, 10, 20]
    assert sh.n_configs == 4
    assert sh.plan == BracketPlan(4, (5, 10, 20), (4, 2, 1))
    sh = make_sh(1, 81, eta=3)
    assert (sh.levels, sh.n_configs, sh.plan.configs_per_step) == (
        [1, 3, 9, 27, 81],
        81,
        (81, 27, 9, 3, 1),
    )


def test_non_power_ladder() -> None:
    sh = make_sh(1, 10, eta=3)
    assert sh.levels == [1, 3, 9, 10]
    assert sh.plan.configs_per_step == (27, 9, 3, 1)
    log = drive(sh, by_trial({}), trial_budget=27)
    assert [j.resource_to for j in log.jobs] == [1] * 27 + [3] * 9 + [9] * 3 + [10]


def test_one_round_step_by_step() -> None:
    sh = make_sh(max_brackets=1)
    values = {0: 3.0, 1: 1.0, 2: 4.0, 3: 2.0}
    jobs = [sh.next_job() for _ in range(4)]
    assert [(j.trial_id, j.resource_from, j.resource_to) for j in jobs] == [
        (i, 0, 5) for i in range(4)
    ]
    assert sh.next_job() is None  # barrier: the rung waits for its four results
    decisions = [sh.on_result(j, values[j.trial_id]) for j in jobs]
    # trial 2 is third-best while only floor(4/2) = 2 go on; trial 3 completes the rung.
    assert decisions == [Decision.PAUSE, Decision.PAUSE, Decision.STOP, Decision.PAUSE]
    promoted = [sh.next_job(), sh.next_job()]
    assert promoted == [Job.resume(jobs[1], 10), Job.resume(jobs[3], 10)]
    assert sh.next_job() is None
    assert sh.on_result(promoted[1], 0.5) is Decision.PAUSE
    assert sh.on_result(promoted[0], 0.7) is Decision.STOP  # completes the rung, not the best
    final = sh.next_job()
    assert final == Job.resume(promoted[1], 20)
    assert sh.next_job() is None
    assert sh.on_result(final, 0.1) is Decision.COMPLETE
    nxt = sh.next_job()  # a new round follows
    assert (nxt.trial_id, nxt.resource_from, nxt.resource_to) == (4, 0, 5)


def test_promotes_exactly_the_best_floor_n_over_eta() -> None:
    values = {i: v for i, v in enumerate([0.9, 0.2, 0.5, 0.1, 0.8, 0.3, 0.7])}
    sh = make_sh(n_configs=7)
    log = drive(sh, by_trial(values), trial_budget=7)
    steps = check_log(sh, log)[0][1]
    assert [[j.trial_id for j in s] for s in steps] == [list(range(7)), [3, 1, 5], [3]]


def test_ties_go_to_the_earlier_result() -> None:
    sh = make_sh(n_configs=4)
    log = drive(sh, by_trial({}, default=1.0), trial_budget=4, workers=4, pick=lambda n: n - 1)
    # results arrive 3, 2, 1, 0: the first two to report win the tie.
    assert [j.trial_id for j in log.jobs if j.resource_to == 10] == [3, 2]
    check_log(sh, log)


def test_nan_is_never_promoted() -> None:
    values = {0: NAN, 1: 0.5, 2: NAN, 3: math.inf, 4: NAN, 5: NAN, 6: 0.1, 7: NAN}
    sh = make_sh(n_configs=8)
    log = drive(sh, by_trial(values), trial_budget=8)
    assert [j.trial_id for j in log.jobs if j.resource_to == 10] == [6, 1]  # 2 finite of 4 slots
    assert [(j.trial_id, d) for j, v, d in log.results if not math.isfinite(v)] == [
        (t, Decision.STOP) for t in (0, 2, 3, 4, 5, 7)
    ]
    check_log(sh, log)


def test_all_nan_round_ends_and_the_next_starts() -> None:
    sh = make_sh()
    log = drive(sh, by_trial({}, default=NAN), trial_budget=8)
    assert [(j.trial_id, j.resource_to) for j in log.jobs] == [(i, 5) for i in range(8)]
    assert len(check_log(sh, log)) == 2


def test_barrier_with_parallel_workers() -> None:
    sh = make_sh(n_configs=6, max_brackets=1)  # 6 -> 3 -> 1
    jobs = [sh.next_job() for _ in range(6)]
    assert all(j is not None and j.resource_to == 5 for j in jobs)
    assert sh.next_job() is None and sh.next_job() is None
    for j in jobs[:-1]:
        sh.on_result(j, j.trial_id)
        assert sh.next_job() is None  # one job of the rung still runs
    sh.on_result(jobs[-1], 10.0)
    second = [sh.next_job() for _ in range(3)]
    assert [j.trial_id for j in second] == [0, 1, 2]
    assert sh.next_job() is None
    sh.on_result(second[2], 0.0)
    sh.on_result(second[0], 1.0)
    assert sh.next_job() is None
    sh.on_result(second[1], 2.0)
    assert sh.next_job() == Job.resume(second[2], 20)


def test_idle_workers_start_the_next_round_at_a_barrier() -> None:
    sh = make_sh(n_configs=4)  # 4 -> 2 -> 1
    first = [sh.next_job() for _ in range(4)]
    for j in first[:3]:
        sh.on_result(j, j.trial_id)
    # The first round waits for trial 3; a free worker starts the second round.
    job = sh.next_job()
    assert (job.trial_id, job.resource_to) == (4, 5) and len(sh.running_brackets) == 2
    assert sh.running_brackets[0].plan == sh.running_brackets[1].plan == sh.plan
    # When trial 3 reports, the first round's promotions go before the second's trials.
    sh.on_result(first[3], 3.0)
    assert [sh.next_job(), sh.next_job()] == [Job.resume(first[0], 10), Job.resume(first[1], 10)]
    job = sh.next_job()
    assert (job.trial_id, job.resource_to) == (5, 5)


def test_max_brackets_caps_the_rounds_running_at_once() -> None:
    sh = make_sh(n_configs=2, max_brackets=2)  # 2 -> 1 -> 0: rounds end at 10
    jobs = [sh.next_job() for _ in range(4)]  # two rounds of two
    assert [j.trial_id for j in jobs] == [0, 1, 2, 3] and len(sh.running_brackets) == 2
    assert sh.next_job() is None  # both wait at their barriers, and no third may start
    sh.on_result(jobs[0], 1.0)
    sh.on_result(jobs[1], 0.0)
    assert sh.next_job() == Job.resume(jobs[1], 10)
    assert sh.next_job() is None


@pytest.mark.parametrize("max_brackets", [None, 1, 3])
@pytest.mark.parametrize("workers", [1, 4, 16])
def test_rounds_decide_as_they_would_alone(max_brackets, workers) -> None:
    values = by_trial({i: (i * 37) % 101 / 100 for i in range(400)})
    sh = make_sh(1, 27, eta=3, max_brackets=max_brackets)
    log = drive(sh, values, workers=workers, trial_budget=27 * 4)
    plans = check_log(sh, log)
    assert [[len(s) for s in steps] for _, steps in plans] == [[27, 9, 3, 1]] * 4
    most_at_once = 1 + max(len(event[4]) for event in log.events if event[0] == "job")
    if workers == 1 or max_brackets == 1:
        assert most_at_once == 1
    else:
        assert 1 < most_at_once <= (max_brackets or 4)


def test_one_worker_runs_the_rounds_one_after_another() -> None:
    def jobs(max_brackets):
        sh = make_sh(1, 9, eta=3, max_brackets=max_brackets)
        return drive(sh, by_trial({i: i % 7 for i in range(99)}), trial_budget=30).jobs

    assert jobs(None) == jobs(1)


def test_no_new_trials_shrinks_the_round_and_ends() -> None:
    sh = make_sh(n_configs=8)
    jobs = [sh.next_job() for _ in range(3)]
    assert sh.next_job(allow_new_trials=False) is None  # its three jobs still run
    # The rung closed at 3 trials: floor(3/2) = 1 goes on, decided by the last result.
    decisions = [sh.on_result(j, v) for j, v in zip(jobs, [0.3, 0.1, 0.2], strict=True)]
    assert decisions == [Decision.PAUSE, Decision.PAUSE, Decision.STOP]
    promoted = sh.next_job(allow_new_trials=False)
    assert promoted == Job.resume(jobs[1], 10)
    assert sh.next_job(allow_new_trials=False) is None
    # floor(1/2) = 0, but a cut round keeps one trial per step: it goes on to the top.
    assert sh.on_result(promoted, 0.1) is Decision.PAUSE
    top = sh.next_job(allow_new_trials=False)
    assert top == Job.resume(promoted, 20)
    assert sh.on_result(top, 0.05) is Decision.COMPLETE
    assert sh.next_job(allow_new_trials=False) is None
    assert sh.n_trials == 3


def test_a_trial_budget_smaller_than_the_round_still_trains_one_fully() -> None:
    # 5 trials of a round planned for 9 (eta 3): floor(5/3) = 1 at 3, floor(1/3) = 0 at 9;
    # the cut round keeps one, so the run has a configuration at the full resource.
    result = rung.tune(
        lambda config, trial: [
            trial.report(epoch, (config["x"] - 0.3) ** 2 + 1 / epoch)
            for epoch in range(trial.resource_from + 1, trial.resource_to + 1)
        ],
        {"x": rung.uniform(0, 1)},
        searcher="random", scheduler="sh", min_resource=1, max_resource=9, eta=3,
        max_trials=5, seed=0,
    )  # fmt: skip
    assert math.isfinite(result.best_value)
    assert [t.resource for t in result.trials].count(9) == 1


def test_no_new_trials_after_the_results_closes_the_rung_then() -> None:
    sh = make_sh(n_configs=8)
    jobs = [sh.next_job() for _ in range(3)]
    # With room for 8, floor(8/2) = 4 may go on: none of the three is ruled out yet.
    decisions = [sh.on_result(j, v) for j, v in zip(jobs, [0.3, 0.1, 0.2], strict=True)]
    assert decisions == [Decision.PAUSE] * 3
    assert sh.next_job(allow_new_trials=False) == Job.resume(jobs[1], 10)
    assert sh.next_job(allow_new_trials=False) is None


def test_no_new_trials_before_any_trial_ends_at_once() -> None:
    sh = make_sh()
    assert sh.next_job(allow_new_trials=False) is None
    assert sh.n_trials == 0


def test_trial_budget_mid_round_with_workers() -> None:
    sh = make_sh(n_configs=16)
    log = drive(sh, by_trial({i: (i * 7) % 11 for i in range(100)}), trial_budget=21, workers=3)
    plans = check_log(sh, log)
    assert [len(steps[0]) for _, steps in plans] == [16, 5]
    assert [len(s) for s in plans[1][1]] == [5, 2, 1]


def test_space_exhaustion_ends_cleanly() -> None:
    space = {"c": rung.choice([1, 2, 3, 4, 5])}
    sh = SuccessiveHalving(RandomSearcher(space, seed=1), 1, 4, eta=2)
    log = drive(sh, by_trial({}), workers=2)
    assert sh.space_exhausted and sh.n_trials == 5
    plans = check_log(sh, log)
    # the last round, cut to the one configuration left, still trains it fully
    assert [[len(s) for s in steps] for _, steps in plans] == [[4, 2, 1], [1, 1, 1]]
    assert sh.next_job() is None


def _declared(sh: SuccessiveHalving, job: Job, config: dict) -> Job:
    """What the run does when a define-by-run job ran ``job`` as ``config``, declaring 'k'."""
    sh.searcher.extend_space({"k": rung.randint(1, 4)})
    sh.searcher.used(job.config, config)
    sh.configs[job.trial_id] = config
    return Job(job.trial_id, config, job.resource_from, job.resource_to)


def test_a_define_by_run_bottom_rung_waits_for_parameters_running_jobs_may_declare() -> None:
    space = Space({"kind": rung.choice(["a", "b"])}, dynamic=True)
    sh = SuccessiveHalving(RandomSearcher(space, seed=0), 1, 4, eta=2)  # rounds of 4
    a, b = sorted([sh.next_job(), sh.next_job()], key=lambda job: job.config["kind"])
    assert sh.next_job() is None and sh.space_exhausted  # for now: both jobs still run
    assert sh.on_result(b, 0.5) is Decision.PAUSE
    assert sh.next_job() is None  # "a" still runs
    assert sh.on_result(_declared(sh, a, {"kind": "a", "k": 2}), 2.0) is Decision.PAUSE
    more = [sh.next_job(), sh.next_job()]  # the "a"s with the other two k's
    assert sorted(job.config["k"] for job in more) == [1, 3]
    assert sh.next_job() is None
    for job in more:
        sh.on_result(job, job.config["k"])
    # Nothing runs that could grow the space: the rung closes at its four trials.
    promoted = [sh.next_job(), sh.next_job()]
    k1 = next(job for job in more if job.config["k"] == 1)
    assert {job.trial_id for job in promoted} == {b.trial_id, k1.trial_id}
    assert all(job.resource_to == 2 for job in promoted)
    assert len(sh.running_brackets[0].rungs[0].values) == 4


def test_rejects_unknown_and_repeated_jobs() -> None:
    sh = make_sh()
    job = sh.next_job()
    with pytest.raises(ValueError, match="did not create trial 7"):
        sh.on_result(Job.start(7, {"x": 0.1}, 5), 0.0)
    with pytest.raises(ValueError, match="no running job"):
        sh.on_result(Job(job.trial_id, job.config, 0, 10), 0.0)
    sh.on_result(job, 0.0)
    with pytest.raises(ValueError, match="no running job"):
        sh.on_result(job, 0.0)


def test_observes_every_result() -> None:
    sh = make_sh()
    log = drive(sh, by_trial({0: NAN}), trial_budget=4)
    observed = [(o.resource, repr(o.value)) for o in sh.searcher.observations]
    assert observed == [(j.resource_to, repr(v)) for j, v, _ in log.results]
    assert observed[0] == (5, "nan")


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        (
            {"eta": 1},
            ConfigError,
            "'eta' parameter of SuccessiveHalving must be a finite number >= 2; got 1",
        ),
        (
            {"max_brackets": 0},
            ConfigError,
            "'max_brackets' parameter of SuccessiveHalving must be an int >= 1 or None; got 0",
        ),
        (
            {"max_brackets": 2.0},
            TypeError,
            "'max_brackets' parameter of SuccessiveHalving must be an int >= 1 or None; got 2.0",
        ),
        ({"min_resource": 30}, ConfigError, "'max_resource' parameter of SuccessiveHalving"),
        ({"min_resource": 0}, ConfigError, "'min_resource' parameter of SuccessiveHalving"),
        ({"max_resource": 20.0}, TypeError, "'max_resource' parameter"),
        (
            {"n_configs": 0},
            ConfigError,
            "'n_configs' parameter of SuccessiveHalving must be an int >= 1 or None; got 0",
        ),
        (
            {"n_configs": 2.5},
            TypeError,
            "'n_configs' parameter of SuccessiveHalving must be an int",
        ),
        ({"n_configs": True}, TypeError, "'n_configs'"),
    ],
)
def test_argument_validation(kwargs, error, message) -> None:
    args = {"min_resource": 5, "max_resource": 20, **kwargs}
    with pytest.raises(error, match=message):
        SuccessiveHalving(searcher(), **args)


def test_searcher_must_be_a_searcher() -> None:
    with pytest.raises(TypeError, match="'searcher' parameter of SuccessiveHalving"):
        SuccessiveHalving(object(), 1, 8)  # type: ignore[arg-type]


values_stream = st.lists(
    st.one_of(st.floats(0, 1), st.sampled_from([0.5, NAN, math.inf])), min_size=1, max_size=40
)


@given(
    eta=st.one_of(st.sampled_from([2, 3, 4]), st.floats(2, 4)),
    min_resource=st.integers(1, 4),
    ratio=st.integers(1, 40),
    n_configs=st.one_of(st.none(), st.integers(1, 20)),
    workers=st.integers(1, 6),
    budget=st.integers(1, 50),
    values=values_stream,
    picks=st.lists(st.integers(0, 5), min_size=1, max_size=10),
    max_brackets=st.one_of(st.none(), st.integers(1, 3)),
)
def test_property_synchronous_rules(
    eta, min_resource, ratio, n_configs, workers, budget, values, picks, max_brackets
) -> None:
    sh = SuccessiveHalving(
        searcher(),
        min_resource,
        min_resource * ratio,
        eta=eta,
        n_configs=n_configs,
        max_brackets=max_brackets,
    )
    stream = iter(values * 1000)
    pick_stream = iter(picks * 10_000)
    log = drive(
        sh,
        lambda job: next(stream),
        workers=workers,
        trial_budget=budget,
        pick=lambda n: next(pick_stream),
    )
    plans = check_log(sh, log)
    assert sh.n_trials == budget == sum(len(steps[0]) for _, steps in plans)
    assert all(plan == sh.plan for plan, _ in plans)
    assert sh.next_job(allow_new_trials=False) is None


@pytest.mark.parametrize(("max_resource", "eta"), [(7, 2.5), (20, 2.5), (30, 3.5), (10, 3)])
def test_the_default_round_reaches_the_top_whatever_the_eta(max_resource, eta) -> None:
    """round(2.5**3) = 16 trials on 1, 2, 6, 7 floored to 6, 2, 0: every round ended at 6."""
    sh = SuccessiveHalving(searcher(), 1, max_resource, eta=eta)
    assert sh.plan.resources == tuple(sh.levels) and sh.plan.configs_per_step[-1] >= 1
    log = drive(sh, lambda job: job.trial_id / 100, trial_budget=sh.n_configs)
    assert any(job.resource_to == max_resource for job in log.jobs)


def _bowl(config: dict) -> float:
    return (config["x"] - 0.3) ** 2 + 1 / config["epochs"]


def test_a_run_recorded_with_the_former_default_round_resumes_as_made(tmp_path) -> None:
    """Before the default round was raised for a non-integer eta, eta 2.5 on 1..7 ran
    rounds of round(2.5**3) = 16 trials, and the record says so: resumed with the
    default (n_configs=None), the run was refused as recorded with other settings."""
    former = SuccessiveHalving(searcher(), 1, 7, eta=2.5, n_configs=16)
    assert former.recorded_options() == {"n_configs": 16}  # what such a record holds
    rung.Tuner(_bowl, former, directory=tmp_path).run(max_trials=10)
    sh = SuccessiveHalving(searcher(), 1, 7, eta=2.5)
    assert sh.n_configs == 20  # a new run's default
    resumed = rung.Tuner(_bowl, sh, directory=tmp_path).resume(max_trials=20)
    assert sh.plan.n_configs == 16 and resumed.n_trials == 20
    given_size = SuccessiveHalving(searcher(), 1, 7, eta=2.5, n_configs=20)
    with pytest.raises(StoreError, match="n_configs"):  # a size given is never overridden
        rung.Tuner(_bowl, given_size, directory=tmp_path).resume(max_trials=20)
