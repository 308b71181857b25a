"""The rung ladder and the top-1/eta rule that every successive-halving scheduler shares.

Successive halving (Jamieson & Talwalkar, AISTATS 2016) evaluates configurations at
geometrically growing resources ``r_k = min_resource * eta**k``, the *rungs*, and lets only
the best ``1/eta`` of each rung go on to the next.
"""

from __future__ import annotations

import bisect
import heapq
import math

from rung._checks import Integer, Real, check

__all__ = ["DEFAULT_ETA", "Rung", "check_fidelity", "rank_key", "rung_levels"]

#: The reduction factor every successive-halving scheduler, ``rung.tune``, the command line
#: and ``rung simulate`` use unless told otherwise (Li et al. 2018 and 2020 use 3).
DEFAULT_ETA = 3


def check_fidelity(
    owner: str, min_resource: int, max_resource: int, eta: float
) -> tuple[int, int, float]:
    """Validates a (min_resource, max_resource, eta) triple and returns it normalized.

    Raises:
        ConfigTypeError: a resource is not an int or eta not a number.
        ConfigError: min_resource < 1, max_resource < min_resource, or eta < 2.
    """
    check(owner, "min_resource", min_resource, Integer(low=1))
    check(
        owner,
        "max_resource",
        max_resource,
        Integer(low=min_resource, low_label="min_resource"),
    )
    check(owner, "eta", eta, Real(low=2))
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


class Rung:
    """The results recorded at one rung and the trials promoted out of it.

    Built for ASHA, which asks for a promotion on every ``next_job``: results wait in a
    heap, so recording one and finding the best not-yet-promoted trial cost O(log n)
    rather than a sort of the whole rung.

    Args:
        level: The rung's resource.
        eta: The reduction factor: the top ``floor(n / eta)`` of ``n`` results may go on.
        eager: While the rung holds fewer than ``eta`` results (its quota is still 0), its
            best result so far may go on too: a run's first configurations reach the full
            resource without waiting for ``eta**k`` results below them. At most
            ``eta - 1`` extra promotions per rung; from ``eta`` results on the rule is the
            plain top-1/eta.

    Attributes:
        values: Trial id -> value, in arrival order.
        promoted: Trials that went on past this rung (promoted, or continued by the
            stopping rule); change it only through :meth:`mark_promoted`.
    """

    def __init__(self, level: int, eta: float, eager: bool = False) -> None:
        self.level = level
        self.eta = eta
        self.eager = eager
        self.values: dict[int, float] = {}
        self.promoted: set[int] = set()
        self._keys: dict[int, tuple[float, int]] = {}  # finite results: (value, arrival)
        self._open: list[tuple[float, int, int]] = []  # heap of (value, arrival, trial id)
        self._promoted_keys: list[tuple[float, int]] = []  # sorted
        self._finite_sorted: list[float] | None = None  # built on the first n_better call
        self._changes = 0  # results added plus promotions marked
        self._settled = -1  # the value of _changes when promotable() last found none

    def __repr__(self) -> str:
        return f"Rung(level={self.level}, n={len(self.values)}, promoted={len(self.promoted)})"

    def add(self, trial_id: int, value: float) -> None:
        """Records ``trial_id``'s value at this rung (once per trial)."""
        if trial_id in self.values:
            raise ValueError(f"Trial {trial_id} already reported a value at rung {self.level}.")
        arrival = len(self.values)
        self.values[trial_id] = value
        self._changes += 1
        if math.isfinite(value):  # only finite values can ever be promoted
            self._keys[trial_id] = (value, arrival)
            heapq.heappush(self._open, (value, arrival, trial_id))
            if self._finite_sorted is not None:
                bisect.insort(self._finite_sorted, value)

    def mark_promoted(self, trial_id: int) -> None:
        """Records that ``trial_id`` went on past this rung."""
        if trial_id not in self.values:
            raise ValueError(f"Trial {trial_id} has no value at rung {self.level} to promote.")
        if trial_id in self.promoted:
            return
        self.promoted.add(trial_id)
        self._changes += 1
        key = self._keys.get(trial_id)
        if key is not None:
            bisect.insort(self._promoted_keys, key)

    def __len__(self) -> int:
        return len(self.values)

    @staticmethod
    def finite(value: float) -> bool:
        """True when ``value`` may ever be promoted (NaN and infinities never are)."""
        return math.isfinite(value)

    def can_rank_in_top(self, trial_id: int, n: int) -> bool:
        """False once ``trial_id`` can never be among the best ``n`` of this rung, however
        the rung fills: its value is not finite, or ``n`` results already rank ahead of it
        (later results only push it down)."""
        if not math.isfinite(self.values[trial_id]):
            return False
        return self.ranked().index(trial_id) < n

    @property
    def quota(self) -> int:
        """How many of the rung's results may be promoted: ``floor(n / eta)``."""
        return math.floor(len(self.values) / self.eta)

    def ranked(self) -> list[int]:
        """Trial ids from best to worst (O(n log n); for inspection and small rungs)."""
        order = {tid: i for i, tid in enumerate(self.values)}
        return sorted(self.values, key=lambda tid: rank_key(self.values[tid], order[tid]))

    def top(self, n: int | None = None) -> list[int]:
        """The best ``n`` trials with finite values (default ``floor(len / eta)``)."""
        n = self.quota if n is None else n
        return [tid for tid in self.ranked()[:n] if math.isfinite(self.values[tid])]

    def promotable(self) -> int | None:
        """The best trial in the top ``floor(n / eta)`` that was not promoted yet, if any
        (with ``eager``, in a rung of fewer than ``eta`` results: its best, if unpromoted)."""
        if self._settled == self._changes:
            return None  # nothing was added or promoted since the last answer, None
        answer = self._promotable()
        if answer is None:
            self._settled = self._changes
        return answer

    def _promotable(self) -> int | None:
        heap = self._open
        while heap and heap[0][2] in self.promoted:
            heapq.heappop(heap)
        if not heap:
            return None
        value, arrival, trial_id = heap[0]
        quota = int(len(self.values) / self.eta)  # floor of a positive number
        # Every result ranked above the best unpromoted one was promoted: its rank is the
        # number of promoted results that beat it, at most len(promoted).
        if len(self.promoted) < quota:
            return trial_id
        if not quota and self.eager:  # a small rung promotes a new best result at once
            best_promoted = self._promoted_keys[0] if self._promoted_keys else None
            return trial_id if best_promoted is None or (value, arrival) < best_promoted else None
        if quota and bisect.bisect_left(self._promoted_keys, (value, arrival)) < quota:
            return trial_id
        return None

    def n_better(self, value: float) -> int:
        """How many recorded values are strictly better than ``value`` (non-finite is worst)."""
        if self._finite_sorted is None:
            self._finite_sorted = sorted(v for v, _ in self._keys.values())
        if not math.isfinite(value):
            return len(self._finite_sorted)
        return bisect.bisect_left(self._finite_sorted, value)
