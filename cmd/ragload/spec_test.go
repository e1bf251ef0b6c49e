package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/ragload/ragload/demo"
	"github.com/ragload/ragload/internal/testtool"
	"github.com/ragload/ragload/results"
	"github.com/ragload/ragload/targets/auth"
	"github.com/ragload/ragload/web"
)

// manifestIgnored are the run.json fields that differ between two runs of
// one plan whoever starts them, and why:
var manifestIgnored = map[string]string{
	"tool":           `"ragload <version>" from the CLI, the dashboard's Config.Tool`,
	"name":           "the run's name: --out's folder, the form's name",
	"seed":           "drawn at random for each run",
	"started":        "a time",
	"send_ended":     "a time",
	"ended":          "a time",
	"clock_offset":   "measured from the server's Date header, a time",
	"sent":           "an outcome: how many were sent before the end (the plan's count is planned)",
	"completed":      "an outcome",
	"dropped":        "an outcome",
	"generator":      "ragload's CPU and scheduling health during the run, measured",
	"results":        "the results files, named after the run",
	"users.timeline": "an outcome: users sampled over time",
}

// TestCLIAndWebBuildTheSameRun starts the same plan from the CLI (in
// process) and from the dashboard's POST /api/start, against the demo API
// on loopback, and compares their run.json field by field, but for
// manifestIgnored: both go through runspec.Spec.Build, and a copy of the
// setup in either would show here (it did: the page had no pacing: wait).
func TestCLIAndWebBuildTheSameRun(t *testing.T) {
	_, apiURL := demoAPI(t, demo.Config{})
	tmp := t.TempDir()
	token := web.NewToken()
	srv := web.New(web.Config{RunsDir: filepath.Join(tmp, "web"), Tool: "ragload test", MaxUsers: 10, Token: token,
		Credentials: []auth.Credential{{Username: demo.DefaultUsername, Password: demo.DefaultPassword}}})
	dash := httptest.NewServer(srv)
	t.Cleanup(dash.Close)
	t.Setenv(auth.EnvUsername, demo.DefaultUsername)
	t.Setenv(auth.EnvPassword, demo.DefaultPassword)
	for _, tt := range []struct {
		name, form string
		args       []string
	}{
		{"rate", `"mode":"rate","rate":20,"duration":"1s"`, []string{"attack", "--rate", "20", "-d", "1s"}},
		{"ramp", `"mode":"rate","rate":10,"rampTo":30,"duration":"1s"`, []string{"attack", "--ramp", "10:30", "-d", "1s"}},
		{"users", `"mode":"users","users":3,"spawnRate":0,"wait":"pacing:300ms","duration":"1s"`,
			[]string{"users", "-n", "3", "-r", "0", "--run-time", "1s", "--wait", "pacing:300ms"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			cliDir := filepath.Join(tmp, "cli-"+tt.name)
			out, errOut, code := ragload(t, append(tt.args, "-u", apiURL, "-o", cliDir, "-q")...)
			if code != exitOK && code != exitInconclusive {
				t.Fatalf("ragload %q: exit %d\n%s%s", tt.args, code, out, errOut)
			}
			body := fmt.Sprintf(`{"url":%q,"name":"web-%s",%s}`, apiURL, tt.name, tt.form)
			req, _ := http.NewRequest(http.MethodPost, dash.URL+"/api/start", strings.NewReader(body))
			req.Header.Set("Authorization", "Bearer "+token)
			req.Header.Set("Content-Type", "application/json")
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(res.Body)
			res.Body.Close()
			if res.StatusCode != http.StatusOK {
				t.Fatalf("POST /api/start %s: %d %s", body, res.StatusCode, b)
			}
			webDir := filepath.Join(tmp, "web", "web-"+tt.name)
			var webM *results.Manifest
			testtool.WaitFor(t, 20*time.Second, "the dashboard's run to end", func() bool {
				webM, err = results.ReadManifest(webDir)
				return err == nil && webM.Status != results.StatusRunning
			})
			cliM, err := results.ReadManifest(cliDir)
			if err != nil {
				t.Fatal(err)
			}
			diffs := manifestDiff(t, cliM, webM)
			for _, d := range diffs {
				t.Error(d)
			}
			if tt.name == "users" && (webM.Users == nil || !strings.Contains(webM.Users.Wait, "pacing")) {
				t.Errorf("the page's pacing:300ms wait: users %+v", webM.Users)
			}
		})
	}
}

// manifestDiff lists the fields of a and b that differ, by their JSON
// paths, but for manifestIgnored.
func manifestDiff(t *testing.T, a, b *results.Manifest) []string {
	t.Helper()
	flat := func(m *results.Manifest) map[string]any {
		raw, err := json.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		var v any
		json.Unmarshal(raw, &v) //nolint:errcheck // just marshalled
		out := map[string]any{}
		var walk func(path string, v any)
		walk = func(path string, v any) {
			if _, skip := manifestIgnored[path]; skip {
				return
			}
			if obj, ok := v.(map[string]any); ok {
				for k, x := range obj {
					walk(strings.TrimPrefix(path+"."+k, "."), x)
				}
				return
			}
			out[path] = v
		}
		walk("", v)
		return out
	}
	fa, fb := flat(a), flat(b)
	for _, k := range []string{"plan.description", "plan.stages", "thresholds", "marks", "scenario.endpoints", "target"} {
		if fa[k] == nil || fb[k] == nil {
			t.Errorf("run.json has no %s: CLI %v, web %v", k, fa[k], fb[k])
		}
	}
	var keys []string
	for k := range fa {
		keys = append(keys, k)
	}
	for k := range fb {
		if _, ok := fa[k]; !ok {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	var diffs []string
	for _, k := range slices.Compact(keys) {
		if !reflect.DeepEqual(fa[k], fb[k]) {
			diffs = append(diffs, fmt.Sprintf("%s: CLI %v, web %v", k, fa[k], fb[k]))
		}
	}
	return diffs
}
