// rung dashboard: parallel coordinates of configurations and parameter importance.
"use strict";

(function () {
  const el = R.el;

  // Ranks (1-based, ties averaged).
  function ranks(values) {
    const order = values.map((v, i) => [v, i]).sort((a, b) => a[0] - b[0]);
    const out = new Array(values.length);
    for (let i = 0; i < order.length;) {
      let j = i;
      while (j + 1 < order.length && order[j + 1][0] === order[i][0]) j++;
      const r = (i + j) / 2 + 1;
      for (let k = i; k <= j; k++) out[order[k][1]] = r;
      i = j + 1;
    }
    return out;
  }

  function pearson(a, b) {
    const n = a.length;
    const ma = a.reduce((s, x) => s + x, 0) / n;
    const mb = b.reduce((s, x) => s + x, 0) / n;
    let sab = 0, saa = 0, sbb = 0;
    for (let i = 0; i < n; i++) {
      sab += (a[i] - ma) * (b[i] - mb);
      saa += (a[i] - ma) ** 2;
      sbb += (b[i] - mb) ** 2;
    }
    return saa > 0 && sbb > 0 ? sab / Math.sqrt(saa * sbb) : 0;
  }

  // Correlation ratio of a numeric y over the groups of a categorical x.
  function eta(groups, y) {
    const n = y.length;
    const m = y.reduce((s, v) => s + v, 0) / n;
    const sums = new Map();
    groups.forEach((g, i) => {
      const s = sums.get(g) || [0, 0];
      s[0] += y[i];
      s[1] += 1;
      sums.set(g, s);
    });
    let between = 0;
    for (const [sum, count] of sums.values()) between += count * (sum / count - m) ** 2;
    const total = y.reduce((s, v) => s + (v - m) ** 2, 0);
    return total > 0 ? Math.sqrt(between / total) : 0;
  }

  // Per parameter: {name, score in [0, 1], sign (+1: the value rises with it), kind}.
  R.importance = function (rows, names) {
    if (rows.length < 3) return [];
    const yr = ranks(rows.map((r) => r.v));
    return names.map((name) => {
      const xs = rows.map((r) => r.t.config[name]);
      const numeric = xs.every((x) => typeof x === "number");
      if (numeric) {
        const rho = pearson(ranks(xs), yr);
        return { name, score: Math.abs(rho), sign: Math.sign(rho), kind: "Spearman |ρ|" };
      }
      return { name, score: eta(xs.map((x) => JSON.stringify(x)), yr), sign: 0, kind: "η (categorical)" };
    }).sort((a, b) => b.score - a.score);
  };

  // The axes of the parallel coordinates: each parameter, then the value.
  function axes(run, rows) {
    const list = run.meta.params.map((p) => {
      const xs = rows.map((r) => r.t.config[p.name]).filter((x) => x !== undefined && x !== null);
      const numeric = xs.length > 0 && xs.every((x) => typeof x === "number");
      if (numeric) {
        const log = p.scale === "log" && xs.every((x) => x > 0);
        return { name: p.name, numeric, log, range: R.extent(xs, { log, pad: 0 }), get: (r) => r.t.config[p.name] };
      }
      const cats = [...new Set(xs.map((x) => R.fmtValue(x)))].sort();
      return { name: p.name, numeric: false, cats, get: (r) => R.fmtValue(r.t.config[p.name]) };
    });
    const vs = rows.map((r) => r.v);
    list.push({ name: run.meta.metric, numeric: true, log: false, range: R.extent(vs, { pad: 0.02 }), get: (r) => r.v, metric: true });
    return list;
  }

  function position(axis, value) {
    // 0 (bottom) .. 1 (top); null for a value the axis cannot place
    if (value === undefined || value === null) return null;
    if (!axis.numeric) {
      const i = axis.cats.indexOf(value);
      return i < 0 ? null : axis.cats.length === 1 ? 0.5 : i / (axis.cats.length - 1);
    }
    const [a, b] = axis.range;
    if (axis.log) return value > 0 ? Math.log(value / a) / Math.log(b / a) : null;
    return (value - a) / (b - a);
  }

  function levelChoices(run) {
    const counts = new Map();
    for (const t of run.trials.values()) for (const l of t.valueAt.keys()) counts.set(l, (counts.get(l) || 0) + 1);
    const levels = run.levels.filter((l) => counts.get(l));
    const choices = levels.map((l) => ({ key: String(l), label: `at ${R.ofResource(l, run.meta.resource_name)} (${R.counted(counts.get(l), "trial")})`, value: (t) => R.valueAt(t, l) }));
    choices.push({ key: "last", label: "each trial's latest value", value: (t) => t.last });
    let pick = choices[choices.length - 1].key;
    for (const ch of choices.slice(0, -1)) if (counts.get(Number(ch.key)) >= Math.min(30, run.trials.size)) pick = ch.key;
    return { choices, pick };
  }

  R.views.params = {
    title: "Parameters",
    mount(main, app) {
      const run = app.run;
      const box = R.section("Parallel coordinates",
        "One line per trial, coloured by its value at the chosen level (bright: better). Drag along an axis to select a range; click an axis to clear it.");
      const select = el("select", { id: "params-level" });
      const count = el("span", { className: "muted", id: "params-count" });
      box.append(el("div", { className: "controls" }, el("label", {}, "values ", select), count));
      const canvas = el("canvas", { dataset: { chart: "parallel" } });
      const wrap = el("div", { className: "plot" }, canvas);
      box.append(wrap);
      const scale = el("div", { className: "scale" });
      box.append(scale);
      const best = el("div");
      box.append(best);
      const imp = R.section("Parameter importance", "");
      const impNote = imp.querySelector("p") || el("p", { className: "note" });
      if (!impNote.parentNode) imp.append(impNote);
      const impBody = el("div", { id: "importance" });
      imp.append(impBody);
      main.append(box, imp);
      const brushes = new Map();
      let chosen = null;
      let state = null;
      let drag = null;

      function draw() {
        const { rows, list } = state;
        const width = Math.max(480, wrap.clientWidth || 900);
        const height = 380;
        const ratio = window.devicePixelRatio || 1;
        canvas.width = width * ratio;
        canvas.height = height * ratio;
        canvas.style.width = `${width}px`;
        canvas.style.height = `${height}px`;
        const ctx = canvas.getContext("2d");
        ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
        ctx.clearRect(0, 0, width, height);
        const top = 36;
        const bottom = height - 28;
        const left = 50;
        const right = width - 70;
        const xs = list.map((_, i) => (list.length === 1 ? (left + right) / 2 : left + (i * (right - left)) / (list.length - 1)));
        const yOf = (p) => bottom - p * (bottom - top);
        state.geom = { xs, yOf, top, bottom };
        const [lo, hi] = list[list.length - 1].range;
        const colour = (v) => {
          const t = (v - lo) / (hi - lo || 1);
          return R.viridis(run.minimize ? 1 - t : t);
        };
        const selected = (r) => {
          for (const [i, [a, b]] of brushes) {
            const p = position(list[i], list[i].get(r));
            if (p === null || p < a || p > b) return false;
          }
          return true;
        };
        const sorted = rows.slice().sort((a, b) => (run.minimize ? b.v - a.v : a.v - b.v));
        let n = 0;
        ctx.lineWidth = 1;
        const alpha = rows.length > 3000 ? 0.2 : rows.length > 300 ? 0.45 : 0.8;
        const inSel = [];
        for (const pass of [0, 1]) {
          for (const r of sorted) {
            const sel = selected(r);
            if ((pass === 0) === sel) continue;
            ctx.strokeStyle = sel ? colour(r.v) : "#d1d5db";
            ctx.globalAlpha = sel ? alpha : 0.25;
            ctx.beginPath();
            let first = true;
            list.forEach((axis, i) => {
              const p = position(axis, axis.get(r));
              if (p === null) { first = true; return; }
              if (first) { ctx.moveTo(xs[i], yOf(p)); first = false; } else ctx.lineTo(xs[i], yOf(p));
            });
            ctx.stroke();
            if (sel) { n += 1; inSel.push(r); }
          }
        }
        ctx.globalAlpha = 1;
        ctx.font = "12px system-ui, sans-serif";
        list.forEach((axis, i) => {
          const x = xs[i];
          ctx.strokeStyle = "#374151";
          ctx.beginPath(); ctx.moveTo(x + 0.5, top); ctx.lineTo(x + 0.5, bottom); ctx.stroke();
          ctx.fillStyle = "#111827";
          ctx.textAlign = "center";
          ctx.textBaseline = "bottom";
          const name = axis.name.length > 22 ? axis.name.slice(0, 21) + "…" : axis.name;
          ctx.fillText(name, x, top - 14);
          ctx.fillStyle = "#6b7280";
          ctx.textBaseline = "middle";
          ctx.textAlign = i === list.length - 1 ? "right" : "left";
          const dx = i === list.length - 1 ? -5 : 5;
          if (axis.numeric) {
            const [a, b] = axis.range;
            for (const f of [0, 0.5, 1]) {
              const v = axis.log ? a * Math.pow(b / a, f) : a + f * (b - a);
              ctx.fillText(R.fmt(v, 3), x + dx, yOf(f));
            }
          } else {
            const step = Math.max(1, Math.ceil(axis.cats.length / 12));
            axis.cats.forEach((cat, k) => {
              if (k % step) return;
              const label = cat.length > 16 ? cat.slice(0, 15) + "…" : cat;
              ctx.fillText(label, x + dx, yOf(position(axis, cat)));
            });
          }
          const brush = brushes.get(i);
          if (brush) {
            ctx.fillStyle = "rgba(37, 99, 235, 0.18)";
            ctx.fillRect(x - 7, yOf(brush[1]), 14, yOf(brush[0]) - yOf(brush[1]));
          }
        });
        if (drag && drag.y1 !== undefined) {
          ctx.fillStyle = "rgba(37, 99, 235, 0.25)";
          ctx.fillRect(xs[drag.axis] - 7, Math.min(drag.y0, drag.y1), 14, Math.abs(drag.y1 - drag.y0));
        }
        canvas.dataset.points = String(n);
        count.textContent = ` ${R.counted(rows.length, "trial")}${brushes.size ? `, ${n} in the selection` : ""}`;
        R.clear(best);
        const top10 = inSel.sort((a, b) => (run.minimize ? a.v - b.v : b.v - a.v)).slice(0, 8);
        if (top10.length) {
          best.append(el("h3", { text: brushes.size ? "Best trials in the selection" : "Best trials" }),
            el("table", { className: "grid" },
              el("thead", {}, el("tr", {}, el("th", { text: "trial" }), el("th", { text: run.meta.metric }), run.meta.params.map((p) => el("th", { text: p.name })))),
              el("tbody", {}, top10.map((r) => el("tr", {}, el("td", {}, R.trialLink(app, run, r.t.id)), el("td", { text: R.fmt(r.v, 5) }),
                run.meta.params.map((p) => el("td", { text: R.fmtValue(r.t.config[p.name]) })))))));
        }
      }

      function axisAt(px) {
        if (!state || !state.geom) return -1;
        let best = -1;
        state.geom.xs.forEach((x, i) => { if (Math.abs(x - px) < 12) best = i; });
        return best;
      }
      const mouse = (e) => { const r = canvas.getBoundingClientRect(); return [e.clientX - r.left, e.clientY - r.top]; };
      canvas.addEventListener("mousedown", (e) => {
        const [px, py] = mouse(e);
        const i = axisAt(px);
        if (i >= 0) drag = { axis: i, y0: py };
      });
      canvas.addEventListener("mousemove", (e) => {
        const [px, py] = mouse(e);
        canvas.style.cursor = axisAt(px) >= 0 ? "ns-resize" : "";
        if (drag) { drag.y1 = py; draw(); }
      });
      window.addEventListener("mouseup", () => {
        if (!drag || !state) return;
        const { top, bottom } = state.geom;
        const p = (y) => Math.min(1, Math.max(0, (bottom - y) / (bottom - top)));
        if (drag.y1 === undefined || Math.abs(drag.y1 - drag.y0) < 4) brushes.delete(drag.axis);
        else brushes.set(drag.axis, [Math.min(p(drag.y0), p(drag.y1)), Math.max(p(drag.y0), p(drag.y1))]);
        drag = null;
        draw();
      });

      const view = {
        update() {
          const { choices, pick } = levelChoices(run);
          if (chosen === null || !choices.some((c) => c.key === chosen)) chosen = pick;
          R.clear(select);
          for (const ch of choices) select.append(el("option", { value: ch.key, text: ch.label, selected: ch.key === chosen }));
          const choice = choices.find((c) => c.key === chosen);
          const rows = [];
          for (const t of run.trials.values()) {
            const v = choice.value(t);
            if (v !== null && v !== undefined && isFinite(v)) rows.push({ t, v });
          }
          const list = axes(run, rows);
          if (state && state.list.map((a) => a.name).join() !== list.map((a) => a.name).join()) brushes.clear();
          state = { rows, list };
          draw();
          R.clear(scale).append(el("span", { text: run.minimize ? "worse" : "worse" }), el("span", { className: "bar-scale" }), el("span", { text: "better" }));
          const where = chosen === "last" ? "their latest value" : R.ofResource(Number(chosen), run.meta.resource_name);
          impNote.textContent = `How strongly each parameter goes with the value among the ${R.counted(rows.length, "trial")} measured at ${where}: Spearman's rank correlation |ρ| for numeric parameters, the correlation ratio η (on ranks) for categorical ones. It looks at one parameter at a time (no interactions), and with few trials it is noisy.`;
          R.clear(impBody);
          const scores = R.importance(rows, run.paramNames());
          if (!scores.length) impBody.append(el("p", { className: "note", text: "Too few trials at this level (3 needed)." }));
          for (const s of scores) {
            const dir = s.sign === 0 ? "" : (s.sign > 0) === run.minimize ? "higher is worse" : "higher is better";
            impBody.append(el("div", { className: "imp", dataset: { param: s.name } },
              el("div", { className: "name", text: s.name, title: s.name }),
              el("div", { className: "track" }, el("span", { className: "fill", style: { width: `${(100 * s.score).toFixed(1)}%` } })),
              el("div", { className: "score", text: `${s.score.toFixed(2)} ${s.kind}${dir ? ` · ${dir}` : ""}` })));
          }
        },
      };
      select.addEventListener("change", () => { chosen = select.value; brushes.clear(); view.update(); });
      return view;
    },
  };
})();
