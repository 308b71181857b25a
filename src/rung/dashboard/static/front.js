// rung dashboard: the Pareto front of a run with several objectives (or constraints).
// Every result at the full resource, one objective against another: the front's members
// bold and joined by its staircase, dominated results faint, infeasible ones as crosses.
"use strict";

(function () {
  const el = R.el;

  // The full-resource results of a run: {row, values, feasible}, from the rows' scores.
  function results(run) {
    const c = run.col;
    const full = run.meta.max_resource;
    const out = [];
    for (const row of run.jobs) {
      const s = c.scores === undefined ? null : row[c.scores];
      if (!s) continue;
      const reps = row[c.reports];
      const reached = reps.length ? reps[reps.length - 2] : row[c.resource_from];
      if (full !== null && reached < full) continue;
      const values = s.slice(0, -1);
      if (values.some((v) => v === null)) continue;
      out.push({ row, values, feasible: s[s.length - 1] === 1 });
    }
    return out;
  }

  R.views.front = {
    title: "Pareto front",
    mount(main, app) {
      const run = app.run;
      const objectives = run.meta.objectives || [];
      const box = section(objectives);
      main.append(box);
      if (objectives.length < 2) {
        box.append(el("p", { className: "note", dataset: { empty: "1" },
          text: objectives.length ? `This run has one objective (${objectives[0].name}) under constraints: its best feasible value is on the Progress view.`
            : "This run has one objective: it has a best value, not a Pareto front. Give objectives= (or --objectives) to tune several." }));
        return { update() {} };
      }
      const controls = el("div", { className: "controls" });
      const pickers = [0, 1].map((k) => {
        const select = el("select", { dataset: { axis: String(k) } },
          objectives.map((o, i) => el("option", { value: String(i), text: `${o.name} (${o.direction})`, selected: i === k })));
        controls.append(el("label", {}, k === 0 ? "x " : " y ", select));
        return select;
      });
      const counts = el("p", { className: "note", dataset: { front: "counts" } });
      const holder = el("div", { className: "chart" });
      box.append(controls, counts, holder);
      let plot = null;
      const view = {
        update() {
          const i = Number(pickers[0].value);
          const j = Number(pickers[1].value);
          const all = results(run);
          const onFront = new Set((run.summary.front || []).map((f) => f[0]));
          const front = all.filter((r) => onFront.has(r.row[run.col.index]));
          const feasible = all.filter((r) => r.feasible && !onFront.has(r.row[run.col.index]));
          const infeasible = all.filter((r) => !r.feasible);
          counts.textContent = `${front.length} on the front · ${feasible.length} dominated · ${infeasible.length} infeasible (results at the full resource)`;
          if (!plot) {
            plot = new R.Plot(holder, { name: "front", height: 420, zoom: false,
              onClick: (tid) => app.go(app.trialHref(run.id, tid)) });
          }
          plot.opts.xlabel = objectives[i].name;
          plot.opts.ylabel = objectives[j].name;
          const xs = all.map((r) => r.values[i]);
          const ys = all.map((r) => r.values[j]);
          plot.set({
            x: R.extent(xs, { pad: 0.05 }),
            y: R.extent(ys, { pad: 0.05 }),
            count: 0,
            draw(ctx, p) {
              const index = new R.PointIndex(p);
              p.index = index;
              ctx.globalAlpha = 0.5;
              ctx.fillStyle = "#9ca3af";
              for (const r of feasible) {
                ctx.fillRect(p.sx(r.values[i]) - 2.5, p.sy(r.values[j]) - 2.5, 5, 5);
                index.add(r.values[i], r.values[j], r);
              }
              ctx.strokeStyle = "#dc2626";
              ctx.lineWidth = 1.2;
              for (const r of infeasible) {
                const x = p.sx(r.values[i]);
                const y = p.sy(r.values[j]);
                ctx.beginPath(); ctx.moveTo(x - 3, y - 3); ctx.lineTo(x + 3, y + 3);
                ctx.moveTo(x - 3, y + 3); ctx.lineTo(x + 3, y - 3); ctx.stroke();
                index.add(r.values[i], r.values[j], r);
              }
              ctx.globalAlpha = 1;
              // The staircase in the objectives' own directions (two objectives only:
              // with more, a pair's projection of the front is not a staircase).
              const sign = (k) => (objectives[k].direction === "max" ? -1 : 1);
              const ordered = front.slice().sort((a, b) => sign(i) * (a.values[i] - b.values[i]));
              if (objectives.length === 2 && ordered.length > 1) {
                ctx.strokeStyle = "#2563eb";
                ctx.globalAlpha = 0.6;
                ctx.beginPath();
                ordered.forEach((r, k) => {
                  const x = p.sx(r.values[i]);
                  const y = p.sy(r.values[j]);
                  if (k === 0) ctx.moveTo(x, y); else { ctx.lineTo(x, p.sy(ordered[k - 1].values[j])); ctx.lineTo(x, y); }
                });
                ctx.stroke();
                ctx.globalAlpha = 1;
              }
              ctx.fillStyle = "#2563eb";
              for (const r of ordered) {
                ctx.beginPath();
                ctx.arc(p.sx(r.values[i]), p.sy(r.values[j]), 4, 0, 2 * Math.PI);
                ctx.fill();
                index.add(r.values[i], r.values[j], r);
              }
              p.canvas.dataset.points = String(all.length);
              p.canvas.dataset.front = String(front.length);
            },
            pick(px, py, p) {
              const hit = p.index && p.index.nearest(px, py, 9);
              if (!hit) return null;
              const r = hit[2];
              const c = run.col;
              const kind = onFront.has(r.row[c.index]) ? "on the front" : r.feasible ? "dominated" : "infeasible";
              return {
                lines: [`trial ${r.row[c.trial_id]} · job ${r.row[c.index]} · ${kind}`,
                  objectives.map((o, k) => `${o.name} ${R.fmt(r.values[k], 5)}`).join(" · ")],
                target: r.row[c.trial_id],
              };
            },
          });
        },
      };
      for (const select of pickers) select.addEventListener("change", () => view.update());
      return view;
    },
  };

  function section(objectives) {
    const names = objectives.map((o) => `${o.direction}imize ${o.name}`).join(", ");
    return R.section("Pareto front",
      `The results measured at the full resource${names ? ` (${names})` : ""}: blue, the non-dominated feasible ones (the front, joined by its staircase with two objectives); grey, dominated ones; red crosses, results that violate a constraint. Hover a point, click it for its trial.`);
  }
})();
