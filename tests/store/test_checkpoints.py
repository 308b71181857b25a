"""Checkpoint files: newest only, removed when their trial ends, swept when orphaned."""

from __future__ import annotations

import pickle

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rung.codec import Blob, encode
from rung.errors import CheckpointLost, StoreError
from rung.store import ExperimentStore
from rung.types import Decision
from tests.store.records import SPEC, blob, files, make_job, record


def test_only_the_newest_checkpoint_of_a_trial_is_kept(tmp_path):
    with ExperimentStore.create(tmp_path, SPEC) as store:
        record(store, make_job(0, 0), checkpoint=blob(0, 0))
        record(store, make_job(1, 1), checkpoint=blob(1, 1))
        record(store, make_job(2, 0, resource_from=1, resource_to=3), checkpoint=blob(0, 2))
        store.wait_for_removals()  # replaced files go in the background
        assert files(tmp_path) == {"trial-0-job-2.ckpt", "trial-1-job-1.ckpt"}
        assert store.load_checkpoint(0) == {"trial": 0, "job": 2, "pad": b""}
        # a job without a checkpoint (interrupted) leaves the older one in place
        record(store, make_job(3, 1, decision=None), checkpoint=None)
        assert store.load_checkpoint(1)["job"] == 1
        assert store.checkpoint(5) is None
        record(store, make_job(4, 1, resource_from=1, resource_to=3), checkpoint=blob(1, 4))
    assert files(tmp_path) == {"trial-0-job-2.ckpt", "trial-1-job-4.ckpt"}  # close waited
    with ExperimentStore.open(tmp_path, readonly=True) as store:
        assert store.checkpoint(0) == blob(0, 2)
        assert store.load_checkpoint(1)["job"] == 4


def test_finished_and_stopped_trials_lose_their_checkpoints(tmp_path):
    with ExperimentStore.create(tmp_path, SPEC) as store:
        for trial in range(4):
            record(store, make_job(trial, trial), checkpoint=blob(trial, trial))
        # trial 0 completes (its final checkpoint is not even written); a barrier stops 1 and 2
        done = make_job(4, 0, resource_from=1, resource_to=3, decision=Decision.COMPLETE)
        record(store, done, checkpoint=blob(0, 4), trial_done=True, stopped=[1, 2])
        store.wait_for_removals()  # replaced files go in the background
        assert files(tmp_path) == {"trial-3-job-3.ckpt"}
        assert store.checkpoint(0) is None and store.checkpoint(1) is None
        assert store.load_checkpoint(3)["job"] == 3


def test_keep_checkpoints_keeps_the_last_one_of_finished_trials(tmp_path):
    with ExperimentStore.create(tmp_path, SPEC, keep_checkpoints=True) as store:
        for trial in range(3):
            record(store, make_job(trial, trial), checkpoint=blob(trial, trial))
        done = make_job(3, 0, resource_from=1, resource_to=3, decision=Decision.COMPLETE)
        record(store, done, checkpoint=blob(0, 3), trial_done=True, stopped=[1])
        store.wait_for_removals()  # replaced files go in the background
        assert files(tmp_path) == {"trial-0-job-3.ckpt", "trial-1-job-1.ckpt", "trial-2-job-2.ckpt"}
        assert store.load_checkpoint(0)["job"] == 3 and store.load_checkpoint(1)["job"] == 1
    with ExperimentStore.open(tmp_path) as store:
        assert store.keep_checkpoints
        assert files(tmp_path) == {"trial-0-job-3.ckpt", "trial-1-job-1.ckpt", "trial-2-job-2.ckpt"}


def test_open_sweeps_orphans_and_temporary_files_but_nothing_else(tmp_path):
    with ExperimentStore.create(tmp_path, SPEC) as store:
        record(store, make_job(0, 0), checkpoint=blob(0, 0))
    folder = tmp_path / "checkpoints"
    (folder / "trial-0-job-9.ckpt").write_bytes(b"written, never committed")
    (folder / "trial-3-job-4.ckpt.tmp").write_bytes(b"half written")
    (folder / "notes.txt").write_text("the user's own file")
    with ExperimentStore.open(tmp_path, readonly=True):
        assert len(files(tmp_path)) == 4  # a reader never removes anything
    with ExperimentStore.open(tmp_path) as store:
        assert files(tmp_path) == {"trial-0-job-0.ckpt", "notes.txt"}
        assert store.load_checkpoint(0)["job"] == 0


