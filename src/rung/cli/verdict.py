"""Warnings about a ``rung tune`` run's outcome, where a quiet success would mislead.

Read from the run's :class:`~rung.results.result.Result` alone (its record and the command
line's settings in ``spec.extra``), so ``rung tune``, ``rung show`` and ``results.json``
say the same:

* the best validation error is at chance level: nothing learned (10 classes: chance is
  an error of 0.9; :data:`CHANCE_MARGIN` below it still counts), typically LeNet at
  learning rates too low for the epochs given; the error, not whatever metric
  ``--objectives`` tunes first. The advice follows the best trial's learning rate: too
  low where it is low in the range searched (or below :data:`LOW_RATE`), too high where
  it is high in it, and nothing about it in between;
* no trial beat the initial configuration (``--initial-config``): the search found
  nothing better than what it was given (with several objectives: it is the whole
  Pareto front);
* the final model was retrained from scratch, for at least the epochs the search measured
  it at, and landed far from the search's value for the same configuration
  (:data:`RETRAIN_GAP`): the configuration is unstable, and the best trial's own weights
  (``--final-model best-trial``) keep what the search found. Fewer epochs
  (``--final-epochs`` below ``--max-epochs``) fall short by design: no warning.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

__all__ = [
    "CHANCE_ERROR",
    "CHANCE_MARGIN",
    "LOW_RATE",
    "RETRAIN_GAP",
    "incumbent_error",
    "run_warnings",
]

#: The validation error of guessing among Fashion-MNIST's 10 balanced classes.
CHANCE_ERROR = 0.9
#: How close to chance a best error must come to be called "at chance level".
CHANCE_MARGIN = 0.05
#: The learning rate below which LeNet stays at chance for the first epochs (docs/benchmarks.md).
LOW_RATE = 0.1
#: Validation error a retrained final model may lose against the search's before a warning.
RETRAIN_GAP = 0.03


def _default_space(extra: Mapping[str, Any]) -> bool:
    """Whether the run searched its model's default space (``rung tune`` without
    ``--space``)."""
    from rung.space_file import space_to_spec
    from rung.workloads.spaces import default_space

    try:
        return extra.get("space_spec") == space_to_spec(default_space(extra["model"]))
    except KeyError:  # a model this version does not know
        return False


def _same(a: Mapping[str, Any], b: Mapping[str, Any]) -> bool:
    return set(a) == set(b) and all(a[k] == b[k] for k in a)


def _val_error(job: Any) -> float | None:
    """The validation error a completed job ended with, if it reported one by name."""
    if job.failed or not job.reports:
        return None
    value = (job.reports[-1].metrics or {}).get("val_error")
    return None if value is None or not math.isfinite(value) else float(value)


def _tunes_val_error(result: Any) -> bool:
    """Whether the incumbent's value is the validation error (the run's tuned metric, or
    its first objective); ``--objectives params:min,...`` makes it another metric."""
    return result.spec.metric in (None, "val_error")


def incumbent_error(result: Any) -> float | None:
    """The validation error the incumbent's job ended with (None without an incumbent, or
    when it reported none): its value, unless the run tunes another metric first."""
    incumbent = result.incumbent
    if incumbent is None:
        return None
    if _tunes_val_error(result):
        return incumbent.value
    return _val_error(result.jobs[incumbent.job])


def _best_error(result: Any) -> float | None:
    """The best validation error the chance-level warning judges: the incumbent's (else
    the best at any resource); where the tuned metric is another, the lowest the Pareto
    front's members ended with, else the lowest any completed job did."""
    if _tunes_val_error(result):
        best = result.incumbent or result.best_at_any_resource
        return None if best is None else best.value
    errors = [p.metrics["val_error"] for p in result.pareto_front if "val_error" in p.metrics]
    errors = errors or [e for job in result.jobs if (e := _val_error(job)) is not None]
    return min(errors) if errors else None


def _best_config(result: Any) -> Mapping[str, Any] | None:
    """The configuration of the best validation error :func:`_best_error` judges."""
    if _tunes_val_error(result):
        best = result.incumbent or result.best_at_any_resource
        return None if best is None else best.config
    scored = [(job.reports[-1].metrics["val_error"], job.config) for job in result.jobs
              if _val_error(job) is not None]  # fmt: skip
    return min(scored, key=lambda pair: pair[0])[1] if scored else None


