"""The package's public names: everything ``rung.__all__`` lists can be imported."""

import importlib

import pytest


@pytest.mark.parametrize("module", ["rung", "rung.searchers"])
def test_every_public_name_resolves(module):
    package = importlib.import_module(module)
    missing = [name for name in package.__all__ if not hasattr(package, name)]
    assert missing == []


def test_the_searchers_are_the_same_objects_at_both_levels():
    import rung.searchers

    shared = set(rung.searchers.__all__) & set(rung.__all__)
    assert {"EHVISearcher", "GPSearcher", "MultiFidelityGPSearcher"} <= shared
    for name in shared:
        assert getattr(rung, name) is getattr(rung.searchers, name)
