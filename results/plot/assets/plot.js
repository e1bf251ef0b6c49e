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
  function chart(opts, cols, parent) {
    var first = true;
    pending++;
    opts.width = width();
    opts.cursor = { sync: { key: "ragload" } };
    opts.hooks = { draw: [function () { if (first) { first = false; pending--; check(); } }] };
    var box = el("div", { "class": "chart" });
    parent.appendChild(box);
    var u = new uPlot(opts, cols, box);
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
        var col = blank();
        e.s[q[0]].forEach(function (v, i) { if (v != null) col[index.get(centers[i])] = v; });
        series.push({ label: e.r.label + " " + q[0], stroke: c, width: q[1], dash: q[2] || undefined, spanGaps: true, points: { show: false }, value: value });
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
      var c = color(ri);
      series.push({ label: r.label + " ok/s", stroke: c, width: 2, points: { show: false }, value: function (u, v) { return fmtNum(v); } });
      cols.push(r.ok_rps);
      series.push({ label: r.label + " failed/s", stroke: c, width: 1.5, dash: [5, 4], points: { show: false }, value: function (u, v) { return fmtNum(v); } });
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
    var bars = uPlot.paths.bars({ size: [0.8, 64] });
    data.runs.forEach(function (r, ri) {
      var c = color(ri);
      series.push({ label: r.label + " failed", stroke: c, width: 1, fill: rgba(c, 0.35), paths: bars, points: { show: false }, value: function (u, v) { return fmtNum(v); } });
      cols.push(r.failed);
    });
    chart({
      title: "Failed requests per bucket of " + W + " s", height: 200, series: series,
      scales: { x: xScale, y: { range: fromZero } },
      axes: [xAxis(), { label: "failures", size: 60, incrs: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1e3, 2e3, 5e3, 1e4, 2e4, 5e4, 1e5, 1e6] }]
    }, cols, document.getElementById("failures"));
  }

  summary();
  document.getElementById("latency-note").textContent =
    "Response time from the scheduled send (vegeta's latency plus the schedule lag, as in ragload report), " +
    "by the time each request was due, in buckets of " + W + " s from each run's start. " +
    "Lines: p50 (thick), p95 and p99 (dashed) per bucket; shading between them. " +
    (data.points ? "Dots: sampled results (the fastest, the slowest and a few at random in each slice of time). " : "") +
    (data.target_ms > 0 ? "Red dashed line: the p95 target, " + fmtMS(data.target_ms) + "." : "");
  if (!data.points) pointsBox.parentNode.style.display = "none";
  if (N === 0) {
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

  logBox.addEventListener("change", drawLatency);
  pointsBox.addEventListener("change", function () {
    latencyCharts.forEach(function (u) {
      u.ragloadDots.forEach(function (i) { u.setSeries(i, { show: pointsBox.checked }); });
    });
  });
  var resizing = 0;
  window.addEventListener("resize", function () {
    clearTimeout(resizing);
    resizing = setTimeout(function () {
      charts.forEach(function (u) { u.setSize({ width: width(), height: u.height }); });
    }, 100);
  });
})();
