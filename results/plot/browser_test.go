package plot

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/ragload/ragload/internal/testtool"

	"github.com/ragload/ragload/results"
)

// headless runs the browser on a page with args and returns its stdout.
func headless(t *testing.T, bin, page string, args ...string) []byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	base := []string{
		"--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--hide-scrollbars", "--disable-dev-shm-usage", "--user-data-dir=" + t.TempDir(), "--virtual-time-budget=5000",
	}
	cmd := exec.CommandContext(ctx, bin, append(append(base, args...), "file://"+page)...)
	cmd.WaitDelay = 5 * time.Second // a helper process holding the pipes must not hang the test
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		t.Fatalf("%s did not finish in 60 s\nstderr:\n%s", bin, stderr.Bytes())
	}
	if err != nil {
		t.Fatalf("%s %v: %v\nstderr:\n%s", bin, args, err, stderr.Bytes())
	}
	return stdout.Bytes()
}

// TestBrowser opens a plot of two runs in headless Chromium: the page must
// draw every chart without a script error, and a screenshot is taken (its
// path is logged) for a person to look at.
func TestBrowser(t *testing.T) {
	bin := testtool.Browser(t)
	t.Parallel()
	_, page := build(t, twoRuns(t))
	dir := t.TempDir()
	path := filepath.Join(dir, "plot.html")
	if err := os.WriteFile(path, page, 0o644); err != nil {
		t.Fatal(err)
	}

	start := time.Now()
	dom := headless(t, bin, path, "--dump-dom")
	t.Logf("dump-dom took %s", time.Since(start).Round(time.Millisecond))
	if !bytes.Contains(dom, []byte(`data-rendered="ok"`)) {
		body := regexp.MustCompile(`<body[^>]*>`).Find(dom)
		errs := regexp.MustCompile(`(?s)<pre id="errors">(.*?)</pre>`).FindSubmatch(dom)
		t.Fatalf("page not rendered ok: %s\nerrors: %q", body, errs)
	}
	if !bytes.Contains(dom, []byte(`<pre id="errors"></pre>`)) {
		errs := regexp.MustCompile(`(?s)<pre id="errors">(.*?)</pre>`).FindSubmatch(dom)
		t.Fatalf("errors element is not empty: %q", errs)
	}
	// 4 latency charts, throughput and failures.
	if n := bytes.Count(dom, []byte(`class="chart"`)); n != 6 {
		t.Errorf("%d charts in the DOM, want 6", n)
	}

	// The controls redraw without an error: linear scale, no dots.
	toggled := filepath.Join(dir, "toggled.html")
	clicks := []byte(`<script>document.getElementById("log").click(); document.getElementById("points").click();</script></body>`)
	if err := os.WriteFile(toggled, bytes.Replace(page, []byte("</body>"), clicks, 1), 0o644); err != nil {
		t.Fatal(err)
	}
	dom = headless(t, bin, toggled, "--dump-dom")
	if !bytes.Contains(dom, []byte(`data-rendered="ok"`)) || !bytes.Contains(dom, []byte(`<pre id="errors"></pre>`)) {
		errs := regexp.MustCompile(`(?s)<pre id="errors">(.*?)</pre>`).FindSubmatch(dom)
		t.Fatalf("after toggling the controls: errors %q", errs)
	}
	if n := bytes.Count(dom, []byte(`class="chart"`)); n != 6 {
		t.Errorf("after toggling the controls: %d charts in the DOM, want 6", n)
	}

	png := screenshot(t, bin, path, filepath.Join(dir, "plot.png"), "1280,1600")
	keep(t, map[string][]byte{"plot.html": page, "plot.png": png})
}

