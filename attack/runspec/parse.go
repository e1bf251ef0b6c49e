package runspec

import (
	"strconv"
	"strings"
	"time"

	"github.com/ragload/ragload/attack/plan"
	"github.com/ragload/ragload/targets"
	"github.com/ragload/ragload/targets/auth"
)

// Sharding reads a shard spec ("i/N" from 0), a start time (RFC 3339) and
// a run id, with the environment of a scheduler filling what they leave
// out when getenv is set: RAGLOAD_SHARD/RAGLOAD_SHARDS, Kubernetes'
// Indexed Jobs' JOB_COMPLETION_INDEX, RAGLOAD_RUN_ID. A shard needs a
// start time, so that the shards begin together; its run id defaults to
// one made from it.
func Sharding(spec, start, runID string, getenv func(string) string) (plan.Shard, time.Time, string, error) {
	var sh plan.Shard
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
// auth.CredentialFromEnv). warn hears about the file's oddities.
func LoadCredentials(file, username, password string, getenv func(string) string, warn func(string)) ([]auth.Credential, error) {
	if file != "" {
		if username != "" || password != "" {
			return nil, fieldErrorf("credentials", " file and a username or password are mutually exclusive")
		}
		return auth.LoadCredentialsWarn(file, warn)
	}
	c := auth.CredentialFromEnv(getenv)
	if username != "" {
		c.Username = username
	}
	if password != "" {
		c.Password = password
	}
	return []auth.Credential{c}, nil
}
