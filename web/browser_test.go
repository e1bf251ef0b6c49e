package web_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/ragload/ragload/internal/testtool"
	"github.com/ragload/ragload/results"
)

// screenshots is where the browser test saves its pictures, for a person
// to look at: $RAGLOAD_SCREENSHOTS, or "" (taken and checked, not saved).
func screenshots(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("RAGLOAD_SCREENSHOTS")
	if dir != "" {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// TestBrowserDashboard is the acceptance test of ragload web: headless
// Chromium opens the page without its token (and is told how to get in),
// then with the URL ragload prints (the token leaves the address bar),
// says there are no runs yet, fills the form against the demo API,
// refuses a scenario file outside the scenarios folder, starts a 10 s run
// with 20 users, sees the charts and the table update, raises the users
// to 40 from the page, is reloaded and shows the run's settings, stops
// the run and shows what it reached, and the run directory holds a
// results file vegeta decodes and a manifest whose user timeline shows
// the change. Screenshots: web-0-locked, web-1-idle, web-2-running and
// web-3-finished.png in $RAGLOAD_SCREENSHOTS.
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
	testtool.Eventually(3*time.Second, func() bool { return d.Hits("/") > 0 })
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
	b.screenshot(shots, "web-0-locked.png")

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

	// Idle, with an empty runs folder: the list says so.
	b.waitFor(`document.querySelectorAll("#runs li").length > 0`, 5*time.Second)
	var runsText, nowText string
	b.eval(`document.getElementById("runs").textContent`, &runsText)
	b.eval(`document.getElementById("now").textContent`, &nowText)
	if !strings.Contains(runsText, "no runs yet") || !strings.Contains(nowText, "no run yet") {
		t.Errorf("idle page: runs list %q, run line %q; want both to say there is none yet", runsText, nowText)
	}
	b.screenshot(shots, "web-1-idle.png")
	chartChecks(t, b)

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

	b.eval(`document.getElementById("start").click()`, nil)
	b.waitFor(`document.body.dataset.state === "running" && +document.body.dataset.samples >= 3`, 10*time.Second)
	var rows1, n1 int
	b.eval(`document.querySelectorAll("#endpoints tbody tr").length`, &rows1)
	b.eval(`samples.at(-1).requests`, &n1)
	changedAt := time.Now()
	b.eval(`document.getElementById("setUsers").value = "40"; document.getElementById("applyUsers").click()`, nil)

	// Reloaded during the run, the page shows the run's settings, not the
	// form's defaults (1m, 1s-5s, no URL), the 40 users asked for since,
	// and its samples so far.
	b.eval(`window.beforeReload = true`, nil)
	b.call("Page.navigate", map[string]any{"url": d.URL + "/"})
	b.waitFor(`!window.beforeReload && document.readyState === "complete" && document.body.dataset.state === "running" && +document.body.dataset.samples >= 7`, 10*time.Second)
	var form map[string]string
	b.eval(`Object.fromEntries(["url", "mode", "duration", "users", "spawnRate", "wait", "setUsers"].map((id) => [id, document.getElementById(id).value]))`, &form)
	want := map[string]string{"url": apiURL, "mode": "users", "duration": "10s", "users": "20", "spawnRate": "10", "wait": "500ms-1s", "setUsers": "40"}
	if fmt.Sprint(form) != fmt.Sprint(want) {
		t.Errorf("form of a page reloaded during the run: %v, want the run's %v", form, want)
	}
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
	b.screenshot(shots, "web-2-running.png")

	b.eval(`document.getElementById("stop").click()`, nil)
	b.waitFor(`document.body.dataset.state === "ended" && document.getElementById("rundir").textContent !== ""`, 20*time.Second)
	var dir, verdict string
	b.eval(`document.getElementById("rundir").textContent`, &dir)
	b.eval(`document.getElementById("verdict").textContent`, &verdict)
	b.waitFor(`document.querySelectorAll("#runs li").length >= 1`, 5*time.Second)
	b.eval(`document.querySelector("#runs li button").click()`, nil) // open the run just made, as report would
	b.waitFor(`document.getElementById("opened").textContent.includes("Verdict: ")`, 10*time.Second)

	// Ended: the figures say what the run reached, not the users left as it
	// stopped against a target of 0 ("1/0 users"); a long report line (the
	// machine-busy warning) wraps instead of hiding in a scroll box.
	var figures string
	var wraps bool
	b.eval(`document.getElementById("figures").textContent`, &figures)
	b.eval(`(() => { const r = document.getElementById("report"), keep = r.textContent;
		r.textContent += "WARNING: the machine was busy: " + "2.00 of its 2 cores in use, ".repeat(12) + "end\n";
		const ok = r.scrollWidth <= r.clientWidth; r.textContent = keep; return ok; })()`, &wraps)
	if !regexp.MustCompile(`^ended after \d+ s · \d+ requests · \d+ failures · peak (3\d|40) users$`).MatchString(figures) {
		t.Errorf("figures of the ended run %q, want its totals and its peak users (about 40)", figures)
	}
	if !wraps {
		t.Error("a long line of the report runs out of its box instead of wrapping")
	}
	b.screenshot(shots, "web-3-finished.png")
	t.Logf("run directory %s, verdict %s, figures %q", dir, verdict, figures)
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

// chartChecks draws made-up samples on the idle page's charts: the time
// axis ticks at round steps, and a p95 equal to the p99 (as at low rates)
// still shows.
func chartChecks(t *testing.T, b *cdp) {
	t.Helper()
	// What the page writes on the latency chart's time axis (the bottom
	// row of text), for a run of planned seconds.
	ticks := func(planned int) string {
		var got []string
		b.eval(fmt.Sprintf(`(() => {
			const c = document.getElementById("chart-latency"), g = c.getContext("2d"), orig = g.fillText, got = [];
			g.fillText = function (text, x, y) { if (y > c.height - 8) got.push(text); return orig.apply(this, arguments); };
			samples = []; planned = %d; draw();
			delete g.fillText;
			return got;
		})()`, planned), &got)
		return strings.Join(got, " ")
	}
	for _, tt := range []struct {
		planned int
		want    string
	}{
		{10, "0s 2s 4s 6s 8s 10s"},
		{12, "0s 2s 4s 6s 8s 10s 12s"},
		{90, "0s 15s 30s 45s 1m 1m15s 1m30s"},
		{600, "0s 2m 4m 6m 8m 10m"},
		{3600, "0s 10m 20m 30m 40m 50m 1h"},
	} {
		if got := ticks(tt.planned); got != tt.want {
			t.Errorf("time axis of a %d s run: %q, want %q", tt.planned, got, tt.want)
		}
	}

	// The last sample closes a window of 0.2 s, whose 80 req/s say little:
	// the requests/s chart leaves it out (its axis stays near 5/s).
	var top string
	b.eval(`(() => {
		samples = Array.from({ length: 10 }, (_, i) => ({ t: i + 1, rps: 5, p50: 200, p95: 400, p99: 500, errors: 0, users: 5, target: 5, rate: 0 }));
		samples.push({ t: 10.2, rps: 80, p50: 200, p95: 4000, p99: 5000, errors: 0, users: 1, target: 0, rate: 0 });
		const c = document.getElementById("chart-rps"), g = c.getContext("2d"), orig = g.fillText, got = [];
		g.fillText = function (text, x, y) { if (x < 44) got.push(text); return orig.apply(this, arguments); };
		planned = 10; draw();
		delete g.fillText;
		return got.at(-1);
	})()`, &top)
	if top != "6" {
		t.Errorf("requests/s axis with a short last window of 80/s tops at %q, want 6 (the 5/s of the full windows)", top)
	}

	// p95 = p99 for 10 s: the p95's orange must show along its length, not
	// only in its key.
	var orange, plotWidth int
	b.eval(`(() => {
		samples = Array.from({ length: 10 }, (_, i) => ({ t: i + 1, rps: 5, p50: 200, p95: 900, p99: 900, errors: 0, users: 5, target: 5, rate: 0 }));
		planned = 10; draw();
		const c = document.getElementById("chart-latency"), d = c.getContext("2d").getImageData(0, 24, c.width, c.height - 24).data;
		let n = 0;
		for (let i = 0; i < d.length; i += 4) if (d[i] > 200 && d[i + 1] > 100 && d[i + 1] < 170 && d[i + 2] < 80) n++;
		samples = []; planned = 10; draw();
		return n;
	})()`, &orange)
	b.eval(`document.getElementById("chart-latency").width - 56`, &plotWidth)
	t.Logf("p95 = p99: %d orange pixels under the key, over a %d px wide plot", orange, plotWidth)
	if orange < plotWidth*8/10 {
		t.Errorf("p95 drawn equal to p99: %d orange pixels, want at least %d (p95 hidden under p99)", orange, plotWidth*8/10)
	}
}
