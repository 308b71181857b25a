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
from tests.executors.jobs import run_all, task


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
    import threading

    lock = threading.Lock()  # a lambda goes by value (cloudpickle); a lock cannot go at all
    executor = ProcessExecutor(workers=1)
    with pytest.raises(TypeError, match="picklable"):
        executor.start(lambda config: 0.0 if lock else 1.0, time.perf_counter)


def test_a_lambda_runs_on_worker_processes() -> None:
    executor = ProcessExecutor(workers=1, threads_per_worker=1)
    executor.start(lambda config: config["x"] * 2, time.perf_counter)
    try:
        (outcome,) = run_all(executor, [task(0, {"x": 1.5})])
    finally:
        executor.close()
    assert outcome.value == 3.0


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
        (
            {"workers": 0},
            ConfigError,
            "'workers' parameter of ProcessExecutor must be an int >= 1; got 0",
        ),
        ({"workers": 2.0}, TypeError, "'workers' parameter of ProcessExecutor must be an int"),
        (
            {"threads_per_worker": 0},
            ConfigError,
            "'threads_per_worker' parameter of ProcessExecutor must be an int >= 1 or None",
        ),
        (
            {"start_method": "teleport"},
            ConfigError,
            "'start_method' parameter of ProcessExecutor must be one of .*'spawn'.*got 'teleport'",
        ),
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
    with pytest.raises(
        TypeError, match="'executor' parameter must be .* or an Executor or None; got 3"
    ):
        make_executor(3)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="'workers' parameter must be an int >= 1 or None; got 2.0"):
        make_executor("processes", 2.0)  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="'dask_address' parameter needs executor='dask'"):
        make_executor("processes", 2, dask_address="tcp://localhost:8786")


def test_the_tuner_takes_workers_and_an_executor_name() -> None:
    scheduler = rung.FIFO(rung.RandomSearcher({"x": rung.uniform(0, 1)}, seed=0))
    tuner = rung.Tuner(thread_setting, scheduler, workers=2)
    assert isinstance(tuner.executor, ProcessExecutor) and tuner.executor.workers == 2
    with pytest.raises(ConfigError, match="'workers' parameter must be an int >= 1 or None; got 0"):
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


def _load_or_die(markers: str, slot_always: int, first_deaths: int) -> Any:
    """Unpickled in a worker as it starts: SIGKILLs the worker (as the OOM killer would)
    while slot ``slot_always`` starts, and the first ``first_deaths`` times any slot does;
    counted by marker files, so that each start attempt counts once."""
    import multiprocessing
    import signal

    if multiprocessing.current_process().name == f"rung-worker-{slot_always}":
        os.kill(os.getpid(), signal.SIGKILL)
    for attempt in range(first_deaths):
        try:
            os.close(os.open(f"{markers}/death-{attempt}", os.O_CREAT | os.O_EXCL))
        except FileExistsError:
            continue
        os.kill(os.getpid(), signal.SIGKILL)
    return thread_setting


class KilledWhileStarting:
    """An objective whose load kills the worker process (see :func:`_load_or_die`)."""

    def __init__(self, markers: Path, slot_always: int = -1, first_deaths: int = 0) -> None:
        self.args = (str(markers), slot_always, first_deaths)

    def __reduce__(self) -> tuple[Any, ...]:
        return (_load_or_die, self.args)

    def __call__(self, config: dict[str, Any]) -> float:
        return thread_setting(config)


def test_a_worker_killed_while_starting_is_started_again_and_a_lost_slot_is_left_out(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    scheduler = rung.FIFO(rung.RandomSearcher({"x": rung.uniform(0, 1)}, seed=0))
    executor = ProcessExecutor(workers=2, threads_per_worker=1)
    objective = KilledWhileStarting(tmp_path, slot_always=1, first_deaths=1)
    with caplog.at_level("WARNING", logger="rung.executors.processes"):
        result = rung.Tuner(objective, scheduler, executor=executor).run(max_trials=4)
    assert result.n_trials == 4
    assert all(j.status is JobStatus.COMPLETED for j in result.jobs)
    assert {j.worker for j in result.jobs} == {0} and executor.workers == 1
    messages = caplog.text
    assert "died while starting (killed by SIGKILL); starting it again (attempt 2 of 3)" in messages
    assert "Worker 1 died while starting, 3 times" in messages
    assert "1 of 2 workers could not start; the run goes on with 1" in messages


def test_when_no_worker_can_start_the_error_says_why() -> None:
    executor = ProcessExecutor(workers=1, threads_per_worker=1)
    with pytest.raises(RuntimeError, match="No worker could start.*3 times \\(killed by SIGKILL"):
        executor.start(KilledWhileStarting(Path("."), slot_always=0), time.perf_counter)


def _exit_with_an_error() -> Any:
    os._exit(1)  # as a spawned worker does when the main script it imports again fails


class ExitsWhileStarting:
    """An objective whose load ends the worker process with exit code 1."""

    def __reduce__(self) -> tuple[Any, ...]:
        return (_exit_with_an_error, ())

    def __call__(self, config: dict[str, Any]) -> float:
        return 0.0


def test_workers_that_exit_with_an_error_while_starting_are_not_called_out_of_memory() -> None:
    executor = ProcessExecutor(workers=1, threads_per_worker=1)
    with pytest.raises(RuntimeError, match="exit code 1\\). Each exited with an error") as error:
        executor.start(ExitsWhileStarting(), time.perf_counter)
    assert "__main__" in str(error.value) and "out-of-memory" not in str(error.value)


def slow_value(config: dict[str, Any]) -> float:
    time.sleep(0.3)
    return config["x"]


def test_a_worker_whose_driver_died_mid_task_exits_quietly() -> None:
    # After a kill -9 of the driver, a worker finishing its task finds the pipe closed:
    # it ends (exit code 0) instead of printing a BrokenPipeError traceback.
    import multiprocessing
    import pickle

    from rung.executors._process_worker import _READY, _worker_main

    context = multiprocessing.get_context("spawn")
    driver_end, worker_end = context.Pipe()
    objective = pickle.dumps(slow_value, pickle.HIGHEST_PROTOCOL)
    process = context.Process(target=_worker_main, args=(0, worker_end, objective, 1))
    process.start()
    worker_end.close()
    assert driver_end.recv_bytes() == _READY
    message = (task(0, {"x": 0.5}), time.monotonic())
    driver_end.send_bytes(pickle.dumps(message, pickle.HIGHEST_PROTOCOL))
    driver_end.close()  # the driver is gone before the outcome is sent
    process.join(timeout=30)
    assert process.exitcode == 0