def test_a_missing_checkpoint_file_is_reported(tmp_path):
    with ExperimentStore.create(tmp_path, SPEC) as store:
        record(store, make_job(0, 0), checkpoint=blob(0, 0))
        path = tmp_path / "checkpoints" / "trial-0-job-0.ckpt"
        path.unlink()
        with pytest.raises(
            CheckpointLost, match="checkpoint of trial 0 .*trial-0-job-0.ckpt.* is miss"
        ) as lost:
            store.checkpoint(0)
        assert lost.value.trial_id == 0 and lost.value.path == str(path)
        assert isinstance(lost.value, StoreError)


@pytest.mark.parametrize("damage", ["truncate", "flip"])
def test_a_damaged_checkpoint_file_is_reported(tmp_path, damage):
    with ExperimentStore.create(tmp_path, SPEC) as store:
        record(store, make_job(0, 0), checkpoint=blob(0, 0, size=1000))
        path = tmp_path / "checkpoints" / "trial-0-job-0.ckpt"
        data = bytearray(path.read_bytes())
        if damage == "truncate":
            del data[-10:]
        else:
            data[500] ^= 0xFF
        path.write_bytes(bytes(data))
        pattern = r"trial-0-job-0.ckpt.* is damaged: \d+ bytes with CRC-32 0x\w+ where 1\d+ bytes"
        with pytest.raises(CheckpointLost, match=pattern) as lost:
            store.checkpoint(0)
        assert lost.value.trial_id == 0 and lost.value.path.endswith("trial-0-job-0.ckpt")


class Boom:
    def __reduce__(self):
        return (print, ("never run",))


def test_a_checkpoint_of_an_older_format_is_lost_with_the_reason(tmp_path):
    old = Blob(b"P" + pickle.dumps({"w": [1.0]}))  # what rung wrote before format R
    with ExperimentStore.create(tmp_path, SPEC) as store:
        record(store, make_job(0, 0), checkpoint=old)
        with pytest.raises(CheckpointLost, match="older rung .*trial-0-job-0.ckpt") as lost:
            store.checkpoint(0)
        assert lost.value.trial_id == 0


def test_loading_a_checkpoint_never_unpickles_arbitrary_objects(tmp_path):
    evil = Blob(encode(None).data[:1] + pickle.dumps(Boom()))  # rung's format byte
    with ExperimentStore.create(tmp_path, SPEC) as store:
        record(store, make_job(0, 0), checkpoint=evil)
        assert store.checkpoint(0) == evil  # the bytes are handed over as they are
        with pytest.raises(CheckpointLost, match="cannot be loaded: .*builtins.print, which rung"):
            store.load_checkpoint(0)
        path = str(tmp_path / "checkpoints" / "trial-0-job-0.ckpt")
        assert store.checkpoint_path(0) == path and store.checkpoint_path(1) is None
    with ExperimentStore.open(tmp_path, readonly=True) as store:
        with pytest.raises(CheckpointLost, match="trial-0-job-0.ckpt.*cannot be loaded") as lost:
            store.load_checkpoint(0)
        assert lost.value.trial_id == 0 and lost.value.path == path
        assert store.checkpoint_path(0) == path


outcomes = st.lists(
    st.tuples(
        st.integers(0, 3),  # trial
        st.booleans(),  # leaves a checkpoint
        st.booleans(),  # trial done
        st.lists(st.integers(0, 3), max_size=2),  # trials a barrier stops
    ),
    max_size=12,
)


@settings(max_examples=25)
@given(jobs=outcomes, keep=st.booleans())
def test_files_on_disk_are_exactly_the_checkpoints_the_rules_keep(tmp_path_factory, jobs, keep):
    directory = tmp_path_factory.mktemp("exp")
    expected: dict[int, int] = {}  # trial -> job index of its kept checkpoint
    with ExperimentStore.create(directory, SPEC, keep_checkpoints=keep) as store:
        for index, (trial, leaves, done, stopped) in enumerate(jobs):
            checkpoint = blob(trial, index) if leaves else None
            record(
                store,
                make_job(index, trial),
                checkpoint=checkpoint,
                trial_done=done,
                stopped=stopped,
            )
            finished = done or trial in stopped
            if leaves and (keep or not finished):
                expected[trial] = index
            elif finished and not keep:
                expected.pop(trial, None)
            if not keep:
                for other in stopped:
                    expected.pop(other, None)
        want = {f"trial-{t}-job-{i}.ckpt" for t, i in expected.items()}
        store.wait_for_removals()
        assert files(directory) == want
        for trial in range(4):
            got = store.load_checkpoint(trial)
            assert (got and got["job"]) == expected.get(trial), trial
    with ExperimentStore.open(directory) as store:
        assert files(directory) == want
        assert {t: store.load_checkpoint(t)["job"] for t in expected} == expected
