package web_test

import (
	"bufio"
	"encoding/json"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ragload/ragload/internal/testtool"
	"github.com/ragload/ragload/results"
	"github.com/ragload/ragload/web"
)

// TestWebAPI checks the JSON API around a rate-mode run: one run at a time
// (409), the form's errors in the page's words, a rate change followed, no
// user changes outside the users mode, another site's page refused, and the run ends as an
// ordinary run directory.
func TestWebAPI(t *testing.T) {
	t.Parallel()
	d := dashboard(t)
	apiURL, runsDir := d.API, d.Runs
	for _, tt := range []struct{ body, want string }{
		{`{"mode":"rate","rate":5,"duration":"1s"}`, `url is required (the API's base URL, e.g. http://127.0.0.1:8000)`},
		{`{"url":"` + apiURL + `","mode":"walk","duration":"1s"}`, `mode "walk" isn't one of [users rate]`},
		{`{"url":"` + apiURL + `","mode":"users","users":0,"duration":"1s"}`, `users must be in 1–100, got 0`},
		{`{"url":"` + apiURL + `","mode":"rate","rate":5,"duration":"soon"}`, `duration "soon": want a duration > 0, e.g. 30s or 5m`},
		{`{"url":"` + apiURL + `","mode":"users","users":2,"wait":"1s-x","duration":"1s"}`, `wait "1s-x": "x" is not a duration ≥ 0 (e.g. 1s, 500ms)`},
	} {
		if code, out := d.post(t, "/api/start", tt.body); code != http.StatusBadRequest || out["error"] != tt.want {
			t.Errorf("start %s: %d %v, want 400 %q", tt.body, code, out, tt.want)
		}
	}
	if code, _ := d.post(t, "/api/start", `{}`, "Origin", "http://evil.example"); code != http.StatusForbidden {
		t.Errorf("start from another origin: %d, want 403", code)
	}
	code, info := d.post(t, "/api/start", `{"url":"`+apiURL+`","mode":"rate","rate":20,"duration":"2s","name":"r1"}`)
	if code != http.StatusOK || info["dir"] == nil {
		t.Fatalf("start: %d %v", code, info)
	}
	if code, _ := d.post(t, "/api/start", `{"url":"`+apiURL+`","mode":"rate","rate":20,"duration":"2s"}`); code != http.StatusConflict {
		t.Errorf("second start while running: %d, want 409", code)
	}
	if code, out := d.post(t, "/api/users", `{"users":5}`); code != http.StatusConflict {
		t.Errorf("set users of a rate run: %d %v, want 409", code, out)
	}
	if code, out := d.post(t, "/api/rate", `{"rate":0}`); code != http.StatusBadRequest || out["error"] != "rate must be > 0, got 0" {
		t.Errorf("set rate 0: %d %v, want 400", code, out)
	}
	if code, out := d.post(t, "/api/rate", `{"rate":40}`); code != http.StatusOK {
		t.Errorf("set rate 40: %d %v", code, out)
	}
	var m *results.Manifest
	testtool.WaitFor(t, 15*time.Second, "the run in "+runsDir+" to complete", func() bool {
		var err error
		m, err = results.ReadManifest(info["dir"].(string))
		return err == nil && m.Status == results.StatusComplete
	})
	// 20/s for a moment, then 40/s: about 80 in 2 s.
	if m.Completed < 60 || m.Completed > 90 || m.Planned != m.Sent || m.Mode != "attack" {
		t.Errorf("completed %d, sent %d of %d planned, in mode %s; want about 80 of as many, in attack", m.Completed, m.Sent, m.Planned, m.Mode)
	}
	_, text := d.do(t, http.MethodGet, "/api/report?run=r1", "")
	var rep struct{ Report string }
	if err := json.Unmarshal([]byte(text), &rep); err != nil || !strings.Contains(rep.Report, "Verdict: ") {
		t.Errorf("report of r1: %v %q", err, rep.Report)
	}
	if code, out := d.post(t, "/api/start", `{"url":"`+apiURL+`","mode":"rate","rate":20,"duration":"2s","name":"r1"}`); code != http.StatusBadRequest || !strings.Contains(out["error"].(string), "already holds a run") {
		t.Errorf("start into r1 again: %d %v", code, out)
	}
}

