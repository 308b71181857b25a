"""What the dashboard sends: a run's description and its jobs as JSON-ready rows.

Every job becomes one row (a list, in the order of :data:`JOB_COLUMNS`), so a run of
20,000 jobs is a compact JSON document, and a live run's update is the rows of the jobs
that ended since the page last asked. Each row carries the trajectory point the job
ends (the resource charged so far and the incumbents), folded job by job by
:class:`TrajectoryFold` with the rule of :class:`~rung.results.recorder.RunRecorder`,
so a page that holds the first ``n`` rows has the first ``n`` points: an update costs
what is new. In a run with several objectives or constraints a row also carries the
objectives' values of its last report and whether they were feasible (``scores``), from
which the page draws the front; which results are on the front comes with the summary,
as the run's :attr:`~rung.results.result.Result.pareto_front` has it. The tests check
the fold against :attr:`rung.results.result.Result.trajectory`.

Values are JSON: NaN and infinities become null; strings are sent as they were recorded
(the page shows them as text, never as markup).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from rung.domains import is_log_scaled
from rung.results.final import with_currency
from rung.results.report import no_best_reason
from rung.results.result import OpenJob, Result, TrialRecord
from rung.results.spec import ObjectiveForm, RunSpec
from rung.types import JobRecord, JobStatus

__all__ = [
    "ERROR_LINE_CHARS",
    "JOB_COLUMNS",
    "MAX_EXACT_INT",
    "OPEN_COLUMNS",
    "TrajectoryFold",
    "jsonable",
    "open_job_row",
    "run_meta",
    "summary",
    "trial_row",
]

#: The fields of a job row, in order. ``reports`` is flat: resource, value, resource,
#: value, ... (a report's time is left out: the page does not show it, and it would make
#: a large run's first JSON half as large again).
#: ``spent``, ``best`` and ``best_any`` are the trajectory point after the job;
#: ``scores`` is ``[objective values..., 1 if feasible else 0]`` of its last report in a
#: run with several objectives or constraints, else null.
JOB_COLUMNS = (
    "index",
    "trial_id",
    "resource_from",
    "resource_to",
    "value",
    "status",
    "decision",
    "start",
    "end",
    "worker",
    "reports",
    "error",
    "spent",
    "best",
    "best_any",
    "scores",
)

#: The fields of a running job's row; ``last_*`` are null before its first report.
OPEN_COLUMNS = (
    "trial_id",
    "resource_from",
    "resource_to",
    "start",
    "last_resource",
    "last_value",
    "last_time",
)

#: The largest int a JavaScript number holds exactly (2**53 - 1).
MAX_EXACT_INT = 2**53 - 1

#: A job row carries the last line of its error, at most this long (the trial's page
#: shows the whole traceback).
ERROR_LINE_CHARS = 300


def jsonable(value: Any) -> Any:
    """``value`` as strict JSON data: mappings, lists, numbers (NaN as null), text.

    An int beyond :data:`MAX_EXACT_INT` (a 64-bit seed) becomes its decimal text, which
    the page shows as it is. Anything else (a tuple of a choice, an object a caller
    recorded) becomes its ``repr`` text, so nothing from a record is ever more than data.
    """
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, int):  # beyond 2**53 a JavaScript number would round it: as text
        return value if abs(value) <= MAX_EXACT_INT else str(value)
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    try:  # numpy scalars
        number = float(value)
    except (TypeError, ValueError):
        return repr(value)
    return number if math.isfinite(number) else None


def _number(value: float) -> float | None:
    return value if math.isfinite(value) else None


def _time(value: float) -> float | None:
    return round(value, 3) if math.isfinite(value) else None


def error_line(error: str | None) -> str | None:
    """The last non-empty line of a traceback, cut to :data:`ERROR_LINE_CHARS`."""
    if not error or not error.strip():
        return None
    line = error.strip().splitlines()[-1].strip()
    return line if len(line) <= ERROR_LINE_CHARS else line[: ERROR_LINE_CHARS - 1] + "…"


def _scale(domain: str) -> str:
    """How a parameter's axis is drawn, read from its domain's text (``loguniform(...)``)."""
    return "log" if is_log_scaled(domain) else "linear"


def run_meta(spec: RunSpec, run_id: int, name: str, directory: str) -> dict[str, Any]:
    """What does not change while a run goes on: its spec, as the page needs it."""
    extra = jsonable(dict(spec.extra))
    return {
        "id": run_id,
        "name": name,
        "directory": directory,
        "title": str(spec.extra.get("title") or name),
        "metric": spec.value_name,
        "direction": spec.direction.value,
        "resource_name": spec.resource_name,
        "levels": list(spec.levels),
        "min_resource": spec.min_resource,
        "max_resource": spec.max_resource,
        "eta": spec.eta,
        "multi_fidelity": spec.multi_fidelity,
        "searcher": spec.searcher,
        "scheduler": spec.scheduler,
        "scheduler_options": jsonable(dict(spec.scheduler_options)),
        "objective_form": spec.objective_form.value,
        "seed": spec.seed,
        "budget": jsonable(spec.budget.to_dict()),
        "params": [
            {"name": name, "domain": domain, "scale": _scale(domain)}
            for name, domain in spec.space.items()
        ],
        "extra": {k: v for k, v in extra.items() if k != "space_spec"},
        "objectives": [] if spec.goals is None else spec.goals.objectives_dicts(),
        "constraints": [] if spec.goals is None else [str(c) for c in spec.goals.constraints],
        "job_columns": list(JOB_COLUMNS),
        "open_columns": list(OPEN_COLUMNS),
    }


class TrajectoryFold:
    """The resource charged and the incumbents after each job, one job at a time.

    The rule of :class:`~rung.results.recorder.RunRecorder`: a job charges the resource
    it reached beyond where it started (an ``f(config)`` objective retrains from scratch,
    so it pays all it reached); a completed job with a finite (and, under constraints,
    feasible) value is a candidate for the best at any resource, and for the incumbent
    when it reached the full resource.
    """

    def __init__(self, spec: RunSpec) -> None:
        self._goals = spec.goals
        self._sign = spec.direction.sign()
        self._scratch = spec.objective_form is ObjectiveForm.FUNCTION
        self._full = spec.max_resource
        self.spent = 0.0
        self.best = math.nan
        self.best_any = math.nan

    def _better(self, value: float, than: float) -> bool:
        return math.isnan(than) or self._sign * value < self._sign * than

    def add(self, job: JobRecord) -> tuple[float, float, float]:
        """Folds ``job``; returns ``(spent, best, best_any)`` after it."""
        reached = job.reports[-1].resource if job.reports else job.resource_from
        spent = reached - (0 if self._scratch else job.resource_from)
        if spent > 0:
            self.spent += spent
        scores = self._scores(job)  # None for a failed job: never feasible, never best
        feasible = self._goals is None or (scores is not None and scores[-1] == 1)
        if job.status is JobStatus.COMPLETED and math.isfinite(job.value) and feasible:
            if self._better(job.value, self.best_any):
                self.best_any = job.value
            at_full = self._full is None or reached >= self._full
            if at_full and self._better(job.value, self.best):
                self.best = job.value
        return self.spent, self.best, self.best_any

    def _scores(self, job: JobRecord) -> list[Any] | None:
        """``[objective values..., 1 | 0]`` of a completed job's last report, or None."""
        from rung.results.front import score_of_record

        goals = self._goals
        if goals is None or job.status is not JobStatus.COMPLETED:
            return None
        score = score_of_record(job, goals)
        if score is None:
            return None
        metrics = job.reports[-1].metrics or {}
        values = [_number(float(metrics[o.name])) for o in goals.objectives]
        return [*values, 1 if score.feasible else 0]

    def row(self, job: JobRecord) -> list[Any]:
        """Folds ``job``; returns its row (see :data:`JOB_COLUMNS`)."""
        spent, best, best_any = self.add(job)
        reports: list[Any] = []
        for report in job.reports:
            value = report.value
            reports += (report.resource, value if value - value == 0 else None)
        return [
            job.index,
            job.trial_id,
            job.resource_from,
            job.resource_to,
            _number(job.value),
            job.status.name,
            None if job.decision is None else job.decision.name,
            _time(job.start),
            _time(job.end),
            job.worker,
            reports,
            error_line(job.error),
            spent,
            _number(best),
            _number(best_any),
            self._scores(job),
        ]


