"""Every method of ``quality.py``: a name and a function ``task -> trace`` that builds and
runs it.

To add a method, add an entry to :data:`METHODS` (or to it from another module before
``quality.py`` runs). A rung scheduler is one line::

    METHODS["rung mybo asha"] = rung_method(lambda spec: ASHA(
        MySearcher(spec.space), spec.min_resource, spec.max_resource, eta=spec.eta))

``spec`` (:class:`_quality.rung_methods.SchedulerSpec`) has the space, resources, eta,
the number of workers and the seed (searchers and schedulers built without one take the
tuner's, as in :func:`rung.tune`); the run itself (tuner, simulated executor, budget,
trace) is the same for every rung method. Any other method receives the
:class:`_quality.tasks.Task` and returns a :class:`_quality.tasks.Trace`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from _quality.peers import PEERS
from _quality.rung_methods import SchedulerBuilder, SchedulerSpec, by_name, rung_method
from _quality.tasks import Task, Trace
from rung.schedulers.base import Scheduler

Method = Callable[[Task], Trace]

RUNG: dict[str, Method] = {
    f"rung {searcher} {scheduler}": rung_method(by_name(searcher, scheduler))
    for searcher in ("random", "bo")
    for scheduler in ("fifo", "asha", "hyperband", "async_hyperband")
}
# Without rung's bracket choice (adaptive weights; :class:`rung.AsyncHyperband`):
# Hyperband's weights.
RUNG["rung bo async_hyperband (hyperband weights)"] = rung_method(
    by_name("bo", "async_hyperband", adaptive=False, full_first=0)
)

METHODS: dict[str, Method] = {**RUNG, **PEERS}


def _full_first_per_worker(**options: Any) -> SchedulerBuilder:
    """Asynchronous Hyperband whose first trials, one per worker (at most ``n_0``) when
    there are several, start at the full resource: the default until measured held out."""

    def build(spec: SchedulerSpec) -> Scheduler:
        probe = by_name("bo", "async_hyperband", **options)(spec)
        n = min(spec.workers, probe.bracket_sizes[0]) if spec.workers > 1 else 0
        return by_name("bo", "async_hyperband", full_first=n, **options)(spec)

    return build


#: Variants outside the default field, for ``quality.py --alone``: the full-resource
#: first trials (the default before), with adaptive weights and without.
VARIANTS: dict[str, Method] = {
    "rung bo async_hyperband (full-resource first, one per worker)": rung_method(
        _full_first_per_worker()
    ),
    "rung bo async_hyperband (full-resource first only)": rung_method(
        _full_first_per_worker(adaptive=False)
    ),
}
