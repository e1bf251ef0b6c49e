package results

import (
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

func fullManifest() *Manifest {
	return &Manifest{
		Tool: "ragload test", Name: "smoke", Mode: "attack", Target: "https://api.test",
		Plan: Plan{
			Description: "ramp 10/s → 50/s over 1m30s", Kind: "stages", StartRate: 10,
			Stages:   []Stage{{Duration: Duration(30 * time.Second), Target: 50}, {Duration: Duration(time.Minute), Target: 50}},
			Duration: Duration(90 * time.Second), Timeout: Duration(30 * time.Second), MaxWorkers: 64,
		},
		Scenario: ScenarioInfo{Name: "rag", Source: "scenario.yaml", Endpoints: testEndpoints(), Queries: 12},
		Auth:     AuthInfo{Mode: "bearer", Users: 3, Logins: 3, Refreshes: 1, LoginFailures: 0, Unauthorized: 2},
		Seed:     42,
		Status:   StatusComplete,
		Started:  t0, SendEnded: t0.Add(90 * time.Second), Ended: t0.Add(92 * time.Second),
		Planned: 3600, Sent: 3598, Completed: 3598,
		Thresholds: []string{"p95<2s", "failures<1%"},
		Marks:      []string{},
		Results:    []string{ResultsFile},
	}
}

func TestManifestRoundTrip(t *testing.T) {
	dir := t.TempDir()
	m := fullManifest()
	if err := WriteManifest(dir, m); err != nil {
		t.Fatal(err)
	}
	if m.Schema != ManifestSchema {
		t.Errorf("WriteManifest did not fill in the schema: %q", m.Schema)
	}
	got, err := ReadManifest(dir)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, m) {
		t.Errorf("round trip:\n got  %+v\n want %+v", got, m)
	}

	raw, err := os.ReadFile(filepath.Join(dir, ManifestFile))
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range []string{`"schema": "ragload.run/v1"`, `"duration": "1m30s"`, `"timeout": "30s"`,
		`"started": "2025-03-14T09:26:53.589793238Z"`, `"marks": []`} {
		if !strings.Contains(string(raw), w) {
			t.Errorf("run.json lacks %s:\n%s", w, raw)
		}
	}
	for _, secret := range []string{"password", "token"} {
		if strings.Contains(strings.ToLower(string(raw)), secret) {
			t.Errorf("run.json mentions %q", secret)
		}
	}

	// Rewriting replaces the manifest and leaves no temporary files.
	m.Status = StatusInterrupted
	if err := WriteManifest(dir, m); err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 || entries[0].Name() != ManifestFile {
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		t.Errorf("directory holds %q, want only %s", names, ManifestFile)
	}
	if got, err := ReadManifest(dir); err != nil || got.Status != StatusInterrupted {
		t.Errorf("after rewrite: %v, %v", got, err)
	}
}

func TestManifestKeepsSchema(t *testing.T) {
	dir := t.TempDir()
	m := &Manifest{Schema: "ragload.run/v2", Name: "future"}
	if err := WriteManifest(dir, m); err != nil {
		t.Fatal(err)
	}
	if got, err := ReadManifest(dir); err != nil || got.Schema != "ragload.run/v2" {
		t.Errorf("ReadManifest = %+v, %v", got, err)
	}
}

func TestWriteManifestErrors(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "no", "such", "dir")
	if err := WriteManifest(missing, fullManifest()); err == nil || !strings.Contains(err.Error(), "write manifest") {
		t.Errorf("WriteManifest into a missing directory: %v", err)
	}
}

func TestReadManifestErrors(t *testing.T) {
	dir := t.TempDir()
	if _, err := ReadManifest(dir); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("ReadManifest of an empty directory: %v, want fs.ErrNotExist", err)
	}
	if err := os.WriteFile(filepath.Join(dir, ManifestFile), []byte(`{"plan":{"duration":"forever"}}`), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := ReadManifest(dir)
	if err == nil || !strings.Contains(err.Error(), "read manifest") || !strings.Contains(err.Error(), ManifestFile) {
		t.Errorf("ReadManifest of a bad duration: %v", err)
	}
}

