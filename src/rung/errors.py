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
        └── CheckpointLost     a trial's checkpoint file is missing or damaged
"""

from __future__ import annotations

__all__ = [
    "ConfigError",
    "CheckpointLost",
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
    """A trial's checkpoint file is missing or damaged (its trial can train again from 0)."""
