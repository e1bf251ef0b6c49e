# ragload: make targets. `make test` is the README's test command; `make
# check` is what CI runs (.ci/run).
.PHONY: build test race check lint demo serve bench clean

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

clean:
	rm -rf bin runs
