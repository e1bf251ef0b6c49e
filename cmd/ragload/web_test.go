package main

import (
	"context"
	"io"
	"strings"
	"testing"
)

func TestNewWebCmd(t *testing.T) {
	tests := []struct {
		name, args, wantErr string
		wantAddr            string
	}{
		{name: "defaults", wantAddr: "127.0.0.1:8089"},
		{name: "ipv6 loopback", args: "--addr [::1]:9000", wantAddr: "[::1]:9000"},
		{name: "localhost", args: "--addr localhost:9000", wantAddr: "localhost:9000"},
		{name: "remote refused", args: "--addr 0.0.0.0:8089", wantErr: "--addr 0.0.0.0:8089 is not a loopback address: the page can start load, so this needs --allow-remote"},
		{name: "remote allowed", args: "--addr 0.0.0.0:8089 --allow-remote", wantAddr: "0.0.0.0:8089"},
		{name: "bad addr", args: "--addr 8089", wantErr: `--addr "8089": want host:port, e.g. 127.0.0.1:8089`},
		{name: "max users", args: "--max-users 0", wantErr: "--max-users must be ≥ 1, got 0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got *webOptions
			cmd := newWebCmd(&streams{Out: io.Discard, ErrOut: io.Discard}, func(_ context.Context, o *webOptions) error { got = o; return nil })
			cmd.SetArgs(strings.Fields(tt.args))
			cmd.SetOut(io.Discard)
			cmd.SetErr(io.Discard)
			err := cmd.Execute()
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Fatalf("error %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.Addr != tt.wantAddr || got.RunsDir != "runs" {
				t.Errorf("addr %q runs %q, want %q runs", got.Addr, got.RunsDir, tt.wantAddr)
			}
		})
	}
}
