"""``rung resume``'s one line on what it ran, and why it has nothing to run."""

from __future__ import annotations

import rung
from rung.cli.resume_report import nothing_to_run
from rung.results.summary import read_result
from rung.searchers.fixed import FixedConfigs

CONFIGS = [{"x": 1.0}, {"x": 2.0}]


def finished_list_run(tmp_path):
    tuner = rung.Tuner(lambda c: c["x"], rung.FIFO(FixedConfigs(CONFIGS)), directory=tmp_path)
    tuner.run(max_trials=5)  # the list ends first
    return read_result(tmp_path)


def test_an_evaluated_fixed_list_has_nothing_to_run_whatever_the_budget(tmp_path):
    """A larger --trials adds no configuration to a --fixed-configs list: the line says
    so, instead of asking for the larger budget the command line already gave."""
    result = finished_list_run(tmp_path)
    why = nothing_to_run(result, 10, None, None, listed=len(CONFIGS))
    assert why is not None and "every one of the 2 configurations" in why
    assert "larger than" not in why
    assert nothing_to_run(result, 10, None, None) is None  # a search may go on
