"""A run's summary as text, and the files written at its end (``results.json``, ``jobs.csv``).

Everything here reads a :class:`~rung.results.result.Result`, the one shape of a run
(live, or read back from its store by :func:`rung.results.summary.read_result`).
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from rung.results._plural import counted
from rung.results.front_report import front_dict, front_lines
from rung.results.result import Incumbent, OpenJob, Result
from rung.types import JobRecord, JobStatus, TrialStatus

__all__ = ["format_summary", "job_to_dict", "no_best_reason", "summary_dict", "write_results"]

RESULTS_FILE = "results.json"
CSV_FILE = "jobs.csv"
_OPEN_JOBS_SHOWN = 8


def _json_value(value: Any) -> Any:
    """JSON has no NaN or infinity: they are written as null."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def job_to_dict(job: JobRecord) -> dict[str, Any]:
    """A job record as a JSON-ready dict."""
    return {
        "job": job.index,
        "trial_id": job.trial_id,
        "config": {k: _json_value(v) for k, v in job.config.items()},
        "resource_from": job.resource_from,
        "resource_to": job.resource_to,
        "value": _json_value(job.value),
        "status": job.status.name,
        "decision": job.decision.name if job.decision is not None else None,
        "start": round(job.start, 6),
        "end": round(job.end, 6),
        "worker": job.worker,
        "reports": [_report_row(r) for r in job.reports],
        "error": job.error.strip().splitlines()[-1] if job.error else None,
    }


def _report_row(report: Any) -> list[Any]:
    row = [report.resource, _json_value(report.value), round(report.time, 6)]
    if report.metrics is not None:
        row.append({k: _json_value(v) for k, v in report.metrics.items()})
    return row


def _metrics_of(result: Result, incumbent: Incumbent) -> dict[str, float] | None:
    """Every metric of the report that made ``incumbent`` (None for one value)."""
    job = result.jobs[incumbent.job]
    return (
        None
        if not job.reports or job.reports[-1].metrics is None
        else dict(job.reports[-1].metrics)
    )


def _incumbent_dict(incumbent: Incumbent | None) -> dict[str, Any] | None:
    if incumbent is None:
        return None
    return {
        "trial_id": incumbent.trial_id,
        "config": {k: _json_value(v) for k, v in incumbent.config.items()},
        "value": _json_value(incumbent.value),
        "resource": incumbent.resource,
    }


def summary_dict(result: Result) -> dict[str, Any]:
    """The summary ``results.json`` holds: incumbents, counts, resource and time."""
    utilization = result.utilization
    best = _incumbent_dict(result.incumbent)
    if best is not None and result.incumbent is not None:
        metrics = _metrics_of(result, result.incumbent)
        if metrics is not None:
            best["metrics"] = {k: _json_value(v) for k, v in metrics.items()}
    return {
        "best": best,
        "best_at_any_resource": _incumbent_dict(result.best_at_any_resource),
        "trials": result.n_trials,
        "jobs": result.n_jobs,
        "failed_jobs": result.n_failed_jobs,
        "resource": result.total_resource,
        "wall_time": result.wall_time,
        "jobs_per_rung": result.rung_counts(),
        "workers": result.workers,
        "utilization": None if math.isnan(utilization) else utilization,
        "finished": result.finished,
        "stop_reason": result.stop_reason,
        **front_dict(result),
    }


def _write_atomic(path: Path, text: str) -> None:
    """Writes ``path`` whole or not at all (a failed write leaves no temporary file)."""
    tmp = path.with_name(path.name + ".tmp")
    try:
        tmp.write_text(text, encoding="utf-8", newline="")
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_results(
    result: Result, directory: str | os.PathLike[str], warnings: Sequence[str] = ()
) -> None:
    """Writes ``results.json`` and ``jobs.csv`` into ``directory``; ``warnings`` about the
    run's outcome (e.g. a best value at chance level) go into ``results.json``.

    ``jobs.csv`` has a row per job: its trial, configuration, resource, ``value`` (the
    primary objective), status, decision, times and worker; with several objectives or
    constraints, a column per other objective and constrained metric, named by the metric
    (``metric_NAME`` where the name is another column's), from the job's last report.
    """
    root = Path(directory)
    payload = {
        "spec": result.spec.to_dict(),
        "summary": summary_dict(result),
        "warnings": list(warnings),
        "final": None if result.final is None else dict(result.final),
        "jobs": [job_to_dict(job) for job in result.jobs],
    }
    _write_atomic(root / RESULTS_FILE, json.dumps(payload, indent=1))
    params = sorted({k for job in result.jobs for k in job.config})
    columns = [
        "job",
        "trial_id",
        *params,
        "resource_from",
        "rung",
        "value",
        "status",
        "decision",
        "start",
        "end",
        "worker",
    ]
    # ``value`` holds the primary objective: the other objectives and the constrained
    # metrics follow, one column each, named by metric (prefixed where a name is taken)
    metrics = [] if result.spec.goals is None else list(result.spec.goals.metrics[1:])
    columns += [f"metric_{m}" if m in columns else m for m in metrics]
    table = io.StringIO()
    writer = csv.writer(table)
    writer.writerow(columns)
    for job in result.jobs:
        writer.writerow(
            [
                job.index,
                job.trial_id,
                *(job.config.get(p) for p in params),
                job.resource_from,
                job.resource_to,
                _json_value(job.value),
                job.status.name,
                job.decision.name if job.decision is not None else None,
                round(job.start, 6),
                round(job.end, 6),
                job.worker,
                *(_json_value(_metric(job, m)) for m in metrics),
            ]
        )
    _write_atomic(root / CSV_FILE, table.getvalue())


