"""The dashboard in a real headless Chromium: every view renders with data, without a
JavaScript error; strings from records show as text; a live run's new jobs appear
without a reload; the exported file works offline. Screenshots go to build/screenshots."""

from __future__ import annotations

import contextlib
import re
import threading
import time

import pytest

import rung
from rung.dashboard import Dashboard, export_html
from rung.results.summary import read_result
from rung.store import ExperimentStore
from tests.dashboard.conftest import SCREENSHOTS
from tests.dashboard.runs import (
    HOSTILE_CHOICE,
    HOSTILE_ERROR,
    HOSTILE_LOG,
    final_left_behind,
    finished_run,
    infeasible_run,
    interrupted_run,
    live_run,
)

VIEWS = ("progress", "curves", "ladder", "workers", "params", "trials")


def wait_for(driver, script, timeout=30.0, what=""):
    """Runs ``script`` until it returns something true; returns that."""
    deadline = time.monotonic() + timeout
    while True:
        value = driver.execute_script(script)
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what or script}")
        time.sleep(0.1)


def show(driver, url, route):
    """Opens ``url#route`` and waits until the view has drawn its data."""
    driver.get(f"{url}#{route}")
    name = route.split("/")[0]
    wait_for(
        driver,
        f"const m = document.getElementById('view');"
        f"return m.dataset.view === '{name}' && m.dataset.ready === '1';",
        what=f"the {route} view",
    )


def js(driver, script):
    return driver.execute_script(script)


@contextlib.contextmanager
def leaving(browser, *args, **kwargs):
    """A dashboard the browser leaves before it closes: a page still open on a closed
    server would log its next poll's refused connection as an error."""
    with Dashboard(*args, **kwargs) as dashboard:
        try:
            yield dashboard
        finally:
            browser.get("about:blank")


def console_errors(driver):
    return [e for e in driver.get_log("browser") if e["level"] == "SEVERE"]


def points(driver, chart):
    return int(
        js(driver, f"return document.querySelector('canvas[data-chart={chart}]').dataset.points")
        or 0
    )


@pytest.fixture(scope="module")
def served(finished_dir):
    with Dashboard([finished_dir], port=0, interval=0.3) as dashboard:
        yield dashboard


def test_every_view_renders_with_data(browser, served, finished_dir):
    result = read_result(finished_dir)
    url = served.url
    browser.get_log("browser")
    show(browser, url, "progress")
    assert js(browser, "return document.querySelectorAll('.run-card').length") == 1
    assert js(browser, "return document.querySelector('.pill').dataset.state") == "finished"
    for chart in ("best-time", "best-trials", "best-resource"):
        assert points(browser, chart) > 0, chart
    browser.save_screenshot(str(SCREENSHOTS / "progress.png"))

    show(browser, url, "curves")
    drawn = points(browser, "curves")
    assert 0 < drawn <= result.n_trials
    browser.save_screenshot(str(SCREENSHOTS / "curves.png"))

    show(browser, url, "ladder")
    levels = js(browser, "return [...document.querySelectorAll('.rung')].map(r => r.dataset.level)")
    assert levels == ["9", "3", "1"]
    promoted = js(
        browser,
        "return [...document.querySelectorAll('.arrow')].map(a => Number(a.dataset.promotions))",
    )
    reached_9 = sum(1 for t in result.trials if t.resource >= 9)
    assert promoted[0] == reached_9 > 0
    browser.save_screenshot(str(SCREENSHOTS / "ladder.png"))

    show(browser, url, "workers")
    assert points(browser, "timeline") == result.n_jobs
    browser.save_screenshot(str(SCREENSHOTS / "workers.png"))

    show(browser, url, "params")
    assert points(browser, "parallel") > 0
    names = js(
        browser,
        "return [...document.querySelectorAll('#importance .imp')]"
        ".map(e => e.dataset.param).sort()",
    )
    assert names == ["act", "lr", "width"]
    browser.save_screenshot(str(SCREENSHOTS / "params.png"))

    show(browser, url, "trials")
    rows = js(browser, "return document.querySelectorAll('#trials-table tbody tr').length")
    assert rows == result.n_trials
    js(browser, "document.querySelector('th[data-key=id]').click()")
    first = js(browser, "return document.querySelector('#trials-table tbody tr').dataset.trial")
    assert first == "0"
    browser.save_screenshot(str(SCREENSHOTS / "trials.png"))

    js(browser, "document.querySelector('#trials-table tbody tr').click()")
    wait_for(browser, "return document.querySelector('#trial-jobs tbody tr')", what="trial page")
    wait_for(browser, "return document.querySelector('pre.log')", what="the log")
    jobs = js(browser, "return document.querySelectorAll('#trial-jobs tbody tr').length")
    assert jobs == sum(1 for job in result.jobs if job.trial_id == 0)
    browser.save_screenshot(str(SCREENSHOTS / "trial.png"))
    assert console_errors(browser) == []


