"""Following a run: snapshots, updates that carry only what is new, damaged stores."""

from __future__ import annotations

import sqlite3
import threading
import time

import pytest

import rung
from rung.dashboard.feed import RunFeed
from rung.dashboard.logs import FILE_CAP, logged_trials, trial_logs
from rung.errors import StoreError
from rung.results.summary import read_result
from rung.store import ExperimentStore
from tests.dashboard.runs import HOSTILE_LOG, interrupted_run


def _wait(feed: RunFeed, jobs: int) -> dict:
    """Pokes the feed until it has read ``jobs`` job rows (it reads in its own thread)."""
    for _ in range(200):
        feed.poke()
        snapshot = feed.snapshot()
        if len(snapshot["jobs"]) >= jobs:
            return snapshot
        time.sleep(0.05)
    raise AssertionError(f"the feed never read {jobs} jobs")


def test_a_snapshot_holds_the_recorded_run(finished_dir):
    result = read_result(finished_dir)
    with_feed = RunFeed(finished_dir).start()
    try:
        snapshot = with_feed.snapshot()
    finally:
        with_feed.close()
    assert len(snapshot["jobs"]) == result.n_jobs
    assert [row[0] for row in snapshot["jobs"]] == [job.index for job in result.jobs]
    assert dict(snapshot["status"]) == {t.trial_id: t.status.name for t in result.trials}
    assert {tid: config for tid, config in snapshot["trials"]} == {
        t.trial_id: dict(t.config) for t in result.trials
    }
    summary = snapshot["summary"]
    assert summary["finished"] and summary["n_jobs"] == result.n_jobs
    assert summary["incumbent"]["value"] == result.best_value
    assert snapshot["meta"]["levels"] == [1, 3, 9]
    assert snapshot["cursor"] == {
        "jobs": result.n_jobs,
        "trials": result.n_trials,
        "changes": len(snapshot["status"]),
        "feed": with_feed.token,
    }


def test_an_update_carries_only_what_is_new(tmp_path):
    directory = tmp_path / "grows"
    space = {"x": rung.uniform(0, 1)}

    def run(trials: int, resume: bool) -> rung.Result:
        return rung.tune(
            lambda c, t: t.report(t.resource_to, c["x"] / t.resource_to),
            space,
            scheduler="asha",
            max_resource=9,
            max_trials=trials,
            seed=0,
            directory=directory,
            resume=resume,
        )

    first = run(10, False)
    feed = RunFeed(directory, interval=30).start()  # reads when poked
    try:
        cursor = feed.snapshot()["cursor"]
        assert feed.updates(**cursor)["jobs"] == []
        assert feed.snapshot()["meta"]["budget"]["max_trials"] == 10
        second = run(25, True)
        assert second.n_jobs > first.n_jobs
        _wait(feed, second.n_jobs)
        # the budget the resume holds the run to, here and in /api/runs (meta)
        assert feed.snapshot()["meta"]["budget"]["max_trials"] == 25
        assert feed.meta["budget"]["max_trials"] == 25
        update = feed.updates(**cursor)
        assert [row[0] for row in update["jobs"]] == [
            job.index for job in second.jobs[first.n_jobs :]
        ]
        assert {tid for tid, _ in update["trials"]} == set(range(first.n_trials, second.n_trials))
        assert not update["reset"]
        assert update["cursor"]["jobs"] == second.n_jobs
        stale = feed.updates(jobs=10**6, trials=0, changes=0)  # a page from an older server
        assert stale["reset"] and len(stale["jobs"]) == second.n_jobs
    finally:
        feed.close()


def test_a_missing_damaged_or_foreign_store_is_the_error_rung_show_gives(tmp_path):
    (tmp_path / "damaged").mkdir()
    (tmp_path / "damaged" / "experiment.db").write_bytes(b"not a database" * 100)
    foreign = tmp_path / "foreign"
    foreign.mkdir()
    sqlite3.connect(foreign / "experiment.db").execute("CREATE TABLE t (x)").connection.close()
    for directory in (tmp_path / "missing", tmp_path / "damaged", foreign):
        with pytest.raises(StoreError) as expected:
            read_result(directory)
        with pytest.raises(StoreError) as got:
            RunFeed(directory).start()
        assert str(got.value) == str(expected.value)


