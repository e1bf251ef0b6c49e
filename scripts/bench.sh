#!/usr/bin/env bash
# bench: ragload against vegeta and wrk on loopback, measured side by side
# in one run, as one Markdown table (also written to docs/performance.md,
# below its hand-written introduction):
#   - the highest rate on one static route (nginx, a small file, access log
#     off): ragload attack --rate 0 vs vegeta attack -rate=0 vs wrk, the same
#     number of workers/connections, 3 rounds in alternating order, medians;
#     and ragload again with response checks on every answer, and with live
#     metrics scraped every second;
#   - report of the same 1,000,000-result file (scripts/genresults): ragload
#     report (raw, and with the run summary when there is one) vs vegeta
#     report, time and peak RSS;
#   - bytes per stored result of a real run against the demo API;
#   - 10,000 virtual users with 1-5 s think time (scripts/bench-users.sh);
#   - the Go benchmarks of the hot paths.
# Installs nginx and wrk (Debian packages, apt-get as root or with sudo) when
# missing; builds ragload and the vegeta CLI of go.mod (v12.13.0).
# Usage: scripts/bench.sh [seconds-per-rate-run] [workers] [results] [users-run-time]
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-10}
workers=${2:-64}
nresults=${3:-1000000}
users_time=${4:-60s}
doc=docs/performance.md

