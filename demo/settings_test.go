package demo

import (
	"testing"
	"time"
)

// TestSettingsConfig: a stated zero latency or sigma is none (negative in
// Config), other values pass through; Faults fills from repeated specs.
func TestSettingsConfig(t *testing.T) {
	var fs Faults
	for _, spec := range []string{"503,for=1s", "slow=2s,every=10s,for=1s"} {
		if err := fs.Set(spec); err != nil {
			t.Fatal(err)
		}
	}
	if err := fs.Set("418,for=1s"); err == nil {
		t.Error("418 accepted")
	}
	if len(fs) != 2 || fs.String() == "" || fs.Type() != "fault" {
		t.Fatalf("faults: %d, %q", len(fs), fs.String())
	}
	s := Settings{Workers: 4, Query: 0, Enhanced: 50 * time.Millisecond, Sigma: 0, Scale: 2, TokenRate: 5, Faults: fs, ChatTurnCost: 0.5}
	c := s.Config(map[string]string{"u": "p"})
	switch {
	case c.Workers != 4 || c.QueryLatency != -1 || c.EnhancedLatency != 50*time.Millisecond || c.Sigma != -1:
		t.Errorf("config: %+v", c)
	case c.LatencyScale != 2 || c.StreamTokenRate != 5 || len(c.Faults) != 2 || c.Users["u"] != "p":
		t.Errorf("config: %+v", c)
	case c.IndexDelay != -1 || c.ChatTurnCost != 0.5:
		t.Errorf("index delay %v, chat turn cost %v", c.IndexDelay, c.ChatTurnCost)
	}
	if c := (Settings{IndexDelay: time.Second}).Config(nil).withDefaults(); c.IndexDelay != time.Second || c.ChatTurnCost != 0 {
		t.Errorf("index delay %v, chat turn cost %v", c.IndexDelay, c.ChatTurnCost)
	}
}
