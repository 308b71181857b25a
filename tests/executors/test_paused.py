"""Loops that run from the start: paused in their worker, continued, stopped, evicted."""

from __future__ import annotations

import collections
import logging
import os
import threading
from pathlib import Path
from typing import Any

import pytest

import rung
from rung.executors.inline import InlineExecutor
from rung.executors.processes import ProcessExecutor

SPACE = {"x": rung.uniform(0, 1)}
TRAINED: collections.Counter = collections.Counter()
ENDINGS: list[tuple[int, bool]] = []


def from_the_start(config: dict[str, Any], trial: Any) -> None:
    """Optuna-style: set up once, then one loop over every epoch; no checkpoint."""
    TRAINED["setup"] += 1
    try:
        for epoch in range(1, 28):
            TRAINED["epochs"] += 1
            trial.report(epoch, (config["x"] - 0.3) ** 2 + 1 / epoch)
    finally:
        ENDINGS.append((trial.trial_id, trial.should_stop()))


def logged(config: dict[str, Any], trial: Any) -> None:
    """As :func:`from_the_start`, writing each epoch to a file (worker processes)."""
    path = Path(os.environ["RUNG_TEST_EPOCHS"])
    for epoch in range(1, 10):
        with path.open("a") as file:
            file.write(f"{trial.trial_id} {epoch} {os.getpid()}\n")
        trial.report(epoch, (config["x"] - 0.3) ** 2 + 1 / epoch)


@pytest.fixture(autouse=True)
def _clear() -> None:
    TRAINED.clear()
    ENDINGS.clear()


@pytest.mark.parametrize("variant", ["promotion", "stopping"])
def test_a_loop_from_the_start_is_promoted_without_training_again(variant: str) -> None:
    result = rung.tune(
        from_the_start,
        SPACE,
        scheduler="asha",
        max_resource=27,
        max_trials=30,
        seed=0,
        variant=variant,
    )
    assert not result.n_failed_jobs
    assert TRAINED["epochs"] == result.total_resource  # not one epoch trained twice
    assert TRAINED["setup"] == 30  # setup before the loop runs once per trial
    assert result.incumbent is not None and result.incumbent.resource == 27
    assert {r.resource for t in result.trials for r in t.reports} >= {1, 3, 9, 27}


def test_a_stopped_trial_ends_its_call_and_says_so() -> None:
    rung.tune(
        from_the_start,
        SPACE,
        scheduler="asha",
        max_resource=27,
        max_trials=20,
        seed=0,
        variant="stopping",
    )
    stopped = [tid for tid, says in ENDINGS if says]
    completed = [tid for tid, says in ENDINGS if not says]
    assert len(ENDINGS) == 20  # every call ended, none left running
    assert stopped and completed


def test_a_barrier_stops_the_calls_it_leaves_out() -> None:
    result = rung.tune(from_the_start, SPACE, scheduler="sh", max_resource=9, max_trials=9, seed=0)
    assert TRAINED["epochs"] == result.total_resource
    assert len(ENDINGS) == 9
    assert sum(says for _, says in ENDINGS) == 8  # all but the one that completed


def test_an_evicted_call_starts_over_and_the_run_says_so(caplog: Any) -> None:
    executor = InlineExecutor(max_paused_calls=1)
    with caplog.at_level(logging.WARNING):
        result = rung.tune(
            from_the_start,
            SPACE,
            searcher="random",  # spreads promotions over many trials, so evicted ones come back
            scheduler="asha",
            max_resource=27,
            max_trials=30,
            seed=0,
            executor=executor,
        )
    assert not result.n_failed_jobs
    # evicted trials trained again, and every epoch trained is charged
    assert any(job.retrained for job in result.jobs)
    assert TRAINED["epochs"] == result.total_resource
    assert "started over and trained resources 1 to" in caplog.text
    assert all(
        [r.resource for r in t.reports] == sorted({r.resource for r in t.reports})
        for t in result.trials
    )  # the retrained epochs are not recorded twice


