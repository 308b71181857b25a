"""Resuming recorded runs: replay rebuilds the scheduler exactly; kill -9 loses nothing."""

from __future__ import annotations

import os
import pickle
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import rung
from rung.errors import StoreError
from rung.executors.inline import InlineExecutor
from rung.results.summary import read_result
from rung.run.state import RunLoop
from rung.store import EventKind, ExperimentStore, _files
from rung.store._directory import holds_experiment
from rung.types import JobStatus, TrialStatus
from tests import crash_driver
from tests.crash_driver import MAX_TRIALS, tuner

ROOT = Path(__file__).resolve().parents[2]
SCHEDULERS = ["fifo", "sh", "hyperband", "asha", "async-hyperband"]


def sequence(result: rung.Result) -> list[tuple[Any, ...]]:
    """What a run did, without its timing: every job, its value and the decision after it."""
    return [
        (j.trial_id, j.resource_from, j.resource_to, _same_nan(j.value), j.status, j.decision)
        for j in result.jobs
    ]


def _same_nan(value: float) -> float | str:
    return "nan" if value != value else value  # a job that reported nothing: equal to another


def uninterrupted(scheduler: str, **budget: Any) -> list[tuple[Any, ...]]:
    with tempfile.TemporaryDirectory() as directory:
        return sequence(tuner(Path(directory) / "run", scheduler).run(**budget))


@settings(max_examples=12, deadline=None)
@given(scheduler=st.sampled_from(SCHEDULERS), split=st.integers(1, 60))
def test_stopping_and_resuming_replays_to_the_uninterrupted_run(scheduler: str, split: int) -> None:
    reference = uninterrupted(scheduler, max_jobs=70)
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "run"
        tuner(path, scheduler).run(max_jobs=split)
        resumed = tuner(path, scheduler).resume(max_jobs=70)
        assert sequence(resumed) == reference
        # Replaying the whole record again rebuilds the same state and runs nothing more.
        again = tuner(path, scheduler).resume()
        assert sequence(again) == reference


def test_the_gp_searcher_replays_its_observations(tmp_path: Path) -> None:
    def bo(directory: Path) -> Any:
        return rung.run.factory.build_tuner(
            crash_driver.objective,
            crash_driver.FUNCTION.space,
            searcher="bo",
            scheduler="asha",
            min_resource=1,
            max_resource=9,
            eta=3,
            seed=3,
            n_init=4,
            directory=directory,
        )

    with tempfile.TemporaryDirectory() as directory:
        reference = sequence(bo(Path(directory)).run(max_jobs=24))
    bo(tmp_path / "run").run(max_jobs=10)
    replayed = bo(tmp_path / "run")
    result = replayed.resume(max_jobs=24)
    assert sequence(result) == reference
    observed = [
        (dict(o.config), o.value, o.resource) for o in replayed.scheduler.searcher.observations
    ]
    assert len(observed) == sum(j.status is JobStatus.COMPLETED for j in result.jobs)


def test_resuming_a_finished_run_with_a_larger_budget_extends_it(tmp_path: Path) -> None:
    first = tuner(tmp_path / "run").run(max_trials=10)
    assert first.n_trials == 10
    extended = tuner(tmp_path / "run").resume(max_trials=16)
    assert extended.n_trials == 16
    assert sequence(extended)[: first.n_jobs] == sequence(first)
    store = ExperimentStore.open(tmp_path / "run", readonly=True)
    kinds = [e.kind for e in store.events()]
    store.close()
    assert kinds.count(EventKind.RUN_RESUMED) == 1 and kinds[-1] is EventKind.RUN_FINISHED


def test_a_time_budget_run_resumes_its_interrupted_jobs_from_their_checkpoints(
    tmp_path: Path,
) -> None:
    clock = [0.0]

    def slow(config: dict[str, Any], trial: Any) -> None:
        for epoch in range(trial.resource_from + 1, trial.resource_to + 1):
            clock[0] += 1.0
            trial.report(epoch, crash_driver.FUNCTION.at(config, epoch), checkpoint={"e": epoch})

    def build() -> Any:
        searcher = rung.RandomSearcher(crash_driver.FUNCTION.space, seed=0)
        scheduler = rung.FIFO(searcher, max_resource=9)  # 9 epochs, 9 seconds, per trial
        return rung.Tuner(slow, scheduler, directory=tmp_path / "run", clock=lambda: clock[0])

    first = build().run(time_budget_s=20)
    interrupted = [j for j in first.jobs if j.status is JobStatus.INTERRUPTED]
    assert interrupted
    second = build().resume(time_budget_s=60)
    trial = interrupted[-1].trial_id
    later = [j for j in second.jobs[first.n_jobs :] if j.trial_id == trial]
    assert later[0].resource_from == interrupted[-1].reports[-1].resource  # from its checkpoint
    assert later[0].resource_to == 9 and later[0].status is JobStatus.COMPLETED
    assert second.wall_time >= 60 and second.n_trials > first.n_trials
    assert second.trials[trial].reports[-1].resource == 9


