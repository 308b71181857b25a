"""The rungs of one asynchronous successive-halving bracket: :class:`AshaBracket`.

It files each trial's value at its rung and answers the two questions of Li et al.,
"A System for Massively Parallel Hyperparameter Tuning" (MLSys 2020), Algorithm 2: which
trial may be promoted now, and (in the stopping variant) whether a trial goes on.
:mod:`rung.schedulers.asha` drives one bracket, and re-exports this class;
:mod:`rung.schedulers.async_hyperband` drives several.
"""

from __future__ import annotations

from collections.abc import Sequence

from rung.errors import ConfigError
from rung.schedulers.rungs import Rung

__all__ = ["AshaBracket"]


class AshaBracket:
    """The rungs of one asynchronous successive-halving bracket.

    Trials enter at ``levels[0]`` and climb one level per job. In Algorithm 2 of Li et
    al. (2020) the bracket with minimum early-stopping rate ``s`` has rungs
    ``r * eta**(s + k)``; here ``levels`` is that suffix of the scheduler's ladder.

    Args:
        levels: The bracket's rung resources, increasing; the last is the maximum resource.
        eta: The reduction factor: the top ``floor(n / eta)`` of a rung's ``n`` results
            may go on.
        eager: While a rung holds fewer than ``eta`` results, its best so far may go on
            (see :class:`~rung.schedulers.rungs.Rung`).

    Raises:
        ConfigError: ``levels`` is empty or not strictly increasing.
    """

    def __init__(self, levels: Sequence[int], eta: float, eager: bool = False) -> None:
        if not levels or any(a >= b for a, b in zip(levels[:-1], levels[1:], strict=True)):
            raise ConfigError(
                f"The 'levels' of an AshaBracket must be non-empty and strictly increasing; "
                f"got {list(levels)!r}."
            )
        self.levels: tuple[int, ...] = tuple(levels)
        self.eta = eta
        self.rungs: list[Rung] = [Rung(level, eta, eager) for level in self.levels]
        self._index = {level: k for k, level in enumerate(self.levels)}

    @property
    def start_level(self) -> int:
        """The resource new trials of the bracket train to first."""
        return self.levels[0]

    def rank_by(self, rung_type: type) -> None:
        """Files results in rungs of ``rung_type`` (a :class:`~rung.schedulers._pareto.
        ParetoRung` for Scores), eager as the bracket's are; only before any result.

        Raises:
            ValueError: a rung already holds a result.
        """
        if any(len(rung) for rung in self.rungs):
            raise ValueError("An AshaBracket changes its rungs' type only while they are empty.")
        self.rungs = [rung_type(rung.level, self.eta, rung.eager) for rung in self.rungs]

    def rung_at(self, level: int) -> Rung:
        """The rung whose resource is ``level``.

        Raises:
            ValueError: ``level`` is not one of the bracket's levels.
        """
        try:
            return self.rungs[self._index[level]]
        except KeyError:
            raise ValueError(
                f"Resource {level!r} is not a rung of this bracket; its rungs are "
                f"{list(self.levels)}."
            ) from None

    def next_level(self, level: int) -> int | None:
        """The rung above ``level``, or None at the top."""
        k = self._index[level] + 1
        return self.levels[k] if k < len(self.levels) else None

    def record(self, trial_id: int, level: int, value: float) -> None:
        """Files ``value`` as ``trial_id``'s result at rung ``level``.

        Raises:
            ValueError: ``level`` is not a rung, or the trial already has a value there.
        """
        self.rung_at(level).add(trial_id, value)  # raises on a second value at the rung

    def promotable(self) -> tuple[int, int] | None:
        """The promotion Algorithm 2's ``get_job`` would make, without making it.

        Looks from the highest rung below the top down to the bottom ("for k = ⌊log_η(R/r)⌋
        − s − 1, ..., 1, 0") for a trial in ``top_k(rung k, |rung k| / η)`` that was not
        promoted yet, best first. Ties rank by arrival; non-finite values rank last and
        are never promoted.

        Returns:
            ``(k, trial_id)``: the rung index and the trial, or None if nothing is promotable.
        """
        for k in range(len(self.rungs) - 2, -1, -1):
            trial_id = self.rungs[k].promotable()
            if trial_id is not None:
                return k, trial_id
        return None

    def promote(self, k: int, trial_id: int) -> int:
        """Marks ``trial_id`` as promoted out of rung ``k``; returns the resource it goes to."""
        self.rungs[k].mark_promoted(trial_id)
        return self.levels[k + 1]

    def continues(self, level: int, value: float) -> bool:  # or a Score, in ParetoRungs
        """The stopping rule, for a value already recorded at rung ``level``.

        The trial goes on iff at most ``n / eta`` of the rung's ``n`` values (its own
        included) are strictly better than its own; a non-finite value never goes on.
        """
        rung = self.rung_at(level)
        return rung.finite(value) and rung.n_better(value) <= len(rung) / self.eta