def _rate_place(extra: Mapping[str, Any], rate: float) -> float | None:
    """Where ``rate`` lies in the learning rate's range searched, from 0 (its low end) to
    1 (its high end; on a log scale for a log domain), or None where it is not known."""
    from rung.domains import Uniform
    from rung.space_file import space_from_spec

    try:
        domain = space_from_spec(extra["space_spec"])["learning_rate"]
    except (KeyError, TypeError, ValueError):  # no recorded space, or no such range
        return None
    return domain.encode(rate) if isinstance(domain, Uniform) else None


def _rate_advice(result: Any, remedy: str) -> str:
    """What a run at chance level may try, from the best trial's learning rate: low in
    its range (or below what LeNet needs), it may be too low; high in its range, too high
    (training diverges); in between, nothing said about it."""
    config = _best_config(result) or {}
    rate = config.get("learning_rate")
    if not isinstance(rate, (int, float)) or not math.isfinite(rate):
        return f"Try {remedy}."
    place = _rate_place(result.spec.extra, float(rate))
    if rate < LOW_RATE or (place is not None and place <= 1 / 3):
        return (
            f"The learning rate (the best trial's: {rate:.3g}) may be too low for the epochs "
            f"given (LeNet stays at chance for epochs at learning rates below ~{LOW_RATE:g}, "
            f"or ~0.3 on large batches); try {remedy}."
        )
    if place is not None and place >= 2 / 3:
        return (
            f"The learning rate (the best trial's: {rate:.3g}, in the high part of the range "
            f"searched) may be too high, as training can diverge; try {remedy}, or lower "
            "learning rates (--space)."
        )
    return f"Try {remedy}."


def run_warnings(result: Any) -> list[str]:
    """The warnings ``result`` deserves, as sentences (empty for a run that is fine, and
    for runs not made by ``rung tune --model``)."""
    extra = result.spec.extra
    if "model" not in extra or extra.get("metric", "validation error") != "validation error":
        return []
    warnings = []
    best_error = _best_error(result)
    if best_error is not None and best_error >= CHANCE_ERROR - CHANCE_MARGIN:
        # the default space already searches where LeNet leaves chance: only epochs are left
        remedy = (
            "more epochs" if _default_space(extra) else "the model's default space or more epochs"
        )
        warnings.append(
            f"the best validation error, {best_error:.4f}, is at chance level "
            f"({CHANCE_ERROR} for 10 classes): no configuration learned. "
            + _rate_advice(result, remedy)
        )
    initial = extra.get("initial_config")
    goals = result.spec.goals
    incumbent = result.incumbent
    if goals is not None and len(goals.objectives) > 1:
        # Several objectives: beaten unless the initial configuration is the whole front.
        front = result.pareto_front
        unbeaten = bool(front) and all(_same(p.config, initial or {}) for p in front)
    else:
        unbeaten = incumbent is not None and _same(incumbent.config, initial or {})
    if initial and unbeaten:
        top = result.spec.max_resource
        rivals = [t for t in result.trials if t.resource == top and not _same(t.config, initial)]
        if rivals:  # other trials reached the top too: the comparison means something
            error = incumbent_error(result)
            said = "" if error is None else f"validation error {error:.4f} "
            warnings.append(
                f"no trial beat the initial configuration ({said}at {incumbent.resource} "
                "epochs): the search found nothing better than what it started from."
            )
    final = result.final
    # The search's value is at the full resource: a model retrained for fewer epochs
    # (--final-epochs below --max-epochs) is expected to fall short, seed or not.
    top = result.spec.max_resource
    if (
        final
        and final.get("source") == "retrained"
        and final.get("search_value") is not None
        and (top is None or int(final.get("epochs", top)) >= top)
    ):
        search, val = float(final["search_value"]), float(final["val_accuracy"])
        final_error = 1.0 - val
        if math.isnan(val) or final_error > search + RETRAIN_GAP:
            shown = "diverged" if math.isnan(val) else f"validation error {final_error:.4f}"
            warnings.append(
                f"the retrained final model ({shown}) is far from the search's "
                f"{search:.4f} for the same configuration: training it is unstable from "
                "another seed. The best trial's own weights (--final-model best-trial, "
                "kept in the store) keep what the search found."
            )
    return warnings
