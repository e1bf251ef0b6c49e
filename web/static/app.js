// ragload's exploration page: a form that starts runs through the Go
// server, live charts drawn on canvases from Server-Sent Events, and the
// list of earlier runs. No library: a canvas and fetch are enough.
//
// Every API call carries the launch's token (Authorization: Bearer). It
// comes once in the URL ragload printed (/?token=…); the page keeps it in
// this tab's sessionStorage and takes it out of the address bar, so it
// stays out of the history, bookmarks and screen shares. The events are
// read with fetch, not EventSource, which cannot send the header.
"use strict";

const $ = (id) => document.getElementById(id);
const TOKEN_KEY = "ragload-web-token";
let samples = [];
let running = false;
let mode = "users";
let planned = 10; // the run's duration in seconds: the charts' time axis
let token = takeToken();

// takeToken moves ?token= from the address bar into sessionStorage and
// returns the token this tab holds ("" for none).
function takeToken() {
  const u = new URL(location.href);
  const t = u.searchParams.get("token");
  if (t !== null) {
    if (t) sessionStorage.setItem(TOKEN_KEY, t);
    u.searchParams.delete("token");
    history.replaceState(history.state, "", u.pathname + u.search + u.hash);
  }
  return sessionStorage.getItem(TOKEN_KEY) || "";
}

// locked shows how to get in: no token, or the server refused it (a new
// launch draws a new one).
function locked(why) {
  token = "";
  sessionStorage.removeItem(TOKEN_KEY);
  $("locked").hidden = false;
  $("locked-why").textContent = why || "";
  $("form").hidden = true;
  $("status").textContent = "no token";
  document.body.dataset.state = "locked";
}

// api fetches path with the token; a 401 locks the page.
async function api(path, init) {
  if (!token) throw new Error("no token: open the URL ragload web printed");
  const opts = Object.assign({ cache: "no-store" }, init || {});
  opts.headers = Object.assign({ Authorization: "Bearer " + token }, opts.headers || {});
  const res = await fetch(path, opts);
  if (res.status === 401) {
    const data = await res.json().catch(() => ({}));
    locked(data.error || "the dashboard refused this tab's token");
    throw new Error(data.error || res.statusText);
  }
  return res;
}

function showError(msg) {
  const el = $("error");
  el.textContent = msg ? "error: " + msg : "";
  el.hidden = !msg;
}

async function call(path, body) {
  const res = await api(path, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body || {}) });
  const data = await res.json().catch(() => ({ error: res.statusText }));
  if (!res.ok) throw new Error(data.error || res.statusText);
  return data;
}

function num(id) { const v = $(id).value; return v === "" ? 0 : Number(v); }

function setMode() {
  const users = $("mode").value === "users";
  $("users-fields").hidden = !users;
  $("rate-fields").hidden = users;
}

async function start() {
  showError("");
  const req = {
    url: $("url").value.trim(), scenario: $("scenario").value.trim(), mode: $("mode").value,
    duration: $("duration").value.trim(), users: num("users"), spawnRate: num("spawnRate"),
    wait: $("wait").value.trim(), rate: num("rate"), rampTo: num("rampTo"),
  };
  try {
    await call("/api/start", req);
    $("setUsers").value = req.users;
    $("setRate").value = req.rampTo || req.rate;
  } catch (e) {
    showError(e.message);
  }
}

async function stop() {
  try { await call("/api/stop"); } catch (e) { showError(e.message); }
}

async function applyUsers() {
  try { await call("/api/users", { users: num("setUsers") }); } catch (e) { showError(e.message); }
}

async function applyRate() {
  try { await call("/api/rate", { rate: num("setRate") }); } catch (e) { showError(e.message); }
}

function setRunning(on) {
  running = on;
  $("start").disabled = on;
  $("stop").disabled = !on;
  $("live-users").hidden = !(on && mode === "users");
  $("live-rate").hidden = !(on && mode === "rate");
  document.body.dataset.state = on ? "running" : (samples.length ? "ended" : "idle");
}

// Round steps for the axes: seconds and minutes on the time axis, 1-2-5
// on the values, so that ticks read 0s 2s 4s … rather than 0s 3s 5s 8s.
const TIME_STEPS = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 14400, 21600, 43200, 86400];

// timeStep is the smallest round step that cuts span seconds into at most
// n intervals.
function timeStep(span, n) {
  for (const s of TIME_STEPS) if (span / s <= n) return s;
  return Math.ceil(span / n / 86400) * 86400;
}

