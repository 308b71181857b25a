"""The contract every executor keeps: the same suite runs each of them.

The objectives are module-level functions so that worker processes can import them.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest

import rung
from rung.executors import Executor, InlineExecutor, Outcome
from rung.executors.processes import ProcessExecutor
from rung.types import JobStatus
from tests.executors.jobs import run_all, task


def behave(config: dict[str, Any], trial: Any = None) -> float | None:
    """One objective for every case, chosen by ``config["case"]``."""
    case = config["case"]
    if case == "square":
        return (config["x"] - 2.0) ** 2
    if case == "sleep":
        time.sleep(config["seconds"])
        return config["seconds"]
    if case == "fail":
        raise ValueError(f"bad x {config['x']}")
    if case == "count":  # iterative: counts epochs, resuming from the checkpoint
        state = trial.checkpoint or {"epochs": 0, "history": []}
        for epoch in range(trial.resource_from + 1, trial.resource_to + 1):
            state = {"epochs": state["epochs"] + 1, "history": [*state["history"], epoch]}
            trial.report(epoch, float(state["epochs"]), checkpoint=state)
            time.sleep(config.get("seconds", 0.0))
        return None
    raise AssertionError(case)


def make_inline() -> Executor:
    return InlineExecutor()


def make_processes() -> Executor:
    return ProcessExecutor(workers=2, threads_per_worker=1)


def make_dask() -> Executor:
    pytest.importorskip("distributed")
    from rung.executors.dask import DaskExecutor

    return DaskExecutor(workers=2)


FACTORIES: dict[str, Callable[[], Executor]] = {
    "inline": make_inline,
    "processes": make_processes,
    "dask": make_dask,
}


class Relay:
    """The report listener every executor is started with; a test says who hears it."""

    def __init__(self) -> None:
        self.target: Callable[[Any, Any], None] | None = None  # hears (job, report)

    def __call__(self, job: Any, report: Any, checkpoint: Any) -> None:
        if self.target is not None:
            self.target(job, report)


RELAY = Relay()


@pytest.fixture(scope="module", params=sorted(FACTORIES))
def executor(request: pytest.FixtureRequest) -> Iterator[Executor]:
    executor = FACTORIES[request.param]()
    origin = time.perf_counter()
    executor.start(behave, lambda: time.perf_counter() - origin, reports=RELAY)
    yield executor
    executor.close()


def test_runs_a_function_of_the_config(executor: Executor) -> None:
    (outcome,) = run_all(executor, [task(0, {"case": "square", "x": 5.0})])
    assert outcome.status is JobStatus.COMPLETED
    assert outcome.value == 9.0
    assert outcome.resource == 1
    assert 0 <= outcome.worker < executor.workers
    assert 0 <= outcome.start <= outcome.end


def test_every_task_comes_back_exactly_once(executor: Executor) -> None:
    tasks = [task(i, {"case": "square", "x": float(i)}) for i in range(7)]
    outcomes = run_all(executor, tasks)
    assert sorted(o.job.trial_id for o in outcomes) == list(range(7))
    assert all(o.value == (o.job.trial_id - 2.0) ** 2 for o in outcomes)


def test_a_failing_objective_gives_a_failed_outcome_with_its_traceback(
    executor: Executor,
) -> None:
    (outcome,) = run_all(executor, [task(0, {"case": "fail", "x": 3})])
    assert outcome.status is JobStatus.FAILED
    assert math.isnan(outcome.value)
    assert "ValueError: bad x 3" in (outcome.error or "")
    # The worker survives its objective's failure.
    (after,) = run_all(executor, [task(1, {"case": "square", "x": 2.0})])
    assert after.status is JobStatus.COMPLETED


def test_a_checkpoint_resumes_the_trial_on_any_worker(executor: Executor) -> None:
    config = {"case": "count"}
    (first,) = run_all(executor, [task(0, config, (0, 2), iterative=True)])
    assert [r.resource for r in first.reports] == [1, 2]
    assert first.checkpoint is not None
    (second,) = run_all(
        executor, [task(0, config, (2, 5), iterative=True, checkpoint=first.checkpoint)]
    )
    assert [r.value for r in second.reports] == [3.0, 4.0, 5.0]
    assert second.status is JobStatus.COMPLETED and second.resource == 5


def test_a_deadline_interrupts_at_the_next_report(executor: Executor) -> None:
    config = {"case": "count", "seconds": 0.05}
    (outcome,) = run_all(executor, [task(0, config, (0, 100), iterative=True, deadline=0.0)])
    assert outcome.status is JobStatus.INTERRUPTED
    assert outcome.resource == 1
    assert outcome.checkpoint is not None


def test_workers_run_at_once(executor: Executor) -> None:
    seconds = 0.4
    tasks = [task(i, {"case": "sleep", "seconds": seconds}) for i in range(executor.workers)]
    outcomes = run_all(executor, tasks)
    assert len(outcomes) == executor.workers
    assert max(o.start for o in outcomes) < min(o.end for o in outcomes)  # they overlap
    assert {o.worker for o in outcomes} == set(range(executor.workers))


def test_submitting_past_the_workers_is_refused(executor: Executor) -> None:
    tasks = [task(i, {"case": "square", "x": 0.0}) for i in range(executor.workers)]
    for t in tasks:
        executor.submit(t)
    with pytest.raises(RuntimeError, match="wait"):
        executor.submit(task(99, {"case": "square", "x": 0.0}))
    done: list[Outcome] = []
    while len(done) < len(tasks):
        done += executor.wait()
    assert executor.wait() == []


@pytest.mark.parametrize("name", sorted(FACTORIES))
def test_a_tuner_runs_asha_to_the_end(name: str) -> None:
    if name == "dask":
        pytest.importorskip("distributed")
    space = {"x": rung.uniform(-10, 10), "case": rung.choice(["count"])}
    scheduler = rung.ASHA(rung.RandomSearcher(space, seed=1), 1, 9, 3)
    result = rung.Tuner(behave, scheduler, executor=FACTORIES[name]()).run(max_trials=12)
    assert result.n_trials == 12
    assert all(j.status is JobStatus.COMPLETED for j in result.jobs)
    # Every job continued from its checkpoint: the counter equals the resource reached.
    assert all(j.reports[-1].value == j.reports[-1].resource for j in result.jobs)
    assert 0 < result.utilization <= 1.0 + 1e-9


def test_reports_of_a_running_job_are_heard_before_its_outcome(executor: Executor) -> None:
    heard: list[tuple[int, int, float]] = []
    ended: set[int] = set()

    def listen(job: Any, report: Any) -> None:
        assert job.trial_id not in ended, "a report came after its job's outcome"
        heard.append((job.trial_id, report.resource, report.value))

    RELAY.target = listen
    try:
        pending, running = [0, 1], 0
        while len(ended) < 2:
            while pending and running < executor.workers:
                executor.submit(task(pending.pop(0), {"case": "count"}, (0, 4), iterative=True))
                running += 1
            for outcome in executor.wait():
                running -= 1
                ended.add(outcome.job.trial_id)
                assert [r.resource for r in outcome.reports] == [1, 2, 3, 4]
    finally:
        RELAY.target = None
    for trial_id in (0, 1):
        # All but the last report of each job (its outcome carries that one), in order.
        mine = [h for h in heard if h[0] == trial_id]
        expected = [(trial_id, r, float(r)) for r in (1, 2, 3)]
        if isinstance(executor, (InlineExecutor, ProcessExecutor)):
            assert mine == expected
        else:  # Dask's reports travel apart from results: one arriving late is dropped
            assert mine == expected[: len(mine)]


def test_a_failing_listener_stops_the_run_not_the_objective(executor: Executor) -> None:
    if not isinstance(executor, (InlineExecutor, ProcessExecutor)):
        pytest.skip("Dask's reports may come after the job's outcome, and are then dropped")

    def full_disk(job: Any, report: Any) -> None:
        raise OSError(28, "No space left on device")

    RELAY.target = full_disk
    try:
        executor.submit(task(0, {"case": "count"}, (0, 3), iterative=True))
        with pytest.raises(OSError, match="No space left"):
            for _ in range(100):  # the job's first report raises, in wait()
                executor.wait()
    finally:
        RELAY.target = None
    executor.wait()  # whatever the job left is drained; the executor goes on
    (outcome,) = run_all(executor, [task(1, {"case": "square", "x": 3.0})])
    assert outcome.value == 1.0