// TestBrowserSameThroughput plots two runs at the same rate, whose
// throughput lines coincide: the earlier run's must still show around the
// later one's (before, the later line covered it: no blue pixel on the
// chart). The screenshot goes to $RAGLOAD_SCREENSHOTS as plot-two-runs.png.
// It does not run beside TestBrowser, to spare a small machine's cores.
func TestBrowserSameThroughput(t *testing.T) {
	bin := testtool.Browser(t)
	parent := t.TempDir()
	_, page := build(t, []string{
		writeRun(t, parent, runSpec{name: "monday", start: t0, duration: 40 * time.Second, rate: 20, seed: 1, failEvery: 50}),
		writeRun(t, parent, runSpec{name: "tuesday", start: t0.Add(24 * time.Hour), duration: 40 * time.Second, rate: 20, seed: 2, failEvery: 50,
			slowFrom: 15 * time.Second, slowTo: 22 * time.Second, slow: 4}),
	})
	dir := t.TempDir()
	path := filepath.Join(dir, "two-runs.html")
	if err := os.WriteFile(path, page, 0o644); err != nil {
		t.Fatal(err)
	}
	// Once the page has rendered, count the throughput chart's pixels of
	// each run's colour (#0969da blue, then #cf222e red), pale ones included.
	count := []byte(`<script>
(function wait() {
  if (document.body.dataset.rendered !== "ok") { setTimeout(wait, 50); return; }
  var c = document.querySelector("#throughput canvas"), d = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
  var blue = 0, red = 0;
  for (var i = 0; i < d.length; i += 4) {
    var r = d[i], g = d[i + 1], b = d[i + 2];
    if (b > 150 && b > r + 50 && b > g + 30) blue++;
    if (r > 150 && r > g + 80 && r > b + 60) red++;
  }
  document.body.dataset.pixels = blue + " " + red;
})();
</script></body>`)
	counted := filepath.Join(dir, "counted.html")
	if err := os.WriteFile(counted, bytes.Replace(page, []byte("</body>"), count, 1), 0o644); err != nil {
		t.Fatal(err)
	}
	dom := rendered(t, bin, counted)
	m := regexp.MustCompile(`data-pixels="(\d+) (\d+)"`).FindSubmatch(dom)
	if m == nil {
		t.Fatal("the page did not count the throughput chart's pixels")
	}
	blue, _ := strconv.Atoi(string(m[1]))
	red, _ := strconv.Atoi(string(m[2]))
	t.Logf("throughput chart of two runs at 20/s: %d pixels of the first run's blue, %d of the second's red", blue, red)
	if red == 0 || blue < red/2 {
		t.Errorf("two runs at the same throughput: %d blue pixels for %d red, want the first run's line visible (at least half as many)", blue, red)
	}

	png := screenshot(t, bin, path, filepath.Join(dir, "two-runs.png"), "1280,2400")
	shots(t, map[string][]byte{"plot-two-runs.png": png})
}