def test_resuming_with_another_space_or_scheduler_is_refused(tmp_path: Path) -> None:
    tuner(tmp_path / "run").run(max_trials=4)
    before = (tmp_path / "run" / "experiment.db").read_bytes()
    with pytest.raises(StoreError, match="scheduler: recorded 'ASHA', now 'SuccessiveHalving'"):
        tuner(tmp_path / "run", "sh").resume()
    other_space = {**crash_driver.FUNCTION.space.domains, "x1": rung.uniform(0, 1)}
    searcher = rung.RandomSearcher(other_space, seed=0)
    other = rung.Tuner(crash_driver.objective, rung.ASHA(searcher, 1, 9, 3), seed=11)
    with pytest.raises(StoreError, match="space: recorded"):
        other.resume(tmp_path / "run")
    assert (tmp_path / "run" / "experiment.db").read_bytes() == before


def test_a_database_left_empty_by_a_kill_during_creation_does_not_block_a_new_run(
    tmp_path: Path,
) -> None:
    import sqlite3

    (tmp_path / "run").mkdir()
    sqlite3.connect(tmp_path / "run" / "experiment.db").close()  # created, nothing recorded
    assert tuner(tmp_path / "run").run(max_trials=3).n_trials == 3


def test_resuming_a_database_left_empty_by_a_kill_starts_the_run_afresh(tmp_path: Path) -> None:
    import sqlite3

    (tmp_path / "run").mkdir()
    sqlite3.connect(tmp_path / "run" / "experiment.db").close()  # created, nothing recorded
    with pytest.raises(rung.ConfigError, match="give Tuner.resume.. a budget"):
        tuner(tmp_path / "run").resume()  # nothing recorded and no budget given
    assert tuner(tmp_path / "run").resume(max_trials=3).n_trials == 3
    assert read_result(tmp_path / "run").n_trials == 3


@pytest.mark.parametrize("state", ["missing", "stillborn", "recorded"])
def test_one_call_runs_or_resumes(tmp_path: Path, state: str) -> None:
    import sqlite3

    directory = tmp_path / "run"
    if state == "stillborn":
        directory.mkdir()
        sqlite3.connect(directory / "experiment.db").close()
    elif state == "recorded":
        tuner(directory).run(max_trials=4)
    result = tuner(directory).run(max_trials=MAX_TRIALS, resume="auto")
    assert sequence(result) == uninterrupted("asha", max_trials=MAX_TRIALS)


def test_resuming_needs_a_fresh_scheduler(tmp_path: Path) -> None:
    used = tuner(tmp_path / "run")
    used.run(max_trials=3)
    with pytest.raises(rung.ConfigError, match="freshly built scheduler"):
        used.resume()


def test_a_second_run_into_a_recorded_directory_is_refused(tmp_path: Path) -> None:
    tuner(tmp_path / "run").run(max_trials=3)
    with pytest.raises(StoreError, match="already holds an experiment .* resume=True") as error:
        tuner(tmp_path / "run").run(max_trials=3)
    assert "--out" not in str(error.value)  # a Python run is told in Python's words


# -- kill -9 ---------------------------------------------------------------------------


def _ended_jobs(directory: Path) -> dict[int, tuple[Any, ...]]:
    """Job index -> (trial, from, to, value) of every JOB_ENDED committed."""
    if not holds_experiment(directory):  # killed before (or while) creating its store
        return {}
    with ExperimentStore.open(directory, readonly=True) as store:
        return {
            e.data["index"]: (e.trial_id, e.data["resource_from"], e.data["resource_to"])
            for e in store.events()
            if e.kind is EventKind.JOB_ENDED
        }


def _crash(directory: Path, mode: str, n: int, kill_after: float | None) -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.crash_driver", str(directory), mode, str(n)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT)])},
    )
    assert process.stdout is not None
    assert process.stdout.readline().strip() == b"ready"
    if kill_after is not None:
        time.sleep(kill_after)
        process.send_signal(signal.SIGKILL)
    process.wait(timeout=60)


# Kill points drawn at random once (seeded): inside jobs, inside store transactions, inside
# checkpoint writes, and from outside at a random moment.
_RNG = np.random.default_rng(2026)
CASES = [("job", int(n), None) for n in _RNG.integers(1, 40, size=10)]
CASES += [("none", 0, float(t)) for t in _RNG.uniform(0.1, 0.3, size=4)]
CASES += [("transaction", n, None) for n in (2, 7, 30, 61)]
CASES += [("checkpoint-partial", n, None) for n in (1, 9)]
CASES += [("checkpoint-renamed", n, None) for n in (3, 14)]


