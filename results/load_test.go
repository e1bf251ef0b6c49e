package results

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// runManifest is a complete run of the test endpoints.
func runManifest(name string) *Manifest {
	return &Manifest{
		Name: name, Mode: "attack", Target: "http://api.test", Status: StatusComplete,
		Started: t0, SendEnded: t0.Add(10 * time.Second), Ended: t0.Add(11 * time.Second),
		Planned: 20, Sent: 20, Completed: 20,
		Scenario: ScenarioInfo{Endpoints: testEndpoints()},
		Results:  []string{ResultsFile},
	}
}

// queryResults returns n results of /query (basic).
func queryResults(t *testing.T, n int) []*vegeta.Result {
	t.Helper()
	out := make([]*vegeta.Result, n)
	for i := range out {
		out[i] = res("POST", "http://api.test/query#query", 200, time.Duration(i+1)*time.Millisecond, time.Duration(i)*500*time.Millisecond)
	}
	return out
}

func TestResolveRunDirectory(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "run1")
	writeRun(t, dir, runManifest("run1"), queryResults(t, 20))
	ins, err := Resolve([]string{dir})
	if err != nil {
		t.Fatal(err)
	}
	if len(ins) != 1 || ins[0].Path != dir || ins[0].Manifest == nil || ins[0].Manifest.Name != "run1" ||
		!reflect.DeepEqual(ins[0].Files, []string{filepath.Join(dir, ResultsFile)}) {
		t.Fatalf("Resolve = %+v", ins)
	}
	rep, err := Load(ins)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Total.Requests != 20 || rep.Manifest.Name != "run1" || rep.Window != 10*time.Second {
		t.Errorf("report: %d requests, manifest %q, window %v", rep.Total.Requests, rep.Manifest.Name, rep.Window)
	}
	if len(rep.Endpoints) != 1 || rep.Endpoints[0].Name != "/query (basic)" || rep.Endpoints[0].Key != "query" {
		t.Errorf("endpoints %v", rep.Endpoints)
	}
	if !reflect.DeepEqual(rep.Sources, ins[0].Files) || len(rep.Warnings) != 0 {
		t.Errorf("sources %q, warnings %q", rep.Sources, rep.Warnings)
	}
}

