"""Searchers and schedulers by name (``rung.run.by_name``)."""

import pytest

import rung
from rung.errors import ConfigError
from rung.objectives import Goals
from rung.run.by_name import (
    SchedulerName,
    SearcherName,
    default_scheduler,
    make_scheduler,
    make_searcher,
    parse_name,
)
from rung.searchers.ehvi import EHVISearcher
from rung.searchers.gp import GPSearcher
from rung.searchers.multi_fidelity import MultiFidelityGPSearcher

SPACE = {"x": rung.uniform(0, 1)}


def test_names_ignore_case_and_dashes_and_take_members():
    assert (
        parse_name(SchedulerName, "Async-Hyperband", "scheduler") is SchedulerName.ASYNC_HYPERBAND
    )
    assert parse_name(SearcherName, SearcherName.BO, "searcher") is SearcherName.BO
    with pytest.raises(ConfigError, match="'searcher' parameter must be one of 'random', 'bo'"):
        parse_name(SearcherName, "tpe", "searcher")


@pytest.mark.parametrize(
    ("kwargs", "kind"),
    [
        ({}, GPSearcher),
        ({"multi_fidelity": True}, MultiFidelityGPSearcher),
        ({"goals": Goals.build({"a": "min", "b": "min"})}, EHVISearcher),
    ],
)
def test_bo_is_the_model_the_run_needs(kwargs, kind):
    assert type(make_searcher("bo", SPACE, **kwargs)) is kind


def test_a_searcher_object_is_used_as_it_is():
    searcher = rung.RandomSearcher(SPACE, seed=3)
    assert make_searcher(searcher, SPACE) is searcher


def test_schedulers_by_name_take_only_their_options():
    built = make_scheduler("asha", rung.RandomSearcher(SPACE), max_resource=9, variant="stopping")
    assert type(built) is rung.ASHA
    with pytest.raises(ConfigError, match="'fifo' scheduler takes no 'eta' parameter"):
        make_scheduler("fifo", rung.RandomSearcher(SPACE), eta=2)
    with pytest.raises(ConfigError, match="'hyperband' scheduler needs 'max_resource'"):
        make_scheduler("hyperband", rung.RandomSearcher(SPACE))


def test_the_default_scheduler_stops_early_only_with_a_resource():
    assert default_scheduler(None) is SchedulerName.FIFO
    assert default_scheduler(27) is SchedulerName.ASYNC_HYPERBAND