def _metric(job: JobRecord, name: str) -> float | None:
    """The metric ``name`` of the job's last report (None where it reported none)."""
    last = job.reports[-1].metrics if job.reports else None
    return None if last is None else last.get(name)


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def _config_text(config: Any) -> str:
    return ", ".join(f"{k}={_fmt(v)}" for k, v in config.items())


def _open_job(job: OpenJob, resource_name: str | None) -> str:
    """An open job; ``resource_name`` None for a run without a resource."""
    reached = ""
    if job.last_report is not None:
        at = "" if resource_name is None else f" at {job.last_report.resource}"
        reached = f",{at}: {_fmt(job.last_report.value)}"
    span = (
        ""
        if resource_name is None
        else f"{resource_name} {job.resource_from} -> {job.resource_to}, "
    )
    return f"trial {job.trial_id} ({span}started at {job.start:.1f} s{reached})"


def _headline(result: Result) -> str:
    spec = result.spec
    extra = spec.extra
    parts = []
    if "model" in extra:
        parts.append(f"model {extra['model']}")
    parts.append(f"searcher {extra.get('searcher', spec.searcher)}")
    parts.append(f"scheduler {extra.get('scheduler', spec.scheduler)}")
    if spec.max_resource is not None:
        low = spec.min_resource if spec.min_resource is not None else spec.max_resource
        parts.append(f"{spec.resource_name} {low}..{spec.max_resource}")
    if spec.eta is not None and spec.multi_fidelity:
        parts.append(f"eta {spec.eta:g}")
    if spec.goals is None:  # several objectives have a line of their own
        parts.append(f"{spec.direction.name.lower()}imize")
    parts.append(f"seed {spec.seed}")
    return "  " + ", ".join(parts)


def _results(n: int) -> str:
    return f"{n} result{'s' if n != 1 else ''}"


def _all(n: int) -> str:
    return f"all {n} results" if n != 1 else "the one result"


def no_best_reason(result: Result) -> str:
    """Why a run has no best result at the full resource (``result.incumbent`` is None).

    "yet" only while the run may go on: a finished run has no pending trial to wait for.
    """
    bad, nan = result.infeasible, result.non_finite
    yet = "" if result.finished else " yet"
    what = "objective" if result.spec.goals is not None else result.spec.value_name
    if bad and not nan:
        return (
            f"no feasible trial found{yet}: {_all(bad)} at the full resource "
            f"violate{'s' if bad == 1 else ''} the constraints"
        )
    if nan and not bad:
        return (
            f"no finite result at the full resource{yet}: {_all(nan)} had a NaN or infinite {what}"
        )
    if nan:
        return (
            f"no usable result at the full resource{yet}: {_results(nan)} had a NaN or "
            f"infinite {what}, {bad} violated the constraints"
        )
    if not any(job.status is JobStatus.COMPLETED for job in result.jobs):
        return f"no job completed{yet}"
    return f"no trial reached the full resource ({result.spec.max_resource}){yet}"


def _first_error(result: Result) -> tuple[int, str] | None:
    """The trial whose job failed first and the last line of its error (None: none failed)."""
    for job in result.jobs:
        if job.status is JobStatus.FAILED:
            lines = (job.error or "").strip().splitlines()
            return job.trial_id, lines[-1] if lines else "(no error recorded)"
    return None


