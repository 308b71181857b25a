"""Each of the seed notebook's examples runs end to end on a tiny subset."""

import json
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
def test_example_runs_quick(script, tmp_path):
    env = {**os.environ, "RUNG_DATA_DIR": str(DATA), "PYTHONPATH": str(ROOT / "src")}
    out = subprocess.run(
        [sys.executable, str(script), "--quick", "--device", "cpu", "--out", str(tmp_path)],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
        cwd=script.parent,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    assert "best validation error" in out.stdout
    for results in tmp_path.glob("**/results.json"):
        assert json.loads(results.read_text())["final"]["test_accuracy"] > 0
    assert len(list(tmp_path.glob("**/results.json"))) == (2 if "svm_sgd" in script.stem else 1)


def test_the_readme_lists_each_examples_command():
    sys.path.insert(0, str(ROOT / "examples"))
    try:
        from notebook import EXAMPLES, command
    finally:
        sys.path.pop(0)
    readme = " ".join((ROOT / "README.md").read_text().replace("\\\n", " ").split())
    for example in EXAMPLES:
        for args in example.commands:
            text = "rung " + " ".join(command(args)).replace(str(ROOT) + "/", "")
            assert text in readme, text
