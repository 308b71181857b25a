"""Fixtures of the dashboard's tests: experiments made by the tuner, and a headless Chromium."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest

from tests.dashboard.runs import finished_run

CHROMIUM = os.environ.get("RUNG_CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("RUNG_CHROMEDRIVER", "/usr/bin/chromedriver")
#: Where the browser tests leave their screenshots (git-ignored).
SCREENSHOTS = Path(__file__).resolve().parents[2] / "build" / "screenshots"
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--window-size=1400,1000",
)


@pytest.fixture(scope="session")
def finished_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return finished_run(tmp_path_factory.mktemp("dashboard") / "finished")


def _missing_browser() -> str | None:
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium is not installed (pip install 'rung[dev]')"
    for path in (CHROMIUM, CHROMEDRIVER):
        if not os.access(path, os.X_OK):
            return f"{path} is missing (make browser, or apt-get install chromium chromium-driver)"
    return None


@pytest.fixture(scope="session")
def browser():
    """A headless Chromium driven by Selenium, with the browser's console log kept."""
    missing = _missing_browser()
    if missing:
        if os.environ.get("RUNG_REQUIRE_BROWSER"):
            pytest.fail(f"RUNG_REQUIRE_BROWSER is set and {missing}")
        pytest.skip(missing)
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in FLAGS:
        options.add_argument(flag)
    profile = tempfile.mkdtemp(prefix="rung-chromium-")
    options.add_argument(f"--user-data-dir={profile}")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(60)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)
