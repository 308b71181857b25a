"""Summaries of an experiment, and the files written at its end.

An experiment is read from its store (:func:`rung.store.read_experiment`) as an
:class:`Experiment`: settings, one dict per job (:func:`job_to_dict`), the final model.
:func:`summarize` and :func:`format_summary` give what ``rung tune`` prints at the end
and ``rung show`` prints at any time; :func:`write_results` writes ``results.json`` and
``jobs.csv``. Directories written by rung before its store (``experiment.json`` and
``jobs.jsonl``) are still read, by :func:`load_experiment`.
"""

from __future__ import annotations

import csv
import json
import math
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rung.errors import StoreError
from rung.results.result import JobRecord

__all__ = ["Experiment", "format_summary", "load_experiment", "summarize", "write_results"]

SETTINGS_FILE = "experiment.json"
JOBS_FILE = "jobs.jsonl"
RESULTS_FILE = "results.json"
CSV_FILE = "jobs.csv"
FINAL_FILE = "final.json"


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
        "reports": [[r.resource, _json_value(r.value), round(r.time, 6)] for r in job.reports],
        "error": job.error.strip().splitlines()[-1] if job.error else None,
    }


def _write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text)
    os.replace(tmp, path)


@dataclass
class Experiment:
    """An experiment read back from its directory (finished or still running)."""

    directory: Path
    settings: dict[str, Any]
    jobs: list[dict[str, Any]]
    final: dict[str, Any] | None = None
    finished: bool = False
    summary: dict[str, Any] = field(default_factory=dict)
    #: Jobs started and not ended since the last start or resume: running now, or cut
    #: short if the run stopped (``trial_id``, ``resource_from``, ``resource_to``, ``start``,
    #: and ``last_report``, [resource, value], once the job has reported).
    open_jobs: list[dict[str, Any]] = field(default_factory=list)


def load_experiment(directory: str | os.PathLike[str]) -> Experiment:
    """Reads an experiment directory without disturbing a run that writes to it.

    Raises:
        StoreError: it is not an experiment directory, or its files are unreadable.
    """
    root = Path(directory)
    try:
        settings = json.loads((root / SETTINGS_FILE).read_text())
    except FileNotFoundError:
        raise StoreError(
            f"{str(root)!r} is not an experiment directory (no {SETTINGS_FILE})."
        ) from None
    except (OSError, json.JSONDecodeError) as err:
        raise StoreError(f"Cannot read {str(root / SETTINGS_FILE)!r}: {err}") from err
    jobs: list[dict[str, Any]] = []
    try:
        with open(root / JOBS_FILE) as handle:
            for line in handle:
                try:
                    jobs.append(json.loads(line))
                except json.JSONDecodeError:
                    break  # a line being written right now, or cut by a crash
    except FileNotFoundError:
        pass
    final = None
    if (root / FINAL_FILE).exists():
        final = json.loads((root / FINAL_FILE).read_text())
    experiment = Experiment(root, settings, jobs, final, (root / RESULTS_FILE).exists())
    experiment.summary = summarize(experiment)
    return experiment


def summarize(experiment: Experiment) -> dict[str, Any]:
    """Best configuration and value, counts, epochs, wall time and jobs per rung."""
    jobs = experiment.jobs
    sign = -1.0 if experiment.settings.get("direction") == "max" else 1.0
    completed = [j for j in jobs if j["status"] == "COMPLETED" and j["value"] is not None]
    best = min(completed, key=lambda j: sign * j["value"], default=None)
    retrains = experiment.settings.get("objective_form") == "function"
    epochs = 0
    for job in jobs:
        reached = job["reports"][-1][0] if job["reports"] else job["resource_from"]
        epochs += max(reached - (0 if retrains else job["resource_from"]), 0)
    per_rung: dict[int, int] = {}
    for job in jobs:
        per_rung[job["resource_to"]] = per_rung.get(job["resource_to"], 0) + 1
    wall_time = max((j["end"] for j in jobs), default=0.0)
    workers = int(experiment.settings.get("workers") or 1)
    busy = sum(max(j["end"] - j["start"], 0.0) for j in jobs)
    return {
        "best_value": None if best is None else best["value"],
        "best_config": None if best is None else best["config"],
        "best_trial_id": None if best is None else best["trial_id"],
        "jobs": len(jobs),
        "trials": len({j["trial_id"] for j in jobs}),
        "failed_jobs": sum(j["status"] == "FAILED" for j in jobs),
        "epochs": epochs,
        "wall_time": wall_time,
        "jobs_per_rung": dict(sorted(per_rung.items())),
        "workers": workers,
        "utilization": busy / (workers * wall_time) if wall_time > 0 else None,
    }


