"""The store's events: their kinds, the frozen record read back, and their JSON payloads.

Every payload is a JSON object. Python's :mod:`json` writes NaN and the infinities as the
bare tokens ``NaN``, ``Infinity`` and ``-Infinity`` and reads them back, so a failed job's
NaN value and an infinite report survive the trip (a REAL column would turn NaN into NULL;
SQLite 3.42+ reads these tokens in its JSON functions as JSON5).
"""

from __future__ import annotations

import enum
import json
import math
from collections.abc import Mapping, Sequence
from types import MappingProxyType
from typing import Any

from rung._frozen import frozen
from rung.domains import Domain
from rung.errors import ConfigError
from rung.space_file import space_from_spec, space_to_spec
from rung.store._payloads import check_payload, row_crc
from rung.types import Decision, JobRecord, JobStatus, Report

__all__ = [
    "Event",
    "EventKind",
    "declared_domains",
    "job_record",
    "no_job_calls",
    "record_data",
]


class EventKind(enum.Enum):
    """What an event records. The payload (:attr:`Event.data`) of each kind is listed."""

    RUN_STARTED = enum.auto()  # {"spec": {...}, "created": unix time, "keep_checkpoints"}
    SETTINGS_UPDATED = enum.auto()  # written by rung 0.1.0 only (read, and ignored)
    RUN_RESUMED = enum.auto()  # {"budget": {...}, "workers"}: the resumed run's (+ "no_job")
    JOB_STARTED = enum.auto()  # {"resource_from", "resource_to", "seed"} (+ "config" if new,
    #                            "again" for a rerun, "from_scratch" after a lost checkpoint)
    JOB_REPORTED = enum.auto()  # {"resource", "value"} (+ "metrics", + "checkpoint": the
    #                             running job's checkpoint file): a running job's report
    JOB_ENDED = enum.auto()  # every JobRecord field but trial_id (see record_data), +
    #                          "declared": the domains a define-by-run job declared,
    #                          + "no_job"
    TRIAL_STOPPED = enum.auto()  # {} : a synchronous barrier left the trial out
    RUN_FINISHED = enum.auto()  # {} (+ "stop_reason", + "no_job")
    # "no_job": [allow_new_trials, ...] of each call the scheduler answered with no job
    # since the event before that carries them (its state may have changed: a bracket
    # closed its bottom rung); the replay makes the same calls here. Records made
    # before it existed have none and replay as they did.
    FINAL = enum.auto()  # the final model's figures (the newest FINAL wins)


#: Names looked up when rows are read back (``EventKind[name]`` is slower).
KINDS = {kind.name: kind for kind in EventKind}


@frozen
class Event:
    """One recorded event, as :meth:`rung.store.ExperimentStore.events` hands it out.

    Attributes:
        seq: Its position in the log (1, 2, ...; strictly increasing, never reused).
        kind: What happened.
        time: Seconds since the run began, on the driver's clock (events the driver does
            not time, such as SETTINGS_UPDATED and FINAL, carry the time of the event
            before them; RUN_STARTED carries 0.0).
        trial_id: The trial concerned, or None for run-level events.
        data: The payload (read-only), see :class:`EventKind`.
    """

    seq: int
    kind: EventKind
    time: float
    trial_id: int | None
    data: Mapping[str, Any]


def _default(value: Any) -> Any:
    """JSON for the few non-JSON types a configuration or setting may hold."""
    if isinstance(value, enum.Enum):
        return value.name
    item = getattr(value, "item", None)  # numpy scalars
    if callable(item):
        return item()
    if isinstance(value, (tuple, set, frozenset)):
        return list(value)
    raise TypeError(f"a {type(value).__name__} ({value!r}) is not JSON-serializable")


def dumps(value: Mapping[str, Any], parameter: str) -> str:
    """Encodes a payload, naming ``parameter`` when it holds something JSON cannot hold.

    Raises:
        TypeError: ``value`` holds an object that is not a number, string, list or dict.
    """
    try:
        return json.dumps(value, default=_default, separators=(",", ":"))
    except (TypeError, ValueError) as err:
        raise TypeError(
            f"The {parameter!r} parameter must hold only numbers, strings, booleans, None, "
            f"lists and dicts (it is stored as JSON); {err}. Convert the value first."
        ) from None


def loads(text: str) -> dict[str, Any]:
    """Decodes a payload written by :func:`dumps`."""
    return json.loads(text)


