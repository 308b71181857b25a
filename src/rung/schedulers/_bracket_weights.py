"""How much each Hyperband bracket is worth, from how well its first rung ranks trials.

Hyperband hedges over how far low resources can be trusted by running brackets that
start at every rung. Hyper-Tune (Li et al., *Hyper-Tune: Towards Efficient
Hyper-parameter Tuning at Scale*, VLDB 2022, §4.2, "bracket selection") goes further and
*measures* it: brackets are drawn with probabilities that follow how well each
resource level ranks configurations as the full resource does. Here that measure is
Kendall's tau-b between the values trials reached at a level and at the full resource,
over the trials that have both, shrunk toward full trust while there are few of them,
and chained from level to level (every promotion gives a pair of adjacent levels, while
pairs with the full resource are rare early on)::

    a(l, l') = (n * tau(l, l') + n_0) / (n + n_0)                (n_0 = 4 pairs)
    rho(l_k) = clip(prod_{j >= k} max(a(l_j, l_{j+1}), 0), floor, 1)

and bracket ``s``, which starts at ``levels[K - s]``, weighs ``n_s * rho(levels[K - s])``
(``rho = 1`` at the full resource). When low resources rank trials at random (MF-Hartmann
with "bad" low fidelities), the brackets that start low fade and the run turns into
full trainings; when they rank well, Hyperband's weights stay. The floor keeps some
trials in every bracket, so the measure goes on being updated.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from rung._rank import kendall_tau
from rung.schedulers._asha_bracket import AshaBracket

__all__ = ["level_reliability"]

_PRIOR_PAIRS = 4  # pseudo-pairs of full agreement: what a level is trusted with before data
_FLOOR = 0.02  # the least reliability a level keeps
_MAX_PAIRS = 300  # the latest pairs compared (tau costs O(pairs^2))


def _agreement(low: dict[int, float], high: dict[int, float]) -> float:
    """Kendall's tau of the trials valued at both levels, shrunk toward 1 (few pairs)."""
    pairs = [(v, high[tid]) for tid, v in low.items() if tid in high and np.isfinite(v)]
    pairs = pairs[-_MAX_PAIRS:]
    n = len(pairs)
    tau = kendall_tau(*np.array(pairs).T) if n >= 2 else float("nan")
    if not np.isfinite(tau):
        tau, n = 0.0, 0
    return (n * tau + _PRIOR_PAIRS) / (n + _PRIOR_PAIRS)


def level_reliability(
    brackets: Sequence[AshaBracket],
    levels: Sequence[int],
    value_of: Callable[[Any], float] | None = None,
) -> dict[int, float]:
    """``rho`` of each level (module docstring), from the brackets' rungs.

    Args:
        brackets: The brackets; trials are matched by id across their rungs.
        levels: The scheduler's levels, lowest first; the last is the full resource.
        value_of: What of a rung's value is ranked (e.g. one objective of a Score);
            None: the value itself.

    Returns:
        Level -> its reliability in ``[floor, 1]``.
    """
    at_level: dict[int, dict[int, float]] = {level: {} for level in levels}
    for bracket in brackets:
        for rung in bracket.rungs:
            if value_of is None:
                at_level[rung.level].update(rung.values)
            else:
                at_level[rung.level].update((t, value_of(v)) for t, v in rung.values.items())
    finite = {
        level: {tid: v for tid, v in values.items() if np.isfinite(v)}
        for level, values in at_level.items()
    }
    reliability = {levels[-1]: 1.0}
    chained = 1.0
    for low, high in zip(levels[-2::-1], levels[:0:-1], strict=True):
        chained *= max(_agreement(finite[low], finite[high]), 0.0)
        reliability[low] = float(np.clip(chained, _FLOOR, 1.0))
    return reliability
