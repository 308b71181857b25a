"""Pareto dominance, non-dominated sorting, spread and hypervolume, for minimized objectives.

Every function takes objective vectors as rows of an array ``Y`` of shape ``(n, m)``, all
objectives minimized, finite. Used by the schedulers' Pareto rungs
(:mod:`rung.schedulers._pareto`), by the run's Pareto front
(:class:`~rung.results.recorder.RunRecorder`) and by the benchmarks.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

__all__ = [
    "dominates",
    "hypervolume",
    "non_dominated",
    "non_dominated_ranks",
    "spread_order",
]


def dominates(a: Sequence[float], b: Sequence[float]) -> bool:
    """True when ``a`` is no worse than ``b`` in every objective and better in one.

    Example:
        >>> dominates([1, 2], [1, 3]), dominates([1, 3], [2, 2])
        (True, False)
    """
    better = False
    for x, y in zip(a, b, strict=True):
        if x > y:
            return False
        if x < y:
            better = True
    return better


def _dominance_matrix(Y: np.ndarray) -> np.ndarray:
    """``D[i, j]``: row ``i`` dominates row ``j``; shape ``(n, n)``."""
    le = np.all(Y[:, None, :] <= Y[None, :, :], axis=2)
    lt = np.any(Y[:, None, :] < Y[None, :, :], axis=2)
    return le & lt


def non_dominated_ranks(Y: np.ndarray) -> np.ndarray:
    """The front of each row: 0 for the non-dominated, 1 for those dominated only by
    front 0, and so on (the non-dominated sorting of NSGA-II, Deb et al. 2002, §III-A).

    Args:
        Y: Objective vectors, shape ``(n, m)``.

    Returns:
        Integer front indices, shape ``(n,)``.

    Example:
        >>> non_dominated_ranks(np.array([[1, 3], [2, 2], [2, 3], [3, 3]])).tolist()
        [0, 0, 1, 2]
    """
    Y = np.asarray(Y, dtype=float)
    n = len(Y)
    ranks = np.zeros(n, dtype=int)
    if n <= 1:
        return ranks
    if Y.shape[1] == 2:
        return _ranks_2d(Y)
    D = _dominance_matrix(Y)
    dominated_by = D.sum(axis=0)  # how many rows dominate each row
    current = np.flatnonzero(dominated_by == 0)
    front = 0
    remaining = dominated_by.copy()
    while len(current):
        ranks[current] = front
        remaining[current] = -1
        remaining -= D[current].sum(axis=0)
        current = np.flatnonzero(remaining == 0)
        front += 1
    return ranks


def _ranks_2d(Y: np.ndarray) -> np.ndarray:
    """Non-dominated sorting of two objectives in ``O(n log n)`` (Jensen, IEEE TEC 2003).

    Rows are visited in lexicographic order, so a visited row can only be dominated by
    rows visited before it; each front keeps the last row it took (its lowest second
    objective), and a row joins the first front whose last row does not dominate it,
    found by bisection (whether a front holds a dominator is monotone in the front).
    """
    order = np.lexsort((Y[:, 1], Y[:, 0]))
    ranks = np.empty(len(Y), dtype=int)
    last: list[tuple[float, float]] = []  # per front: its last row (y1, y2)
    for i in order.tolist():
        y1, y2 = float(Y[i, 0]), float(Y[i, 1])
        low, high = 0, len(last)
        while low < high:  # the first front with no row dominating (y1, y2)
            mid = (low + high) // 2
            l1, l2 = last[mid]
            if l2 < y2 or (l2 == y2 and l1 < y1):
                low = mid + 1
            else:
                high = mid
        if low == len(last):
            last.append((y1, y2))
        else:
            last[low] = (y1, y2)
        ranks[i] = low
    return ranks


def non_dominated(Y: np.ndarray) -> np.ndarray:
    """A mask of the non-dominated rows of ``Y`` (shape ``(n, m)``); duplicates all stay."""
    Y = np.asarray(Y, dtype=float)
    if len(Y) == 0:
        return np.zeros(0, dtype=bool)
    return ~_dominance_matrix(Y).any(axis=0)


def spread_order(Y: np.ndarray) -> np.ndarray:
    """Rows of one front in the order that keeps it spread: a greedy epsilon-net.

    The first row is the one best in the first objective (ties: the first such row);
    each next one is the row farthest (Euclidean, objectives scaled to [0, 1] over ``Y``)
    from those chosen so far; ties go to the earlier row. This is the epsilon-net
    selection of MO-ASHA (Schmucker, Donini, Zafar, Salinas & Archambeau, *Multi-objective
    Asynchronous Successive Halving*, 2021, §3; after Salinas et al., 2021): the first
    ``k`` rows of the order cover the front as evenly as ``k`` points can, greedily.

    Args:
        Y: Objective vectors of one front, shape ``(n, m)``.

    Returns:
        A permutation of ``range(n)``.

    Example:
        >>> spread_order(np.array([[0.0, 1.0], [0.5, 0.5], [0.45, 0.55], [1.0, 0.0]])).tolist()
        [0, 3, 1, 2]
    """
    Y = np.asarray(Y, dtype=float)
    n = len(Y)
    if n <= 2:
        return np.argsort(Y[:, 0], kind="stable") if n else np.zeros(0, dtype=int)
    low, high = Y.min(axis=0), Y.max(axis=0)
    span = np.where(high > low, high - low, 1.0)
    Z = (Y - low) / span
    first = int(np.argmin(Y[:, 0]))
    order = [first]
    nearest = np.linalg.norm(Z - Z[first], axis=1)
    nearest[first] = -1.0
    for _ in range(n - 1):
        pick = int(np.argmax(nearest))  # argmax: the first of equals
        order.append(pick)
        nearest = np.minimum(nearest, np.linalg.norm(Z - Z[pick], axis=1))
        nearest[order] = -1.0
    return np.array(order)


def hypervolume(Y: np.ndarray, reference: Sequence[float]) -> float:
    """The volume dominated by the rows of ``Y`` and bounded by ``reference``.

    Exact: in two dimensions by one sweep over the sorted front; in more, by slicing
    along the last objective and summing the hypervolumes of the slices (the HSO scheme of
    While, Hingston, Barone & Huband, IEEE TEC 2006), which suits fronts of up to a few
    hundred points. Rows not strictly better than the reference in every objective add
    nothing.

    Args:
        Y: Objective vectors, shape ``(n, m)``, minimized.
        reference: The reference point, shape ``(m,)``.

    Returns:
        The hypervolume (0 for an empty front).

    Example:
        >>> hypervolume(np.array([[1.0, 2.0], [2.0, 1.0]]), [3.0, 3.0])
        3.0
    """
    ref = np.asarray(reference, dtype=float)
    Y = np.asarray(Y, dtype=float).reshape(-1, len(ref))
    below = np.all(Y - ref < 0, axis=1)
    Y = Y[below]
    if len(Y) == 0:
        return 0.0
    Y = Y[non_dominated(Y)]
    Y = np.unique(Y, axis=0)
    return _hypervolume(Y, ref)


def _hypervolume(Y: np.ndarray, ref: np.ndarray) -> float:
    m = Y.shape[1]
    if m == 1:
        return float(ref[0] - Y[:, 0].min())
    if m == 2:
        Y = Y[np.argsort(Y[:, 0], kind="stable")]
        volume, best_y = 0.0, ref[1]
        for x, y in Y:
            if y < best_y:
                volume += (ref[0] - x) * (best_y - y)
                best_y = y
        return float(volume)
    # Slice along the last objective: between consecutive values, the points below the
    # slice dominate an (m-1)-dimensional region of constant volume.
    Y = Y[np.argsort(Y[:, -1], kind="stable")]
    volume = 0.0
    for i in range(len(Y)):
        top = Y[i + 1, -1] if i + 1 < len(Y) else ref[-1]
        depth = top - Y[i, -1]
        if depth <= 0:
            continue
        part = Y[: i + 1, :-1]
        part = part[non_dominated(part)]
        volume += depth * _hypervolume(part, ref[:-1])
    return float(volume)
