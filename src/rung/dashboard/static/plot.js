// rung dashboard: a small canvas chart (axes, ticks, zoom, hover), drawn by the views.
// Canvas text is pixels, never markup; the tooltip is filled with textContent.
"use strict";

(function () {
  const el = R.el;
  const FONT = "12px system-ui, -apple-system, 'Segoe UI', sans-serif";

  function niceStep(span, count) {
    const raw = span / Math.max(1, count);
    const mag = Math.pow(10, Math.floor(Math.log10(raw)));
    const f = raw / mag;
    return (f < 1.5 ? 1 : f < 3 ? 2 : f < 7 ? 5 : 10) * mag;
  }

  function linearTicks(lo, hi, count) {
    if (!(hi > lo)) return [lo];
    const step = niceStep(hi - lo, count);
    const ticks = [];
    for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) {
      ticks.push(Math.abs(v) < step * 1e-9 ? 0 : v);
    }
    return ticks;
  }

  function logTicks(lo, hi) {
    const ticks = [];
    const a = Math.floor(Math.log10(lo));
    const b = Math.ceil(Math.log10(hi));
    const mult = b - a <= 2 ? [1, 2, 5] : [1];
    for (let e = a; e <= b; e++) {
      for (const m of mult) {
        const v = m * Math.pow(10, e);
        if (v >= lo * 0.999 && v <= hi * 1.001) ticks.push(v);
      }
    }
    return ticks.length ? ticks : [lo, hi];
  }

  // Pads a data range so that points do not sit on the frame.
  R.extent = function (values, opts) {
    let lo = Infinity;
    let hi = -Infinity;
    for (const v of values) {
      if (v === null || v === undefined || !isFinite(v)) continue;
      if (opts && opts.log && v <= 0) continue;
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    if (lo === Infinity) return opts && opts.log ? [1, 10] : [0, 1];
    if (opts && opts.log) {
      if (hi === lo) return [lo / 2, hi * 2];
      const pad = Math.pow(hi / lo, 0.04);
      return [lo / pad, hi * pad];
    }
    if (hi === lo) return [lo - (Math.abs(lo) || 1) * 0.5, hi + (Math.abs(hi) || 1) * 0.5];
    const pad = (hi - lo) * (opts && opts.pad !== undefined ? opts.pad : 0.04);
    return [opts && opts.zero ? Math.min(0, lo) : lo - pad, hi + pad];
  };

  class Plot {
    // opts: name (data-chart), height, xlabel, ylabel, xlog, ylog, xfmt, yfmt,
    // zoom (drag on x), left (margin), onClick(hit)
    constructor(parent, opts) {
      this.opts = Object.assign({ height: 260, zoom: true, left: 62 }, opts);
      this.canvas = el("canvas", { dataset: { chart: this.opts.name || "" } });
      this.tip = el("div", { className: "tip", hidden: true });
      this.wrap = el("div", { className: "plot" }, this.canvas, this.tip);
      parent.append(this.wrap);
      this.zoomX = null;
      this.spec = null;
      this.drag = null;
      this.canvas.addEventListener("mousemove", (e) => this.onMove(e));
      this.canvas.addEventListener("mouseleave", () => { this.tip.hidden = true; this.hover = null; this.paint(); });
      this.canvas.addEventListener("mousedown", (e) => this.onDown(e));
      window.addEventListener("mouseup", (e) => this.onUp(e));
      this.canvas.addEventListener("dblclick", () => { this.zoomX = null; this.render(); });
      this.canvas.addEventListener("click", (e) => this.onClickEvent(e));
    }

    // spec: {x: [lo, hi], y: [lo, hi], draw(ctx, plot), pick(px, py, plot) -> hit or null,
    //        count (what was drawn, for data-points)}
    // A hit: {lines: [text...], px, py, target (anything onClick wants)}
    set(spec) {
      this.spec = spec;
      this.render();
    }

    mx(e) {
      const r = this.canvas.getBoundingClientRect();
      return [e.clientX - r.left, e.clientY - r.top];
    }

    sx(v) {
      const [a, b] = this.xr;
      const t = this.opts.xlog ? Math.log(v / a) / Math.log(b / a) : (v - a) / (b - a);
      return this.box.l + t * this.box.w;
    }
    sy(v) {
      const [a, b] = this.yr;
      const t = this.opts.ylog ? Math.log(v / a) / Math.log(b / a) : (v - a) / (b - a);
      return this.box.t + (1 - t) * this.box.h;
    }
    ix(px) {
      const [a, b] = this.xr;
      const t = (px - this.box.l) / this.box.w;
      return this.opts.xlog ? a * Math.pow(b / a, t) : a + t * (b - a);
    }

    render() {
      const spec = this.spec;
      if (!spec) return;
      const width = Math.max(320, this.wrap.clientWidth || 800);
      const height = this.opts.height;
      const ratio = window.devicePixelRatio || 1;
      if (this.canvas.width !== Math.round(width * ratio) || this.canvas.height !== Math.round(height * ratio)) {
        this.canvas.width = Math.round(width * ratio);
        this.canvas.height = Math.round(height * ratio);
        this.canvas.style.width = `${width}px`;
        this.canvas.style.height = `${height}px`;
      }
      this.ratio = ratio;
      this.width = width;
      this.height = height;
      this.box = { l: this.opts.left, t: 12, w: width - this.opts.left - 16, h: height - 12 - 44 };
      this.xr = this.zoomX || spec.x;
      this.yr = spec.y;
      // The frame, the data and the axes are drawn once into a buffer; hover repaints
      // only the highlight on top of it.
      const ctx = this.canvas.getContext("2d");
      ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
      ctx.clearRect(0, 0, width, height);
      this.drawAxes(ctx);
      ctx.save();
      ctx.beginPath();
      ctx.rect(this.box.l, this.box.t, this.box.w, this.box.h);
      ctx.clip();
      this.canvas.dataset.points = String(spec.count || 0); // a draw may say how many it drew
      spec.draw(ctx, this);
      ctx.restore();
      this.base = ctx.getImageData(0, 0, this.canvas.width, this.canvas.height);
      this.hover = null;
    }

    paint() {
      if (!this.base) return;
      const ctx = this.canvas.getContext("2d");
      ctx.putImageData(this.base, 0, 0);
      ctx.setTransform(this.ratio, 0, 0, this.ratio, 0, 0);
      if (this.drag && this.drag.x1 !== undefined) {
        ctx.fillStyle = "rgba(37, 99, 235, 0.12)";
        const a = Math.min(this.drag.x0, this.drag.x1);
        ctx.fillRect(a, this.box.t, Math.abs(this.drag.x1 - this.drag.x0), this.box.h);
      }
      if (this.hover && this.spec.highlight) {
        ctx.save();
        ctx.beginPath();
        ctx.rect(this.box.l, this.box.t, this.box.w, this.box.h);
        ctx.clip();
        this.spec.highlight(ctx, this, this.hover);
        ctx.restore();
      }
    }

    drawAxes(ctx) {
      const { l, t, w, h } = this.box;
      const o = this.opts;
      ctx.font = FONT;
      ctx.strokeStyle = "#e5e7eb";
      ctx.fillStyle = "#4b5563";
      ctx.lineWidth = 1;
      const xt = o.xticks ? o.xticks(this.xr) : o.xlog ? logTicks(...this.xr) : linearTicks(...this.xr, Math.max(2, Math.floor(w / 90)));
      const yt = o.yticks ? o.yticks(this.yr) : o.ylog ? logTicks(...this.yr) : linearTicks(...this.yr, Math.max(2, Math.floor(h / 45)));
      ctx.textAlign = "center";
      ctx.textBaseline = "top";
      for (const v of xt) {
        const x = Math.round(this.sx(v)) + 0.5;
        if (x < l - 1 || x > l + w + 1) continue;
        ctx.beginPath(); ctx.moveTo(x, t); ctx.lineTo(x, t + h); ctx.stroke();
        ctx.fillText((o.xfmt || R.fmtTick)(v), x, t + h + 5);
      }
      ctx.textAlign = "right";
      ctx.textBaseline = "middle";
      for (const v of yt) {
        const y = Math.round(this.sy(v)) + 0.5;
        if (y < t - 1 || y > t + h + 1) continue;
        ctx.beginPath(); ctx.moveTo(l, y); ctx.lineTo(l + w, y); ctx.stroke();
        ctx.fillText((o.yfmt || R.fmtTick)(v), l - 6, y);
      }
      ctx.strokeStyle = "#9ca3af";
      ctx.strokeRect(l + 0.5, t + 0.5, w, h);
      ctx.fillStyle = "#111827";
      ctx.textAlign = "center";
      ctx.textBaseline = "bottom";
      if (o.xlabel) ctx.fillText(o.xlabel + (this.zoomX ? "  (zoomed: double-click resets)" : ""), l + w / 2, this.height - 2);
      if (o.ylabel) {
        ctx.save();
        ctx.translate(12, t + h / 2);
        ctx.rotate(-Math.PI / 2);
        ctx.textBaseline = "middle";
        ctx.fillText(o.ylabel, 0, 0);
        ctx.restore();
      }
    }

    onMove(e) {
      const [px, py] = this.mx(e);
      if (this.drag) {
        this.drag.x1 = Math.max(this.box.l, Math.min(this.box.l + this.box.w, px));
        this.paint();
        return;
      }
      if (!this.spec || !this.spec.pick) return;
      const hit = this.spec.pick(px, py, this);
      this.hover = hit;
      this.paint();
      if (!hit) {
        this.tip.hidden = true;
        this.canvas.style.cursor = "";
        return;
      }
      R.clear(this.tip);
      for (const line of hit.lines) this.tip.append(el("div", { text: line }));
      this.tip.hidden = false;
      const left = Math.min(px + 14, this.width - this.tip.offsetWidth - 4);
      this.tip.style.left = `${Math.max(0, left)}px`;
      this.tip.style.top = `${Math.max(0, py - this.tip.offsetHeight - 8)}px`;
      this.canvas.style.cursor = hit.target !== undefined && this.opts.onClick ? "pointer" : "";
    }

    onDown(e) {
      if (!this.opts.zoom || e.button !== 0) return;
      const [px] = this.mx(e);
      if (px < this.box.l || px > this.box.l + this.box.w) return;
      this.drag = { x0: px };
    }

    onUp(e) {
      const drag = this.drag;
      if (!drag) return;
      this.drag = null;
      if (drag.x1 !== undefined && Math.abs(drag.x1 - drag.x0) > 6) {
        const a = this.ix(Math.min(drag.x0, drag.x1));
        const b = this.ix(Math.max(drag.x0, drag.x1));
        this.zoomX = [a, b];
        this.dragged = true;
        this.render();
      } else {
        this.paint();
      }
    }

    onClickEvent(e) {
      if (this.dragged) { this.dragged = false; return; }
      if (!this.opts.onClick || !this.spec || !this.spec.pick) return;
      const [px, py] = this.mx(e);
      const hit = this.spec.pick(px, py, this);
      if (hit && hit.target !== undefined) this.opts.onClick(hit.target);
    }
  }
  R.Plot = Plot;

  // The nearest of many points to the mouse, in pixels: a grid of buckets built once.
  R.PointIndex = class {
    constructor(plot, cell) {
      this.plot = plot;
      this.cell = cell || 12;
      this.buckets = new Map();
    }
    add(x, y, item) {
      const p = this.plot;
      const px = p.sx(x);
      const py = p.sy(y);
      if (!isFinite(px) || !isFinite(py)) return;
      const key = Math.floor(px / this.cell) * 65536 + Math.floor(py / this.cell);
      let b = this.buckets.get(key);
      if (!b) this.buckets.set(key, (b = []));
      b.push([px, py, item]);
    }
    nearest(px, py, radius) {
      const c = this.cell;
      const r = Math.ceil((radius || 10) / c);
      const cx = Math.floor(px / c);
      const cy = Math.floor(py / c);
      let best = null;
      let bestD = (radius || 10) ** 2;
      for (let i = cx - r; i <= cx + r; i++) {
        for (let j = cy - r; j <= cy + r; j++) {
          const b = this.buckets.get(i * 65536 + j);
          if (!b) continue;
          for (const p of b) {
            const d = (p[0] - px) ** 2 + (p[1] - py) ** 2;
            if (d <= bestD) { bestD = d; best = p; }
          }
        }
      }
      return best;
    }
  };
})();