def test_strings_from_records_show_as_text(browser, served, finished_dir):
    result = read_result(finished_dir)
    browser.get_log("browser")
    show(browser, served.url, "trials")
    filter_box = browser.find_element("id", "trials-filter")
    filter_box.send_keys("onerror")
    cells = js(
        browser,
        "return [...document.querySelectorAll('#trials-table tbody td')].map(td => td.textContent)",
    )
    assert HOSTILE_CHOICE in cells
    failed = next(t for t in result.trials if t.error)
    show(browser, served.url, f"trial/0/{failed.trial_id}")
    text = wait_for(
        browser,
        "const e = document.querySelector('pre.error');return e && e.textContent",
        what="the error",
    )
    assert HOSTILE_ERROR in text
    js(browser, "document.querySelector('pre.error').scrollIntoView()")
    browser.save_screenshot(str(SCREENSHOTS / "escaped-error.png"))
    show(browser, served.url, "trial/0/0")
    log = wait_for(
        browser,
        "const e = document.querySelector('pre.log');return e && e.textContent",
        what="the log",
    )
    assert log == HOSTILE_LOG * 3
    show(browser, served.url, "params")
    # Had any of them been parsed as markup, an <img>, <b> or <script> would be in the page
    # and window.__pwned set.
    assert (
        js(browser, "return document.querySelectorAll('main img, main b, main script').length") == 0
    )
    assert js(browser, "return window.__pwned === undefined")
    assert console_errors(browser) == []


def test_a_live_runs_new_jobs_appear_without_a_reload(browser, tmp_path):
    directory = tmp_path / "live"
    done = threading.Event()
    failure = []

    def run():
        try:
            live_run(directory, trials=50, delay=0.04)
        except BaseException as err:  # noqa: BLE001 - reported by the test
            failure.append(err)
        finally:
            done.set()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not (directory / "experiment.db").exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.3)
    browser.get_log("browser")
    with leaving(browser, [directory], port=0, interval=0.2) as dashboard:
        show(browser, dashboard.url, "curves")
        js(browser, "window.__samePage = 'yes'")
        first = int(js(browser, "return document.getElementById('view').dataset.jobs"))
        assert not done.is_set(), "the run ended before the page opened: make it longer"
        wait_for(
            browser,
            f"return Number(document.getElementById('view').dataset.jobs) > {first}",
            what="new jobs",
        )
        browser.save_screenshot(str(SCREENSHOTS / "live-curves.png"))
        show_now = js(browser, "return document.getElementById('live').textContent")
        assert show_now.startswith("live") or done.is_set()
        thread.join(timeout=120)
        assert not failure, failure
        result = read_result(directory)
        wait_for(
            browser,
            f"return Number(document.getElementById('view').dataset.jobs) === {result.n_jobs}",
            what="every job",
        )
        assert js(browser, "return window.__samePage") == "yes"  # never reloaded
        js(browser, "location.hash = 'progress'")
        wait_for(
            browser,
            "const p = document.querySelector('.pill');return p && p.dataset.state === 'finished'",
            what="the finished state",
        )
    assert console_errors(browser) == []


