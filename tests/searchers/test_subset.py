"""The subset of observations a GP is fitted on once there are too many."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from rung.searchers._subset import stable_key, subset_rows


def test_small_data_is_kept_whole():
    values = np.array([3.0, 1.0, 2.0])
    assert subset_rows(values, np.array([0.1, 0.2, 0.3]), cap=3).tolist() == [0, 1, 2]


def test_the_best_rows_and_the_lowest_keys_fill_the_cap():
    values = np.arange(20.0)
    keys = np.linspace(0.99, 0.0, 20)  # the worst rows have the lowest keys
    rows = subset_rows(values, keys, cap=8)
    assert rows.tolist() == [0, 1, 2, 3, 16, 17, 18, 19]


def test_ranks_are_taken_within_each_group():
    # Group 1's values are all worse than group 0's; its best rows must still be kept.
    values = np.concatenate([np.arange(10.0), 100 + np.arange(10.0)])
    groups = np.repeat([0, 1], 10)
    rows = subset_rows(values, np.full(20, 0.5), cap=4, groups=groups, best_share=1.0)
    assert sorted(rows.tolist()) == [0, 1, 10, 11]


def test_rows_to_keep_come_first_best_first_up_to_half_the_cap():
    values = np.arange(30.0)
    keep = np.zeros(30, dtype=bool)
    keep[20:] = True  # ten rows to keep, but only cap // 2 = 3 fit
    rows = subset_rows(values, np.linspace(0, 1, 30), cap=6, keep=keep)
    assert {20, 21, 22} <= set(rows.tolist()) and not {23, 24} & set(rows.tolist())


def test_stable_keys_are_uniform_and_repeatable():
    keys = np.array([stable_key((i, "a"), 3) for i in range(2000)])
    assert stable_key((5, "a"), 3) == keys[5]
    assert keys.min() >= 0.0 and keys.max() < 1.0
    assert abs(keys.mean() - 0.5) < 0.03


@settings(max_examples=60, deadline=None)
@given(
    n=st.integers(1, 80),
    cap=st.integers(1, 40),
    n_groups=st.integers(1, 4),
    seed=st.integers(0, 10**6),
)
def test_the_subset_is_capped_and_does_not_depend_on_row_order(n, cap, n_groups, seed):
    rng = np.random.default_rng(seed)
    values = rng.normal(size=n).round(1)  # ties included
    keys = rng.random(n)
    groups = rng.integers(0, n_groups, n)
    keep = rng.random(n) < 0.2
    rows = subset_rows(values, keys, cap, groups=groups, keep=keep)
    assert len(rows) == min(n, cap) and len(set(rows.tolist())) == len(rows)
    assert np.all(np.diff(rows) > 0)
    # The best row of every group is in (as long as the cap leaves room for them).
    if round(cap * 0.5) - min(int(keep.sum()), cap // 2) >= n_groups:
        for g in np.unique(groups):
            members = np.flatnonzero(groups == g)
            best = members[values[members] == values[members].min()]
            assert set(best.tolist()) & set(rows.tolist())
    # Shuffling the rows selects the same observations (ties aside, by key).
    perm = rng.permutation(n)
    shuffled = subset_rows(values[perm], keys[perm], cap, groups=groups[perm], keep=keep[perm])
    if len(np.unique(values)) == n:
        assert sorted(perm[shuffled].tolist()) == rows.tolist()
