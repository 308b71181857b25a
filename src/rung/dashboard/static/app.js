// rung dashboard: loading, live updates, routing.
// Served: the page asks /api for the runs, then polls each run for what is new.
// Exported: the runs are in the page's JSON block, and nothing is fetched.
"use strict";

(function () {
  const el = R.el;
  const POLL_MS = 1500;
  const main = document.getElementById("view");
  const banner = document.getElementById("banner");
  const live = document.getElementById("live");
  const runSelect = document.getElementById("run-select");
  const embedded = document.getElementById("rung-data");

  const app = {
    runs: [],
    run: null,
    params: {},
    route: null,
    view: null,
    exported: Boolean(embedded),
    details: {},
    lastUpdate: null,
    trialHref(runId, tid) { return `#trial/${runId}/${tid}`; },
    go(href) { location.hash = href.replace(/^#/, ""); },
    async trialDetail(runId, tid) {
      if (app.exported) {
        const d = (app.details[String(runId)] || {})[String(tid)];
        return d || { errors: [], logs: [], error: null };
      }
      const response = await fetch(`api/runs/${runId}/trials/${tid}`);
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      return response.json();
    },
  };
  window.rungApp = app; // for the tests and the curious: read-only use

  function parseRoute() {
    const parts = location.hash.replace(/^#/, "").split("/").filter(Boolean);
    const name = parts[0] || "progress";
    if (name === "trial" && parts.length >= 3) {
      return { name: "trial", run: Number(parts[1]), params: { trial: parts[2], run: parts[1] } };
    }
    const q = new URLSearchParams(location.search);
    return { name: R.views[name] ? name : "progress", run: null, params: { q: q.get("q") || "" } };
  }

  function render(force) {
    const route = parseRoute();
    // A trial's link names its run: a run this dashboard does not show is said so,
    // never replaced by another run's trial of the same number.
    const missingRun = route.run !== null && !app.runs[route.run];
    if (route.run !== null && app.runs[route.run]) app.run = app.runs[route.run];
    if (!app.run) app.run = app.runs[0];
    const key = `${route.name}|${missingRun ? "missing" : app.run ? app.run.id : ""}|${route.params.trial || ""}`;
    for (const a of document.querySelectorAll("#tabs a")) a.classList.toggle("on", a.dataset.tab === route.name || (route.name === "trial" && a.dataset.tab === "trials"));
    runSelect.value = app.run ? String(app.run.id) : "";
    const mount = force || key !== app.route;
    if (mount) {
      app.route = key;
      app.params = route.params;
      R.clear(main);
      main.dataset.view = route.name;
      main.dataset.ready = "0";
      if (!app.run) return;
      app.view = missingRun ? noSuchRun(main, route) : R.views[route.name].mount(main, app);
      document.title = `${route.name === "trial" ? `trial ${route.params.trial}` : R.views[route.name].title} · ${app.run.meta.title} · rung`;
    }
    update(mount);
  }

  function noSuchRun(main, route) {
    const shown = app.runs.length === 1 ? "run 0" : `runs 0 to ${app.runs.length - 1}`;
    main.append(el("div", { className: "card", dataset: { missing: "run" } },
      el("h2", { text: `Run ${route.params.run}` }),
      el("p", { className: "note", text: `No such run in this dashboard: it shows ${shown}.` })));
    return { update() {} };
  }

  let pending = false;
  let lastPaint = 0;
  // Redraws the view with the data as it stands. New data redraws a large run at most
  // every 2 s; a view just mounted (the page opened, a tab chosen) draws at once.
  function update(now) {
    if (!app.view) return;
    const heavy = app.runs.reduce((n, r) => n + r.jobs.length, 0) > 5000;
    const wait = heavy && !now ? 2000 - (performance.now() - lastPaint) : 0;
    if (wait > 0) {
      if (!pending) { pending = true; setTimeout(() => { pending = false; update(); }, wait); }
      return;
    }
    lastPaint = performance.now();
    app.view.update();
    main.dataset.ready = "1";
    main.dataset.jobs = String(app.runs.reduce((n, r) => n + r.jobs.length, 0));
    showStatus();
  }

  function showStatus() {
    const errors = app.runs.filter((r) => r.error).map((r) => `${r.meta.title}: ${r.error}`);
    if (app.offline) errors.unshift(app.offline);
    banner.hidden = !errors.length;
    R.clear(banner);
    for (const e of errors) banner.append(el("div", { text: e }));
    const running = app.runs.filter((r) => !r.summary.finished && !r.interrupted).length;
    const stopped = app.runs.filter((r) => r.interrupted).length;
    const when = app.lastUpdate ? ` · updated ${app.lastUpdate.toLocaleTimeString()}` : "";
    live.textContent = app.exported ? "exported: a snapshot"
      : running ? `live: ${running} running${stopped ? `, ${stopped} interrupted` : ""}${when}`
      : stopped ? `${stopped} interrupted, none running${when}` : `all finished${when}`;
    live.className = running && !app.exported ? "live on" : "live";
  }

  async function getJSON(url) {
    const response = await fetch(url, { cache: "no-store" });
    if (!response.ok) {
      let message = `HTTP ${response.status}`;
      try { message = (await response.json()).error || message; } catch (e) { /* keep the status */ }
      throw new Error(message);
    }
    return response.json();
  }

  async function poll() {
    let changed = false;
    try {
      for (const run of app.runs) {
        const c = run.cursor;
        const data = await getJSON(`api/runs/${run.id}/updates?jobs=${c.jobs}&trials=${c.trials}&changes=${c.changes}&feed=${encodeURIComponent(c.feed || "")}`);
        const before = run.version;
        const finished = run.summary.finished;
        const error = run.error;
        const interrupted = run.interrupted;
        run.apply(data);
        if (run.version !== before || run.summary.finished !== finished || run.error !== error
            || run.interrupted !== interrupted || (run.summary.open || []).length) changed = true;
      }
      if (app.offline) { app.offline = null; changed = true; }
      app.lastUpdate = new Date();
    } catch (err) {
      app.offline = `The dashboard server does not answer (${err.message}); retrying.`;
      changed = true;
    }
    if (changed) update();
    else showStatus();
    setTimeout(poll, POLL_MS);
  }

  function setupRuns() {
    R.clear(runSelect);
    for (const run of app.runs) runSelect.append(el("option", { value: String(run.id), text: `${run.id + 1}. ${run.meta.title}` }));
    document.getElementById("run-pick").hidden = app.runs.length < 2;
    runSelect.addEventListener("change", () => {
      app.run = app.runs[Number(runSelect.value)];
      const route = parseRoute();
      if (route.name === "trial") app.go("#trials");
      else render(true);
    });
  }

  async function boot() {
    try {
      if (embedded) {
        const data = JSON.parse(embedded.textContent);
        app.runs = data.runs.map((s) => new R.Run(s));
        app.details = data.details || {};
      } else {
        const listing = await getJSON("api/runs");
        app.runs = [];
        for (const entry of listing.runs) app.runs.push(new R.Run(await getJSON(`api/runs/${entry.meta.id}/snapshot`)));
        app.lastUpdate = new Date();
      }
    } catch (err) {
      R.clear(main).append(el("p", { className: "error", text: `Could not load the runs: ${err.message}` }));
      return;
    }
    setupRuns();
    window.addEventListener("hashchange", () => render(false));
    let resizing = null;
    window.addEventListener("resize", () => { clearTimeout(resizing); resizing = setTimeout(() => render(true), 200); });
    render(true);
    if (!embedded) setTimeout(poll, POLL_MS);
  }

  boot();
})();
