"""Rank agreement of two paired samples: Kendall's tau-b, for small samples."""

from __future__ import annotations

import numpy as np

__all__ = ["kendall_tau"]


def kendall_tau(a: np.ndarray, b: np.ndarray) -> float:
    """Kendall's tau-b of two paired samples (Kendall 1945), ``O(n^2)`` time and memory.

    Pairs tied in either sample count as neither concordant nor discordant. NaN when a
    sample is constant or has fewer than two values.

    Example:
        >>> round(kendall_tau(np.array([1.0, 2.0, 3.0]), np.array([10.0, 30.0, 20.0])), 3)
        0.333
    """
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    da = np.sign(a[:, None] - a[None, :])
    db = np.sign(b[:, None] - b[None, :])
    norm = float(np.sqrt(np.sum(da * da) * np.sum(db * db)))
    return float(np.sum(da * db)) / norm if norm > 0 else float("nan")
