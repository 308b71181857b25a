"""The summary text and the files written at a run's end, from real runs."""

from __future__ import annotations

import json

import pytest

import rung
from rung.errors import StoreError
from rung.results.report import CSV_FILE, RESULTS_FILE, format_summary, write_results
from rung.results.summary import read_result
from rung.run.factory import build_tuner
from rung.workloads.synthetic import TOY, MultiFidelity


def run_into(directory, **kwargs):
    """A small ASHA run recorded in ``directory``."""
    mf = MultiFidelity(TOY, max_resource=9)
    tuner = build_tuner(
        mf.iterative,
        mf.space,
        scheduler="asha",
        max_resource=9,
        seed=0,
        directory=directory,
        **kwargs,
    )
    return tuner.run(max_trials=20)


def test_results_files_hold_the_run(tmp_path):
    result = run_into(tmp_path / "exp")
    write_results(read_result(tmp_path / "exp"), tmp_path / "exp")
    payload = json.loads((tmp_path / "exp" / RESULTS_FILE).read_text())
    assert payload["summary"]["jobs"] == result.n_jobs
    assert payload["summary"]["best"]["value"] == pytest.approx(result.best_value)
    assert payload["spec"] == result.spec.to_dict()
    rows = (tmp_path / "exp" / CSV_FILE).read_text().splitlines()
    assert rows[0].startswith("job,trial_id,x,resource_from,rung,value")
    assert len(rows) == result.n_jobs + 1
    text = format_summary(read_result(tmp_path / "exp"))
    assert "best value" in text and "jobs per rung" in text and "finished" in text
    assert "scheduler ASHA" in text and "eta 3" in text


def test_the_summary_names_the_callers_model_and_metric(tmp_path):
    run_into(
        tmp_path / "exp",
        extra={"model": "toy", "metric": "validation error", "searcher": "random"},
    )
    text = format_summary(read_result(tmp_path / "exp"))
    assert "model toy, searcher random" in text and "best validation error:" in text


def test_a_directory_in_use_is_not_overwritten_by_a_new_run(tmp_path):
    run_into(tmp_path / "exp")
    before = (tmp_path / "exp" / "experiment.db").read_bytes()
    with pytest.raises(StoreError, match="already holds an experiment"):
        run_into(tmp_path / "exp")
    assert (tmp_path / "exp" / "experiment.db").read_bytes() == before


def test_failed_jobs_and_nan_are_written_as_null(tmp_path):
    tuner = build_tuner(lambda c: 1 / 0, {"x": rung.uniform(0, 1)}, directory=tmp_path / "exp")
    with pytest.raises(rung.TrialFailed):
        tuner.run(max_trials=6)
    write_results(read_result(tmp_path / "exp"), tmp_path / "exp")
    jobs = json.loads((tmp_path / "exp" / RESULTS_FILE).read_text())["jobs"]
    assert jobs and all(j["value"] is None for j in jobs)
    assert all("ZeroDivisionError" in j["error"] for j in jobs)