// shots writes screenshots into $RAGLOAD_SCREENSHOTS, when it is set, for
// a person to look at.
func shots(t *testing.T, files map[string][]byte) {
	t.Helper()
	dir := os.Getenv("RAGLOAD_SCREENSHOTS")
	if dir == "" {
		return
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, b := range files {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, b, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("screenshot: %s", path)
	}
}

// rendered opens page in the browser and returns its DOM after the
// scripts ran; the page must say it rendered ok, with no script error.
func rendered(t *testing.T, bin, page string) []byte {
	t.Helper()
	dom := headless(t, bin, page, "--dump-dom")
	errs := regexp.MustCompile(`(?s)<pre id="errors">(.*?)</pre>`).FindSubmatch(dom)
	if !bytes.Contains(dom, []byte(`data-rendered="ok"`)) {
		body := regexp.MustCompile(`<body[^>]*>`).Find(dom)
		t.Fatalf("%s not rendered ok: %s\nerrors: %q", filepath.Base(page), body, errs)
	}
	if !bytes.Contains(dom, []byte(`<pre id="errors"></pre>`)) {
		t.Fatalf("%s: errors element is not empty: %q", filepath.Base(page), errs)
	}
	return dom
}

// TestBrowserSweep opens plots of capacity sweeps in headless Chromium:
// sweeps alone, and sweeps (a search, a generator-limited one, an odd one,
// one without steps) beside a run, with the log scale toggled. Every chart
// must draw without a script error; a screenshot of the sweeps is taken
// (its path is logged). It does not run beside TestBrowser, to spare a
// small machine's cores.
func TestBrowserSweep(t *testing.T) {
	bin := testtool.Browser(t)
	search, generator, odd, empty := sweepDirs(t)
	dir := t.TempDir()
	write := func(name string, b []byte) string {
		t.Helper()
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return path
	}
	sweepPage := func(dirs []string, runs []string) []byte {
		p := New()
		for _, d := range dirs {
			if err := p.AddSweepDir(d); err != nil {
				t.Fatal(err)
			}
		}
		ins, err := results.Resolve(runs)
		if err != nil {
			t.Fatal(err)
		}
		for _, in := range ins {
			if err := p.AddInput(in); err != nil {
				t.Fatal(err)
			}
		}
		return page(t, p)
	}
	countCharts := func(what string, dom []byte, want int) {
		t.Helper()
		if n := bytes.Count(dom, []byte(`class="chart"`)); n != want {
			t.Errorf("%s: %d charts in the DOM, want %d", what, n, want)
		}
		if n := bytes.Count(dom, []byte(`<canvas`)); n != want {
			t.Errorf("%s: %d canvases in the DOM, want %d", what, n, want)
		}
	}

	// Two sweeps alone: two charts each, no time series.
	alone := sweepPage([]string{search, generator}, nil)
	alonePath := write("sweeps.html", alone)
	start := time.Now()
	dom := rendered(t, bin, alonePath)
	t.Logf("dump-dom of two sweeps took %s", time.Since(start).Round(time.Millisecond))
	countCharts("two sweeps", dom, 4)
	for _, want := range []string{`<section id="timeseries" hidden="">`, `<section id="capacity">`, "max sustainable ≈ 65 rps (bracket [65, 68])",
		"Latency vs served throughput", "Served against planned rate", "p95 limit (p95&lt;1500ms)", "generator-limited (ragload was the limit)"} {
		if !bytes.Contains(dom, []byte(want)) {
			t.Errorf("two sweeps: %q not in the DOM", want)
		}
	}

	// Every kind of sweep beside a run: 2 charts for each sweep with steps,
	// 6 for the run (4 endpoints, throughput, failures). The mouse sweeps
	// over each chart of a sweep until a step's details show beside it.
	mixed := sweepPage([]string{search, generator, odd, empty}, []string{filepath.Join(search, "step-0020rps")})
	hover := []byte(`<script>
(function () {
  var shown = 0;
  document.querySelectorAll(".sweep .u-over").forEach(function (over) {
    var r = over.getBoundingClientRect();
    for (var i = 0; i <= 60; i++) for (var j = 0; j <= 40; j++) {
      over.dispatchEvent(new MouseEvent("mousemove", { bubbles: true, clientX: r.left + r.width * i / 60, clientY: r.top + r.height * j / 40 }));
      var tip = over.querySelector(".tip");
      if (tip && !tip.hidden && /verdict: /.test(tip.textContent)) { shown++; return; }
    }
  });
  document.body.dataset.tips = shown;
})();
</script></body>`)
	dom = rendered(t, bin, write("mixed.html", bytes.Replace(mixed, []byte("</body>"), hover, 1)))
	countCharts("sweeps and a run", dom, 12)
	if !bytes.Contains(dom, []byte("no steps")) || bytes.Contains(dom, []byte(`id="timeseries" hidden`)) {
		t.Error("sweeps and a run: the empty sweep or the time series are not shown as they should be")
	}
	if !bytes.Contains(dom, []byte(`data-tips="6"`)) {
		t.Errorf("hovering: %s, want step details on 6 charts", regexp.MustCompile(`data-tips="[^"]*"`).Find(dom))
	}

	// The log scale off redraws the curves.
	clicks := []byte(`<script>document.getElementById("log").click();</script></body>`)
	dom = rendered(t, bin, write("mixed-linear.html", bytes.Replace(mixed, []byte("</body>"), clicks, 1)))
	countCharts("sweeps and a run, linear scale", dom, 12)

	png := screenshot(t, bin, alonePath, filepath.Join(dir, "sweeps.png"), "1280,1500")
	keep(t, map[string][]byte{"sweeps.html": alone, "sweeps.png": png, "mixed.html": mixed})
}

// screenshot has the browser shoot page into shot at size ("W,H") and
// returns the PNG.
func screenshot(t *testing.T, bin, page, shot, size string) []byte {
	t.Helper()
	start := time.Now()
	headless(t, bin, page, "--screenshot="+shot, "--window-size="+size)
	png, err := os.ReadFile(shot)
	if err != nil {
		t.Fatal(err)
	}
	if len(png) < 1000 || !bytes.HasPrefix(png, []byte("\x89PNG\r\n\x1a\n")) {
		t.Fatalf("screenshot %s is not a PNG (%d bytes)", shot, len(png))
	}
	t.Logf("screenshot: %s (%d bytes, %s)", shot, len(png), time.Since(start).Round(time.Millisecond))
	return png
}

// keep writes files into $RAGLOAD_PLOT_KEEP, when it is set, to look at
// after the test.
func keep(t *testing.T, files map[string][]byte) {
	t.Helper()
	dir := os.Getenv("RAGLOAD_PLOT_KEEP")
	if dir == "" {
		return
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, b := range files {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