def write_results(experiment: Experiment) -> None:
    """Writes ``results.json`` and ``jobs.csv`` for a finished run."""
    root = experiment.directory
    payload = {
        "settings": experiment.settings,
        "summary": experiment.summary,
        "final": experiment.final,
        "jobs": experiment.jobs,
    }
    _write_atomic(root / RESULTS_FILE, json.dumps(payload, indent=1))
    params = sorted({k for job in experiment.jobs for k in job["config"]})
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
    tmp = root / (CSV_FILE + ".tmp")
    with open(tmp, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(columns)
        for job in experiment.jobs:
            writer.writerow(
                [
                    job["job"],
                    job["trial_id"],
                    *(job["config"].get(p) for p in params),
                    job["resource_from"],
                    job["resource_to"],
                    job["value"],
                    job["status"],
                    job["decision"],
                    job["start"],
                    job["end"],
                    job["worker"],
                ]
            )
    os.replace(tmp, root / CSV_FILE)


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


_OPEN_JOBS_SHOWN = 8


def _open_job(job: dict[str, Any]) -> str:
    reached = ""
    if "last_report" in job:
        resource, value = job["last_report"]
        reached = f", at {resource}: {_fmt(value)}"
    return (
        f"trial {job['trial_id']} (epochs {job['resource_from']} -> {job['resource_to']}, "
        f"started at {job['start']:.1f} s{reached})"
    )


def format_summary(experiment: Experiment) -> str:
    """The summary table ``rung tune`` prints at the end and ``rung show`` prints any time."""
    s, settings = experiment.summary, experiment.settings
    state = "finished" if experiment.finished else "running or interrupted"
    tuned = f"model {settings.get('model', '?')}"
    if "command" in settings:  # a program tuned with `rung tune --command`
        tuned = "a program"
    lines = [
        f"experiment {experiment.directory} ({state})",
        f"  {tuned}, searcher {settings.get('searcher')}, "
        f"scheduler {settings.get('scheduler')}, epochs {settings.get('min_epochs')}.."
        f"{settings.get('max_epochs')}, eta {settings.get('eta')}, seed {settings.get('seed')}",
    ]
    metric = settings.get("metric", "value")
    if s["best_config"] is None:
        lines.append("  no job completed yet")
    else:
        config = ", ".join(f"{k}={_fmt(v)}" for k, v in s["best_config"].items())
        lines.append(f"  best {metric}: {_fmt(s['best_value'])} (trial {s['best_trial_id']})")
        lines.append(f"  best config: {config}")
    lines.append(
        f"  trials {s['trials']}, jobs {s['jobs']} ({s['failed_jobs']} failed), "
        f"epochs {s['epochs']}, wall time {s['wall_time']:.1f} s"
    )
    if s.get("workers", 1) > 1 and s.get("utilization") is not None:
        lines.append(
            f"  workers {s['workers']}, utilization {100 * s['utilization']:.1f}% "
            "(busy time / (workers x wall time))"
        )
    if len(s["jobs_per_rung"]) > 1:
        rungs = ", ".join(f"{r}: {n}" for r, n in s["jobs_per_rung"].items())
        lines.append(f"  jobs per rung (epochs: jobs): {rungs}")
    if experiment.open_jobs and not experiment.finished:
        shown = experiment.open_jobs[:_OPEN_JOBS_SHOWN]
        jobs = ", ".join(_open_job(j) for j in shown)
        more = len(experiment.open_jobs) - len(shown)
        lines.append(
            f"  started, not ended (running now, or cut short if the run stopped): {jobs}"
            + (f" and {more} more" if more else "")
        )
    if experiment.final:
        f = experiment.final
        lines.append(
            f"  final model ({f['epochs']} epochs): train accuracy {f['train_accuracy']:.4f}, "
            f"validation {f['val_accuracy']:.4f}, test {f['test_accuracy']:.4f}"
        )
    return "\n".join(lines)
