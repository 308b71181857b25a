"""DaskExecutor on a LocalCluster of two one-thread worker processes, shared by the module.

The objectives are module-level so that the workers can import them by name.
"""

from __future__ import annotations

import importlib
import math
import os
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

distributed = pytest.importorskip("distributed")

import dask  # noqa: E402

import rung  # noqa: E402
import rung.executors.dask  # noqa: E402
from rung.codec import Blob, decode  # noqa: E402
from rung.errors import ConfigError  # noqa: E402
from rung.executors.dask import DaskExecutor  # noqa: E402
from rung.task import Outcome  # noqa: E402
from rung.types import JobStatus  # noqa: E402
from tests.executors.jobs import run_all, task  # noqa: E402

_LOADS: dict[str, int] = {}


def square(config: dict[str, Any]) -> float:
    time.sleep(config.get("seconds", 0.0))
    return (config["x"] - 2.0) ** 2


def fail(config: dict[str, Any]) -> float:
    raise ValueError(f"bad x {config['x']}")


def count(config: dict[str, Any], trial: Any) -> None:
    """Counts epochs, resuming from the checkpoint; records the process of each job."""
    state = trial.checkpoint or {"epochs": 0, "pids": []}
    assert state["epochs"] == trial.resource_from, "resumed from the wrong checkpoint"
    state = {"epochs": state["epochs"], "pids": [*state["pids"], os.getpid()]}
    for epoch in range(trial.resource_from + 1, trial.resource_to + 1):
        time.sleep(config.get("seconds", 0.0))
        state = {"epochs": epoch, "pids": state["pids"]}
        trial.report(epoch, float(config.get("x", 0.0)) ** 2 / epoch, checkpoint=state)


def crash(config: dict[str, Any]) -> float:
    """Kills its worker process: always, or once (whoever creates the marker file first)."""
    marker = config.get("marker")
    if marker == "always":
        os._exit(1)
    if marker is not None:
        try:  # atomic: of two workers starting at once, only one dies
            os.close(os.open(marker, os.O_CREAT | os.O_EXCL | os.O_WRONLY))
        except FileExistsError:
            return config["x"]
        os._exit(1)
    return config["x"]


class LoadCounter:
    """An objective that counts how often each process unpickled it."""

    def __init__(self, token: str) -> None:
        self.token = token

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        _LOADS[self.token] = _LOADS.get(self.token, 0) + 1

    def __call__(self, config: dict[str, Any]) -> float:
        return float(_LOADS[self.token])


@pytest.fixture(scope="module")
def client() -> Iterator[Any]:
    # One retry after a worker dies, so that a job killing every worker fails fast.
    with (
        dask.config.set({"distributed.scheduler.allowed-failures": 1}),
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address="127.0.0.1:0"
        ) as cluster,
        distributed.Client(cluster, set_as_default=False) as client,
    ):
        client.run(importlib.import_module, __name__)  # timings below leave out this import
        yield client


@pytest.fixture
def executor(client: Any) -> Iterator[DaskExecutor]:
    """An executor on the shared cluster, started with ``square`` on the clock perf_counter."""
    client.wait_for_workers(2, timeout=30)  # a test before may have killed one
    executor = DaskExecutor(client)
    executor.start(square, time.perf_counter)
    yield executor
    executor.close()


def restart(executor: DaskExecutor, objective: Any, reports: Any = None) -> DaskExecutor:
    executor.close()
    executor.start(objective, time.perf_counter, reports=reports)
    return executor


def test_arguments_are_checked() -> None:
    with pytest.raises(TypeError, match="'client_or_address'.*42"):
        DaskExecutor(42)
    with pytest.raises(ConfigError, match="'client_or_address'.*non-empty"):
        DaskExecutor(" ")
    with pytest.raises(ConfigError, match="'workers'.*>= 1.*0"):
        DaskExecutor(workers=0)
    with pytest.raises(TypeError, match="'workers'.*True"):
        DaskExecutor(workers=True)