def test_the_export_opens_offline(browser, finished_dir, tmp_path):
    path = export_html([finished_dir, finished_dir], tmp_path / "report.html")
    browser.get_log("browser")
    url = path.as_uri()
    for view in VIEWS:
        show(browser, url, view)
    assert js(browser, "return document.getElementById('live').textContent").startswith("exported")
    show(browser, url, "progress")
    assert js(browser, "return document.querySelectorAll('.run-card').length") == 2
    show(browser, url, "trial/1/0")
    log = wait_for(
        browser,
        "const e = document.querySelector('pre.log');return e && e.textContent",
        what="the log",
    )
    assert log == HOSTILE_LOG * 3
    browser.save_screenshot(str(SCREENSHOTS / "export-trial.png"))
    assert console_errors(browser) == []


@pytest.mark.parametrize("scheduler", ["fifo", "sh", "hyperband"])
def test_other_schedulers_render_too(browser, tmp_path, scheduler):
    """Single fidelity (no levels), and synchronous brackets (trials stopped at a barrier)."""
    directory = tmp_path / scheduler
    space = {"x": rung.uniform(0, 1), "kind": rung.choice(["a", "b"])}
    fidelity = {} if scheduler == "fifo" else {"max_resource": 9}
    rung.tune(
        lambda c: c["x"] + (c.get("epochs") or 9) ** -1,
        space,
        scheduler=scheduler,
        max_trials=30,
        directory=directory,
        seed=0,
        **fidelity,
    )
    browser.get_log("browser")
    with leaving(browser, [directory], port=0) as dashboard:
        for view in VIEWS:
            show(browser, dashboard.url, view)
        show(browser, dashboard.url, "trial/0/0")
    assert console_errors(browser) == []


def test_the_pareto_front_view_draws_every_full_resource_result(browser, tmp_path, served):
    from tests.dashboard.runs import front_run

    result = front_run(tmp_path / "front", trials=80)
    full = [j for j in result.jobs if not j.failed and j.reached == 9]
    browser.get_log("browser")
    with leaving(browser, [tmp_path / "front"], port=0, interval=0.3) as dashboard:
        show(browser, dashboard.url, "front")
        assert points(browser, "front") == len(full)
        on_front = js(
            browser, "return document.querySelector('canvas[data-chart=front]').dataset.front"
        )
        assert int(on_front) == len(result.pareto_front) > 1
        counts = js(browser, "return document.querySelector('[data-front=counts]').textContent")
        assert counts.startswith(f"{len(result.pareto_front)} on the front")
        browser.save_screenshot(str(SCREENSHOTS / "front.png"))
    show(browser, served.url, "front")  # a run of one objective says it has no front
    assert js(browser, "return document.querySelector('[data-empty]') !== null")
    assert console_errors(browser) == []


def test_a_large_run_draws_a_view_as_soon_as_it_is_opened(browser, tmp_path):
    """Runs over 5,000 jobs redraw for new data at most every 2 s, but opening the page or
    choosing a tab draws at once (the throttle once held the first view back ~2 s)."""
    directory = tmp_path / "large"
    rung.tune(
        lambda config, epoch: (config["x"] / epoch, 1.0),
        {"x": rung.uniform(0, 1)},
        searcher="random",
        scheduler="fifo",
        max_resource=1,
        max_trials=5_050,
        seed=0,
        executor=rung.SimulatedExecutor(workers=8, decision_time=False),
        directory=directory,
    )
    with leaving(browser, [directory], port=0) as dashboard:
        show(browser, dashboard.url, "ladder")
        # A tab chosen right after a draw: the new view is drawn in the same turn as the
        # hash change, before the throttle's 2 s are up.
        ready = browser.execute_async_script(
            "const done = arguments[arguments.length - 1];"
            "window.addEventListener('hashchange', () => setTimeout(() =>"
            "  done(document.getElementById('view').dataset.ready), 0), {once: true});"
            "window.rungApp.view.update(); location.hash = '#workers';"
        )
    assert ready == "1"
    assert console_errors(browser) == []


