// Rogue's charts page: one uPlot chart per group of metrics, fed by
// /api/charts at one point per pixel, with anomaly scores marked. The
// first window's data was asked for by boot.js, inlined in the page.
"use strict";
(() => {
  // Marks of the first load's steps, for the benchmark's timings:
  // rogue:boot (boot.js), rogue:script, rogue:answer, rogue:drawn.
  performance.mark("rogue:script");
  const state = {
    meta: null,
    range: 86400, // seconds; the window is [now - range, now] while live
    from: 0,
    to: 0,
    live: true,
    charts: [], // {g, section, el, marksEl, u, data, scores, bucket, loadSeq, drawnSeq}
    loads: 0, // loads started
    done: 0, // the last load every chart has drawn
    printing: false,
  };
  const $ = (sel) => document.querySelector(sel);
  const mk = (tag, cls, text) => {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text != null) e.textContent = text;
    return e;
  };
  // window.rogueCharts lets tests and benchmarks see what was drawn.
  // drawnAt: when every chart had drawn the data of the first load (ms
  // since the navigation began), set by the last chart's draw;
  // firstDrawnAt[group]: when that chart first drew data; lastDrawAt:
  // when a chart was last drawn. xOf(group, t) is where time t is on a
  // chart's canvas, in device pixels.
  const probe = (window.rogueCharts = {
    loads: 0, drawnAt: 0, lastDrawAt: 0, firstDrawnAt: {}, marks: {}, markTimes: {}, window: null,
    xOf: (id, t) => {
      const c = state.charts.find((c) => c.g.id === id);
      return c && c.u ? c.u.valToPos(t, "x", true) : -1;
    },
  });

  async function getJSON(url) {
    const r = await fetch(url, { cache: "no-store", credentials: "same-origin" });
    if (!r.ok) throw new Error(`${url}: ${r.status} ${(await r.text()).trim()}`);
    return r.json();
  }

  function showError(err) {
    const e = $("#error");
    e.hidden = !err;
    e.textContent = err ? String(err.message || err) : "";
  }

  // ---- formatting -------------------------------------------------------

  const PRINT = { fg: "#000", bg: "#fff", axis: "#333", grid: "rgba(0,0,0,0.12)", anomaly: "#d0021b", c: ["#0a64d8", "#1f9d55", "#8a4fd8", "#d98a00", "#0097a7"] };
  let palette = null; // the stylesheet's colours, read once per colour scheme
  function colours() {
    if (state.printing) return PRINT;
    if (!palette) {
      const cs = getComputedStyle(document.documentElement);
      const v = (n) => cs.getPropertyValue(n).trim();
      palette = { fg: v("--fg"), bg: v("--bg"), axis: v("--axis"), grid: v("--grid"), anomaly: v("--anomaly"), c: [1, 2, 3, 4, 5].map((i) => v("--c" + i)) };
    }
    return palette;
  }

  function num(v, digits) {
    const a = Math.abs(v);
    const d = a >= 100 || v === Math.round(v) ? 0 : a >= 10 ? 1 : digits;
    return v.toFixed(d);
  }

  // fmt formats a value with its unit, scaled for reading.
  function fmt(v, unit) {
    if (v == null || Number.isNaN(v)) return "–";
    switch (unit) {
      case "%":
        return num(v, 1) + " %";
      case "bytes/s": {
        const units = ["B/s", "kB/s", "MB/s", "GB/s", "TB/s"];
        let i = 0;
        while (Math.abs(v) >= 1000 && i < units.length - 1) { v /= 1000; i++; }
        return num(v, 1) + " " + units[i];
      }
      case "s":
        return Math.abs(v) < 1 ? num(v * 1000, 0) + " ms" : num(v, 2) + " s";
      case "ms/s":
        return num(v, 1) + " ms/s";
      default:
        return num(v, 2) + " " + unit;
    }
  }

  // Date formats in the person's locale, each made once: making one costs
  // a fraction of a millisecond, and the axes format dozens of ticks per
  // chart drawn (toLocaleTimeString and its kin make one per call).
  const formats = {};
  function dateFormat(name) {
    if (!formats[name]) {
      formats[name] = new Intl.DateTimeFormat([], {
        hm: { hour: "2-digit", minute: "2-digit" },
        date: { weekday: "short", day: "numeric", month: "short" },
        day: { weekday: "short", day: "numeric" },
      }[name]);
    }
    return formats[name];
  }

  function fmtTime(t, withDate) {
    const d = new Date(t * 1000);
    const hm = dateFormat("hm").format(d);
    return withDate ? dateFormat("date").format(d) + " " + hm : hm;
  }

  // fmtTick labels a time axis tick: the day over long windows, the time
  // (and the day at midnight) over short ones.
  function fmtTick(t, span) {
    const d = new Date(t * 1000);
    if (span > 36 * 3600 || (d.getHours() === 0 && d.getMinutes() === 0)) return dateFormat("day").format(d);
    return dateFormat("hm").format(d);
  }

  function fmtSpan(s) {
    if (s >= 86400 && s % 86400 === 0) return s / 86400 + " d";
    if (s >= 3600 && s % 3600 === 0) return s / 3600 + " h";
    if (s >= 60) return Math.round(s / 60) + " min";
    return s + " s";
  }

  // ---- status and window ------------------------------------------------

  function renderStatus(st) {
    const ul = $("#status");
    ul.replaceChildren();
    for (const [k, label] of [["forward", "Forwarding"], ["export", "Last export"]]) {
      if (!st || !st[k]) continue;
      const li = mk("li");
      li.append(mk("b", null, label + ": "), st[k]);
      li.dataset.status = k;
      ul.append(li);
    }
  }

  function renderWindow() {
    // The end's date too when it is another day than the start's: "Tue
    // 1 Dec 09:00 – 09:00" would read as no time at all.
    const otherDay = new Date(state.from * 1000).toDateString() !== new Date(state.to * 1000).toDateString();
    $("#window").textContent = (state.live ? "Last " + fmtSpan(state.range) + " · " : "Zoomed · ") +
      fmtTime(state.from, true) + " – " + fmtTime(state.to, otherDay || !state.live);
    for (const b of document.querySelectorAll("#ranges button")) {
      b.setAttribute("aria-pressed", String(state.live && Number(b.dataset.range) === state.range));
    }
    probe.window = { from: state.from, to: state.to, live: state.live, range: state.range };
  }

  function setRange(seconds) {
    if (location.hash !== "#" + hashOf(seconds)) history.replaceState(null, "", "#" + hashOf(seconds));
    state.range = seconds;
    state.live = true;
    state.to = Math.floor(Date.now() / 1000);
    state.from = state.to - seconds;
    renderWindow();
    return loadAll();
  }

  function zoom(from, to) {
    from = Math.floor(from);
    to = Math.ceil(to);
    if (!(to - from >= 60)) to = from + 60;
    state.live = false;
    state.from = from;
    state.to = to;
    renderWindow();
    return loadAll();
  }

  // ---- charts -----------------------------------------------------------

  function plotWidth(c) {
    if (c.u) return Math.max(1, Math.round(c.u.bbox.width / devicePixelRatio));
    return Math.max(1, c.el.clientWidth - 120);
  }

  function chartSize(c) {
    return { width: Math.max(200, c.el.clientWidth), height: 220 };
  }

  function tooltipPlugin(c) {
    let tip;
    return {
      hooks: {
        init: (u) => {
          tip = mk("div", "tip");
          tip.hidden = true;
          u.over.append(tip);
          // The cursor is synced across charts; the tip shows on the one
          // under the pointer only.
          u.over.addEventListener("mouseenter", () => { c.hovered = true; });
          u.over.addEventListener("mouseleave", () => { c.hovered = false; tip.hidden = true; });
        },
        setCursor: (u) => {
          const i = u.cursor.idx;
          if (i == null || u.cursor.left < 0 || !c.data || !c.hovered) { tip.hidden = true; return; }
          const t = c.data[0][i];
          const b = c.bucket;
          tip.replaceChildren(mk("div", "t", fmtTime(t, true) + (b > 60 ? " – " + fmtTime(t + b, false) : "")));
          const col = colours();
          c.g.metrics.forEach((m, j) => {
            const row = mk("div");
            const sw = mk("i");
            sw.style.background = col.c[j % col.c.length];
            row.append(sw, m.label + ": " + fmt(c.data[j + 1][i], m.unit));
            const sc = c.scores[j];
            if (sc && sc[i] != null && state.meta.threshold > 0 && sc[i] >= state.meta.threshold * 0.5) {
              row.append(mk("span", sc[i] >= state.meta.threshold ? "s" : null,
                " · anomaly score " + sc[i].toFixed(2) + (sc[i] >= state.meta.threshold ? " ≥ " : " < ") + state.meta.threshold));
            }
            tip.append(row);
          });
          tip.hidden = false;
          const w = u.over.clientWidth;
          const x = u.cursor.left, y = u.cursor.top;
          tip.style.left = (x + 14 + tip.offsetWidth > w ? x - 14 - tip.offsetWidth : x + 14) + "px";
          tip.style.top = Math.max(0, y - tip.offsetHeight - 8) + "px";
        },
      },
    };
  }

  // drawMarks draws, for each series with scores, a lane of the score along
  // the top of the plot, and where the score reaches the threshold a band
  // across the plot and a dot on the series.
  function drawMarks(u, c) {
    probe.lastDrawAt = performance.now();
    const thr = state.meta.threshold;
    if (!c.data || !(thr > 0)) return;
    const ctx = u.ctx;
    const { left, top, width, height } = u.bbox;
    const col = colours();
    const xs = c.data[0];
    const step = u.valToPos(xs[0] + c.bucket, "x", true) - u.valToPos(xs[0], "x", true);
    const bw = Math.max(10 * devicePixelRatio, step);
    const lane = 4 * devicePixelRatio;
    let marks = 0; // runs of marked points: one anomaly each
    const times = []; // their starts
    ctx.save();
    ctx.beginPath();
    ctx.rect(left, top, width, height);
    ctx.clip();
    c.scores.forEach((sc, j) => {
      if (!sc) return;
      const ys = c.data[j + 1];
      const scale = u.series[j + 1].scale;
      for (let i = 0; i < sc.length; i++) {
        const s = sc[i];
        if (s == null || s <= 0) continue;
        const x = u.valToPos(xs[i], "x", true);
        if (s >= thr) {
          if (!(i > 0 && sc[i - 1] >= thr)) { marks++; times.push(xs[i]); }
          ctx.globalAlpha = 0.2;
          ctx.fillStyle = col.anomaly;
          ctx.fillRect(x + step / 2 - bw / 2, top, bw, height);
          ctx.globalAlpha = 1;
          ctx.fillRect(x + step / 2 - bw / 2, top, bw, lane);
          if (ys[i] != null) {
            const y = u.valToPos(ys[i], scale, true);
            ctx.beginPath();
            ctx.arc(x + step / 2, y, 4 * devicePixelRatio, 0, 2 * Math.PI);
            ctx.fill();
            ctx.lineWidth = 1.5 * devicePixelRatio;
            ctx.strokeStyle = col.bg;
            ctx.stroke();
          }
        } else if (s >= thr / 2) {
          ctx.globalAlpha = 0.25 + 0.5 * (s / thr);
          ctx.fillStyle = col.c[j % col.c.length];
          ctx.fillRect(x, top, Math.max(step, devicePixelRatio), lane);
          ctx.globalAlpha = 1;
        }
      }
    });
    ctx.restore();
    c.marks = marks;
    c.el.dataset.marks = String(marks);
    probe.marks[c.g.id] = marks;
    probe.markTimes[c.g.id] = times;
    c.marksEl.textContent = marks ? marks + (marks === 1 ? " anomaly" : " anomalies") : "";
  }

  // makeChart makes c's chart, of size (or c's size, measured now).
  function makeChart(c, size) {
    const col = colours();
    const units = [...new Set(c.g.metrics.map((m) => m.unit))];
    const scales = { x: { time: true, range: () => [state.from, state.to] } };
    units.forEach((unit) => {
      const ms = c.g.metrics.filter((m) => m.unit === unit);
      const hi = ms.every((m) => m.max != null) ? Math.max(...ms.map((m) => m.max)) : null;
      scales[unit] = {
        range: (u, min, max) => {
          if (min == null || max == null) return [0, hi || 1];
          let top = max > 0 ? max * 1.08 : 1;
          if (hi != null) top = Math.min(hi, top);
          return [Math.min(0, min), top];
        },
      };
    });
    const single = c.g.metrics.length === 1;
    const series = [{ value: (u, t) => (t == null ? "–" : fmtTime(t, true)) }];
    c.g.metrics.forEach((m, j) => {
      const stroke = col.c[j % col.c.length];
      series.push({
        label: m.label,
        scale: m.unit,
        stroke,
        width: 1.5,
        fill: single ? stroke + "22" : undefined,
        spanGaps: false,
        points: { show: false },
        value: (u, v) => fmt(v, m.unit),
      });
    });
    const axes = [{
      stroke: col.axis,
      grid: { stroke: col.grid, width: 1 },
      ticks: { stroke: col.grid },
      space: 90,
      values: (u, splits) => splits.map((t) => fmtTick(t, state.to - state.from)),
    }];
    units.forEach((unit, i) => {
      axes.push({
        scale: unit,
        side: i % 2 ? 1 : 3,
        stroke: col.axis,
        size: (u, values) => 14 + 7 * Math.max(3, ...(values || []).map((v) => String(v).length)),
        grid: { show: i === 0, stroke: col.grid, width: 1 },
        ticks: { show: false },
        // No values yet (a new install, a window before the history):
        // no scale to read either, rather than "0.80 keys".
        values: (u, vals) => vals.map((v) => (c.hasData ? fmt(v, unit) : "")),
      });
    });
    const opts = {
      ...(size || chartSize(c)),
      series,
      scales,
      axes,
      cursor: { drag: { x: true, y: false, setScale: false }, sync: { key: "rogue" }, points: { size: 6 } },
      legend: { live: false },
      plugins: [tooltipPlugin(c)],
      hooks: {
        setSelect: [
          (u) => {
            if (u.select.width > 3) {
              const a = u.posToVal(u.select.left, "x");
              const b = u.posToVal(u.select.left + u.select.width, "x");
              zoom(a, b);
            }
            u.setSelect({ left: 0, top: 0, width: 0, height: 0 }, false);
          },
        ],
        draw: [(u) => { drawMarks(u, c); drawn(c); }],
      },
    };
    c.el.replaceChildren();
    c.u = new uPlot(opts, c.data, c.el);
    c.u.over.addEventListener("dblclick", () => setRange(state.range));
  }

  function toColumns(res) {
    const xs = new Array(res.n);
    for (let i = 0; i < res.n; i++) xs[i] = res.t0 + i * res.bucket;
    const empty = () => new Array(res.n).fill(null);
    return {
      data: [xs, ...res.series.map((s) => s.v || empty())],
      scores: res.series.map((s) => s.s || null),
      problems: res.series.filter((s) => s.problem).map((s) => s.problem),
    };
  }

  // applyData gives chart c the answer res, asked for at px pixels; size
  // is the size to make the chart at if it has none yet.
  function applyData(c, res, px, size) {
    if (!res || res.group !== c.g.id) throw new Error(`no data for ${c.g.id} in the answer`);
    const col = toColumns(res);
    c.data = col.data;
    c.hasData = col.data.slice(1).some((ys) => ys.some((y) => y != null));
    c.scores = col.scores;
    c.bucket = res.bucket;
    c.px = px;
    c.points = res.n;
    c.loadSeq = state.loads;
    if (!c.u) makeChart(c, size);
    else c.u.setData(c.data);
    c.el.dataset.points = String(res.n);
    c.el.dataset.px = String(px);
  }

  // loadAll loads every chart's data over the window, in one request (or,
  // the first time, takes what boot.js asked for), and gives it to the
  // charts. The load is done when every chart has drawn it (see drawn).
  async function loadAll(boot) {
    const seq = ++state.loads;
    try {
      // Every new chart's size first, all at once: one layout, not one
      // per chart made, and while the answer may still be on its way.
      const sizes = state.charts.map((c) => (c.u ? null : chartSize(c)));
      let px, res;
      if (boot) {
        px = boot.px;
        res = await boot.data;
        performance.mark("rogue:answer");
      } else {
        // The narrowest plot: no chart gets more points than pixels.
        px = Math.min(state.meta.maxPoints, ...state.charts.map(plotWidth));
        res = await getJSON(`/api/charts?from=${state.from}&to=${state.to}&px=${px}`);
      }
      if (seq !== state.loads) return; // a newer load started meanwhile
      state.charts.forEach((c, i) => applyData(c, res.charts[i], px, sizes[i]));
    } catch (err) {
      if (seq === state.loads) showError(err);
    }
  }

  // drawn is called after chart c has drawn. Once every chart has drawn
  // the data of the latest load, that load is done: the probe counts it,
  // and the first one sets drawnAt.
  function drawn(c) {
    const now = performance.now();
    if (c.data && !probe.firstDrawnAt[c.g.id]) probe.firstDrawnAt[c.g.id] = now;
    c.drawnSeq = c.loadSeq;
    const seq = state.loads;
    if (state.done === seq || !state.charts.every((x) => x.drawnSeq === seq)) return;
    state.done = seq;
    showError(null);
    probe.loads++;
    probe.loaded = { from: state.from, to: state.to };
    if (!probe.drawnAt) {
      probe.drawnAt = now;
      performance.mark("rogue:drawn");
    }
    document.body.dataset.loads = String(probe.loads);
  }

  function rebuild() {
    palette = null;
    for (const c of state.charts) {
      if (!c.u) continue;
      c.u.destroy();
      c.u = null;
      makeChart(c);
    }
  }

  async function refreshLive() {
    if (document.hidden) return;
    try {
      renderStatus(await getJSON("/api/status"));
    } catch (err) {
      showError(err);
      return;
    }
    if (!state.live) return;
    state.to = Math.floor(Date.now() / 1000);
    state.from = state.to - state.range;
    renderWindow();
    loadAll();
  }

  // The range is kept in the address as #1h, #24h, #7d or #14d.
  function hashOf(seconds) {
    return seconds % 86400 === 0 && seconds > 86400 ? seconds / 86400 + "d" : seconds / 3600 + "h";
  }

  function rangeOfHash() {
    const m = location.hash.match(/^#(\d+)([hd])$/);
    const r = m ? Number(m[1]) * (m[2] === "d" ? 86400 : 3600) : 0;
    return state.meta.ranges.includes(r) ? r : 0;
  }

  async function init() {
    const boot = window.rogueBoot; // boot.js: the metadata, and the first load under way
    const meta = boot ? boot.meta : await getJSON("/api/meta");
    state.meta = meta;
    renderStatus(meta.status);
    if (meta.threshold > 0) {
      const note = $("#legend-note");
      note.append(mk("i"), `Anomaly: score ≥ ${meta.threshold} (lane along the top of a chart: the score as it rises)`);
    }
    const nav = $("#ranges");
    for (const r of meta.ranges) {
      const b = mk("button", null, fmtSpan(r));
      b.type = "button";
      b.dataset.range = String(r);
      b.addEventListener("click", () => setRange(r));
      nav.append(b);
    }
    const main = $("#charts");
    for (const g of meta.groups) {
      const section = mk("section");
      section.id = "group-" + g.id;
      const h = mk("h2", null, g.title);
      const marksEl = mk("span", "marks");
      h.append(marksEl);
      const el = mk("div", "chart");
      el.dataset.group = g.id;
      section.append(h, el);
      main.append(section);
      state.charts.push({ g, section, el, marksEl, u: null, data: null, scores: [], bucket: 60 });
    }
    addEventListener("hashchange", () => {
      const r = rangeOfHash();
      if (r && (r !== state.range || !state.live)) setRange(r);
    });
    if (boot) {
      // The window boot.js asked for.
      if (location.hash !== "#" + hashOf(boot.range)) history.replaceState(null, "", "#" + hashOf(boot.range));
      state.range = boot.range;
      state.live = true;
      state.from = boot.from;
      state.to = boot.to;
      renderWindow();
      await loadAll(boot);
    } else {
      await setRange(rangeOfHash() || 86400);
    }

    setInterval(refreshLive, Math.max(2, meta.refresh) * 1000); // the display cadence, at most every 2 s
    matchMedia("(prefers-color-scheme: dark)").addEventListener("change", rebuild);
    let resizeTimer = 0;
    new ResizeObserver(() => {
      clearTimeout(resizeTimer);
      resizeTimer = setTimeout(() => {
        let refetch = false;
        for (const c of state.charts) {
          if (!c.u) continue;
          const size = chartSize(c);
          if (size.width !== c.u.width) c.u.setSize(size);
          if (Math.abs(plotWidth(c) - c.px) > c.px * 0.2) refetch = true;
        }
        if (refetch) loadAll();
      }, 150);
    }).observe(main);
    addEventListener("beforeprint", () => {
      state.printing = true;
      for (const c of state.charts) if (c.u) { c.u.destroy(); c.u = null; makeChart(c); c.u.setSize({ width: 680, height: 180 }); }
    });
    addEventListener("afterprint", () => {
      state.printing = false;
      rebuild();
    });
  }

  init().catch(showError);
})();