def test_a_memory_cap_evicts_paused_calls() -> None:
    def hungry(config: dict[str, Any], trial: Any) -> None:
        ballast = bytearray(8 * 2**20)  # held by the paused call
        ballast[::4096] = b"x" * len(ballast[::4096])
        for epoch in range(1, 10):
            TRAINED["epochs"] += 1
            trial.report(epoch, config["x"] + 1 / epoch)

    executor = InlineExecutor(max_paused_memory_mb=4)
    result = rung.tune(
        hungry, SPACE, scheduler="asha", max_resource=9, max_trials=9, seed=0, executor=executor
    )
    if rung.executors._paused.resident_bytes() is None:
        pytest.skip("no resident memory reading on this system")
    assert TRAINED["epochs"] == result.total_resource  # the epochs trained again are charged
    assert any(job.retrained for job in result.jobs)


def test_without_paused_calls_a_loop_from_the_start_trains_again() -> None:
    result = rung.tune(
        from_the_start,
        SPACE,
        scheduler="asha",
        max_resource=27,
        max_trials=12,
        seed=0,
        executor=InlineExecutor(max_paused_calls=0),
    )
    assert not result.n_failed_jobs  # no 'resource must increase' failures
    assert TRAINED["epochs"] == result.total_resource  # the epochs trained again are charged
    assert any(job.retrained for job in result.jobs)


def test_worker_processes_continue_the_call_they_hold(tmp_path: Path, monkeypatch: Any) -> None:
    log = tmp_path / "epochs"
    monkeypatch.setenv("RUNG_TEST_EPOCHS", str(log))
    executor = ProcessExecutor(workers=2, threads_per_worker=1)
    result = rung.tune(
        logged, SPACE, scheduler="asha", max_resource=9, max_trials=12, seed=0, executor=executor
    )
    lines = [line.split() for line in log.read_text().splitlines()]
    assert len(lines) == result.total_resource
    pids: dict[str, set[str]] = collections.defaultdict(set)
    for trial_id, _, pid in lines:
        pids[trial_id].add(pid)
    assert all(len(p) == 1 for p in pids.values())  # each trial stayed in its worker


def test_limits_are_checked() -> None:
    with pytest.raises(rung.ConfigError, match="max_paused_calls"):
        InlineExecutor(max_paused_calls=-1)
    with pytest.raises(rung.ConfigError, match="max_paused_memory_mb"):
        ProcessExecutor(max_paused_memory_mb=0)


def checked_range(config: dict[str, Any], trial: Any) -> None:
    """Rung-style, and it checks after its loop that it reported (as a program runner)."""
    state = trial.checkpoint or 0
    reported = False
    for epoch in range(trial.resource_from + 1, trial.resource_to + 1):
        state += 1
        TRAINED["epochs"] += 1
        trial.report(epoch, config["x"] + 1 / state, checkpoint=state)
        reported = True
    if not reported:
        raise RuntimeError("nothing reported")


def test_a_loop_over_its_range_is_called_again_even_if_it_fails_when_continued() -> None:
    result = rung.tune(
        checked_range, SPACE, scheduler="asha", max_resource=9, max_trials=12, seed=0
    )
    assert not result.n_failed_jobs
    assert TRAINED["epochs"] == result.total_resource


def exits_when_continued(config: dict[str, Any], trial: Any) -> None:
    """A loop from the start that ends the program (``sys.exit``) in its second job."""
    for epoch in range(1, 10):
        if epoch > 1:
            raise SystemExit("the objective ended the program")
        trial.report(epoch, config["x"])


def exits_at_once(config: dict[str, Any], trial: Any) -> None:
    raise SystemExit("the objective ended the program")


@pytest.mark.parametrize("objective", [exits_at_once, exits_when_continued])
def test_a_base_exception_in_a_paused_call_ends_the_run(objective: Any) -> None:
    ended: list[BaseException] = []

    def run() -> None:
        try:
            rung.tune(objective, SPACE, scheduler="asha", max_resource=9, max_trials=6, seed=0)
        except BaseException as error:  # noqa: BLE001 - the outcome under test
            ended.append(error)

    # In a daemon thread: a run that waits forever fails this test, not the whole suite.
    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(30.0)
    assert ended, "the run went on waiting for the call's thread"
    assert isinstance(ended[0], SystemExit) and "ended the program" in str(ended[0])
