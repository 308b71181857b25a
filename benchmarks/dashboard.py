"""The dashboard on a 20,000-job experiment: time to open it, and what an update costs.

Makes (or reuses, with ``--dir``) an ASHA run of MF-Hartmann 6 on 8 simulated workers,
then measures, on this machine:

* the server's start: opening the store and reading every event
  (:class:`rung.results.summary.RunReader`, the cost of the store's reader) and making
  the job rows, then encoding the first full JSON snapshot;
* the page in a headless Chromium: from asking for the page to the view drawn with all
  jobs (``main[data-ready=1]``), for each view; and the JSON snapshot over HTTP;
* an update: the run resumed for ``--more`` jobs while the feed follows it; the
  incremental read, its rows, and the update's size, beside the full snapshot's.

Usage: python benchmarks/dashboard.py [--jobs 20000] [--more 200] [--dir DIR] [--no-browser]
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

import rung
from rung.dashboard import Dashboard, RunFeed
from rung.dashboard.payload import TrajectoryFold
from rung.results.summary import RunReader
from rung.workloads.mf_hartmann import mfh6

VIEWS = ("progress", "curves", "ladder", "workers", "params", "trials")


def make_run(directory: Path, jobs: int) -> None:
    benchmark = mfh6()
    rung.tune(
        benchmark,
        benchmark.space,
        scheduler="asha",
        min_resource=1,
        max_resource=27,
        eta=3,
        max_jobs=jobs,
        seed=0,
        directory=directory,
        resume="auto",
        executor=rung.SimulatedExecutor(workers=8, decision_time=False),
    )


def timed(function):
    start = time.perf_counter()
    value = function()
    return value, time.perf_counter() - start


def server_start(directory: Path) -> None:
    reader, t_open = timed(lambda: RunReader(directory))
    result, t_read = timed(reader.read)
    fold = TrajectoryFold(reader.spec)
    _, t_rows = timed(lambda: [fold.row(job) for job in result.jobs])
    _, t_trials = timed(lambda: result.trials)
    reader.close()
    feed, t_feed = timed(lambda: RunFeed(directory).start())
    snapshot = feed.snapshot()
    text, t_json = timed(lambda: json.dumps(snapshot, separators=(",", ":")))
    feed.close()
    print(f"{result.n_jobs} jobs, {result.n_trials} trials")
    print(f"  store read (RunReader.read, all events): {t_open + t_read:7.3f} s")
    print(f"  job rows with their trajectory:          {t_rows:7.3f} s")
    print(f"  trials (Result.trials):                  {t_trials:7.3f} s")
    print(f"  feed start (all of the above):           {t_feed:7.3f} s")
    print(
        f"  first full JSON: {len(text) / 1e6:.1f} MB encoded in {t_json:.3f} s;"
        f" time to first full JSON {t_feed + t_json:.3f} s"
    )


def update_cost(directory: Path, jobs: int, more: int) -> None:
    reader = RunReader(directory)
    result = reader.read()
    fold = TrajectoryFold(reader.spec)
    for job in result.jobs:
        fold.add(job)
    _, t_idle = timed(reader.read)
    make_run(directory, jobs + more)
    result, t_read = timed(reader.read)
    new = result.jobs[jobs:]
    rows, t_rows = timed(lambda: [fold.row(job) for job in new])
    _, t_trials = timed(lambda: [t.status for t in result.trials])
    reader.close()
    size = len(json.dumps(rows, separators=(",", ":")))
    print(f"update after {len(new)} new jobs:")
    print(
        f"  a read with nothing new: {t_idle * 1e3:7.1f} ms (the feed skips it: the "
        "database files did not change)"
    )
    print(f"  incremental read:        {t_read * 1e3:7.1f} ms")
    print(f"  their rows:              {t_rows * 1e3:7.1f} ms, {size / 1e3:.1f} kB of JSON")
    print(f"  trial states (all):      {t_trials * 1e3:7.1f} ms")


def browser(directory: Path) -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from tests.dashboard.conftest import CHROMEDRIVER, CHROMIUM, FLAGS

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tempfile.mkdtemp()}")
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    ready = (
        "const m = document.getElementById('view');"
        "return m.dataset.view === arguments[0] && m.dataset.ready === '1';"
    )
    try:
        with Dashboard([directory], port=0) as dashboard:
            import urllib.request

            start = time.perf_counter()
            with urllib.request.urlopen(dashboard.url + "api/runs/0/snapshot") as response:
                size = len(response.read())
            print(f"  HTTP snapshot: {size / 1e6:.1f} MB in {time.perf_counter() - start:.3f} s")
            for view in VIEWS:
                driver.get("about:blank")
                start = time.perf_counter()
                driver.get(f"{dashboard.url}#{view}")
                while not driver.execute_script(ready, view):
                    time.sleep(0.02)
                took = time.perf_counter() - start
                draw = driver.execute_script(
                    "const t = performance.now(); window.rungApp.view.update();"
                    "return performance.now() - t;"
                )
                print(f"  page open to '{view}' drawn: {took:6.3f} s  (a redraw: {draw:6.1f} ms)")
    finally:
        driver.quit()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=20_000)
    parser.add_argument("--more", type=int, default=200)
    parser.add_argument("--dir", type=Path, help="reuse or keep the experiment here")
    parser.add_argument("--no-browser", action="store_true")
    args = parser.parse_args()
    directory = args.dir or Path(tempfile.mkdtemp()) / "big"
    if not (directory / "experiment.db").exists():
        _, took = timed(lambda: make_run(directory, args.jobs))
        print(f"made the run in {took:.0f} s")
    work = Path(tempfile.mkdtemp()) / "copy"  # the update measurement extends a copy
    shutil.copytree(directory, work)
    server_start(work)
    if not args.no_browser:
        print("in headless Chromium:")
        browser(work)
    update_cost(work, len(RunReader(work).read().jobs), args.more)
    shutil.rmtree(work.parent, ignore_errors=True)


if __name__ == "__main__":
    main()
