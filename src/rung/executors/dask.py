"""Runs jobs on a Dask cluster: a ``LocalCluster`` on this machine, or any scheduler address.

Needs the ``dask`` extra (``pip install 'rung[dask]'``). The objective is pickled once on
the driver and handed to every worker, present and future (restarted or added later), as a
worker plugin; each worker unpickles it on its first job and keeps it, so torch and the
data are loaded once per worker process, not once per job. Each job is one Dask task whose
result comes back as an event (a future's done-callback feeding a queue); the reports of a
running job come back on the same queue as Dask events the workers log.

Checkpoints travel through the driver as bytes (:mod:`rung.codec`): workers need
no shared filesystem, and a paused trial's checkpoint goes with its promotion to whichever
worker is free. Outcomes say which worker ran each job: a small id, stable per worker
(a worker restarted after a crash takes over its predecessor's id), whose address is in
:attr:`DaskExecutor.worker_addresses`.

A worker that dies mid-job (``os._exit``, a segfault, the OOM killer) loses nothing: Dask
runs the job again on another worker, and after ``distributed.scheduler.allowed-failures``
deaths (3 by default) the job is reported FAILED; the run goes on.

Example:
    >>> import rung
    >>> from rung.executors.dask import DaskExecutor
    >>> if __name__ == "__main__":  # doctest: +SKIP
    ...     scheduler = rung.ASHA(rung.RandomSearcher(space, seed=0), 1, 27, 3)
    ...     tuner = rung.Tuner(train, scheduler, executor=DaskExecutor(workers=4))
    ...     result = tuner.run(max_trials=100)

    ``DaskExecutor(workers=4)`` starts (and closes) a ``LocalCluster`` of its own, which
    listens on the loopback interface only (scheduler, workers, dashboard) and speaks TLS
    with throw-away certificates, so that no one else can connect to it and run code;
    ``DaskExecutor("tcp://scheduler:8786")`` connects to a running cluster, and
    ``DaskExecutor(client)`` uses a ``distributed.Client`` of yours and leaves it open.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import pickle
import queue
import time
import traceback
import uuid
from collections.abc import Callable
from typing import Any

try:
    import cloudpickle
    import distributed
    from distributed.scheduler import KilledWorker
except ImportError as error:  # pragma: no cover - only without the extra
    raise ImportError(
        f"DaskExecutor needs dask.distributed ({error}); install it with: pip install 'rung[dask]'"
    ) from error

from rung._checks import AnyOf, InstanceOf, Integer, Text, check_all
from rung.executors._dask_worker import ObjectivePlugin, run_on_worker
from rung.executors._remote import failed_outcome
from rung.executors.base import Executor, ReportListener
from rung.task import Outcome, Task
from rung.types import Report

__all__ = ["DaskExecutor"]

logger = logging.getLogger(__name__)

#: How long start() waits for a first worker when the cluster has none and no ``workers``.
WORKER_TIMEOUT_S = 60.0

#: The id of a job's worker when no worker is known (the job's future was lost or cancelled).
NO_WORKER = -1

#: Where a LocalCluster of the executor's own listens: this machine only.
LOOPBACK = "127.0.0.1"


def _temporary_security() -> Any:
    """Dask's throw-away TLS certificates: only this process (and the workers it starts)
    can talk to the cluster, so no other user of the machine can run code on it."""
    from distributed.security import Security

    try:
        return Security.temporary()
    except ImportError as error:
        raise ImportError(
            f"DaskExecutor's own cluster uses TLS, which needs the 'cryptography' package "
            f"({error}); install it with: pip install 'rung[dask]'"
        ) from None


_RULES = {
    # A scheduler address such as "tcp://host:8786", or a client.
    "client_or_address": AnyOf(
        (Text(), InstanceOf((distributed.Client,), "a distributed.Client")), nullable=True
    ),
    "workers": Integer(low=1, nullable=True),
}


class DaskExecutor(Executor):
    """Runs jobs as tasks on a Dask cluster.

    Args:
        client_or_address: A ``distributed.Client`` (left open by :meth:`close`), a
            scheduler address such as ``"tcp://host:8786"`` (connected to by :meth:`start`,
            disconnected by :meth:`close`), or None to start a ``LocalCluster`` of
            one-thread worker processes at :meth:`start` and close it at :meth:`close`.
        workers: How many jobs run at once. Default: the worker threads of the cluster
            when :meth:`start` is called (for a ``LocalCluster`` of its own: the CPU count).

    Attributes:
        workers: How many jobs run at once (set by :meth:`start` unless given).
        worker_addresses: The address of each worker id (see :attr:`Outcome.worker`).

    The objective must be picklable (cloudpickle: lambdas and closures are fine) and its
    module importable on the workers. A script that starts a ``LocalCluster`` must guard
    its entry point with ``if __name__ == "__main__":``, as for any spawned process.

    Raises:
        TypeError: ``client_or_address`` is not a Client, a string or None, or ``workers``
            is not an int.
        ConfigError: ``client_or_address`` is an empty string, or ``workers`` < 1.
    """

    def __init__(
        self,
        client_or_address: distributed.Client | str | None = None,
        *,
        workers: int | None = None,
    ) -> None:
        self._reports: ReportListener | None = None
        check_all("DaskExecutor", _RULES, locals())
        target = client_or_address
        self._target = target
        self._requested = workers
        if workers is not None:
            self.workers = workers
        elif target is None:
            self.workers = os.cpu_count() or 1
        elif isinstance(target, distributed.Client):
            self.workers = max(1, sum(target.nthreads().values()))
        else:  # an address: known once start() has connected
            self.workers = 1
        self.worker_addresses: list[str] = []
        self._client: distributed.Client | None = None
        self._cluster: Any = None
        self._plugin = ""
        self._clock: Callable[[], float] | None = None
        self._pending: dict[str, tuple[distributed.Future, Task, float]] = {}
        self._done: queue.SimpleQueue[distributed.Future] = queue.SimpleQueue()

    def take_workers(self, workers: int) -> None:
        """Runs ``workers`` jobs at once; built without a count, it takes this one instead
        of its cluster's threads."""
        if self._requested is None:
            self.workers = self._requested = workers
        else:
            super().take_workers(workers)

    def __repr__(self) -> str:
        target = "LocalCluster" if self._target is None else repr(self._target)
        return f"DaskExecutor({target}, workers={self.workers})"

    def start(
        self,
        objective: Callable[..., Any],
        clock: Callable[[], float],
        reports: ReportListener | None = None,
    ) -> None:
        """Connects to the cluster (or starts one) and hands the objective to its workers.

        Raises:
            TypeError: the objective cannot be pickled.
            TimeoutError: no worker joined the cluster within :data:`WORKER_TIMEOUT_S`.
            RuntimeError: the executor was already started.
        """
        self._reports = reports
        if self._client is not None:
            raise RuntimeError("DaskExecutor.start() was already called; close() it first.")
        try:
            payload = cloudpickle.dumps(objective, protocol=pickle.HIGHEST_PROTOCOL)
        except Exception as error:
            raise TypeError(
                f"The objective must be picklable to run on Dask workers ({error})."
            ) from None
        try:
            client = self._client = self._connect()
            if self._requested is None:
                self.workers = self._count_threads(client)
            self.worker_addresses = sorted(client.nthreads())
            self._plugin = f"rung-objective-{uuid.uuid4().hex}"
            client.register_plugin(ObjectivePlugin(payload), name=self._plugin)
            self._done = queue.SimpleQueue()
            # Workers log each report of a running job under this topic; the handler runs
            # in the client's thread and queues it for wait(), in the tuner's thread.
            client.subscribe_topic(f"{self._plugin}-reports", self._done.put)
        except BaseException:
            self.close()
            raise
        self._clock = clock

    def _connect(self) -> distributed.Client:
        if isinstance(self._target, distributed.Client):
            return self._target
        if self._target is None:
            security = _temporary_security()
            self._cluster = distributed.LocalCluster(
                n_workers=self.workers,
                threads_per_worker=1,
                processes=True,
                host=LOOPBACK,
                protocol="tls://",
                security=security,
                dashboard_address=f"{LOOPBACK}:0",
            )
            return distributed.Client(self._cluster, security=security, set_as_default=False)
        return distributed.Client(self._target, set_as_default=False)

    def _count_threads(self, client: distributed.Client) -> int:
        threads = sum(client.nthreads().values())
        if threads == 0:
            try:
                client.wait_for_workers(1, timeout=WORKER_TIMEOUT_S)
            except TimeoutError:
                raise TimeoutError(
                    f"No Dask worker joined the scheduler {client.scheduler.address} within "
                    f"{WORKER_TIMEOUT_S:g} s; start workers ('dask worker ADDRESS'), or pass "
                    "'workers' to submit jobs before they join."
                ) from None
            threads = sum(client.nthreads().values())
        return threads

    def submit(self, task: Task) -> None:
        if self._client is None or self._clock is None:
            raise RuntimeError("DaskExecutor.start() must be called before submit().")
        if len(self._pending) >= self.workers:
            raise RuntimeError(
                f"{self.workers} jobs are running, as many as 'workers'; wait() for an "
                "outcome before submitting."
            )
        now = self._clock()
        base = time.time() - now  # the workers' clock: same origin as ours, in wall time
        job = task.job
        key = f"rung-trial{job.trial_id}-{job.resource_from}-{job.resource_to}-{uuid.uuid4().hex}"
        topic = f"{self._plugin}-reports" if self._reports is not None else None
        future = self._client.submit(run_on_worker, self._plugin, task, base, topic, key, key=key)
        self._pending[future.key] = (future, task, now)
        future.add_done_callback(self._done.put)  # runs in Dask's callback thread

    def wait(self) -> list[Outcome]:
        outcomes: list[Outcome] = []
        while self._pending and not outcomes:
            items = [self._done.get()]
            while True:
                try:
                    items.append(self._done.get_nowait())
                except queue.Empty:
                    break
            for item in items:
                if isinstance(item, tuple):  # (scheduler time, a worker's report)
                    key, resource, value, at, metrics = item[1]
                    entry = self._pending.get(key)  # a report after its outcome is dropped
                    if entry is not None and self._reports is not None:
                        self._reports(entry[1].job, Report(resource, value, at, metrics), None)
                    continue
                entry = self._pending.pop(item.key, None)
                if entry is not None:  # else a stale callback of a future cancelled by close()
                    outcomes.append(self._outcome(*entry))
        return outcomes

    def _outcome(self, future: distributed.Future, task: Task, submitted: float) -> Outcome:
        """The job's outcome, or a FAILED one saying why its future did not finish."""
        worker = NO_WORKER
        try:
            if future.status == "finished":
                try:
                    address, outcome = future.result()
                except KilledWorker as error:
                    # Its result was lost with the worker holding it, and the workers that
                    # ran it again died too: the same death as a task that never finished.
                    worker, message = self._killed(error)
                else:
                    return dataclasses.replace(outcome, worker=self._worker_id(address))
            elif future.status == "error":
                error = future.exception()
                if isinstance(error, KilledWorker):
                    worker, message = self._killed(error)
                else:
                    message = "".join(
                        traceback.format_exception(type(error), error, future.traceback())
                    )
            else:
                message = (
                    f"FutureCancelledError: the Dask task of this job was {future.status} "
                    "(the client lost its scheduler, or the task was cancelled)."
                )
        except Exception:  # the result could not be fetched: the job is failed, not lost
            message = traceback.format_exc()
        now = self._clock() if self._clock is not None else submitted
        return failed_outcome(task, message, submitted, now, worker)

    def _killed(self, error: KilledWorker) -> tuple[int, str]:
        """The last worker's id and the error of a job whose every worker died."""
        address = getattr(error.last_worker, "address", None)
        message = (
            f"WorkerDied: each of the {error.allowed_failures + 1} Dask workers that ran "
            f"this job died while running it (the last: {address}); see the worker logs."
        )
        return (self._worker_id(address) if address else NO_WORKER), message

    def _worker_id(self, address: str) -> int:
        """A small id per worker: a newcomer takes a departed worker's id, else the next."""
        try:
            return self.worker_addresses.index(address)
        except ValueError:
            pass
        alive = set(self._client.nthreads()) if self._client is not None else set()
        for index, known in enumerate(self.worker_addresses):
            if known not in alive and known != address:
                self.worker_addresses[index] = address
                return index
        self.worker_addresses.append(address)
        return len(self.worker_addresses) - 1

    def close(self) -> None:
        """Cancels unfinished jobs and lets go of the workers.

        A client passed in stays open; a client or ``LocalCluster`` the executor made is
        closed. Jobs already running on a thread finish there, and their outcomes are dropped.
        """
        client, cluster = self._client, self._cluster
        self._client = self._cluster = None
        self._clock = None
        futures = [future for future, _, _ in self._pending.values()]
        self._pending.clear()
        if client is None:
            return
        try:
            if cluster is None:  # the user's cluster lives on: free what this run left there
                if futures:
                    client.cancel(futures)
                if self._plugin:
                    client.unregister_worker_plugin(self._plugin)
            if self._plugin:
                client.unsubscribe_topic(f"{self._plugin}-reports")
        except Exception:  # the cluster is gone: nothing is left to release
            logger.debug("DaskExecutor.close() could not release the workers", exc_info=True)
        finally:
            if client is not self._target:
                client.close()
            if cluster is not None:
                cluster.close()
