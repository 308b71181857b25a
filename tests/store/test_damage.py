"""A damaged database is one clear StoreError naming the file, never a wrong read.

Rows are damaged one way at a time (by SQL, with the append-only triggers lifted), then
a real run's store is damaged at random bytes and digits: ``rung show`` and resume must
either read it exactly as before or stop with one line naming the file (exit 2).
"""

from __future__ import annotations

import contextlib
import io
import random
import shutil
import sqlite3
from pathlib import Path

import pytest

from rung.cli.main import main
from rung.errors import StoreError
from rung.results.summary import read_result
from rung.store import ExperimentStore
from rung.store._payloads import row_crc
from tests.crash_driver import tuner
from tests.store.records import SPEC, blob, downgrade, make_job, record


def _recorded(directory: Path) -> Path:
    with ExperimentStore.create(directory, SPEC) as store:
        record(store, make_job(0, 0), checkpoint=blob(0, 0))
        store.job_reported(1, 1, 0.25, time=3.0)
        record(store, make_job(1, 1))
    return directory / "experiment.db"


def _edit(path: Path, sql: str, *args: object, fix_crc: bool = False) -> None:
    """Runs ``sql`` on the events table (the append-only triggers lifted for it)."""
    db = sqlite3.connect(path, isolation_level=None)
    triggers = [row[0] for row in db.execute("SELECT sql FROM sqlite_master WHERE type='trigger'")]
    db.execute("DROP TRIGGER events_no_update")
    db.execute("DROP TRIGGER events_no_delete")
    db.execute(sql, args)
    if fix_crc:  # damage that a checksum cannot see: what an older store holds
        rows = db.execute("SELECT seq, kind, time, trial_id, data FROM events").fetchall()
        for row in rows:
            db.execute("UPDATE events SET crc = ? WHERE seq = ?", (row_crc(*row), row[0]))
    for trigger in triggers:
        db.execute(trigger)
    db.close()


DAMAGE = {
    "not json": ("UPDATE events SET data = '{\"index\": 0,' WHERE seq = 3", "event 3"),
    "missing key": (
        "UPDATE events SET data = json_remove(data, '$.resource') WHERE kind = 'JOB_REPORTED'",
        "no 'resource'",
    ),
    "wrong type": (
        "UPDATE events SET data = json_set(data, '$.value', 'x') WHERE seq = 3",
        "'value' is 'x'",
    ),
    "unknown status": (
        "UPDATE events SET data = json_set(data, '$.status', 'DONE') WHERE seq = 3",
        "'status' is 'DONE'",
    ),
    "unknown kind": ("UPDATE events SET kind = 'JOB_ENDEX' WHERE seq = 3", "'JOB_ENDEX'"),
    "no trial": ("UPDATE events SET trial_id = NULL WHERE seq = 3", "trial is None"),
    "time as text": ("UPDATE events SET time = 'noon' WHERE seq = 2", "time is 'noon'"),
    "report shape": (
        "UPDATE events SET data = json_set(data, '$.reports', json('[[1]]')) WHERE seq = 3",
        "'reports'",
    ),
    "declared domain": (
        'UPDATE events SET data = json_set(data, \'$.declared\', json(\'{"k": {"randint": '
        "[3, 1]}}')) WHERE seq = 3",
        "'declared'",
    ),
    "no-job calls": (
        "UPDATE events SET data = json_set(data, '$.no_job', json('[0]')) WHERE seq = 3",
        "'no_job' is \\[0\\]",
    ),
    "checkpoint path": (
        "UPDATE events SET data = json_set(data, '$.checkpoint', '../../x') WHERE seq = 3",
        "'checkpoint' is '../../x'",
    ),
}


@pytest.mark.parametrize("fix_crc", [False, True], ids=["checksum", "valid-checksum"])
@pytest.mark.parametrize("name", sorted(DAMAGE))
def test_each_kind_of_damage_is_one_store_error_naming_the_file(tmp_path, name, fix_crc):
    path = _recorded(tmp_path)
    sql, message = DAMAGE[name]
    _edit(path, sql, fix_crc=fix_crc)
    expected = message if fix_crc else "checksum does not match|event"
    with pytest.raises(StoreError, match=expected) as error:
        read_result(tmp_path)
    text = str(error.value)
    assert str(path) in text and "\n" not in text and "restore" in text
    with pytest.raises(StoreError, match=str(path)), ExperimentStore.open(tmp_path) as store:
        list(store.events())


