"""rung's exceptions.

Every error rung raises on purpose derives from :class:`RungError`, so callers can catch
rung's failures without catching programming errors::

    RungError
    ├── ConfigError        bad arguments, search spaces or configurations (also a ValueError)
    │   └── ConfigTypeError    an argument of the wrong type (also a TypeError)
    ├── SpaceExhausted     a finite search space has no unseen configuration left
    ├── TrialFailed        an objective raised; carries the traceback text
    ├── ProgramFailed      a tuned program failed its job (exit status, no or bad report, hang)
    ├── DataError          a data set is missing, truncated or corrupt
    └── StoreError         the experiment store cannot be read or written
        └── CheckpointLost     a trial's checkpoint file is missing or damaged (the trial
                               starts over; the rest of the experiment is intact)
"""

from __future__ import annotations

__all__ = [
    "CheckpointLost",
    "ConfigError",
    "ConfigTypeError",
    "DataError",
    "ProgramFailed",
    "RungError",
    "SpaceExhausted",
    "StoreError",
    "TrialFailed",
]


class RungError(Exception):
    """Base class of all errors raised by rung."""


class ConfigError(RungError, ValueError):
    """An argument, a search space or a configuration breaks a rule.

    The message names the parameter, the rule and the offending value.
    """


class ConfigTypeError(ConfigError, TypeError):
    """An argument has the wrong type (a ``TypeError`` too, as Python's own would be)."""


class SpaceExhausted(RungError):
    """A searcher was asked for a new configuration but every one was already suggested."""


class TrialFailed(RungError):
    """An objective raised an exception.

    Attributes:
        trial_id: The failed trial.
        traceback: The formatted traceback of the objective's exception.
    """

    def __init__(self, trial_id: int, traceback: str, context: str | None = None) -> None:
        last = traceback.strip().splitlines()[-1] if traceback.strip() else "unknown error"
        if context is None:
            super().__init__(f"trial {trial_id} failed: {last}")
        else:  # the whole traceback: the run stopped because of it
            super().__init__(f"{context} Trial {trial_id} failed first:\n{traceback.strip()}")
        self.trial_id = trial_id
        self.traceback = traceback


class ProgramFailed(RungError):
    """A program tuned from the command line failed one job: it exited with an error, hung,
    printed no report or a bad one. The message ends with the reason and the job's log;
    the end of the program's standard error comes before it."""


class StoreError(RungError):
    """The experiment store is missing, corrupt, foreign or cannot be written."""


class DataError(RungError):
    """A data set cannot be found, downloaded, or read (missing, truncated or corrupt files)."""


class CheckpointLost(StoreError):
    """A trial's checkpoint file is missing, unreadable or not what was written.

    Only that trial's progress is lost: its recorded jobs stand, and it trains again from
    0. The message names the file and what happened (missing, or the sizes and CRC-32s
    found and recorded, or a format this rung does not read, or bytes that do not decode).

    Attributes:
        trial_id: The trial whose checkpoint is lost (None if not known).
        path: The checkpoint file (None if not known).
    """

    def __init__(self, message: str, trial_id: int | None = None, path: str | None = None):
        super().__init__(message)
        self.trial_id = trial_id
        self.path = path

    @classmethod
    def undecodable(cls, trial_id: int, path: str | None, reason: object) -> CheckpointLost:
        """A checkpoint whose file passed the store's checks (size, CRC-32, format) but
        whose bytes the safe decoder refused (``reason``): hand-made, or damaged in a way
        the checksum could not see. Lost all the same: nothing it holds is run."""
        where = f" ({path!r})" if path is not None else ""
        why = str(reason).rstrip()
        why += "" if why.endswith(".") else "."  # a sentence, whatever the decoder said
        return cls(
            f"The checkpoint of trial {trial_id}{where} cannot be loaded: {why}", trial_id, path
        )