def open_job_row(job: OpenJob) -> list[Any]:
    """A running job's row (see :data:`OPEN_COLUMNS`)."""
    last = job.last_report
    return [
        job.trial_id,
        job.resource_from,
        job.resource_to,
        _time(job.start),
        None if last is None else last.resource,
        None if last is None else _number(last.value),
        None if last is None else _time(last.time),
    ]


def trial_row(trial: TrialRecord) -> list[Any]:
    """``[trial_id, config]``: what the page learns once per trial."""
    return [trial.trial_id, jsonable(dict(trial.config))]


def _incumbent(result: Result, which: str) -> dict[str, Any] | None:
    incumbent = getattr(result, which)
    if incumbent is None:
        return None
    return {
        "trial_id": incumbent.trial_id,
        "config": jsonable(dict(incumbent.config)),
        "value": _number(incumbent.value),
        "resource": incumbent.resource,
        "job": incumbent.job,
    }


def summary(result: Result, seq: int) -> dict[str, Any]:
    """The run's figures as they stand (small: sent whole with every update).

    The final model's record is marked ``current`` as ``results.json`` marks it
    (:func:`~rung.results.final.with_currency`): false for a final model that a run
    extended under ``--no-final`` kept, no longer of the best trial (or the front).
    """
    final = with_currency(result).final
    utilization = result.utilization
    return {
        "seq": seq,
        "finished": result.finished,
        "stop_reason": result.stop_reason,
        "wall_time": _time(result.wall_time),
        "total_resource": jsonable(result.total_resource),
        "workers": result.workers,
        "utilization": None if math.isnan(utilization) else round(utilization, 4),
        "n_jobs": result.n_jobs,
        "n_failed_jobs": result.n_failed_jobs,
        "incumbent": _incumbent(result, "incumbent"),
        "no_best": None if result.incumbent is not None else no_best_reason(result),
        "best_at_any_resource": _incumbent(result, "best_at_any_resource"),
        "final": None if final is None else jsonable(dict(final)),
        "open": [open_job_row(job) for job in result.open_jobs],
        "front": [[point.job, point.trial_id] for point in result.pareto_front],
        "infeasible": result.infeasible,
    }
