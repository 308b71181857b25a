"""The hyperparameter figure: one panel per parameter any trial had, each trial drawn
where it has a value."""

from __future__ import annotations

import pytest

import rung
from rung.results.param_plots import plot_parameters
from rung.results.summary import read_result

pytest.importorskip("matplotlib")


def branching(trial):
    """Define-by-run: ``x`` on one path, ``y`` on the other."""
    if trial.suggest_categorical("kind", ["a", "b"]) == "a":
        return trial.suggest_float("x", 1e-3, 1.0, log=True)
    return trial.suggest_int("y", 1, 10) / 10


def test_a_parameter_some_trials_lack_gets_its_panel_with_the_trials_that_have_it(tmp_path):
    rung.tune(branching, searcher="random", max_trials=15, seed=0, directory=tmp_path / "r")
    result = read_result(tmp_path / "r")
    first = result.trials[0].config
    assert {"x", "y"} - set(first)  # the first trial lacks one of them
    figure = plot_parameters(result)
    by_name = {axis.get_xlabel(): axis for axis in figure.axes if axis.get_visible()}
    assert set(by_name) == {"kind", "x", "y"}
    for name in ("x", "y"):
        having = [t for t in result.trials if name in t.config]
        axis = by_name[name]
        drawn = [tuple(p) for c in axis.collections for p in c.get_offsets()]
        best = 1 if name in result.incumbent.config else 0
        assert len(drawn) == len(having) + best
        # numbers on a numeric axis, not a choice whose ticks include a missing value
        assert sorted(x for x, _ in drawn[: len(having)]) == sorted(t.config[name] for t in having)
        assert "None" not in [tick.get_text() for tick in axis.get_xticklabels()]
    assert by_name["x"].get_xscale() == "log"


def test_a_run_where_no_trial_reported_says_so_in_the_figure(tmp_path):
    def broken(config):
        raise ValueError("always")

    rung.tune(broken, {"x": rung.uniform(0, 1)}, searcher="random", max_trials=3, seed=0,
              directory=tmp_path / "r")  # fmt: skip
    figure = plot_parameters(read_result(tmp_path / "r"), tmp_path / "params.png")
    shown = [axis for axis in figure.axes if axis.get_visible()]
    assert [text.get_text() for axis in shown for text in axis.texts] == ["no trial reported"]


def test_an_integer_drawn_on_a_log_scale_gets_a_log_axis(tmp_path):
    space = {"units": rung.randint(1, 1000, log=True), "depth": rung.randint(1, 1000)}
    rung.tune(lambda c: c["units"] / c["depth"], space, searcher="random", max_trials=8,
              seed=0, directory=tmp_path / "r")  # fmt: skip
    figure = plot_parameters(read_result(tmp_path / "r"))
    scales = {axis.get_xlabel(): axis.get_xscale() for axis in figure.axes if axis.get_visible()}
    assert scales == {"units": "log", "depth": "linear"}


def test_long_choice_values_are_ticks_that_do_not_run_into_each_other(tmp_path):
    names = ["stochastic_gradient_descent", "adam_with_weight_decay", "rmsprop_centered",
             "adagrad", "lbfgs_line_search"]  # fmt: skip
    space = {"optimizer": rung.choice(names), "x": rung.uniform(0, 1)}
    rung.tune(lambda c: c["x"] + len(c["optimizer"]), space, searcher="random", max_trials=25,
              seed=0, directory=tmp_path / "r")  # fmt: skip
    figure = plot_parameters(read_result(tmp_path / "r"))
    (axis,) = [a for a in figure.axes if a.get_visible() and a.get_xlabel() == "optimizer"]
    figure.canvas.draw()
    boxes = sorted(
        (t.get_window_extent().x0, t.get_window_extent().x1) for t in axis.get_xticklabels()
    )
    assert len(boxes) == len(names)
    assert all(left[1] <= right[0] for left, right in zip(boxes, boxes[1:], strict=False))
    texts = {t.get_text(): t for t in axis.get_xticklabels()}
    assert texts["'adagrad'"].get_rotation() == 90  # upright, and a short one whole
    assert "'stochastic…nt_descent'" in texts  # a long one elided in its middle


def test_a_choice_of_numbers_gets_its_values_as_ticks_in_their_order(tmp_path):
    space = {"lr": rung.choice([0.1, 0.0001, 0.01, 0.001]), "x": rung.uniform(0, 1)}
    rung.tune(lambda c: c["x"] + c["lr"], space, searcher="random", max_trials=20, seed=0,
              directory=tmp_path / "r")  # fmt: skip
    figure = plot_parameters(read_result(tmp_path / "r"))
    (axis,) = [a for a in figure.axes if a.get_visible() and a.get_xlabel() == "lr"]
    ticks = [t.get_text() for t in axis.get_xticklabels()]
    assert ticks == ["0.0001", "0.001", "0.01", "0.1"]  # not three of four crowded at 0
    assert list(axis.get_xticks()) == [0, 1, 2, 3]
