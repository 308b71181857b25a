"""Asynchronous Hyperband: ASHA over several brackets that start at different rungs.

Hyperband (Li et al., "Hyperband: A Novel Bandit-Based Approach to Hyperparameter
Optimization", JMLR 2018, Algorithm 1) hedges over how aggressively to stop early by
running successive halving in brackets ``s = s_max, ..., 0``, bracket ``s`` starting
``n_s`` configurations at resource ``R * eta**-s``. The asynchronous version (Li et al.,
MLSys 2020, Section 3.3) runs ASHA (Algorithm 2) in each bracket, bracket ``s`` with
minimum early-stopping rate ``s_max - s``, and sends each new configuration to a bracket
drawn with probability proportional to ``n_s``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from fractions import Fraction
from typing import Any

import numpy as np

from rung._checks import Boolean, Integer, check
from rung._random import SeedLike, make_rng
from rung.schedulers._bracket_weights import level_reliability
from rung.schedulers.asha import AshaBracket, ASHAVariant, AsyncBracketScheduler
from rung.schedulers.rungs import DEFAULT_ETA
from rung.searchers.base import Searcher

__all__ = ["AsyncHyperband"]


class AsyncHyperband(AsyncBracketScheduler):
    """Asynchronous Hyperband: promotion-type ASHA in ``K + 1`` brackets.

    With the rung ladder ``levels`` (``min_resource * eta**k`` below ``max_resource``, then
    ``max_resource``) and ``K = len(levels) - 1`` (Hyperband's ``s_max``), bracket
    ``s = 0, ..., K`` has the rungs ``levels[K - s:]``: bracket ``K`` starts its trials at
    ``min_resource`` and is the most aggressive, bracket ``0`` trains every trial to
    ``max_resource`` (random search). Bracket ``s`` weighs
    ``n_s = ceil((K + 1) / (s + 1) * eta**s)``, the number of configurations it starts in
    Algorithm 1 of Li et al. (JMLR 2018), ``n = ⌈(B/R) η^s / (s+1)⌉`` with ``B = (s_max+1) R``.

    :meth:`next_job` first looks for a promotion in every bracket (Algorithm 2's
    ``get_job``) and makes the one out of the highest rung level (ties: the lower bracket
    index); a trial is only ever promoted within its own bracket. Otherwise it starts a new
    trial: the run's first ``full_first`` trials go to bracket 0 (Hyperband's
    full-resource bracket, run first instead of last; none by default: with 4 and 16
    workers one per worker cost early answers where low fidelities rank well and gained
    nothing where they do not, and the eager chain of promotions gives the run its first
    full-resource value as soon, docs/benchmarks.md); after them, in a bracket drawn from
    the scheduler's generator with probability ``n_s / sum(n)``, or, with ``adaptive``,
    ``n_s * rho_s / sum(n * rho)`` where ``rho_s`` measures how well bracket ``s``'s first
    rung ranks the trials that reached ``max_resource`` (Hyper-Tune's bracket selection,
    Li et al., VLDB 2022; :mod:`rung.schedulers._bracket_weights`).

    Adaptive weights are on by default (``benchmarks/quality.py``, docs/benchmarks.md).
    ``adaptive=False`` (with ``eager_promotion=False``) is the published algorithm.

    Args:
        searcher: Proposes the configurations.
        min_resource: The bottom rung's resource (``r``), >= 1.
        max_resource: The full resource (``R``), >= min_resource.
        eta: The reduction factor (``η``), >= 2.
        seed: Seed of the generator that draws brackets; same seed, same brackets.
        eager_promotion: In the bracket that starts at ``min_resource``, a rung holding
            fewer than ``eta`` results promotes its best so far (see
            :class:`~rung.schedulers.asha.ASHA`): one early chain of promotions gives the
            run a fully trained configuration soon, and the other brackets, which start
            higher, are left to Algorithm 2. On by default; False is Algorithm 2 in every
            bracket, as published.
        adaptive: Draw brackets by how well their first rung has ranked trials so far,
            instead of by ``n_s`` alone.
        full_first: How many of the run's first trials start in bracket 0, at the full
            resource. None (default): none in a new run, and in a resumed one as many
            as its record says.

    Raises:
        TypeError: a resource is not an int, eta not a number, seed of another type,
            eager_promotion or adaptive not a bool, or full_first not an int or None.
        ConfigError: min_resource < 1, max_resource < min_resource, eta < 2, or
            full_first < 0.
        ValueError: seed is a negative integer.

    Example:
        >>> import rung
        >>> searcher = rung.RandomSearcher({"x": rung.uniform(0, 1)}, seed=0)
        >>> hyperband = AsyncHyperband(searcher, min_resource=1, max_resource=27, seed=0)
        >>> hyperband.bracket_sizes
        [4, 6, 12, 27]
        >>> [b.start_level for b in hyperband.brackets]
        [27, 9, 3, 1]
    """

    def __init__(
        self,
        searcher: Searcher,
        min_resource: int,
        max_resource: int,
        eta: float = DEFAULT_ETA,
        seed: SeedLike = None,
        eager_promotion: bool = True,
        adaptive: bool = True,
        full_first: int | None = None,
    ) -> None:
        super().__init__(searcher, min_resource, max_resource, eta, eager_promotion)
        check("AsyncHyperband", "adaptive", adaptive, Boolean())
        check("AsyncHyperband", "full_first", full_first, Integer(low=0, nullable=True))
        self.adaptive, self.full_first = adaptive, full_first
        self.variant = ASHAVariant.PROMOTION
        self.rng: np.random.Generator = _bracket_rng(seed)
        self._seeded = seed is not None
        top = len(self.levels) - 1
        self.brackets = [
            AshaBracket(self.levels[top - s :], self.eta, eager_promotion and s == top)
            for s in range(top + 1)
        ]
        # Exact arithmetic: (K + 1) / (s + 1) * eta**s in floats can land just above an
        # integer and round up one too many.
        self.bracket_sizes: list[int] = [
            math.ceil(Fraction(top + 1, s + 1) * Fraction(self.eta) ** s) for s in range(top + 1)
        ]
        sizes = np.asarray(self.bracket_sizes, dtype=float)
        self._bracket_probabilities = sizes / sizes.sum()
        self._n_full = 0  # full-resource results when the probabilities were last set
        # None: none, unless a resumed run's record says otherwise (adopt_record)
        self.n_full_first = 0 if full_first is None else full_first

    def adopt_seed(self, seed: int) -> None:
        """Takes the tuner's ``seed`` if built without one and no trial was drawn yet."""
        if not self._seeded and not self.configs:
            self.rng = _bracket_rng(seed)
            self._seeded = True

    @property
    def bracket_probabilities(self) -> list[float]:
        """The probability that a new trial joins bracket ``s`` now (see the class docstring)."""
        self._update_probabilities()
        return [float(p) for p in self._bracket_probabilities]

    def _update_probabilities(self) -> None:
        n_full = sum(len(bracket.rungs[-1]) for bracket in self.brackets)
        if not self.adaptive or n_full == self._n_full:
            return  # the reliabilities change only with new full-resource results
        self._n_full = n_full
        rho = self._reliability()
        starts = [bracket.start_level for bracket in self.brackets]
        weights = np.array(self.bracket_sizes, dtype=float) * [rho[level] for level in starts]
        self._bracket_probabilities = weights / weights.sum()

    def _reliability(self) -> dict[int, float]:
        """Each level's reliability; with several objectives, the least over them: a
        level is trusted only as far as it ranks every objective as the full resource."""
        if not self.scores:
            return level_reliability(self.brackets, self.levels)
        top = [score for bracket in self.brackets for score in bracket.rungs[-1].values.values()]
        m = len(top[0].objectives) if top else 0
        per_objective = [
            level_reliability(self.brackets, self.levels, lambda score, j=j: score.objectives[j])
            for j in range(m)
        ]
        return {
            level: min((rho[level] for rho in per_objective), default=1.0) for level in self.levels
        }

    def recorded_options(self) -> dict[str, Any]:
        """As every scheduler's, with the bracket choices when on: a record without them
        was made without them (:meth:`adopt_record`)."""
        options = super().recorded_options()
        if self.adaptive:
            options["adaptive"] = True
        if self.n_full_first:
            options["full_first"] = self.n_full_first
        return options

    def adopt_record(self, options: Mapping[str, Any]) -> None:
        """A record names the bracket choices that were on and how many trials started at
        the full resource (:meth:`recorded_options`); one made before they existed names
        none, and is replayed without them. A count not given (``full_first=None``) is
        the record's: runs made when the default was one per worker resume as made."""
        self.adaptive = self.adaptive and "adaptive" in options
        if self.full_first is None:
            self.n_full_first = int(options.get("full_first", 0))

    def _draw_bracket(self) -> int:
        if len(self._trial_bracket) < self.n_full_first:
            return 0
        self._update_probabilities()
        return int(self.rng.choice(len(self.brackets), p=self._bracket_probabilities))


_BRACKET_STREAM = 2  # the brackets' stream of a seed; the searcher draws from the seed itself


def _bracket_rng(seed: SeedLike) -> np.random.Generator:
    """The bracket draws' generator: for an int seed, a stream of its own, independent of
    the searcher's (which draws from the same seed) yet the same for the same seed."""
    if isinstance(seed, (int, np.integer)) and not isinstance(seed, bool) and seed >= 0:
        return np.random.default_rng(
            np.random.SeedSequence(int(seed), spawn_key=(_BRACKET_STREAM,))
        )
    return make_rng(seed, "seed")
