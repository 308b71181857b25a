"""Local search of an acquisition over the choices and integers of a search space.

The continuous optimizers relax a ``choice`` to its one-hot block and an integer (or a
stepped value) to a real, and round the result, which finds good regions but not the
best value of each choice or integer near them: a rounded optimum is rarely the best of
its one-exchange neighbours, and the incumbent's own neighbours, where the model is most
confident of improvement, are seldom among the random candidates. Best-improvement hill
climbing over one-exchange neighbourhoods (the local search of SMAC, Hutter, Hoos &
Leyton-Brown, *Sequential Model-Based Optimization for General Algorithm Configuration*,
LION 2011, §4.3) adds both: each step scores every neighbour of every climbing point in
one batch and moves each point to its best neighbour while that is better.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

__all__ = ["Neighbours", "climb", "with_climbs"]

Neighbours = Callable[[np.ndarray], np.ndarray]
"""``u (d,) -> neighbours (m, d)``: valid encodings one exchange away from ``u``."""


def climb(
    score: Callable[[np.ndarray], np.ndarray],
    points: np.ndarray,
    neighbours: Neighbours,
    max_steps: int = 20,
) -> tuple[np.ndarray, np.ndarray]:
    """Best-improvement hill climbing of each of ``points`` over its neighbours.

    Args:
        score: ``x (q, d) -> values (q,)``, to maximize.
        points: Valid encodings to climb from, shape ``(k, d)``.
        neighbours: The neighbourhood of one point.
        max_steps: Cap on the steps of each point.

    Returns:
        ``(points, values)``: where each climb stopped, shape ``(k, d)``, and its score.
    """
    current = np.array(points, dtype=float)
    values = np.asarray(score(current), dtype=float)
    climbing = np.ones(len(current), dtype=bool)
    for _ in range(max_steps):
        rows = np.flatnonzero(climbing)
        around = [neighbours(current[i]) for i in rows]
        sizes = [len(a) for a in around]
        if not sum(sizes):
            break
        scores = np.asarray(score(np.vstack(around)), dtype=float)
        bounds = np.cumsum([0, *sizes])
        for i, nearby, lo, hi in zip(rows, around, bounds[:-1], bounds[1:], strict=True):
            best = lo + int(np.argmax(scores[lo:hi])) if hi > lo else -1
            if best >= 0 and scores[best] > values[i]:
                current[i], values[i] = nearby[best - lo], scores[best]
            else:
                climbing[i] = False
        if not climbing.any():
            break
    return current, values


def with_climbs(
    score: Callable[[np.ndarray], np.ndarray],
    points: np.ndarray,
    values: np.ndarray,
    neighbours: Neighbours,
    incumbent: np.ndarray | None = None,
    n_best: int = 3,
) -> tuple[np.ndarray, np.ndarray]:
    """``points`` and their ``values`` with, in front, the ends of the climbs from the
    ``n_best`` best of them and from ``incumbent`` (a valid encoding, or None)."""
    top = points[np.argsort(-values, kind="stable")[:n_best]]
    if incumbent is not None:
        top = np.vstack([top, incumbent[None, :]])
    climbed, climbed_values = climb(score, np.unique(top, axis=0), neighbours)
    return np.vstack([climbed, points]), np.concatenate([climbed_values, values])
