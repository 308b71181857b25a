"""Shared test settings: hypothesis runs without timing checks (CI machines are small and busy)."""

from hypothesis import HealthCheck, settings

settings.register_profile(
    "rung", deadline=None, suppress_health_check=[HealthCheck.too_slow], max_examples=100
)
settings.load_profile("rung")
