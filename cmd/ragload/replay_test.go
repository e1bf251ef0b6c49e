package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ragload/ragload/demo"
)

func TestNewReplayCmd(t *testing.T) {
	tests := []struct{ name, args, wantErr string }{
		{name: "stream", args: "-u http://x s.jsonl --speed 2 --loop 3 --max-gap 1s"},
		{name: "no source", args: "-u http://x", wantErr: "give one source"},
		{name: "two sources", args: "-u http://x s.jsonl --from-access-log a.log", wantErr: "give one source"},
		{name: "no url", args: "s.jsonl", wantErr: "--url is required"},
		{name: "bad speed", args: "-u http://x s.jsonl --speed 0", wantErr: "--speed must be > 0"},
		{name: "bad loop", args: "-u http://x s.jsonl --loop 0", wantErr: "--loop must be ≥ 1"},
		{name: "vegeta without rate", args: "-u http://x --from-vegeta t.http", wantErr: "--from-vegeta needs --rate > 0 and --duration > 0"},
		{name: "rate without vegeta", args: "-u http://x s.jsonl --rate 5", wantErr: "apply only with --from-vegeta"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// The stream files do not exist: a valid case gets as far as
			// opening them.
			_, err := parseCmd(t, newReplayCmd, tt.args)
			if tt.wantErr == "" {
				if err == nil || !strings.Contains(err.Error(), "s.jsonl") {
					t.Fatalf("err = %v; want the missing stream file named", err)
				}
				return
			}
			expectErr(t, err, tt.wantErr)
		})
	}
}

// TestRecordAndReplayCommands records virtual users and replays their
// stream from the command line; a damaged stream is refused with its line.
func TestRecordAndReplayCommands(t *testing.T) {
	t.Parallel()
	_, url := demoAPI(t, demo.Config{})
	dir := t.TempDir()
	stream := filepath.Join(dir, "users", "stream.jsonl")
	out, errOut, code := ragload(t, "users", "--min-samples", "1", "-u", url, "-n", "4", "-r", "0", "--run-time", "1s", "--wait", "100ms",
		"-o", filepath.Join(dir, "users"), "--record", stream, "-q")
	if !ranOK(out, code) {
		t.Fatalf("users: exit %d\n%s\n%s", code, out, errOut)
	}
	b, err := os.ReadFile(stream)
	if err != nil || strings.Count(string(b), "\n") < 10 || strings.Contains(string(b), "auth/login") {
		t.Fatalf("stream (%v): %d lines; logins must not be recorded:\n%.300s", err, strings.Count(string(b), "\n"), b)
	}
	if _, errOut, code := ragload(t, "users", "-u", url, "-n", "1", "--run-time", "1s", "-o", filepath.Join(dir, "again"), "--record", stream, "-q"); code != exitUsage || !strings.Contains(errOut, "exists") {
		t.Errorf("--record over an existing file: exit %d %s", code, errOut)
	}
	start := time.Now()
	out, errOut, code = ragload(t, "replay", "--min-samples", "1", stream, "-u", url, "--speed", "2", "-o", filepath.Join(dir, "replay"))
	if !ranOK(out, code) {
		t.Fatalf("replay: exit %d\n%s\n%s", code, out, errOut)
	}
	wantContains(t, "replay report", out, "replay · complete", "at speed 2", "/query (basic)")
	if el := time.Since(start); el > 5*time.Second {
		t.Errorf("a 1 s stream at speed 2 took %s", el)
	}

	bad := filepath.Join(dir, "bad.jsonl")
	os.WriteFile(bad, append(b[:strings.Index(string(b), "\n")+1], []byte("{\"offset_us\":5,\"method\":\"GET\",\"url\":\"health\"}\n")...), 0o644)
	if _, errOut, code := ragload(t, "replay", bad, "-u", url); code != exitUsage || !strings.Contains(errOut, bad+":2: url:") {
		t.Errorf("damaged stream: exit %d %s", code, errOut)
	}
	if out, errOut, code := ragload(t, "replay", "--min-samples", "1", bad, "-u", url, "--skip-bad", "-o", filepath.Join(dir, "skip")); code != exitOK || !strings.Contains(errOut, "skipped 1 bad lines") {
		t.Errorf("--skip-bad: exit %d\n%s\n%s", code, out, errOut)
	}
}
