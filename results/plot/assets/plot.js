// ragload plot: draws the charts from the JSON in #data with uPlot, then
// sets document.body.dataset.rendered to "ok" (the page's error guard sets
// it to "error" instead when anything throws).
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("data").textContent);
  var palette = ["#0969da", "#cf222e", "#1a7f37", "#bf8700", "#8250df", "#bc4c00", "#1b7c83", "#6e7781"];
  var targetColor = "#d1242f";
  var W = data.bucket_s, N = data.buckets;
  var xMax = Math.max(N * W, W);
  var centers = [];
  for (var i = 0; i < N; i++) centers.push((i + 0.5) * W);
  var logBox = document.getElementById("log");
  var pointsBox = document.getElementById("points");

  function color(i) { return palette[i % palette.length]; }
  function rgba(hex, a) {
    var n = parseInt(hex.slice(1), 16);
    return "rgba(" + (n >> 16) + "," + ((n >> 8) & 255) + "," + (n & 255) + "," + a + ")";
  }
  // overlay styles run ri's lines when several runs share a chart: each
  // run is drawn over the ones before it, so an earlier run's line is
  // wider and half transparent, and shows as a halo around a later run's
  // line where they coincide (two runs at the same throughput). A lone
  // run, or the last one, keeps its width and colour.
  // grow is how much wider for each run drawn over it.
  function overlay(ri, width, grow) {
    var under = Math.min(data.runs.length - 1 - ri, 3);
    return under > 0 ? { width: width + grow * under, alpha: 0.5 } : { width: width, alpha: 1 };
  }
  function fmtMS(v) {
    if (v == null) return "–";
    if (v === 0) return "0";
    if (v >= 1000) return +(v / 1000).toPrecision(3) + " s";
    if (v >= 1) return +v.toPrecision(3) + " ms";
    return +(v * 1000).toPrecision(3) + " µs";
  }
  function pad(n) { return (n < 10 ? "0" : "") + n; }
  // Time since the run's start: seconds for short runs, m:ss for longer.
  function fmtClock(v) {
    if (v == null) return "–";
    if (xMax < 120) return +v.toFixed(2) + " s";
    var s = Math.round(v), h = Math.floor(s / 3600), m = Math.floor(s / 60) % 60;
    return (h > 0 ? h + ":" + pad(m) : m) + ":" + pad(s % 60);
  }
  function fmtNum(v) { return v == null ? "–" : String(+v.toFixed(2)); }
  function el(tag, attrs, text) {
    var e = document.createElement(tag);
    for (var k in attrs || {}) e.setAttribute(k, attrs[k]);
    if (text != null) e.textContent = text;
    return e;
  }
  function width() { return Math.max(480, Math.min(1400, document.body.clientWidth)); }

  // Rendering is done once every chart has drawn for the first time.
  var charts = [], pending = 0, built = false;
  function check() {
    if (built && pending === 0 && document.body.dataset.rendered !== "error") {
      document.body.dataset.rendered = "ok";
    }
  }
  // chart draws a uPlot chart in a new box in parent, size() wide (width
  // by default); the time charts share their cursor.
  function chart(opts, cols, parent, size) {
    var first = true;
    pending++;
    size = size || width;
    opts.width = size();
    if (!opts.cursor) opts.cursor = { sync: { key: "ragload" } };
    var hooks = opts.hooks || {};
    hooks.draw = (hooks.draw || []).concat(function () { if (first) { first = false; pending--; check(); } });
    opts.hooks = hooks;
    var box = el("div", { "class": "chart" });
    parent.appendChild(box);
    var u = new uPlot(opts, cols, box);
    u.ragloadWidth = size;
    charts.push(u);
    return u;
  }
  function xAxis() {
    return { label: "time since the run's start", values: function (u, splits) { return splits.map(fmtClock); } };
  }
  var xScale = { time: false, range: function () { return [0, xMax]; } };
  var fromZero = function (u, min, max) { return [0, max > 0 ? max * 1.08 : 1]; };

  // The runs table and warnings.
  function summary() {
    var t = document.getElementById("runs");
    var head = el("tr");
    ["run", "source", "start (UTC)", "requests", "failed", "failed %"].forEach(function (h) { head.appendChild(el("th", null, h)); });
    t.appendChild(head);
    var warn = document.getElementById("warnings");
    if (data.runs.length === 0 && data.sweeps.length > 0) t.hidden = true;
    data.sweeps.forEach(function (sw) {
      (sw.warnings || []).forEach(function (w) { warn.appendChild(el("li", null, sw.label + ": " + w)); });
    });
    data.runs.forEach(function (r, ri) {
      var tr = el("tr"), name = el("td");
      name.appendChild(el("span", { "class": "swatch", style: "background:" + color(ri) }));
      name.appendChild(document.createTextNode(r.label));
      tr.appendChild(name);
      tr.appendChild(el("td", { "class": "text" }, r.source || ""));
      tr.appendChild(el("td", { "class": "text" }, r.start ? r.start.replace("T", " ").replace(/\.\d+/, "").replace("Z", "") : ""));
      tr.appendChild(el("td", null, String(r.requests)));
      tr.appendChild(el("td", null, String(r.failures)));
      tr.appendChild(el("td", null, r.requests ? (100 * r.failures / r.requests).toFixed(2) : "–"));
      t.appendChild(tr);
      (r.warnings || []).forEach(function (w) { warn.appendChild(el("li", null, r.label + ": " + w)); });
      if (r.undated) warn.appendChild(el("li", null, r.label + ": " + r.undated + " results without a timestamp are counted but not drawn"));
    });
  }

  // One latency chart per endpoint: each run's p50/p95/p99 per bucket as
  // lines over shaded bands, its sampled results as dots, the target line.
  function latencyChart(name, parent) {
    var entries = [];
    data.runs.forEach(function (r, ri) {
      r.series.forEach(function (s) { if (s.name === name) entries.push({ r: r, ri: ri, s: s }); });
    });
    // uPlot wants one x array per chart: the bucket centers and the dots' times.
    var xs = centers.slice();
    entries.forEach(function (e) { if (e.s.t) xs = xs.concat(e.s.t); });
    xs.sort(function (a, b) { return a - b; });
    var ux = [], index = new Map();
    xs.forEach(function (v) { if (ux.length === 0 || v !== ux[ux.length - 1]) { index.set(v, ux.length); ux.push(v); } });
    var blank = function () { return new Array(ux.length).fill(null); };
    var value = function (u, v) { return fmtMS(v); };
    var series = [{ label: "time", value: function (u, v) { return fmtClock(v); } }], cols = [ux], bands = [];
    if (data.target_ms > 0) {
      series.push({ label: "p95 target", stroke: targetColor, dash: [10, 5], width: 1.5, points: { show: false }, value: function () { return fmtMS(data.target_ms); } });
      cols.push(new Array(ux.length).fill(data.target_ms));
    }
    var requests = [], dots = [];
    // The dots first, so that every run's lines are drawn over them.
    entries.forEach(function (e) {
      if (!e.s.t) return;
      var c = color(e.ri), col = blank();
      e.s.t.forEach(function (t, i) {
        var k = index.get(t), v = e.s.ms[i];
        if (col[k] == null || v > col[k]) col[k] = v;
      });
      dots.push(series.length);
      series.push({
        label: e.r.label + " results", stroke: c, show: pointsBox.checked, value: value,
        paths: function () { return null; },
        points: { show: true, size: 4, width: 0, space: 0, fill: rgba(c, 0.4), stroke: rgba(c, 0.4) }
      });
      cols.push(col);
    });
    entries.forEach(function (e) {
      var c = color(e.ri), first = series.length;
      requests.push(e.r.label + " " + e.s.requests);
      [["p50", 2.5, null], ["p95", 1.5, null], ["p99", 1, [4, 3]]].forEach(function (q) {
        var col = blank(), o = overlay(e.ri, q[1], 0.8 * q[1]);
        e.s[q[0]].forEach(function (v, i) { if (v != null) col[index.get(centers[i])] = v; });
        series.push({ label: e.r.label + " " + q[0], stroke: rgba(c, o.alpha), width: o.width, dash: q[2] || undefined, spanGaps: true, points: { show: false }, value: value });
        cols.push(col);
      });
      bands.push({ series: [first + 1, first], fill: rgba(c, 0.20) });
      bands.push({ series: [first + 2, first + 1], fill: rgba(c, 0.08) });
    });
    var log = logBox.checked;
    var u = chart({
      title: name + " (requests: " + requests.join(", ") + ")",
      height: 300,
      series: series,
      bands: bands,
      scales: { x: xScale, y: log ? { distr: 3, log: 10 } : { range: fromZero } },
      axes: [xAxis(), { label: "latency", size: 70, values: function (u, splits) { return splits.map(fmtMS); } }]
    }, cols, parent);
    u.ragloadDots = dots;
    return u;
  }

  var latencyCharts = [];
  function drawLatency() {
    var parent = document.getElementById("latency");
    latencyCharts.forEach(function (u) { charts.splice(charts.indexOf(u), 1); u.destroy(); });
    parent.textContent = "";
    latencyCharts = data.endpoints.map(function (name) { return latencyChart(name, parent); });
  }

  function throughputChart() {
    var series = [{ label: "time", value: function (u, v) { return fmtClock(v); } }], cols = [centers];
    data.runs.forEach(function (r, ri) {
      var c = color(ri), ok = overlay(ri, 2, 2.5), failed = overlay(ri, 1.5, 2);
      series.push({ label: r.label + " ok/s", stroke: rgba(c, ok.alpha), width: ok.width, points: { show: false }, value: function (u, v) { return fmtNum(v); } });
      cols.push(r.ok_rps);
      series.push({ label: r.label + " failed/s", stroke: rgba(c, failed.alpha), width: failed.width, dash: [5, 4], points: { show: false }, value: function (u, v) { return fmtNum(v); } });
      cols.push(r.failed_rps);
    });
    chart({
      title: "Requests per second (buckets of " + W + " s)", height: 240, series: series,
      scales: { x: xScale, y: { range: fromZero } },
      axes: [xAxis(), { label: "requests/s", size: 60 }]
    }, cols, document.getElementById("throughput"));
  }

  function failuresChart() {
    var series = [{ label: "time", value: function (u, v) { return fmtClock(v); } }], cols = [centers];
    // Each run's bars are narrower than the ones before, drawn over them:
    // equal counts nest instead of hiding each other.
    var n = data.runs.length;
    data.runs.forEach(function (r, ri) {
      var c = color(ri), f = n > 1 ? 1 - 0.5 * ri / (n - 1) : 1;
      var bars = uPlot.paths.bars({ size: [0.8 * f, 64 * f] });
      series.push({ label: r.label + " failed", stroke: c, width: 1, fill: rgba(c, 0.35), paths: bars, points: { show: false }, value: function (u, v) { return fmtNum(v); } });
      cols.push(r.failed);
    });
    chart({
      title: "Failed requests per bucket of " + W + " s", height: 200, series: series,
      scales: { x: xScale, y: { range: fromZero } },
      axes: [xAxis(), { label: "failures", size: 60, incrs: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1e3, 2e3, 5e3, 1e4, 2e4, 5e4, 1e5, 1e6] }]
    }, cols, document.getElementById("failures"));
  }

  // Capacity sweeps: for each, its answer, latency against the throughput
  // served at each step (the latency–throughput curve) and the rate served
  // against the planned one, drawn from its summary. Steps are marked by
  // verdict.
  var verdicts = {
    "pass": { color: "#1a7f37", shape: "circle", label: "pass" },
    "fail": { color: "#cf222e", shape: "square", label: "fail" },
    "bad": { color: "#82071e", shape: "cross", label: "bad (the search stopped)" },
    "generator-limited": { color: "#9a6700", shape: "triangle", label: "generator-limited (ragload was the limit)" }
  };
  var otherVerdict = { color: "#6e7781", shape: "diamond", label: "other" };
  function verdictOf(v) { return verdicts[v] || otherVerdict; }
  var capacityColor = "#1a7f37", limitColor = "#bf8700";
  var pctStyle = [["p50", "#0969da", 2.5, null], ["p95", "#8250df", 2, null], ["p99", "#bc4c00", 1.5, [5, 3]]];
  function fmtRate(v) {
    if (v == null) return "–";
    return String(+v.toFixed(v >= 100 ? 0 : v >= 10 ? 1 : 2)) + "/s";
  }
  // decades is a log scale's range: whole powers of ten around the data.
  function decades(u, min, max) {
    if (!(min > 0)) min = max > 0 ? max / 10 : 1;
    if (!(max > 0)) max = min * 10;
    var lo = Math.pow(10, Math.floor(Math.log10(min))), hi = Math.pow(10, Math.ceil(Math.log10(max)));
    return [lo, hi > lo ? hi : lo * 10];
  }
  function fmtPct(f) { return f == null ? "–" : +(100 * f).toFixed(2) + "%"; }
  // Half the width when two charts fit side by side.
  function halfWidth() {
    var w = width();
    return w >= 1000 ? Math.floor((w - 24) / 2) : w;
  }
  // marker draws a verdict's shape of radius r (canvas pixels) at x, y.
  function marker(ctx, v, x, y, r) {
    var px = uPlot.pxRatio;
    ctx.beginPath();
    switch (v.shape) {
      case "square": ctx.rect(x - 0.85 * r, y - 0.85 * r, 1.7 * r, 1.7 * r); break;
      case "triangle": ctx.moveTo(x, y - 1.2 * r); ctx.lineTo(x + 1.1 * r, y + 0.8 * r); ctx.lineTo(x - 1.1 * r, y + 0.8 * r); ctx.closePath(); break;
      case "diamond": ctx.moveTo(x, y - 1.2 * r); ctx.lineTo(x + r, y); ctx.lineTo(x, y + 1.2 * r); ctx.lineTo(x - r, y); ctx.closePath(); break;
      case "cross":
        ctx.moveTo(x - r, y - r); ctx.lineTo(x + r, y + r); ctx.moveTo(x + r, y - r); ctx.lineTo(x - r, y + r);
        ctx.lineWidth = 2.5 * px; ctx.strokeStyle = v.color; ctx.stroke();
        return;
      default: ctx.arc(x, y, r, 0, 2 * Math.PI);
    }
    ctx.fillStyle = v.color; ctx.fill();
    ctx.lineWidth = px; ctx.strokeStyle = "#fff"; ctx.stroke();
  }
  // The same shape as a small SVG, for the key and the steps table (the
  // HTML parser puts it in the SVG namespace; the markup is fixed).
  var iconShapes = {
    circle: '<circle r="4.5" fill="C"/>',
    square: '<rect x="-4" y="-4" width="8" height="8" fill="C"/>',
    triangle: '<polygon points="0,-5 5,4 -5,4" fill="C"/>',
    diamond: '<polygon points="0,-5 4,0 0,5 -4,0" fill="C"/>',
    cross: '<path d="M-4,-4L4,4M4,-4L-4,4" stroke="C" stroke-width="2.5"/>'
  };
  function markerIcon(v) {
    var box = el("span", { "class": "marker" });
    box.innerHTML = '<svg width="12" height="12" viewBox="-6 -6 12 12">' +
      (iconShapes[v.shape] || iconShapes.circle).replace("C", /^#[0-9a-f]{6}$/.test(v.color) ? v.color : "#6e7781") + "</svg>";
    return box;
  }
  // vline draws a dashed vertical line at x with a label at its top.
  function vline(u, x, color, label) {
    var ctx = u.ctx, px = uPlot.pxRatio, b = u.bbox;
    var cx = Math.round(u.valToPos(x, "x", true));
    if (!(cx >= b.left && cx <= b.left + b.width)) return;
    ctx.save();
    ctx.textAlign = "left";
    ctx.strokeStyle = color; ctx.lineWidth = 1.5 * px; ctx.setLineDash([6 * px, 4 * px]);
    ctx.beginPath(); ctx.moveTo(cx, b.top); ctx.lineTo(cx, b.top + b.height); ctx.stroke();
    if (label) {
      ctx.setLineDash([]);
      ctx.font = "600 " + Math.round(12 * px) + "px system-ui, sans-serif";
      ctx.textBaseline = "top";
      var w = ctx.measureText(label).width, right = cx + 6 * px + w <= b.left + b.width;
      var tx = right ? cx + 5 * px : cx - 5 * px - w;
      ctx.fillStyle = "rgba(255,255,255,0.85)";
      ctx.fillRect(tx - 2 * px, b.top + 3 * px, w + 4 * px, 16 * px);
      ctx.fillStyle = color;
      ctx.fillText(label, tx, b.top + 5 * px);
    }
    ctx.restore();
  }
  // stepMarkers marks each step at (x(s), y(s)) by verdict, r canvas
  // pixels wide; with labels (an array) it adds where each went, for
  // rateLabels.
  function stepMarkers(u, steps, x, y, r, labels) {
    var px = uPlot.pxRatio;
    u.ctx.save();
    steps.forEach(function (s) {
      var xv = x(s), yv = y(s);
      if (xv == null || yv == null) return;
      var cx = u.valToPos(xv, "x", true), cy = u.valToPos(yv, "y", true);
      if (!isFinite(cx) || !isFinite(cy)) return;
      marker(u.ctx, verdictOf(s.verdict), cx, cy, r * px);
      if (labels) labels.push({ x: cx, y: cy, r: r * px, text: fmtRate(s.rate) });
    });
    u.ctx.restore();
  }
  // rateLabels writes each step's planned rate beside its marker where it
  // covers no other label or marker, trying four corners in turn.
  function rateLabels(u, labels) {
    var ctx = u.ctx, px = uPlot.pxRatio, b = u.bbox, h = 12 * px, gap = 3 * px;
    var boxes = labels.map(function (l) { return [l.x - l.r, l.y - l.r, 2 * l.r, 2 * l.r]; });
    var clear = function (box) {
      return box[0] >= b.left && box[0] + box[2] <= b.left + b.width && box[1] >= b.top && box[1] + box[3] <= b.top + b.height &&
        boxes.every(function (o) { return box[0] + box[2] < o[0] || o[0] + o[2] < box[0] || box[1] + box[3] < o[1] || o[1] + o[3] < box[1]; });
    };
    ctx.save();
    ctx.font = Math.round(11 * px) + "px system-ui, sans-serif";
    ctx.textBaseline = "middle";
    ctx.textAlign = "left";
    ctx.lineJoin = "round";
    labels.forEach(function (l) {
      var w = ctx.measureText(l.text).width;
      var spots = [[l.x + l.r + gap, l.y - l.r - h], [l.x + l.r + gap, l.y + l.r], [l.x - l.r - gap - w, l.y - l.r - h], [l.x - l.r - gap - w, l.y + l.r]];
      for (var k = 0; k < spots.length; k++) {
        var box = [spots[k][0], spots[k][1], w, h];
        if (!clear(box)) continue;
        boxes.push(box);
        ctx.lineWidth = 3 * px; ctx.strokeStyle = "rgba(255,255,255,0.9)";
        ctx.strokeText(l.text, box[0], box[1] + h / 2);
        ctx.fillStyle = "#424a53";
        ctx.fillText(l.text, box[0], box[1] + h / 2);
        return;
      }
    });
    ctx.restore();
  }
  // tip is a step's details beside the cursor: show(u, step) or hide.
  function tip(u) {
    var box = el("div", { "class": "tip" });
    box.hidden = true;
    u.over.appendChild(box);
    return function (s) {
      if (!s) { box.hidden = true; return; }
      box.textContent = "";
      var v = verdictOf(s.verdict), head = el("div", { "class": "tip-head" });
      head.appendChild(markerIcon(v));
      head.appendChild(document.createTextNode(" " + (s.dir || "step") + ": planned " + fmtRate(s.rate) + " (run as step " + s.order + ")"));
      box.appendChild(head);
      box.appendChild(el("div", null, "sent " + fmtRate(s.sent) + " · served " + fmtRate(s.served) + " · " + s.requests + " requests · " + fmtPct(s.failures) + " failed"));
      box.appendChild(el("div", null, "p50 " + fmtMS(s.p50_ms) + " · p95 " + fmtMS(s.p95_ms) + " · p99 " + fmtMS(s.p99_ms) + " · lag p99 " + fmtMS(s.lag_p99_ms)));
      box.appendChild(el("div", null, "verdict: " + s.verdict + (s.reason ? " (" + s.reason + ")" : "")));
      box.hidden = false;
      var l = u.cursor.left + 14, t = u.cursor.top + 14, ow = u.over.clientWidth, oh = u.over.clientHeight;
      if (l + box.offsetWidth > ow) l = Math.max(0, u.cursor.left - 14 - box.offsetWidth);
      if (t + box.offsetHeight > oh) t = Math.max(0, u.cursor.top - 14 - box.offsetHeight);
      box.style.left = l + "px"; box.style.top = t + "px";
    };
  }

  // The latency–throughput curve: x is the throughput served, one point
  // per step joined in order of planned rate (uPlot's mode 2: x need not
  // rise), the p95 limit and the capacity.
  function sweepCurve(sw, parent) {
    var steps = sw.steps, log = logBox.checked;
    var xs = steps.map(function (s) { return s.served; });
    var xHi = Math.max.apply(null, xs.concat([sw.found ? sw.capacity : 0, 0]));
    if (!(xHi > 0)) xHi = Math.max.apply(null, steps.map(function (s) { return s.rate; }).concat([1]));
    xHi *= 1.1;
    var facets = function () { return [{ scale: "x", auto: true }, { scale: "y", auto: true }]; };
    var lat = function (s, q) { var v = s[q + "_ms"]; return v == null || (log && v <= 0) ? null : v; };
    var limit = sw.p95_limit ? "p95 limit (" + sw.p95_limit + ")" : "p95 " + fmtMS(sw.p95_limit_ms) + " (default limit)";
    var series = [{}, { label: limit, stroke: targetColor, dash: [10, 5], width: 1.5, facets: facets() }];
    var cols = [null, [[0, xHi], [sw.p95_limit_ms, sw.p95_limit_ms]]];
    pctStyle.forEach(function (q) {
      series.push({ label: q[0], stroke: q[1], width: q[2], dash: q[3] || undefined, spanGaps: true, facets: facets() });
      cols.push([xs, steps.map(function (s) { return lat(s, q[0]); })]);
    });
    var show;
    var u = chart({
      mode: 2,
      title: "Latency vs served throughput, steps joined by planned rate",
      height: 340,
      series: series,
      legend: { live: false },
      cursor: { drag: { x: false, y: false }, dataIdx: function () { return null; } },
      scales: {
        x: { time: false, range: function () { return [0, xHi]; } },
        y: log ? { distr: 3, log: 10, range: decades } : { range: fromZero }
      },
      axes: [
        { scale: "x", label: "served throughput (successful responses/s)", values: function (u, splits) { return splits.map(function (v) { return String(+v.toFixed(2)); }); } },
        { scale: "y", label: "latency", size: 70, values: function (u, splits) { return splits.map(function (v) { return v == null ? "" : fmtMS(v); }); } }
      ],
      hooks: {
        draw: [function (u) {
          if (sw.found && sw.capacity > 0) vline(u, sw.capacity, capacityColor, "capacity ≈ " + fmtNum(sw.capacity) + " rps");
          var labels = [];
          // The p95 points (the verdict's) last, over the others, with the rates.
          [0, 2, 1].forEach(function (qi) {
            if (!u.series[qi + 2].show) return;
            var q = pctStyle[qi][0];
            stepMarkers(u, steps, function (s) { return s.served; }, function (s) { return lat(s, q); }, qi === 1 ? 5 : 4, qi === 1 ? labels : null);
          });
          rateLabels(u, labels);
        }],
        setCursor: [function (u) {
          var best = null, bestD = 20 * 20;
          if (u.cursor.left >= 0) {
            steps.forEach(function (s) {
              pctStyle.forEach(function (q, qi) {
                var v = lat(s, q[0]);
                if (v == null || !u.series[qi + 2].show) return;
                var dx = u.valToPos(s.served, "x") - u.cursor.left, dy = u.valToPos(v, "y") - u.cursor.top;
                if (dx * dx + dy * dy < bestD) { bestD = dx * dx + dy * dy; best = s; }
              });
            });
          }
          show(best);
        }]
      }
    }, cols, parent, halfWidth);
    show = tip(u);
    return u;
  }

  // Served (and sent) against planned: a server that keeps up stays on
  // the diagonal; past its capacity the served rate flattens.
  function sweepServed(sw, parent) {
    var steps = sw.steps;
    var rates = steps.map(function (s) { return s.rate; });
    var xHi = Math.max.apply(null, rates.concat([sw.limit, 1])) * 1.05;
    var xs = [0].concat(rates);
    var series = [
      { label: "planned", value: function (u, v) { return fmtRate(v); } },
      { label: "planned (y = x)", stroke: "#8c959f", dash: [4, 4], width: 1, points: { show: false }, value: function (u, v) { return fmtRate(v); } },
      { label: "sent", stroke: "#8250df", width: 1.5, spanGaps: true, points: { show: false }, value: function (u, v) { return fmtRate(v); } },
      { label: "served", stroke: "#0969da", width: 2.5, spanGaps: true, points: { show: false }, value: function (u, v) { return fmtRate(v); } }
    ];
    var cols = [xs, xs.slice(),
      [null].concat(steps.map(function (s) { return s.sent; })),
      [null].concat(steps.map(function (s) { return s.served; }))];
    var show;
    var u = chart({
      title: "Served against planned rate",
      height: 340,
      series: series,
      cursor: { drag: { x: false, y: false } },
      scales: { x: { time: false, range: function () { return [0, xHi]; } }, y: { range: fromZero } },
      axes: [
        { label: "planned rate (requests/s)", values: function (u, splits) { return splits.map(function (v) { return String(+v.toFixed(2)); }); } },
        { label: "requests/s", size: 60 }
      ],
      hooks: {
        drawAxes: [function (u) {
          // The bracket: the capacity passed, the limit above it failed.
          if (!(sw.capacity > 0 && sw.limit > sw.capacity)) return;
          var ctx = u.ctx, b = u.bbox;
          var x0 = u.valToPos(sw.capacity, "x", true), x1 = u.valToPos(sw.limit, "x", true);
          ctx.save();
          ctx.fillStyle = "rgba(191,135,0,0.12)";
          ctx.fillRect(x0, b.top, x1 - x0, b.height);
          ctx.restore();
        }],
        draw: [function (u) {
          if (sw.found && sw.capacity > 0) vline(u, sw.capacity, capacityColor, "capacity ≈ " + fmtNum(sw.capacity) + " rps");
          if (sw.limit > 0) vline(u, sw.limit, limitColor, sw.found ? "" : "failed at " + fmtNum(sw.limit) + " rps");
          if (u.series[3].show) stepMarkers(u, steps, function (s) { return s.rate; }, function (s) { return s.served; }, 5, null);
        }],
        setCursor: [function (u) {
          var i = u.cursor.idx;
          show(i != null && i > 0 ? steps[i - 1] : null);
        }]
      }
    }, cols, parent, halfWidth);
    show = tip(u);
    return u;
  }

  function sweepTable(sw) {
    var d = el("details"), t = el("table", { "class": "steps" }), head = el("tr");
    d.appendChild(el("summary", null, "steps (" + sw.steps.length + "), by planned rate"));
    ["step", "planned", "sent", "served", "requests", "failed", "p50", "p95", "p99", "lag p99", "verdict", "reason"].forEach(function (h) { head.appendChild(el("th", null, h)); });
    t.appendChild(head);
    sw.steps.forEach(function (s) {
      var tr = el("tr");
      [s.dir || String(s.order), fmtRate(s.rate), fmtRate(s.sent), fmtRate(s.served), String(s.requests), fmtPct(s.failures),
        fmtMS(s.p50_ms), fmtMS(s.p95_ms), fmtMS(s.p99_ms), fmtMS(s.lag_p99_ms)].forEach(function (v) { tr.appendChild(el("td", null, v)); });
      var vc = el("td", { "class": "text" });
      vc.appendChild(markerIcon(verdictOf(s.verdict)));
      vc.appendChild(document.createTextNode(" " + s.verdict));
      tr.appendChild(vc);
      tr.appendChild(el("td", { "class": "text" }, s.reason || ""));
      t.appendChild(tr);
    });
    d.appendChild(t);
    return d;
  }

  var curves = [];
  function drawCurves() {
    curves.forEach(function (c) {
      if (c.u) { charts.splice(charts.indexOf(c.u), 1); c.u.destroy(); }
      c.box.textContent = "";
      c.u = c.sw.steps.length ? sweepCurve(c.sw, c.box) : null;
    });
  }
  function drawSweeps() {
    var parent = document.getElementById("sweeps");
    data.sweeps.forEach(function (sw) {
      var box = el("div", { "class": "sweep" });
      parent.appendChild(box);
      box.appendChild(el("h3", null, sw.label));
      var meta = [];
      if (sw.target) meta.push(sw.target);
      if (sw.start) meta.push("started " + sw.start.replace("T", " ").replace("Z", " UTC"));
      if (sw.step_s) meta.push("steps of " + sw.step_s + " s" + (sw.warmup_s ? " after " + sw.warmup_s + " s of warm-up" : ""));
      if (sw.thresholds && sw.thresholds.length) meta.push("judged by " + sw.thresholds.join(", "));
      if (sw.source) meta.push(sw.source);
      if (meta.length) box.appendChild(el("p", { "class": "note" }, meta.join(" · ")));
      var answer = el("p", { "class": "answer " + (sw.found ? "found" : "none") });
      answer.appendChild(el("b", null, "Answer: "));
      answer.appendChild(document.createTextNode(sw.answer || "(none recorded)"));
      box.appendChild(answer);
      if (sw.steps.length === 0) {
        box.appendChild(el("p", { "class": "empty" }, "no steps"));
        return;
      }
      var key = el("div", { "class": "key" });
      key.appendChild(document.createTextNode("Steps: "));
      var used = {};
      sw.steps.forEach(function (s) { used[s.verdict] = true; });
      Object.keys(verdicts).concat(Object.keys(used).filter(function (v) { return !verdicts[v]; })).forEach(function (name) {
        var item = el("span", { "class": "key-item" + (used[name] ? "" : " unused") });
        item.appendChild(markerIcon(verdictOf(name)));
        item.appendChild(document.createTextNode(" " + (verdicts[name] ? verdicts[name].label : name)));
        key.appendChild(item);
      });
      box.appendChild(key);
      var pair = el("div", { "class": "pair" }), curveBox = el("div");
      pair.appendChild(curveBox);
      box.appendChild(pair);
      curves.push({ sw: sw, box: curveBox, u: null });
      sweepServed(sw, pair);
      box.appendChild(sweepTable(sw));
    });
    drawCurves();
  }

  summary();
  if (data.sweeps.length > 0) {
    document.getElementById("capacity").hidden = false;
    document.getElementById("capacity-note").textContent =
      "Each sweep as its summary (sweep.json) has it: one point per step, measured after the step's warm-up. " +
      "Latency is from the scheduled send (p50 thick, p95, p99 dashed); served is the successful responses completed within the step, per second. " +
      "A server that keeps up serves what was planned (the diagonal); past its capacity the served rate flattens while latency climbs. " +
      "Shaded: the bracket between the highest rate that passed and the lowest that failed above it. " +
      "Hover a point for the step's details; plot a step's directory on its own for its time series.";
    drawSweeps();
  }
  var sweepsOnly = data.runs.length === 0 && data.sweeps.length > 0;
  if (sweepsOnly) {
    document.getElementById("timeseries").hidden = true;
    pointsBox.parentNode.style.display = "none";
  }
  document.getElementById("latency-note").textContent =
    "Response time from the scheduled send (vegeta's latency plus the schedule lag, as in ragload report), " +
    "by the time each request was due, in buckets of " + W + " s from each run's start. " +
    "Lines: p50 (thick), p95 and p99 (dashed) per bucket; shading between them. " +
    (data.runs.length > 1 ? "Each run is drawn over the runs above it in the table, whose lines are wider and paler: where two runs coincide, the earlier shows as a halo. " : "") +
    (data.points ? "Dots: sampled results (the fastest, the slowest and a few at random in each slice of time). " : "") +
    (data.target_ms > 0 ? "Red dashed line: the p95 target, " + fmtMS(data.target_ms) + "." : "");
  if (!data.points) pointsBox.parentNode.style.display = "none";
  if (sweepsOnly) {
    // No time series to draw.
  } else if (N === 0) {
    ["latency", "throughput", "failures"].forEach(function (id) {
      document.getElementById(id).appendChild(el("p", { "class": "empty" }, "no results"));
    });
  } else {
    drawLatency();
    throughputChart();
    failuresChart();
  }
  built = true;
  check();

  logBox.addEventListener("change", function () {
    if (!sweepsOnly && N > 0) drawLatency();
    drawCurves();
  });
  pointsBox.addEventListener("change", function () {
    latencyCharts.forEach(function (u) {
      u.ragloadDots.forEach(function (i) { u.setSeries(i, { show: pointsBox.checked }); });
    });
  });
  var resizing = 0;
  window.addEventListener("resize", function () {
    clearTimeout(resizing);
    resizing = setTimeout(function () {
      charts.forEach(function (u) { u.setSize({ width: u.ragloadWidth(), height: u.height }); });
    }, 100);
  });
})();
