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

// chart draws series (arrays of [t, v]) on a canvas; lines: extra
// horizontal lines {y, dash, color}.
function chart(id, series, opts) {
  const c = $(id), g = c.getContext("2d");
  const W = c.width, H = c.height, L = 44, B = 18, T = 8, R = 8;
  g.clearRect(0, 0, W, H);
  let tmax = 10, vmax = opts.min || 1;
  for (const s of series) for (const [t, v] of s.points) { tmax = Math.max(tmax, t); vmax = Math.max(vmax, v); }
  for (const l of opts.lines || []) if (!opts.clip) vmax = Math.max(vmax, l.y * 1.1);
  vmax *= 1.05;
  const x = (t) => L + (W - L - R) * t / tmax, y = (v) => H - B - (H - B - T) * Math.min(v, vmax) / vmax;
  g.strokeStyle = "#999"; g.fillStyle = "#555"; g.font = "10px sans-serif"; g.lineWidth = 1;
  g.beginPath(); g.moveTo(L, T); g.lineTo(L, H - B); g.lineTo(W - R, H - B); g.stroke();
  for (let i = 0; i <= 4; i++) {
    const v = vmax * i / 4;
    g.fillText(v >= 100 ? v.toFixed(0) : v.toFixed(1), 2, y(v) + 3);
    g.fillText((tmax * i / 4).toFixed(0) + "s", x(tmax * i / 4) - 6, H - 4);
  }
  for (const l of opts.lines || []) {
    g.save(); g.setLineDash(l.dash || [6, 4]); g.strokeStyle = l.color;
    g.beginPath(); g.moveTo(L, y(l.y)); g.lineTo(W - R, y(l.y)); g.stroke(); g.restore();
    g.fillStyle = l.color; g.fillText(l.label, W - R - 40, y(l.y) - 3);
  }
  let lx = L + 8;
  for (const s of series) {
    g.strokeStyle = s.color; g.lineWidth = 2; g.beginPath();
    s.points.forEach(([t, v], i) => (i ? g.lineTo(x(t), y(v)) : g.moveTo(x(t), y(v))));
    g.stroke();
    g.fillStyle = s.color; g.fillText(s.name, lx, T + 10); lx += g.measureText(s.name).width + 12;
  }
}

function draw() {
  const p = (f) => samples.map((s) => [s.t, f(s)]);
  const rps = [{ name: "req/s", color: "#2a6", points: p((s) => s.rps) }];
  if (mode === "rate") rps.push({ name: "asked", color: "#aaa", points: p((s) => s.rate) });
  chart("chart-rps", rps, {});
  chart("chart-latency", [
    { name: "p50", color: "#28c", points: p((s) => s.p50) },
    { name: "p95", color: "#e80", points: p((s) => s.p95) },
    { name: "p99", color: "#c22", points: p((s) => s.p99) },
  ], { lines: [{ y: 2000, color: "#a00", label: "2 s" }], min: 10 });
  chart("chart-errors", [{ name: "errors/s", color: "#c22", points: p((s) => s.errors) }], {});
  chart("chart-users", [
    { name: "running", color: "#26a", points: p((s) => s.users) },
    { name: "target", color: "#aaa", points: p((s) => s.target) },
  ], {});
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

function onStats(s) {
  samples.push(s);
  document.body.dataset.samples = samples.length;
  $("figures").textContent = `${s.t.toFixed(0)} s · ${s.rps.toFixed(1)} req/s · p95 ${s.p95.toFixed(0)} ms · ` +
    `${s.requests} requests · ${s.failures} failures` + (s.target || s.users ? ` · ${s.users}/${s.target} users` : "") +
    (mode === "rate" ? ` · asked ${s.rate.toFixed(1)}/s` : "");
  table(s.endpoints);
  draw();
}

function onRun(info) {
  if (!info) return;
  samples = [];
  document.body.dataset.samples = 0;
  $("end").hidden = true;
  $("run-name").textContent = `${info.name}: ${info.plan} against ${info.target}`;
  $("status").textContent = "running " + info.name;
  mode = info.mode;
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
