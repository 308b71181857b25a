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

from _quality.peers import PEERS
from _quality.rung_methods import by_name, rung_method
from _quality.tasks import Task, Trace

Method = Callable[[Task], Trace]

RUNG: dict[str, Method] = {
    f"rung {searcher} {scheduler}": rung_method(by_name(searcher, scheduler))
    for searcher in ("random", "bo")
    for scheduler in ("fifo", "asha", "hyperband", "async_hyperband")
}
# Without rung's two bracket choices (adaptive weights, and with several workers the
# full-resource bracket first; :class:`rung.AsyncHyperband`): Hyperband's weights.
RUNG["rung bo async_hyperband (hyperband weights)"] = rung_method(
    by_name("bo", "async_hyperband", adaptive=False, full_first=0)
)

METHODS: dict[str, Method] = {**RUNG, **PEERS}

#: Variants outside the default field, for ``quality.py --alone``: each of the default's
#: two bracket choices on its own.
VARIANTS: dict[str, Method] = {
    "rung bo async_hyperband (adaptive only)": rung_method(
        by_name("bo", "async_hyperband", full_first=0)
    ),
    "rung bo async_hyperband (full-resource first only)": rung_method(
        by_name("bo", "async_hyperband", adaptive=False)
    ),
}