need=()
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || need+=(nginx)
command -v wrk >/dev/null 2>&1 || need+=(wrk)
if ((${#need[@]} > 0)); then
	sudo=""
	if [ "$(id -u)" -ne 0 ]; then
		command -v sudo >/dev/null 2>&1 || { echo "bench: not root and no sudo: install ${need[*]} by hand" >&2; exit 1; }
		sudo="sudo"
	fi
	echo "bench: installing ${need[*]} (apt-get)" >&2
	$sudo apt-get update -qq
	$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi
nginx_bin=$(command -v nginx || echo /usr/sbin/nginx)

tmp=$(mktemp -d)
chmod 755 "$tmp" # nginx's workers run as nobody when started as root
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT

echo "bench: building ragload and vegeta" >&2
go build -o "$tmp/ragload" ./cmd/ragload
go build -o "$tmp/vegeta" github.com/tsenart/vegeta/v12
ragload=$tmp/ragload
vegeta=$tmp/vegeta

# wait_http URL: until it answers (5 s at most).
wait_http() {
	for _ in $(seq 50); do curl -fs "$1" >/dev/null 2>&1 && return 0; sleep 0.1; done
	echo "bench: $1 does not answer" >&2
	return 1
}

# busy SECONDS: how many cores the whole machine kept busy over SECONDS.
busy() {
	local a b
	a=$(awk '/^cpu / {print $2 + $3 + $4 + $7 + $8, $2 + $3 + $4 + $5 + $6 + $7 + $8}' /proc/stat)
	sleep "$1"
	b=$(awk '/^cpu / {print $2 + $3 + $4 + $7 + $8, $2 + $3 + $4 + $5 + $6 + $7 + $8}' /proc/stat)
	awk -v a="$a" -v b="$b" -v n="$(nproc)" 'BEGIN {
		split(a, x, " "); split(b, y, " ")
		printf "%.2f\n", (y[2] > x[2]) ? n * (y[1] - x[1]) / (y[2] - x[2]) : 0
	}'
}
# quiet: waits (a minute at most) for other processes to leave the machine
# idle (under 0.2 cores busy over 2 s), so that a figure is not theirs;
# noisy counts the measurements that could not wait.
noisy=0
quiet() {
	for _ in $(seq 30); do
		awk -v b="$(busy 2)" 'BEGIN { exit !(b < 0.2) }' && return 0
	done
	echo "bench: the machine stayed busy; measuring anyway" >&2
	noisy=$((noisy + 1))
}

# --- Max rate: one static file, served by nginx on a random port ----------
port=$((20000 + RANDOM % 20000))
mkdir -p "$tmp/www" "$tmp/nginx"
printf '{"status":"healthy","version":"1.0.0"}\n' >"$tmp/www/health.json"
cat >"$tmp/nginx/nginx.conf" <<EOF
worker_processes 1;
daemon off;
pid $tmp/nginx/nginx.pid;
error_log $tmp/nginx/error.log;
events { worker_connections 65536; }
worker_rlimit_nofile 70000;
http {
	access_log off;
	keepalive_requests 10000000;
	client_body_temp_path $tmp/nginx/body;
	proxy_temp_path $tmp/nginx/proxy;
	fastcgi_temp_path $tmp/nginx/fastcgi;
	uwsgi_temp_path $tmp/nginx/uwsgi;
	scgi_temp_path $tmp/nginx/scgi;
	server {
		listen 127.0.0.1:$port;
		root $tmp/www;
		location = /nginx_status { stub_status; }
	}
}
EOF
"$nginx_bin" -p "$tmp/nginx" -c "$tmp/nginx/nginx.conf" -e "$tmp/nginx/error.log" &
pids+=($!)
url=http://127.0.0.1:$port/health.json
wait_http "$url"

cat >"$tmp/static.yaml" <<EOF
name: static
replace_endpoints: true
endpoints:
  - key: static
    method: GET
    path: /health.json
    auth: false
EOF

# The same route with response checks on every answer (issue 20): status,
# two JSON paths, a text the body must not hold.
cat "$tmp/static.yaml" - >"$tmp/static-checks.yaml" <<'EOF'
    checks:
      - status: 2xx
      - json: status
        not_empty: true
      - json: version
        matches: "^1[.]"
      - body_not_contains: error
EOF

# Each prints the requests per second it achieved.
rate_ragload() {
	local out=$tmp/rate/ragload-$1${2:-}
	"$ragload" attack -u "http://127.0.0.1:$port" -s "$tmp/static${2:-}.yaml" --rate 0 --max-workers "$workers" \
		-d "${secs}s" -o "$out" -q -f json >/dev/null 2>"$out.log" || true
	"$vegeta" report -type=json "$out/results.bin" | python3 -c 'import json,sys; print(round(json.load(sys.stdin)["throughput"]))'
}
rate_ragload_checks() { rate_ragload "$1" -checks; }
# With live metrics (issue 21) scraped every second, as Prometheus would.
rate_ragload_metrics() {
	local out=$tmp/rate/ragload-metrics-$1 mport=$((port + 1 + $1)) scraper
	(while sleep 1; do curl -fs "http://127.0.0.1:$mport/metrics" >/dev/null 2>&1 || true; done) &
	scraper=$!
	"$ragload" attack -u "http://127.0.0.1:$port" -s "$tmp/static.yaml" --rate 0 --max-workers "$workers" \
		-d "${secs}s" -o "$out" -q -f json --metrics-addr "127.0.0.1:$mport" --metrics-linger 0 >/dev/null 2>"$out.log" || true
	kill "$scraper" 2>/dev/null || true
	wait "$scraper" 2>/dev/null || true
	"$vegeta" report -type=json "$out/results.bin" | python3 -c 'import json,sys; print(round(json.load(sys.stdin)["throughput"]))'
}
rate_vegeta() {
	local out=$tmp/rate/vegeta-$1.bin
	echo "GET $url" | "$vegeta" attack -rate=0 -max-workers="$workers" -duration="${secs}s" -output="$out"
	"$vegeta" report -type=json "$out" | python3 -c 'import json,sys; print(round(json.load(sys.stdin)["throughput"]))'
}
rate_wrk() {
	wrk -t2 -c"$workers" -d"${secs}s" "$url" | awk '/^Requests\/sec:/ {printf "%d\n", $2}'
}
median() { printf '%s\n' "$@" | sort -n | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'; }

mkdir -p "$tmp/rate"
tools=(ragload vegeta wrk ragload_checks ragload_metrics)
declare -A runs=([ragload]="" [vegeta]="" [wrk]="" [ragload_checks]="" [ragload_metrics]="")
for round in 0 1 2; do
	for i in 0 1 2 3 4; do
		tool=${tools[$(((round + i) % 5))]}
		echo "bench: max rate, round $((round + 1)), $tool" >&2
		quiet
		runs[$tool]+="$("rate_$tool" "$round") "
	done
done
# shellcheck disable=SC2086 # the runs are space-separated numbers
rl=$(median ${runs[ragload]}) vg=$(median ${runs[vegeta]}) wk=$(median ${runs[wrk]}) rlc=$(median ${runs[ragload_checks]}) rlm=$(median ${runs[ragload_metrics]})

# --- Overload: an open-model plan at twice the generator's top speed ------
# Each tool is planned at twice ragload's --rate 0 speed for 5 s. The
# server's own count (nginx stub_status) is the truth: what each served,
# and whether ragload's stated count of sent requests is what arrived.
served_count() { curl -fs "http://127.0.0.1:$port/nginx_status" | awk 'NR == 3 {print $3}'; }
over_rate=$((2 * rl))
overload() { # tool: prints "served/s peak-RSS-MB wall-s stated-sent server-count"
	local before after out=$tmp/over-$1
	quiet
	before=$(served_count)
	if [ "$1" = vegeta ]; then
		echo "GET $url" | /usr/bin/time -f '%M %e' -o "$out.time" "$vegeta" attack -rate="$over_rate" -duration=5s -output="$out.bin" || true
		stated=$("$vegeta" report -type=json "$out.bin" | python3 -c 'import json,sys; print(json.load(sys.stdin)["requests"])')
	else
		/usr/bin/time -f '%M %e' -o "$out.time" "$ragload" attack -u "http://127.0.0.1:$port" -s "$tmp/static.yaml" --rate "$over_rate" -d 5s \
			-o "$out" -q -f json >/dev/null 2>"$out.log" || true
		stated=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["sent"])' "$out/run.json")
	fi
	after=$(served_count)
	# The status request itself is counted once.
	# /usr/bin/time writes "Command exited with non-zero status N" first for
	# a verdict that did not pass: its figures are on the last line.
	tail -n 1 "$out.time" | awk -v a="$before" -v b="$after" -v s="$stated" '{printf "%d %.0f %s %d %d\n", (b - a - 1) / 5, $1 / 1024, $2, s, b - a - 1}'
}
echo "bench: overload at ${over_rate}/s (twice ragload's top speed), ragload then vegeta" >&2
read -r ov_rl_rate ov_rl_mb ov_rl_wall ov_rl_stated ov_rl_count < <(overload ragload)
read -r ov_vg_rate ov_vg_mb ov_vg_wall ov_vg_stated ov_vg_count < <(overload vegeta)

# --- CPU at an ordinary rate: 100/s for 15 s, alternating, median of 5 ----
# Five rounds: at about 1 CPU-s a run, one round's noise on a 2-core VM is
# ±20% (1.06-1.59 CPU-s in a row), more than the difference measured.
cpu_s() { tail -n 1 "$1" | awk '{printf "%.2f\n", $1 + $2}'; }
cpu_runs_rl="" cpu_runs_vg=""
for i in 1 2 3 4 5; do
	echo "bench: CPU at 100/s, round $i" >&2
	quiet
	rm -rf "$tmp/c100"
	/usr/bin/time -f '%U %S' -o "$tmp/c100.time" "$ragload" attack -u "http://127.0.0.1:$port" -s "$tmp/static.yaml" --rate 100 -d 15s \
		-o "$tmp/c100" -q >/dev/null 2>&1 || true
	cpu_runs_rl+="$(cpu_s "$tmp/c100.time") "
	quiet
	echo "GET $url" | /usr/bin/time -f '%U %S' -o "$tmp/c100v.time" "$vegeta" attack -rate=100 -duration=15s -output="$tmp/c100v.bin" || true
	cpu_runs_vg+="$(cpu_s "$tmp/c100v.time") "
done
# shellcheck disable=SC2086 # space-separated numbers
cpu_rl=$(median $cpu_runs_rl) cpu_vg=$(median $cpu_runs_vg)
kill "${pids[0]}" 2>/dev/null || true

# --- Report: the same 1,000,000 results -----------------------------------
echo "bench: writing $nresults results (scripts/genresults)" >&2
big=$tmp/big
go run ./scripts/genresults -n "$nresults" -o "$big"
bin_mb=$(du -m "$big/results.bin" | cut -f1)
raw_flag=()
if "$ragload" report --help 2>&1 | grep -q -- '--raw'; then
	raw_flag=(--raw)
fi
# timed CMD...: prints "seconds peak-RSS-MB" (median time of 3, its RSS).
timed() {
	local t
	for i in 1 2 3; do
		quiet
		/usr/bin/time -f '%e %M' -o "$tmp/time$i" "$@" >/dev/null 2>&1 || true
		t+="$(awk '{printf "%s %.0f\n", $1, $2/1024}' "$tmp/time$i")"$'\n'
	done
	printf '%s' "$t" | sort -n | sed -n 2p
}
echo "bench: report, raw" >&2
read -r rep_rl_s rep_rl_mb < <(timed "$ragload" report "${raw_flag[@]}" "$big")
read -r rep_vg_s rep_vg_mb < <(timed "$vegeta" report "$big/results.bin")
# The run summary (summary.json, written at run end; genresults writes it
# too) answers a report without decoding the results; --raw ignores it.
rep_sum_s="n/a" rep_sum_mb="n/a"
if [ -f "$big/summary.json" ] && [ ${#raw_flag[@]} -gt 0 ]; then
	echo "bench: report, with the run summary" >&2
	read -r rep_sum_s rep_sum_mb < <(timed "$ragload" report "$big")
fi

# --- Bytes per stored result: a real run against the demo API -------------
echo "bench: bytes per result (20 s at 500/s against the demo API)" >&2
dport=$((20000 + RANDOM % 20000))
"$ragload" demo serve --addr "127.0.0.1:$dport" --workers 2000 \
	--query-latency 0 --enhanced-latency 0 --documents-latency 0 --login-latency 0 --health-latency 0 \
	2>"$tmp/demo.log" &
pids+=($!)
wait_http "http://127.0.0.1:$dport/health"
"$ragload" attack -u "http://127.0.0.1:$dport" --rate 500 -d 20s -o "$tmp/base" -q -f json >/dev/null || true

# --- The seed workload in users mode: 306 users, 1-5 s think, 15 s --------
users_runs=""
for i in 1 2 3; do
	echo "bench: 306 users with 1-5 s think for 15 s, round $i" >&2
	quiet
	rm -rf "$tmp/seed"
	/usr/bin/time -f '%U %S' -o "$tmp/seed.time" "$ragload" users -u "http://127.0.0.1:$dport" --users 306 --spawn-rate 1000 \
		--wait 1s-5s --run-time 15s -o "$tmp/seed" -q >/dev/null 2>&1 || true
	users_runs+="$(cpu_s "$tmp/seed.time") "
done
# shellcheck disable=SC2086 # space-separated numbers
seed_cpu=$(median $users_runs)
seed_requests=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["sent"])' "$tmp/seed/run.json")
kill "${pids[1]}" 2>/dev/null || true
stored=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["completed"])' "$tmp/base/run.json")
bytes=$(stat -c %s "$tmp/base/results.bin")
per_result=$(awk -v b="$bytes" -v n="$stored" 'BEGIN {printf "%.1f", b/n}')

# --- 10,000 virtual users -------------------------------------------------
echo "bench: 10,000 virtual users for $users_time (scripts/bench-users.sh)" >&2
quiet
users_row=$(scripts/bench-users.sh 10000 "$users_time" | tail -1)
IFS='|' read -r _ _ _ u_requests _ u_rss u_cores _ <<<"$users_row"
u_requests=${u_requests// /} u_rss=${u_rss// /} u_cores=${u_cores// /}

# --- Go benchmarks of the hot paths ---------------------------------------
echo "bench: Go benchmarks" >&2
gobench=$(go test -run '^$' -bench '^(BenchmarkTargeter|BenchmarkEncode|BenchmarkPacerDue|BenchmarkEmitWithChecks)' -benchmem -count 1 \
	./targets ./targets/auth ./results ./attack 2>/dev/null | awk '/^Benchmark/ {
		name = $1; sub(/-[0-9]+$/, "", name)
		ns = b = a = "n/a" # by unit: a benchmark that sets bytes adds a MB/s column
		for (i = 3; i < NF; i++) {
			if ($(i+1) == "ns/op") ns = $i
			if ($(i+1) == "B/op") b = $i
			if ($(i+1) == "allocs/op") a = $i
		}
		printf "%s %s %s %s\n", name, ns, b, a
	}')

# --- The table ------------------------------------------------------------
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "n/a" || b == "n/a" || b == 0) print "n/a"; else printf "%.2f×", a / b }'; }
ok() { awk -v v="$1" -v op="$2" -v t="$3" 'BEGIN {
	if (v == "n/a") { print "n/a"; exit }
	sub(/×$/, "", v); v += 0
	print ((op == ">=" && v >= t) || (op == "<=" && v <= t)) ? "yes" : "**no**"
}'; }
fmt() { awk -v n="$1" 'BEGIN {
	if (n !~ /^[0-9]+$/) { print n; exit }
	s = ""; while (length(n) > 3) { s = "," substr(n, length(n) - 2) s; n = substr(n, 1, length(n) - 3) }
	print n s
}'; }
rate_ratio=$(ratio "$rl" "$vg")
raw_ratio=$(ratio "$rep_vg_s" "$rep_rl_s")
sum_ratio=$(ratio "$rep_vg_s" "$rep_sum_s")
table=$(
	echo "| measure | ragload | vegeta | wrk | ragload vs vegeta | target | met |"
	echo "|---|---:|---:|---:|---:|---|---|"
	echo "| max rate, static file on loopback, $workers workers/connections, ${secs} s, median of 3 (req/s) | $(fmt "$rl") | $(fmt "$vg") | $(fmt "$wk") | $rate_ratio | ≥ 1.0× vegeta | $(ok "$rate_ratio" ">=" 1.0) |"
	echo "| max rate with response checks on every answer (status, 2 JSON paths, body text), median of 3 (req/s) | $(fmt "$rlc") | | | $(ratio "$rlc" "$rl") of ragload without | ≥ 0.9× without | $(ok "$(ratio "$rlc" "$rl")" ">=" 0.9) |"
	echo "| max rate with live metrics on (--metrics-addr, scraped every second), median of 3 (req/s) | $(fmt "$rlm") | | | $(ratio "$rlm" "$rl") of ragload without | ≥ 0.95× without | $(ok "$(ratio "$rlm" "$rl")" ">=" 0.95) |"
	echo "| overload: planned $(fmt "$over_rate")/s for 5 s (2× ragload's top speed), served per second (nginx's count) | $(fmt "$ov_rl_rate") | $(fmt "$ov_vg_rate") | | $(ratio "$ov_rl_rate" "$ov_vg_rate") | ≥ 1.0× vegeta | $(ok "$(ratio "$ov_rl_rate" "$ov_vg_rate")" ">=" 1.0) |"
	echo "| overload: peak RSS (MB) | $ov_rl_mb | $ov_vg_mb | | $(ratio "$ov_rl_mb" "$ov_vg_mb") | ≤ 1.2× vegeta | $(ok "$(ratio "$ov_rl_mb" "$ov_vg_mb")" "<=" 1.2) |"
	echo "| overload: wall time of the 5 s plan (s) | $ov_rl_wall | $ov_vg_wall | | | ≤ 5 s + --max-lag 1 s + the slowest answer | $(ok "$ov_rl_wall" "<=" 6.5) |"
	echo "| overload: requests the tool says it sent / nginx counted | $(fmt "$ov_rl_stated") / $(fmt "$ov_rl_count") | $(fmt "$ov_vg_stated") / $(fmt "$ov_vg_count") | | | ragload within 2% | $(ok "$(awk -v a="$ov_rl_stated" -v b="$ov_rl_count" 'BEGIN {d = a - b; if (d < 0) d = -d; printf "%.4f", (b > 0) ? d / b : 1}')" "<=" 0.02) |"
	echo "| CPU at 100/s for 15 s, static file, median of 5 (CPU-s) | $cpu_rl | $cpu_vg | | $(ratio "$cpu_rl" "$cpu_vg") | ≤ 1.0× vegeta | $(ok "$(ratio "$cpu_rl" "$cpu_vg")" "<=" 1.0) |"
	echo "| seed workload in users mode: 306 users, 1–5 s think, 15 s, demo API, median of 3 (CPU-s; $(fmt "$seed_requests") requests) | $seed_cpu | | | | ≤ 0.5 CPU-s | $(ok "$seed_cpu" "<=" 0.5) |"
	echo "| report of $(fmt "$nresults") results ($bin_mb MB), raw (s) | $rep_rl_s | $rep_vg_s | | $raw_ratio faster | ≥ 1.4× vegeta | $(ok "$raw_ratio" ">=" 1.4) |"
	echo "| report of $(fmt "$nresults") results, with the run summary (s) | $rep_sum_s | $rep_vg_s | | $sum_ratio faster | ≥ 10× vegeta | $(ok "$sum_ratio" ">=" 10) |"
	echo "| report peak RSS, raw (MB) | $rep_rl_mb | $rep_vg_mb | | | ≤ 64 MB | $(ok "$rep_rl_mb" "<=" 64) |"
	echo "| report peak RSS, with the run summary (MB) | $rep_sum_mb | | | | ≤ 64 MB | $(ok "$rep_sum_mb" "<=" 64) |"
	echo "| bytes per stored result ($(fmt "$stored") results, 20 s at 500/s, no bodies) | $per_result | | | | ≤ 100 B | $(ok "$per_result" "<=" 100) |"
	echo "| 10,000 users, 1–5 s think time, $users_time: peak RSS (MB) | $u_rss | | | | ≤ 200 MB | $(ok "$u_rss" "<=" 200) |"
	echo "| 10,000 users: CPU (cores, average; $(fmt "$u_requests") requests) | $u_cores | | | | ≤ 1 core | $(ok "$u_cores" "<=" 1) |"
	while read -r name ns bytes allocs; do
		[ -n "$name" ] || continue
		echo "| Go \`$name\` (ns, B, allocs per op) | $ns ns, $bytes B, $allocs allocs | | | | | |"
	done <<<"$gobench"
)

cpu=$(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)
machine="$(date -u '+%Y-%m-%d %H:%M UTC') · ${cpu:-unknown CPU}, $(nproc) cores · Linux $(uname -r) · $(go version | awk '{print $3}') · nginx $("$nginx_bin" -v 2>&1 | sed 's|.*/||') · wrk $({ wrk -v 2>&1 || true; } | awk 'NR == 1 {v = $2; sub(/^.*\//, "", v); sub(/-.*$/, "", v); print v}') · vegeta v12.13.0"
if [ "$noisy" -gt 0 ]; then
	machine+=" · **the machine was busy with other processes during $noisy of the measurements**"
fi
note="ragload and vegeta: \`--rate 0 --max-workers $workers\` / \`-rate=0 -max-workers=$workers\`, requests per second as \`vegeta report\`'s throughput of each results file; wrk: \`-t2 -c$workers\`. nginx: one worker process, access log off, keep-alive without a request limit. The rounds (req/s): ragload ${runs[ragload]% }, with checks ${runs[ragload_checks]% }, with metrics ${runs[ragload_metrics]% }, vegeta ${runs[vegeta]% }, wrk ${runs[wrk]% }; CPU at 100/s (CPU-s): ragload ${cpu_runs_rl% }, vegeta ${cpu_runs_vg% }; report times are the median of 3."

echo
echo "$machine"
echo
echo "$table"
echo
echo "$note"

# docs/performance.md: the hand-written part above the marker stays.
marker='<!-- scripts/bench.sh writes below this line -->'
head=""
if [ -f "$doc" ] && grep -qF "$marker" "$doc"; then
	head=$(awk -v m="$marker" '{print} $0 == m {exit}' "$doc")
else
	head="# Performance

Figures measured on loopback by \`make bench\` (scripts/bench.sh), which installs nginx and wrk when
missing and rewrites the part of this page below the marker.

$marker"
fi
{
	echo "$head"
	echo
	echo "Measured $machine."
	echo
	echo "$table"
	echo
	echo "$note"
} >"$doc"
echo "bench: wrote $doc" >&2
