"""A missing optional dependency is named with the extra that installs it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from rung._extras import missing_extra

BLOCK_TORCH = """
import sys
sys.modules["torch"] = None  # as if torch were not installed
from rung.cli.main import main
sys.exit(main(sys.argv[1:]))
"""


def test_rung_tune_without_torch_says_which_extra_to_install(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
    out = subprocess.run(
        [
            sys.executable,
            "-c",
            BLOCK_TORCH,
            "tune",
            "--model",
            "softmax",
            "--trials",
            "1",
            "--out",
            str(tmp_path / "run"),
            "--quiet",
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert out.returncode == 1
    assert "pip install 'rung[torch]'" in out.stderr


def test_only_optional_modules_get_a_hint() -> None:
    try:
        import matplotlib_is_not_a_module  # noqa: F401
    except ModuleNotFoundError as err:
        assert missing_extra(err) == ""
    error = ModuleNotFoundError("No module named 'matplotlib'", name="matplotlib")
    wrapped = ImportError("Plots need matplotlib")
    wrapped.__cause__ = error
    assert missing_extra(wrapped) == "; install it with: pip install 'rung[plot]'"


def test_rung_plot_without_matplotlib_says_what_to_install_once(tmp_path: Path) -> None:
    from tests.results.test_report import run_into

    run_into(tmp_path / "exp")
    block = BLOCK_TORCH.replace('"torch"', '"matplotlib"')
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
    out = subprocess.run(
        [sys.executable, "-c", block, "plot", str(tmp_path / "exp")],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert out.returncode == 1
    assert out.stderr.count("pip install 'rung[plot]'") == 1, out.stderr
