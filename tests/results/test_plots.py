"""Plots are drawn from a Result and never touch the caller's matplotlib backend."""

from __future__ import annotations

import pytest

from rung.results.plots import plot_all, plot_learning_curves, plot_progress
from rung.results.summary import read_result
from tests.results.test_report import run_into

matplotlib = pytest.importorskip("matplotlib")


def test_plots_are_written_as_png(tmp_path):
    run_into(tmp_path / "exp")
    paths = plot_all(read_result(tmp_path / "exp"))
    assert [p.name for p in paths] == ["progress.png", "curves.png"]
    for path in paths:
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert path.stat().st_size > 5000


def test_drawing_leaves_the_backend_alone(tmp_path):
    """Plotting must not switch a notebook to Agg (plt.show() would then show nothing)."""
    result = run_into(tmp_path / "exp")
    before = matplotlib.get_backend()
    matplotlib.use("svg")  # anything but Agg
    try:
        figure = plot_learning_curves(result)
        plot_progress(result, tmp_path / "p.png")
        assert matplotlib.get_backend() == "svg"
        axis = figure.axes[0]
        assert axis.get_xlabel() == "epochs" and axis.get_ylabel() == "value"
    finally:
        matplotlib.use(before)
