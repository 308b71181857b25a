"""Plots are drawn from a Result and never touch the caller's matplotlib backend."""

from __future__ import annotations

import warnings

import pytest

from rung.results._figures import figure, save
from rung.results.plots import plot_all, plot_learning_curves, plot_progress
from rung.results.summary import read_result
from tests.results.test_report import run_into

matplotlib = pytest.importorskip("matplotlib")


def test_plots_are_written_as_png(tmp_path):
    run_into(tmp_path / "exp")
    paths = plot_all(read_result(tmp_path / "exp"))
    assert [p.name for p in paths] == ["progress.png", "curves.png", "params.png"]
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


def recorded(tmp_path, objective, scheduler, space=None, **extra):
    """A run recorded as ``rung tune --model`` records it (a validation error in [0, 1])."""
    import rung
    from rung.run.factory import build_tuner

    tuner = build_tuner(
        objective,
        space or {"learning_rate": rung.loguniform(1e-4, 1.0), "batch_size": rung.randint(8, 64)},
        searcher="random",
        scheduler=scheduler,
        min_resource=None if scheduler == "fifo" else 1,
        max_resource=8,
        eta=None if scheduler == "fifo" else 2,
        seed=0,
        directory=tmp_path / "run",
        extra={"model": "lenet", "metric": "validation error", **extra},
    )
    tuner.run(max_trials=8)
    return read_result(tmp_path / "run")


def error_curve(config, trial):
    for epoch in range(trial.resource_from + 1, trial.resource_to + 1):
        trial.report(epoch, 0.1 + 0.5 * config["learning_rate"] + 0.2 / epoch)


def test_curves_that_all_reach_the_top_are_coloured_by_their_final_value(tmp_path):
    figure = plot_learning_curves(recorded(tmp_path, error_curve, "fifo"))
    axis, bar = figure.axes  # the curves and a colour bar
    assert bar.get_ylabel() == "final validation error"
    colours = {tuple(line.get_color()) for line in axis.get_lines() if len(line.get_xdata()) > 1}
    assert len(colours) == 8  # one colour per final value, not one for all


def test_rung_levels_are_marked_and_errors_are_drawn_from_zero(tmp_path):
    figure = plot_learning_curves(recorded(tmp_path, error_curve, "asha"))
    axis = figure.axes[0]
    dotted = [line for line in axis.get_lines() if line.get_linestyle() == ":"]
    vertical = {line.get_xdata()[0] for line in dotted if len(line.get_xdata())}
    assert {1, 2, 4, 8} <= vertical
    assert axis.get_ylim()[0] == 0 and axis.get_xlabel() == "epochs"


def test_chance_level_noise_stays_flat(tmp_path):
    def at_chance(config, trial):
        for epoch in range(trial.resource_from + 1, trial.resource_to + 1):
            trial.report(epoch, 0.895 + 0.01 * config["learning_rate"])

    figure = plot_learning_curves(recorded(tmp_path, at_chance, "asha"))
    axis = figure.axes[0]
    low, high = axis.get_ylim()  # not 0.895..0.905, which would look like progress
    assert low == 0 and high > 0.9
    assert any(text.get_text() == "chance" for text in axis.texts)


def test_parameters_are_drawn_against_the_value_log_axes_for_log_domains(tmp_path):
    from rung.results.param_plots import plot_parameters

    result = recorded(tmp_path, error_curve, "asha")
    figure = plot_parameters(result, tmp_path / "params.png")
    by_name = {axis.get_xlabel(): axis for axis in figure.axes if axis.get_visible()}
    assert set(by_name) == {"learning_rate", "batch_size"}
    assert by_name["learning_rate"].get_xscale() == "log"
    assert by_name["batch_size"].get_xscale() == "linear"
    points = sum(len(c.get_offsets()) for c in by_name["learning_rate"].collections)
    assert points == result.n_trials + 1  # every trial, and the best marked again
    assert (tmp_path / "params.png").read_bytes()[:4] == b"\x89PNG"


def test_the_staircase_bounds_the_dominated_region_whatever_the_directions():
    from rung.results.front_plot import staircase

    # acc maximized, latency minimized: the better runs are the slower ones
    xs, ys = staircase([(0.9, 5.0), (0.6, 1.0), (0.8, 2.0)], False, True)
    assert list(zip(xs, ys, strict=True)) == [
        (0.6, 1.0), (0.6, 2.0), (0.8, 2.0), (0.8, 5.0), (0.9, 5.0),
    ]  # fmt: skip
    xs, ys = staircase([(1.0, 3.0), (2.0, 1.0)], True, True)
    assert list(zip(xs, ys, strict=True)) == [(1.0, 3.0), (2.0, 3.0), (2.0, 1.0)]
    xs, ys = staircase([(1.0, 1.0), (2.0, 3.0)], True, False)  # a maximized y
    assert list(zip(xs, ys, strict=True)) == [(1.0, 1.0), (2.0, 1.0), (2.0, 3.0)]