// TestRunEventForm checks what a page opened during a run is told: the
// "run" event carries the form that started it, so the page can show the
// run's settings instead of its defaults, with the URL's password
// redacted as everywhere else; the stats say what the page asked for
// since.
func TestRunEventForm(t *testing.T) {
	t.Parallel()
	d := dashboard(t)
	const secret = "s3cret-pw"
	target := strings.Replace(d.API, "http://", "http://alice:"+secret+"@", 1)
	body := `{"url":"` + target + `","mode":"rate","rate":5,"rampTo":8,"duration":"3s","name":"seen"}`
	if code, out := d.post(t, "/api/start", body); code != http.StatusOK {
		t.Fatalf("start: %d %v", code, out)
	}
	if code, out := d.post(t, "/api/rate", `{"rate":12}`); code != http.StatusOK {
		t.Fatalf("set rate 12: %d %v", code, out)
	}

	req, err := http.NewRequest(http.MethodGet, d.URL+"/api/events", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+d.Token)
	res, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var (
		stream strings.Builder
		info   web.RunInfo
		asked  float64
	)
	sc := bufio.NewScanner(res.Body)
	sc.Buffer(make([]byte, 1<<16), 1<<20)
	event := ""
	for sc.Scan() && (info.Name == "" || asked == 0) {
		line := sc.Text()
		stream.WriteString(line + "\n")
		switch {
		case strings.HasPrefix(line, "event: "):
			event = strings.TrimPrefix(line, "event: ")
		case strings.HasPrefix(line, "data: ") && event == "run":
			if err := json.Unmarshal([]byte(strings.TrimPrefix(line, "data: ")), &info); err != nil {
				t.Fatal(err)
			}
		case strings.HasPrefix(line, "data: ") && event == "stats":
			var sn web.Snapshot
			if err := json.Unmarshal([]byte(strings.TrimPrefix(line, "data: ")), &sn); err != nil {
				t.Fatal(err)
			}
			asked = sn.AskedRate
		}
	}
	f := info.Form
	wantURL := strings.Replace(d.API, "http://", "http://alice:xxxxx@", 1)
	if f.URL != wantURL || f.Mode != "rate" || f.Rate != 5 || f.RampTo != 8 || f.Duration != "3s" || info.Target != wantURL {
		t.Errorf("run event form %+v (target %q), want the run's settings with URL %q", f, info.Target, wantURL)
	}
	if asked != 12 {
		t.Errorf("stats say the page asked for %g/s, want 12", asked)
	}
	if strings.Contains(stream.String(), secret) {
		t.Errorf("the event stream carries the URL's password: %q", stream.String())
	}

	// Stop the run and let it finish its files before the folder goes.
	d.post(t, "/api/stop", `{}`)
	testtool.WaitFor(t, 10*time.Second, "the run to end after a stop", func() bool {
		m, err := results.ReadManifest(info.Dir)
		return err == nil && m.Status != results.StatusRunning
	})
}

// TestStartPacingWait starts a users run whose think time is "pacing:3s"
// from the form, as ragload users --wait takes it (the page's own parser
// took only "1s-5s" and "2s" and answered 400): the plan and run.json say
// pacing.
func TestStartPacingWait(t *testing.T) {
	t.Parallel()
	d := dashboard(t)
	code, info := d.post(t, "/api/start", `{"url":"`+d.API+`","mode":"users","users":2,"wait":"pacing:3s","duration":"1s","name":"paced"}`)
	if code != http.StatusOK {
		t.Fatalf("start with wait pacing:3s: %d %v", code, info)
	}
	if plan, _ := info["plan"].(string); !strings.Contains(plan, "think pacing every 3s") {
		t.Errorf("plan %q, want the pacing think time", plan)
	}
	var m *results.Manifest
	testtool.WaitFor(t, 15*time.Second, "the paced run to end", func() bool {
		var err error
		m, err = results.ReadManifest(filepath.Join(d.Runs, "paced"))
		return err == nil && m.Status == results.StatusComplete
	})
	if m.Users == nil || m.Users.Wait != "pacing every 3s" || m.Mode != "users" {
		t.Errorf("run.json: mode %s, users %+v; want users pacing every 3s", m.Mode, m.Users)
	}
}
