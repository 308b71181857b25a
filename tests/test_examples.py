"""Each of the seed notebook's examples runs end to end on a tiny subset."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = sorted((ROOT / "examples").glob("example*.py"))
DATA = Path(os.environ.get("RUNG_DATA_DIR") or ROOT.parent / "shared" / "data")

pytest.importorskip("torch")
pytestmark = pytest.mark.skipif(
    not (DATA / "FashionMNIST" / "raw").is_dir() and not any(DATA.glob("*idx3-ubyte*")),
    reason=f"Fashion-MNIST not found at {DATA} (set RUNG_DATA_DIR)",
)


def test_there_are_five_examples():
    assert len(EXAMPLES) == 5


@pytest.mark.slow
@pytest.mark.parametrize("script", EXAMPLES, ids=lambda p: p.stem)
def test_example_runs_quick(script):
    env = {**os.environ, "RUNG_DATA_DIR": str(DATA)}
    out = subprocess.run(
        [sys.executable, str(script), "--quick", "--device", "cpu"],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        cwd=script.parent,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    assert "best validation error" in out.stdout
    assert "test" in out.stdout.splitlines()[-1]
