"""Executors by name: what ``Tuner(executor="processes", workers=4)`` builds."""

from __future__ import annotations

import enum
from collections.abc import Sequence

from rung._checks import AnyOf, InstanceOf, Integer, Member, check, check_all
from rung.errors import ConfigError
from rung.executors._gpus import parse_gpus
from rung.executors.base import Executor

__all__ = ["ExecutorName", "make_executor"]


class ExecutorName(str, enum.Enum):
    """Where jobs run."""

    INLINE = "inline"  # in the tuner's process, one at a time
    PROCESSES = "processes"  # long-lived local worker processes
    DASK = "dask"  # a Dask cluster (a LocalCluster unless an address is given)

    @classmethod
    def parse(cls, value: str | ExecutorName) -> ExecutorName:
        """The name ``value`` is, or names.

        Raises:
            ConfigTypeError: ``value`` is not a string.
            ConfigError: ``value`` names no executor.
        """
        rule = Member(cls)
        return rule.parse(check(None, "executor", value, rule))


_RULES = {
    "executor": AnyOf(
        (Member(ExecutorName), InstanceOf((Executor,), "an Executor")), nullable=True
    ),
    "workers": Integer(low=1, nullable=True),
}


def make_executor(
    executor: str | ExecutorName | Executor | None = None,
    workers: int | None = None,
    dask_address: str | None = None,
    threads_per_worker: int | None = None,
    gpus: str | Sequence[int | str] | None = None,
) -> Executor:
    """Builds the executor a tuner runs on.

    Args:
        executor: An :class:`Executor`, a name, or None: ``"inline"`` for one worker,
            ``"processes"`` for more.
        workers: How many jobs run at once (default 1, or the given executor's own).
        dask_address: The scheduler address for ``"dask"`` (default: a ``LocalCluster``).
        threads_per_worker: Threads of each ``"processes"`` worker (default: the CPUs
            split across workers).
        gpus: One GPU per worker (``[0, 1]``, ``"0,1"`` or ``"all"``): needs worker
            processes, so None as ``executor`` means ``"processes"`` even for one worker;
            ``workers`` defaults to one per GPU.

    Raises:
        ConfigError: an unknown name, ``workers`` below 1, ``"inline"`` with more than one
            worker, ``workers`` that contradicts the given executor's, or ``gpus`` with
            an executor other than ``"processes"``. A Dask executor built without a count
            takes ``workers`` as its own.
    """
    check_all(None, _RULES, locals())
    if gpus is not None and (executor is not None and executor != ExecutorName.PROCESSES):
        raise ConfigError(
            f"The 'gpus' parameter gives each worker process of executor='processes' its "
            f"own GPU; got executor={executor!r}. Give a ProcessExecutor its gpus itself, "
            "or start each Dask worker with its CUDA_VISIBLE_DEVICES."
        )
    if isinstance(executor, Executor):
        if workers is not None:
            executor.take_workers(workers)
        return executor
    if executor is None:
        parallel = (workers or 1) > 1 or gpus is not None
        name = ExecutorName.PROCESSES if parallel else ExecutorName.INLINE
    else:
        name = ExecutorName.parse(executor)
    if dask_address is not None and name is not ExecutorName.DASK:
        raise ConfigError(
            f"The 'dask_address' parameter needs executor='dask'; got executor={name.value!r}."
        )
    if name is ExecutorName.INLINE:
        if workers is not None and workers > 1:
            raise ConfigError(
                f"The inline executor runs one job at a time; got workers={workers}. "
                "Use executor='processes' for parallel workers."
            )
        from rung.executors.inline import InlineExecutor

        return InlineExecutor()
    if name is ExecutorName.PROCESSES:
        from rung.executors.processes import ProcessExecutor

        devices = parse_gpus(gpus)
        return ProcessExecutor(
            workers=workers or (len(devices) if devices else 2),  # by default, one per GPU
            threads_per_worker=threads_per_worker,
            gpus=devices,
        )
    from rung.executors.dask import DaskExecutor

    return DaskExecutor(dask_address, workers=workers)
