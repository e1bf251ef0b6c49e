// ragload's exploration page: a form that starts runs through the Go
// server, live charts drawn on canvases from Server-Sent Events, and the
// list of earlier runs. No library: a canvas and fetch are enough.
"use strict";

const $ = (id) => document.getElementById(id);
let samples = [];
let running = false;
let mode = "users";

function showError(msg) {
  const el = $("error");
  el.textContent = msg ? "error: " + msg : "";
  el.hidden = !msg;
}

async function call(path, body) {
  const res = await fetch(path, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body || {}) });
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
    // An interrupted run is judged on what it sent, as the report does;
    // say so first (the CLI exits 3 for it).
    $("verdict").textContent = (end.status === "interrupted" ? "interrupted · " : "") + (end.pass ? "PASS" : "FAIL");
    $("verdict").className = end.pass ? "pass" : "fail";
    $("rundir").textContent = end.dir;
    $("report").textContent = end.report;
  }
  document.body.dataset.state = "ended";
  listRuns();
}

async function listRuns() {
  const res = await fetch("/api/runs");
  const runs = await res.json();
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
  const res = await fetch("/api/report?run=" + encodeURIComponent(name));
  const data = await res.json();
  $("opened").hidden = false;
  $("opened").textContent = data.error ? "error: " + data.error : data.report;
}

function connect() {
  const es = new EventSource("/api/events");
  es.addEventListener("run", (e) => onRun(JSON.parse(e.data)));
  es.addEventListener("stats", (e) => onStats(JSON.parse(e.data)));
  es.addEventListener("end", (e) => onEnd(JSON.parse(e.data)));
  es.onerror = () => { $("status").textContent = "disconnected: is ragload web still running?"; };
  es.addEventListener("hello", () => { if (!running) $("status").textContent = "idle"; });
}

$("mode").onchange = setMode;
$("start").onclick = start;
$("stop").onclick = stop;
$("applyUsers").onclick = applyUsers;
$("applyRate").onclick = applyRate;
$("refresh").onclick = listRuns;
setMode();
draw();
listRuns();
connect();
