package runspec

import (
	"strings"
	"testing"

	"github.com/ragload/ragload/attack/plan"
)

func TestSharding(t *testing.T) {
	env := func(kv ...string) func(string) string {
		return func(k string) string {
			for i := 0; i+1 < len(kv); i += 2 {
				if kv[i] == k {
					return kv[i+1]
				}
			}
			return ""
		}
	}
	at := "2026-11-27T10:00:00Z"
	tests := []struct {
		name    string
		o       struct{ Shard, StartAt, RunID string }
		env     func(string) string
		want    plan.Shard
		wantID  string
		wantErr string
	}{
		{name: "none", env: env()},
		{name: "flag", o: struct{ Shard, StartAt, RunID string }{Shard: "2/4", StartAt: at}, env: env(), want: plan.Shard{Index: 2, Count: 4}, wantID: "run-20261127T100000Z"},
		{name: "env", o: struct{ Shard, StartAt, RunID string }{StartAt: at}, env: env("RAGLOAD_SHARD", "1", "RAGLOAD_SHARDS", "3", "RAGLOAD_RUN_ID", "r7"), want: plan.Shard{Index: 1, Count: 3}, wantID: "r7"},
		{name: "indexed job", o: struct{ Shard, StartAt, RunID string }{StartAt: at, RunID: "k8s"}, env: env("JOB_COMPLETION_INDEX", "3", "RAGLOAD_SHARDS", "4"), want: plan.Shard{Index: 3, Count: 4}, wantID: "k8s"},
		{name: "no start", o: struct{ Shard, StartAt, RunID string }{Shard: "0/2"}, env: env(), wantErr: "shard 0/2 needs a start time"},
		{name: "index too big", o: struct{ Shard, StartAt, RunID string }{Shard: "4/4", StartAt: at}, env: env(), wantErr: "want 0 ≤ index < count"},
		{name: "bad spec", o: struct{ Shard, StartAt, RunID string }{Shard: "two", StartAt: at}, env: env(), wantErr: `shard "two": want i/N`},
		{name: "bad time", o: struct{ Shard, StartAt, RunID string }{StartAt: "tomorrow"}, env: env(), wantErr: `start time "tomorrow"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sh, _, id, err := Sharding(tt.o.Shard, tt.o.StartAt, tt.o.RunID, tt.env)
			if tt.wantErr != "" || err != nil {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Errorf("error %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if sh != tt.want || id != tt.wantID {
				t.Errorf("shard %v run %q; want %v %q", sh, id, tt.want, tt.wantID)
			}
		})
	}
	for n, total := range map[int]int{4: 10, 3: 3, 5: 2} {
		sum := 0
		for i := range n {
			sum += plan.Shard{Index: i, Count: n}.Split(total)
		}
		if sum != total {
			t.Errorf("%d over %d shards splits into %d", total, n, sum)
		}
	}
}
