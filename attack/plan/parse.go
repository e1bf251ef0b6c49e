package attack

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/ragload/ragload/targets"
)

// ParseRate reads a rate as vegeta writes it: "50" or "50/s" per second,
// "100/1m", "5/500ms".
func ParseRate(s string) (float64, error) {
	num, per, hasPer := strings.Cut(strings.TrimSpace(s), "/")
	f, err := strconv.ParseFloat(num, 64)
	if err != nil {
		return 0, fmt.Errorf("rate %q: want a number of requests, optionally per a duration (50, 50/s, 100/1m)", s)
	}
	if hasPer {
		if per != "" && (per[0] < '0' || per[0] > '9') {
			per = "1" + per // "50/s" means 50/1s
		}
		d, err := time.ParseDuration(per)
		if err != nil || d <= 0 {
			return 0, fmt.Errorf("rate %q: %q is not a positive duration", s, per)
		}
		f /= d.Seconds()
	}
	if f < 0 || f > MaxRate || math.IsNaN(f) {
		return 0, fmt.Errorf("rate %q is outside 0–%g/s", s, float64(MaxRate))
	}
	return f, nil
}

// ParseStages reads "duration:target,..." (e.g. "30s:50,1m:200,30s:0");
// unit names the target in messages ("rate" or "users").
func ParseStages(s, unit string) ([]Stage, error) {
	var out []Stage
	var total time.Duration
	for i, part := range strings.Split(s, ",") {
		d, r, ok := strings.Cut(strings.TrimSpace(part), ":")
		if !ok {
			return nil, fmt.Errorf("stage %d %q: want duration:%s, e.g. 30s:50", i+1, part, unit)
		}
		dur, err := time.ParseDuration(d)
		if err != nil || dur <= 0 {
			return nil, fmt.Errorf("stage %d %q: %q is not a positive duration", i+1, part, d)
		}
		if dur > math.MaxInt64-total { // the plan's length would overflow
			return nil, fmt.Errorf("stage %d %q: the stages last longer than %s", i+1, part, time.Duration(math.MaxInt64))
		}
		total += dur
		rate, err := ParseRate(r)
		if err != nil {
			return nil, fmt.Errorf("stage %d: %w", i+1, err)
		}
		out = append(out, Stage{Duration: dur, Target: rate})
	}
	return out, nil
}

// DefaultWait is the think time of users when none is given.
var DefaultWait = Between(time.Second, 5*time.Second)

// ParseWait reads Locust's wait times: "1s-5s" or "between:1s-5s", "2s"
// or "constant:2s", "pacing:3s", "throughput:0.5"; "" is DefaultWait.
func ParseWait(s string) (Wait, error) {
	if strings.TrimSpace(s) == "" {
		return DefaultWait, nil
	}
	kind, arg, ok := strings.Cut(s, ":")
	if !ok {
		kind, arg = "", s
	}
	dur := func(x string) (time.Duration, error) {
		d, err := time.ParseDuration(strings.TrimSpace(x))
		if err != nil || d < 0 {
			return 0, fmt.Errorf("wait %q: %q is not a duration ≥ 0 (e.g. 1s, 500ms)", s, x)
		}
		return d, nil
	}
	var w Wait
	switch kind {
	case "", "between", "constant":
		lo, hi, isRange := strings.Cut(arg, "-")
		if kind == "between" && !isRange {
			return w, fmt.Errorf("wait %q: between needs min-max, e.g. between:1s-5s", s)
		}
		if kind == "constant" && isRange {
			return w, fmt.Errorf("wait %q: constant takes one duration", s)
		}
		a, err := dur(lo)
		if err != nil {
			return w, err
		}
		w = ConstantWait(a)
		if isRange {
			b, err := dur(hi)
			if err != nil {
				return w, err
			}
			w = Between(a, b)
		}
	case "pacing":
		d, err := dur(arg)
		if err != nil {
			return w, err
		}
		w = Pacing(d)
	case "throughput":
		f, err := strconv.ParseFloat(arg, 64)
		if err != nil || f <= 0 {
			return w, fmt.Errorf("wait %q: throughput needs requests per second per user > 0", s)
		}
		w = Throughput(f)
	default:
		return w, fmt.Errorf("wait %q: kind %q isn't one of [between constant pacing throughput]", s, kind)
	}
	return w, w.Validate()
}