@pytest.fixture(scope="module")
def reference() -> list[tuple[Any, ...]]:
    return uninterrupted("asha", max_trials=MAX_TRIALS)


@pytest.mark.parametrize(("mode", "n", "kill_after"), CASES)
def test_a_killed_driver_resumes_without_losing_or_repeating_a_job(
    tmp_path: Path, reference: list[tuple[Any, ...]], mode: str, n: int, kill_after: float
) -> None:
    directory = tmp_path / "run"
    _crash(directory, mode, n, kill_after)
    before = _ended_jobs(directory)
    # The one call that runs or resumes: a kill before anything was recorded starts afresh.
    result = tuner(directory).run(max_trials=MAX_TRIALS, resume="auto")
    after = _ended_jobs(directory)
    assert all(after[index] == job for index, job in before.items())  # nothing lost or moved
    assert len(after) == result.n_jobs  # each job recorded once
    # The same jobs, values and decisions as a run never killed: the replay contradicted
    # nothing and the jobs cut short ran again from their trial's checkpoint.
    assert sequence(result) == reference
    assert result.n_trials == MAX_TRIALS
    assert all(t.status is not TrialStatus.FAILED for t in result.trials)
    leftovers = list((directory / "checkpoints").glob("*.tmp"))
    assert leftovers == []
    recorded = read_result(directory)
    assert recorded.finished and recorded.n_jobs == result.n_jobs


class Opaque:
    """A checkpoint the store cannot hold safely."""


def test_a_checkpoint_the_store_cannot_hold_fails_its_job_with_the_reason(tmp_path: Path) -> None:
    def objective(config: dict[str, Any], trial: Any) -> None:
        trial.report(trial.resource_to, config["x1"], checkpoint=Opaque())

    searcher = rung.RandomSearcher(crash_driver.FUNCTION.space, seed=0)
    tuner_ = rung.Tuner(
        objective, rung.FIFO(searcher, max_resource=3), directory=tmp_path / "run", max_retries=0
    )
    with pytest.raises(rung.TrialFailed, match="(?s)CheckpointError.*Opaque"):
        tuner_.run(max_trials=10)
    recorded = read_result(tmp_path / "run")
    assert recorded.jobs and all(j.status is JobStatus.FAILED for j in recorded.jobs)


def _varied_epochs(config: dict[str, Any], resource: int) -> tuple[float, float]:
    """Jobs of uneven length, so that brackets overlap and results arrive out of order."""
    return config["x"] + 1.0 / resource, 0.5 + config["x"]


def _side_by_side_tuner(directory: Path, scheduler: str, max_brackets: int | None = None) -> Any:
    from tests.fakes import FakeClock

    space = {"x": rung.uniform(0, 1)}
    chosen = rung.SuccessiveHalving if scheduler == "sh" else rung.Hyperband
    return rung.Tuner(
        _varied_epochs,
        chosen(rung.RandomSearcher(space, seed=0), 1, 9, eta=3, max_brackets=max_brackets),
        seed=0,
        executor=rung.SimulatedExecutor(4, timer=FakeClock()),
        directory=directory,
    )


@pytest.mark.parametrize("scheduler", ["sh", "hyperband"])
def test_brackets_running_side_by_side_replay_on_resume(tmp_path: Path, scheduler: str) -> None:
    path = tmp_path / "run"
    first = _side_by_side_tuner(path, scheduler)
    first.run(max_jobs=20)
    assert len(first.scheduler.running_brackets) > 1  # stopped while brackets overlapped
    resumed = _side_by_side_tuner(path, scheduler).resume(max_jobs=60)
    assert len(resumed.jobs) == 60
    # The whole record, brackets side by side, replays through a fresh scheduler.
    again = _side_by_side_tuner(path, scheduler).resume()
    assert sequence(again) == sequence(resumed)


