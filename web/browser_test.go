package web_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/ragload/ragload/internal/testtool"
	"github.com/ragload/ragload/results"
)

// screenshots is where the browser test saves its pictures:
// $RAGLOAD_SCREENSHOTS, else a temporary directory.
func screenshots(t *testing.T) string {
	t.Helper()
	if dir := os.Getenv("RAGLOAD_SCREENSHOTS"); dir != "" {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		return dir
	}
	return t.TempDir()
}

// TestBrowserDashboard is the acceptance test of ragload web: headless
// Chromium opens the page without its token (and is told how to get in),
// then with the URL ragload prints (the token leaves the address bar),
// fills the form against the demo API, refuses a scenario file outside
// the scenarios folder, starts a 10 s run with 20 users, sees
// the charts and the table update, raises the users to 40 from the page,
// stops the run, and the run directory holds a results file vegeta
// decodes and a manifest whose user timeline shows the change.
func TestBrowserDashboard(t *testing.T) {
	bin := testtool.Browser(t)
	d := dashboard(t)
	apiURL, runsDir := d.API, d.Runs
	shots := screenshots(t)
	b := startBrowser(t, bin)
	b.call("Page.enable", nil)

	// Another site frames the dashboard, even with its token: the browser
	// refuses to render it (frame-ancestors 'none', X-Frame-Options DENY),
	// so its script never loads.
	evil := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		fmt.Fprintf(w, `<!doctype html><title>evil</title><iframe id="f" src="%s/?token=%s"></iframe>`, d.URL, d.Token)
	}))
	defer evil.Close()
	b.call("Page.navigate", map[string]any{"url": evil.URL + "/"})
	b.waitFor(`document.readyState === "complete" && document.title === "evil"`, 10*time.Second)
	framed := func() string {
		var tree struct {
			FrameTree struct {
				ChildFrames []struct {
					Frame struct{ URL string }
				}
			}
		}
		if err := json.Unmarshal(b.call("Page.getFrameTree", nil), &tree); err != nil {
			t.Fatal(err)
		}
		if len(tree.FrameTree.ChildFrames) == 0 {
			return ""
		}
		return tree.FrameTree.ChildFrames[0].Frame.URL
	}
	deadline := time.Now().Add(3 * time.Second)
	for d.Hits("/") == 0 && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	time.Sleep(500 * time.Millisecond) // a rendered frame would fetch app.js by now
	if d.Hits("/") == 0 || d.Hits("/app.js") != 0 || strings.HasPrefix(framed(), d.URL) {
		t.Errorf("framed by another site: the page was fetched %d times and its script %d times (frame at %q), want the page refused unrendered",
			d.Hits("/"), d.Hits("/app.js"), framed())
	}
	t.Logf("framed dashboard: frame URL %q, app.js fetched %d times", framed(), d.Hits("/app.js"))

	// Without the token the page loads but says where to get it, and
	// calls nothing.
	b.call("Page.navigate", map[string]any{"url": d.URL + "/"})
	b.waitFor(`document.readyState === "complete" && document.body.dataset.state === "locked"`, 10*time.Second)
	var lockedText string
	b.eval(`document.getElementById("locked").hidden ? "" : document.getElementById("locked").textContent`, &lockedText)
	if !strings.Contains(lockedText, "Open the URL ragload web printed") {
		t.Errorf("page without a token shows %q, want how to open it", lockedText)
	}
	b.screenshot(filepath.Join(shots, "web-0-locked.png"))

	// The URL ragload prints: the page takes the token out of the address
	// bar and keeps it in the tab.
	b.call("Page.navigate", map[string]any{"url": d.URL + "/?token=" + d.Token})
	b.waitFor(`document.readyState === "complete" && document.getElementById("status").textContent === "idle"`, 10*time.Second)
	var href, kept, header string
	b.eval(`location.href`, &href)
	b.eval(`sessionStorage.getItem("ragload-web-token")`, &kept)
	b.eval(`getComputedStyle(document.querySelector("header")).backgroundColor`, &header)
	if href != d.URL+"/" || kept != d.Token {
		t.Errorf("after opening the URL with its token: address bar %q, token kept %v; want %q and kept", href, kept == d.Token, d.URL+"/")
	}
	if header != "rgb(34, 51, 68)" { // style.css loads under the CSP
		t.Errorf("header background %q: style.css not applied under the CSP", header)
	}

	// A scenario file outside the scenarios folder: the page says which
	// folder it may load from.
	missing := filepath.Join(t.TempDir(), "nope.yaml")
	loadErr := fmt.Errorf("scenario %q: only files inside %s can be loaded from the page", missing, d.Scenarios)
	b.eval(fmt.Sprintf(`(() => {
		const set = (id, v) => { const el = document.getElementById(id); el.value = v; el.dispatchEvent(new Event("change")); };
		set("url", %q); set("scenario", %q); set("mode", "users"); set("duration", "10s");
		set("users", "20"); set("spawnRate", "10"); set("wait", "500ms-1s");
		document.getElementById("start").click();
	})()`, apiURL, missing), nil)
	b.waitFor(`!document.getElementById("error").hidden`, 5*time.Second)
	var shown string
	b.eval(`document.getElementById("error").textContent`, &shown)
	if want := "error: " + loadErr.Error(); shown != want {
		t.Errorf("page error %q, want %q", shown, want)
	}
	b.eval(`document.getElementById("scenario").value = ""`, nil)
	before := filepath.Join(shots, "web-1-before.png")
	b.screenshot(before)

	b.eval(`document.getElementById("start").click()`, nil)
	b.waitFor(`document.body.dataset.state === "running" && +document.body.dataset.samples >= 3`, 10*time.Second)
	var rows1, n1 int
	b.eval(`document.querySelectorAll("#endpoints tbody tr").length`, &rows1)
	b.eval(`samples.at(-1).requests`, &n1)
	changedAt := time.Now()
	b.eval(`document.getElementById("setUsers").value = "40"; document.getElementById("applyUsers").click()`, nil)
	b.waitFor(`+document.body.dataset.samples >= 7`, 10*time.Second)
	var rows2, n2, target int
	var inked bool
	b.eval(`document.querySelectorAll("#endpoints tbody tr").length`, &rows2)
	b.eval(`samples.at(-1).requests`, &n2)
	b.eval(`samples.at(-1).target`, &target)
	b.eval(`(() => { const c = document.getElementById("chart-latency"); const d = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
		let n = 0; for (let i = 3; i < d.length; i += 4) if (d[i] > 0) n++; return n > 2000; })()`, &inked)
	if rows1 == 0 || rows2 < rows1 || n2 <= n1 || !inked {
		t.Errorf("live view did not move: table rows %d → %d, requests %d → %d, latency chart drawn %v", rows1, rows2, n1, n2, inked)
	}
	if target != 40 {
		t.Errorf("target users on the page %d after asking for 40 (%s ago)", target, time.Since(changedAt).Round(time.Millisecond))
	}
	during := filepath.Join(shots, "web-2-during.png")
	b.screenshot(during)

	b.eval(`document.getElementById("stop").click()`, nil)
	b.waitFor(`document.body.dataset.state === "ended" && document.getElementById("rundir").textContent !== ""`, 20*time.Second)
	var dir, verdict string
	b.eval(`document.getElementById("rundir").textContent`, &dir)
	b.eval(`document.getElementById("verdict").textContent`, &verdict)
	b.waitFor(`document.querySelectorAll("#runs li").length >= 1`, 5*time.Second)
	b.eval(`document.querySelector("#runs li button").click()`, nil) // open the run just made, as report would
	b.waitFor(`document.getElementById("opened").textContent.includes("Verdict: ")`, 10*time.Second)
	b.screenshot(filepath.Join(shots, "web-3-after.png"))
	t.Logf("run directory %s, verdict %s", dir, verdict)
	if !strings.HasPrefix(verdict, "interrupted · ") {
		t.Errorf("verdict %q of a stopped run does not say it was interrupted", verdict)
	}

	if filepath.Dir(dir) != runsDir {
		t.Fatalf("run directory %s is not under %s", dir, runsDir)
	}
	f, err := os.Open(filepath.Join(dir, results.ResultsFile))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	dec := vegeta.NewDecoder(f)
	count := 0
	for {
		var r vegeta.Result
		if err := dec.Decode(&r); err != nil {
			break
		}
		count++
	}
	m, err := results.ReadManifest(dir)
	if err != nil {
		t.Fatal(err)
	}
	if count == 0 || uint64(count) != m.Completed {
		t.Errorf("vegeta decoded %d results, the manifest says %d", count, m.Completed)
	}
	if m.Status != results.StatusInterrupted {
		t.Errorf("status %s, want interrupted (stopped from the page)", m.Status)
	}
	var figs []string
	at40 := false
	for _, s := range m.Users.Timeline {
		figs = append(figs, fmt.Sprintf("%.1fs %d/%d", time.Duration(s.Offset).Seconds(), s.Active, s.Target))
		at40 = at40 || (s.Target == 40 && s.Active >= 30)
	}
	t.Logf("user timeline (active/target): %s", strings.Join(figs, ", "))
	if !at40 || m.Users.Peak() <= 20 {
		t.Errorf("the timeline does not show the change to 40 users (peak %d)", m.Users.Peak())
	}
}
