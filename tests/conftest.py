"""Shared test settings: hypothesis runs without timing checks (CI machines are small and
busy), and rung's per-user files go to a folder of the tests' own."""

import os
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, settings

settings.register_profile(
    "rung", deadline=None, suppress_health_check=[HealthCheck.too_slow], max_examples=100
)
settings.load_profile("rung")


@pytest.fixture(autouse=True, scope="session")
def _own_config_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """The tests' own ``XDG_CONFIG_HOME``: the key that signs recorded programs
    (rung.cli.trust) is made there, never in the home of whoever runs them."""
    before = os.environ.get("XDG_CONFIG_HOME")
    os.environ["XDG_CONFIG_HOME"] = str(tmp_path_factory.mktemp("config"))
    yield
    if before is None:
        os.environ.pop("XDG_CONFIG_HOME", None)
    else:
        os.environ["XDG_CONFIG_HOME"] = before