def test_a_record_from_before_brackets_ran_side_by_side_still_resumes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Replay makes only the recorded calls, and one bracket at a time answers them as
    brackets side by side do; the run then goes on with brackets side by side."""
    path = tmp_path / "run"
    current = rung.Tuner.spec

    def without_max_brackets(self: rung.Tuner, budget: Any = None) -> rung.RunSpec:
        import dataclasses

        spec = current(self, budget)
        options = {k: v for k, v in spec.scheduler_options.items() if k != "max_brackets"}
        return dataclasses.replace(spec, scheduler_options=options)

    with monkeypatch.context() as patch:  # such records have no max_brackets
        patch.setattr(rung.Tuner, "spec", without_max_brackets)
        # nor the calls the scheduler answered with no job (a bracket waiting at a
        # barrier, where brackets side by side start a new one)
        patch.setattr(RunLoop, "take_no_job", lambda self: [])
        _side_by_side_tuner(path, "sh", max_brackets=1).run(max_jobs=20)
    reference = _side_by_side_tuner(tmp_path / "reference", "sh", max_brackets=1).run(max_jobs=60)
    tuner = _side_by_side_tuner(path, "sh")
    resumed = tuner.resume(max_jobs=60)
    assert sequence(resumed)[:20] == sequence(reference)[:20]
    assert len(resumed.jobs) == 60 and sequence(resumed) != sequence(reference)


def test_a_running_jobs_reports_are_recorded_as_they_come(tmp_path: Path) -> None:
    def three_epochs(config: dict[str, Any], trial: Any) -> None:
        for epoch in range(trial.resource_from + 1, trial.resource_to + 1):
            trial.report(epoch, config["x"] / epoch)

    def make() -> rung.Tuner:
        space = {"x": rung.uniform(0, 1)}
        scheduler = rung.FIFO(rung.RandomSearcher(space, seed=0), max_resource=3)
        return rung.Tuner(three_epochs, scheduler, directory=tmp_path / "run")

    result = make().run(max_trials=2)
    with ExperimentStore.open(tmp_path / "run", readonly=True) as store:
        reported = [
            (e.trial_id, e.data["resource"], e.data["value"])
            for e in store.events()
            if e.kind is EventKind.JOB_REPORTED
        ]
    # Epochs 1 and 2 of each job as they came; epoch 3 ended the job and is in its record.
    assert reported == [
        (job.trial_id, report.resource, report.value)
        for job in result.jobs
        for report in job.reports[:-1]
    ]
    assert len(reported) == 4
    assert sequence(make().resume()) == sequence(result)  # the record still replays


# -- a lost or damaged checkpoint never stops the run --------------------------------------


def _paused_checkpoints(directory: Path) -> list[Path]:
    return sorted((directory / "checkpoints").glob("*.ckpt"))


@pytest.mark.parametrize("damage", ["delete", "truncate", "flip", "empty"])
def test_a_lost_checkpoint_restarts_its_trial_from_zero_on_resume(
    tmp_path: Path, damage: str, caplog: pytest.LogCaptureFixture
) -> None:
    directory = tmp_path / "run"
    tuner(directory).run(max_jobs=18)
    # damage the checkpoint of a trial the rest of the run promotes
    promoted = [
        tid for tid, start, *_ in uninterrupted("asha", max_trials=MAX_TRIALS)[18:] if start
    ]
    files = {int(f.name.split("-")[1]): f for f in _paused_checkpoints(directory)}
    victim = files[next(tid for tid in promoted if tid in files)]
    data = victim.read_bytes()
    if damage == "delete":
        victim.unlink()
    elif damage == "truncate":
        victim.write_bytes(data[: len(data) // 2])
    elif damage == "flip":
        victim.write_bytes(data[:-3] + bytes([data[-3] ^ 0xFF]) + data[-2:])
    else:
        victim.write_bytes(b"")
    trial = int(victim.name.split("-")[1])
    result = tuner(directory).resume(max_trials=MAX_TRIALS, max_jobs=1000)  # the run goes on
    assert result.n_trials == MAX_TRIALS
    restarted = [j for j in result.jobs[18:] if j.trial_id == trial and j.resource_from == 0]
    # the trial was promoted after the damage: it trained from 0
    assert restarted and restarted[0].reports[0].resource == 1
    assert victim.name in caplog.text and "trains again from 0" in caplog.text
    with ExperimentStore.open(directory, readonly=True) as store:
        scratch = [
            e
            for e in store.events()
            if e.kind is EventKind.JOB_STARTED and e.data.get("from_scratch")
        ]
    assert len(scratch) == len(restarted)
    # and the record still replays, the restart included
    assert sequence(tuner(directory).resume()) == sequence(result)


def test_a_checkpoint_lost_during_a_live_run_restarts_its_trial(tmp_path: Path) -> None:
    from rung.store import _files

    directory = tmp_path / "run"
    original = _files.CheckpointDir.read
    lost: list[int] = []

    def read(self: Any, name: str, size: int, crc: int, trial_id: int) -> bytes:
        if not lost:  # the first checkpoint read back is gone
            lost.append(trial_id)
            (self.path / name).unlink()
        return original(self, name, size, crc, trial_id)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(_files.CheckpointDir, "read", read)
        result = tuner(directory).run(max_trials=MAX_TRIALS)
    assert lost and result.n_trials == MAX_TRIALS
    (restart,) = [
        j for j in result.jobs if j.trial_id == lost[0] and j.resource_from == 0 and j.index > 0
    ][-1:]
    assert restart.status is JobStatus.COMPLETED
    assert sequence(tuner(directory).resume()) == sequence(result)


class _System:
    """Pickles as a call of ``os.system``: what a hand-crafted checkpoint may ask for."""

    def __init__(self, command: str) -> None:
        self.command = command

    def __reduce__(self) -> tuple[Any, ...]:
        return (os.system, (self.command,))


def _undecodable(kind: str, marker: Path) -> bytes:
    """Bytes in rung's checkpoint format (its format byte) that do not decode."""
    if kind == "code":  # a global the safe codec refuses; loading it would create `marker`
        return b"R" + pickle.dumps(_System(f"touch {marker}"), protocol=5)
    return b"R" + pickle.dumps({"epoch": 3, "trace": [1.0] * 8}, protocol=5)[:-7]  # cut short


