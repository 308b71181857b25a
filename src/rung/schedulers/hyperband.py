"""Hyperband (Li, Jamieson, DeSalvo, Rostamizadeh & Talwalkar, JMLR 2018, Algorithm 1).

Hyperband hedges over how aggressively to halve: bracket ``s`` runs synchronous successive
halving from ``n`` configurations at a resource ``s`` rungs below ``max_resource``, for
``s = s_max, ..., 0``. The most aggressive bracket starts many configurations at
``min_resource``; the last trains a few to ``max_resource`` directly.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from fractions import Fraction
from typing import Any

from rung.schedulers.rungs import DEFAULT_ETA
from rung.schedulers.successive_halving import BracketPlan, BracketScheduler
from rung.schedulers.sync_bracket import reaching_size
from rung.searchers.base import Searcher

__all__ = ["Hyperband"]


def bracket_size(s_max: int, s: int, eta: float) -> int:
    """Algorithm 1, line 2: ``n = ceil((s_max + 1) / (s + 1) * eta**s)``, computed exactly.

    Example:
        >>> [bracket_size(4, s, 3) for s in range(4, -1, -1)]
        [81, 34, 15, 8, 5]
    """
    return math.ceil(Fraction(s_max + 1, s + 1) * Fraction(eta) ** s)


class Hyperband(BracketScheduler):
    """Synchronous Hyperband: its brackets in turn, then over again.

    Algorithm 1 of Li et al. (JMLR 2018) on the rung ladder
    ``levels = rung_levels(min_resource, max_resource, eta)``: ``s_max`` is the number of
    rungs minus one (the paper's ``floor(log_eta(R / r_min))`` when ``R / r_min`` is a power
    of eta); bracket ``s`` (line 1, ``s = s_max, ..., 0``) starts
    ``n = ceil((s_max + 1) / (s + 1) * eta**s)`` configurations (line 2; for a
    non-integer eta, raised to the fewest that keep a trial to the top) at
    ``levels[s_max - s]``, ``s`` rungs below the top, and keeps ``floor(n_i / eta)`` at each
    step (lines 4-8; see :class:`~rung.schedulers.sync_bracket.SyncBracket`). After
    bracket 0 it starts again at bracket ``s_max``. The paper's ``B = (s_max + 1) R``
    budget per bracket follows from these sizes. The paper runs the brackets one after
    another; here, by default, the next bracket starts on workers that would otherwise
    wait at a barrier (:class:`~rung.schedulers.successive_halving.BracketScheduler`).

    Args:
        searcher: Proposes the configurations.
        min_resource: The resource of the lowest rung (the paper's ``r`` of bracket s_max).
        max_resource: The full resource (the paper's ``R``).
        eta: The reduction factor, >= 2 (the paper's default 3).
        max_brackets: How many brackets may run at once: None (default) for as many as keep
            the workers busy, 1 for one after another as in the paper.

    Raises:
        TypeError: a resource or max_brackets is not an int, or eta not a number.
        ConfigError: min_resource < 1, max_resource < min_resource, eta < 2 or
            max_brackets < 1.

    Example:
        >>> import rung
        >>> hb = Hyperband(rung.RandomSearcher({"x": rung.uniform(0, 1)}, seed=0), 1, 81)
        >>> [(b.n_configs, b.resources[0]) for b in hb.brackets]
        [(81, 1), (34, 3), (15, 9), (8, 27), (5, 81)]
    """

    def __init__(
        self,
        searcher: Searcher,
        min_resource: int,
        max_resource: int,
        eta: float = DEFAULT_ETA,
        max_brackets: int | None = None,
    ) -> None:
        super().__init__(searcher, min_resource, max_resource, eta, max_brackets)
        self._plans = self._make_plans(raised=True)
        self._n_brackets = 0

    def _make_plans(self, raised: bool) -> tuple[BracketPlan, ...]:
        """The brackets, with sizes raised to keep a trial to the top (``raised``,
        :func:`~rung.schedulers.sync_bracket.reaching_size`) or as before that was done
        (the paper's sizes, for a record made then)."""
        s_max = self.s_max
        plans = []
        for s in range(s_max, -1, -1):
            n = bracket_size(s_max, s, self.eta)
            if raised:
                n = reaching_size(n, s + 1, self.eta)
            plans.append(BracketPlan.halving(n, self.levels[s_max - s :], self.eta))
        return tuple(plans)

    def recorded_options(self) -> dict[str, Any]:
        """As every scheduler's, with the brackets' sizes where they were raised for a
        non-integer eta: a record without them was made with the paper's sizes
        (:meth:`adopt_record`)."""
        options = super().recorded_options()
        if self._plans != self._make_plans(raised=False):
            options["bracket_sizes"] = [plan.n_configs for plan in self._plans]
        return options

    def adopt_record(self, options: Mapping[str, Any]) -> None:
        """A record without ``bracket_sizes`` (:meth:`recorded_options`) was made with the
        paper's sizes, before they were raised for a non-integer eta: it is replayed with
        them, and resumes as it was made."""
        if "bracket_sizes" not in options:
            self._plans = self._make_plans(raised=False)

    @property
    def s_max(self) -> int:
        """The index of the most aggressive bracket: the number of rungs minus one."""
        return len(self.levels) - 1

    @property
    def brackets(self) -> tuple[BracketPlan, ...]:
        """The brackets ``s = s_max, ..., 0`` in the order they run.

        Each lists ``n_configs`` (the paper's ``n``), ``resources`` (``r_i``) and
        ``configs_per_step`` (``n_i``) as they are when every value is finite.
        """
        return self._plans

    def _next_plan(self) -> BracketPlan:
        plan = self._plans[self._n_brackets % len(self._plans)]
        self._n_brackets += 1
        return plan
