#!/usr/bin/env bash
# bench-replay: replays streams at 5,000 requests/s against the demo API (a
# separate process, no service time) on loopback and reports the schedule
# lag, the achieved rate and ragload's peak RSS for two stream lengths, so
# that memory can be seen to stay flat as the stream grows.
# Usage: scripts/bench-replay.sh [rate] [short-seconds] [long-seconds]
set -euo pipefail
cd "$(dirname "$0")/.."
rate=${1:-5000}
short=${2:-10}
long=${3:-60}
out=$(mktemp -d)
trap 'kill "$demo_pid" 2>/dev/null || true; rm -rf "$out"' EXIT

go build -o "$out/ragload" ./cmd/ragload
port=$((20000 + RANDOM % 20000))
"$out/ragload" demo serve --addr "127.0.0.1:$port" --workers 20000 \
	--query-latency 0 --enhanced-latency 0 --documents-latency 0 --login-latency 0 --health-latency 0 \
	2>"$out/demo.log" &
demo_pid=$!
for _ in $(seq 50); do curl -fs "http://127.0.0.1:$port/health" >/dev/null 2>&1 && break; sleep 0.1; done

# A stream of GET /health at $rate per second for $1 seconds.
stream() {
	awk -v n="$(( rate * $1 ))" -v rate="$rate" 'BEGIN {
		for (i = 0; i < n; i++) printf "{\"offset_us\":%d,\"endpoint\":\"/health\",\"method\":\"GET\",\"url\":\"/health\"}\n", i * 1000000 / rate
	}' >"$2"
}

echo "| stream | lines | achieved | lag p50 ms | lag p99 ms | late > 5 ms | peak RSS MB | CPU cores |"
echo "|---|---|---|---|---|---|---|---|"
for secs in "$short" "$long"; do
	stream "$secs" "$out/s$secs.jsonl"
	/usr/bin/time -f '%e %U %S %M' -o "$out/time" "$out/ragload" replay "$out/s$secs.jsonl" \
		-u "http://127.0.0.1:$port" -o "$out/r$secs" -q -f json >"$out/r$secs.json" || true
	read -r wall user sys maxrss <"$out/time"
	python3 - "$out/r$secs.json" "$secs" "$maxrss" "$user" "$sys" "$wall" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
t, g = d["total"], d["run"]["generator"]
lag = t.get("schedule_lag_ms") or {}
secs, rss, user, sys_, wall = sys.argv[2], int(sys.argv[3]), float(sys.argv[4]), float(sys.argv[5]), float(sys.argv[6])
print(f"| {secs} s | {t['requests']} | {t['rps']:.0f}/s | {lag.get('p50', 0):.2f} | {lag.get('p99', 0):.2f} | {g['late']} | {rss/1024:.0f} | {(user+sys_)/wall:.2f} |")
PY
done
