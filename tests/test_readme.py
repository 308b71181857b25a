"""The README's Python examples run as written (budgets shortened), in order."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def python_blocks() -> list[str]:
    text = (ROOT / "README.md").read_text()
    return re.findall(r"```python\n(.*?)```", text, flags=re.S)


def test_the_readmes_python_examples_run(tmp_path, monkeypatch):
    blocks = python_blocks()
    assert len(blocks) >= 3
    monkeypatch.chdir(tmp_path)
    namespace: dict = {"__name__": "readme"}
    for block in blocks:
        source = block.replace("time_budget_s=60", "time_budget_s=1")
        exec(compile(source, "README.md", "exec"), namespace)  # noqa: S102 - our own docs
    result = namespace["result"]
    assert result.best_config is not None and result.best_value == result.best_value
    tuner = namespace["make_tuner"]()  # the parallel example builds (its run is guarded)
    assert tuner.executor.workers == 4