def test_a_changed_digit_is_found_by_the_checksum(tmp_path):
    path = _recorded(tmp_path)
    db = sqlite3.connect(path)
    data = db.execute("SELECT data FROM events WHERE seq = 3").fetchone()[0]
    db.close()
    digit = next(i for i, c in enumerate(data) if c.isdigit() and i > data.index('"value"'))
    changed = data[:digit] + str((int(data[digit]) + 1) % 10) + data[digit + 1 :]
    _edit(path, "UPDATE events SET data = ? WHERE seq = 3", changed)
    with pytest.raises(StoreError, match="event 3 cannot be read .*checksum does not match"):
        read_result(tmp_path)


def test_missing_rows_and_checksums_are_damage(tmp_path):
    path = _recorded(tmp_path)
    _edit(path, "DELETE FROM events WHERE seq = 4")
    with pytest.raises(StoreError, match="event 5 .*from 4, are missing"):
        read_result(tmp_path)
    path = _recorded(tmp_path / "b")
    _edit(path, "UPDATE events SET crc = NULL WHERE seq = 2")
    with pytest.raises(StoreError, match="event 2 .*no checksum"):
        read_result(tmp_path / "b")


@pytest.mark.parametrize("table", ["events", "jobs", "checkpoints"])
def test_a_schema_that_lost_a_tables_key_is_damage(tmp_path, table):
    # One flipped bit in "PRIMARY KEY" of events made every seq read as NULL: the run
    # showed as empty, and a resume appended events with seqs 1, 2, ... after them.
    path = _recorded(tmp_path)
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA writable_schema = ON")
    db.execute(
        "UPDATE sqlite_master SET sql = replace(sql, 'PRIMARY KEY', 'PRHMARY KEY') WHERE name = ?",
        (table,),
    )
    db.close()
    before = path.read_bytes()
    for readonly in (True, False):
        with pytest.raises(StoreError, match=f"is damaged .*table {table} lost its key"):
            ExperimentStore.open(tmp_path, readonly=readonly)
    assert path.read_bytes() == before


def test_an_older_store_without_checksums_is_still_checked_field_by_field(tmp_path):
    path = _recorded(tmp_path)
    downgrade(path, 2)
    assert read_result(tmp_path).jobs  # read as it is
    _edit(path, "UPDATE events SET data = json_remove(data, '$.resource') WHERE seq = 4")
    with pytest.raises(StoreError, match="event 4 .*no 'resource'"):
        read_result(tmp_path)


def test_a_checkpoint_row_naming_a_path_outside_the_folder_is_damage(tmp_path):
    path = _recorded(tmp_path)
    outside = tmp_path / "precious"
    outside.write_text("x")
    db = sqlite3.connect(path)
    db.execute("UPDATE checkpoints SET file = '../precious'")
    db.commit()
    db.close()
    with pytest.raises(StoreError, match="checkpoints table"):
        ExperimentStore.open(tmp_path)
    assert outside.exists()


# -- random damage to a real run's store ---------------------------------------------------


@pytest.fixture(scope="module")
def real_run(tmp_path_factory) -> tuple[Path, str]:
    directory = tmp_path_factory.mktemp("real") / "run"
    tuner(directory).run(max_trials=6)
    code, out, err = _show(directory)
    assert code == 0 and not err
    return directory, out.replace(str(directory), "DIR")


def _show(directory: Path) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["show", str(directory)])
    return code, out.getvalue(), err.getvalue()


def _damage(source: Path, target: Path, seed: int) -> None:
    """A copy of the run whose database has one random byte or one digit changed."""
    shutil.copytree(source, target)
    path = target / "experiment.db"
    data = bytearray(path.read_bytes())
    rng = random.Random(seed)
    if seed % 2:
        position = rng.randrange(len(data))
        data[position] ^= 1 << rng.randrange(8)
    else:
        digits = [i for i, b in enumerate(data) if 0x30 <= b <= 0x39]
        position = rng.choice(digits)
        data[position] = 0x30 + (data[position] - 0x30 + rng.randrange(1, 10)) % 10
    path.write_bytes(bytes(data))


@pytest.mark.parametrize("seed", range(40))
def test_random_damage_shows_the_same_experiment_or_one_clear_line(tmp_path, real_run, seed):
    source, expected = real_run
    target = tmp_path / "run"
    _damage(source, target, seed)
    code, out, err = _show(target)
    if code == 0:
        assert out.replace(str(target), "DIR") == expected
    else:
        assert code == 2, err
        assert err.count("\n") == 1 and str(target) in err, err


@pytest.mark.parametrize("seed", range(0, 40, 5))
def test_random_damage_resumes_or_stops_with_one_clear_line(tmp_path, real_run, seed):
    source, _ = real_run
    target = tmp_path / "run"
    _damage(source, target, seed)
    try:
        result = tuner(target).resume(target, max_trials=8)
    except StoreError as error:
        assert "\n" not in str(error) and str(target) in str(error)
    else:
        assert result.n_trials == 8
