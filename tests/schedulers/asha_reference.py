"""Algorithm 2 of Li et al., "A System for Massively Parallel Hyperparameter Tuning" (MLSys
2020), transcribed directly with rungs as lists: the reference ASHA's tests compare with.
It shares no code with rung's schedulers."""

from __future__ import annotations

import math


class ReferenceASHA:
    """Algorithm 2 of Li et al. (2020), line by line; rung k holds (theta, loss) in arrival order.

    Extension the paper leaves open: non-finite losses rank last and are never promoted.
    The ladder is r * eta**k below R, then R (so K = len(ladder) - 1 even if R != r eta**K).
    With ``eager``, rung's extension: a rung of fewer than eta results offers its best one.
    """

    def __init__(self, r: int, R: int, eta: int, s: int = 0, eager: bool = False) -> None:
        self.eager = eager
        ladder, k = [], 0
        while r * eta**k < R:
            ladder.append(r * eta**k)
            k += 1
        ladder.append(R)
        self.resource = ladder[s:]  # rung k trains to r * eta**(s + k)
        self.eta = eta
        self.rung: list[list[tuple[int, float]]] = [[] for _ in self.resource]
        self.promoted: list[set[int]] = [set() for _ in self.resource]

    @staticmethod
    def top_k(rung: list[tuple[int, float]], n: int) -> list[int]:
        # sorted() is stable: equal losses keep their completion order.
        ranked = sorted(
            rung, key=lambda e: (not math.isfinite(e[1]), e[1] if math.isfinite(e[1]) else 0)
        )
        return [theta for theta, loss in ranked[:n] if math.isfinite(loss)]

    def find_promotable(self) -> tuple[int, int] | None:
        # for k = floor(log_eta(R/r)) - s - 1, ..., 1, 0 do
        for k in range(len(self.rung) - 2, -1, -1):
            n = len(self.rung[k]) // self.eta
            if self.eager and len(self.rung[k]) < self.eta:
                n = 1
            candidates = self.top_k(self.rung[k], n)
            promotable = [t for t in candidates if t not in self.promoted[k]]
            if len(promotable) > 0:
                return promotable[0], k
        return None

    def get_job(self) -> tuple[int | None, int]:
        """(theta, k): promote theta to rung k, or (None, 0): draw a new configuration."""
        found = self.find_promotable()
        if found is not None:
            theta, k = found
            self.promoted[k].add(theta)
            return theta, k + 1
        return None, 0

    def update(self, theta: int, k: int, loss: float) -> None:
        self.rung[k].append((theta, loss))