// timeLabel writes t seconds as a tick: 45s, 2m, 1m30s, 1h, 1h30m.
function timeLabel(t) {
  t = Math.round(t);
  if (t < 60) return t + "s";
  if (t < 3600) return Math.floor(t / 60) + "m" + (t % 60 ? (t % 60) + "s" : "");
  return Math.floor(t / 3600) + "h" + (t % 3600 ? Math.round((t % 3600) / 60) + "m" : "");
}

// valueStep is the smallest 1-2-5 step that cuts vmax into at most n
// intervals.
function valueStep(vmax, n) {
  const raw = vmax / n, p = Math.pow(10, Math.floor(Math.log10(raw)));
  for (const m of [1, 2, 5, 10]) if (m * p >= raw) return m * p;
  return 10 * p;
}

function valueLabel(v, step) {
  return step >= 1 ? String(Math.round(v)) : v.toFixed(Math.min(3, Math.ceil(-Math.log10(step))));
}

// chart draws series (arrays of [t, v]) on a canvas, over a time axis of
// at least opts.tmax seconds. A series may have a dash and a width; one
// marked under is drawn first, so that a solid line equal to it stays on
// top and both show. lines: extra horizontal lines {y, dash, color, label}.
function chart(id, series, opts) {
  const c = $(id), g = c.getContext("2d");
  const W = c.width, H = c.height, L = 44, B = 18, T = 20, R = 12;
  g.clearRect(0, 0, W, H);
  let tmax = Math.max(opts.tmax || 0, 1), vmax = opts.min || 1;
  for (const s of series) for (const [t, v] of s.points) { tmax = Math.max(tmax, t); vmax = Math.max(vmax, v); }
  for (const l of opts.lines || []) vmax = Math.max(vmax, l.y * 1.1);
  const vstep = valueStep(vmax * 1.05, 4);
  vmax = Math.ceil(vmax * 1.05 / vstep) * vstep;
  const tstep = timeStep(tmax, 6);
  const x = (t) => L + (W - L - R) * t / tmax, y = (v) => H - B - (H - B - T) * Math.min(v, vmax) / vmax;
  g.font = "10px sans-serif"; g.lineWidth = 1;
  g.strokeStyle = "#eee";
  for (let v = vstep; v <= vmax + vstep / 1e6; v += vstep) { g.beginPath(); g.moveTo(L, y(v)); g.lineTo(W - R, y(v)); g.stroke(); }
  g.strokeStyle = "#999"; g.fillStyle = "#555";
  g.beginPath(); g.moveTo(L, T); g.lineTo(L, H - B); g.lineTo(W - R, H - B); g.stroke();
  g.textAlign = "right";
  for (let v = 0; v <= vmax + vstep / 1e6; v += vstep) g.fillText(valueLabel(v, vstep), L - 4, y(v) + 3);
  g.textAlign = "center";
  for (let t = 0; t <= tmax + 1e-9; t += tstep) {
    g.beginPath(); g.moveTo(x(t), H - B); g.lineTo(x(t), H - B + 3); g.stroke();
    g.fillText(timeLabel(t), Math.min(x(t), W - R - 6), H - 4);
  }
  g.textAlign = "left";
  for (const l of opts.lines || []) {
    g.save(); g.setLineDash(l.dash || [6, 4]); g.strokeStyle = l.color;
    g.beginPath(); g.moveTo(L, y(l.y)); g.lineTo(W - R, y(l.y)); g.stroke(); g.restore();
    g.fillStyle = l.color; g.fillText(l.label, W - R - 24, y(l.y) - 3);
  }
  const drawOrder = series.filter((s) => s.under).concat(series.filter((s) => !s.under));
  for (const s of drawOrder) {
    g.save(); g.setLineDash(s.dash || []);
    g.strokeStyle = s.color; g.lineWidth = s.width || 2; g.beginPath();
    s.points.forEach(([t, v], i) => (i ? g.lineTo(x(t), y(v)) : g.moveTo(x(t), y(v))));
    g.stroke(); g.restore();
  }
  // The key, in the series' order, each name after a sample of its line.
  let lx = L + 8;
  for (const s of series) {
    g.save(); g.setLineDash(s.dash || []); g.strokeStyle = s.color; g.lineWidth = s.width || 2;
    g.beginPath(); g.moveTo(lx, 10); g.lineTo(lx + 16, 10); g.stroke(); g.restore();
    g.fillStyle = s.color; g.fillText(s.name, lx + 20, 13);
    lx += 20 + g.measureText(s.name).width + 14;
  }
}

