"""Round trips: every event kind and every JobRecord field come back as recorded."""

from __future__ import annotations

import math
import traceback

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rung.results.result import JobRecord
from rung.store import Event, EventKind, ExperimentStore, job_record
from rung.store.events import no_job_calls
from rung.types import Decision, JobStatus, Report
from tests.store.records import SPEC, blob, make_job

floats = st.floats(allow_nan=True, allow_infinity=True)
times = st.floats(min_value=0, max_value=1e6, allow_nan=False)
configs = st.dictionaries(
    st.text(min_size=1, max_size=8),
    st.one_of(floats, st.integers(-(2**53), 2**53), st.text(max_size=10), st.booleans()),
    max_size=4,
)


@st.composite
def job_records(draw: st.DrawFn) -> JobRecord:
    resource_from = draw(st.integers(0, 100))
    resource_to = draw(st.integers(resource_from + 1, 200))
    return JobRecord(
        index=draw(st.integers(0, 10**6)),
        trial_id=draw(st.integers(0, 10**6)),
        config=draw(configs),
        resource_from=resource_from,
        resource_to=resource_to,
        value=draw(floats),
        status=draw(st.sampled_from(JobStatus)),
        start=draw(times),
        end=draw(times),
        worker=draw(st.integers(0, 64)),
        decision=draw(st.none() | st.sampled_from(Decision)),
        error=draw(st.none() | st.text()),
        reports=tuple(
            Report(r, draw(floats), draw(times)) for r in range(resource_from + 1, resource_to + 1)
        )[: draw(st.integers(0, 5))],
    )


def same_float(a: float, b: float) -> bool:
    return (math.isnan(a) and math.isnan(b)) or (
        a == b and math.copysign(1, a) == math.copysign(1, b)
    )


def assert_same_record(got: JobRecord, want: JobRecord) -> None:
    for name in JobRecord.__dataclass_fields__:
        a, b = getattr(got, name), getattr(want, name)
        if name == "value":
            assert same_float(a, b), (name, a, b)
        elif name == "config":
            assert a.keys() == b.keys()
            for key in a:
                if isinstance(b[key], float):
                    assert same_float(a[key], b[key]), (key, a[key], b[key])
                else:
                    assert a[key] == b[key] and type(a[key]) is type(b[key])
        elif name == "reports":
            assert [(r.resource, r.time) for r in a] == [(r.resource, r.time) for r in b]
            assert all(same_float(r.value, s.value) for r, s in zip(a, b, strict=True))
        else:
            assert a == b, (name, a, b)


@settings(max_examples=60)
@given(record=job_records())
def test_job_records_round_trip_with_nan_inf_errors_and_reports(tmp_path_factory, record):
    directory = tmp_path_factory.mktemp("exp")
    with ExperimentStore.create(directory, SPEC) as store:
        store.job_finished(record, None, trial_done=False)
    with ExperimentStore.open(directory, readonly=True) as store:
        (event,) = [e for e in store.events() if e.kind is EventKind.JOB_ENDED]
    assert event.trial_id == record.trial_id and event.time == record.end
    assert_same_record(job_record(event), record)


def test_failed_job_keeps_its_whole_traceback(tmp_path):
    try:
        raise RuntimeError("objective exploded")
    except RuntimeError:
        text = traceback.format_exc()
    failed = make_job(0, 0, value=math.nan, status=JobStatus.FAILED, decision=None, error=text)
    with ExperimentStore.create(tmp_path, SPEC) as store:
        store.job_finished(failed, None, trial_done=True)
        (event,) = [e for e in store.events() if e.kind is EventKind.JOB_ENDED]
    got = job_record(event)
    assert got.error == text and got.status is JobStatus.FAILED and math.isnan(got.value)