// Sharding reads a shard spec ("i/N" from 0), a start time (RFC 3339) and
// a run id, with the environment of a scheduler filling what they leave
// out when getenv is set: RAGLOAD_SHARD/RAGLOAD_SHARDS, Kubernetes'
// Indexed Jobs' JOB_COMPLETION_INDEX, RAGLOAD_RUN_ID. A shard needs a
// start time, so that the shards begin together; its run id defaults to
// one made from it.
func Sharding(spec, start, runID string, getenv func(string) string) (Shard, time.Time, string, error) {
	var sh Shard
	var startAt time.Time
	if getenv == nil {
		getenv = func(string) string { return "" }
	}
	if spec == "" {
		index := getenv("RAGLOAD_SHARD")
		if index == "" {
			index = getenv("JOB_COMPLETION_INDEX")
		}
		if count := getenv("RAGLOAD_SHARDS"); count != "" {
			if index == "" {
				index = "0"
			}
			spec = index + "/" + count
		}
	}
	if spec != "" {
		i, n, ok := strings.Cut(spec, "/")
		var err1, err2 error
		sh.Index, err1 = strconv.Atoi(strings.TrimSpace(i))
		sh.Count, err2 = strconv.Atoi(strings.TrimSpace(n))
		if !ok || err1 != nil || err2 != nil || sh.Count < 1 {
			return sh, startAt, "", fieldErrorf("shard", " %q: want i/N, e.g. 0/4", spec)
		}
		if err := sh.Validate(); err != nil {
			return sh, startAt, "", fieldErrorf("shard", ": %w", err)
		}
	}
	if start != "" {
		t, err := time.Parse(time.RFC3339Nano, start)
		if err != nil {
			return sh, startAt, "", fieldErrorf("start time", " %q: want an RFC 3339 time such as 2026-11-27T10:00:00Z", start)
		}
		startAt = t
	}
	if runID == "" {
		runID = getenv("RAGLOAD_RUN_ID")
	}
	if sh.Sharded() {
		if startAt.IsZero() {
			return sh, startAt, "", fieldErrorf("shard", " %s needs a start time, so that the shards begin together", sh)
		}
		if runID == "" {
			runID = "run-" + startAt.UTC().Format("20060102T150405Z")
		}
	}
	return sh, startAt, runID, nil
}

// LoadScenario reads a scenario file ("" for the built-in one) and, when
// queries is set, replaces its questions with the file's.
func LoadScenario(file, queries string) (*targets.Scenario, error) {
	sc := targets.Default()
	if file != "" {
		var err error
		if sc, err = targets.Load(file); err != nil {
			return nil, err
		}
	}
	if queries != "" {
		qs, err := targets.LoadQueries(queries)
		if err != nil {
			return nil, err
		}
		sc.Queries = qs
	}
	return sc, nil
}

// LoadCredentials are the accounts a run logs in with: a CSV file's, or
// one from username and password, else from the environment (getenv; see
// targets.CredentialFromEnv). warn hears about the file's oddities.
func LoadCredentials(file, username, password string, getenv func(string) string, warn func(string)) ([]targets.Credential, error) {
	if file != "" {
		if username != "" || password != "" {
			return nil, fieldErrorf("credentials", " file and a username or password are mutually exclusive")
		}
		return targets.LoadCredentialsWarn(file, warn)
	}
	c := targets.CredentialFromEnv(getenv)
	if username != "" {
		c.Username = username
	}
	if password != "" {
		c.Password = password
	}
	return []targets.Credential{c}, nil
}
