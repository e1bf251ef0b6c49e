package targets

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

// loadInDirs makes a folder of scenarios (dir) next to a folder it must
// not reach (outside), holding a secret, and returns both.
func loadInDirs(t *testing.T) (dir, outside string) {
	t.Helper()
	base := t.TempDir()
	dir, outside = filepath.Join(base, "scenarios"), filepath.Join(base, "private")
	for _, d := range []string{filepath.Join(dir, "sub"), outside} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	write := func(p, s string) {
		t.Helper()
		if err := os.WriteFile(p, []byte(s), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write(filepath.Join(outside, "secret.yaml"), "name: "+secret+"\n")
	write(filepath.Join(outside, "questions.txt"), secret+"\n")
	write(filepath.Join(outside, "t.http"), "GET http://h/"+secret+"\n")
	write(filepath.Join(outside, "body.json"), `{"q":"`+secret+`"}`)
	write(filepath.Join(dir, "ok.yaml"), "name: ok\nqueries_file: sub/questions.txt\n")
	write(filepath.Join(dir, "sub", "questions.txt"), "q1\nq2\n")
	write(filepath.Join(dir, "sub", "t.http"), "POST http://h/a\n@body.json\n")
	write(filepath.Join(dir, "sub", "body.json"), `{"q":"in"}`)
	write(filepath.Join(dir, "sub", "vegeta.yaml"), "vegeta_targets: t.http\n")
	return dir, outside
}

func TestLoadIn(t *testing.T) {
	dir, _ := loadInDirs(t)
	sc, err := LoadIn(dir, "ok.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if sc.Name != "ok" || len(sc.Queries) != 2 || sc.Source != filepath.Join(dir, "ok.yaml") {
		t.Errorf("scenario %q, %d questions, source %q", sc.Name, len(sc.Queries), sc.Source)
	}
	sc, err = LoadIn(dir, "sub/vegeta.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if len(sc.Endpoints) != 1 || len(sc.Endpoints[0].Bodies) != 1 || string(sc.Endpoints[0].Bodies[0]) != `{"q":"in"}` {
		t.Errorf("endpoints %+v", sc.Endpoints)
	}
	// Errors name the file inside the folder, and the cap.
	big := filepath.Join(dir, "big.yaml")
	if err := os.WriteFile(big, []byte("# "+strings.Repeat("x", MaxScenarioBytes)), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err = LoadIn(dir, "big.yaml")
	checkFileError(t, err, big, 0, "", "larger than the 4 MiB cap for a scenario file")
}

// A scenario name outside the folder, missing, a folder, a device or a
// pipe gets one same error, which shows nothing of the file and tells
// nothing of what exists outside.
func TestLoadInRefusesScenario(t *testing.T) {
	dir, outside := loadInDirs(t)
	symlink(t, filepath.Join(outside, "secret.yaml"), filepath.Join(dir, "link.yaml"))
	symlink(t, "../private/secret.yaml", filepath.Join(dir, "rel-link.yaml"))
	symlink(t, outside, filepath.Join(dir, "private"))
	names := []string{
		"../private/secret.yaml", "sub/../../private/secret.yaml", filepath.Join(outside, "secret.yaml"),
		"link.yaml", "rel-link.yaml", "private/secret.yaml", // symbolic links to outside
		"../private/missing.yaml", "missing.yaml", "sub", ".", "..", "",
	}
	if runtime.GOOS == "linux" {
		symlink(t, "/dev/zero", filepath.Join(dir, "zero.yaml"))
		names = append(names, "zero.yaml", "/dev/zero", "/etc/passwd")
	}
	if fifo := filepath.Join(dir, "fifo.yaml"); mkfifo(fifo) == nil {
		names = append(names, "fifo.yaml")
	}
	for _, name := range names {
		var err error
		done := make(chan struct{})
		go func() { _, err = LoadIn(dir, name); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Fatalf("LoadIn(%q) hangs", name)
		}
		want := fmt.Sprintf("scenario %q: only regular files inside %s can be loaded", name, dir)
		if err == nil || err.Error() != want {
			t.Errorf("LoadIn(%q) = %v, want %q", name, err, want)
		}
	}
}

// The files a scenario names must be inside the folder too.
func TestLoadInRefusesNamedFiles(t *testing.T) {
	dir, outside := loadInDirs(t)
	symlink(t, filepath.Join(outside, "questions.txt"), filepath.Join(dir, "sub", "q-link.txt"))
	symlink(t, filepath.Join(outside, "body.json"), filepath.Join(dir, "sub", "b-link.json"))
	cases := []struct{ name, src, field string }{
		{"up", "queries_file: ../../private/questions.txt\n", "queries_file"},
		{"passwd", "queries_file: ../../../../../../../../etc/passwd\n", "queries_file"},
		{"absolute", "queries_file: " + filepath.Join(outside, "questions.txt") + "\n", "queries_file"},
		{"link", "queries_file: q-link.txt\n", "queries_file"},
		{"folder", "queries_file: .\n", "queries_file"},
		{"vegeta up", "vegeta_targets: ../../private/t.http\n", "vegeta_targets"},
		{"vegeta absolute", "vegeta_targets: " + filepath.Join(outside, "t.http") + "\n", "vegeta_targets"},
		{"body up", "vegeta_targets: body-up.http\n", "vegeta_targets"},
		{"body absolute", "vegeta_targets: body-abs.http\n", "vegeta_targets"},
		{"body link", "vegeta_targets: body-link.http\n", "vegeta_targets"},
	}
	bodies := map[string]string{
		"body-up.http":   "POST http://h/a\n@../../private/body.json\n",
		"body-abs.http":  "POST http://h/a\n@" + filepath.Join(outside, "body.json") + "\n",
		"body-link.http": "POST http://h/a\n@b-link.json\n",
	}
	if runtime.GOOS == "linux" {
		symlink(t, "/dev/zero", filepath.Join(dir, "sub", "zero.txt"))
		cases = append(cases, struct{ name, src, field string }{"dev/zero link", "queries_file: zero.txt\n", "queries_file"},
			struct{ name, src, field string }{"dev/zero body", "vegeta_targets: body-zero.http\n", "vegeta_targets"})
		bodies["body-zero.http"] = "POST http://h/a\n@/dev/zero\n"
	}
	if mkfifo(filepath.Join(dir, "sub", "fifo.txt")) == nil {
		cases = append(cases, struct{ name, src, field string }{"fifo", "queries_file: fifo.txt\n", "queries_file"})
	}
	for name, src := range bodies {
		if err := os.WriteFile(filepath.Join(dir, "sub", name), []byte(src), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(dir, "sub", "s.yaml")
			if err := os.WriteFile(path, []byte(c.src), 0o600); err != nil {
				t.Fatal(err)
			}
			var err error
			done := make(chan struct{})
			go func() { _, err = LoadIn(dir, "sub/s.yaml"); close(done) }()
			select {
			case <-done:
			case <-time.After(10 * time.Second):
				t.Fatal("LoadIn hangs")
			}
			checkFileError(t, err, path, 1, c.field, "only regular files inside "+dir+" can be loaded")
			if strings.Contains(c.name, "body") && !strings.Contains(err.Error(), "target 1: bad body: \"@") {
				t.Errorf("error %q does not name the body file", err)
			}
			checkNoLeak(t, err.Error(), secret)
			if strings.Contains(err.Error(), "no such file") || strings.Contains(err.Error(), "escapes") {
				t.Errorf("error %q tells why", err)
			}
		})
	}
}

func symlink(t *testing.T, target, link string) {
	t.Helper()
	if err := os.Symlink(target, link); err != nil {
		t.Skipf("no symbolic links here: %v", err)
	}
}
