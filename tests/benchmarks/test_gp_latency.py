"""The latency benchmark's mixed space: its configurations and points map to each other,
and a tiny timing runs (the benchmark itself is run by hand, not in tests)."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

from rung.domains import RandInt
from rung.searchers.multi_fidelity import MultiFidelityGPSearcher
from rung.space import Choice

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))

import gp_latency  # noqa: E402


def test_the_mixed_space_has_reals_integers_and_choices():
    space = gp_latency.large_space(10, mixed=True)
    kinds = [type(d) for d in space.values()]
    assert kinds.count(RandInt) == 3 and kinds.count(Choice) == 2 and len(space) == 10
    assert all(type(d) not in (RandInt, Choice) for d in gp_latency.large_space(10, False).values())


def test_a_configuration_and_its_point_map_to_each_other():
    space = gp_latency.large_space(10, mixed=True)
    for x in np.random.default_rng(0).random((50, 10)):
        config = gp_latency._config(space, x)
        assert config == gp_latency._config(space, gp_latency._point(space, config))
        assert all(space[name].contains(value) for name, value in config.items())


def test_a_tiny_timing_runs_on_the_mixed_space():
    space = gp_latency.large_space(10, mixed=True)
    wall, cpu, peak = gp_latency.time_large(
        MultiFidelityGPSearcher(space, seed=0), True, 30, space, repeats=2
    )
    assert wall > 0 and cpu > 0 and peak > 0