def test_a_run_without_a_best_says_why_on_its_card(browser, tmp_path):
    infeasible_run(tmp_path / "infeasible")
    browser.get_log("browser")
    show(browser, export_html([tmp_path / "infeasible"], tmp_path / "x.html").as_uri(), "progress")
    said = js(browser, "return document.querySelector('.stat .sub').textContent")
    assert said.startswith("no feasible trial found:") and "yet" not in said
    assert console_errors(browser) == []


def test_a_run_no_process_writes_shows_as_interrupted_until_resumed(browser, tmp_path):
    directory = interrupted_run(tmp_path / "stopped")
    state = "return document.querySelector('.pill').dataset.state"
    browser.get_log("browser")
    with leaving(browser, [directory], port=0, interval=0.1) as dashboard:
        show(browser, dashboard.url, "progress")
        assert js(browser, state) == "interrupted"
        assert js(browser, "return document.querySelector('[data-interrupted]') !== null")
        assert js(browser, "return document.getElementById('live').textContent").startswith(
            "1 interrupted, none running"
        )
        jobs = js(
            browser, "return document.querySelector('[data-stat=jobs]').nextSibling.textContent"
        )
        assert jobs == "0 failed, 1 cut short"
        show(browser, dashboard.url, "trials")
        statuses = js(
            browser,
            "return [...document.querySelectorAll('#trials-table tbody tr')]"
            ".map(r => [r.dataset.trial, r.children[1].textContent.trim()])",
        )
        assert sorted(statuses) == [
            ["0", "completed"],
            ["1", "completed"],
            ["2", "completed"],
            ["3", "interrupted"],
        ]
        show(browser, dashboard.url, "trial/0/3")
        assert js(browser, "return document.querySelector('h2 .pill').textContent") == "interrupted"
        show(browser, dashboard.url, "progress")
        with ExperimentStore.open(directory):  # a writer again, as rung resume is
            wait_for(browser, f"{state} === 'running'", what="the running state")
    assert console_errors(browser) == []


def test_tick_labels_of_large_values_fit_left_of_the_frame(browser, served):
    """A tick label is drawn right-aligned 6 px left of a frame 62 px from the canvas's
    edge: -10000000 written out ran past the edge and showed as '.0000000'."""
    show(browser, served.url, "progress")
    widths = js(
        browser,
        "const ctx = document.createElement('canvas').getContext('2d');"
        "ctx.font = \"12px system-ui, -apple-system, 'Segoe UI', sans-serif\";"
        "return [-12500000, -10000000, 2500000, -123456.5, 0.000125, -0.5]"
        ".map((v) => [R.fmtTick(v), ctx.measureText(R.fmtTick(v)).width]);",
    )
    assert [label for label, _ in widths] == [
        "-1.25e7",
        "-1e7",
        "2.5e6",
        "-1.23e5",
        "1.25e-4",
        "-0.5",
    ]
    assert all(width <= 62 - 6 for _, width in widths), widths


def test_the_ladder_counts_promotions_not_trials_a_bracket_started_higher(browser, tmp_path):
    """Hyperband starts some brackets' trials at 3 or 9: such a trial passes level 1 on
    its way, it was not promoted from there (the ladder said so, and its rates were
    far above 1/eta)."""
    directory = tmp_path / "hyperband"
    result = rung.tune(
        lambda c: c["x"] * c["epochs"],
        {"x": rung.uniform(0, 1)},
        scheduler="hyperband",
        max_resource=9,
        max_trials=30,
        directory=directory,
        seed=4,
    )
    assert any(job.resource_from == 0 and job.resource_to > 1 for job in result.jobs)
    browser.get_log("browser")
    with leaving(browser, [directory], port=0) as dashboard:
        show(browser, dashboard.url, "ladder")
        rows = js(browser, "return R.ladder(window.rungApp.run)")
    for row in rows:
        level = row["level"]
        at_level = {
            job.trial_id for job in result.jobs if level in (job.resource_from, job.resource_to)
        }
        promoted = {job.trial_id for job in result.jobs if job.resource_from == level}
        assert (row["reached"], row["promoted"]) == (len(at_level), len(promoted)), level
    assert console_errors(browser) == []


