"""Whether a run's final model is still its best trial's (or its front's)."""

from __future__ import annotations

import rung
from rung.results.final import final_is_current
from rung.results.summary import read_result
from rung.run.factory import build_tuner
from rung.store import ExperimentStore


def test_a_final_model_of_another_trial_than_the_best_is_not_current(tmp_path):
    """What a resume that extends a run checks: its best trial (or front) may have changed
    since the final model was made, and a final model of another trial is made again."""

    def both(config):
        return {"val_error": config["x"], "latency_ms": 1 - config["x"]}

    for goals in ({"metric": "val_error"}, {"objectives": "val_error:min,latency_ms:min"}):
        out = tmp_path / next(iter(goals))
        tuner = build_tuner(
            both, {"x": rung.uniform(0, 1)}, searcher="random", seed=0, directory=out, **goals
        )
        tuner.run(max_trials=3)
        first = read_result(out)
        assert not final_is_current(first)  # none yet
        if "objectives" in goals:
            made = {"front": [{"trial_id": p.trial_id} for p in first.pareto_front]}
        else:
            made = {"trial_id": first.incumbent.trial_id, "config": dict(first.best_config)}
        with ExperimentStore.open(out) as store:
            store.set_final(made)
        assert final_is_current(read_result(out))
        build_tuner(both, {"x": rung.uniform(0, 1)}, searcher="random", seed=0, **goals).resume(
            out, max_trials=12
        )
        extended = read_result(out)
        if "objectives" in goals:
            assert {p.trial_id for p in extended.pareto_front} != {
                p.trial_id for p in first.pareto_front
            }
        else:
            assert extended.incumbent.trial_id != first.incumbent.trial_id
        assert not final_is_current(extended)
