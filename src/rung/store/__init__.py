"""rung's experiment store: one SQLite database and a folder of checkpoints per experiment.

Layout of an experiment directory (``--out DIR``)::

    DIR/experiment.db            the database (stdlib sqlite3, WAL mode)
    DIR/experiment.db-wal, -shm  SQLite's write-ahead log and its index, while in use
    DIR/checkpoints/trial-<trial>-job-<job>.ckpt
                                 each paused trial's newest checkpoint (rung's safe codec)

The database holds a versioned schema (``PRAGMA user_version``, with ``PRAGMA
application_id`` marking it as rung's) and an append-only log of events
(:class:`EventKind`): what the run was asked to do (its spec), each job's start, its
reports as they come (for readers following the run) and its end (every field of its
:class:`~rung.types.JobRecord`, reports included), trials a barrier stopped, resumes,
the end of the run and the final model. A resumed run replays :meth:`ExperimentStore.events`;
``rung show`` and ``rung plot`` read it with :func:`rung.results.summary.read_result`, from
another process,
without blocking the run or being blocked by it (WAL readers).

Every write is one transaction. A job's checkpoint is written to a temporary file,
flushed (``fsync``), renamed into place and its folder flushed before the commit that
refers to it; the file it replaces is removed after that commit, by a background thread
(:meth:`ExperimentStore.close` waits for it). Only the newest
checkpoint of a trial is kept, and a finished or stopped trial's is removed unless
``keep_checkpoints``. Files no commit refers to (a crash between the write and the
commit) are swept by the next writable open. Checkpoints are read back as bytes
(:class:`~rung.codec.Blob`) and decoded only by the restricted unpickler of
:mod:`rung.codec`, which builds containers, arrays and tensors, nothing else.

Durability. The database runs with ``synchronous=NORMAL``, and every job's end is
flushed to disk before :meth:`ExperimentStore.job_finished` returns (``synchronous=FULL``
for that commit; it also makes the checkpoint files it replaces safe to remove): a killed
process (``kill -9``, an out-of-memory kill) or a power cut loses nothing that finished.
Other events (a job's start and reports, a resume) are written to the log but not
flushed: a power cut may lose the last of them, never the database's consistency, and
such a job simply runs again. ``durable=True`` flushes every commit. ``python benchmarks/store.py``
measures the cost: on the development machine (2 cores, a virtual disk whose flush takes
~0.1 ms) about 0.2 ms per job, against ~50 ms for Optuna's SQLite storage and ~4 ms for
its journal file; a disk whose flush takes 10 ms makes a job cost ~10 ms. A job that
leaves a 500 KB checkpoint also pays for the file's own flushes (~2-3 ms there).

Example::

    store = ExperimentStore.create("runs/a", spec.to_dict())  # a rung.results.spec.RunSpec
    store.job_started(trial_id=0, config={"lr": 0.1}, resource_from=0, resource_to=1,
                      seed=7, time=0.0)
    store.job_finished(record, checkpoint=blob, trial_done=False)  # a JobRecord, a Blob
    store.run_finished(time=12.5)
    store.close()
    rung.results.summary.read_result("runs/a").best_value   # reading it back
"""

from rung.store.events import Event, EventKind, job_record
from rung.store.experiment_store import ExperimentStore

__all__ = ["Event", "EventKind", "ExperimentStore", "job_record"]
