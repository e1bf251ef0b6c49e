package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/ragload/ragload/demo"
	"github.com/ragload/ragload/internal/testtool"
	"github.com/ragload/ragload/metrics"
	"github.com/ragload/ragload/results"
)

// TestPrometheusStoresFinalCounts runs a real Prometheus (Debian's, which
// .ci/install-test-tools installs) scraping `ragload attack --metrics-addr`
// every second, and checks what it stored against the results file: the
// request total of each endpoint and the histogram's count must equal the
// file's exactly, because the run counts every result before it ends and
// --metrics-linger keeps /metrics up until Prometheus has scraped it once
// after the end. Everything runs on 127.0.0.1, for about 11 s
// (30 at most).
func TestPrometheusStoresFinalCounts(t *testing.T) {
	prom := prometheusBinary(t)
	_, target := demoAPI(t, demo.Config{})
	metricsAddr, promAddr := freeLoopbackAddr(t), freeLoopbackAddr(t)
	api := startPrometheus(t, prom, metricsAddr, promAddr)

	const name = "prom-acceptance"
	dir := runDir(t)
	start := time.Now()
	out, errOut, code := ragload(t, "attack", "-u", target, "--rate", "40", "-d", "5s", "-o", dir, "-q", "--seed", "21",
		"--name", name, "--min-samples", "1", "--metrics-addr", metricsAddr, "--metrics-linger", "5s")
	if !ranOK(out, code) {
		t.Fatalf("attack exited %d:\n%s\n%s", code, out, errOut)
	}
	t.Logf("attack with --metrics-addr took %s (5 s of sending, then the linger until the last scrape)", time.Since(start).Round(10*time.Millisecond))

	// The file, named as the report names endpoints; a name outside the
	// scenario is "other" in the metrics (never the case here).
	m := readManifest(t, dir)
	agg := results.NewAggregator(m)
	if err := results.ReadFile(filepath.Join(dir, results.ResultsFile), func(r *vegeta.Result) error { agg.Add(r); return nil }); err != nil {
		t.Fatal(err)
	}
	inScenario := map[string]bool{}
	for _, ep := range m.Scenario.Endpoints {
		inScenario[ep.Name] = true
	}
	want := map[string]float64{}
	for _, s := range agg.Endpoints() {
		label := s.Name
		if !inScenario[label] {
			label = metrics.Other
		}
		want[label] += float64(s.Requests)
	}
	if agg.Count() < 100 || len(want) < 2 {
		t.Fatalf("the run wrote %d results over %d endpoints: too few to compare", agg.Count(), len(want))
	}

	// A scrape after the run's end (running 0) holds its final counts: the
	// recorder counts each result before it writes it, and ends the run
	// after the last. Series go stale once ragload has stopped serving, so
	// every query reads the last sample stored (last_over_time).
	sel := fmt.Sprintf("{run=%q}", name)
	// (The last scrape can still be lost, and this then fails rightly:
	// the metrics server closes once the handler returns, which can cut
	// the response before net/http has flushed it; about 1 in 5,000 here.)
	if !testtool.Eventually(5*time.Second, func() bool {
		v, err := api.query("last_over_time(" + metrics.Running + sel + "[5m]) == 0")
		return err == nil && len(v) == 1
	}) {
		v, err := api.query("last_over_time(" + metrics.Running + sel + "[5m])")
		t.Errorf("Prometheus stored no scrape made after the run ended (%s: %v, %v): the linger did not wait for one", metrics.Running, v, err)
	}
	if v, err := api.query("max_over_time(" + metrics.Running + sel + "[5m])"); err != nil || len(v) != 1 || v[0].value != 1 {
		t.Errorf("no scrape during the run (max of ragload_run_running: %v, %v)", v, err)
	}

	got := map[string]float64{}
	v, err := api.query("sum by (endpoint) (last_over_time(" + metrics.Requests + sel + "[5m]))")
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range v {
		got[s.metric["endpoint"]] = s.value
	}
	var names []string
	for n := range want {
		names = append(names, n)
	}
	for n := range got {
		if _, ok := want[n]; !ok {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	for _, n := range names {
		t.Logf("%-20s Prometheus %6.0f   results file %6.0f", n, got[n], want[n])
		if got[n] != want[n] {
			t.Errorf("endpoint %q: Prometheus stored %s = %.0f, the results file has %.0f", n, metrics.Requests, got[n], want[n])
		}
	}

	v, err = api.query("sum(last_over_time(" + metrics.ResponseTime + "_count" + sel + "[5m]))")
	if err != nil {
		t.Fatal(err)
	}
	if len(v) != 1 || v[0].value != float64(agg.Count()) {
		t.Errorf("Prometheus stored %s_count = %v, the results file has %d results", metrics.ResponseTime, v, agg.Count())
	} else {
		t.Logf("%-20s Prometheus %6.0f   results file %6d", metrics.ResponseTime+"_count", v[0].value, agg.Count())
	}
}

// prometheusBinary returns Prometheus's path: on PATH or where Debian's
// package puts it; without, the test skips (or fails under
// RAGLOAD_REQUIRE_TOOLS=1).
func prometheusBinary(t *testing.T) string {
	t.Helper()
	if p, err := exec.LookPath("prometheus"); err == nil {
		return p
	}
	if fi, err := os.Stat("/usr/bin/prometheus"); err == nil && fi.Mode().IsRegular() && fi.Mode().Perm()&0o111 != 0 {
		return "/usr/bin/prometheus"
	}
	return testtool.Require(t, "the Prometheus test", "prometheus")
}

// freeLoopbackAddr returns 127.0.0.1 and a port nothing listens on (just
// freed).
func freeLoopbackAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	return addr
}

// promAPI queries a Prometheus server's HTTP API.
type promAPI struct {
	base   string
	client *http.Client
}

// startPrometheus starts prom listening on promAddr and scraping
// metricsAddr every second, with everything it writes in a temporary
// folder, waits until it is ready, and kills it when the test ends.
func startPrometheus(t *testing.T, prom, metricsAddr, promAddr string) *promAPI {
	t.Helper()
	dir := t.TempDir()
	config := fmt.Sprintf(`global:
  scrape_interval: 1s
  scrape_timeout: 900ms
  evaluation_interval: 1m
scrape_configs:
  - job_name: ragload
    static_configs:
      - targets: [%q]
`, metricsAddr)
	configPath := filepath.Join(dir, "prometheus.yml")
	if err := os.WriteFile(configPath, []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	var logs lockedBuffer
	cmd := exec.Command(prom,
		"--config.file="+configPath,
		"--storage.tsdb.path="+filepath.Join(dir, "data"),
		"--web.listen-address="+promAddr,
		"--web.console.templates="+filepath.Join(dir, "consoles"),
		"--web.console.libraries="+filepath.Join(dir, "console_libraries"),
		"--log.level=warn")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "HOME="+dir)
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", prom, err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		cmd.Process.Kill() //nolint:errcheck // it may have exited
		select {
		case <-exited:
		case <-time.After(5 * time.Second):
			t.Errorf("prometheus (pid %d) still running 5 s after SIGKILL", cmd.Process.Pid)
		}
		if t.Failed() {
			t.Logf("prometheus's log:\n%s", logs.String())
		}
	})

	api := &promAPI{base: "http://" + promAddr, client: &http.Client{Timeout: 2 * time.Second}}
	deadline := time.Now().Add(12 * time.Second)
	var exitErr error
	ready := testtool.Eventually(time.Until(deadline), func() bool {
		select {
		case exitErr = <-exited:
			exited <- exitErr
			return true
		default:
		}
		resp, err := api.client.Get(api.base + "/-/ready")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	})
	if exitErr != nil || !ready {
		t.Fatalf("prometheus not ready on %s after 12 s (exit: %v):\n%s", promAddr, exitErr, logs.String())
	}
	// Ready is not scraping: service discovery hands targets over at most
	// every 5 s, so the first scrape can come 5 s after the start, after a
	// short run has ended. Wait until the target is active.
	var targets string
	if !testtool.Eventually(time.Until(deadline), func() bool {
		targets = api.get("/api/v1/targets?state=active")
		return strings.Contains(targets, `"scrapeUrl":"http://`+metricsAddr+metrics.Path+`"`)
	}) {
		t.Fatalf("prometheus has not made %s a target 12 s after its start: %s", metricsAddr, targets)
	}
	return api
}