def _rewrite_checkpoint(directory: Path, victim: Path, data: bytes) -> None:
    """Replaces a checkpoint file's bytes and records their size and CRC-32 as the store
    does, so that the file passes the store's checks and only decoding can refuse it."""
    victim.write_bytes(data)
    with sqlite3.connect(directory / ExperimentStore.DB_NAME) as db:
        sql = "UPDATE checkpoints SET size = ?, crc32 = ? WHERE file = ?"
        assert db.execute(sql, (len(data), _files.crc32(data), victim.name)).rowcount == 1
    db.close()


@pytest.mark.parametrize("kind", ["code", "truncated"])
@pytest.mark.parametrize("executor", ["inline", "processes", "dask"])
def test_a_checkpoint_that_passes_its_checks_but_does_not_decode_restarts_its_trial(
    tmp_path: Path, executor: str, kind: str, caplog: pytest.LogCaptureFixture
) -> None:
    if executor == "dask":
        pytest.importorskip("distributed")
    directory = tmp_path / "run"
    before = sequence(tuner(directory).run(max_jobs=18))
    marker = tmp_path / "code-ran"
    # every paused trial's checkpoint, so that whichever the run promotes finds one
    files = {int(f.name.split("-")[1]): f for f in _paused_checkpoints(directory)}
    for victim in files.values():
        _rewrite_checkpoint(directory, victim, _undecodable(kind, marker))
    with ExperimentStore.open(directory, readonly=True) as store:
        for trial in files:
            store.checkpoint(trial)  # the store's own checks pass: only decoding fails
    options = {"executor": executor, "workers": 2} if executor != "inline" else {}
    with caplog.at_level("WARNING", logger="rung.run.state"):
        result = tuner(directory, **options).resume(max_trials=MAX_TRIALS, max_jobs=1000)
    assert not marker.exists()  # nothing the store held ran
    assert result.n_trials == MAX_TRIALS and read_result(directory).finished
    assert all(t.status is not TrialStatus.FAILED for t in result.trials)
    assert sequence(result)[:18] == before  # nothing recorded before is lost
    warnings = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    resumed = [trial for trial in files if any(j.trial_id == trial for j in result.jobs[18:])]
    assert resumed  # the run promoted paused trials
    for trial in resumed:
        later = [j for j in result.jobs[18:] if j.trial_id == trial]
        # the job that found the checkpoint undecodable ran nothing; it runs again, from 0
        assert later[0].status is JobStatus.INTERRUPTED and not later[0].reports
        assert later[1].resource_from == 0 and later[1].reports[0].resource == 1
        named = [w for w in warnings if f"checkpoint of trial {trial} " in w]
        assert len(named) == 1 and files[trial].name in named[0] and "from 0" in named[0]
    with ExperimentStore.open(directory, readonly=True) as store:
        scratch = {
            e.trial_id
            for e in store.events()
            if e.kind is EventKind.JOB_STARTED and e.data.get("from_scratch")
        }
    assert scratch == set(resumed)
    # and the record, the restarts included, replays
    assert sequence(tuner(directory).resume()) == sequence(result)


