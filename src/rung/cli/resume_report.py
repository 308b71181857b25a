"""What ``rung resume DIR`` did and did not do, in one line.

Before it runs anything, a resume compares the record with the budget it is given: a run
that finished (RUN_FINISHED recorded) and already holds what the budget allows has
nothing to run. If the command line asked for that budget (``--trials 5`` on a finished
50-trial run), it is a usage error (exit status 2) naming the number to give instead; if
it only repeats the recorded budget, the resume says so, makes what is missing (the final
model, the results files) and exits 0. A ``--fixed-configs`` run whose list was all
evaluated, or a run that tried every configuration of a finite space, has nothing to run
whatever the budget. After a resume that ran, one line says how many
cut-short jobs ran again and how many new trials and jobs there were.
"""

from __future__ import annotations

from typing import Any

__all__ = ["after_line", "nothing_to_run"]


def _number(value: float) -> str:
    return f"{value:g}"


def nothing_to_run(
    result: Any,
    max_trials: int | None,
    time_budget_s: float | None,
    resource_budget: float | None = None,
    listed: int | None = None,
    source: str = "its --fixed-configs list",
) -> str | None:
    """Why a finished run has nothing left to run under this budget (None if it has);
    ``listed``: how many configurations ``source`` (a ``--fixed-configs`` list, a finite
    search space) holds, which no budget extends."""
    if not result.finished or result.open_jobs:
        return None  # a run cut short, or stopped with jobs open: the tuner knows the rest
    if listed is not None and result.n_trials >= listed:
        return (
            f"every one of the {listed} configurations of {source} was evaluated (a larger "
            "budget adds none)"
        )
    reasons = []
    if max_trials is not None and result.n_trials >= max_trials:
        reasons.append(
            f"the run already has {result.n_trials} trials (give --trials N larger than "
            f"{result.n_trials} to add trials)"
        )
    if time_budget_s is not None and result.wall_time >= time_budget_s:
        reasons.append(
            f"it already ran {result.wall_time:.0f} s of its {_number(time_budget_s)} s time "
            f"budget (give --time-budget SECONDS larger than {result.wall_time:.0f}; the "
            "budget counts the whole run)"
        )
    if resource_budget is not None and result.total_resource >= resource_budget:
        reasons.append(
            f"it already trained {result.total_resource:g} of its {_number(resource_budget)} "
            f"epochs (give --epochs-budget EPOCHS larger than {result.total_resource:g}; the "
            "budget counts the whole run)"
        )
    if not reasons and max_trials is None and time_budget_s is None and resource_budget is None:
        reasons.append(
            "the run has no budget left (give --trials N, --time-budget SECONDS or "
            "--epochs-budget EPOCHS)"
        )
    return "; ".join(reasons) or None


def after_line(before: Any, after: Any) -> str:
    """``resumed DIR: ...``: what the resume ran, from the record before and after it."""
    new_jobs = after.n_jobs - before.n_jobs
    new_trials = after.n_trials - before.n_trials
    cut = len(before.open_jobs)
    if new_jobs <= 0:
        return (
            f"resumed {after.directory}: nothing ran (the recorded budget is spent; give "
            "--trials N or --time-budget SECONDS larger than the run's to extend it)"
        )
    parts = []
    if cut:
        parts.append(f"{cut} job{'s' if cut != 1 else ''} cut short ran again")
    parts.append(f"{new_trials} new trial{'s' if new_trials != 1 else ''}")
    parts.append(f"{new_jobs} job{'s' if new_jobs != 1 else ''} in all")
    return (
        f"resumed {after.directory}: " + ", ".join(parts) + f"; the run now has "
        f"{after.n_trials} trials and {after.n_jobs} jobs"
    )
