"""A count with its noun: singular for one, plural otherwise."""

from __future__ import annotations

import pytest

from rung.results._plural import counted


@pytest.mark.parametrize(("count", "text"), [(0, "0 epochs"), (1, "1 epoch"), (3, "3 epochs")])
def test_one_is_singular_every_other_count_plural(count, text):
    assert counted(count, "epoch") == text