def test_a_run_without_a_resource_names_its_best_trial_without_a_blank_level(browser, tmp_path):
    rung.tune(lambda c: c["x"], {"x": rung.uniform(0, 1)}, max_trials=5, directory=tmp_path / "f")
    show(browser, export_html([tmp_path / "f"], tmp_path / "f.html").as_uri(), "progress")
    links = js(
        browser, "return [...document.querySelectorAll('.run-card .sub a')].map(a => a.textContent)"
    )
    assert links and all(text.startswith("trial ") and "—" not in text for text in links), links


@pytest.mark.parametrize(
    ("route", "missing", "says"),
    [("trial/7/0", "run", "No such run"), ("trial/0/999999", "trial", "No such trial")],
)
def test_a_link_to_no_such_run_or_trial_shows_that_alone(browser, served, route, missing, says):
    """A run number the dashboard does not show once fell back to run 0's trial; a trial
    not in the run showed its note above empty sections."""
    browser.get_log("browser")
    show(browser, served.url, route)
    shown = js(
        browser,
        "return [...document.getElementById('view').children]"
        ".filter(e => e.getClientRects().length).map(e => [e.dataset.missing, e.textContent])",
    )
    assert len(shown) == 1 and shown[0][0] == missing and says in shown[0][1], shown
    assert console_errors(browser) == []


def test_the_final_models_seed_shows_every_digit(browser, tmp_path):
    """A seed of 10 digits showed as 1.2346e+9; one of 64 bits, past what a JavaScript
    number holds exactly, came rounded too."""
    directory = tmp_path / "final"
    rung.tune(lambda c: c["x"], {"x": rung.uniform(0, 1)}, max_trials=2, directory=directory)
    for seed in (1234567891, 2**64 - 1):
        with ExperimentStore.open(directory) as store:  # as rung final records it
            store.set_final({"seed": seed, "test_accuracy": 0.91234567})
        exported = export_html([directory], tmp_path / f"{seed}.html")
        show(browser, exported.as_uri(), "progress")
        note = js(
            browser,
            "return [...document.querySelectorAll('.run-card .note')]"
            ".map(p => p.textContent).find(t => t.startsWith('final model'))",
        )
        assert f"seed {seed} " in note and "test_accuracy 0.91235" in note, note


def test_a_run_without_a_resource_shows_no_levels_and_no_resource_spent(browser, tmp_path):
    """An f(config) run showed "levels 1 epochs", "epochs spent" and a one-level ladder,
    although it trains nothing in epochs."""
    rung.tune(lambda c: c["x"], {"x": rung.uniform(0, 1)}, max_trials=3, directory=tmp_path / "f")
    url = export_html([tmp_path / "f"], tmp_path / "f.html").as_uri()
    browser.get_log("browser")
    show(browser, url, "progress")
    card = js(browser, "return document.querySelector('.run-card').textContent")
    assert "levels" not in card and "spent" not in card and "epochs" not in card, card
    charts = js(
        browser,
        "return [...document.querySelectorAll('canvas[data-chart]')]"
        ".filter(c => c.getClientRects().length).map(c => c.dataset.chart)",
    )
    assert charts == ["best-time", "best-trials"], charts
    show(browser, url, "ladder")
    assert js(browser, "return document.querySelectorAll('.rung').length") == 0
    assert js(browser, "return document.querySelector('[data-no-resource]').textContent")
    assert console_errors(browser) == []


