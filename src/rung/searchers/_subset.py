"""Which observations a Gaussian process is fitted on once there are too many of them.

An exact GP costs ``O(n^3)`` time and ``O(n^2)`` memory in its ``n`` training points: a
thousand observations make every suggestion take a second, three thousand fourteen.
Searchers therefore fit it on a *subset of data* (Rasmussen & Williams, *Gaussian
Processes for Machine Learning*, 2006, §8.3.3: "the simplest method of approximation is
to ignore all but m points") of at most ``cap`` rows, chosen so that what Expected
Improvement needs stays in:

* rows that must be kept (e.g. the full-resource values of a multi-fidelity run), best
  first, up to half the cap;
* the best rows, by their rank *within their group* (a resource level: values at
  different levels are not comparable), up to ``best_share`` of the cap: the model stays
  exact where the incumbent and its rivals are;
* the rest drawn by a stable pseudo-random key per observation: the model still knows
  which regions are bad, and the same rows stay in from one suggestion to the next (a
  key is a hash of the observation, so the choice depends on no generator state).

The choice costs ``O(n log n)``; the subset is a function of the rows, not of the order
in which they were chosen, so a resumed run fits the very same model.
"""

from __future__ import annotations

import hashlib
import struct

import numpy as np

__all__ = ["stable_key", "subset_rows"]


def stable_key(*parts: object) -> float:
    """A uniform number in [0, 1) that is a fixed function of ``repr(parts)``.

    Example:
        >>> stable_key((0.5, "relu"), 3) == stable_key((0.5, "relu"), 3)
        True
    """
    digest = hashlib.blake2b(repr(parts).encode(), digest_size=8).digest()
    return struct.unpack("<Q", digest)[0] / 2.0**64


def _rank_in_group(values: np.ndarray, groups: np.ndarray) -> np.ndarray:
    """Each row's rank among the rows of its group, over the group's size: in [0, 1)."""
    order = np.lexsort((np.arange(len(values)), values, groups))
    sorted_groups = groups[order]
    starts = np.flatnonzero(np.r_[True, sorted_groups[1:] != sorted_groups[:-1]])
    sizes = np.diff(np.r_[starts, len(values)])
    position = np.arange(len(values)) - np.repeat(starts, sizes)
    rank = np.empty(len(values))
    rank[order] = position / np.repeat(sizes, sizes)
    return rank


def subset_rows(
    values: np.ndarray,
    keys: np.ndarray,
    cap: int,
    groups: np.ndarray | None = None,
    keep: np.ndarray | None = None,
    best_share: float = 0.5,
) -> np.ndarray:
    """The indices of at most ``cap`` rows to fit a GP on (see the module docstring).

    Args:
        values: Finite values, lower is better, shape ``(n,)``.
        keys: Stable uniform keys of the rows (:func:`stable_key`), shape ``(n,)``.
        cap: The most rows to return, >= 1.
        groups: Group of each row (e.g. its resource level), shape ``(n,)``; ranks are
            taken within a group. None: one group.
        keep: Rows to keep before any other (best first, at most ``cap // 2`` of them),
            a boolean mask of shape ``(n,)``. None: none.
        best_share: The share of the cap given to the best-ranked rows.

    Returns:
        Increasing row indices, ``min(n, cap)`` of them.

    Example:
        >>> values = np.arange(10.0)
        >>> keys = np.linspace(0.95, 0.05, 10)
        >>> subset_rows(values, keys, cap=4).tolist()  # the two best, two with low keys
        [0, 1, 8, 9]
    """
    n = len(values)
    if n <= cap:
        return np.arange(n)
    groups = np.zeros(n, dtype=int) if groups is None else np.asarray(groups)
    rank = _rank_in_group(np.asarray(values, dtype=float), groups)
    chosen = np.zeros(n, dtype=bool)
    if keep is not None and keep.any():
        kept = np.flatnonzero(keep)
        chosen[kept[np.lexsort((-groups[kept], rank[kept]))][: cap // 2]] = True
    n_best = max(0, round(cap * best_share) - int(chosen.sum()))
    # Best by rank in group; at equal rank the higher group (resource) first.
    by_rank = np.lexsort((-groups, rank))
    chosen[by_rank[~chosen[by_rank]][:n_best]] = True
    left = cap - int(chosen.sum())
    rest = np.flatnonzero(~chosen)
    chosen[rest[np.argsort(keys[rest], kind="stable")][:left]] = True
    return np.flatnonzero(chosen)
