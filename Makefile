# ragload: make targets. `make test` is the README's test command; `make ci`
# is what CI runs (.ci/run). `make baseline` and `make check` are the load
# test flow a team puts in CI (docs/outputs.md, "Regression checks").
.PHONY: build test race ci lint demo serve bench bench-go bench-users bench-replay proof fuzz soak docs clean baseline check sweep

VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
BIN     ?= bin/ragload

build:
	go build -trimpath -ldflags "-s -w -X main.version=$(VERSION)" -o $(BIN) ./cmd/ragload

test:
	go test ./...

race:
	go test -race ./...

ci:
	.ci/run

# --- Load tests against a running API: a stored baseline and checks -------
URL      ?= http://127.0.0.1:8000
RATE     ?= 20
DURATION ?= 1m
USERS    ?=
RUN_TIME ?= $(DURATION)
WAIT     ?= 1s-5s
BASELINE ?= runs/baseline
CHECKS   ?= runs
COMPARE  ?=
RAGLOAD  ?= go run ./cmd/ragload
# USERS=N runs closed-loop virtual users instead of an arrival rate.
LOAD = $(if $(USERS),users --url $(URL) --users $(USERS) --run-time $(RUN_TIME) --wait $(WAIT),attack --url $(URL) --rate $(RATE) --duration $(DURATION)) --seed 1 --quiet

# Store a named run as the baseline (replacing the previous one).
baseline:
	rm -rf $(BASELINE)
	$(RAGLOAD) $(LOAD) --out $(BASELINE)

# Find the highest rate that still meets the verdict.
FROM          ?= 10
TO            ?= 1000
STEP_DURATION ?= 30s
WARMUP        ?= 5s
SWEEP         ?= runs/sweep-$(shell date +%Y%m%d-%H%M%S)
sweep:
	$(RAGLOAD) sweep --url $(URL) --from $(FROM) --to $(TO) --step-duration $(STEP_DURATION) --warmup $(WARMUP) --out $(SWEEP)

# Run the same plan, then compare it with the baseline: the make fails on a
# failed verdict or a regression (both are printed first), and at once when
# there is no baseline. A check with another plan than the baseline's
# (RATE, DURATION, USERS, RUN_TIME) fails too: compare refuses it; pass
# COMPARE=--allow-different-plans to compare anyway.
check:
	@test -f $(BASELINE)/run.json || { echo "make check: no baseline in $(BASELINE) (no run.json): store one first with 'make baseline', with the same URL and plan" >&2; exit 2; }
	@out=$(CHECKS)/check-$$(date +%Y%m%d-%H%M%S); \
	$(RAGLOAD) $(LOAD) --out $$out; verdict=$$?; \
	$(RAGLOAD) compare $(BASELINE) $$out $(COMPARE); regression=$$?; \
	test $$verdict -eq 0 && test $$regression -eq 0

lint:
	test -z "$$(gofmt -l .)" || { gofmt -l .; exit 1; }
	go vet ./...
	go mod tidy -diff

demo:
	go run ./cmd/ragload demo

serve:
	go run ./cmd/ragload demo serve --addr 127.0.0.1:8000

# ragload against vegeta and wrk on loopback, report against vegeta report,
# bytes per result, 10,000 users and the Go benchmarks, as one table, also
# written to docs/performance.md (installs nginx and wrk when missing).
bench:
	scripts/bench.sh

# The Go benchmarks of the hot paths alone.
bench-go:
	go test -run '^$$' -bench . -benchmem ./attack ./targets ./targets/auth ./results

# 10,000 virtual users with 1–5 s think time against the demo API: peak RSS and CPU.
bench-users:
	scripts/bench-users.sh 10000 60s

# Replay at 5,000/s: schedule lag and memory for a short and a long stream.
bench-replay:
	scripts/bench-replay.sh 5000 10 60

# Every native Go fuzz target (scenario, thresholds, rate and stage flags,
# recorded streams, access logs, results and manifests), one at a time, for
# FUZZTIME each, then a table of executions; fails if any target fails. The
# seeds are in testdata/fuzz: each package's testdata/fuzz/FuzzXxx/, where
# Go also saves a failing input (commit it as a regression seed; go test
# runs it). CI runs each target for 3 s (.ci/run).
FUZZTIME ?= 60s
fuzz:
	scripts/fuzz.sh $(FUZZTIME)

# The timing proofs alone, at the issue's tolerance of max(1 ms, 2%).
proof:
	RAGLOAD_STRICT_PROOFS=1 go test -count=1 -v -run 'TestProof|TestRecordReplayRoundTrip' ./attack

# 30 minutes of an attack at 50/s and 100 virtual users, as two processes,
# against the demo API: resident memory and goroutines every 10 s, and a
# failure if either grew (cmd/ragload TestSoak; go test runs it for 1 minute).
SOAK ?= 30m
soak:
	RAGLOAD_SOAK=$(SOAK) go test ./cmd/ragload -run '^TestSoak$$' -count=1 -v -timeout 2h

# The CLI reference in docs/cli, generated from the commands' help.
docs:
	go run ./cmd/ragload gendocs docs/cli

# Removes builds and runs, but keeps the accounts prepare made
# (runs/credentials*.csv): their passwords exist nowhere else.
clean:
	rm -rf bin
	find runs -mindepth 1 -maxdepth 1 ! -name 'credentials*.csv' -exec rm -rf {} + 2>/dev/null || true