def test_a_tuners_workers_count_for_a_dask_executor_built_without_a_count() -> None:
    from rung.executors.factory import make_executor

    executor = DaskExecutor("tcp://127.0.0.1:8786")  # not connected until start()
    assert make_executor(executor, workers=3) is executor
    assert executor.workers == 3
    with pytest.raises(ConfigError, match="contradicts"):
        make_executor(DaskExecutor("tcp://127.0.0.1:8786", workers=2), workers=3)


def test_without_dask_the_import_error_says_what_to_install(monkeypatch) -> None:
    monkeypatch.delitem(sys.modules, "rung.executors.dask")
    monkeypatch.setitem(sys.modules, "distributed", None)
    with pytest.raises(ImportError, match=r"pip install 'rung\[dask\]'"):
        importlib.import_module("rung.executors.dask")


def test_jobs_run_in_parallel_on_both_workers(executor: DaskExecutor, client: Any) -> None:
    assert executor.workers == 2
    seconds = 0.6
    begin = time.perf_counter()
    outcomes = run_all(executor, [task(i, {"x": 3.0, "seconds": seconds}) for i in range(2)])
    assert max(o.start for o in outcomes) < min(o.end for o in outcomes)  # they overlap
    assert {o.worker for o in outcomes} == {0, 1}
    assert [o.value for o in outcomes] == [1.0, 1.0]
    # The workers' clock is the driver's: every job ran between submit and wait.
    assert all(begin < o.start < o.end < time.perf_counter() for o in outcomes)
    assert sorted(executor.worker_addresses) == sorted(client.nthreads())


def test_every_job_comes_back_exactly_once(executor: DaskExecutor) -> None:
    outcomes = run_all(executor, [task(i, {"x": float(i)}) for i in range(9)])
    assert sorted(o.job.trial_id for o in outcomes) == list(range(9))
    assert all(o.value == (o.job.trial_id - 2.0) ** 2 for o in outcomes)
    assert {o.worker for o in outcomes} <= {0, 1}
    executor.submit(task(9, {"x": 0.0}))
    executor.submit(task(10, {"x": 0.0}))
    with pytest.raises(RuntimeError, match="wait"):
        executor.submit(task(11, {"x": 0.0}))
    done: list[Outcome] = []
    while len(done) < 2:
        done += executor.wait()
    assert sorted(o.job.trial_id for o in done) == [9, 10]
    assert executor.wait() == []


def test_the_objective_is_unpickled_once_per_worker(executor: DaskExecutor) -> None:
    restart(executor, LoadCounter("once"))
    outcomes = run_all(executor, [task(i, {"x": 0.0}) for i in range(8)])
    assert [o.value for o in outcomes] == [1.0] * 8
    assert "once" not in _LOADS  # the driver never unpickles it


def test_a_checkpoint_travels_as_bytes_to_the_next_job(executor: DaskExecutor) -> None:
    restart(executor, count)
    (first,) = run_all(executor, [task(0, {"x": 2.0}, (0, 2), iterative=True)])
    assert first.status is JobStatus.COMPLETED
    assert isinstance(first.checkpoint, Blob)
    (second,) = run_all(
        executor, [task(0, {"x": 2.0}, (2, 5), iterative=True, checkpoint=first.checkpoint)]
    )
    assert second.status is JobStatus.COMPLETED, second.error
    assert [r.resource for r in second.reports] == [3, 4, 5]
    assert decode(second.checkpoint)["epochs"] == 5
    assert len(decode(second.checkpoint)["pids"]) == 2  # one process per job: any worker


def test_a_failing_objective_gives_failed_with_its_traceback(executor: DaskExecutor) -> None:
    restart(executor, fail)
    (outcome,) = run_all(executor, [task(0, {"x": 3})])
    assert outcome.status is JobStatus.FAILED
    assert math.isnan(outcome.value)
    assert "Traceback" in outcome.error and "ValueError: bad x 3" in outcome.error
    assert outcome.worker in (0, 1)


class Unimportable:
    """Loads in the driver, not on a worker (stands for a module the workers lack)."""

    def __reduce__(self) -> Any:
        return (_refuse_on_workers, (os.getpid(),))

    def __call__(self, config: dict[str, Any]) -> float:
        return 0.0


