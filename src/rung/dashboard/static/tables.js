// rung dashboard: the trials table (sort, filter, pages) and a trial's page.
"use strict";

(function () {
  const el = R.el;
  const PAGE = 100;

  R.views.trials = {
    title: "Trials",
    mount(main, app) {
      const run = app.run;
      const box = R.section("Trials", "Click a column to sort, type to filter (any text in the row: a status, a parameter value, an error), click a row for the trial's page.");
      const filter = el("input", { type: "search", id: "trials-filter", placeholder: "filter…", value: app.params.q || "" });
      const fates = el("span", { className: "legend" });
      const pager = el("span", { className: "pager" });
      box.append(el("div", { className: "controls" }, filter, fates, pager));
      const table = el("table", { className: "grid trials", id: "trials-table" });
      box.append(table);
      main.append(box);
      const hidden = new Set();
      let sortKey = "value";
      let ascending = run.minimize;
      let page = 0;
      const columns = () => [
        { key: "id", label: "trial", get: (t) => t.id },
        { key: "status", label: "status", get: (t) => run.statusText(t) },
        { key: "reached", label: run.meta.resource_name, get: (t) => t.reached },
        { key: "value", label: `${run.meta.metric} (latest)`, get: (t) => t.last },
        { key: "best", label: "best", get: (t) => t.best },
        { key: "jobs", label: "jobs", get: (t) => t.jobs.length },
        ...run.meta.params.map((p) => ({ key: `p:${p.name}`, label: p.name, get: (t) => t.config[p.name] })),
        { key: "error", label: "error", get: (t) => t.error },
      ];
      const compare = (a, b) => {
        const na = a === null || a === undefined;
        const nb = b === null || b === undefined;
        if (na || nb) return na && nb ? 0 : na ? 1 : -1; // missing values last, either way
        if (typeof a === "number" && typeof b === "number") return a - b;
        return String(a).localeCompare(String(b));
      };
      const view = {
        update() {
          const cols = columns();
          const counts = {};
          for (const t of run.trials.values()) counts[run.trialFate(t)] = (counts[run.trialFate(t)] || 0) + 1;
          R.clear(fates);
          for (const f of R.FATES.concat(["interrupted"])) {
            if (!counts[f]) continue;
            fates.append(el("label", { className: "key toggle" },
              el("input", { type: "checkbox", checked: !hidden.has(f), dataset: { fate: f }, onchange: (e) => { if (e.target.checked) hidden.delete(f); else hidden.add(f); page = 0; view.update(); } }),
              el("span", { className: "swatch", style: { background: R.FATE_COLOR[f] } }), `${f} ${counts[f]}`));
          }
          const needle = filter.value.trim().toLowerCase();
          let rows = [...run.trials.values()].filter((t) => !hidden.has(run.trialFate(t)));
          if (needle) {
            rows = rows.filter((t) => cols.some((c) => {
              const v = c.get(t);
              return v !== null && v !== undefined && R.fmtValue(v).toLowerCase().includes(needle);
            }));
          }
          const col = cols.find((c) => c.key === sortKey) || cols[0];
          rows.sort((a, b) => {
            const r = compare(col.get(a), col.get(b));
            const missing = col.get(a) === null || col.get(a) === undefined || col.get(b) === null || col.get(b) === undefined;
            return (missing || ascending ? r : -r) || a.id - b.id;
          });
          const pages = Math.max(1, Math.ceil(rows.length / PAGE));
          page = Math.min(page, pages - 1);
          R.clear(pager).append(
            el("button", { text: "‹", disabled: page === 0, onclick: () => { page -= 1; view.update(); } }),
            ` ${rows.length ? page * PAGE + 1 : 0}–${Math.min(rows.length, (page + 1) * PAGE)} of ${rows.length} `,
            el("button", { text: "›", disabled: page >= pages - 1, onclick: () => { page += 1; view.update(); } }));
          R.clear(table);
          table.append(el("thead", {}, el("tr", {}, cols.map((c) => el("th", {
            text: c.label + (c.key === sortKey ? (ascending ? " ▲" : " ▼") : ""),
            className: "sortable", dataset: { key: c.key },
            onclick: () => { if (sortKey === c.key) ascending = !ascending; else { sortKey = c.key; ascending = c.key === "value" || c.key === "best" ? run.minimize : true; } view.update(); },
          })))));
          const body = el("tbody");
          for (const t of rows.slice(page * PAGE, (page + 1) * PAGE)) {
            const fate = run.trialFate(t);
            body.append(el("tr", { dataset: { trial: String(t.id) }, className: "row", onclick: () => app.go(app.trialHref(run.id, t.id)) },
              cols.map((c) => {
                const v = c.get(t);
                if (c.key === "status") return el("td", {}, el("span", { className: "dot", style: { background: R.FATE_COLOR[fate] } }), v);
                return el("td", { text: v === null || v === undefined ? "—" : R.fmtValue(v), className: c.key === "error" ? "err" : "" });
              })));
          }
          table.append(body);
        },
      };
      filter.addEventListener("input", () => { page = 0; view.update(); });
      return view;
    },
  };

  // -- a trial's page -----------------------------------------------------------------

  function kv(entries) {
    return el("table", { className: "kv" }, el("tbody", {}, entries.map(([k, v]) => el("tr", {}, el("th", { text: k }), el("td", {}, v)))));
  }

  R.views.trial = {
    title: "Trial",
    mount(main, app) {
      const run = app.run;
      const tid = Number(app.params.trial);
      const head = el("div", { className: "card" });
      const curve = R.section("Its learning curve", "Black: this trial; grey: every other trial.");
      const holder = el("div", { className: "chart" });
      curve.append(holder);
      const jobsBox = R.section("Jobs");
      const errBox = R.section("Error");
      const logBox = R.section("Log");
      main.append(head, curve, jobsBox, errBox, logBox);
      const plot = new R.Plot(holder, { name: "trial-curve", height: 260, xlabel: run.meta.resource_name, ylabel: run.meta.metric, zoom: false });
      let detail = null;
      let asked = -1;
      const view = {
        update() {
          const t = run.trials.get(tid);
          R.clear(head);
          // A trial not (yet) in the run: the one note, not its empty sections.
          for (const box of [curve, jobsBox, errBox, logBox]) box.hidden = !t;
          if (!t) {
            head.dataset.missing = "trial";
            head.append(el("h2", { text: `Trial ${app.params.trial}` }), el("p", { className: "note", text: `No such trial in run ${run.id} (${run.meta.title}), not yet at least.` }));
            return;
          }
          delete head.dataset.missing;
          const c = run.col;
          const fate = run.trialFate(t);
          head.dataset.trial = String(tid);
          head.append(
            el("p", {}, el("a", { href: "#trials", text: "← all trials" })),
            el("h2", {}, `Trial ${t.id} `, el("span", { className: "pill", style: { background: R.FATE_COLOR[fate] }, text: run.statusText(t), dataset: { status: t.status } })),
            kv([
              ["run", run.meta.title],
              [run.meta.resource_name + " reached", String(t.reached)],
              [`${run.meta.metric} (latest)`, R.fmt(t.last, 6)],
              ["best", R.fmt(t.best, 6)],
              ...Object.entries(t.config).map(([k, v]) => [k, el("code", { className: "cfg", dataset: { param: k }, text: R.fmtValue(v) })]),
            ]));
          const values = [];
          const rs = [];
          for (const o of run.trials.values()) for (const r of o.reports) { if (r[1] !== null) { values.push(r[1]); rs.push(r[0]); } }
          plot.set({
            x: R.extent(rs.concat(run.levels), { pad: 0.02 }),
            y: R.robustExtent(values, run.minimize),
            count: t.reports.length,
            draw(ctx, p) {
              ctx.strokeStyle = "#d1d5db";
              ctx.lineWidth = 1;
              ctx.globalAlpha = run.trials.size > 1000 ? 0.2 : 0.5;
              for (const o of run.trials.values()) {
                if (o === t || !o.reports.length) continue;
                ctx.beginPath();
                o.reports.forEach(([r, v], i) => { if (v === null) return; if (i === 0) ctx.moveTo(p.sx(r), p.sy(v)); else ctx.lineTo(p.sx(r), p.sy(v)); });
                ctx.stroke();
              }
              ctx.globalAlpha = 1;
              ctx.strokeStyle = "#111827";
              ctx.fillStyle = "#111827";
              ctx.lineWidth = 2.5;
              ctx.beginPath();
              t.reports.forEach(([r, v], i) => { if (v === null) return; if (i === 0) ctx.moveTo(p.sx(r), p.sy(v)); else ctx.lineTo(p.sx(r), p.sy(v)); });
              ctx.stroke();
              t.jobs.forEach((row, k) => {
                const reps = row[c.reports];
                if (!reps.length || reps[reps.length - 1] === null) return;
                ctx.fillStyle = R.FATE_COLOR[run.jobFate(t, k)];
                ctx.beginPath();
                ctx.arc(p.sx(reps[reps.length - 2]), p.sy(reps[reps.length - 1]), 4, 0, 2 * Math.PI);
                ctx.fill();
              });
            },
          });
          R.clear(jobsBox).append(el("h2", { text: "Jobs" }), el("table", { className: "grid", id: "trial-jobs" },
            el("thead", {}, el("tr", {}, ["job", run.meta.resource_name, "worker", "start", "took", "status", "then", run.meta.metric, "reports"].map((h) => el("th", { text: h })))),
            el("tbody", {}, t.jobs.map((row, k) => {
              const reps = [];
              for (let i = 0; i + 1 < row[c.reports].length; i += 2) reps.push(`${row[c.reports][i]}: ${R.fmt(row[c.reports][i + 1], 5)}`);
              return el("tr", {},
                el("td", { text: String(row[c.index]) }), el("td", { text: `${row[c.resource_from]} → ${row[c.resource_to]}` }),
                el("td", { text: String(row[c.worker]) }), el("td", { text: R.fmtSec(row[c.start]) }),
                el("td", { text: R.fmtSec(row[c.end] - row[c.start]) }), el("td", { text: row[c.status].toLowerCase() }),
                el("td", { text: run.jobFate(t, k) }), el("td", { text: R.fmt(row[c.value], 6) }),
                el("td", { className: "reports", text: reps.join(", ") }));
            }))));
          if (run.isOpen(t.id)) {
            const o = run.summary.open.find((x) => x[0] === t.id);
            jobsBox.append(el("p", { className: "note", text: `Running now: ${o[1]} → ${R.ofResource(o[2], run.meta.resource_name)}` + (o[4] !== null ? `, last report ${R.fmt(o[5], 5)} at ${o[4]}` : "") }));
          }
          if (asked !== run.version) {
            asked = run.version;
            app.trialDetail(run.id, tid).then((d) => { detail = d; view.detail(); }, (err) => { detail = { failed: String(err) }; view.detail(); });
          }
          view.detail();
        },
        detail() {
          R.clear(errBox).append(el("h2", { text: "Error" }));
          R.clear(logBox).append(el("h2", { text: "Log" }));
          if (!detail) { errBox.append(el("p", { className: "note", text: "loading…" })); return; }
          if (detail.failed) { errBox.append(el("p", { className: "note", text: `could not load: ${detail.failed}` })); return; }
          const errors = detail.errors || [];
          if (!errors.length && !detail.error) errBox.append(el("p", { className: "note", text: "No job of this trial failed." }));
          for (const e of errors) errBox.append(el("h3", { text: `job ${e.job}` }), el("pre", { className: "error", text: e.text }));
          if (!errors.length && detail.error) errBox.append(el("pre", { className: "error", text: detail.error }));
          const logs = detail.logs || [];
          if (!logs.length) logBox.append(el("p", { className: "note", text: "No log file for this trial (DIR/logs/trial-<id>-job-<from>-<to>.log)." }));
          for (const log of logs) {
            logBox.append(el("h3", { text: `${log.name} (${log.size} bytes${log.truncated ? ", only its end is shown" : ""})` }),
              el("pre", { className: "log", text: log.text }));
          }
        },
      };
      return view;
    },
  };
})();