@pytest.mark.parametrize("recorded", [True, False], ids=["store", "memory"])
def test_a_checkpoint_a_worker_cannot_decode_during_a_live_run_restarts_its_trial(
    tmp_path: Path, recorded: bool, caplog: pytest.LogCaptureFixture
) -> None:
    from rung.codec import CheckpointError
    from rung.executors import _checkpoints

    original = _checkpoints.decode
    lost: list[int] = []

    def decode(blob: Any) -> Any:
        if not lost:  # the first checkpoint a worker decodes
            lost.append(original(blob)["epoch"])
            raise CheckpointError("The checkpoint is damaged: made so by the test")
        return original(blob)

    directory = tmp_path / "run" if recorded else None
    with pytest.MonkeyPatch.context() as patch, caplog.at_level("WARNING"):
        patch.setattr(_checkpoints, "decode", decode)
        result = tuner(directory).run(max_trials=MAX_TRIALS)
    assert lost and result.n_trials == MAX_TRIALS
    unrun = [j for j in result.jobs if j.status is JobStatus.INTERRUPTED]
    assert len(unrun) == 1 and unrun[0].resource_from == lost[0] and not unrun[0].reports
    trial = unrun[0].trial_id
    restart = result.jobs[unrun[0].index + 1 :]
    restart = next(j for j in restart if j.trial_id == trial)
    assert restart.resource_from == 0 and restart.status is JobStatus.COMPLETED
    (warning,) = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert f"checkpoint of trial {trial} " in warning and "made so by the test" in warning
    assert (".ckpt" in warning) is recorded  # the file, when the store holds one
    if recorded:
        assert sequence(tuner(directory).resume()) == sequence(result)


def test_max_retries_may_change_on_resume(tmp_path: Path) -> None:
    directory = tmp_path / "run"
    tuner(directory).run(max_trials=4)
    searcher = rung.RandomSearcher(crash_driver.FUNCTION.space)
    again = rung.Tuner(crash_driver.objective, rung.ASHA(searcher, 1, 9, 3), seed=11, max_retries=3)
    assert again.resume(directory, max_trials=6).n_trials == 6


# -- a job cut by Ctrl-C or a crash continues from its newest checkpoint -------------------


