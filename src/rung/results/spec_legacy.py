"""The spec of a run recorded by rung 0.1.0, which wrote untyped settings with a fingerprint.

Such a store (schema version 2) is still read and resumed: its settings are converted to
a :class:`~rung.results.spec.RunSpec` here, once, and nothing else reads them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rung.errors import StoreError
from rung.results.spec import Budget, ObjectiveForm, RunSpec
from rung.types import Direction

__all__ = ["spec_from_settings"]

_BUDGET = ("max_trials", "max_jobs", "time_budget_s")
_RUN = ("fingerprint", "workers", "max_retries", "job_timeout_s", "keep_checkpoints", "seed")


def spec_from_settings(settings: Mapping[str, Any]) -> RunSpec:
    """The spec 0.1.0's ``settings`` (with their ``fingerprint``) describe.

    Raises:
        StoreError: the settings hold no fingerprint to read the run from.
    """
    fingerprint = settings.get("fingerprint")
    if not isinstance(fingerprint, Mapping):
        raise StoreError(
            "The record holds neither a run spec nor the settings of rung 0.1.0: the "
            "database is damaged or was written by another program."
        )
    try:
        max_resource = fingerprint.get("max_resource")
        levels = tuple(int(level) for level in fingerprint.get("levels") or ())
        options = {}
        if fingerprint.get("max_brackets") is not None:
            options["max_brackets"] = fingerprint["max_brackets"]
        return RunSpec(
            direction=Direction.parse(fingerprint.get("direction", "min")),
            objective_form=ObjectiveForm(fingerprint.get("objective_form", "iterative")),
            resource_name=str(fingerprint.get("resource_name", "epochs")),
            space={str(k): str(v) for k, v in fingerprint.get("space", {}).items()},
            searcher=str(fingerprint.get("searcher", "?")),
            scheduler=str(fingerprint.get("scheduler", "?")),
            levels=levels,
            min_resource=levels[0] if levels else None,
            max_resource=None if max_resource is None else int(max_resource),
            eta=fingerprint.get("eta"),
            scheduler_options=options,
            seed=int(fingerprint.get("seed", settings.get("seed", 0))),
            workers=int(settings.get("workers") or 1),
            budget=Budget(**{name: settings.get(name) for name in _BUDGET}),
            max_retries=int(settings.get("max_retries", 1)),
            job_timeout_s=settings.get("job_timeout_s"),
            keep_checkpoints=bool(settings.get("keep_checkpoints", False)),
            extra={k: v for k, v in settings.items() if k not in _BUDGET and k not in _RUN},
        )
    except (KeyError, TypeError, ValueError, AttributeError) as err:
        raise StoreError(
            f"The settings recorded by rung 0.1.0 cannot be read ({err}): the database is damaged."
        ) from None
