"""The rung ladder and the top-1/eta rule that every successive-halving scheduler shares.

Successive halving (Jamieson & Talwalkar, AISTATS 2016) evaluates configurations at
geometrically growing resources ``r_k = min_resource * eta**k``, the *rungs*, and lets only
the best ``1/eta`` of each rung go on to the next.
"""

from __future__ import annotations

import bisect
import math
from dataclasses import dataclass, field
from numbers import Real

from rung.errors import ConfigError

__all__ = ["Rung", "check_fidelity", "rank_key", "rung_levels"]


def check_fidelity(
    owner: str, min_resource: int, max_resource: int, eta: float
) -> tuple[int, int, float]:
    """Validates a (min_resource, max_resource, eta) triple and returns it normalized.

    Raises:
        TypeError: a resource is not an integer or eta not a number.
        ConfigError: min_resource < 1, max_resource < min_resource, or eta < 2.
    """
    for name, value in (("min_resource", min_resource), ("max_resource", max_resource)):
        if isinstance(value, bool) or not isinstance(value, int):
            raise TypeError(f"The {name!r} parameter of {owner} must be an int; got {value!r}.")
    if min_resource < 1:
        raise ConfigError(f"The 'min_resource' parameter of {owner} must be >= 1; got {min_resource!r}.")
    if max_resource < min_resource:
        raise ConfigError(
            f"The 'max_resource' parameter of {owner} must be >= min_resource={min_resource}; "
            f"got {max_resource!r}."
        )
    if isinstance(eta, bool) or not isinstance(eta, Real):
        raise TypeError(f"The 'eta' parameter of {owner} must be a number; got {eta!r}.")
    if not (math.isfinite(eta) and eta >= 2):
        raise ConfigError(f"The 'eta' parameter of {owner} must be >= 2; got {eta!r}.")
    return min_resource, max_resource, float(eta) if not float(eta).is_integer() else int(eta)


def rung_levels(min_resource: int, max_resource: int, eta: float) -> list[int]:
    """The resources of the rungs: ``min_resource * eta**k`` below max_resource, then max_resource.

    Example:
        >>> rung_levels(5, 20, 2)
        [5, 10, 20]
        >>> rung_levels(1, 81, 3)
        [1, 3, 9, 27, 81]
        >>> rung_levels(1, 10, 3)
        [1, 3, 9, 10]
    """
    levels: list[int] = []
    k = 0
    while True:
        level = round(min_resource * eta**k)
        if level >= max_resource:
            break
        if not levels or level > levels[-1]:
            levels.append(level)
        k += 1
    levels.append(max_resource)
    return levels


def rank_key(value: float, order: int) -> tuple[int, float, int]:
    """Sort key: lower values first, NaN and infinities last, ties by completion order."""
    return (0, value, order) if math.isfinite(value) else (1, 0.0, order)


@dataclass
class Rung:
    """The results recorded at one rung and the trials promoted out of it.

    Kept sorted as results arrive, so the promotion query costs O(log n) rather than a
    sort of the whole rung: ASHA asks it on every ``next_job``.

    Attributes:
        level: The rung's resource.
        eta: The reduction factor: the top ``floor(n / eta)`` of ``n`` results may go on.
        values: Trial id -> value, in arrival order.
        promoted: Trials promoted out of this rung (add to it when promoting).
    """

    level: int
    eta: float
    values: dict[int, float] = field(default_factory=dict)
    promoted: set[int] = field(default_factory=set)
    _keys: list[tuple[int, float, int]] = field(default_factory=list, repr=False)
    _open: list[tuple[tuple[int, float, int], int]] = field(default_factory=list, repr=False)

    def add(self, trial_id: int, value: float) -> None:
        """Records ``trial_id``'s value at this rung (once per trial)."""
        if trial_id in self.values:
            raise ValueError(f"Trial {trial_id} already has a value at rung {self.level}.")
        key = rank_key(value, len(self.values))
        self.values[trial_id] = value
        bisect.insort(self._keys, key)
        if key[0] == 0:  # only finite values can ever be promoted
            bisect.insort(self._open, (key, trial_id))

    def __len__(self) -> int:
        return len(self.values)

    @property
    def quota(self) -> int:
        """How many of the rung's results may be promoted: ``floor(n / eta)``."""
        return math.floor(len(self.values) / self.eta)

    def ranked(self) -> list[int]:
        """Trial ids from best to worst."""
        order = {tid: i for i, tid in enumerate(self.values)}
        return sorted(self.values, key=lambda tid: rank_key(self.values[tid], order[tid]))

    def top(self, n: int | None = None) -> list[int]:
        """The best ``n`` trials with finite values (default ``floor(len / eta)``)."""
        n = self.quota if n is None else n
        return [tid for tid in self.ranked()[:n] if math.isfinite(self.values[tid])]

    def promotable(self) -> int | None:
        """The best trial in the top ``floor(n / eta)`` that was not promoted yet, if any."""
        while self._open and self._open[0][1] in self.promoted:
            self._open.pop(0)  # promoted since it was added
        if not self._open:
            return None
        key, trial_id = self._open[0]
        # Its rank among all results counts the promoted ones that beat it.
        return trial_id if bisect.bisect_left(self._keys, key) < self.quota else None

    def n_better(self, value: float) -> int:
        """How many recorded values are strictly better than ``value`` (non-finite is worst)."""
        if not math.isfinite(value):
            return bisect.bisect_left(self._keys, (1, 0.0, -1))
        return bisect.bisect_left(self._keys, (0, value, -1))
