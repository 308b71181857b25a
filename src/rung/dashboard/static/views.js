// rung dashboard views: progress (best so far), learning curves, the rung ladder, workers.
// A view is mounted once ({mount(main, app) -> {update()}}) and updated as data comes.
"use strict";

(function () {
  const el = R.el;
  R.views = {};

  function section(title, note) {
    return el("section", { className: "card" }, el("h2", { text: title }), note ? el("p", { className: "note", text: note }) : null);
  }

  function trialLink(app, run, tid, label) {
    return el("a", { href: app.trialHref(run.id, tid), text: label || `trial ${tid}`, className: "trial-link" });
  }

  R.trialLink = trialLink;
  R.section = section;

  // Values beyond this quantile range are off the chart (diverged runs would flatten it).
  R.robustExtent = function (values, minimize, log) {
    const v = values.filter((x) => x !== null && isFinite(x) && (!log || x > 0)).sort((a, b) => a - b);
    if (!v.length) return R.extent([], { log });
    const q = (p) => v[Math.min(v.length - 1, Math.max(0, Math.round(p * (v.length - 1))))];
    const cut = v.length > 50 ? 0.02 : 0;
    const lo = minimize ? v[0] : q(cut);
    const hi = minimize ? q(1 - cut) : v[v.length - 1];
    return R.extent([lo, hi], { log });
  };

  // -- progress ---------------------------------------------------------------------

  function runCard(app, run) {
    const s = run.summary;
    const m = run.meta;
    const state = run.error ? "error" : s.finished ? "finished" : run.interrupted ? "interrupted" : "running";
    const inc = s.incumbent;
    const any = s.best_at_any_resource;
    const stats = [
      ["best " + m.metric, inc ? R.fmt(inc.value, 5) : "—", inc ? trialLink(app, run, inc.trial_id) : s.no_best || "none at the full resource yet"],
      ["best at any resource", any ? R.fmt(any.value, 5) : "—", any ? trialLink(app, run, any.trial_id, `trial ${any.trial_id}` + (any.resource === null ? "" : ` at ${any.resource}`)) : null],
      ["trials", String(run.trials.size), `${run.nEvaluated || 0} evaluated`],
      ["jobs", String(run.jobs.length), `${s.n_failed_jobs || 0} failed, ` + (run.interrupted ? `${(s.cut || []).length} cut short` : `${(s.open || []).length} running`)],
      run.hasResource ? [`${m.resource_name} spent`, R.fmt(s.total_resource), null] : null,
      ["wall time", R.fmtSec(s.wall_time), null],
      ["utilization", R.pct(s.utilization), `${s.workers} worker${s.workers === 1 ? "" : "s"}`],
    ].filter(Boolean);
    const card = el("div", { className: "run-card", dataset: { run: String(run.id) } },
      el("div", { className: "run-head" },
        el("span", { className: "swatch", style: { background: R.runColor(run.id) } }),
        el("strong", { text: m.title }),
        el("span", { className: `pill ${state}`, text: state, dataset: { state } }),
        el("span", { className: "muted", text: ` ${m.searcher} + ${m.scheduler}, ${m.direction}imize ${m.metric}` + (run.hasResource && m.levels.length ? `, levels ${m.levels.slice(0, -1).map((l) => `${l}, `).join("")}${R.ofResource(m.levels[m.levels.length - 1], m.resource_name)}` : "") })),
      el("div", { className: "stats" }, stats.map(([k, v, sub]) =>
        el("div", { className: "stat" }, el("div", { className: "k", text: k }),
          el("div", { className: "v", text: v, dataset: { stat: k } }),
          sub ? el("div", { className: "sub" }, sub) : null))));
    if (run.interrupted) {
      card.append(el("p", { className: "note", dataset: { interrupted: "1" }, text: `interrupted: no process writes this run any more (it was stopped or killed before it finished); rung resume ${m.directory} (Tuner.resume for a run started from Python) continues it` }));
    }
    if (s.stop_reason) card.append(el("p", { className: "note", text: `stopped early: ${s.stop_reason}` }));
    if (s.final) card.append(finalNote(s, m));
    card.append(el("p", { className: "path muted", text: m.directory }));
    return card;
  }

  // The final model's figures (with several objectives, each front member's); one kept
  // from before the run was extended (`current` false, as in results.json) says whose it
  // is instead of passing for the best trial's (or the front's).
  function finalNote(s, m) {
    const f = s.final;
    const stale = f.current === false;
    const figures = (record, skip) => Object.entries(record)
      .filter(([k, v]) => !skip.includes(k) && typeof v !== "object")
      .map(([k, v]) => `${k} ${R.fmtValue(v)}`).join(" · ");
    let text;
    if (Array.isArray(f.front)) {
      const on = new Set((s.front || []).map(([, trial]) => trial));
      const members = f.front.map((model) => `trial ${R.fmtValue(model.trial_id)}` +
        (stale && !on.has(model.trial_id) ? " (no longer on the front)" : "") +
        `: ${figures(model, ["trial_id"])}`);
      text = (stale ? `final models made for an earlier Pareto front (rung resume ${m.directory} makes the current front's)` : "final models of the Pareto front") +
        `: ${figures(f, ["current"])}; ${members.join("; ")}`;
    } else if (stale) {
      text = `final model${f.trial_id == null ? "" : ` of trial ${R.fmtValue(f.trial_id)}`}, no longer the best trial ` +
        `(made before the run was extended; rung resume ${m.directory} makes the best trial's): ${figures(f, ["current"])}`;
    } else {
      text = `final model: ${figures(f, ["current"])}`;
    }
    return el("p", { className: "note", dataset: { final: stale ? "stale" : "current" }, text });
  }

  // x of each job for the three progress charts.
  const PROGRESS_X = {
    time: { label: "wall time (s)", x: (run, i, row) => row[run.col.end] },
    trials: { label: "trials evaluated", x: (run, i) => run.trialsSeen[i] },
    resource: { label: "resource spent", x: (run, i, row) => row[run.col.spent] },
  };

  function progressChart(app, parent, key) {
    const spec = PROGRESS_X[key];
    const plot = new R.Plot(parent, {
      name: `best-${key}`, xlabel: spec.label, ylabel: "best so far",
      onClick: (t) => app.go(app.trialHref(t[0], t[1])),
    });
    return {
      update(runs) {
        if (key === "resource") plot.opts.xlabel = `${runs[0].meta.resource_name} spent`;
        const xs = [];
        const ys = [];
        const dots = [];
        for (const run of runs) {
          const c = run.col;
          run.jobs.forEach((row, i) => {
            xs.push(spec.x(run, i, row));
            if (row[c.best] !== null) ys.push(row[c.best]);
            if (row[c.best_any] !== null) ys.push(row[c.best_any]);
            if (row[c.value] !== null) dots.push(row[c.value]);
          });
        }
        const minimize = runs.every((r) => r.minimize);
        const yd = R.robustExtent(ys.concat(dots), minimize);
        plot.set({
          x: R.extent(xs, { pad: 0.01 }),
          y: yd,
          count: 0,
          draw(ctx, p) {
            const index = new R.PointIndex(p);
            p.index = index;
            let count = 0;
            for (const run of runs) {
              const c = run.col;
              const color = R.runColor(run.id);
              ctx.fillStyle = color;
              ctx.globalAlpha = runs.length > 1 ? 0.2 : run.jobs.length > 3000 ? 0.25 : 0.45;
              run.jobs.forEach((row, i) => {
                if (row[c.value] === null) return;
                const x = spec.x(run, i, row);
                ctx.fillRect(p.sx(x) - 1.5, p.sy(row[c.value]) - 1.5, 3, 3);
                index.add(x, row[c.value], { run, row, kind: "job" });
              });
              ctx.globalAlpha = 1;
              for (const [col, dash, width] of [["best_any", [4, 3], 1.2], ["best", [], 2.2]]) {
                ctx.strokeStyle = color;
                ctx.lineWidth = width;
                ctx.setLineDash(dash);
                ctx.beginPath();
                let started = false;
                let lastY = null;
                run.jobs.forEach((row, i) => {
                  const v = row[c[col]];
                  if (v === null) return;
                  const x = p.sx(spec.x(run, i, row));
                  const y = p.sy(v);
                  if (!started) { ctx.moveTo(x, y); started = true; } else { ctx.lineTo(x, lastY); ctx.lineTo(x, y); }
                  if (lastY !== y) {
                    index.add(spec.x(run, i, row), v, { run, row, kind: col });
                    count += 1;
                  }
                  lastY = y;
                });
                if (started) {
                  const last = run.jobs.length - 1;
                  ctx.lineTo(p.sx(spec.x(run, last, run.jobs[last])), lastY);
                }
                ctx.stroke();
              }
              ctx.setLineDash([]);
            }
            p.canvas.dataset.points = String(count);
          },
          pick(px, py, p) {
            const hit = p.index && p.index.nearest(px, py, 9);
            if (!hit) return null;
            const { run, row, kind } = hit[2];
            const c = run.col;
            const what = kind === "job" ? `${run.meta.metric} ${R.fmt(row[c.value], 5)} at ${R.ofResource(row[c.resource_to], run.meta.resource_name)}`
              : `${kind === "best" ? "best at the full resource" : "best at any resource"}: ${R.fmt(row[c[kind]], 5)}`;
            return {
              lines: [`${run.meta.title} · job ${row[c.index]} · trial ${row[c.trial_id]}`, what,
                `t = ${R.fmtSec(row[c.end])} · ${R.ofResource(row[c.spent], run.meta.resource_name, R.fmt(row[c.spent]))} spent`],
              target: [run.id, row[c.trial_id]],
            };
          },
        });
      },
    };
  }

  R.views.progress = {
    title: "Progress",
    mount(main, app) {
      const cards = el("div", { className: "cards" });
      main.append(cards);
      const box = section("Best value so far",
        "Solid: the best value measured at the full resource (the incumbent); dashed: the best at any resource; dots: every job's value. Drag to zoom, double-click to reset, click a point for its trial.");
      const legend = el("div", { className: "legend" });
      box.append(legend);
      const charts = ["time", "trials", "resource"].map((key) => {
        const holder = el("div", { className: "chart" }, el("h3", { text: `against ${PROGRESS_X[key].label.replace(" (s)", "")}` }));
        box.append(holder);
        // Runs without a resource spend none: that chart would only repeat "trials".
        if (key === "resource") holder.hidden = !app.runs.some((r) => r.hasResource);
        return progressChart(app, holder, key);
      });
      main.append(box);
      return {
        update() {
          R.clear(cards);
          for (const run of app.runs) cards.append(runCard(app, run));
          R.clear(legend);
          if (app.runs.length > 1) {
            for (const run of app.runs) legend.append(el("span", { className: "key" }, el("span", { className: "swatch", style: { background: R.runColor(run.id) } }), run.meta.title));
          }
          charts.forEach((c) => c.update(app.runs));
        },
      };
    },
  };

  // -- learning curves ----------------------------------------------------------------

  function fateLegend(counts, hidden, onToggle) {
    return el("div", { className: "legend" }, R.FATES.concat(["interrupted"]).filter((f) => counts[f]).map((f) =>
      el("label", { className: "key toggle" },
        el("input", { type: "checkbox", checked: !hidden.has(f), dataset: { fate: f }, onchange: (e) => onToggle(f, e.target.checked) }),
        el("span", { className: "swatch", style: { background: R.FATE_COLOR[f] } }),
        `${f} ${counts[f]}`)));
  }

  R.views.curves = {
    title: "Learning curves",
    mount(main, app) {
      const run = app.run;
      const box = section("Learning curves",
        "Every report of every trial. A curve's colour is its trial's state now; a dot at the end of each job says what the scheduler did: promoted, paused, stopped, finished, failed. Dashed lines: the rung levels. Hover a curve, click it for the trial.");
      const controls = el("div", { className: "controls" });
      const logBox = el("input", { type: "checkbox", id: "curves-log" });
      const logx = el("input", { type: "checkbox", id: "curves-logx" });
      controls.append(el("label", {}, logBox, " log value"), el("label", {}, logx, ` log ${run.meta.resource_name}`));
      const legendHolder = el("div");
      box.append(controls, legendHolder);
      const holder = el("div", { className: "chart" });
      box.append(holder);
      main.append(box);
      const hidden = new Set();
      const levels = run.levels;
      logx.checked = run.meta.multi_fidelity && levels.length > 2 && levels[0] > 0 && levels[levels.length - 1] / levels[0] >= 9;
      let plot = null;
      const view = {
        update() {
          const counts = {};
          for (const t of run.trials.values()) {
            const f = run.trialFate(t);
            counts[f] = (counts[f] || 0) + 1;
          }
          const curveKeys = fateLegend(counts, hidden, (f, on) => { if (on) hidden.delete(f); else hidden.add(f); view.update(); });
          curveKeys.prepend(el("span", { className: "muted", text: "curves (trials now):" }));
          R.clear(legendHolder).append(curveKeys,
            el("div", { className: "legend" }, el("span", { className: "muted", text: "dots (after each job):" }),
              ["promoted", "paused", "stopped", "finished", "failed", "running"].map((f) => el("span", { className: "key" },
                el("span", { className: "dot", style: { background: R.FATE_COLOR[f] } }), f))));
          const values = [];
          const rs = [];
          for (const t of run.trials.values()) for (const r of t.reports) { rs.push(r[0]); values.push(r[1]); }
          const canLog = values.some((v) => v !== null) && values.every((v) => v === null || v > 0);
          logBox.disabled = !canLog;
          if (!canLog) logBox.checked = false;
          const xlog = logx.checked && rs.every((r) => r > 0);
          if (!plot || plot.opts.ylog !== logBox.checked || plot.opts.xlog !== xlog) {
            R.clear(holder);
            plot = new R.Plot(holder, {
              name: "curves", height: 420, xlabel: run.meta.resource_name, ylabel: run.meta.metric,
              ylog: logBox.checked, xlog, onClick: (tid) => app.go(app.trialHref(run.id, tid)),
              xticks: xlog ? () => levels : undefined,
            });
          }
          const curves = new Map();
          for (const t of run.trials.values()) curves.set(t, run.curve(t));
          const shown = [...run.trials.values()].filter((t) => !hidden.has(run.trialFate(t)) && curves.get(t).length);
          const alpha = shown.length > 3000 ? 0.08 : shown.length > 500 ? 0.3 : 0.7;
          const xd = R.extent(rs.concat(levels), { log: xlog, pad: 0.02 });
          plot.set({
            x: xd,
            y: R.robustExtent(values, run.minimize, logBox.checked),
            count: 0,
            draw(ctx, p) {
              const index = new R.PointIndex(p);
              p.index = index;
              ctx.setLineDash([4, 4]);
              ctx.strokeStyle = "#9ca3af";
              ctx.lineWidth = 1;
              for (const level of levels) {
                const x = Math.round(p.sx(level)) + 0.5;
                ctx.beginPath(); ctx.moveTo(x, p.box.t); ctx.lineTo(x, p.box.t + p.box.h); ctx.stroke();
              }
              ctx.setLineDash([]);
              // A path per 16 trials of a state (a stroke per trial takes seconds for
              // 10,000 trials; one path per state would hide where curves crowd, as a
              // path's own overlaps are painted once); finished trials last, on top.
              const order = ["failed", "stopped", "paused", "interrupted", "running", "finished"];
              const groups = new Map(order.map((f) => [f, []]));
              for (const t of shown) groups.get(run.trialFate(t)).push(t);
              ctx.lineWidth = 1.2;
              ctx.globalAlpha = alpha;
              let n = 0;
              for (const [fate, trials] of groups) {
                if (!trials.length) continue;
                ctx.strokeStyle = R.FATE_COLOR[fate];
                ctx.beginPath();
                for (const [k, t] of trials.entries()) {
                  if (k % 16 === 15) { ctx.stroke(); ctx.beginPath(); }
                  let first = true;
                  for (const [r, v] of curves.get(t)) {
                    if (v === null || (logBox.checked && v <= 0) || (xlog && r <= 0)) continue;
                    const x = p.sx(r);
                    const y = p.sy(v);
                    if (first) { ctx.moveTo(x, y); first = false; } else ctx.lineTo(x, y);
                    index.add(r, v, t);
                  }
                  n += 1;
                }
                ctx.stroke();
              }
              ctx.globalAlpha = Math.min(1, alpha + 0.3);
              const c = run.col;
              const dots = new Map();
              for (const t of shown) {
                t.jobs.forEach((row, k) => {
                  const reps = row[c.reports];
                  const r = reps.length ? reps[reps.length - 2] : null;
                  const v = reps.length ? reps[reps.length - 1] : null;
                  if (r === null || v === null || (logBox.checked && v <= 0) || (xlog && r <= 0)) return;
                  const fate = run.jobFate(t, k);
                  if (!dots.has(fate)) dots.set(fate, []);
                  dots.get(fate).push(p.sx(r), p.sy(v));
                });
              }
              for (const [fate, xy] of dots) {
                ctx.fillStyle = R.FATE_COLOR[fate];
                ctx.beginPath();
                for (let i = 0; i < xy.length; i += 2) {
                  ctx.moveTo(xy[i] + 2.6, xy[i + 1]);
                  ctx.arc(xy[i], xy[i + 1], 2.6, 0, 2 * Math.PI);
                }
                ctx.fill();
              }
              ctx.fillStyle = R.FATE_COLOR.running;
              for (const o of run.summary.open || []) {
                if (o[4] === null || o[5] === null || (logBox.checked && o[5] <= 0) || (xlog && o[4] <= 0)) continue;
                ctx.beginPath();
                ctx.arc(p.sx(o[4]), p.sy(o[5]), 3.5, 0, 2 * Math.PI);
                ctx.fill();
              }
              ctx.globalAlpha = 1;
              p.canvas.dataset.points = String(n);
            },
            highlight(ctx, p, hit) {
              const t = hit.trial;
              ctx.strokeStyle = "#111827";
              ctx.lineWidth = 2.5;
              ctx.beginPath();
              let first = true;
              for (const [r, v] of curves.get(t)) {
                if (v === null || (logBox.checked && v <= 0) || (xlog && r <= 0)) continue;
                if (first) { ctx.moveTo(p.sx(r), p.sy(v)); first = false; } else ctx.lineTo(p.sx(r), p.sy(v));
              }
              ctx.stroke();
            },
            pick(px, py, p) {
              const hit = p.index && p.index.nearest(px, py, 10);
              if (!hit) return null;
              const t = hit[2];
              const fates = t.jobs.map((row, k) => `${row[run.col.resource_to]}: ${run.jobFate(t, k)}`).join(", ");
              return {
                trial: t,
                target: t.id,
                lines: [`trial ${t.id} (${run.statusText(t)})`, `${run.meta.resource_name} ${t.reached} · last ${run.meta.metric} ${R.fmt(t.last, 5)}`, `jobs: ${fates}`],
              };
            },
          });
        },
      };
      logBox.addEventListener("change", () => view.update());
      logx.addEventListener("change", () => view.update());
      return view;
    },
  };

  // -- the rung ladder ----------------------------------------------------------------

  // For each level: the trials that reached it and what became of them there.
  R.ladder = function (run) {
    const levels = run.levels.slice();
    const rows = levels.map((level) => ({ level, reached: 0, promoted: 0, paused: 0, stopped: 0, finished: 0, failed: 0, running: 0, jobs: 0, busy: 0, failedJobs: 0, cut: 0 }));
    const at = new Map(levels.map((l, i) => [l, i]));
    const c = run.col;
    for (const row of run.jobs) {
      const i = at.get(row[c.resource_to]);
      if (i === undefined) continue;
      // A job interrupted on its way (the time budget ran out) did not end at its
      // level: counted apart, or a level would count more jobs than trials reached it.
      rows[i].busy += Math.max(0, row[c.end] - row[c.start]);
      if (row[c.status] === "INTERRUPTED") { rows[i].cut += 1; continue; }
      rows[i].jobs += 1;
      if (row[c.status] === "FAILED") rows[i].failedJobs += 1;
    }
    const open = new Map((run.summary.open || []).map((o) => [o[0], o]));
    for (const t of run.trials.values()) {
      const o = open.get(t.id);
      levels.forEach((level, i) => {
        // At a level: a job of the trial ended there or went on from there. A trial a
        // Hyperband bracket started higher only passed it: it was not promoted from it.
        const promoted = (o && o[1] === level) || t.jobs.some((row) => row[c.resource_from] === level);
        const ended = t.jobs.some((row) => row[c.resource_to] === level);
        if (t.reached >= level && (promoted || ended)) {
          const r = rows[i];
          r.reached += 1;
          if (promoted) r.promoted += 1;
          else if (t.status === "COMPLETED" || i === levels.length - 1) r.finished += 1;
          else if (t.status === "STOPPED") r.stopped += 1;
          else if (t.status === "FAILED") r.failed += 1;
          else r.paused += 1;
        }
      });
      if (o) {
        const i = at.get(o[2]);
        if (i !== undefined) rows[i].running += 1;
      } else if (t.status === "FAILED") {
        const last = t.jobs[t.jobs.length - 1];
        const i = last ? at.get(last[c.resource_to]) : undefined;
        if (i !== undefined && t.reached < levels[i]) rows[i].failed += 1;
      }
    }
    return rows;
  };

  R.views.ladder = {
    title: "Rung ladder",
    mount(main, app) {
      const run = app.run;
      const box = section("Rung ladder",
        "One row per rung level, the full resource on top. Each bar splits the trials that reached the level by what became of them there (a trial a bracket started at a higher level only passed it); the arrows count promotions to the next level. Running: jobs heading to the level now.");
      const ladder = el("div", { className: "ladder" });
      const legend = el("div", { className: "legend" }, ["promoted", "paused", "stopped", "finished", "failed", "running"].map((f) =>
        el("span", { className: "key" }, el("span", { className: "swatch", style: { background: R.FATE_COLOR[f] } }), f)));
      box.append(legend, ladder);
      const running = section("Running now");
      const runningBody = el("div");
      running.append(runningBody);
      main.append(box, running);
      return {
        update() {
          R.clear(ladder);
          const rows = run.hasResource ? R.ladder(run) : [];
          if (!run.hasResource) ladder.append(el("p", { className: "note", dataset: { noResource: "1" }, text: "A run without a resource (an f(config) objective): each trial is evaluated once, so there are no levels to climb." }));
          else if (!rows.length) ladder.append(el("p", { className: "note", text: "A single-fidelity run: every trial is trained once, to its full budget." }));
          const widest = Math.max(1, ...rows.map((r) => r.reached + r.running + (r.failed - 0)));
          for (let i = rows.length - 1; i >= 0; i--) {
            const r = rows[i];
            const bar = el("div", { className: "bar" });
            for (const f of ["promoted", "paused", "stopped", "finished", "failed", "running"]) {
              if (!r[f]) continue;
              bar.append(el("span", { className: "seg", title: `${r[f]} ${f}`, dataset: { fate: f },
                style: { width: `${(100 * r[f]) / widest}%`, background: R.FATE_COLOR[f] } }));
            }
            const parts = ["promoted", "paused", "stopped", "finished", "failed", "running"].filter((f) => r[f]).map((f) => `${r[f]} ${f}`);
            ladder.append(el("div", { className: "rung", dataset: { level: String(r.level) } },
              el("div", { className: "lvl" }, el("strong", { text: `${r.level}` }), R.ofResource(r.level, run.meta.resource_name, "")),
              el("div", { className: "body" }, bar,
                el("div", { className: "counts", text: `${R.counted(r.reached, "trial")} reached it · ${R.counted(r.jobs, "job")} ended here${r.failedJobs ? ` (${r.failedJobs} failed)` : ""}${r.cut ? ` · ${r.cut} interrupted on the way here` : ""} · ${parts.join(", ") || "none yet"}` }))));
            if (i > 0) {
              const below = rows[i - 1];
              const rate = below.reached ? ` (${R.pct(below.promoted / below.reached)} of ${below.reached})` : "";
              ladder.append(el("div", { className: "arrow", dataset: { promotions: String(below.promoted) }, text: `↑ ${below.promoted} promoted${rate}` }));
            }
          }
          R.clear(runningBody);
          const open = run.summary.open || [];
          if (!open.length) {
            runningBody.append(el("p", { className: "note", text: run.summary.finished ? "The run has finished." : "No job is running." }));
            return;
          }
          const now = run.summary.wall_time || 0;
          runningBody.append(el("table", { className: "grid", id: "running-table" },
            el("thead", {}, el("tr", {}, ["trial", `${run.meta.resource_name}`, "running for", "last report"].map((h) => el("th", { text: h })))),
            el("tbody", {}, open.map((o) => el("tr", {},
              el("td", {}, trialLink(app, run, o[0])),
              el("td", { text: `${o[1]} → ${o[2]}` }),
              el("td", { text: R.fmtSec(Math.max(0, now - o[3])) }),
              el("td", { text: o[4] === null ? "—" : `${run.meta.metric} ${R.fmt(o[5], 5)} at ${o[4]}` }))))));
        },
      };
    },
  };

  // -- workers ------------------------------------------------------------------------

  R.views.workers = {
    title: "Workers",
    mount(main, app) {
      const run = app.run;
      const box = section("Worker timeline",
        "Each lane is a worker; each bar a job, coloured by the level it trains to (failed jobs red). Gaps are idle time. Jobs running now are in the lanes below (the record does not say their worker). Drag to zoom, double-click to reset.");
      const stats = el("div", { className: "stats" });
      const legend = el("div", { className: "legend" });
      const holder = el("div", { className: "chart" });
      box.append(stats, legend, holder);
      main.append(box);
      let plot = null;
      return {
        update() {
          const c = run.col;
          const levels = run.levels;
          const levelIndex = new Map(levels.map((l, i) => [l, i]));
          const ids = new Set();
          for (let w = 0; w < (run.summary.workers || 1); w++) ids.add(w);
          const busy = new Map();
          for (const row of run.jobs) {
            ids.add(row[c.worker]);
            busy.set(row[c.worker], (busy.get(row[c.worker]) || 0) + Math.max(0, row[c.end] - row[c.start]));
          }
          const workers = [...ids].sort((a, b) => a - b);
          const open = run.summary.open || [];
          const lanes = workers.length + open.length;
          const wall = run.summary.wall_time || 0;
          R.clear(stats);
          const total = [...busy.values()].reduce((a, b) => a + b, 0);
          for (const [k, v] of [["utilization", R.pct(run.summary.utilization)], ["workers", String(run.summary.workers)], ["busy", R.fmtSec(total)], ["idle", R.fmtSec(Math.max(0, (run.summary.workers || 1) * wall - total))], ["running now", String(open.length)]]) {
            stats.append(el("div", { className: "stat" }, el("div", { className: "k", text: k }), el("div", { className: "v", text: v, dataset: { stat: k } })));
          }
          R.clear(legend);
          levels.forEach((l, i) => legend.append(el("span", { className: "key" }, el("span", { className: "swatch", style: { background: R.levelColor(i, levels.length) } }), `to ${l}`)));
          legend.append(el("span", { className: "key" }, el("span", { className: "swatch", style: { background: R.FATE_COLOR.failed } }), "failed"));
          const laneOf = new Map(workers.map((w, i) => [w, i]));
          const label = (i) => (i < workers.length ? `worker ${workers[i]} · ${R.pct(wall > 0 ? (busy.get(workers[i]) || 0) / wall : NaN)}` : `running ${i - workers.length + 1}`);
          const height = Math.min(900, 70 + lanes * 22);
          if (!plot || plot.opts.height !== height) {
            R.clear(holder);
            plot = new R.Plot(holder, {
              name: "timeline", height, xlabel: "wall time (s)", left: 130,
              yticks: () => Array.from({ length: lanes }, (_, i) => i + 0.5),
              yfmt: (v) => label(Math.floor(v)),
              onClick: (tid) => app.go(app.trialHref(run.id, tid)),
            });
          }
          const color = (row) => (row[c.status] === "FAILED" ? R.FATE_COLOR.failed : R.levelColor(levelIndex.has(row[c.resource_to]) ? levelIndex.get(row[c.resource_to]) : levels.length - 1, Math.max(1, levels.length)));
          plot.set({
            x: [0, Math.max(wall, 1e-9)],
            y: [lanes, 0],
            count: run.jobs.length,
            draw(ctx, p) {
              const laneH = p.box.h / Math.max(1, lanes);
              const top = (lane) => p.box.t + lane * laneH + laneH * 0.15;
              for (const row of run.jobs) {
                const lane = laneOf.get(row[c.worker]);
                const x0 = p.sx(row[c.start]);
                const x1 = p.sx(row[c.end]);
                if (x1 < p.box.l || x0 > p.box.l + p.box.w) continue;
                ctx.fillStyle = color(row);
                ctx.fillRect(x0, top(lane), Math.max(0.8, x1 - x0), laneH * 0.7);
              }
              open.forEach((o, k) => {
                const lane = workers.length + k;
                const x0 = p.sx(o[3]);
                const x1 = p.sx(wall);
                ctx.fillStyle = R.FATE_COLOR.running;
                ctx.globalAlpha = 0.6;
                ctx.fillRect(x0, top(lane), Math.max(1, x1 - x0), laneH * 0.7);
                ctx.globalAlpha = 1;
              });
              p.laneH = laneH;
            },
            pick(px, py, p) {
              const lane = Math.floor((py - p.box.t) / p.laneH);
              const t = p.ix(px);
              const tol = (p.ix(px + 3) - p.ix(px - 3)) / 2;
              if (lane >= workers.length && lane < lanes) {
                const o = open[lane - workers.length];
                if (o && t >= o[3] - tol) return { target: o[0], lines: [`trial ${o[0]} · ${o[1]} → ${R.ofResource(o[2], run.meta.resource_name)}`, `running for ${R.fmtSec(wall - o[3])}`] };
                return null;
              }
              const w = workers[lane];
              if (w === undefined) return null;
              let best = null;
              for (const row of run.jobs) {
                if (row[c.worker] !== w || row[c.start] > t + tol || row[c.end] < t - tol) continue;
                best = row;
                break;
              }
              if (!best) return { lines: [`worker ${w}: idle at ${R.fmtSec(t)}`] };
              return {
                target: best[c.trial_id],
                lines: [`job ${best[c.index]} · trial ${best[c.trial_id]} · worker ${w}`,
                  `${best[c.resource_from]} → ${R.ofResource(best[c.resource_to], run.meta.resource_name)} · ${R.fmtSec(best[c.end] - best[c.start])}`,
                  `${best[c.status].toLowerCase()}${best[c.decision] ? `, then ${best[c.decision].toLowerCase()}` : ""} · ${run.meta.metric} ${R.fmt(best[c.value], 5)}`],
              };
            },
          });
        },
      };
    },
  };
})();
