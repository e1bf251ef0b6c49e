package export

import (
	"bytes"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/ragload/ragload/targets"
	"github.com/ragload/ragload/targets/auth"
)

// TestFromVegetaRoundTrip exports the default mix with vegeta's encoder
// (json) and ours (http), reads both back with FromVegeta and checks the
// weights and bodies.
func TestFromVegetaRoundTrip(t *testing.T) {
	mix, err := targets.NewMix(targets.Default(), "http://127.0.0.1:8000")
	if err != nil {
		t.Fatal(err)
	}
	const n = 2000
	for _, format := range vegeta.TargetFormats {
		t.Run(format, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "targets."+format)
			var buf bytes.Buffer
			enc := vegeta.NewJSONTargetEncoder(&buf)
			if format == vegeta.HTTPTargetFormat {
				bf := &BodyFiles{Dir: path + ".bodies"}
				enc = NewHTTPTargetEncoder(&buf, bf.Path)
			}
			tr := auth.NewTargeter(mix, nil, 7)
			for range n {
				var tgt vegeta.Target
				if err := tr(&tgt); err != nil {
					t.Fatal(err)
				}
				if err := enc(&tgt); err != nil {
					t.Fatal(err)
				}
			}
			if err := os.WriteFile(path, buf.Bytes(), 0o600); err != nil {
				t.Fatal(err)
			}
			eps, notes, err := targets.FromVegeta(path, format)
			if err != nil {
				t.Fatal(err)
			}
			// The export holds no token: the built-in routes that need one get ragload's.
			if len(notes) != 1 || !strings.Contains(notes[0], "POST /api/v1/query/, POST /api/v1/query/enhanced, GET /api/v1/documents/ carry no Authorization header but are the built-in scenario's authenticated routes") {
				t.Errorf("notes %q", notes)
			}
			want := map[string]float64{"POST /api/v1/query/": 5.0 / 9, "POST /api/v1/query/enhanced": 2.0 / 9, "GET /health": 1.0 / 9, "GET /api/v1/documents/": 1.0 / 9}
			total := 0
			for _, e := range eps {
				total += e.Weight
			}
			for _, e := range eps {
				share := float64(e.Weight) / float64(total)
				if w, ok := want[e.Name]; !ok || math.Abs(share-w) > 0.03 {
					t.Errorf("%s: share %.3f, want %.3f", e.Name, share, w)
				}
				if e.Auth != (e.Name != "GET /health") {
					t.Errorf("%s: auth %v", e.Name, e.Auth)
				}
				if strings.HasPrefix(e.Name, "POST") {
					if len(e.Bodies) != len(targets.DefaultQueries) || !bytes.Contains(e.Bodies[0], []byte(`"query":`)) {
						t.Errorf("%s: %d bodies, want one per question", e.Name, len(e.Bodies))
					}
					if e.Header["Content-Type"] != "application/json" {
						t.Errorf("%s: header %v", e.Name, e.Header)
					}
				}
			}
			if total != n || len(eps) != 4 {
				t.Errorf("%d endpoints over %d targets", len(eps), total)
			}
			// The imported endpoints make a scenario that sends the bodies.
			sc := &targets.Scenario{Name: "imported", Auth: targets.Default().Auth, Endpoints: eps}
			if err := sc.Validate(); err != nil {
				t.Fatal(err)
			}
			m, err := targets.NewMix(sc, "http://other:9")
			if err != nil {
				t.Fatal(err)
			}
			var tgt vegeta.Target
			i, b := m.Pick(rand.New(rand.NewPCG(1, 2)))
			m.Fill(&tgt, i, b, nil)
			if !strings.HasPrefix(tgt.URL, "http://other:9/") {
				t.Errorf("URL %q does not use the new base", tgt.URL)
			}
		})
	}
}

func TestHTTPTargetEncoderRoundTrip(t *testing.T) {
	dir := t.TempDir()
	bf := &BodyFiles{Dir: filepath.Join(dir, "b")}
	var buf bytes.Buffer
	enc := NewHTTPTargetEncoder(&buf, bf.Path)
	in := []vegeta.Target{
		{Method: "GET", URL: "http://h/a?x=1", Header: map[string][]string{"B": {"2"}, "A": {"1", "3"}}},
		{Method: "POST", URL: "http://h/b", Body: []byte("plain text"), Header: map[string][]string{}},
		{Method: "POST", URL: "http://h/c", Body: []byte(`{"q":1}`), Header: map[string][]string{}},
		{Method: "POST", URL: "http://h/b", Body: []byte("plain text"), Header: map[string][]string{}},
	}
	for i := range in {
		if err := enc(&in[i]); err != nil {
			t.Fatal(err)
		}
	}
	if !strings.HasPrefix(buf.String(), "GET http://h/a?x=1\nA: 1\nA: 3\nB: 2\n\nPOST http://h/b\n@"+filepath.Join(dir, "b", "001.bin")+"\n") {
		t.Errorf("encoded:\n%s", buf.String())
	}
	exists := func(p string) bool { _, err := os.Stat(p); return err == nil }
	if bf.Len() != 2 || !exists(filepath.Join(dir, "b", "002.json")) {
		t.Errorf("%d body files", bf.Len())
	}
	out, err := vegeta.ReadAllTargets(vegeta.NewHTTPTargeter(&buf, nil, nil))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(out, in) {
		t.Errorf("read back\n got %+v\nwant %+v", out, in)
	}
	bad := vegeta.Target{Method: "GET", URL: "http://h/", Header: map[string][]string{"X": {"a\nb"}}}
	if err := enc(&bad); err == nil {
		t.Error("a multi-line header value was encoded")
	}
}