def _gave_up(result: Result, writing: bool | None) -> int | None:
    """How many trials had failed when the run gave up on its objective, or None.

    The driver stops a run whose first ``3 + workers`` trials all failed (a broken
    objective) without recording why: a run not finished, not written now, in which no
    job completed and that many trials failed is one it stopped.
    """
    if result.finished or writing is True:
        return None
    if any(job.status is JobStatus.COMPLETED for job in result.jobs):
        return None
    failed = sum(trial.status is TrialStatus.FAILED for trial in result.trials)
    return failed if failed >= 3 + result.workers else None


def format_summary(result: Result, writing: bool | None = None) -> str:
    """The summary ``rung tune`` prints at the end and ``rung show`` prints any time;
    ``writing``: whether a process writes the unfinished run now (None: not known,
    :meth:`rung.results.summary.RunReader.being_written`)."""
    spec = result.spec
    metric = spec.value_name
    where = result.directory if result.directory is not None else "(in memory)"
    unfinished = {True: "running", False: "interrupted", None: "running or interrupted"}
    state = "finished" if result.finished else unfinished[writing]
    if result.stop_reason:
        state = f"stopped early: {result.stop_reason}"
    gave_up = _gave_up(result, writing)
    if gave_up is not None:
        state = f"stopped: its first {gave_up} trials all failed"
    lines = [f"experiment {where} ({state})", _headline(result), *front_lines(result)]
    if result.incumbent is not None:
        best = result.incumbent
        at = "" if best.resource is None else f" at {spec.resource_name} {best.resource}"
        lines.append(f"  best {metric}: {_fmt(best.value)} (trial {best.trial_id}{at})")
        lines.append(f"  best config: {_config_text(best.config)}")
        metrics = _metrics_of(result, best)
        if metrics is not None and len(metrics) > 1:
            lines.append(f"  its metrics: {_config_text(metrics)}")
    elif gave_up is not None:
        lines.append("  no job completed: fix the objective, then resume or rerun")
    else:
        lines.append(f"  {no_best_reason(result)}")
    first_error = _first_error(result)
    if first_error is not None and not any(
        job.status is JobStatus.COMPLETED for job in result.jobs
    ):  # nothing worked yet: why the first failure did is the one thing to read
        lines.append(f"  trial {first_error[0]} failed first: {first_error[1]}")
    any_best = result.best_at_any_resource
    if any_best is not None and (result.incumbent is None or any_best.job != result.incumbent.job):
        lines.append(
            f"  best {metric} at any {spec.resource_name}: {_fmt(any_best.value)} (trial "
            f"{any_best.trial_id} at {spec.resource_name} {any_best.resource}, not trained "
            "to the full resource, or worse there)"
        )
    # a run without a resource (an f(config) objective) spends none: no count of it
    spent = (
        "" if spec.max_resource is None else f"{spec.resource_name} {_fmt(result.total_resource)}, "
    )
    lines.append(
        f"  trials {result.n_trials}, jobs {result.n_jobs} ({result.n_failed_jobs} failed), "
        f"{spent}wall time {result.wall_time:.1f} s"
    )
    if result.workers > 1 and not math.isnan(result.utilization):
        lines.append(
            f"  workers {result.workers}, utilization {100 * result.utilization:.1f}% "
            "(busy time / (workers x wall time))"
        )
    counts = result.rung_counts()
    if len(counts) > 1:
        rungs = ", ".join(f"{r}: {n}" for r, n in counts.items())
        lines.append(f"  jobs per rung ({spec.resource_name}: jobs): {rungs}")
    if result.open_jobs and not result.finished:
        shown = result.open_jobs[:_OPEN_JOBS_SHOWN]
        name = None if spec.max_resource is None else spec.resource_name
        jobs = ", ".join(_open_job(j, name) for j in shown)
        more = len(result.open_jobs) - len(shown)
        lines.append(
            f"  started, not ended (running now, or cut short if the run stopped): {jobs}"
            + (f" and {more} more" if more else "")
        )
    if result.final and "train_accuracy" in result.final:
        f = result.final
        # marked False where the run was extended past it (rung.results.final.with_currency)
        whose = "" if f.get("current") is not False else f"of trial {f.get('trial_id')}, "
        stale = "" if not whose else ", no longer the best trial"
        lines.append(
            f"  final model ({whose}{counted(f['epochs'], 'epoch')}{stale}): "
            f"train accuracy {f['train_accuracy']:.4f}, "
            f"validation {f['val_accuracy']:.4f}, test {f['test_accuracy']:.4f}"
        )
    return "\n".join(lines)