def test_a_trials_logs_are_read_capped_and_only_from_its_own_files(finished_dir, tmp_path):
    logs = trial_logs(finished_dir, 0)
    assert [log["name"] for log in logs] == ["trial-0-job-0-1.log"]
    assert logs[0]["text"] == HOSTILE_LOG * 3 and not logs[0]["truncated"]
    assert trial_logs(finished_dir, 1) == []
    folder = tmp_path / "logs"
    folder.mkdir()
    (folder / "trial-3-job-0-1.log").write_bytes(b"x" * (FILE_CAP + 10))
    (tmp_path / "secret").write_text("secret")
    (folder / "trial-3-job-1-3.log").symlink_to(tmp_path / "secret")
    (logs,) = [trial_logs(tmp_path, 3)]
    assert [log["name"] for log in logs] == ["trial-3-job-0-1.log"]
    assert logs[0]["truncated"] and len(logs[0]["text"]) == FILE_CAP


def test_a_logs_folder_that_is_a_link_to_elsewhere_is_not_read(tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "trial-0.log").write_text("not this experiment's")
    run = tmp_path / "run"
    run.mkdir()
    (run / "logs").symlink_to(elsewhere, target_is_directory=True)
    assert trial_logs(run, 0) == []
    assert logged_trials(run) == set()


def test_a_run_no_process_writes_is_told_from_one_going_on(tmp_path):
    directory = interrupted_run(tmp_path / "stopped")
    feed = RunFeed(directory, interval=30).start()  # looks when poked
    try:
        summary = feed.state()["summary"]
        assert not summary["finished"] and summary["writing"] is False
        with ExperimentStore.open(directory):  # a writer again, as rung resume is
            for _ in range(100):
                feed.poke()
                if feed.state()["summary"]["writing"]:
                    break
                time.sleep(0.02)
            assert feed.state()["summary"]["writing"] is True
            assert feed.snapshot()["summary"]["writing"] is True
    finally:
        feed.close()


def test_a_cursor_from_another_feed_gets_everything_again(tmp_path):
    """A page left open while its server restarts holds a cursor counted by the old
    server: the new one counts its status changes differently (one per trial when it
    starts), so the tail after that count misses changes; the page gets everything."""
    directory = tmp_path / "restarted"
    snapped = threading.Event()

    def objective(config, trial):
        snapped.wait(30)  # trial 0 is RUNNING when the first server reads the run
        for epoch in range(trial.resource_from + 1, trial.resource_to + 1):
            trial.report(epoch, config["x"] / epoch)

    def run():
        rung.tune(
            objective,
            {"x": rung.uniform(0, 1)},
            scheduler="asha",
            max_resource=9,
            max_trials=12,
            seed=0,
            directory=directory,
        )

    tuner = threading.Thread(target=run)
    tuner.start()
    try:
        for _ in range(500):
            time.sleep(0.01)
            try:
                old = RunFeed(directory, interval=30).start()
            except StoreError:  # not created yet
                continue
            page = old.snapshot()  # what the page holds
            old.close()  # the server stops; the run goes on
            if page["status"]:
                break
        assert page["status"] == [[0, "RUNNING"]]
    finally:
        snapped.set()
        tuner.join()
    new = RunFeed(directory, interval=30).start()
    try:
        update = new.updates(**page["cursor"])
        statuses = dict(page["status"]) | dict(update["status"])
        assert statuses == {t.trial_id: t.status.name for t in read_result(directory).trials}
        assert update["reset"]
        again = new.updates(**update["cursor"])  # its own cursor: only what is new
        assert not again["reset"] and again["jobs"] == [] and again["status"] == []
    finally:
        new.close()


def test_an_unexpected_failure_to_read_is_said_and_the_feed_goes_on(tmp_path, monkeypatch):
    directory = tmp_path / "run"

    def run(trials: int, resume: bool) -> rung.Result:
        return rung.tune(
            lambda c: c["x"],
            {"x": rung.uniform(0, 1)},
            max_trials=trials,
            seed=0,
            directory=directory,
            resume=resume,
        )

    run(3, False)
    feed = RunFeed(directory, interval=30).start()
    try:
        fold_in = RunFeed._fold_in

        def broken(self, *args):
            raise RuntimeError("a defect")

        monkeypatch.setattr(RunFeed, "_fold_in", broken)
        run(5, True)
        for _ in range(200):
            feed.poke()
            if feed.state()["error"]:
                break
            time.sleep(0.02)
        assert "RuntimeError: a defect" in feed.state()["error"]  # said on the page
        monkeypatch.setattr(RunFeed, "_fold_in", fold_in)
        final = run(7, True)
        assert len(_wait(feed, final.n_jobs)["jobs"]) == final.n_jobs  # still following
        assert feed.state()["error"] is None
    finally:
        feed.close()
