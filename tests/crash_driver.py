"""A tuning run to kill: ``python -m tests.crash_driver DIR MODE N`` (see test_resume.py).

MODE says where the process kills itself (SIGKILL, no cleanup):

* ``none``: nowhere; the test kills it from outside at a random moment;
* ``job``: in the middle of the N-th job, before its first report;
* ``transaction``: inside the N-th store transaction, after its statements, before COMMIT;
* ``checkpoint-partial``: in the N-th checkpoint write, half the temporary file written;
* ``checkpoint-renamed``: after the N-th checkpoint file is renamed into place, before the
  transaction that refers to it.
"""

from __future__ import annotations

import os
import signal
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

from rung.run.factory import build_tuner
from rung.workloads.synthetic import BRANIN, MultiFidelity

FUNCTION = MultiFidelity(BRANIN, max_resource=9)
MAX_TRIALS = 30
_KILL = {"at_job": 0, "jobs": 0}
_EPOCH_SECONDS = {"sleep": 0.0}  # a killed run sleeps, so that outside kills land mid-run


def objective(config: dict[str, Any], trial: Any) -> None:
    """Multi-fidelity Branin, one short sleep per epoch, resuming from its checkpoint."""
    state = trial.checkpoint or {"epoch": 0, "trace": np.zeros(3)}
    if state["epoch"] != trial.resource_from:
        raise RuntimeError(f"checkpoint at {state['epoch']}, job from {trial.resource_from}")
    _KILL["jobs"] += 1
    for epoch in range(trial.resource_from + 1, trial.resource_to + 1):
        time.sleep(_EPOCH_SECONDS["sleep"])
        state = {"epoch": epoch, "trace": state["trace"] + epoch}
        if _KILL["jobs"] == _KILL["at_job"]:
            _kill()
        trial.report(epoch, FUNCTION.at(config, epoch), checkpoint=state)


def tuner(directory: Path | None, scheduler: str = "asha", **options: Any) -> Any:
    """The run every test builds the same way, so that it can be resumed; ``options``:
    more arguments of :func:`~rung.run.factory.build_tuner` (an executor)."""
    fidelity = {} if scheduler == "fifo" else {"min_resource": 1, "eta": 3}
    return build_tuner(
        objective,
        FUNCTION.space,
        searcher="random",
        scheduler=scheduler,
        max_resource=9,
        seed=11,
        directory=directory,
        **fidelity,
        **options,
    )


def _kill() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def _arm(mode: str, n: int) -> None:
    from rung.store import _files, _recording

    calls = {"n": 0}

    def due() -> bool:
        calls["n"] += 1
        return calls["n"] == n

    if mode == "job":
        _KILL["at_job"] = n
    elif mode == "transaction":
        original = _recording.Recorder._transaction

        def transaction(self: Any, action: str, body: Any, **kw: Any) -> Any:
            def killing_body(db: Any) -> Any:
                result = body(db)
                if due():
                    _kill()
                return result

            return original(self, action, killing_body, **kw)

        _recording.Recorder._transaction = transaction  # type: ignore[method-assign]
    elif mode.startswith("checkpoint"):
        original_write = _files.CheckpointDir.write

        def write(self: Any, name: str, data: bytes) -> int:
            if not due():
                return original_write(self, name, data)
            if mode == "checkpoint-partial":
                tmp = self.path / (name + _files.TMP_SUFFIX)
                with open(tmp, "wb") as handle:
                    handle.write(data[: len(data) // 2])
                    handle.flush()
                    os.fsync(handle.fileno())
                _kill()
            crc = original_write(self, name, data)
            _kill()
            return crc

        _files.CheckpointDir.write = write  # type: ignore[method-assign]


def main(argv: list[str]) -> None:
    directory, mode, n = Path(argv[0]), argv[1], int(argv[2])
    _EPOCH_SECONDS["sleep"] = 0.002
    if mode != "none":
        _arm(mode, n)
    print("ready", flush=True)
    tuner(directory).run(max_trials=MAX_TRIALS)


if __name__ == "__main__":
    main(sys.argv[1:])