function draw() {
  // The last sample closes the run's last window, often a fraction of a
  // second: too short for a rate or a percentile, so the per-second charts
  // leave such a window out (the totals and the table keep it).
  const full = samples.filter((s, i) => s.t - (i ? samples[i - 1].t : 0) >= 0.5);
  const w = (f) => full.map((s) => [s.t, f(s)]);
  const p = (f) => samples.map((s) => [s.t, f(s)]);
  const o = { tmax: planned };
  const rps = [{ name: "req/s", color: "#2a6", points: w((s) => s.rps) }];
  if (mode === "rate") rps.push({ name: "asked", color: "#aaa", points: p((s) => s.rate), dash: [6, 4], under: true });
  chart("chart-rps", rps, o);
  // p99 dashed and drawn first: at low rates p95 often equals it, and the
  // solid p95 on top leaves the dashes showing.
  chart("chart-latency", [
    { name: "p50", color: "#28c", points: w((s) => s.p50) },
    { name: "p95", color: "#e80", points: w((s) => s.p95) },
    { name: "p99", color: "#c22", points: w((s) => s.p99), dash: [6, 4], width: 2.5, under: true },
  ], { tmax: planned, lines: [{ y: 2000, color: "#a00", label: "2 s", dash: [2, 3] }], min: 10 });
  chart("chart-errors", [{ name: "errors/s", color: "#c22", points: w((s) => s.errors) }], o);
  chart("chart-users", [
    { name: "target", color: "#aaa", points: p((s) => s.target), dash: [6, 4], under: true },
    { name: "running", color: "#26a", points: p((s) => s.users) },
  ], o);
}

function table(rows) {
  const tb = $("endpoints").tBodies[0];
  tb.textContent = "";
  for (const r of rows || []) {
    const tr = tb.insertRow();
    const pct = r.requests ? (100 * r.failures / r.requests).toFixed(2) : "0.00";
    for (const v of [r.name, r.requests, r.failures, pct, r.p50.toFixed(1), r.p95.toFixed(1), r.p99.toFixed(1)]) {
      tr.insertCell().textContent = v;
    }
  }
}

// asked is what the live controls last showed from the server: a page
// opened during a run shows the users or rate asked for since it started.
let asked = { users: 0, rate: 0 };

function onStats(s) {
  samples.push(s);
  if (s.askedUsers && s.askedUsers !== asked.users) $("setUsers").value = s.askedUsers;
  if (s.askedRate && s.askedRate !== asked.rate) $("setRate").value = s.askedRate;
  asked = { users: s.askedUsers || 0, rate: s.askedRate || 0 };
  document.body.dataset.samples = samples.length;
  $("figures").textContent = `${s.t.toFixed(0)} s · ${s.rps.toFixed(1)} req/s · p95 ${s.p95.toFixed(0)} ms · ` +
    `${s.requests} requests · ${s.failures} failures` + (s.target || s.users ? ` · ${s.users}/${s.target} users` : "") +
    (mode === "rate" ? ` · asked ${s.rate.toFixed(1)}/s` : "");
  table(s.endpoints);
  draw();
}

// fill puts a run's form back on the page (opened or reloaded during or
// after the run). A URL whose userinfo the server redacted stays as this
// tab typed it, when it is the same URL.
function fill(f) {
  if (!f) return;
  const typed = $("url").value.trim();
  if (!(typed && typed.includes("@") && noUser(typed) === noUser(f.url || ""))) $("url").value = f.url || "";
  $("scenario").value = f.scenario || "";
  $("mode").value = f.mode === "rate" ? "rate" : "users";
  $("duration").value = f.duration || "";
  if (f.mode === "rate") {
    $("rate").value = f.rate;
    $("rampTo").value = f.rampTo > 0 ? f.rampTo : "";
    $("setRate").value = f.rampTo || f.rate;
  } else {
    $("users").value = f.users;
    $("spawnRate").value = f.spawnRate;
    $("wait").value = f.wait || "";
    $("setUsers").value = f.users;
  }
  setMode();
}

