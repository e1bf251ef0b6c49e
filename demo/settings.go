package demo

import (
	"strings"
	"time"
)

// Settings are a demo API's knobs as a user states them (ragload demo's
// flags): a zero latency or Sigma means none, where Config's zero means
// the default.
type Settings struct {
	Workers, QueueLimit                       int
	Query, Enhanced, Documents, Login, Health time.Duration
	Sigma, Scale, UserRate                    float64
	TokenTTL                                  time.Duration
	FirstToken, StallEvery, StallFor          time.Duration
	TokenRate                                 float64
	Faults                                    Faults
	IndexDelay                                time.Duration
	ChatTurnCost                              float64
}

// Config is the configuration s asks for, with users as the registered
// accounts (name → password).
func (s Settings) Config(users map[string]string) Config {
	return Config{
		Workers: s.Workers, QueueLimit: s.QueueLimit,
		QueryLatency: zeroMeansNone(s.Query), EnhancedLatency: zeroMeansNone(s.Enhanced),
		DocumentsLatency: zeroMeansNone(s.Documents), LoginLatency: zeroMeansNone(s.Login),
		HealthLatency: zeroMeansNone(s.Health),
		Sigma:         zeroMeansNone(s.Sigma), LatencyScale: s.Scale, UserRateLimit: s.UserRate,
		TokenTTL: s.TokenTTL, Users: users,
		StreamFirstToken: zeroMeansNone(s.FirstToken), StreamTokenRate: s.TokenRate,
		StallEvery: s.StallEvery, StallFor: s.StallFor,
		Faults:     s.Faults,
		IndexDelay: zeroMeansNone(s.IndexDelay), ChatTurnCost: zeroMeansNone(s.ChatTurnCost),
	}
}

// zeroMeansNone turns a stated 0 into Config's "none" (negative).
func zeroMeansNone[T ~int64 | ~float64](v T) T {
	if v == 0 {
		return -1
	}
	return v
}

// Faults is a list of faults that a repeated flag fills (it is a
// pflag.Value): Set parses one more with ParseFault.
type Faults []Fault

// Type names the flag's values.
func (fs *Faults) Type() string { return "fault" }

// String is the faults' specs, space-separated.
func (fs *Faults) String() string {
	if fs == nil {
		return ""
	}
	specs := make([]string, len(*fs))
	for i, f := range *fs {
		specs[i] = f.String()
	}
	return strings.Join(specs, " ")
}

// Set appends the fault spec s.
func (fs *Faults) Set(s string) error {
	f, err := ParseFault(s)
	if err != nil {
		return err
	}
	*fs = append(*fs, f)
	return nil
}
