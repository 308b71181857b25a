"""Experiment directories as rung wrote them before its store (``experiment.json`` and
``jobs.jsonl``), for the tests that check they are still read."""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import IO, Any

from rung.errors import StoreError
from rung.results.report import FINAL_FILE, JOBS_FILE, SETTINGS_FILE, _write_atomic, job_to_dict
from rung.results.result import JobRecord


class LegacyWriter:
    """A tuner callback that appends every finished job to ``DIR/jobs.jsonl``.

    Args:
        directory: The experiment directory (created if missing).
        settings: What the run was asked to do, written to ``experiment.json``.

    Raises:
        StoreError: the directory already holds another experiment, or cannot be written.
    """

    def __init__(self, directory: str | os.PathLike[str], settings: Mapping[str, Any]) -> None:
        self.directory = Path(directory)
        if (self.directory / JOBS_FILE).exists() or (self.directory / SETTINGS_FILE).exists():
            raise StoreError(
                f"The output directory {str(self.directory)!r} already holds an experiment; "
                "choose another --out or remove it."
            )
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            _write_atomic(self.directory / SETTINGS_FILE, json.dumps(dict(settings), indent=2))
            self._jobs: IO[str] | None = open(self.directory / JOBS_FILE, "a")  # noqa: SIM115
        except OSError as err:
            raise StoreError(f"Cannot write to {str(self.directory)!r}: {err}") from err

    def __call__(self, job: JobRecord, best_value: float) -> None:
        if self._jobs is None:
            return
        self._jobs.write(json.dumps(job_to_dict(job)) + "\n")
        self._jobs.flush()

    def close(self) -> None:
        if self._jobs is not None:
            self._jobs.close()
            self._jobs = None

    def write_final(self, final: Mapping[str, Any]) -> None:
        """Writes the final model's figures to ``final.json``."""
        _write_atomic(self.directory / FINAL_FILE, json.dumps(dict(final), indent=2))