func TestResolveManifestListsSeveralFiles(t *testing.T) {
	dir := t.TempDir()
	m := runManifest("multi")
	m.Results = []string{"b.bin", "sub/a.bin"}
	if err := os.Mkdir(filepath.Join(dir, "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	writeResults(t, filepath.Join(dir, "b.bin"), queryResults(t, 3))
	writeResults(t, filepath.Join(dir, "sub", "a.bin"), queryResults(t, 4))
	writeResults(t, filepath.Join(dir, "ignored.bin"), queryResults(t, 5)) // not in the manifest
	if err := WriteManifest(dir, m); err != nil {
		t.Fatal(err)
	}
	ins, err := Resolve([]string{dir})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{filepath.Join(dir, "b.bin"), filepath.Join(dir, "sub", "a.bin")}
	if len(ins) != 1 || !reflect.DeepEqual(ins[0].Files, want) {
		t.Fatalf("Resolve = %+v, want files %q", ins, want)
	}
	rep, err := Load(ins)
	if err != nil || rep.Total.Requests != 7 {
		t.Errorf("Load: %v, %d requests; want 7", err, rep.Total.Requests)
	}
}

func TestResolveDirectoryWithoutManifest(t *testing.T) {
	dir := t.TempDir()
	writeResults(t, filepath.Join(dir, "b.bin"), queryResults(t, 3))
	writeResults(t, filepath.Join(dir, "a.bin"), queryResults(t, 2))
	if err := os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	ins, err := Resolve([]string{dir})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{filepath.Join(dir, "a.bin"), filepath.Join(dir, "b.bin")}
	if len(ins) != 1 || ins[0].Manifest != nil || !reflect.DeepEqual(ins[0].Files, want) {
		t.Fatalf("Resolve = %+v, want files %q and no manifest", ins, want)
	}
	rep, err := Load(ins)
	if err != nil {
		t.Fatal(err)
	}
	// No manifest: endpoints are named by route, the window by the sends.
	if rep.Manifest != nil || rep.Total.Requests != 5 || len(rep.Endpoints) != 1 || rep.Endpoints[0].Name != "POST /query" {
		t.Errorf("report: manifest %v, %d requests, endpoints %v", rep.Manifest, rep.Total.Requests, rep.Endpoints)
	}
	// a.bin sends at 0 and 0.5 s, b.bin at 0, 0.5 and 1 s: 5 sends over 1 s.
	if want := time.Duration(float64(time.Second) * 5 / 4); rep.Window != want {
		t.Errorf("Window = %v, want %v", rep.Window, want)
	}
}

func TestResolveBareFile(t *testing.T) {
	dir := t.TempDir()
	writeRun(t, dir, runManifest("with-manifest"), queryResults(t, 4))
	writeResults(t, filepath.Join(dir, "other.bin"), queryResults(t, 2))

	// A results file the manifest lists picks it up.
	file := filepath.Join(dir, ResultsFile)
	ins, err := Resolve([]string{file})
	if err != nil {
		t.Fatal(err)
	}
	if len(ins) != 1 || ins[0].Manifest == nil || ins[0].Manifest.Name != "with-manifest" ||
		!reflect.DeepEqual(ins[0].Files, []string{file}) {
		t.Errorf("Resolve(%s) = %+v", file, ins)
	}
	// Another file in the directory does not.
	other := filepath.Join(dir, "other.bin")
	ins, err = Resolve([]string{other})
	if err != nil {
		t.Fatal(err)
	}
	if len(ins) != 1 || ins[0].Manifest != nil || !reflect.DeepEqual(ins[0].Files, []string{other}) {
		t.Errorf("Resolve(%s) = %+v", other, ins)
	}
	// A file elsewhere has no manifest.
	lone := filepath.Join(t.TempDir(), "lone.bin")
	writeResults(t, lone, queryResults(t, 1))
	ins, err = Resolve([]string{lone})
	if err != nil || len(ins) != 1 || ins[0].Manifest != nil {
		t.Errorf("Resolve(%s) = %+v, %v", lone, ins, err)
	}
}

func TestResolveGlobs(t *testing.T) {
	root := t.TempDir()
	for i, n := range []int{3, 5, 7} {
		name := fmt.Sprintf("run-%d", i)
		writeRun(t, filepath.Join(root, name), runManifest(name), queryResults(t, n))
	}
	writeResults(t, filepath.Join(root, "x.bin"), queryResults(t, 11))

	ins, err := Resolve([]string{filepath.Join(root, "run-*"), filepath.Join(root, "*.bin")})
	if err != nil {
		t.Fatal(err)
	}
	var paths []string
	for _, in := range ins {
		paths = append(paths, filepath.Base(in.Path))
	}
	if want := []string{"run-0", "run-1", "run-2", "x.bin"}; !reflect.DeepEqual(paths, want) {
		t.Fatalf("Resolve = %q, want %q", paths, want)
	}
	rep, err := Load(ins)
	if err != nil {
		t.Fatal(err)
	}
	// The union of every file, judged by the first manifest.
	if rep.Total.Requests != 26 || rep.Manifest == nil || rep.Manifest.Name != "run-0" || len(rep.Sources) != 4 {
		t.Errorf("Load: %d requests, manifest %+v, sources %q", rep.Total.Requests, rep.Manifest, rep.Sources)
	}
	// The first manifest applies even when it comes after a bare file.
	ins, err = Resolve([]string{filepath.Join(root, "x.bin"), filepath.Join(root, "run-2")})
	if err != nil {
		t.Fatal(err)
	}
	rep, err = Load(ins)
	if err != nil || rep.Manifest == nil || rep.Manifest.Name != "run-2" || rep.Endpoints[0].Name != "/query (basic)" {
		t.Errorf("Load(bare, run-2): %v, %+v", err, rep)
	}
}

func TestResolveErrors(t *testing.T) {
	root := t.TempDir()
	emptyDir := filepath.Join(root, "empty")
	if err := os.Mkdir(emptyDir, 0o755); err != nil {
		t.Fatal(err)
	}
	badManifest := filepath.Join(root, "bad")
	if err := os.Mkdir(badManifest, 0o755); err != nil {
		t.Fatal(err)
	}
	writeResults(t, filepath.Join(badManifest, ResultsFile), queryResults(t, 1))
	if err := os.WriteFile(filepath.Join(badManifest, ManifestFile), []byte("{not json"), 0o644); err != nil {
		t.Fatal(err)
	}
	noFiles := filepath.Join(root, "nofiles")
	if err := os.Mkdir(noFiles, 0o755); err != nil {
		t.Fatal(err)
	}
	m := runManifest("nofiles")
	m.Results = nil
	if err := WriteManifest(noFiles, m); err != nil {
		t.Fatal(err)
	}

	cases := []struct {
		name  string
		paths []string
		words []string
		is    error
	}{
		{"missing path", []string{filepath.Join(root, "nope")}, []string{`no run at "` + filepath.Join(root, "nope") + `": no such directory or results file`}, fs.ErrNotExist},
		{"directory without results", []string{emptyDir}, []string{"no results file", "results.bin"}, nil},
		{"manifest without results", []string{noFiles}, []string{"no results file"}, nil},
		{"broken manifest", []string{badManifest}, []string{"read manifest", ManifestFile}, nil},
		{"glob matching nothing", []string{filepath.Join(root, "zz-*")}, []string{"matches nothing"}, nil},
		{"bad glob", []string{filepath.Join(root, "[")}, []string{"pattern"}, nil},
		{"one bad among good", []string{badManifest + "/" + ResultsFile, filepath.Join(root, "nope")}, []string{"nope"}, fs.ErrNotExist},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ins, err := Resolve(c.paths)
			if err == nil {
				t.Fatalf("Resolve(%q) = %+v, want an error", c.paths, ins)
			}
			for _, w := range c.words {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
			if c.is != nil && !errors.Is(err, c.is) {
				t.Errorf("error %v is not %v", err, c.is)
			}
		})
	}
}

func TestLoadDamaged(t *testing.T) {
	root := t.TempDir()
	good := filepath.Join(root, "good")
	writeRun(t, good, runManifest("good"), queryResults(t, 6))

	bad := filepath.Join(root, "bad")
	rs := queryResults(t, 10)
	writeRun(t, bad, runManifest("bad"), rs)
	path := filepath.Join(bad, ResultsFile)
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data[:len(data)-5], 0o644); err != nil {
		t.Fatal(err)
	}

	ins, err := Resolve([]string{good, bad})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := Load(ins)
	var de *DamagedError
	if !errors.As(err, &de) {
		t.Fatalf("Load error %v, want a *DamagedError", err)
	}
	if rep == nil {
		t.Fatal("Load of a damaged file returned no report")
	}
	if de.Path != path || de.Read != 9 || de.Offset <= 0 || de.Offset >= int64(len(data)) {
		t.Errorf("damage %+v", de)
	}
	if rep.Total.Requests != 6+9 {
		t.Errorf("report has %d requests, want 15", rep.Total.Requests)
	}
	offset := fmt.Sprintf("byte %d", de.Offset)
	found := false
	for _, w := range rep.Warnings {
		found = found || (strings.Contains(w, offset) && strings.Contains(w, path) && strings.Contains(w, "cut short"))
	}
	if !found {
		t.Errorf("warnings %q lack one naming %s and %q", rep.Warnings, path, offset)
	}

	// The 15 readable results pass; the verdict still cannot say PASS
	// for a file whose rest is unknown, and says why, with the offset.
	rules := mustRules(t, []string{"p95<2s", "failures<1%"}, nil)
	if err := rep.Judge(rules, 1); err != nil {
		t.Fatal(err)
	}
	damaged := fmt.Sprintf("damaged results: %s: cut short at %s after 9 results: unexpected EOF (--allow-partial judges the 9 readable results)", path, offset)
	if w := rep.Verdict.Word(); w != WordInconclusive || !slices.Contains(rep.Verdict.Inconclusive, damaged) {
		t.Errorf("verdict %s of a damaged file, reasons %q; want %s and %q", w, rep.Verdict.Inconclusive, WordInconclusive, damaged)
	}
	// A threshold the readable part fails cannot make a FAIL either.
	if err := rep.Judge(mustRules(t, []string{"p95<1ms"}, nil), 1); err != nil {
		t.Fatal(err)
	}
	if w := rep.Verdict.Word(); w != WordInconclusive {
		t.Errorf("verdict %s of a damaged file whose readable part fails, want %s", w, WordInconclusive)
	}

	// --allow-partial: the verdict is the readable part's, and says so.
	rep.Partial = true
	if err := rep.Judge(rules, 1); err != nil {
		t.Fatal(err)
	}
	partial := fmt.Sprintf("judged on the 9 results readable before %s of %s (--allow-partial)", offset, path)
	if w := rep.Verdict.Word(); w != wordPass || !slices.Contains(rep.Verdict.Notes, partial) {
		t.Errorf("verdict %s, notes %q, want PASS and %q", w, rep.Verdict.Notes, partial)
	}
}

