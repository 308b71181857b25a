"""The Result a run returns: its tables."""

from __future__ import annotations

import pytest

import rung


def clashing(config):
    return (config["value"] - 0.5) ** 2 + config["time"]


@pytest.mark.parametrize("kind", ["jobs", "trials"])
def test_a_parameter_named_as_a_column_is_never_overwritten(kind):
    pd = pytest.importorskip("pandas")
    space = {"value": rung.uniform(0, 1), "time": rung.uniform(0, 1), "status": rung.choice([1])}
    result = rung.tune(clashing, space, max_trials=3, seed=0, searcher="random")
    with pytest.raises(rung.ConfigError, match=r"parameter '\w+' would be the column .*'params_"):
        result.to_dataframe(kind)
    frame = result.to_dataframe(kind, param_prefix="params_")
    assert isinstance(frame, pd.DataFrame)
    configs = [t.config for t in result.trials]
    assert list(frame.drop_duplicates("trial_id")["params_value"]) == [c["value"] for c in configs]
    assert list(frame.drop_duplicates("trial_id")["params_time"]) == [c["time"] for c in configs]
    reports = [r for t in result.trials for r in t.reports]  # one per trial and job here
    assert list(frame["value"]) == [r.value for r in reports]
    assert list(frame["status"]) == ["COMPLETED"] * len(reports)
    if kind == "trials":
        assert list(frame["time"]) == [r.time for r in reports]


def test_the_repr_says_none_for_a_run_without_a_best():
    result = rung.tune(lambda c: float("nan"), {"x": rung.uniform(0, 1)}, max_trials=2, seed=0)
    assert result.best_config is None
    assert "best_value=none, best_config=None," in repr(result)
    found = rung.tune(lambda c: c["x"], {"x": rung.uniform(0, 1)}, max_trials=2, seed=0)
    assert f"best_config={{'x': {found.best_config['x']!r}}}" in repr(found)