def test_a_job_cut_by_ctrl_c_continues_from_the_checkpoint_of_its_last_report(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import rung.run.state

    monkeypatch.setattr(rung.run.state, "CHECKPOINT_EVERY_S", 0.0)  # every report's
    seen: list[tuple[int, Any]] = []
    interrupt = {"at": 5}

    def train(config: dict[str, Any], trial: Any) -> None:
        state = trial.checkpoint or {"epoch": 0}
        seen.append((trial.resource_from, dict(state)))
        assert state["epoch"] == trial.resource_from
        for epoch in range(trial.resource_from + 1, trial.resource_to + 1):
            if epoch == interrupt["at"]:
                interrupt["at"] = None
                raise KeyboardInterrupt  # the user pressed Ctrl-C during epoch 5
            state = {"epoch": epoch}
            trial.report(epoch, config["x"] / epoch, checkpoint=state)

    def make() -> rung.Tuner:
        space = {"x": rung.uniform(0, 1)}
        scheduler = rung.FIFO(rung.RandomSearcher(space), max_resource=9)
        return rung.Tuner(train, scheduler, seed=0, directory=tmp_path / "run")

    with pytest.raises(KeyboardInterrupt):
        make().run(max_trials=2)
    result = make().resume()
    assert seen[:2] == [(0, {"epoch": 0}), (4, {"epoch": 4})]  # not from 0 again
    assert result.n_trials == 2 and result.trials[0].status is TrialStatus.COMPLETED
    assert result.jobs[0].resource_from == 4 and result.jobs[0].reached == 9


def test_the_best_trials_checkpoint_is_kept_and_loads(tmp_path: Path) -> None:
    result = tuner(tmp_path / "run").run(max_trials=MAX_TRIALS)
    best = rung.load_checkpoint(tmp_path / "run")
    assert best["epoch"] == 9  # the incumbent's trained state, at the full resource
    kept = {int(p.name.split("-")[1]) for p in (tmp_path / "run" / "checkpoints").glob("*.ckpt")}
    assert result.best_trial_id in kept
    completed = {t.trial_id for t in result.trials if t.status is TrialStatus.COMPLETED}
    assert kept & completed == {result.best_trial_id}  # other finished trials' are gone


def _async_hyperband_tuner(path: Path, workers: int = 1, **options: Any) -> rung.Tuner:
    space = crash_driver.FUNCTION.space.domains
    scheduler = rung.AsyncHyperband(rung.RandomSearcher(space, seed=0), 1, 9, 3, **options)
    return rung.Tuner(crash_driver.objective, scheduler, seed=11, directory=path, workers=workers)


def test_resuming_with_other_bracket_choices_is_refused(tmp_path: Path) -> None:
    """Adaptive weights and the full-resource bracket first start other brackets: the spec
    says which a run used, so a resume with the others stops before replaying."""
    path = tmp_path / "run"
    _async_hyperband_tuner(path, full_first=2).run(max_trials=4)
    with pytest.raises(StoreError, match="recorded {[^}]*'adaptive': True"):
        _async_hyperband_tuner(path, adaptive=False, full_first=2).resume()
    with pytest.raises(StoreError, match="recorded {[^}]*'full_first': 2}, now {'variant"):
        _async_hyperband_tuner(path, full_first=0).resume()
    assert len(_async_hyperband_tuner(path, full_first=2).resume(max_trials=6).trials) == 6


def test_a_run_that_started_trials_at_the_full_resource_resumes_with_them(
    tmp_path: Path,
) -> None:
    """A count of first trials at the full resource that a resume does not give is the
    record's: runs made when the default was one per worker resume as they were made,
    on any workers."""
    path = tmp_path / "run"
    _async_hyperband_tuner(path, workers=2, full_first=2).run(max_trials=3)
    tuner = _async_hyperband_tuner(path, workers=3)  # today's default: none
    result = tuner.resume(max_trials=8)
    assert tuner.scheduler.n_full_first == 2 and len(result.trials) == 8
    first_jobs = {job.trial_id: job.resource_to for job in reversed(result.jobs)}
    assert [first_jobs[t] for t in (0, 1)] == [9, 9]
    fresh = _async_hyperband_tuner(tmp_path / "fresh", workers=4)
    assert (
        fresh.scheduler.n_full_first == 0
        and fresh.spec().scheduler_options.get("full_first") is None
    )


def test_a_record_from_before_the_bracket_choices_resumes_without_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "run"
    current = rung.Tuner.spec

    def without_flags(self: rung.Tuner, budget: Any = None) -> rung.RunSpec:
        import dataclasses

        spec = current(self, budget)
        options = {k: v for k, v in spec.scheduler_options.items() if k == "variant"}
        return dataclasses.replace(spec, scheduler_options=options)

    with monkeypatch.context() as patch:  # such records name neither choice
        patch.setattr(rung.Tuner, "spec", without_flags)
        _async_hyperband_tuner(path, adaptive=False, full_first=0).run(max_trials=12)
    published = _async_hyperband_tuner(tmp_path / "published", adaptive=False, full_first=0)
    reference = published.run(max_trials=20)
    tuner = _async_hyperband_tuner(path)  # today's defaults: both on
    resumed = tuner.resume(max_trials=20)
    assert not tuner.scheduler.adaptive and tuner.scheduler.n_full_first == 0
    assert sequence(resumed) == sequence(reference)


SHAPES = {"shape": rung.choice([(32, 32), (64, 16), ((1, 2),)]), "x": rung.uniform(0, 1)}


def shape_objective(config: dict[str, Any], trial: Any) -> None:
    assert isinstance(config["shape"], tuple)
    for epoch in range(trial.resource_from + 1, trial.resource_to + 1):
        trial.report(epoch, len(config["shape"]) * config["x"] / epoch)


@pytest.mark.parametrize("searcher", ["random", "bo"])
def test_a_run_over_a_choice_of_tuples_resumes(tmp_path: Path, searcher: str) -> None:
    # The record keeps a tuple as a JSON list; the replay makes it the choice again.
    settings = dict(searcher=searcher, scheduler="asha", max_resource=9, seed=0)
    rung.tune(shape_objective, SHAPES, max_trials=6, directory=tmp_path, **settings)
    resumed = rung.tune(
        shape_objective, SHAPES, max_trials=10, directory=tmp_path, resume=True, **settings
    )
    assert resumed.n_trials == 10 and not resumed.n_failed_jobs
    assert all(isinstance(t.config["shape"], tuple) for t in resumed.trials)


class TwoAtOnce(InlineExecutor):
    """Takes two jobs at once and ends them one per ``wait()``, oldest first: two workers
    whose jobs end in the order they started, the same on every run."""

    workers = 2


def _four_ways(config: dict[str, Any], trial: Any) -> None:
    for epoch in range(trial.resource_from + 1, trial.resource_to + 1):
        trial.report(epoch, (config["x"] - 2.2) ** 2 + 1.0 / epoch)


FOUR = {"x": rung.choice([1, 2, 3, 4])}


def _two_workers(
    directory: Path, scheduler: str, space: Any = None, seed: int = 11, objective: Any = None
) -> Any:
    """SH or Hyperband from 1 to 9 epochs (eta 3: brackets of 9) on two workers; over the
    four configurations of :data:`FOUR` with ``space``, else Branin's plane."""
    searcher = rung.RandomSearcher(space or crash_driver.FUNCTION.space.domains, seed=seed)
    chosen = rung.SuccessiveHalving if scheduler == "sh" else rung.Hyperband
    if objective is None:
        objective = _four_ways if space is FOUR else crash_driver.objective
    return rung.Tuner(
        objective,
        chosen(searcher, 1, 9, eta=3),
        seed=seed,
        executor=TwoAtOnce(),
        directory=directory,
    )


def _cut_and_resumed(
    tmp_path: Path, build: Any, first: dict[str, Any], then: dict[str, Any]
) -> tuple[rung.Result, rung.Result, rung.Result]:
    """The run to ``first`` (recorded), that run resumed from its record to ``then``, and
    the same run continued to ``then`` in its own process (the reference)."""
    recorded = build(tmp_path / "recorded").run(**first)
    resumed = build(tmp_path / "recorded").resume(**then)
    in_process = build(tmp_path / "in-process")
    in_process.run(**first)
    return recorded, resumed, in_process.run(**then)


@pytest.mark.parametrize("scheduler", ["sh", "hyperband"])
@pytest.mark.parametrize(
    ("first", "then"),
    [
        ({"max_trials": 3}, {"max_trials": 12}),
        ({"max_trials": 3, "resource_budget": 4}, {"max_trials": 12, "resource_budget": 60}),
    ],
    ids=["trials", "trials-and-epochs"],
)
def test_a_bracket_the_trial_budget_cut_replays_and_goes_on(
    tmp_path: Path, scheduler: str, first: dict[str, Any], then: dict[str, Any]
) -> None:
    """The trial budget ends inside the first bracket (9 trials planned): the scheduler,
    told that no new trial may start, closes the bracket's bottom rung at the 3 trials it
    has, at a moment the workers' timing chose. The resume asks it at the same place, so
    it replays the recorded decisions, and goes on as the run would have in its process:
    the cut bracket finishes as cut (its best trial to the top), new brackets start."""
    recorded, resumed, reference = _cut_and_resumed(
        tmp_path, lambda path: _two_workers(path, scheduler), first, then
    )
    assert len(recorded.trials) == 3
    assert sequence(resumed)[: len(recorded.jobs)] == sequence(recorded)
    assert sequence(resumed) == sequence(reference)
    assert len(resumed.trials) == 12
    cut = [j for j in resumed.jobs if j.trial_id < 3 and j.resource_from > 0]
    assert [(j.resource_from, j.resource_to) for j in cut] == [(1, 3), (3, 9)]
    assert len({j.trial_id for j in cut}) == 1
    assert all(j.resource_from in (0, 1, 3) for j in resumed.jobs)
    again = _two_workers(tmp_path / "recorded", scheduler).resume()  # the whole record
    assert sequence(again) == sequence(resumed)


@pytest.mark.parametrize("scheduler", ["sh", "hyperband"])
@pytest.mark.parametrize("budget", ["max_jobs", "resource_budget"])
def test_a_bracket_its_exhausted_space_cut_replays_and_goes_on(
    tmp_path: Path, scheduler: str, budget: str
) -> None:
    """Four configurations for a bracket of 9: the bottom rung closes when the searcher
    runs out, at a moment the workers' timing chose, under a job or an epoch budget."""
    recorded, resumed, reference = _cut_and_resumed(
        tmp_path,
        lambda path: _two_workers(path, scheduler, FOUR, seed=2),
        {budget: 5},
        {budget: 40},
    )
    assert len(recorded.jobs) == 5
    assert sequence(resumed)[:5] == sequence(recorded)
    assert sequence(resumed) == sequence(reference)
    assert len(resumed.trials) == 4


def test_a_record_from_before_the_scheduler_idle_calls_were_recorded_still_resumes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Such a record lacks the calls the scheduler answered with no job; where none of
    them changed its state (a bracket waiting at a barrier) the replay never needed them."""
    path = tmp_path / "run"
    with monkeypatch.context() as patch:
        patch.setattr(RunLoop, "take_no_job", lambda self: [])
        _side_by_side_tuner(path, "sh", max_brackets=1).run(max_jobs=20)
    store = ExperimentStore.open(path, readonly=True)
    assert not any("no_job" in e.data for e in store.events())
    store.close()
    reference = _side_by_side_tuner(tmp_path / "reference", "sh", max_brackets=1)
    resumed = _side_by_side_tuner(path, "sh", max_brackets=1).resume(max_jobs=40)
    assert sequence(resumed) == sequence(reference.run(max_jobs=40))


def test_a_run_continued_after_ctrl_c_replays_the_calls_made_before_it(tmp_path: Path) -> None:
    """Ctrl-C while the last trial's job runs, after the bracket was cut at a call that
    gave no job: the run continued in its process goes on from the cut, and so does its
    replay, from the record of that call that the continuation's resume carries."""
    interrupt = [True]

    def objective(config: dict[str, Any], trial: Any) -> None:
        if interrupt[0] and trial.trial_id == 2:
            interrupt[0] = False
            raise KeyboardInterrupt
        crash_driver.objective(config, trial)

    tuner = _two_workers(tmp_path, "sh", objective=objective)
    with pytest.raises(KeyboardInterrupt):
        tuner.run(max_trials=3)
    continued = tuner.run(max_trials=12)
    resumed = _two_workers(tmp_path, "sh").resume()
    assert sequence(resumed) == sequence(continued) and len(resumed.trials) == 12