// get returns the body of a GET of path, or the error's text.
func (a *promAPI) get(path string) string {
	resp, err := a.client.Get(a.base + path)
	if err != nil {
		return err.Error()
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return err.Error()
	}
	return string(body)
}

// sample is one element of an instant vector.
type sample struct {
	metric map[string]string
	value  float64
}

func (s sample) String() string { return fmt.Sprintf("%v=%g", s.metric, s.value) }

// query runs an instant query at the current time.
func (a *promAPI) query(q string) ([]sample, error) {
	resp, err := a.client.Get(a.base + "/api/v1/query?query=" + url.QueryEscape(q))
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, err
	}
	var r struct {
		Status string `json:"status"`
		Error  string `json:"error"`
		Data   struct {
			ResultType string `json:"resultType"`
			Result     []struct {
				Metric map[string]string `json:"metric"`
				Value  [2]any            `json:"value"`
			} `json:"result"`
		} `json:"data"`
	}
	if err := json.Unmarshal(body, &r); err != nil {
		return nil, fmt.Errorf("query %q: HTTP %d: %w", q, resp.StatusCode, err)
	}
	if r.Status != "success" || r.Data.ResultType != "vector" {
		return nil, fmt.Errorf("query %q: HTTP %d, status %q, result type %q: %s", q, resp.StatusCode, r.Status, r.Data.ResultType, r.Error)
	}
	var out []sample
	for _, e := range r.Data.Result {
		s, _ := e.Value[1].(string)
		v, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return nil, fmt.Errorf("query %q: value %q: %w", q, s, err)
		}
		out = append(out, sample{metric: e.Metric, value: v})
	}
	return out, nil
}