@pytest.mark.parametrize(
    "directions", [("min", "min"), ("max", "min"), ("min", "max"), ("max", "max")]
)
def test_the_front_figure_draws_every_corner_where_a_member_attains_it(directions):
    import rung
    from rung.results.front_plot import plot_front

    def trade_off(config):
        w = config["width"]
        acc = 1 - 1 / w if directions[0] == "max" else 1 / w  # better as w grows
        return {"acc": acc, "latency_ms": 0.01 * w if directions[1] == "min" else -0.01 * w}

    result = rung.tune(
        trade_off, {"width": rung.uniform(1, 100)},
        objectives={"acc": directions[0], "latency_ms": directions[1]},
        searcher="random", max_trials=8, seed=0,
    )  # fmt: skip
    sign = [1 if d == "min" else -1 for d in directions]
    members = [(p.values["acc"], p.values["latency_ms"]) for p in result.pareto_front]
    assert len(members) > 2
    (line,) = plot_front(result).axes[0].get_lines()
    from matplotlib.cbook import STEP_LOOKUP_MAP  # the vertices as drawn, steps included

    xs, ys = STEP_LOOKUP_MAP[line.get_drawstyle()](*line.get_data())
    corners = list(zip(xs.tolist(), ys.tolist(), strict=True))
    assert set(members) <= set(corners)
    for x, y in corners:  # attained: no better than some member in both objectives
        assert any(sign[0] * (x - mx) >= 0 and sign[1] * (y - my) >= 0 for mx, my in members)


def test_a_run_with_no_front_is_drawn_without_warnings_and_says_why(tmp_path):
    import warnings

    import rung
    from rung.results.front_plot import plot_front
    from rung.results.plots import plot_progress
    from rung.results.report import no_best_reason

    result = rung.tune(
        lambda c: {"loss": c["x"], "latency": 10.0}, {"x": rung.uniform(0, 1)},
        metric="loss", constraints=["latency<=1"], searcher="random", max_trials=4,
    )  # fmt: skip
    reason = no_best_reason(result)
    assert reason.startswith("no feasible trial found") and "yet" not in reason
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        front = plot_front(result, tmp_path / "front.png")
        progress = plot_progress(result)
    texts = [t.get_text().replace("\n", " ") for t in front.axes[0].texts]
    assert texts == [reason] and front.axes[0].get_legend() is not None  # the infeasible
    assert [t.get_text().replace("\n", " ") for t in progress.axes[0].texts] == [reason]
    assert all(not a.get_xticks().size and not a.get_yticks().size for a in progress.axes)

    result = rung.tune(
        lambda c: {"a": c["x"], "b": float("nan")}, {"x": rung.uniform(0, 1)},
        objectives="a:min,b:min", searcher="random", max_trials=3,
    )  # fmt: skip
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        front = plot_front(result)
    assert front.axes[0].get_legend() is None  # nothing drawn, so nothing to name


def test_a_long_title_keeps_its_start_and_its_end(tmp_path):
    from rung.results._figures import title_of

    command = "python train.py " + " ".join(f"--opt{i} {{x{i}}}" for i in range(30))
    title = f"{command}: bo search + asha"
    result = run_into(tmp_path / "exp", extra={"title": title})
    shown = title_of(result)
    assert len(shown) <= 80 and "…" in shown
    assert shown.startswith("python train.py --opt0") and shown.endswith(": bo search + asha")
    assert title_of(run_into(tmp_path / "short", extra={"title": "svm: bo + asha"})) == (
        "svm: bo + asha"
    )


