// rung dashboard: DOM helpers, formats, colours and the run model.
// Every string that comes from a record is put on the page as text (textContent or a
// text node), never parsed as markup.
"use strict";

const R = (window.R = {});

// -- DOM ------------------------------------------------------------------------------

// el("div", {className, text, title, onclick, dataset, style, attrs}, ...children):
// children are nodes or strings (strings become text nodes).
R.el = function (tag, props, ...children) {
  const node = document.createElement(tag);
  const p = props || {};
  for (const key of Object.keys(p)) {
    const value = p[key];
    if (value === undefined || value === null) continue;
    if (key === "text") node.textContent = String(value);
    else if (key === "className") node.className = value;
    else if (key === "dataset") Object.assign(node.dataset, value);
    else if (key === "style") Object.assign(node.style, value);
    else if (key === "attrs") for (const a of Object.keys(value)) node.setAttribute(a, value[a]);
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node[key] = value;
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
};

R.clear = function (node) {
  while (node.firstChild) node.removeChild(node.firstChild);
  return node;
};

// -- formats --------------------------------------------------------------------------

R.fmt = function (v, digits) {
  if (v === null || v === undefined || (typeof v === "number" && !isFinite(v))) return "—";
  if (typeof v !== "number") return String(v);
  if (Number.isInteger(v) && Math.abs(v) < 1e9) return String(v);
  const a = Math.abs(v);
  if (a !== 0 && (a >= 1e5 || a < 1e-3)) return v.toExponential((digits || 4) - 1);
  return String(Number(v.toPrecision(digits || 4)));
};

// An axis tick, short enough to fit left of a chart's frame (a large round number
// written out, -10000000, ran past the canvas's edge): 1e7, -1.25e7, 2.5e-4.
R.fmtTick = function (v) {
  const a = Math.abs(v);
  if (typeof v !== "number" || !isFinite(v) || a === 0 || (a >= 1e-3 && a < 1e5)) return R.fmt(v);
  const [mantissa, exponent] = v.toExponential(2).split("e");
  return `${Number(mantissa)}e${Number(exponent)}`;
};

R.fmtValue = function (v) {
  // Config values: numbers shortened, everything else shown as recorded text.
  // An int as it is (a seed of 10 digits, not 1.2346e+9); larger ones come as text.
  if (typeof v === "number") return Number.isInteger(v) ? String(v) : R.fmt(v, 5);
  if (typeof v === "string") return v;
  return JSON.stringify(v);
};

R.fmtSec = function (s) {
  if (s === null || s === undefined || !isFinite(s)) return "—";
  if (s < 60) return `${R.fmt(s, 3)} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${String(Math.floor(s % 60)).padStart(2, "0")} s`;
  const h = Math.floor(s / 3600);
  return `${h} h ${String(Math.floor((s % 3600) / 60)).padStart(2, "0")} min`;
};

// A count with its noun, singular for one: "1 epoch", "3 epochs" (the CLI's
// rung.results._plural.counted). `noun` is singular.
R.counted = (count, noun) => `${count} ${noun}${Number(count) === 1 ? "" : "s"}`;
// A count of the resource, whose record names it in the plural ("epochs"): one is
// "1 epoch". A name that is not a plain plural word (a config key such as
// "n_estimators", or "loss") stays as it is. `shown` is the count as written.
R.ofResource = function (count, name, shown = String(count)) {
  const one = Number(count) === 1 && /^[A-Za-z]+[^sS]s$/.test(name);
  return `${shown} ${one ? name.slice(0, -1) : name}`;
};

R.pct = (v) => (v === null || v === undefined || !isFinite(v) ? "—" : `${(100 * v).toFixed(0)}%`);

// -- colours --------------------------------------------------------------------------

R.FATES = ["promoted", "paused", "stopped", "failed", "finished", "running"];
R.FATE_COLOR = {
  promoted: "#2563eb",
  paused: "#d97706",
  stopped: "#8b5cf6",
  failed: "#dc2626",
  finished: "#16a34a",
  running: "#0891b2",
  interrupted: "#6b7280",
};
R.STATUS_FATE = {
  RUNNING: "running",
  PAUSED: "paused",
  COMPLETED: "finished",
  STOPPED: "stopped",
  FAILED: "failed",
};
R.RUN_COLORS = ["#2563eb", "#dc2626", "#16a34a", "#9333ea", "#ea580c", "#0891b2", "#ca8a04", "#db2777"];
R.runColor = (i) => R.RUN_COLORS[i % R.RUN_COLORS.length];

const VIRIDIS = [
  [68, 1, 84], [72, 40, 120], [62, 74, 137], [49, 104, 142], [38, 130, 142],
  [31, 158, 137], [53, 183, 121], [109, 205, 89], [180, 222, 44], [253, 231, 37],
];
// t in [0, 1] -> a viridis colour (1 is the bright end).
R.viridis = function (t) {
  const x = Math.min(1, Math.max(0, isFinite(t) ? t : 0)) * (VIRIDIS.length - 1);
  const i = Math.min(VIRIDIS.length - 2, Math.floor(x));
  const f = x - i;
  const c = VIRIDIS[i].map((a, k) => Math.round(a + f * (VIRIDIS[i + 1][k] - a)));
  return `rgb(${c[0]},${c[1]},${c[2]})`;
};

// A level's colour on the ladder and the timeline (low levels light, the top dark).
R.levelColor = function (index, count) {
  const t = count <= 1 ? 1 : index / (count - 1);
  return R.viridis(0.15 + 0.75 * t);
};

// -- the run model ---------------------------------------------------------------------

// One experiment as the page holds it: every job row (see the API's job_columns), and
// per trial its config, status, jobs and reports. `apply` folds a snapshot or an update.
class Run {
  constructor(snapshot) {
    this.meta = snapshot.meta;
    const col = {};
    snapshot.meta.job_columns.forEach((name, i) => (col[name] = i));
    this.col = col;
    this.reset();
    this.apply(snapshot);
  }

  reset() {
    this.jobs = [];
    this.trials = new Map();
    this.trialsSeen = []; // trials evaluated after each job (the x of "best vs trials")
    this.summary = {};
    this.cursor = { jobs: 0, trials: 0, changes: 0 };
    this.version = 0;
  }

  get id() { return this.meta.id; }
  // Not finished, and no process writes it (the server saw its writer's lock gone).
  get interrupted() { return !this.summary.finished && this.summary.writing === false; }
  get minimize() { return this.meta.direction !== "max"; }
  // An f(config) run without a resource: each trial is one evaluation, with no levels
  // and nothing to spend (its record still says "levels [1]", in epochs by default).
  get hasResource() { return this.meta.max_resource !== null && this.meta.max_resource !== undefined; }
  get levels() {
    const m = this.meta;
    if (m.levels && m.levels.length) return m.levels;
    return m.max_resource ? [m.max_resource] : [];
  }
  // Is value a better than b (in the run's direction)?
  better(a, b) { return b === null || b === undefined || (this.minimize ? a < b : a > b); }

  trial(tid) {
    let t = this.trials.get(tid);
    if (!t) {
      t = { id: tid, config: {}, status: "RUNNING", jobs: [], reports: [], valueAt: new Map(),
            reached: 0, last: null, error: null, best: null };
      this.trials.set(tid, t);
    }
    return t;
  }

  addJob(row) {
    const c = this.col;
    this.jobs.push(row);
    const t = this.trial(row[c.trial_id]);
    t.jobs.push(row);
    if (row[c.status] === "FAILED") {
      t.error = row[c.error];
    } else {
      const reps = row[c.reports];
      for (let k = 0; k + 1 < reps.length; k += 2) {
        const report = [reps[k], reps[k + 1]];
        t.reports.push(report);
        if (report[1] !== null) t.valueAt.set(report[0], report[1]);
        if (report[0] > t.reached) t.reached = report[0];
      }
      if (row[c.value] !== null) {
        t.last = row[c.value];
        if (this.better(t.last, t.best)) t.best = t.last;
      }
    }
    if (!t.evaluated) {
      t.evaluated = true;
      this.nEvaluated = (this.nEvaluated || 0) + 1;
    }
    this.trialsSeen.push(this.nEvaluated);
  }

  apply(data) {
    if (data.reset) {
      const meta = this.meta;
      this.reset();
      this.meta = meta;
      this.nEvaluated = 0;
    }
    for (const [tid, config] of data.trials || []) this.trial(tid).config = config || {};
    for (const row of data.jobs || []) this.addJob(row);
    for (const [tid, status] of data.status || []) this.trial(tid).status = status;
    if (data.summary) {
      this.summary = data.summary;
      // A run that no process writes any more (its driver stopped or was killed) runs
      // nothing: the jobs it started and never ended were cut short.
      if (this.interrupted) this.summary = { ...data.summary, cut: data.summary.open || [], open: [] };
    }
    this.error = data.error || null;
    if (data.cursor) this.cursor = data.cursor;
    if ((data.jobs && data.jobs.length) || (data.status && data.status.length) || data.reset
        || (data.trials && data.trials.length)) this.version += 1;
    this.changed = true;
  }

  // What became of the trial after its k-th job: promoted, paused, stopped, failed,
  // finished, or interrupted (the job runs again).
  jobFate(t, k) {
    const c = this.col;
    const row = t.jobs[k];
    if (row[c.status] === "FAILED") return "failed";
    const d = row[c.decision];
    if (d === "COMPLETE") return "finished";
    if (d === "STOP") return "stopped";
    if (d === "CONTINUE") return "promoted";
    const later = k + 1 < t.jobs.length || this.isOpen(t.id);
    if (d === "PAUSE") return later ? "promoted" : t.status === "STOPPED" ? "stopped" : "paused";
    return "interrupted";
  }

  // A trial's reports, with the latest one of its running job (not recorded until it ends).
  curve(t) {
    const o = (this.summary.open || []).find((x) => x[0] === t.id);
    return o && o[4] !== null && o[4] > t.reached ? t.reports.concat([[o[4], o[5]]]) : t.reports;
  }

  isOpen(tid) {
    return (this.summary.open || []).some((o) => o[0] === tid);
  }

  // A trial's state as the page says it: "running" only while the run goes on.
  statusText(t) { return this.trialFate(t) === "interrupted" ? "interrupted" : t.status.toLowerCase(); }

  trialFate(t) {
    if (t.status === "RUNNING" && this.interrupted) return "interrupted";
    return R.STATUS_FATE[t.status] || "running";
  }

  paramNames() { return this.meta.params.map((p) => p.name); }
}
R.Run = Run;

// The value a trial reached at a resource level (its report there), or null.
R.valueAt = (t, level) => (t.valueAt.has(level) ? t.valueAt.get(level) : null);