def make_event(
    seq: int,
    kind: str,
    time: float | None,
    trial_id: int | None,
    data: str,
    crc: int | None = None,
) -> Event:
    """An Event from one row of the events table, checked (see :mod:`._payloads`).

    Args:
        seq, kind, time, trial_id, data: The row's columns.
        crc: The row's checksum, checked if given (rows written since schema version 3).

    Raises:
        ValueError: the row is not what rung writes: its checksum does not match, its kind
            is unknown, its payload is not JSON or lacks a field or holds a wrong type.
    """
    if crc is not None and crc != row_crc(seq, kind, time, trial_id, data):
        raise ValueError("its checksum does not match its contents")
    event_kind = KINDS.get(kind) if type(kind) is str else None
    if event_kind is None:
        raise ValueError(f"its kind {kind!r} is not one this rung knows (or a newer rung's)")
    if type(data) is not str:
        raise ValueError(f"its payload is {type(data).__name__}, not JSON text")
    payload = loads(data)
    problem = check_payload(kind, trial_id, time, payload)
    if problem is not None:
        raise ValueError(problem)
    time = math.nan if time is None else float(time)  # SQLite stores NaN as NULL
    return Event(seq, event_kind, time, trial_id, MappingProxyType(payload))


def record_data(
    record: JobRecord,
    checkpoint: str | None,
    declared: Mapping[str, Domain] | None = None,
    no_job: Sequence[bool] = (),
) -> dict[str, Any]:
    """The payload of a JOB_ENDED event: every field of ``record`` but its trial id.

    Args:
        record: The job.
        checkpoint: The checkpoint file the job left (relative to the experiment
            directory), or None.
        declared: The domains a define-by-run job declared that were new to the
            searcher, or None (see :func:`declared_domains`).
        no_job: ``allow_new_trials`` of each call the scheduler answered with no job
            before this job's end was handed to it (see :func:`no_job_calls`).
    """
    return {
        "index": record.index,
        "config": dict(record.config),
        "resource_from": record.resource_from,
        "resource_to": record.resource_to,
        "value": record.value,
        "status": record.status.name,
        "start": record.start,
        "end": record.end,
        "worker": record.worker,
        "decision": None if record.decision is None else record.decision.name,
        "error": record.error,
        "reports": [_report_row(r) for r in record.reports],
        "checkpoint": checkpoint,
        **({"retrained": record.retrained} if record.retrained else {}),
        **({"declared": _declared_data(declared)} if declared else {}),
        **({"no_job": list(no_job)} if no_job else {}),
    }


def no_job_calls(event: Event) -> tuple[bool, ...]:
    """``allow_new_trials`` of each call the recorded run made to its scheduler, just
    before ``event`` (a JOB_ENDED, RUN_FINISHED or RUN_RESUMED), that gave no job; empty
    when there were none (or the record predates them)."""
    return tuple(event.data.get("no_job", ()))


def _declared_data(domains: Mapping[str, Domain]) -> dict[str, Any]:
    """The short form (:func:`rung.space_file.space_to_spec`) of each domain that reads
    back as itself; one that does not (a choice among tuples) is left out, and a resumed
    run learns it again from the jobs that declare it."""
    data: dict[str, Any] = {}
    for name, domain in domains.items():
        try:
            spec = space_to_spec({name: domain})
            back = space_from_spec(json.loads(json.dumps(spec, default=_default)))
        except (ConfigError, TypeError, ValueError):
            continue
        if repr(back[name]) == repr(domain):
            data.update(spec)
    return data


def declared_domains(event: Event) -> dict[str, Domain] | None:
    """The domains a JOB_ENDED event's define-by-run job declared, new to the searcher
    then, so that a replay learns them where the recorded run did; None when it declared
    none (or the record predates them). Reading the event checked that they read back."""
    data = event.data.get("declared")
    return space_from_spec(data) if data else None


def job_record(event: Event) -> JobRecord:
    """The JobRecord a JOB_ENDED event recorded (for replaying a run on resume).

    Raises:
        ValueError: ``event`` is not a JOB_ENDED event.
    """
    if event.kind is not EventKind.JOB_ENDED or event.trial_id is None:
        raise ValueError(f"job_record() needs a JOB_ENDED event; got {event.kind.name}.")
    d = event.data
    return JobRecord(
        index=d["index"],
        trial_id=event.trial_id,
        config=d["config"],
        resource_from=d["resource_from"],
        resource_to=d["resource_to"],
        value=_float(d["value"]),
        status=JobStatus[d["status"]],
        start=d["start"],
        end=d["end"],
        worker=d["worker"],
        decision=None if d["decision"] is None else Decision[d["decision"]],
        error=d["error"],
        reports=tuple(_report(row) for row in d["reports"]),
        retrained=d.get("retrained", 0),
    )


def _report_row(report: Report) -> list[Any]:
    """A report as JSON: [resource, value, time], and its metrics when it has several."""
    row: list[Any] = [report.resource, report.value, report.time]
    if report.metrics is not None:
        row.append(dict(report.metrics))
    return row


def _report(row: Any) -> Report:
    """The Report :func:`_report_row` wrote."""
    resource, value, time, *rest = row
    metrics = None if not rest else {str(k): _float(v) for k, v in rest[0].items()}
    return Report(int(resource), _float(value), float(time), metrics)


def _float(value: Any) -> float:
    """A metric read back as a float (an objective may have returned an int)."""
    return math.nan if value is None else float(value)
