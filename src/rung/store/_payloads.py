"""What each kind of event must hold, checked when it is read, and each row's checksum.

An event read back is trusted by everything after it (replay, ``rung show``), so a row
that does not hold what rung writes (a key missing, a string where a number was, an
unknown status) is reported as damage here, with the event and the field, instead of
failing later as a bare ``KeyError``. Since store schema version 3 each row also carries
a CRC-32 of its columns (:func:`row_crc`), so that a flipped digit inside a value is
detected rather than read as another number.
"""

from __future__ import annotations

import math
import re
import zlib
from collections.abc import Callable, Mapping
from typing import Any

from rung.errors import ConfigError
from rung.space_file import space_from_spec
from rung.types import Decision, JobStatus

__all__ = ["check_payload", "row_crc"]


def row_crc(seq: int, kind: str, time: float | None, trial_id: int | None, data: str) -> int:
    """The CRC-32 of one events row: its seq, kind, time, trial and payload."""
    if type(time) in (int, float):  # as SQLite gives it back: a REAL, NaN as NULL, no -0.0
        when = "" if time != time else repr(float(time) + 0.0)
    else:
        when = "" if time is None else repr(time)
    text = f"{seq}\x1f{kind}\x1f{when}\x1f{'' if trial_id is None else trial_id}\x1f{data}"
    return zlib.crc32(text.encode("utf-8", "surrogatepass")) & 0xFFFFFFFF


Check = Callable[[Any], bool]


def _int(value: Any) -> bool:
    return type(value) is int


def _number(value: Any) -> bool:
    return type(value) in (int, float)


def _metric(value: Any) -> bool:
    return value is None or type(value) in (int, float)


def _dict(value: Any) -> bool:
    return type(value) is dict


def _bool(value: Any) -> bool:
    return type(value) is bool


def _text_or_none(value: Any) -> bool:
    return value is None or type(value) is str


def _names(enum: Any, optional: bool = False) -> Check:
    names = frozenset(member.name for member in enum)
    return lambda value: (optional and value is None) or (type(value) is str and value in names)


_CHECKPOINT_FILE = re.compile(r"trial-\d+-job-\d+(-at-\d+)?\.ckpt")


def _checkpoint(value: Any) -> bool:
    # a name inside DIR/checkpoints only: a path here would make rung read or remove it
    return value is None or (type(value) is str and _CHECKPOINT_FILE.fullmatch(value) is not None)


def _declared(value: Any) -> bool:
    """Domains by name, in the short form of a space file (a define-by-run job's)."""
    if type(value) is not dict or not all(type(v) is dict for v in value.values()):
        return False
    try:
        space_from_spec(value)
    except (ConfigError, TypeError, ValueError):
        return False
    return True


def _flags(value: Any) -> bool:
    return type(value) is list and all(type(v) is bool for v in value)


def _metrics(value: Any) -> bool:
    return type(value) is dict and all(_metric(v) for v in value.values())


def _reports(value: Any) -> bool:
    """[[resource, value, time], ...], each with its metrics after them when it has several."""
    return type(value) is list and all(
        type(r) is list
        and len(r) in (3, 4)
        and _int(r[0])
        and _metric(r[1])
        and _number(r[2])
        and (len(r) == 3 or _metrics(r[3]))
        for r in value
    )


#: kind name -> (whether the event concerns a trial, required keys, optional keys)
_SPECS: dict[str, tuple[bool | None, Mapping[str, Check], Mapping[str, Check]]] = {
    "RUN_STARTED": (  # "spec"; "settings" in stores of rung 0.1.0 (one of the two)
        False,
        {},
        {"spec": _dict, "settings": _dict, "created": _number, "keep_checkpoints": _bool},
    ),
    "SETTINGS_UPDATED": (False, {}, {}),
    "RUN_RESUMED": (False, {}, {"no_job": _flags}),
    "JOB_STARTED": (
        True,
        {"resource_from": _int, "resource_to": _int, "seed": _int},
        {"config": _dict, "again": _bool, "from_scratch": _bool},
    ),
    "JOB_REPORTED": (
        True,
        {"resource": _int, "value": _metric},
        {"metrics": _metrics, "checkpoint": _checkpoint},
    ),
    "JOB_ENDED": (
        True,
        {
            "index": _int,
            "config": _dict,
            "resource_from": _int,
            "resource_to": _int,
            "value": _metric,
            "status": _names(JobStatus),
            "start": _number,
            "end": _number,
            "worker": _int,
            "decision": _names(Decision, optional=True),
            "error": _text_or_none,
            "reports": _reports,
        },
        {"checkpoint": _checkpoint, "retrained": _int, "declared": _declared, "no_job": _flags},
    ),
    "TRIAL_STOPPED": (True, {}, {}),
    "RUN_FINISHED": (False, {}, {"no_job": _flags}),
    "FINAL": (None, {}, {}),
}


def check_payload(kind: str, trial_id: Any, time: Any, data: Any) -> str | None:
    """What is wrong with an event of ``kind`` (a known kind name), or None if nothing."""
    if not (time is None or type(time) is float or type(time) is int):
        return f"its time is {_short(time)}, not a number"
    if time is not None and math.isnan(time):
        return "its time is NaN"
    if type(data) is not dict:
        return f"its payload is {_short(data)}, not a JSON object"
    about_trial, required, optional = _SPECS[kind]
    if about_trial is True and type(trial_id) is not int:
        return f"its trial is {_short(trial_id)}, not an integer"
    if about_trial is False and trial_id is not None:
        return f"it names trial {_short(trial_id)}, which a {kind} event never does"
    for key, check in required.items():
        if key not in data:
            return f"its payload has no {key!r}"
        if not check(data[key]):
            return f"its {key!r} is {_short(data[key])}, which rung never writes there"
    for key, check in optional.items():
        if key in data and not check(data[key]):
            return f"its {key!r} is {_short(data[key])}, which rung never writes there"
    if kind == "RUN_STARTED" and "spec" not in data and "settings" not in data:
        return "its payload has no 'spec'"
    return None


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
