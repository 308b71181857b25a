"""Live progress on the terminal: a bar over the budget and a few lines about finished jobs.

Job lines are rate-limited so fast runs do not flood the terminal: a line is printed when
the best value improves, and otherwise at most every ``min_interval`` seconds, saying how
many jobs it stands for. On a terminal the bar also says where the running jobs are, from
their reports as they come (:meth:`ProgressPrinter.on_report`).
"""

from __future__ import annotations

import math
import sys
import time
from typing import TextIO

from rung.callbacks import Callback, RunState
from rung.types import Job, JobRecord, JobStatus, Report

__all__ = ["ProgressPrinter"]

_RUNNING_SHOWN = 3  # running jobs the bar names


class ProgressPrinter(Callback):
    """A tuner callback that shows progress.

    Args:
        max_trials: The trial budget, if any.
        time_budget_s: The time budget, if any.
        metric: What the values are called (``"validation error"``).
        stream: Where to write (standard error by default).
        min_interval: Seconds between job lines that do not improve the best value.
        clock: Seconds, monotonic.
    """

    def __init__(
        self,
        max_trials: int | None = None,
        time_budget_s: float | None = None,
        metric: str = "value",
        stream: TextIO | None = None,
        min_interval: float = 1.0,
        clock=time.monotonic,
    ) -> None:
        self.max_trials = max_trials
        self.time_budget_s = time_budget_s
        self.metric = metric
        self.stream = stream if stream is not None else sys.stderr
        self.min_interval = min_interval
        self._clock = clock
        self._start = clock()
        self._last_line = -math.inf
        self._last_bar = -math.inf
        self._skipped = 0
        self._n_trials = 0
        self._running: dict[int, tuple[int, int]] = {}  # trial -> (resource reached, to)
        self._best = math.nan
        self._tty = bool(getattr(self.stream, "isatty", lambda: False)())

    def _fraction(self) -> float | None:
        fractions = []
        if self.max_trials:
            fractions.append(self._n_trials / self.max_trials)
        if self.time_budget_s:
            fractions.append((self._clock() - self._start) / self.time_budget_s)
        return min(max(fractions), 1.0) if fractions else None

    def _bar(self) -> str:
        fraction = self._fraction()
        elapsed = self._clock() - self._start
        best = "-" if math.isnan(self._best) else f"{self._best:.4f}"
        head = f"{self._n_trials} trials, best {self.metric} {best}, {elapsed:.0f} s"
        if self._running:
            shown = list(self._running.items())[:_RUNNING_SHOWN]
            running = ", ".join(f"trial {t} at {r}/{to}" for t, (r, to) in shown)
            more = len(self._running) - len(shown)
            head += f"; {running}" + (f" +{more}" if more else "")
        if fraction is None:
            return head
        filled = int(fraction * 24)
        return f"[{'#' * filled}{'.' * (24 - filled)}] {fraction:4.0%} {head}"

    def on_report(self, job: Job, report: Report) -> None:
        """A running job reported: the bar says how far it is."""
        self._running[job.trial_id] = (report.resource, job.resource_to)
        self._draw_bar()

    def _draw_bar(self) -> None:
        now = self._clock()
        if self._tty and now - self._last_bar >= 0.1:
            self.stream.write("\r\033[K" + self._bar())
            self.stream.flush()
            self._last_bar = now

    def on_run_start(self, run: RunState) -> None:
        """A resumed run's bar counts what the record already holds."""
        self._n_trials = run.n_trials
        self._best = run.best_value

    def on_job_end(self, job: JobRecord, run: RunState) -> None:
        best_value = run.best_value
        self._n_trials = run.n_trials
        self._running.pop(job.trial_id, None)
        improved = math.isfinite(best_value) and best_value != self._best
        self._best = best_value
        now = self._clock()
        if improved or now - self._last_line >= self.min_interval or job.status is JobStatus.FAILED:
            self._clear_bar()
            self._print_job(job, best_value)
            self._last_line = now
        else:
            self._skipped += 1
        self._draw_bar()

    def _clear_bar(self) -> None:
        if self._tty:
            self.stream.write("\r\033[K")

    def _print_job(self, job: JobRecord, best_value: float) -> None:
        more = f"  (+{_more_jobs(self._skipped)})" if self._skipped else ""
        self._skipped = 0
        if job.status is JobStatus.FAILED:
            reason = (job.error or "").strip().splitlines()[-1:] or ["unknown error"]
            outcome = f"FAILED: {reason[0]}"
        elif job.status is JobStatus.INTERRUPTED:
            reached = job.reports[-1].resource if job.reports else job.resource_from
            outcome = f"{self.metric} {job.value:.4f} (time budget: stopped at {reached})"
        else:
            outcome = f"{self.metric} {job.value:.4f}"
        mark = " *" if math.isfinite(best_value) and job.value == best_value else ""
        self.stream.write(
            f"trial {job.trial_id:>4}  epochs {job.resource_from:>3} -> {job.resource_to:<3}  "
            f"{outcome}  best {best_value:.4f}{mark}{more}\n"
        )
        self.stream.flush()

    def close(self) -> None:
        """Ends the bar line, and accounts for the jobs no line has spoken for yet."""
        self._clear_bar()
        if self._skipped:
            self.stream.write(f"(+{_more_jobs(self._skipped)}, best {self._best:.4f})\n")
            self._skipped = 0
        if self._tty:
            self.stream.write(self._bar() + "\n")
        self.stream.flush()


def _more_jobs(n: int) -> str:
    return f"{n} more job" if n == 1 else f"{n} more jobs"