def _refuse_on_workers(pid: int) -> Unimportable:
    if os.getpid() != pid:
        raise ModuleNotFoundError("the objective's module is not on the workers")
    return Unimportable()


def test_an_objective_the_workers_cannot_load_fails_its_jobs(executor: DaskExecutor) -> None:
    restart(executor, Unimportable())
    (outcome,) = run_all(executor, [task(0, {"x": 3})])
    assert outcome.status is JobStatus.FAILED
    assert "not on the workers" in outcome.error


def test_a_deadline_interrupts_the_job_at_its_next_report(executor: DaskExecutor) -> None:
    restart(executor, count)
    deadline = time.perf_counter() + 0.3
    config = {"x": 1.0, "seconds": 0.1}
    (outcome,) = run_all(executor, [task(0, config, (0, 100), iterative=True, deadline=deadline)])
    assert outcome.status is JobStatus.INTERRUPTED
    assert 1 <= outcome.resource < 20
    assert outcome.reports[-1].time >= deadline
    assert all(r.time < deadline for r in outcome.reports[:-1])
    assert decode(outcome.checkpoint)["epochs"] == outcome.resource


def test_reports_of_a_running_job_arrive_while_it_runs(executor: DaskExecutor) -> None:
    heard: list[tuple[int, float]] = []
    restart(
        executor, count, lambda job, report, _: heard.append((report.resource, time.perf_counter()))
    )
    config = {"x": 2.0, "seconds": 0.2}
    (outcome,) = run_all(executor, [task(0, config, (0, 4), iterative=True)])
    ended = time.perf_counter()
    assert [r for r, _ in heard] == [1, 2, 3]  # 0.2 s apart: none comes after the outcome
    assert heard[0][1] < ended - 0.3  # the first came while the job ran on
    assert [r.resource for r in outcome.reports] == [1, 2, 3, 4]


def test_a_tuner_runs_asha_to_the_end_and_leaves_the_client_open(client: Any) -> None:
    client.wait_for_workers(2, timeout=30)
    space = {"x": rung.uniform(-3, 3), "seconds": rung.choice([0.01])}
    scheduler = rung.ASHA(rung.RandomSearcher(space, seed=0), 1, 4, 2)
    tuner = rung.Tuner(count, scheduler, executor=DaskExecutor(client))
    result = tuner.run(max_trials=8)
    assert result.n_trials == 8
    assert all(j.status is JobStatus.COMPLETED for j in result.jobs), result.jobs
    assert any(j.resource_from > 0 for j in result.jobs)  # promotions resumed
    assert {j.worker for j in result.jobs} == {0, 1}
    assert result.workers == 2
    assert client.status == "running"


def test_an_address_gets_a_client_of_its_own(client: Any) -> None:
    client.wait_for_workers(2, timeout=30)
    executor = DaskExecutor(client.scheduler.address)
    executor.start(lambda config: config["x"] + 1, time.perf_counter)
    try:
        assert executor.workers == 2
        (outcome,) = run_all(executor, [task(0, {"x": 1.0})])
        assert outcome.value == 2.0
    finally:
        executor.close()
    assert client.status == "running"


def test_a_cluster_without_workers_times_out_with_advice(monkeypatch) -> None:
    monkeypatch.setattr(rung.executors.dask, "WORKER_TIMEOUT_S", 0.2)
    with distributed.LocalCluster(
        n_workers=0, processes=False, dashboard_address="127.0.0.1:0"
    ) as empty:
        executor = DaskExecutor(empty.scheduler_address)
        with pytest.raises(TimeoutError, match="No Dask worker joined.*'workers'"):
            executor.start(square, time.perf_counter)


