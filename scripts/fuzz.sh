#!/usr/bin/env bash
# fuzz: runs every native Go fuzz target of the module (func FuzzXxx in a
# _test.go file), one at a time, for a while each, and prints a table of
# targets, executions, new interesting inputs and results. Exits non-zero
# if any target fails.
#
# Usage: scripts/fuzz.sh [duration]     (default $FUZZTIME, else 60s each;
#        Go's -fuzztime syntax: 30s, 5m, or 10000x executions)
#
# Environment: FUZZPARALLEL (workers, default 2), FUZZMINIMIZETIME (time
# spent shrinking an input that found new coverage or failed, default 5s;
# Go's default of 60s can eat a short run), FUZZPACKAGES (packages to
# search, default ./...).
#
# The seed corpus of FuzzXxx is <package>/testdata/fuzz/FuzzXxx/ (plus its
# f.Add calls); `go test` runs those seeds as ordinary tests. A failing
# input is written by Go to that same directory: commit it as a regression
# seed once the parser is fixed. Inputs that only widened coverage stay in
# Go's cache ($(go env GOCACHE)/fuzz), so later runs go on from them.
set -euo pipefail
cd "$(dirname "$0")/.."
fuzztime=${1:-${FUZZTIME:-60s}}
parallel=${FUZZPARALLEL:-2}
minimize=${FUZZMINIMIZETIME:-5s}
read -r -a search <<<"${FUZZPACKAGES:-./...}"
module=$(go list -m)

# Go's test timeout (10m by default) also bounds fuzzing; give a long run
# ten minutes more than it asks for.
timeout=10m
if [[ $fuzztime =~ ^([0-9]+)(s|m|h)$ ]]; then
	n=${BASH_REMATCH[1]}
	case ${BASH_REMATCH[2]} in
	m) n=$((n * 60)) ;;
	h) n=$((n * 3600)) ;;
	esac
	timeout=$((n + 600))s
fi

logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT

# The packages with fuzz targets (grep spares building the others), and
# their targets as go test lists them: names, then "ok <package>".
pkgs=()
while read -r pkg dir; do
	if grep -qs '^func Fuzz' "$dir"/*_test.go; then pkgs+=("$pkg"); fi
done < <(go list -f '{{.ImportPath}} {{.Dir}}' "${search[@]}")
targets=() # "package target"
if [ ${#pkgs[@]} -gt 0 ]; then
	if ! go test -list '^Fuzz' "${pkgs[@]}" >"$logs/list" 2>&1; then
		cat "$logs/list" >&2
		exit 1
	fi
	names=()
	while read -r word pkg _; do
		case $word in
		Fuzz*) names+=("$word") ;;
		ok) for n in "${names[@]}"; do targets+=("$pkg $n"); done; names=() ;;
		esac
	done <"$logs/list"
fi
if [ ${#targets[@]} -eq 0 ]; then
	echo "fuzz: no fuzz targets found in ${search[*]}" >&2
	exit 1
fi
echo "fuzz: ${#targets[@]} targets, $fuzztime each, $parallel workers" >&2

# deadline_race tells whether a failed run only hit Go's own race at the end
# of -fuzztime (go.dev/issue/75804, fixed in Go 1.27): "context deadline
# exceeded" and no failing input. The file readers' targets fail an
# execution that hangs themselves (fuzzWithin), so a hang does not hide
# behind it.
deadline_race() { # log name
	! grep -q 'Failing input written to' "$1" &&
		grep -A1 -- "^--- FAIL: $2 " "$1" | tail -n 1 | grep -qx '[[:space:]]*context deadline exceeded'
}

failed=0
races=0
rows=()
saved=() # failing inputs Go wrote
for t in "${targets[@]}"; do
	read -r pkg name <<<"$t"
	log="$logs/$name.log"
	echo "fuzz: $name ($pkg)" >&2
	start=$SECONDS
	result=ok
	if ! go test -run '^$' -fuzz "^$name\$" -fuzztime "$fuzztime" -fuzzminimizetime "$minimize" \
		-parallel "$parallel" -timeout "$timeout" "$pkg" >"$log" 2>&1; then
		if deadline_race "$log" "$name"; then
			result="ok (go#75804)"
			races=$((races + 1))
		else
			result=FAIL
			failed=$((failed + 1))
		fi
	fi
	# The last progress line: "fuzz: elapsed: 5s, execs: 12345 (2469/sec), new interesting: 3 (total: 23)".
	last=$(grep -E '^fuzz: elapsed: .*execs: [0-9]+' "$log" | tail -n 1 || true)
	execs=$(sed -nE 's/.*execs: ([0-9]+).*/\1/p' <<<"$last")
	interesting=$(sed -nE 's/.*new interesting: ([0-9]+).*/\1/p' <<<"$last")
	rows+=("$name|${pkg#"$module"/}|${execs:-0}|${interesting:-0}|$((SECONDS - start))s|$result")
	if [ "$result" = FAIL ]; then
		echo "fuzz: $name failed; the end of its output:" >&2
		tail -n 40 "$log" >&2
		input=$(sed -nE 's/.*Failing input written to (.*)$/\1/p' "$log" | tail -n 1)
		if [ -n "$input" ]; then
			dir=$(go list -f '{{.Dir}}' "$pkg")
			saved+=("${dir#"$PWD"/}/$input")
		fi
	fi
done

echo
printf '%-22s %-14s %12s %16s %8s %s\n' target package executions "new interesting" time result
for r in "${rows[@]}"; do
	IFS='|' read -r name pkg execs interesting took result <<<"$r"
	printf '%-22s %-14s %12s %16s %8s %s\n' "$name" "$pkg" "$execs" "$interesting" "$took" "$result"
done
if [ "$races" -gt 0 ]; then
	echo
	echo "ok (go#75804): Go reported its own -fuzztime deadline as a failure, with no" \
		"failing input (go.dev/issue/75804, fixed in Go 1.27); the run is counted as passed."
fi
if [ "$failed" -gt 0 ]; then
	echo
	echo "fuzz: $failed of ${#targets[@]} targets failed. Go saved the failing inputs in" \
		"<package>/testdata/fuzz/<target>/: fix the parser, then commit each as a" \
		"regression seed (go test runs it)." >&2
	for f in "${saved[@]}"; do echo "  $f" >&2; done
	exit 1
fi