def test_a_long_title_fits_every_figure_however_narrow(tmp_path):
    """A command line's title is elided to the width it is drawn across: the front of two
    objectives, the learning curves and the parameters of a one-parameter space are
    narrower than the progress figure."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    import rung
    from rung.results.front_plot import plot_front
    from rung.results.param_plots import plot_parameters
    from rung.run.factory import build_tuner

    command = "python train.py " + " ".join(f"--opt{i} {{x{i}}}" for i in range(30))
    tuner = build_tuner(
        lambda c: {"a": c["x"], "b": 1 - c["x"]}, {"x": rung.uniform(0, 1)},
        objectives="a:min,b:min", searcher="random", directory=tmp_path / "run",
        extra={"title": f"{command}: random search + fifo"},
    )  # fmt: skip
    tuner.run(max_trials=4)
    result = read_result(tmp_path / "run")
    figures = [plot_front(result), plot_progress(result), plot_learning_curves(result)]
    figures.append(plot_parameters(result))
    for fig in figures:
        canvas = FigureCanvasAgg(fig)
        canvas.draw()
        titles = [fig._suptitle] if fig._suptitle is not None else []
        titles += [axis.title for axis in fig.axes if axis.get_title()]
        assert titles
        for title in titles:
            assert "…" in title.get_text()
            extent = title.get_window_extent(canvas.get_renderer())
            assert extent.x0 >= 0 and extent.x1 <= fig.bbox.width, title.get_text()


def _disk_fills_while_saving(monkeypatch):
    """Figures save a few bytes, then the disk is full."""
    import errno

    from matplotlib.figure import Figure

    def full(self, fname, *args, **kwargs):
        with open(fname, "wb") as handle:
            handle.write(b"\x89PNG\r\n\x1a\n")
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(Figure, "savefig", full)


def test_a_plot_that_cannot_be_written_leaves_the_last_one_whole(tmp_path, monkeypatch):
    run_into(tmp_path / "exp")
    paths = plot_all(read_result(tmp_path / "exp"))
    before = {p.name: p.read_bytes() for p in paths}
    _disk_fills_while_saving(monkeypatch)
    with pytest.raises(OSError, match="No space left"):
        plot_all(read_result(tmp_path / "exp"))
    assert {p.name: p.read_bytes() for p in paths} == before  # not a truncated image
    assert not list((tmp_path / "exp").glob("*.tmp"))


def test_learning_curves_of_a_run_where_no_trial_reported_say_so(tmp_path):
    import rung

    def broken(config):
        raise ValueError("always")

    rung.tune(broken, {"x": rung.uniform(0, 1)}, searcher="random", max_trials=2, seed=0,
              directory=tmp_path / "r")  # fmt: skip
    (axis,) = plot_learning_curves(read_result(tmp_path / "r")).axes
    assert [text.get_text() for text in axis.texts] == ["no trial reported"]
    assert list(axis.get_yticks()) == []  # no made-up 0..1 scale


def slow_or_fast(config, epoch):
    """A simulated objective: each configuration trains at its own speed."""
    return config["x"] / epoch, 0.5 + config["x"]


def test_dozens_of_levels_reached_get_a_colour_bar_not_a_legend_entry_each(tmp_path):
    import rung
    from rung.executors.simulated import SimulatedExecutor
    from rung.run.factory import build_tuner

    tuner = build_tuner(
        slow_or_fast, {"x": rung.uniform(0, 1)}, searcher="random", scheduler="asha",
        min_resource=1, max_resource=50, eta=3, seed=0, directory=tmp_path / "r",
        executor=SimulatedExecutor(24, decision_time=False),
    )  # fmt: skip
    tuner.run(time_budget_s=30.0)  # the budget stops the running jobs between rungs
    result = read_result(tmp_path / "r")
    levels = {t.resource for t in result.trials if t.reports}
    assert len(levels) > 12
    figure = plot_learning_curves(result)
    axis, bar = figure.axes
    assert bar.get_ylabel() == "epochs the trial reached"
    assert axis.get_legend_handles_labels()[1] == ["rung levels"]


def test_a_slow_legend_placement_warns_nobody(tmp_path, monkeypatch):
    # matplotlib warns when placing a legend at loc="best" took over a second (timing
    # decides, on runs of thousands of trials): made to warn every time here.
    from matplotlib.legend import Legend

    placed = Legend._find_best_position

    def slow(self, *args, **kwargs):
        message = 'Creating legend with loc="best" can be slow with large amounts of data.'
        warnings.warn(message, stacklevel=2)
        return placed(self, *args, **kwargs)

    monkeypatch.setattr(Legend, "_find_best_position", slow)
    fig = figure(figsize=(4, 3))
    axis = fig.add_subplot()
    axis.plot([0, 1], [0, 1], label="a line")
    axis.legend()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        save(fig, tmp_path / "legend.png")
    assert (tmp_path / "legend.png").stat().st_size > 0


def test_a_best_value_found_by_the_last_job_alone_is_drawn(tmp_path):
    """One trial trained to the top (rung tune --trials 1, or an incumbent that comes with
    the last job): the progress figure drew a one-point step line, that is nothing."""
    import rung
    from rung.run.factory import build_tuner

    tuner = build_tuner(
        error_curve,
        {"learning_rate": rung.loguniform(1e-4, 1.0), "batch_size": rung.randint(8, 64)},
        searcher="random",
        scheduler="fifo",
        max_resource=2,
        seed=0,
        directory=tmp_path / "one",
    )
    tuner.run(max_trials=1)
    result = read_result(tmp_path / "one")
    for axis in plot_progress(result).axes:
        drawn = [line for line in axis.get_lines() if line.get_marker() not in (None, "None")]
        assert [list(line.get_ydata()) for line in drawn] == [[result.best_value]]
