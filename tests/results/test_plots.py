import pytest

from rung.results.plots import plot_all
from rung.store import read_experiment
from tests.results.test_report import run_into

pytest.importorskip("matplotlib")


def test_plots_are_written_as_png(tmp_path):
    run_into(tmp_path / "exp")
    paths = plot_all(read_experiment(tmp_path / "exp"))
    assert [p.name for p in paths] == ["progress.png", "curves.png"]
    for path in paths:
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert path.stat().st_size > 5000
