"""Kendall's tau-b against SciPy's."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from rung._rank import kendall_tau


@settings(max_examples=60, deadline=None)
@given(n=st.integers(2, 40), levels=st.integers(2, 6), seed=st.integers(0, 10**6))
def test_matches_scipy_with_ties(n, levels, seed):
    rng = np.random.default_rng(seed)
    a = rng.integers(0, levels, n).astype(float)  # few distinct values: many ties
    b = a + rng.integers(0, levels, n)
    expected = stats.kendalltau(a, b).statistic
    got = kendall_tau(a, b)
    assert (math.isnan(got) and math.isnan(expected)) or math.isclose(got, expected, abs_tol=1e-12)


def test_orders_and_constants():
    x = np.arange(5.0)
    assert kendall_tau(x, 2 * x) == 1.0
    assert kendall_tau(x, -x) == -1.0
    assert math.isnan(kendall_tau(x, np.ones(5)))
    assert math.isnan(kendall_tau(np.array([1.0]), np.array([2.0])))
