"""Live progress: a bar over the budget (tqdm: a terminal or a Jupyter notebook) and a line
per finished job.

Two modes, chosen by where the display goes:

* *live* (a terminal, or a notebook): a tqdm bar that fits the width of the terminal and
  is redrawn in place, saying how many trials ran (of the budget), the best value, and
  where the running jobs are (from their reports as they come, :meth:`on_report`). Job
  lines are printed above it, rate-limited so that fast runs do not flood the screen: a
  line when the best value improves or a job fails, and otherwise at most every
  ``min_interval`` seconds, saying how many jobs it stands for.
* *log* (a file, a pipe): no bar, and every finished job gets its own line, at once.

After a resume the display counts the whole experiment: :meth:`on_run_start` takes the
recorded trials, jobs, best value and elapsed time.
"""

from __future__ import annotations

import math
import sys
import time
from collections.abc import Callable
from typing import Any, TextIO

from rung.callbacks import Callback, RunState
from rung.types import Job, JobRecord, JobStatus, Report

__all__ = ["ProgressPrinter"]

_RUNNING_SHOWN = 3  # running jobs the bar names
_BAR_INTERVAL = 0.1  # seconds between redraws for reports


def _in_notebook() -> bool:
    """True inside a Jupyter kernel (where tqdm.auto draws a widget)."""
    shell = sys.modules.get("IPython")
    if shell is None:
        return False
    try:
        ipython = shell.get_ipython()  # type: ignore[attr-defined]
    except Exception:
        return False
    return ipython is not None and "IPKernelApp" in getattr(ipython, "config", {})


class ProgressPrinter(Callback):
    """A tuner callback that shows progress.

    Args:
        max_trials: The trial budget, if any (the bar's total).
        time_budget_s: The time budget, if any.
        metric: What the values are called (``"validation error"``).
        stream: Where to write (standard error by default).
        min_interval: Seconds between job lines that do not improve the best value, on a
            live display.
        clock: Seconds, monotonic.
        live: Draw a live bar (True) or write a line per job (False); by default live on a
            terminal and in a notebook.
    """

    def __init__(
        self,
        max_trials: int | None = None,
        time_budget_s: float | None = None,
        metric: str = "value",
        stream: TextIO | None = None,
        min_interval: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
        live: bool | None = None,
    ) -> None:
        self.max_trials = max_trials
        self.time_budget_s = time_budget_s
        self.metric = metric
        self.stream = stream if stream is not None else sys.stderr
        self.min_interval = min_interval
        self._clock = clock
        self._start = clock()
        self._elapsed_before = 0.0  # recorded seconds of a resumed run
        self._last_line = -math.inf
        self._last_bar = -math.inf
        self._skipped = 0
        self._n_trials = 0
        self._running: dict[int, tuple[int, int]] = {}  # trial -> (resource reached, to)
        self._best = math.nan
        if live is None:
            live = bool(getattr(self.stream, "isatty", lambda: False)()) or _in_notebook()
        self.live = live
        self._bar: Any = None

    # -- the bar -------------------------------------------------------------------------

    def _open_bar(self) -> Any:
        if self._bar is None and self.live:
            from tqdm.auto import tqdm

            self._bar = tqdm(
                total=self.max_trials,
                initial=self._n_trials,
                unit="trial",
                file=self.stream,
                dynamic_ncols=True,  # follows the terminal's width: no wrapped lines
                mininterval=_BAR_INTERVAL,
                leave=True,
            )
        return self._bar

    def _status(self) -> str:
        elapsed = self._elapsed_before + self._clock() - self._start
        best = _best_text(self._best)
        budget = f"/{self.time_budget_s:g}" if self.time_budget_s else ""
        head = f"best {self.metric} {best}, {elapsed:.0f}{budget} s"
        if self._running:
            shown = list(self._running.items())[:_RUNNING_SHOWN]
            running = ", ".join(f"trial {t} at {r}/{to}" for t, (r, to) in shown)
            more = len(self._running) - len(shown)
            head += f"; {running}" + (f" +{more}" if more else "")
        return head

    def _draw(self, force: bool = False) -> None:
        bar = self._open_bar()
        if bar is None:
            return
        now = self._clock()
        if force or now - self._last_bar >= _BAR_INTERVAL:
            if bar.n != self._n_trials:
                bar.update(self._n_trials - bar.n)
            bar.set_postfix_str(self._status(), refresh=True)
            self._last_bar = now

    # -- hooks ---------------------------------------------------------------------------

    def on_run_start(self, run: RunState) -> None:
        """A resumed run's display counts what the record already holds."""
        self._n_trials = run.n_trials
        self._best = run.best_value
        self._elapsed_before = run.elapsed
        self._start = self._clock()
        self._draw(force=True)

    def on_report(self, job: Job, report: Report) -> None:
        """A running job reported: the bar says how far it is."""
        self._running[job.trial_id] = (report.resource, job.resource_to)
        self._draw()

    def on_job_end(self, job: JobRecord, run: RunState) -> None:
        best_value = run.best_value
        self._n_trials = run.n_trials
        self._running.pop(job.trial_id, None)
        improved = math.isfinite(best_value) and best_value != self._best
        self._best = best_value
        now = self._clock()
        if (
            not self.live
            or improved
            or now - self._last_line >= self.min_interval
            or job.status is JobStatus.FAILED
        ):
            self._write(self._job_line(job, best_value))
            self._last_line = now
        else:
            self._skipped += 1
        self._draw(force=True)

    def _write(self, line: str) -> None:
        if self._bar is not None:
            self._bar.write(line, file=self.stream)  # above the bar, which is redrawn
        else:
            self.stream.write(line + "\n")
            self.stream.flush()

    def _job_line(self, job: JobRecord, best_value: float) -> str:
        more = f"  (+{_more_jobs(self._skipped)})" if self._skipped else ""
        self._skipped = 0
        if job.status is JobStatus.FAILED:
            reason = (job.error or "").strip().splitlines()[-1:] or ["unknown error"]
            outcome = f"FAILED: {reason[0]}"
        elif job.status is JobStatus.INTERRUPTED and job.error:  # its checkpoint did not decode
            reason = job.error.strip().splitlines()[-1:] or ["unknown error"]
            outcome = f"not run, runs again from 0: {reason[0]}"
        elif job.status is JobStatus.INTERRUPTED:
            reached = job.reports[-1].resource if job.reports else job.resource_from
            outcome = f"{self.metric} {job.value:.4f} (time budget: stopped at {reached})"
        else:
            outcome = f"{self.metric} {job.value:.4f}"
        mark = " *" if math.isfinite(best_value) and job.value == best_value else ""
        return (
            f"trial {job.trial_id:>4}  epochs {job.resource_from:>3} -> {job.resource_to:<3}  "
            f"{outcome}  best {_best_text(best_value)}{mark}{more}"
        )

    def on_run_end(self, result: Any) -> None:
        self.close()

    def close(self) -> None:
        """Accounts for the jobs no line has spoken for yet, and leaves the final bar."""
        if self._skipped:
            self._write(f"(+{_more_jobs(self._skipped)}, best {_best_text(self._best)})")
            self._skipped = 0
        if self._bar is not None:
            self._running.clear()
            self._draw(force=True)
            self._bar.close()
            self._bar = None
        self.stream.flush()


def _more_jobs(n: int) -> str:
    return f"{n} more job" if n == 1 else f"{n} more jobs"


def _best_text(value: float) -> str:
    """The best value as progress shows it: "-" until a trial reached the full resource."""
    return f"{value:.4f}" if math.isfinite(value) else "-"
