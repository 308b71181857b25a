"""A real notebook, executed by a Jupyter kernel: an objective defined in a cell runs on
two worker processes, the progress bar shows, a plot displays inline, and the user's
matplotlib backend is left as it was."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")
pytest.importorskip("matplotlib")

CELLS = [
    """
import math
import rung
from rung.results.progress import ProgressPrinter
from rung.results.plots import plot_progress
import matplotlib
backend = matplotlib.get_backend()
""",
    """
def objective(config, trial):          # defined here, in the notebook
    for epoch in range(1, 10):
        trial.report(epoch, (config["x"] - 0.3) ** 2 + 1 / epoch)

result = rung.tune(
    objective, {"x": rung.uniform(0, 1)}, scheduler="asha", max_resource=9,
    max_trials=12, workers=2, seed=0, callbacks=[ProgressPrinter(max_trials=12)],
)
print("best", round(result.best_value, 4), "trials", result.n_trials)
""",
    """
plot_progress(result)
""",
    """
assert matplotlib.get_backend() == backend, (backend, matplotlib.get_backend())
print("backend kept")
""",
]


def test_a_notebook_tunes_with_workers_shows_progress_and_a_plot(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell(source.strip()) for source in CELLS]
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3"}
    if "PYTHONPATH" not in os.environ:  # the kernel imports the rung under test
        monkeypatch.setenv("PYTHONPATH", os.pathsep.join(p for p in sys.path if p))
    client = nbclient.NotebookClient(
        notebook, timeout=300, kernel_name="python3", resources={"metadata": {"path": tmp_path}}
    )
    client.execute()
    outputs = [cell.outputs for cell in notebook.cells]
    text = [
        "".join(o.get("text", "") for o in cell_outputs if o.output_type == "stream")
        for cell_outputs in outputs
    ]
    assert "trials 12" in text[1]
    assert "trial/s" in text[1] or any(  # tqdm's bar: a widget, or text on stderr
        "application/vnd.jupyter.widget-view+json" in o.get("data", {}) for o in outputs[1]
    )
    assert "trial " in text[1] and " -> " in text[1]  # the job lines
    assert any("image/png" in o.get("data", {}) for o in outputs[2])  # shown inline
    assert "backend kept" in text[3]
