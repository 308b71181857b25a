"""One GPU per worker process: what CUDA_VISIBLE_DEVICES each worker (and its program) sees."""

from __future__ import annotations

import os
import sys
from typing import Any

import pytest

import rung
from rung.errors import ConfigError
from rung.executors import _gpus
from rung.executors._gpus import device_of, parse_gpus, visible_gpus
from rung.executors.factory import make_executor
from rung.executors.processes import ProcessExecutor
from rung.workloads.command import CommandObjective
from tests.workloads import programs


def visible_device(config: dict[str, Any]) -> float:
    """The worker's GPU as the value (-1: none set)."""
    return float(os.environ.get("CUDA_VISIBLE_DEVICES", "-1"))


def test_devices_are_parsed_and_handed_out_round_robin():
    assert parse_gpus(None) is None
    assert parse_gpus("0, 1") == ("0", "1")
    assert parse_gpus([2, "3", "GPU-8f2e4c1a"]) == ("2", "3", "GPU-8f2e4c1a")
    assert parse_gpus("MIG-4b1c") == ("MIG-4b1c",)
    assert [device_of(("4", "7"), slot) for slot in range(5)] == ["4", "7", "4", "7", "4"]
    assert device_of(None, 3) is None
    for bad in ([], "", "0,,1", [-1], [True], "a b", ["0", 2.0], "0,x", "gpu0", "GPU- 1"):
        with pytest.raises(ConfigError, match=r"'gpus(\[\d\])?' parameter"):
            parse_gpus(bad)


def test_all_means_the_visible_gpus(monkeypatch):
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "2,5")
    assert parse_gpus("all") == ("2", "5")
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "-1")
    with pytest.raises(ConfigError, match="hides every GPU"):
        visible_gpus()
    monkeypatch.delenv("CUDA_VISIBLE_DEVICES")
    monkeypatch.setattr(_gpus, "_from_nvidia_smi", lambda: ("0", "1", "2"))
    assert parse_gpus("all") == ("0", "1", "2")
    monkeypatch.setattr(_gpus, "_from_nvidia_smi", lambda: None)
    monkeypatch.setattr(_gpus, "_from_torch", lambda: ())
    with pytest.raises(ConfigError, match="no GPU is visible"):
        parse_gpus("all")


def test_each_worker_process_sees_its_own_gpu():
    executor = ProcessExecutor(workers=3, threads_per_worker=1, gpus=["3", "5"])
    scheduler = rung.FIFO(rung.RandomSearcher({"x": rung.uniform(0, 1)}, seed=0))
    result = rung.Tuner(visible_device, scheduler, executor=executor).run(max_trials=9)
    assert {j.worker for j in result.jobs} == {0, 1, 2}
    for job in result.jobs:  # worker k has GPU k mod 2
        assert job.value == (3.0, 5.0, 3.0)[job.worker]


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX process groups")
def test_a_command_run_by_a_worker_sees_the_workers_gpu(tmp_path):
    script = programs.write(tmp_path, "gpu.py", programs.SHOWS_GPU)
    objective = CommandObjective(programs.python(script), metric="gpu", directory=tmp_path)
    executor = make_executor(None, 2, threads_per_worker=1, gpus="4,7")
    scheduler = rung.FIFO(rung.RandomSearcher({"x": rung.uniform(0, 1)}, seed=0), max_resource=1)
    result = rung.Tuner(objective, scheduler, executor=executor).run(max_trials=6)
    assert {j.worker for j in result.jobs} == {0, 1}
    for job in result.jobs:
        assert job.value == (4.0, 7.0)[job.worker]


def test_gpus_need_worker_processes():
    assert make_executor(None, None, gpus=[0, 1]).workers == 2  # one per GPU
    assert isinstance(make_executor(None, 1, gpus=[0]), ProcessExecutor)
    for executor in ("inline", "dask", ProcessExecutor(workers=1)):
        with pytest.raises(ConfigError, match="'gpus'"):
            make_executor(executor, gpus=[0])


def test_rung_tune_gives_each_worker_its_gpu():
    result = rung.tune(
        visible_device,
        {"x": rung.uniform(0, 1)},
        workers=2,
        gpus=[3, 5],
        max_trials=6,
    )
    assert {job.value for job in result.jobs} == {3.0, 5.0}
    assert {job.worker for job in result.jobs if job.value == 3.0} == {0}
