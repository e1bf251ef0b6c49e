#!/usr/bin/env bash
# bench-users: 10,000 closed-loop virtual users with 1–5 s think time
# against the demo API (a separate process, no service time) on loopback,
# reporting ragload's peak RSS and CPU. Target: ≤ 200 MB RSS, ≤ 1 core.
# Usage: scripts/bench-users.sh [users] [run-time]
set -euo pipefail
cd "$(dirname "$0")/.."
users=${1:-10000}
runtime=${2:-60s}
out=$(mktemp -d)
trap 'kill "$demo_pid" 2>/dev/null || true; rm -rf "$out"' EXIT

go build -o "$out/ragload" ./cmd/ragload
port=$((20000 + RANDOM % 20000))
"$out/ragload" demo serve --addr "127.0.0.1:$port" --workers 20000 \
	--query-latency 0 --enhanced-latency 0 --documents-latency 0 --login-latency 0 --health-latency 0 \
	2>"$out/demo.log" &
demo_pid=$!
for _ in $(seq 50); do curl -fs "http://127.0.0.1:$port/health" >/dev/null 2>&1 && break; sleep 0.1; done

/usr/bin/time -f '%e %U %S %M' -o "$out/time" \
	"$out/ragload" users -u "http://127.0.0.1:$port" -n "$users" -r 1000 --run-time "$runtime" \
	--wait 1s-5s -o "$out/run" -q -f json >"$out/report.json" || true
# The last line: time writes "Command exited with non-zero status" first
# when the verdict fails.
read -r wall user sys maxrss < <(tail -n 1 "$out/time")
requests=$(grep -m1 '"requests"' "$out/report.json" | tr -dc 0-9)
p95=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["total"]["latency_ms"]["p95"])' "$out/report.json" 2>/dev/null || echo "?")
cores=$(awk -v u="$user" -v s="$sys" -v w="$wall" 'BEGIN{printf "%.2f", (u+s)/w}')
echo
echo "| users | run time | requests | p95 ms | peak RSS MB | CPU cores (avg) | wall s |"
echo "|---|---|---|---|---|---|---|"
printf '| %s | %s | %s | %s | %.0f | %s | %s |\n' "$users" "$runtime" "$requests" "$p95" "$(echo "$maxrss/1024" | bc -l)" "$cores" "$wall"
