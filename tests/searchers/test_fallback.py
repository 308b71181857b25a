"""A model-based searcher falls back to a random configuration, never stopping the run."""

import logging

import numpy as np
import pytest

import rung
from rung.searchers import _fallback
from rung.searchers.gp import GPSearcher
from rung.searchers.multi_fidelity import MultiFidelityGPSearcher

SPACE = {"x": rung.uniform(0, 1), "y": rung.uniform(0, 1)}


@pytest.mark.parametrize("error", [np.linalg.LinAlgError("not positive definite"),
                                   FloatingPointError("EI is nan"), ValueError("bad")])  # fmt: skip
def test_a_numerical_failure_warns_forgets_and_suggests_at_random(error, caplog):
    searcher = rung.RandomSearcher(SPACE, seed=0)
    forgotten = []

    def fail():
        raise error

    with caplog.at_level(logging.WARNING):
        config = _fallback.model_or_random(searcher, fail, lambda: forgotten.append(True))
    assert searcher.space.validate(config) == config
    assert forgotten == [True]
    assert "RandomSearcher fell back to a random configuration after a numerical failure" in (
        caplog.text
    )
    assert type(error).__name__ in caplog.text and "with 0 observations" in caplog.text


def test_no_model_yet_is_quiet_and_keeps_the_fit(caplog):
    searcher = rung.RandomSearcher(SPACE, seed=0)

    def nothing_yet():
        raise _fallback.NoModelYet("no finite value")

    with caplog.at_level(logging.WARNING):
        config = _fallback.model_or_random(searcher, nothing_yet, pytest.fail)
    assert searcher.space.validate(config) == config and caplog.text == ""


@pytest.mark.parametrize("error", [KeyError("a bug"), IndexError("a bug"), TypeError("a bug")])
def test_other_errors_are_not_hidden(error):
    """A KeyError is a LookupError too, but a bug: it propagates."""
    searcher = rung.RandomSearcher(SPACE, seed=0)

    def bug():
        raise error

    with pytest.raises(type(error)):
        _fallback.model_or_random(searcher, bug, lambda: None)


@pytest.mark.parametrize("kind", [GPSearcher, MultiFidelityGPSearcher, rung.EHVISearcher])
def test_every_gp_searcher_survives_a_broken_fit(kind, monkeypatch, caplog):
    searcher = kind(SPACE, seed=0, n_init=3)
    for _ in range(5):
        config = searcher.suggest()
        searcher.observe(config, (config["x"] - 0.3) ** 2 + config["y"])

    def broken(*args, **kwargs):
        raise np.linalg.LinAlgError("broken")

    module = __import__(kind.__module__.replace("ehvi", "multi_fidelity"), fromlist=["x"])
    monkeypatch.setattr(module, "fit_gaussian_process", broken)
    monkeypatch.setattr(module, "condition_gaussian_process", broken, raising=False)
    with caplog.at_level(logging.WARNING):
        config = searcher.suggest()
    assert searcher.space.validate(config) == config
    assert f"{kind.__name__} fell back to a random configuration" in caplog.text