// noUser drops a URL's userinfo, to compare a typed URL with the one the
// server sent back redacted.
function noUser(s) { return s.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/?#]*@/i, "$1"); }

function onRun(info) {
  if (!info) return;
  samples = [];
  document.body.dataset.samples = 0;
  $("end").hidden = true;
  $("run-name").textContent = `${info.name}: ${info.plan} against ${info.target}`;
  $("status").textContent = "running " + info.name;
  mode = info.mode;
  planned = info.duration || 10;
  asked = { users: 0, rate: 0 };
  fill(info.form);
  setRunning(true);
  draw();
}

function onEnd(end) {
  setRunning(false);
  $("status").textContent = (end.status || "failed") + " " + end.name;
  if (end.error) showError(end.error);
  if (end.report) {
    $("end").hidden = false;
    // An interrupted run is not conclusive (the CLI exits 3 for it); the
    // report says why.
    const word = end.verdict || (end.pass ? "PASS" : "FAIL");
    $("verdict").textContent = (end.status === "interrupted" ? "interrupted · " : "") + word;
    $("verdict").className = end.pass ? "pass" : word === "FAIL" ? "fail" : "inconclusive";
    $("rundir").textContent = end.dir;
    $("report").textContent = end.report;
  }
  // The last sample is taken as the users stop: say what the run reached.
  const last = samples.at(-1);
  if (last) {
    const peak = Math.max(...samples.map((x) => x.users));
    $("figures").textContent = `ended after ${last.t.toFixed(0)} s · ${last.requests} requests · ${last.failures} failures` +
      (mode === "users" && peak > 0 ? ` · peak ${peak} users` : "");
  }
  document.body.dataset.state = "ended";
  listRuns();
}

async function listRuns() {
  let runs;
  try {
    const res = await api("/api/runs");
    runs = await res.json();
    if (!res.ok) throw new Error(runs.error || res.statusText);
  } catch (e) {
    if (token) showError(e.message);
    return;
  }
  const ul = $("runs");
  ul.textContent = "";
  if (runs.length === 0) {
    const li = document.createElement("li");
    li.className = "empty";
    li.textContent = "no runs yet in this runs folder: start one above";
    ul.append(li);
  }
  for (const r of runs) {
    const li = document.createElement("li");
    const b = document.createElement("button");
    b.textContent = "open";
    b.onclick = () => openRun(r.name);
    li.append(b, ` ${r.name} · ${r.mode} · ${r.status} · ${r.plan} · ${r.dir}`);
    ul.append(li);
  }
}

async function openRun(name) {
  let data;
  try {
    const res = await api("/api/report?run=" + encodeURIComponent(name));
    data = await res.json();
  } catch (e) {
    data = { error: e.message };
  }
  $("opened").hidden = false;
  $("opened").textContent = data.error ? "error: " + data.error : data.report;
}

function onHello(h) {
  if (h && h.scenarios) $("scenario").placeholder = "built-in (or a YAML file in " + h.scenarios + ")";
  if (!running) $("status").textContent = "idle";
  if (!running && !$("run-name").textContent) $("run-name").textContent = "no run yet: fill in the target URL and press Start";
}

const handlers = { hello: onHello, run: onRun, stats: onStats, end: onEnd };

// dispatch handles one Server-Sent Event block ("event: …\ndata: …").
function dispatch(block) {
  let event = "message", data = "";
  for (const line of block.split("\n")) {
    if (line.startsWith("event:")) event = line.slice(6).trim();
    else if (line.startsWith("data:")) data += line.slice(5).trimStart();
  }
  const fn = handlers[event];
  if (fn) fn(data ? JSON.parse(data) : null);
}

// connect reads /api/events and reconnects after 2 s when it drops.
async function connect() {
  while (token) {
    try {
      const res = await api("/api/events", { headers: { Accept: "text/event-stream" } });
      if (!res.ok || !res.body) throw new Error(res.statusText);
      const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
      let buf = "";
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buf += value;
        let i;
        while ((i = buf.indexOf("\n\n")) >= 0) {
          dispatch(buf.slice(0, i));
          buf = buf.slice(i + 2);
        }
      }
    } catch (e) {
      // shown below, or the page is locked
    }
    if (!token) return;
    $("status").textContent = "disconnected: is ragload web still running?";
    await new Promise((r) => setTimeout(r, 2000));
  }
}

$("mode").onchange = setMode;
$("start").onclick = start;
$("stop").onclick = stop;
$("applyUsers").onclick = applyUsers;
$("applyRate").onclick = applyRate;
$("refresh").onclick = listRuns;
setMode();
draw();
if (token) {
  listRuns();
  connect();
} else {
  locked();
}
