"""Dominance, non-dominated sorting, the spread order and the hypervolume, against brute force
and against Optuna's reference hypervolume."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from rung.pareto import dominates, hypervolume, non_dominated, non_dominated_ranks, spread_order

# Small integer grids make ties and duplicates common.
fronts = st.integers(2, 3).flatmap(
    lambda m: arrays(
        np.float64, st.tuples(st.integers(0, 25), st.just(m)), elements=st.integers(0, 6)
    )
)


def brute_ranks(Y):
    ranks = np.full(len(Y), -1)
    left = set(range(len(Y)))
    front = 0
    while left:
        current = {i for i in left if not any(dominates(Y[j], Y[i]) for j in left)}
        for i in current:
            ranks[i] = front
        left -= current
        front += 1
    return ranks


@settings(max_examples=60, deadline=None)
@given(Y=fronts)
def test_non_dominated_sorting_matches_brute_force(Y):
    ranks = non_dominated_ranks(Y)
    assert ranks.tolist() == brute_ranks(Y).tolist()
    assert non_dominated(Y).tolist() == (ranks == 0).tolist()
    for i, j in itertools.permutations(range(len(Y)), 2):
        if dominates(Y[i], Y[j]):
            assert ranks[i] < ranks[j]


@settings(max_examples=40, deadline=None)
@given(Y=fronts)
def test_spread_order_is_a_permutation_starting_at_the_best_first_objective(Y):
    order = spread_order(Y)
    assert sorted(order.tolist()) == list(range(len(Y)))
    if len(Y):
        assert Y[order[0], 0] == Y[:, 0].min()


def test_spread_order_covers_the_front_before_filling_it():
    # a dense cluster at one end and two points at the other end: the ends come first
    Y = np.array([[0.0, 1.0], [0.01, 0.99], [0.02, 0.98], [0.03, 0.97], [0.5, 0.5], [1.0, 0.0]])
    order = spread_order(Y).tolist()
    assert order[:3] == [0, 5, 4]


def brute_hypervolume(Y, ref, n=None):
    """Inclusion-exclusion over the boxes: exact, exponential, for tiny fronts."""
    boxes = [y for y in Y if np.all(y < ref)]
    total = 0.0
    for k in range(1, len(boxes) + 1):
        for subset in itertools.combinations(boxes, k):
            corner = np.max(subset, axis=0)
            total += (-1) ** (k + 1) * float(np.prod(ref - corner))
    return total


@settings(max_examples=60, deadline=None)
@given(Y=fronts.filter(lambda Y: len(Y) <= 8))
def test_hypervolume_matches_inclusion_exclusion(Y):
    ref = np.full(Y.shape[1], 7.0)
    assert hypervolume(Y, ref) == pytest.approx(brute_hypervolume(Y, ref), abs=1e-9)


@pytest.mark.parametrize("m", [2, 3, 4])
def test_hypervolume_matches_optuna(m):
    optuna_hv = pytest.importorskip("optuna._hypervolume")
    rng = np.random.default_rng(m)
    Y = rng.random((40, m))
    Y /= np.linalg.norm(Y, axis=1, keepdims=True)  # points on a sphere: a large front
    ref = np.full(m, 1.1)
    expected = optuna_hv.compute_hypervolume(Y, ref)
    assert hypervolume(Y, ref) == pytest.approx(expected, rel=1e-9)


def test_points_beyond_the_reference_add_nothing():
    assert hypervolume(np.array([[2.0, 0.0], [0.5, 0.5]]), [1.0, 1.0]) == 0.25
    assert hypervolume(np.empty((0, 2)), [1.0, 1.0]) == 0.0
