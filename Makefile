# ragload: make targets. `make test` is the README's test command; `make
# check` is what CI runs (.ci/run).
.PHONY: build test race check lint demo serve bench bench-users proof docs clean

VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
BIN     ?= bin/ragload

build:
	go build -trimpath -ldflags "-s -w -X main.version=$(VERSION)" -o $(BIN) ./cmd/ragload

test:
	go test ./...

race:
	go test -race ./...

check:
	.ci/run

lint:
	test -z "$$(gofmt -l .)" || { gofmt -l .; exit 1; }
	go vet ./...
	go mod tidy -diff

demo:
	go run ./cmd/ragload demo

serve:
	go run ./cmd/ragload demo serve --addr 127.0.0.1:8000

bench:
	go test -run '^$$' -bench . -benchmem ./attack ./targets ./results

# 10,000 virtual users with 1–5 s think time against the demo API: peak RSS and CPU.
bench-users:
	scripts/bench-users.sh 10000 60s

# The timing proofs alone, at the issue's tolerance of max(1 ms, 2%).
proof:
	RAGLOAD_STRICT_PROOFS=1 go test -count=1 -v -run 'TestProof' ./attack

# The CLI reference in docs/cli, generated from the commands' help.
docs:
	go run ./cmd/ragload gendocs docs/cli

clean:
	rm -rf bin runs
