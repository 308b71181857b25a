"""Hill climbing of an acquisition over the choices of a space."""

from __future__ import annotations

import numpy as np

from rung.searchers._features import FeatureMap
from rung.searchers._local_search import climb, with_climbs
from rung.space import Space, choice

SPACE = Space({"a": choice([0, 1, 2, 3]), "b": choice([0, 1, 2])})
FEATURES = FeatureMap(SPACE)


def _score(table):
    """``u -> table[a, b]`` of one-hot encodings."""

    def score(u):
        return np.array([table[int(np.argmax(r[:4])), int(np.argmax(r[4:]))] for r in u])

    return score


def _point(a, b):
    return FEATURES.encode({"a": a, "b": b})


def test_climbs_to_the_best_of_a_separable_score_from_anywhere():
    table = np.add.outer([0.0, 1.0, 3.0, 2.0], [0.5, 0.0, 2.0])
    starts = np.array([_point(a, b) for a in range(4) for b in range(3)])
    ends, values = climb(_score(table), starts, FEATURES.neighbours)
    assert {tuple(FEATURES.decode(u).values()) for u in ends} == {(2, 2)}
    np.testing.assert_allclose(values, 5.0)


def test_stops_where_no_neighbour_is_better():
    table = np.zeros((4, 3))
    table[0, 0], table[3, 2] = 1.0, 2.0  # (0, 0) is a local maximum, (3, 2) the best
    ends, values = climb(_score(table), np.array([_point(0, 1)]), FEATURES.neighbours)
    assert FEATURES.decode(ends[0]) == {"a": 0, "b": 0} and values[0] == 1.0


def test_each_step_moves_one_choice_and_max_steps_caps_them():
    table = np.add.outer([0.0, 1.0, 3.0, 2.0], [0.5, 0.0, 2.0])
    ends, _ = climb(_score(table), np.array([_point(0, 1)]), FEATURES.neighbours, max_steps=1)
    assert FEATURES.decode(ends[0]) == {"a": 2, "b": 1}  # the larger gain first


def test_the_climbs_go_in_front_of_the_points_they_started_from():
    table = np.add.outer([0.0, 1.0, 3.0, 2.0], [0.5, 0.0, 2.0])
    score = _score(table)
    points = np.array([_point(0, 1), _point(1, 0)])
    incumbent = _point(3, 1)
    merged, values = with_climbs(score, points, score(points), FEATURES.neighbours, incumbent)
    assert len(merged) == 3 + len(points)  # climbs from both points and the incumbent
    np.testing.assert_allclose(values, score(merged))
    np.testing.assert_allclose(values[:3], 5.0)
    np.testing.assert_array_equal(merged[3:], points)
