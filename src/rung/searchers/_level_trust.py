"""Which resource levels rank configurations as the level a searcher optimizes does.

Low resources can mislead: on learning curves that cross, configurations that learn fast
look best after an epoch or two and plateau higher. Hyper-Tune (Li et al., *Hyper-Tune:
Towards Efficient Hyper-parameter Tuning at Scale*, VLDB 2022, §4.1) and MFES-HB (Li et
al., AAAI 2021, §4.2) weigh each level's model by how well it ranks the measurements of
the highest level, counting misordered pairs; here a level below the target takes part in
the model only while its values rank the configurations observed at both levels as the
target does: Kendall's tau-b of the paired values at least ``min_tau``. A level with too
few paired configurations to tell is kept (the search starts from the low levels).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy as np

from rung._rank import kendall_tau

__all__ = ["trusted_levels"]


def trusted_levels(
    values_by_config: Iterable[Mapping[float, float]],
    levels: Iterable[float],
    target: float,
    min_pairs: int,
    min_tau: float,
    max_pairs: int = 300,
) -> set[float]:
    """The levels whose values rank configurations as ``target``'s do.

    Args:
        values_by_config: For each configuration, its finite value at each level it
            reached.
        levels: Every level observed.
        target: The level the searcher optimizes; it and the levels above are trusted.
        min_pairs: Paired configurations needed to judge a level; with fewer it is trusted.
        min_tau: The least Kendall's tau with the target for a level to be trusted.
        max_pairs: Only the latest this many pairs of a level are compared (tau costs
            ``O(pairs^2)``).

    Returns:
        The trusted levels.
    """
    levels = sorted(set(levels))
    trusted = {level for level in levels if level >= target}
    pairs: dict[float, list[tuple[float, float]]] = {lv: [] for lv in levels if lv < target}
    for values in values_by_config:
        at_target = values.get(target)
        if at_target is None:
            continue
        for level, value in values.items():
            if level in pairs:
                pairs[level].append((value, at_target))
    for level, paired in pairs.items():
        if len(paired) < min_pairs:
            trusted.add(level)
            continue
        a, b = np.array(paired[-max_pairs:]).T
        tau = kendall_tau(a, b)
        if not np.isfinite(tau) or tau >= min_tau:  # constant values: no evidence either way
            trusted.add(level)
    return trusted
