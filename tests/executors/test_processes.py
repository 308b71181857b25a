"""What the process pool adds to the executor contract: dead workers, threads, start-up."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

import pytest

import rung
from rung.errors import ConfigError
from rung.executors.factory import make_executor
from rung.executors.inline import InlineExecutor
from rung.executors.processes import ProcessExecutor
from rung.types import JobStatus


def die_once(config: dict[str, Any]) -> float:
    """Kills its worker process the first time a trial asks for it, by a marker file."""
    if config["die"]:
        try:  # atomic: exactly one worker creates the marker, and dies
            os.close(os.open(config["marker"], os.O_CREAT | os.O_EXCL | os.O_WRONLY))
        except FileExistsError:
            return float(config["x"])
        os._exit(3)
    return float(config["x"])


def thread_setting(config: dict[str, Any]) -> float:
    import numpy  # noqa: F401 - loaded after the worker set its thread count

    return float(os.environ["OMP_NUM_THREADS"])


class Unloadable:
    """Pickles fine, but fails when a worker unpickles it."""

    def __reduce__(self) -> tuple[Any, ...]:
        return (_refuse, ())

    def __call__(self, config: dict[str, Any]) -> float:
        return 0.0


def _refuse() -> None:
    raise RuntimeError("cannot load me here")


def test_a_worker_that_dies_fails_its_job_and_the_run_goes_on(tmp_path: Path) -> None:
    marker = tmp_path / "marker"
    space = {
        "x": rung.uniform(0, 1),
        "die": rung.choice([True]),
        "marker": rung.choice([str(marker)]),
    }
    scheduler = rung.FIFO(rung.RandomSearcher(space, seed=0))
    executor = ProcessExecutor(workers=2, threads_per_worker=1)
    result = rung.Tuner(die_once, scheduler, executor=executor).run(max_trials=8)
    assert result.n_jobs == 9  # nothing lost: the dead worker's job ran again
    failed = [j for j in result.jobs if j.status is JobStatus.FAILED]
    assert len(failed) == 1
    assert "died while running this job (exit code 3)" in (failed[0].error or "")
    assert sum(j.status is JobStatus.COMPLETED for j in result.jobs) == 8
    assert all(t.status is rung.TrialStatus.COMPLETED for t in result.trials)
    assert result.best_value == min(j.value for j in result.jobs if j.status is JobStatus.COMPLETED)


def test_workers_split_the_cpus_between_them() -> None:
    executor = ProcessExecutor(workers=2, threads_per_worker=3)
    scheduler = rung.FIFO(rung.RandomSearcher({"x": rung.uniform(0, 1)}, seed=0))
    result = rung.Tuner(thread_setting, scheduler, executor=executor).run(max_trials=2)
    assert [j.value for j in result.jobs] == [3.0, 3.0]
    assert ProcessExecutor(workers=1).threads_per_worker == max(1, os.cpu_count() or 1)


def test_an_unpicklable_objective_is_refused_at_start() -> None:
    executor = ProcessExecutor(workers=1)
    with pytest.raises(TypeError, match="picklable"):
        executor.start(lambda config: 0.0, time.perf_counter)


def test_an_objective_a_worker_cannot_load_fails_the_start_with_its_traceback() -> None:
    executor = ProcessExecutor(workers=1)
    with pytest.raises(RuntimeError, match="cannot load me here"):
        executor.start(Unloadable(), time.perf_counter)


def test_closing_ends_busy_workers() -> None:
    executor = ProcessExecutor(workers=1)
    executor.start(time.sleep, time.perf_counter)
    process = executor._pool[0].process
    executor.submit(rung.executors.Task(rung.Job(0, 60, 0, 1), 0))
    executor.close()  # returns although the job would sleep for a minute...
    assert not process.is_alive()  # ...because it ended the worker


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"workers": 0}, ConfigError, "'workers' parameter must be >= 1; got 0"),
        ({"workers": 2.0}, TypeError, "'workers' parameter must be an int"),
        ({"threads_per_worker": 0}, ConfigError, "'threads_per_worker' parameter must be >= 1"),
        ({"start_method": "teleport"}, ConfigError, "'start_method' parameter must be one of"),
    ],
)
def test_bad_arguments_are_named(kwargs: dict[str, Any], error: type, match: str) -> None:
    with pytest.raises(error, match=match):
        ProcessExecutor(**kwargs)


def test_executors_by_name() -> None:
    assert isinstance(make_executor(), InlineExecutor)
    assert isinstance(make_executor("inline", 1), InlineExecutor)
    processes = make_executor(None, 3)
    assert isinstance(processes, ProcessExecutor) and processes.workers == 3
    assert make_executor(processes, 3) is processes
    with pytest.raises(ConfigError, match="inline executor runs one job at a time"):
        make_executor("inline", 2)
    with pytest.raises(ConfigError, match="contradicts the executor's own"):
        make_executor(processes, 2)
    with pytest.raises(ConfigError, match="'executor' parameter must be one of"):
        make_executor("threads")
    with pytest.raises(ConfigError, match="'dask_address' parameter needs executor='dask'"):
        make_executor("processes", 2, dask_address="tcp://localhost:8786")


def test_the_tuner_takes_workers_and_an_executor_name() -> None:
    scheduler = rung.FIFO(rung.RandomSearcher({"x": rung.uniform(0, 1)}, seed=0))
    tuner = rung.Tuner(thread_setting, scheduler, workers=2)
    assert isinstance(tuner.executor, ProcessExecutor) and tuner.executor.workers == 2
    with pytest.raises(ConfigError, match="'workers' parameter must be >= 1"):
        rung.Tuner(thread_setting, scheduler, workers=0)


def hang(config: dict[str, Any]) -> float:
    """Never reports: only the executor can end it."""
    if config["x"] < 0.5:
        time.sleep(60)
    return float(config["x"])


def test_a_job_past_its_timeout_is_ended_and_its_worker_replaced() -> None:
    executor = ProcessExecutor(workers=1)
    origin = time.perf_counter()
    executor.start(hang, lambda: time.perf_counter() - origin)
    try:
        executor.submit(rung.executors.Task(rung.Job(0, {"x": 0.1}, 0, 1), 0, timeout=0.2))
        (outcome,) = executor.wait()
        assert outcome.status is JobStatus.FAILED
        assert "JobTimeout" in (outcome.error or "") and "0.2 s" in (outcome.error or "")
        assert outcome.end - outcome.start < 5
        executor.submit(rung.executors.Task(rung.Job(1, {"x": 0.9}, 0, 1), 1, timeout=5.0))
        (after,) = executor.wait()
        assert after.status is JobStatus.COMPLETED and after.value == 0.9
    finally:
        executor.close()