def test_a_count_of_one_is_singular_on_the_page(browser, tmp_path):
    """The ladder's first level said "1 epochs", and counts of one trial or job "1 trials"
    and "1 jobs"; a count of one is singular, as the command line writes it."""
    finished_run(tmp_path / "asha", trials=3)
    url = export_html([tmp_path / "asha"], tmp_path / "asha.html").as_uri()
    browser.get_log("browser")
    show(browser, url, "ladder")
    levels = js(
        browser,
        "return Object.fromEntries([...document.querySelectorAll('.rung')]"
        ".map(r => [r.dataset.level, r.querySelector('.lvl').textContent]))",
    )
    assert levels == {"1": "1 epoch", "3": "3 epochs", "9": "9 epochs"}, levels
    singular = re.compile(r"(?<![\d.])1 (epochs|trials|jobs)\b")
    for view in ("ladder", "params", "progress"):
        show(browser, url, view)
        text = js(browser, "return document.body.innerText")
        assert not singular.search(text), (view, singular.search(text))
    written = js(
        browser,
        "return [R.counted(1, 'trial'), R.counted(0, 'trial'), R.counted(2, 'job'),"
        " R.ofResource(1, 'epochs'), R.ofResource(3, 'epochs'), R.ofResource(1.5, 'epochs'),"
        " R.ofResource(1, 'n_estimators'), R.ofResource(1, 'loss'), R.ofResource(1, 'epochs', '')]",
    )
    assert written == [
        "1 trial",
        "0 trials",
        "2 jobs",
        "1 epoch",
        "3 epochs",
        "1.5 epochs",
        "1 n_estimators",
        "1 loss",
        " epoch",
    ]
    assert console_errors(browser) == []


def test_the_ladder_counts_a_job_the_time_budget_cut_apart_from_those_that_ended(browser, tmp_path):
    """A job interrupted on its way to 9 epochs was counted as a job that ended at 9: the
    level showed more jobs ended than trials reached it."""
    clock = [0.0]

    def slow(config, trial):
        for epoch in range(trial.resource_from + 1, trial.resource_to + 1):
            clock[0] += 1.0
            trial.report(epoch, config["x"] / epoch, checkpoint={"e": epoch})

    searcher = rung.RandomSearcher({"x": rung.uniform(0, 1)}, seed=0)
    scheduler = rung.ASHA(searcher, min_resource=1, max_resource=9, eta=3)
    directory = tmp_path / "cut"
    tuner = rung.Tuner(slow, scheduler, directory=directory, clock=lambda: clock[0])
    result = tuner.run(time_budget_s=22)
    cut = [job for job in result.jobs if job.status.name == "INTERRUPTED"]
    assert [job.resource_to for job in cut] == [9] and cut[0].reports[-1].resource < 9
    browser.get_log("browser")
    show(browser, export_html([directory], tmp_path / "cut.html").as_uri(), "ladder")
    top = js(browser, "return R.ladder(window.rungApp.run).find(r => r.level === 9)")
    ended = sum(1 for job in result.jobs if job.resource_to == 9 and job not in cut)
    assert (top["reached"], top["jobs"], top.get("cut")) == (ended, ended, 1), top
    text = js(browser, "return document.querySelector('.rung[data-level=\"9\"]').textContent")
    assert f"{ended} jobs ended here · 1 interrupted on the way here" in text, text
    assert console_errors(browser) == []


@pytest.mark.parametrize("several", [False, True], ids=["best trial", "front"])
def test_a_final_model_the_run_was_extended_past_says_whose_it_is(browser, tmp_path, several):
    """The card showed a final model kept under rung resume --no-final as the run's, after
    another trial became the best (or the front changed)."""
    made, extended = final_left_behind(tmp_path / "run", several)
    url = export_html([tmp_path / "run"], tmp_path / "run.html").as_uri()
    show(browser, url, "progress")
    note = js(browser, "return document.querySelector('.run-card [data-final]').textContent")
    if several:
        gone = sorted(
            {p.trial_id for p in made.pareto_front} - {p.trial_id for p in extended.pareto_front}
        )
        assert gone, "the run's extension should push members off the front"
        assert note.startswith("final models made for an earlier Pareto front"), note
        for trial in made.final["front"]:
            left = " (no longer on the front)" if trial["trial_id"] in gone else ""
            assert f"trial {trial['trial_id']}{left}: " in note, note
    else:
        old = made.incumbent.trial_id
        assert note.startswith(f"final model of trial {old}, no longer the best trial"), note
    assert "test_accuracy 0.5" in note and "current false" not in note, note
    assert console_errors(browser) == []
