"""Readers and writers in other connections and processes, and writers killed mid-job."""

from __future__ import annotations

import contextlib
import os
import random
import signal
import sqlite3
import sys
import time
import traceback

import pytest

from rung.results.summary import read_result
from rung.store import EventKind, ExperimentStore
from rung.store._payloads import row_crc
from rung.types import Decision
from tests.store.records import SPEC, blob, files, make_job, record

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="uses fork and SIGKILL")


def test_a_reader_is_not_blocked_by_an_open_write_transaction(tmp_path):
    with ExperimentStore.create(tmp_path, SPEC) as store:
        record(store, make_job(0, 0))
    other = sqlite3.connect(tmp_path / "experiment.db", isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another writer holds the write lock...
    crc = row_crc(4, "RUN_FINISHED", 9.0, None, "{}")
    sql = "INSERT INTO events (seq, kind, time, data, crc) VALUES (4, 'RUN_FINISHED', 9, '{}', ?)"
    other.execute(sql, (crc,))
    experiment = read_result(tmp_path)  # ...and the reader, under that lock, neither
    assert len(experiment.jobs) == 1 and not experiment.finished  # waits nor sees it
    other.execute("COMMIT")
    assert read_result(tmp_path).finished
    other.close()


def test_a_writer_is_not_blocked_by_a_reader_holding_a_snapshot(tmp_path):
    with ExperimentStore.create(tmp_path, SPEC) as store:
        record(store, make_job(0, 0))
        reader = ExperimentStore.open(tmp_path, readonly=True)
        reader._db.execute("BEGIN")
        assert len(list(reader.events())) == 3
        record(store, make_job(1, 1), checkpoint=blob(1, 1))  # commits under the snapshot
        assert len(list(reader.events())) == 3  # its snapshot is unchanged
        reader._db.execute("COMMIT")
        assert len(list(reader.events())) == 5
        reader.close()


def child(body) -> int:
    """Runs ``body`` in a forked process (which must not return); returns its pid."""
    pid = os.fork()
    if pid == 0:  # pragma: no cover - runs in the child
        code = 0
        try:
            body()
        except BaseException:
            traceback.print_exc()
            code = 1
        os._exit(code)
    return pid


def write_jobs(directory, pipe: int, n_trials: int = 4, delay: float = 0.0) -> None:
    """Records jobs until killed; writes each job's index to ``pipe`` once it is committed."""
    store = ExperimentStore.open(directory)
    rng = random.Random(0)
    for index in range(10**6):
        trial = rng.randrange(n_trials + index // 8)
        done = rng.random() < 0.2
        stopped = [t for t in range(trial) if rng.random() < 0.05]
        job = make_job(index, trial, decision=Decision.STOP if done else Decision.PAUSE)
        record(
            store, job, checkpoint=blob(trial, index, size=2000), trial_done=done, stopped=stopped
        )
        os.write(pipe, f"{index}\n".encode())
        if delay:
            time.sleep(delay)


def test_a_reader_in_this_process_follows_a_writer_in_another(tmp_path):
    ExperimentStore.create(tmp_path, SPEC).close()
    read_end, write_end = os.pipe()
    pid = child(lambda: write_jobs(tmp_path, write_end, delay=0.001))
    os.close(write_end)
    try:
        seen = [0]
        deadline = time.monotonic() + 20
        while len(set(seen)) < 4 and time.monotonic() < deadline:
            time.sleep(0.01)
            jobs = read_result(tmp_path).jobs
            assert [j.index for j in jobs] == list(range(len(jobs)))  # whole jobs, in order
            seen.append(len(jobs))
        assert seen == sorted(seen) and len(set(seen)) == 4
    finally:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        os.close(read_end)


@pytest.mark.parametrize("seed", range(12))
def test_every_committed_job_survives_a_kill_exactly_once(tmp_path, seed):
    ExperimentStore.create(tmp_path, SPEC).close()
    read_end, write_end = os.pipe()
    pid = child(lambda: write_jobs(tmp_path, write_end))
    os.close(write_end)
    time.sleep(random.Random(seed).uniform(0.02, 0.15))
    os.kill(pid, signal.SIGKILL)
    _, status = os.waitpid(pid, 0)
    assert os.WIFSIGNALED(status), "the writer died before it was killed"
    with os.fdopen(read_end) as pipe:
        reported = [int(line) for line in pipe.read().split()]

    shown = read_result(tmp_path)  # `rung show` right after the crash, before a resume
    assert [j.index for j in shown.jobs] == list(range(len(shown.jobs)))
    with ExperimentStore.open(tmp_path) as store:  # sweeps orphans
        events = list(store.events())
        ended = [e for e in events if e.kind is EventKind.JOB_ENDED]
        indices = [e.data["index"] for e in ended]
        # every job the writer saw committed is there, once, in order; at most one more
        assert indices == list(range(len(indices)))
        assert reported == list(range(len(reported)))
        assert len(reported) <= len(indices) <= len(reported) + 1
        assert len(shown.jobs) == len(indices)
        # the checkpoint references follow the rules, and each names its intact file
        kept: dict[int, int] = {}
        for event in events:
            if event.kind is EventKind.JOB_ENDED:
                if event.data["checkpoint"] is not None:
                    kept[event.trial_id] = event.data["index"]
                elif event.data["decision"] == "STOP":
                    kept.pop(event.trial_id, None)
            elif event.kind is EventKind.TRIAL_STOPPED:
                kept.pop(event.trial_id, None)
        assert {t: store.load_checkpoint(t)["job"] for t in kept} == kept
        assert files(tmp_path) == {f"trial-{t}-job-{i}.ckpt" for t, i in kept.items()}
        record(store, make_job(len(indices), 0), checkpoint=blob(0, len(indices)))
    experiment = read_result(tmp_path)
    assert [j.index for j in experiment.jobs] == list(range(len(indices) + 1))


def test_a_reader_tells_a_live_writer_from_a_killed_one(tmp_path):
    ExperimentStore.create(tmp_path, SPEC).close()
    read_end, write_end = os.pipe()
    pid = child(lambda: write_jobs(tmp_path, write_end, delay=0.01))
    os.close(write_end)
    try:
        os.read(read_end, 100)  # the writer has committed a job: it holds the lock
        with ExperimentStore.open(tmp_path, readonly=True) as reader:
            assert reader.being_written() is True
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            assert reader.being_written() is False  # a killed process's lock is gone
    finally:
        with contextlib.suppress(ProcessLookupError, ChildProcessError):
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
        os.close(read_end)