def test_every_event_kind_round_trips_in_order(tmp_path):
    with ExperimentStore.create(tmp_path, SPEC) as store:
        store.job_started(0, {"lr": 0.1}, 0, 1, seed=11, time=0.5)
        store.job_started(1, {"lr": 0.2}, 0, 1, seed=12, time=0.6)
        store.job_finished(make_job(0, 0), blob(0, 0), trial_done=False, stopped=[1])
        store.job_started(0, {"lr": 0.1}, 1, 3, seed=11, time=1.5)
        store.job_reported(0, 2, 0.25, time=2.5)
        store.run_finished(time=4.0)
    with ExperimentStore.open(tmp_path) as store:
        store.run_resumed(time=4.0, data={"budget": {"max_jobs": 50}})
        store.set_final({"epochs": 3, "test_accuracy": 0.9})
        events = list(store.events())
    kinds = [e.kind for e in events]
    assert kinds == [
        EventKind.RUN_STARTED,
        EventKind.JOB_STARTED,
        EventKind.JOB_STARTED,
        EventKind.JOB_ENDED,
        EventKind.TRIAL_STOPPED,
        EventKind.JOB_STARTED,
        EventKind.JOB_REPORTED,
        EventKind.RUN_FINISHED,
        EventKind.RUN_RESUMED,
        EventKind.FINAL,
    ]
    assert set(kinds) == set(EventKind) - {EventKind.SETTINGS_UPDATED}  # 0.1.0's, not written
    assert [e.seq for e in events] == list(range(1, 11))
    started, first, second, ended, stopped, resumed_job = events[:6]
    assert started.data["spec"] == SPEC and started.time == 0.0
    assert first.data == {"resource_from": 0, "resource_to": 1, "seed": 11, "config": {"lr": 0.1}}
    assert second.trial_id == 1 and second.data["config"] == {"lr": 0.2}
    assert ended.trial_id == 0 and ended.data["checkpoint"] == "trial-0-job-0.ckpt"
    assert stopped.trial_id == 1 and stopped.time == ended.time == 1.0
    assert "config" not in resumed_job.data  # recorded on the trial's first job only
    report = events[6]
    assert (report.trial_id, report.time, report.data) == (0, 2.5, {"resource": 2, "value": 0.25})
    assert events[7].time == 4.0
    assert events[8].data == {"budget": {"max_jobs": 50}} and events[8].time == 4.0
    assert events[9].data == {"epochs": 3, "test_accuracy": 0.9}
    assert isinstance(events[0], Event)


def test_the_calls_a_scheduler_answered_with_no_job_round_trip(tmp_path):
    """Each event that carries them reads back the flags recorded; one without has none."""
    with ExperimentStore.create(tmp_path, SPEC) as store:
        store.job_finished(make_job(0, 0), None, trial_done=False, no_job=[False])
        store.job_finished(make_job(1, 1), None, trial_done=False)
        store.run_finished(time=4.0, no_job=[True, False])
    with ExperimentStore.open(tmp_path) as store:
        store.run_resumed(time=4.0, data={"workers": 2, "no_job": [False]})
        events = list(store.events())[1:]
    assert [no_job_calls(e) for e in events] == [(False,), (), (True, False), (False,)]
    assert job_record(events[0]) == make_job(0, 0)


def test_event_data_is_read_only(tmp_path):
    with ExperimentStore.create(tmp_path, SPEC) as store:
        event = next(store.events())
    with pytest.raises(TypeError):
        event.data["spec"] = {}  # type: ignore[index]


def test_the_spec_must_be_json_and_numpy_scalars_are_converted(tmp_path):
    with pytest.raises(TypeError, match="'spec' parameter must hold only numbers.*object"):
        ExperimentStore.create(tmp_path / "a", {"model": object()})
    assert not (tmp_path / "a").exists()  # refused before anything was created
    with ExperimentStore.create(tmp_path / "b", {"lr": np.float32(0.5), "n": np.int64(3)}) as s:
        assert s.started["spec"] == {"lr": 0.5, "n": 3}
        s.job_started(0, {"units": np.int64(64), "act": ("relu",)}, 0, 1, seed=0, time=0.0)
        event = list(s.events())[-1]
    assert event.data["config"] == {"units": 64, "act": ["relu"]}


def test_job_record_refuses_other_events(tmp_path):
    with ExperimentStore.create(tmp_path, SPEC) as store:
        event = next(store.events())
    with pytest.raises(ValueError, match="needs a JOB_ENDED event; got RUN_STARTED"):
        job_record(event)