func TestDurationJSON(t *testing.T) {
	marshal := []struct {
		d    Duration
		want string
	}{
		{Duration(90 * time.Second), `"1m30s"`},
		{Duration(1500 * time.Millisecond), `"1.5s"`},
		{0, `"0s"`},
		{Duration(-time.Second), `"-1s"`},
	}
	for _, c := range marshal {
		b, err := json.Marshal(c.d)
		if err != nil || string(b) != c.want {
			t.Errorf("Marshal(%v) = %s, %v; want %s", time.Duration(c.d), b, err, c.want)
		}
	}
	unmarshal := []struct {
		in   string
		want Duration
		bad  bool
	}{
		{`"1m30s"`, Duration(90 * time.Second), false},
		{`"250ms"`, Duration(250 * time.Millisecond), false},
		{`90000000000`, Duration(90 * time.Second), false}, // nanoseconds
		{`0`, 0, false},
		{`"soon"`, 0, true},
		{`"90"`, 0, true},
		{`1.5`, 0, true},
		{`true`, 0, true},
		{`{}`, 0, true},
	}
	for _, c := range unmarshal {
		var d Duration
		err := json.Unmarshal([]byte(c.in), &d)
		if c.bad {
			if err == nil {
				t.Errorf("Unmarshal(%s) = %v, want an error", c.in, time.Duration(d))
			}
			continue
		}
		if err != nil || d != c.want {
			t.Errorf("Unmarshal(%s) = %v, %v; want %v", c.in, time.Duration(d), err, time.Duration(c.want))
		}
	}
	// Inside a struct, as run.json holds it.
	var p Plan
	if err := json.Unmarshal([]byte(`{"duration": 60000000000, "timeout": "2s"}`), &p); err != nil ||
		p.Duration != Duration(time.Minute) || p.Timeout != Duration(2*time.Second) {
		t.Errorf("Plan = %+v, %v", p, err)
	}
}

func TestRedactURL(t *testing.T) {
	tests := []struct{ in, want string }{
		{"http://admin:pw@api.test:8000/rag", "http://admin:xxxxx@api.test:8000/rag"},
		{"https://TOKEN123@api.test", "https://xxxxx@api.test"},
		{"https://TOKEN123:@api.test/x", "https://xxxxx@api.test/x"}, // curl -u TOKEN:
		{"http://a:p%40ss@h/x?y=1", "http://a:xxxxx@h/x?y=1"},
		{"http://a:pw@h/%zz", "http://xxxxx@h/%zz"}, // not a URL Go parses
		{"http://api.test/path@v2", "http://api.test/path@v2"},
		{"http://api.test", "http://api.test"},
		{"", ""},
		{"user@example.com", "user@example.com"},
	}
	for _, tt := range tests {
		if got := RedactURL(tt.in); got != tt.want {
			t.Errorf("RedactURL(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestRedactURLs: every URL in a message loses its userinfo, whatever
// ends it; the rest of the message, and "@" outside a URL's authority, stay.
func TestRedactURLs(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{`Get "http://TOKEN@h:8/x": context deadline exceeded`, `Get "http://xxxxx@h:8/x": context deadline exceeded`},
		{`Post "https://admin:***@h/login": EOF`, `Post "https://xxxxx@h/login": EOF`},
		{"http://a:b@h?q=1 and https://t@g#f, ws://u@k", "http://xxxxx@h?q=1 and https://xxxxx@g#f, ws://xxxxx@k"},
		{"http://T@h", "http://xxxxx@h"},
		{"'http://T@h' <http://T@h>", "'http://xxxxx@h' <http://xxxxx@h>"},
		{"http://h/path@v2 mail me@example.com", "http://h/path@v2 mail me@example.com"},
		{"http://p@ss@h/", "http://xxxxx@h/"},
		{"no url here @ all", "no url here @ all"},
		{"://@", "://xxxxx@"},
		{"", ""},
	} {
		if got := RedactURLs(tt.in); got != tt.want {
			t.Errorf("RedactURLs(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestManifestRedactsUserinfo: a target URL with a password is stored,
// read (from an older file too) and reported without it; warnings are kept,
// and left out of the file when there are none.
func TestManifestRedactsUserinfo(t *testing.T) {
	dir := t.TempDir()
	m := fullManifest()
	m.Target = "http://admin:url-S3cret@api.test:8000"
	m.Warnings = []string{"credentials go over plain HTTP"}
	if err := WriteManifest(dir, m); err != nil {
		t.Fatal(err)
	}
	raw, _ := os.ReadFile(filepath.Join(dir, ManifestFile))
	if strings.Contains(string(raw), "url-S3cret") || !strings.Contains(string(raw), `"target": "http://admin:xxxxx@api.test:8000"`) ||
		!strings.Contains(string(raw), `"warnings": [`) {
		t.Errorf("run.json:\n%s", raw)
	}
	// An older run.json, written before targets were redacted.
	old := strings.Replace(string(raw), "admin:xxxxx@", "admin:url-S3cret@", 1)
	os.WriteFile(filepath.Join(dir, ManifestFile), []byte(old), 0o600)
	got, err := ReadManifest(dir)
	if err != nil || got.Target != "http://admin:xxxxx@api.test:8000" || len(got.Warnings) != 1 {
		t.Errorf("ReadManifest = %+v, %v", got, err)
	}
	m.Warnings = nil
	WriteManifest(dir, m)
	if raw, _ := os.ReadFile(filepath.Join(dir, ManifestFile)); strings.Contains(string(raw), "warnings") {
		t.Errorf("run.json without warnings mentions them:\n%s", raw)
	}
}