func TestLoadMissingListedFile(t *testing.T) {
	dir := t.TempDir()
	m := runManifest("gone")
	m.Results = []string{"gone.bin"}
	if err := WriteManifest(dir, m); err != nil {
		t.Fatal(err)
	}
	ins, err := Resolve([]string{dir})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := Load(ins)
	if err == nil || rep != nil || !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Load with a missing file = %v, %v", rep, err)
	}
	var de *DamagedError
	if errors.As(err, &de) {
		t.Errorf("a missing file reported as damaged: %v", err)
	}
}

func TestLoadNothing(t *testing.T) {
	rep, err := Load(nil)
	if err != nil || rep == nil || rep.Total.Requests != 0 || rep.Manifest != nil {
		t.Errorf("Load(nil) = %+v, %v", rep, err)
	}
}

// TestLoadCutAtRecordBoundary: a results file that ends cleanly after a
// whole record but holds fewer results than run.json says were written
// (cut at a record boundary, so it decodes without error) is damage.
func TestLoadCutAtRecordBoundary(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "run")
	writeRun(t, dir, runManifest("cut"), queryResults(t, 20))
	path := filepath.Join(dir, ResultsFile)
	os.Remove(path)
	writeResults(t, path, queryResults(t, 12)) // the same run's first 12 records
	ins, err := Resolve([]string{dir})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := Load(ins)
	var de *DamagedError
	if !errors.As(err, &de) || de.Path != path || de.Read != 12 || !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Fatalf("Load error %v, want a *DamagedError of %s after 12 results", err, path)
	}
	if rep == nil || rep.Total.Requests != 12 {
		t.Fatalf("report %+v, want the 12 readable results", rep)
	}
	want := "run.json says 20 results were written; the file ends at a record boundary"
	if !slices.ContainsFunc(rep.Warnings, func(w string) bool { return strings.Contains(w, "cut short") && strings.Contains(w, want) }) {
		t.Errorf("warnings %q lack %q", rep.Warnings, want)
	}
}