def test_a_worker_dying_mid_job_loses_no_job(executor: DaskExecutor, tmp_path: Path) -> None:
    restart(executor, crash)
    marker = str(tmp_path / "died")
    outcomes = run_all(executor, [task(i, {"x": float(i), "marker": marker}) for i in range(4)])
    assert os.path.exists(marker)
    assert sorted(o.job.trial_id for o in outcomes) == [0, 1, 2, 3]
    assert all(o.status is JobStatus.COMPLETED for o in outcomes), outcomes
    assert all(o.value == o.job.trial_id for o in outcomes)
    assert {o.worker for o in outcomes} <= {0, 1}  # a restarted worker takes over its id


def test_a_job_that_kills_every_worker_fails_and_the_run_goes_on(
    executor: DaskExecutor,
) -> None:
    restart(executor, crash)
    (outcome,) = run_all(executor, [task(0, {"x": 0.0, "marker": "always"})])
    assert outcome.status is JobStatus.FAILED
    assert "WorkerDied" in outcome.error and "2 Dask workers" in outcome.error
    assert outcome.worker in (0, 1)
    (after,) = run_all(executor, [task(1, {"x": 2.0})])  # on the restarted workers
    assert after.status is JobStatus.COMPLETED and after.value == 2.0


def _handshake_without_certificate(address: str) -> bytes | str:
    """Opens a TLS connection to ``address`` without a client certificate."""
    import socket
    import ssl

    host, port = address.removeprefix("tls://").rsplit(":", 1)
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    try:
        with (
            socket.create_connection((host, int(port)), timeout=10) as raw,
            context.wrap_socket(raw) as tls,
        ):
            tls.sendall(b"\0" * 16)
            return tls.recv(100)
    except (ssl.SSLError, OSError) as error:
        return f"refused: {error}"


def test_its_own_cluster_listens_on_loopback_only_and_needs_its_certificate() -> None:
    import ipaddress

    import psutil

    executor = DaskExecutor(workers=1)
    executor.start(square, time.perf_counter)
    try:
        cluster = executor._cluster
        assert cluster.scheduler_address.startswith("tls://127.0.0.1:")
        assert executor.worker_addresses and all(
            a.startswith("tls://127.0.0.1:") for a in executor.worker_addresses
        )
        me = psutil.Process()
        listening = [
            c.laddr.ip
            for p in [me, *me.children(recursive=True)]
            for c in p.net_connections(kind="inet")
            if c.status == psutil.CONN_LISTEN
        ]
        # this process's own servers (other tests' too) and the workers: loopback only
        assert listening and all(ipaddress.ip_address(ip).is_loopback for ip in listening)
        assert str(_handshake_without_certificate(cluster.scheduler_address)).startswith("refused")
        (outcome,) = run_all(executor, [task(0, {"x": 3.0})])
        assert outcome.value == 1.0
    finally:
        executor.close()


def test_a_run_on_a_cluster_keeps_the_workers_count_it_was_given(client: Any) -> None:
    space = {"x": rung.uniform(0, 4)}
    result = rung.tune(
        square, space, max_trials=2, seed=0, executor=DaskExecutor(client), workers=1
    )
    assert result.workers == 1 and result.spec.workers == 1  # the cluster has 2 threads


class _LostResult:
    """A future whose task finished, but whose result died with its worker and whose
    reruns died too: ``result()`` raises KilledWorker though the status says finished."""

    status = "finished"
    key = "rung-trial4-3-9-lost"

    def __init__(self, address: str) -> None:
        self.address = address

    def result(self) -> Any:
        from types import SimpleNamespace

        from distributed.scheduler import KilledWorker

        raise KilledWorker(self.key, SimpleNamespace(address=self.address), 3)


def test_a_finished_job_whose_result_died_with_its_workers_says_so() -> None:
    executor = DaskExecutor(workers=2)
    executor.worker_addresses = ["tls://127.0.0.1:1001", "tls://127.0.0.1:1002"]
    outcome = executor._outcome(_LostResult("tls://127.0.0.1:1002"), task(4, {"x": 1.0}), 0.0)
    assert outcome.status is JobStatus.FAILED
    assert outcome.error.startswith("WorkerDied: each of the 4 Dask workers")
    assert "Traceback" not in outcome.error
    assert outcome.worker == 1  # the last worker that held it, not "no worker"
