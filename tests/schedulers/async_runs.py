"""Random asynchronous runs for the ASHA and AsyncHyperband properties (hypothesis).

A run is a list of steps: each finishes a running job (the one at ``pick`` modulo how
many run, with ``value``) or asks for a job (with or without new trials). Up to
``workers`` jobs run at once and finish out of order. Values come from a small pool so
that ties are common; two random bytes code each step, which keeps hypothesis fast.
"""

from __future__ import annotations

import math

from hypothesis import strategies as st

from rung.searchers import RandomSearcher
from rung.space import uniform

NAN, INF = math.nan, math.inf
FINISH, GET, GET_NO_NEW = 0, 1, 2
KINDS = (FINISH, FINISH, GET, GET, GET_NO_NEW)

values = st.one_of(
    st.sampled_from([0.0, 1.0, 2.0, NAN, INF, -INF]),  # ties and non-finite values
    st.floats(-5, 5, allow_nan=False),
)


def searcher(seed: int = 0) -> RandomSearcher:
    return RandomSearcher({"x": uniform(0, 1)}, seed=seed)


@st.composite
def runs(draw, max_steps: int = 160) -> list[tuple[int, int, float]]:
    """Steps (kind, pick, value) of a random asynchronous run."""
    pool = draw(st.lists(values, min_size=1, max_size=10), label="values")
    raw = draw(st.binary(min_size=80, max_size=2 * max_steps), label="steps")
    codes = [int.from_bytes(raw[i : i + 2], "little") for i in range(0, len(raw) - 1, 2)]
    return [(KINDS[c % 5], (c // 5) % 32, pool[(c // 160) % len(pool)]) for c in codes]


@st.composite
def fidelities(draw) -> tuple[int, int, int]:
    """(min_resource, max_resource, eta) with up to four rungs."""
    eta = draw(st.sampled_from([2, 3, 4]))
    r = draw(st.integers(1, 4))
    return r, draw(st.integers(r, r * eta**3)), eta
